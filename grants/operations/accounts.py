"""Accounts: registration, staff users, role grants, passwords and API tokens."""

import hashlib
import secrets
from datetime import timedelta
from functools import cache
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from grants import audit, outbox, permissions
from grants.config import LANGUAGES
from grants.extensions import db
from grants.inputs import identifier, text_problem
from grants.models import SYSTEM, Actor, ApiToken, Programme, Role, RoleGrant, User, utcnow
from grants.operations import throttle
from grants.operations.core import Validator, by_id, transaction
from grants.operations.errors import Conflict, Forbidden, Invalid, NotFound
from grants.paths import DATA

MIN_PASSWORD = 10
TOKEN_PREFIX = "gr_"
# The passwords of the demo accounts; refused everywhere unless the app is in demo mode.
# (tests/app/test_accounts.py checks that every demo account's password is here)
DEMO_PASSWORDS = frozenset({"demo-startup", "demo-reviewer", "demo-manager", "demo-manager-2",
                            "demo-auditor", "demo-admin", "demo-mentor"})


@cache
def common_passwords() -> frozenset[str]:
    """The list of passwords too common to accept (grants/data/common-passwords.txt)."""
    lines = (DATA / "common-passwords.txt").read_text().splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _check_password(v: Validator, password: str | None, *, email: str | None = None,
                    demo: bool = False) -> None:
    if password is None:
        return
    if len(password) < MIN_PASSWORD:
        v.fail("password", _("At least %(n)d characters.", n=MIN_PASSWORD))
    elif password in DEMO_PASSWORDS and not (demo or current_app.config.get("DEMO_MODE")):
        v.fail("password", _("Demo passwords are only allowed in demo mode."))
    elif not demo and _guessable(password, email):
        v.fail("password", _("This password is too common or too easy to guess from your "
                             "email. Choose another."))


def _guessable(password: str, email: str | None) -> bool:
    """On the list of common passwords, or built on the email's name part."""
    name = (email or "").split("@")[0].lower()
    return password.lower() in common_passwords() or (len(name) >= 4 and name in password.lower())


def locked(user_id: int) -> User:
    """The user's row read afresh and locked until the commit (a password, a session version
    or a second factor changes on it)."""
    return db.session.get(User, user_id, with_for_update=True, populate_existing=True)


def _check_email(v: Validator, email: str | None) -> None:
    if email and ("@" not in email or " " in email):
        v.fail("email", _("Not a valid email address."))


def _new_user(v: Validator, email: str | None, name: str | None, password: str | None,
              demo: bool = False) -> User:
    _check_email(v, email)
    if email and db.session.scalar(select(User.id).where(User.email == email.lower())):
        v.fail("email", _("An account with this email exists."))
    _check_password(v, password, email=email, demo=demo)
    v.check()
    user = User(email=email.lower(), name=name, password_hash=generate_password_hash(password),
                demo=demo)
    db.session.add(user)
    db.session.flush()
    return user


def _grant(user: User, role: Role, programme_id: int | None, actor: Actor) -> None:
    user.grants.append(RoleGrant(role=role.value, programme_id=programme_id))
    audit.record(
        actor=actor, role="system" if actor is SYSTEM else Role.APPLICANT.value, entity_type="user",
        entity_id=user.id, action="grant_role",
        payload={"role": role.value, "programme_id": programme_id},
    )


REGISTRATION_HOURS = 48  # a registration link works for two days


def _registrations() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="registration")


def request_registration(data: Any, address: str | None, locale: str | None = None,
                         next_path: str | None = None) -> str | None:
    """A startup asks for an account: a mail goes to the address, whether or not it already
    has one, so the answer never tells which emails exist.

    1. Refuse, 429, an address that asked too often (throttle, every request counts).
    2. Check the name and email (not whether the email is taken).
    3. Mail a link to choose the password (a signed token naming the email, the name, the
       language and where to go next; nothing is stored), or, when the email has an account,
       a mail saying so with a link to log in. Returns the link's path in the first case
       (shown on the page in demo mode only, where no mail leaves)."""
    throttle.check((throttle.REGISTRATION, address or "-"))
    with transaction():
        throttle.record((throttle.REGISTRATION, address or "-"))
    v = Validator(data)
    email = v.text("email", max_length=254)
    name = v.text("name", max_length=200)
    _check_email(v, email)
    v.check()
    email = email.lower()
    locale = locale if locale in LANGUAGES else "vi"
    with transaction():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            outbox.enqueue(user, "account_exists", {"url": "/login"})
            return None
        token = _registrations().dumps({"email": email, "name": name, "locale": locale,
                                        "next": next_path})
        expires = utcnow() + timedelta(hours=REGISTRATION_HOURS)
        outbox.enqueue_address(email, locale, "registration_link", {
            "url": f"/register/{token}", "expires_at": audit.to_json_value(expires)})
    return f"/register/{token}"


