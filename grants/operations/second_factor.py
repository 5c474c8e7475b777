"""The second factor: time-based one-time codes (TOTP, RFC 6238) from an authenticator app, and
ten recovery codes for a lost phone.

Staff and reviewers must enrol (`permissions.needs_second_factor`) unless SECOND_FACTOR_REQUIRED
is off (demo mode); anyone may. Once enrolled, a login is complete only after a code: until
then the session holds only who passed the password step (grants/web/auth.py). A code is
accepted once (the last accepted time step is kept); wrong codes count against the account's
throttle like wrong passwords.
"""

import hashlib
import hmac
import secrets
import time
from typing import Any

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from grants import audit, permissions
from grants.extensions import db
from grants.models import SYSTEM, RecoveryCode, Role, User, utcnow
from grants.operations import throttle
from grants.operations.accounts import locked, logged_in, require_admin
from grants.operations.core import Validator, by_id, transaction
from grants.operations.errors import Invalid

ISSUER = "Grants"
RECOVERY_CODES = 10
DIGITS = 6


def required(user: User) -> bool:
    """SECOND_FACTOR_REQUIRED (unset: unless in demo mode) and a role that needs one."""
    setting = current_app.config.get("SECOND_FACTOR_REQUIRED")
    if setting is None:
        setting = not current_app.config.get("DEMO_MODE")
    return bool(setting) and permissions.needs_second_factor(user)


def missing(user: User) -> bool:
    """The user must enrol before reaching anything else."""
    return not user.has_second_factor and required(user)


def new_secret() -> str:
    return pyotp.random_base32()


def enrolment_qr(user: User, secret: str) -> str:
    """The otpauth:// address of the secret, drawn as a QR code: an SVG data URI for an
    <img> (the Content-Security-Policy allows data: images, not inline markup)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _new_codes(user: User) -> list[str]:
    """Ten fresh recovery codes replace the old ones (in the caller's transaction)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _n in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    return codes


def _step(secret: str, code: str) -> int | None:
    """The time step `code` belongs to (now, or one step either side for a slow hand or
    clock), or None."""
    totp = pyotp.TOTP(secret)
    current = int(time.time()) // totp.interval
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _code(v: Validator) -> str | None:
    code = v.text("code", max_length=40)
    return code.replace(" ", "") if code else code


def enrol(user: User, secret: Any, data: Any) -> list[str]:
    """The user proves their app holds `secret` with a current code; the secret is kept, ten
    recovery codes are made (returned once, only their hashes kept), and every other session
    ends. Audited as `enrol_second_factor`."""
    v = Validator(data)
    code = _code(v)
    if not isinstance(secret, str) or len(secret) != 32:
        raise Invalid(_("The enrolment expired. Start again."))
    step = _step(secret, code) if code and code.isdigit() and len(code) == DIGITS else None
    if code and step is None:
        v.fail("code", _("This code is not the current one. Check the time on your phone "
                         "and try again."))
    v.check()
    with transaction():
        row = locked(user.id)
        row.totp_secret, row.totp_step = secret, step
        row.session_version += 1
        codes = _new_codes(row)
        audit.record(actor=user, role=None, entity_type="user", entity_id=user.id,
                     action="enrol_second_factor")
    return codes


def complete_login(user: User, data: Any, address: str | None) -> str:
    """The second step of a login: a current code from the app, or an unused recovery code.
    Returns which was used; audited as `login` (or `login_failed`, which counts against the
    account's throttle)."""
    throttle.check((throttle.SECOND_FACTOR, str(user.id)))
    v = Validator(data)
    code = _code(v)
    v.check()
    with transaction():
        row = locked(user.id)
        step = _step(row.totp_secret, code) if code.isdigit() and len(code) == DIGITS else None
        used = None
        if step is not None and step > (row.totp_step or -1):
            row.totp_step, used = step, "totp"
        elif step is None:
            spare = db.session.scalar(select(RecoveryCode).where(
                RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code),
                RecoveryCode.used_at.is_(None)).with_for_update())
            if spare is not None:
                spare.used_at, used = utcnow(), "recovery_code"
        if used is not None:
            throttle.clear(throttle.SECOND_FACTOR, str(user.id))
            logged_in(row, address, used)
            return used
    _wrong_code(user, address)
    raise Invalid(_("Some fields are not valid."),
                  {"code": _("This code is not valid, or it was already used.")})


def _wrong_code(user: User, address: str | None) -> None:
    with transaction():
        throttle.record((throttle.SECOND_FACTOR, str(user.id)))
        audit.record(actor=SYSTEM, role=None, entity_type="user", entity_id=user.id,
                     action="login_failed", payload={"why": "wrong code", "address": address})


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def renew_recovery_codes(user: User, data: Any) -> list[str]:
    """Ten new recovery codes replace the old, given a current code from the app."""
    v = Validator(data)
    code = _code(v)
    v.check()
    with transaction():
        row = locked(user.id)
        step = _step(row.totp_secret, code) if row.totp_secret and code.isdigit() else None
        if step is None or step <= (row.totp_step or -1):
            raise Invalid(_("Some fields are not valid."),
                          {"code": _("This code is not valid, or it was already used.")})
        row.totp_step = step
        codes = _new_codes(row)
        audit.record(actor=user, role=None, entity_type="user", entity_id=user.id,
                     action="renew_recovery_codes")
    return codes


def reset(actor: User, user_id: Any) -> User:
    """An administrator removes a user's second factor (phone and codes lost): the user's
    sessions end, and their next login enrols again. Audited as `reset_second_factor`."""
    require_admin(actor)
    with transaction():
        user = by_id(User, user_id)
        row = locked(user.id)
        row.totp_secret = row.totp_step = None
        row.session_version += 1
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == row.id))
        audit.record(actor=actor, role=Role.ADMIN.value, entity_type="user", entity_id=row.id,
                     action="reset_second_factor", payload={"email": row.email})
    return row
