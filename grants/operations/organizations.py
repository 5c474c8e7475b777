"""Startups: create one (its creator becomes its owner) and read it."""

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from grants import audit, labels, permissions
from grants.extensions import db
from grants.models import FIELDS, Membership, Organization, User, utcnow
from grants.operations.core import Validator, by_id, transaction
from grants.operations.errors import Forbidden, NotFound

MAX_AGE_YEARS = 5
# A Vietnamese enterprise code (mã số doanh nghiệp, also the tax code): 10 digits, or 13 for a
# branch or other dependent unit, usually written with a hyphen before the last three.
ENTERPRISE_CODE = re.compile(r"([0-9]{10})(?:-?([0-9]{3}))?")


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



def create_organization(actor: User, data: Any) -> Organization:
    v = Validator(data)
    name = v.text("name", max_length=200)
    registration_number = v.text("registration_number", required=False, max_length=50)
    if registration_number is not None:
        registration_number = enterprise_code(registration_number)
        if registration_number is None:
            v.fail("registration_number", _("Must be an enterprise code: 10 digits, or 13 digits "
                                            "for a branch (like 0312345678-001)."))
    founded_on = v.day("founded_on", required=False)
    field = v.choice("field", FIELDS, labels=labels.FIELDS)
    if founded_on and founded_on > utcnow().date():
        v.fail("founded_on", _("Must not be in the future."))
    if not permissions.can_apply(actor):
        raise Forbidden(_("Only startup accounts can register an organization."))
    with transaction():
        if registration_number and db.session.scalar(
            select(Organization.id).where(Organization.registration_number == registration_number)
        ):
            v.fail("registration_number", _("An organization with this number is registered."))
        v.check()
        organization = Organization(
            name=name, registration_number=registration_number, founded_on=founded_on, field=field
        )
        organization.members.append(Membership(user_id=actor.id, role="owner"))
        db.session.add(organization)
        db.session.flush()
        audit.record(
            actor=actor, role="applicant", entity_type="organization", entity_id=organization.id,
            action="create",
            payload={"name": name, "registration_number": registration_number,
                     "founded_on": founded_on, "field": field},
        )
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