def registration(token: str) -> dict[str, Any]:
    """What a registration link names (email, name, locale, next), or 404 when the link is
    forged or older than two days; 409 once the account exists."""
    try:
        details = _registrations().loads(token, max_age=REGISTRATION_HOURS * 3600)
    except BadSignature:  # forged, altered, or expired (SignatureExpired is one)
        raise NotFound(_("This link is not valid or has expired. Register again.")) from None
    if db.session.scalar(select(User.id).where(User.email == details["email"])):
        raise Conflict(_("This link was already used: log in with your email and password."))
    return details


def register(token: str, data: Any) -> tuple[User, dict[str, Any]]:
    """The startup follows the mailed link and chooses a password: the account, with the
    applicant role. Returns it and the link's details (where to go next)."""
    details = registration(token)
    v = Validator(data)
    password = v.password("password")
    with transaction():
        user = _new_user(v, details["email"], details["name"], password)
        user.locale = details["locale"]
        audit.record(actor=user, role=Role.APPLICANT.value, entity_type="user",
                     entity_id=user.id, action="register", payload={"email": user.email})
        _grant(user, Role.APPLICANT, None, user)
    return user, details


def create_user(email: str, name: str, password: str, role: str,
                programme_id: int | None = None, *, demo: bool = False) -> User:
    """A staff (or any) account, from the command line; the demo seed's (`demo`) may use demo
    passwords and works in demo mode only."""
    v = Validator({"email": email, "name": name, "password": password})
    email, name = v.text("email", max_length=254), v.text("name", max_length=200)
    password = v.password("password")
    if role not in {r.value for r in Role}:
        v.fail("role", _("Must be one of: %(choices)s.", choices=", ".join(r.value for r in Role)))
    with transaction():
        if programme_id is not None and db.session.get(Programme, programme_id) is None:
            v.fail("programme", _("No such programme."))
        user = _new_user(v, email, name, password, demo)
        _grant(user, Role(role), programme_id, SYSTEM)
    return user


def authenticate(email: str, password: str, address: str | None) -> User | None:
    """The first step of a login: the active user with this email and password, or None.

    1. Refuse a malformed email or password (no lookup).
    2. Refuse, 429, an account or an address with too many recent failures (throttle).
    3. Check a password hash whether or not the email is an account's (the same work either
       way, so the answer's timing does not tell which emails exist).
    4. Refuse an inactive account, a wrong password, a demo account outside demo mode.
    5. Success clears the account's failures; without a second factor it is the login (audit
       `login`); with one, `second_factor.complete` finishes it.
    Every refusal counts against the account and the address and writes `login_failed` (on the
    account when the email is one, with the email's hash when it is not)."""
    email, password = (email or "").strip().lower(), password or ""
    if text_problem(email) or text_problem(password) or len(email) > 254 or len(password) > 200:
        return _failed(None, email, address, "malformed")
    keys = ((throttle.ACCOUNT, throttle.email_key(email)), (throttle.ADDRESS, address or "-"))
    throttle.check(*keys)
    user = db.session.scalar(select(User).where(User.email == email))
    if not check_password_hash(user.password_hash if user else _unknown_hash(), password) \
            or user is None:
        return _failed(user, email, address, "wrong password" if user else "unknown email")
    if not user.active:
        return _failed(user, email, address, "inactive")
    if user.demo and not current_app.config.get("DEMO_MODE"):
        return _failed(user, email, address, "demo account outside demo mode")
    with transaction():
        throttle.clear(*keys[0])
        if not user.has_second_factor:
            logged_in(user, address)
    return user


def logged_in(user: User, address: str | None, second_factor: str | None = None) -> None:
    """The login event, in the caller's transaction."""
    audit.record(actor=user, role=None, entity_type="user", entity_id=user.id, action="login",
                 payload={"address": address} | (
                     {"second_factor": second_factor} if second_factor else {}))


