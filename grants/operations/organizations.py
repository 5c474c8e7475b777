"""Startups: register one (its creator becomes its owner), keep its profile, and its team:
the owner invites co-applicants by email with a one-time link and removes members."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from grants import audit, labels, outbox, permissions
from grants.config import LANGUAGES
from grants.extensions import db
from grants.inputs import identifier
from grants.models import FIELDS, Actor, Invitation, Membership, Organization, User, utcnow
from grants.operations.core import Validator, by_id, transaction
from grants.operations.errors import Conflict, Forbidden, Invalid, NotFound

MAX_AGE_YEARS = 5
# A Vietnamese enterprise code (mã số doanh nghiệp, also the tax code): 10 digits, or 13 for a
# branch or other dependent unit, usually written with a hyphen before the last three.
ENTERPRISE_CODE = re.compile(r"([0-9]{10})(?:-?([0-9]{3}))?")
INVITATION_DAYS = 7  # an invitation link works for a week
# What a startup's profile holds.
PROFILE = ("name", "registration_number", "founded_on", "field", "address", "website")
# The address is printed on letters and the website linked from the pages: plain web addresses.
HOSTNAME = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
                      re.IGNORECASE)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def enterprise_code(value: str) -> str | None:
    """The code in the one form we store, or None when `value` is not an enterprise code.

    The stored form is the one printed on the registration certificate: `0312345678` for an
    enterprise, `0312345678-001` for a branch, whether the branch code was typed with or
    without the hyphen; so the same code typed two ways is still found as a duplicate.
    """
    match = ENTERPRISE_CODE.fullmatch(value)
    if match is None:
        return None
    head, branch = match.groups()
    return f"{head}-{branch}" if branch else head


def website(value: str) -> str | None:
    """An http or https address with a host name, as typed; None for anything else
    (javascript:, ftp:, a bare word, spaces, a user name in it)."""
    if any(c.isspace() for c in value):
        return None
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").encode("idna").decode()
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except (ValueError, UnicodeError):
        return None
    if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password:
        return None
    return value if HOSTNAME.fullmatch(host) else None


def _profile(v: Validator, *, partial: bool) -> dict[str, Any]:
    """The profile fields present in the data (all of them unless `partial`), validated."""
    data = v.data
    found: dict[str, Any] = {}

    def given(name: str) -> bool:
        return not partial or name in data

    if given("name"):
        found["name"] = v.text("name", max_length=200)
    if given("registration_number"):
        code = v.text("registration_number", required=False, max_length=50)
        if code is not None:
            code = enterprise_code(code)
            if code is None:
                v.fail("registration_number", _(
                    "Must be an enterprise code: 10 digits, or 13 digits for a branch "
                    "(like 0312345678-001)."))
        found["registration_number"] = code
    if given("founded_on"):
        founded_on = v.day("founded_on", required=False)
        if founded_on and founded_on > utcnow().date():
            v.fail("founded_on", _("Must not be in the future."))
        found["founded_on"] = founded_on
    if given("field"):
        found["field"] = v.choice("field", FIELDS, labels=labels.FIELDS)
    if given("address"):
        found["address"] = v.text("address", required=False, max_length=300)
    if given("website"):
        address = v.text("website", required=False, max_length=300)
        if address is not None and website(address) is None:
            v.fail("website", _("Must be a web address starting with http:// or https:// "
                                "(like https://example.vn)."))
        found["website"] = address
    return found


def _code_taken(v: Validator, code: str | None, organization_id: int | None = None) -> None:
    if code is None:
        return
    query = select(Organization.id).where(Organization.registration_number == code)
    if organization_id is not None:
        query = query.where(Organization.id != organization_id)
    if db.session.scalar(query) is not None:
        v.fail("registration_number", _("An organization with this number is registered."))


def require_startup_account(actor: Actor) -> None:
    """Organizations are registered, and applications made, by startup accounts (403)."""
    if not permissions.can_apply(actor):
        raise Forbidden(_("Only startup accounts can register an organization."))


def create_organization(actor: User, data: Any) -> Organization:
    v = Validator(data)
    profile = _profile(v, partial=False)
    require_startup_account(actor)
    with transaction():
        _code_taken(v, profile["registration_number"])
        v.check()
        organization = Organization(**profile)
        organization.members.append(Membership(user_id=actor.id, role=permissions.OWNER))
        db.session.add(organization)
        db.session.flush()
        audit.record(
            actor=actor, role="applicant", entity_type="organization", entity_id=organization.id,
            action="create", payload=profile,
        )
    return organization


def _visible(actor: Actor, organization_id: Any, *,
             lock: bool = False) -> tuple[Organization, str | None]:
    """The organization if the actor may see it (404 otherwise), locked when `lock`, and the
    actor's role in its team (None for staff who see it through an application)."""
    number = identifier(organization_id)
    if number is None:
        raise NotFound(_("Not found."))
    query = select(Organization).where(Organization.id == number)
    organization = db.session.scalars(query.with_for_update() if lock else query).one_or_none()
    if organization is None:
        raise NotFound(_("Not found."))
    role = permissions.membership_role(actor, organization.id)
    if role is None and not permissions.can_view_organization(actor, organization.id):
        raise NotFound(_("Not found."))
    return organization, role