@cache
def _unknown_hash() -> str:
    """A hash of a random password, checked when the email is no account's: a login for an
    unknown email costs what one for a known email does."""
    return generate_password_hash(secrets.token_urlsafe(16))


def _failed(user: User | None, email: str, address: str | None, why: str) -> None:
    """Record a refused login (always None): counted by the throttle, and audited."""
    with transaction():
        throttle.record((throttle.ACCOUNT, throttle.email_key(email)),
                        (throttle.ADDRESS, address or "-"))
        audit.record(actor=SYSTEM, role=None, entity_type="user",
                     entity_id=user.id if user else 0, action="login_failed",
                     payload={"why": why, "address": address} | ({} if user else {
                         "email_sha256": throttle.email_key(email)}))
    return None


def end_sessions(user: User) -> int:
    """Every session of the user ends (logout, a new password, a reset second factor): their
    cookies, copies included, stop working. Returns the new version for the current session
    to carry on with, where it does."""
    with transaction():
        row = locked(user.id)
        row.session_version += 1
    return row.session_version


def change_password(user: User, data: Any) -> int:
    """The user changes their password, giving the current one: every other session ends.
    Returns the session version the current session carries on with."""
    v = Validator(data)
    current = v.password("current_password")
    new = v.password("password")
    if current is not None and not check_password_hash(user.password_hash, current):
        v.fail("current_password", _("This is not your current password."))
    _check_password(v, new, email=user.email)
    if new is not None and current == new:
        v.fail("password", _("Choose a password different from the current one."))
    v.check()
    with transaction():
        row = locked(user.id)
        row.password_hash = generate_password_hash(new)
        row.session_version += 1
        audit.record(actor=user, role=None, entity_type="user", entity_id=user.id,
                     action="change_password")
    return row.session_version


def set_locale(user: User, locale: str) -> None:
    with transaction():
        user.locale = locale


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str = "token") -> str:
    """A new personal access token; the plain token is returned once and never stored."""
    v = Validator({"name": name})
    name = v.text("name", max_length=100)
    v.check()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction():
        row = ApiToken(user_id=user.id, name=name, token_hash=_token_hash(token),
                       prefix=token[:10])
        db.session.add(row)
        db.session.flush()
        audit.record(actor=user, role=None, entity_type="api_token", entity_id=row.id,
                     action="create", payload={"name": name, "prefix": row.prefix})
    return token


def revoke_token(user: User, token_id: Any) -> None:
    with transaction():
        row = by_id(ApiToken, token_id)
        if row.user_id != user.id:
            raise NotFound(_("Not found."))
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            audit.record(actor=user, role=None, entity_type="api_token", entity_id=row.id,
                         action="revoke", payload={"prefix": row.prefix})


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def user_for_token(token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = db.session.scalar(select(ApiToken).options(joinedload(ApiToken.user, innerjoin=True))
                            .where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active or (
            row.user.demo and not current_app.config.get("DEMO_MODE")):
        return None
    return row.user


def user_by_email(email: str) -> User:
    email = email.strip().lower()
    user = None if text_problem(email) else db.session.scalar(
        select(User).where(User.email == email))
    if user is None:
        raise Invalid(_("No account with this email."), {"email": _("No account with this email.")})
    return user


# --- users and role grants, kept by administrators in the pages ------------------------------

# Roles granted per programme, or for every programme (programme_id None); the others are
# granted for every programme only.
PROGRAMME_ROLES = (Role.MANAGER.value, Role.REVIEWER.value, Role.AUDITOR.value,
                   Role.MENTOR.value)
USER_PAGE = 50


def require_admin(actor: Actor) -> None:
    if not permissions.can_manage_users(actor):
        raise Forbidden(_("Only administrators manage users and roles."))


def _after(prefix: str) -> str:
    """The first text after every text that starts with `prefix` (for an index range)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def list_users(actor: Actor, *, email_prefix: str | None = None, after_email: str | None = None,
               limit: int = USER_PAGE) -> list[User]:
    """Accounts by email, a page at a time (keyset on the unique email); `email_prefix` keeps
    those whose email starts with it. Both read the email's index as a range."""
    require_admin(actor)
    query = select(User).order_by(User.email).limit(limit)
    prefix = (email_prefix or "").strip().lower()
    if prefix and not text_problem(prefix):
        query = query.where(User.email >= prefix, User.email < _after(prefix))
    if after_email and not text_problem(after_email):
        query = query.where(User.email > after_email)
    return list(db.session.scalars(query))


def get_user(actor: Actor, user_id: Any) -> User:
    require_admin(actor)
    return by_id(User, user_id)


def programmes_to_choose(limit: int = 200) -> list[Programme]:
    return list(db.session.scalars(select(Programme).order_by(Programme.id).limit(limit)))


def _role_and_programme(v: Validator) -> tuple[str | None, int | None]:
    role = v.choice("role", [r.value for r in Role])
    programme_id = None
    raw = v.data.get("programme_id")
    if raw not in (None, ""):
        programme_id = identifier(raw)
        if programme_id is None or db.session.get(Programme, programme_id) is None:
            v.fail("programme_id", _("No such programme."))
        elif role is not None and role not in PROGRAMME_ROLES:
            v.fail("programme_id", _("This role is granted for every programme, not one."))
    return role, programme_id


def _record_grant(actor: Actor, user: User, action: str, role: str,
                  programme_id: int | None) -> None:
    audit.record(actor=actor, role=Role.ADMIN.value, entity_type="user", entity_id=user.id,
                 action=action, payload={"role": role, "programme_id": programme_id})


def create_user_by_admin(actor: Actor, data: Any) -> User:
    """An administrator creates an account, optionally with a first role."""
    require_admin(actor)
    v = Validator(data)
    email, name = v.text("email", max_length=254), v.text("name", max_length=200)
    password = v.password("password")
    with transaction():
        role, programme_id = (_role_and_programme(v) if data.get("role") not in (None, "")
                              else (None, None))
        user = _new_user(v, email, name, password)
        audit.record(actor=actor, role=Role.ADMIN.value, entity_type="user", entity_id=user.id,
                     action="create", payload={"email": user.email, "name": user.name})
        if role is not None:
            user.grants.append(RoleGrant(role=role, programme_id=programme_id))
            _record_grant(actor, user, "grant_role", role, programme_id)
    return user


def _active_admin_ids() -> set[int]:
    """Users holding a global admin grant with an active account; the rows stay locked until
    the commit, so two administrators demoting each other at once take turns."""
    return set(db.session.scalars(
        select(User.id).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.ADMIN.value, RoleGrant.programme_id.is_(None),
               User.active.is_(True)).with_for_update()))


def set_user_active(actor: Actor, user_id: Any, active: bool) -> User:
    """Deactivate (the account can no longer log in or use its tokens) or reactivate."""
    require_admin(actor)
    with transaction():
        user = by_id(User, user_id)
        if not active and user.id == actor.id:
            raise Invalid(_("You cannot deactivate your own account."))
        if not active and _active_admin_ids() <= {user.id}:
            raise Invalid(_("This is the last active administrator: grant the role to someone "
                            "else first."))
        if user.active != active:
            user.active = active
            audit.record(actor=actor, role=Role.ADMIN.value, entity_type="user",
                         entity_id=user.id, action="reactivate" if active else "deactivate",
                         payload={"email": user.email})
    return user


def grant_role(actor: Actor, user_id: Any, data: Any) -> RoleGrant:
    require_admin(actor)
    v = Validator(data)
    with transaction():
        user = by_id(User, user_id)
        role, programme_id = _role_and_programme(v)
        if role is not None and any(g.role == role and g.programme_id == programme_id
                                    for g in user.grants):
            v.fail("role", _("The user already holds this role there."))
        v.check()
        grant = RoleGrant(role=role, programme_id=programme_id)
        user.grants.append(grant)
        _record_grant(actor, user, "grant_role", role, programme_id)
    return grant


def revoke_role(actor: Actor, user_id: Any, grant_id: Any) -> None:
    require_admin(actor)
    with transaction():
        user = by_id(User, user_id)
        grant = next((g for g in user.grants if g.id == identifier(grant_id)), None)
        if grant is None:
            raise NotFound(_("Not found."))
        if grant.role == Role.ADMIN.value and grant.programme_id is None and user.active \
                and _active_admin_ids() <= {user.id}:
            raise Invalid(_("This is the last administrator's grant: grant the role to someone "
                            "else first."))
        user.grants.remove(grant)
        _record_grant(actor, user, "revoke_role", grant.role, grant.programme_id)