def update_organization(actor: User, organization_id: Any, data: Any) -> Organization:
    """The owner and the members edit the profile; the audit keeps what it was and became."""
    v = Validator(data)
    profile = _profile(v, partial=True)
    with transaction():
        organization, role = _visible(actor, organization_id, lock=True)
        if role is None:  # the owner and the members edit; staff only see it
            raise Forbidden(_("Only the startup's team may edit its profile."))
        if "registration_number" in profile:
            _code_taken(v, profile["registration_number"], organization.id)
        v.check()
        before, after = {}, {}
        for name, value in profile.items():
            if getattr(organization, name) != value:
                before[name], after[name] = getattr(organization, name), value
                setattr(organization, name, value)
        if after:
            audit.record(actor=actor, role="applicant", entity_type="organization",
                         entity_id=organization.id, action="update",
                         payload={"before": before, "after": after})
    return organization


def get_organization(actor: User, organization_id: Any) -> Organization:
    organization = by_id(Organization, organization_id)
    if not permissions.can_view_organization(actor, organization.id):
        raise NotFound(_("Not found."))
    return organization


def my_organizations(actor: User, limit: int | None = None) -> list[Organization]:
    """The actor's startups, newest first (the membership index gives the order); `limit`
    bounds a list a page shows."""
    return list(
        db.session.scalars(
            select(Organization)
            .join(Membership)
            .where(Membership.user_id == actor.id)
            .order_by(Membership.organization_id.desc())
            .limit(limit)
        )
    )


# --- the team ------------------------------------------------------------------------------


class Member(NamedTuple):
    user_id: int
    name: str
    email: str
    role: str


@dataclass(frozen=True)
class Team:
    """A startup's team as the actor sees it: the startup, the actor's place in it (None for
    staff who see it through an application), a page of members by user id, and for the owner
    the invitations not yet used or cancelled, newest first."""

    organization: Organization
    role: str | None
    members: list[Member]
    invitations: list[Invitation]


def team(actor: User, organization_id: Any, *, after_id: int | None = None, limit: int = 50,
         with_invitations: bool = True) -> Team:
    """Whoever may see the startup may see who is in it (404 for anyone else)."""
    organization, role = _visible(actor, organization_id)
    query = (select(User.id, User.name, User.email, Membership.role)
             .join(Membership, Membership.user_id == User.id)
             .where(Membership.organization_id == organization.id)
             .order_by(Membership.user_id).limit(limit))
    if after_id is not None:
        query = query.where(Membership.user_id > after_id)
    found = [Member(*row) for row in db.session.execute(query)]
    invitations = list(db.session.scalars(
        select(Invitation).where(Invitation.organization_id == organization.id,
                                 Invitation.accepted_at.is_(None),
                                 Invitation.cancelled_at.is_(None))
        .order_by(Invitation.id.desc()).limit(limit))) \
        if with_invitations and role == permissions.OWNER else []
    return Team(organization, role, found, invitations)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _owner_of(actor: User, organization_id: Any, message: str) -> Organization:
    organization, role = _visible(actor, organization_id, lock=True)
    if role != permissions.OWNER:
        raise Forbidden(message)
    return organization


def invite(actor: User, organization_id: Any, data: Any) -> tuple[Invitation, str]:
    """The owner invites someone by email: a one-time link, valid for a week, goes out through
    the outbox in the same transaction. Returns the invitation and the link's token (which is
    stored only as its hash)."""
    v = Validator(data)
    email = v.text("email", max_length=254)
    if email is not None:
        email = email.lower()
        if not EMAIL.fullmatch(email):
            v.fail("email", _("Not a valid email address."))
    with transaction():
        organization = _owner_of(actor, organization_id,
                                 _("Only the startup's owner may invite members."))
        if email and db.session.scalar(
                select(Membership.user_id).join(User, User.id == Membership.user_id)
                .where(Membership.organization_id == organization.id, User.email == email)):
            v.fail("email", _("This person is already in the team."))
        elif email and db.session.scalar(
                select(Invitation.id).where(
                    Invitation.organization_id == organization.id, Invitation.email == email,
                    Invitation.accepted_at.is_(None), Invitation.cancelled_at.is_(None),
                    Invitation.expires_at > utcnow())):
            v.fail("email", _("An invitation to this email is still open. Cancel it first to "
                              "send a new one."))
        v.check()
        token = secrets.token_urlsafe(32)
        now = utcnow()
        invitation = Invitation(
            organization_id=organization.id, email=email, token_hash=_token_hash(token),
            invited_by_id=actor.id, created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS))
        db.session.add(invitation)
        db.session.flush()
        invitee = db.session.scalar(select(User).where(User.email == email))
        locale = (invitee.locale if invitee is not None and invitee.locale in LANGUAGES
                  else str(get_locale() or "vi"))
        outbox.enqueue_address(
            email, locale if locale in LANGUAGES else "vi", "team_invitation",
            {"organization": organization.name, "inviter": actor.name,
             "expires_at": audit.to_json_value(invitation.expires_at),
             "url": f"/invitations/{token}"},
            recipient=invitee, entity_type="organization", entity_id=organization.id)
        audit.record(actor=actor, role="applicant", entity_type="organization",
                     entity_id=organization.id, action="invite_member",
                     payload={"invitation_id": invitation.id, "email": email,
                              "expires_at": invitation.expires_at})
    return invitation, token


def invitation_for(token: str) -> Invitation:
    """The invitation a link's token names (NotFound for a token that names none)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise NotFound(_("This invitation link is not valid. Ask the startup's owner for a "
                         "new one."))
    invitation = db.session.scalar(select(Invitation)
                                   .where(Invitation.token_hash == _token_hash(token)))
    if invitation is None:
        raise NotFound(_("This invitation link is not valid. Ask the startup's owner for a "
                         "new one."))
    return invitation


def invitation_problem(invitation: Invitation, actor: User | None,
                       now: datetime | None = None) -> str | None:
    """Why this link cannot be used (by `actor`, when given) now, or None."""
    if invitation.accepted_at is not None:
        return _("This invitation link was already used. Each link works once.")
    if invitation.cancelled_at is not None:
        return _("This invitation was cancelled by the startup's owner.")
    if (now or utcnow()) >= invitation.expires_at:
        return _("This invitation link has expired. Ask the startup's owner for a new one.")
    if actor is not None and actor.email != invitation.email:
        return _("This invitation was sent to another email address. Log in with the account "
                 "of that address to accept it.")
    return None


def accept_invitation(actor: User, token: str) -> Organization:
    """The invited person, logged in with the invited email's account, joins the team."""
    with transaction():
        found = invitation_for(token)
        # locked, and read again: a concurrent accept of the same link waits here, then sees
        # it used
        invitation = db.session.scalars(
            select(Invitation).where(Invitation.id == found.id).with_for_update()
            .execution_options(populate_existing=True)).one()
        problem = invitation_problem(invitation, actor)
        if problem is not None:
            if actor.email != invitation.email and invitation.pending:
                raise Forbidden(problem)
            raise Conflict(problem)
        now = utcnow()
        invitation.accepted_at, invitation.accepted_by_id = now, actor.id
        if permissions.membership_role(actor, invitation.organization_id) is None:
            db.session.add(Membership(organization_id=invitation.organization_id,
                                      user_id=actor.id, role=permissions.MEMBER))
        audit.record(actor=actor, role="applicant", entity_type="organization",
                     entity_id=invitation.organization_id, action="join",
                     payload={"invitation_id": invitation.id, "user_id": actor.id})
        organization = invitation.organization
    return organization


def cancel_invitation(actor: User, organization_id: Any, invitation_id: Any) -> None:
    with transaction():
        organization = _owner_of(actor, organization_id,
                                 _("Only the startup's owner may cancel invitations."))
        number = identifier(invitation_id)
        invitation = db.session.get(Invitation, number) if number else None
        if invitation is None or invitation.organization_id != organization.id:
            raise NotFound(_("Not found."))
        if not invitation.pending:
            raise Conflict(_("This invitation was already used or cancelled."))
        invitation.cancelled_at = utcnow()
        audit.record(actor=actor, role="applicant", entity_type="organization",
                     entity_id=organization.id, action="cancel_invitation",
                     payload={"invitation_id": invitation.id, "email": invitation.email})


def remove_member(actor: User, organization_id: Any, user_id: Any) -> None:
    """The owner removes a member; the owner stays."""
    with transaction():
        organization = _owner_of(actor, organization_id,
                                 _("Only the startup's owner may remove members."))
        number = identifier(user_id)
        membership = db.session.get(Membership, {"organization_id": organization.id,
                                                 "user_id": number}) if number else None
        if membership is None:
            raise NotFound(_("Not found."))
        if membership.role == permissions.OWNER:
            raise Invalid(_("The owner cannot be removed from the team."))
        db.session.delete(membership)
        audit.record(actor=actor, role="applicant", entity_type="organization",
                     entity_id=organization.id, action="remove_member",
                     payload={"user_id": number})
