"""The second factor: staff and reviewers enrol an authenticator app before reaching anything,
then log in with a code (or a recovery code); codes are used once; an administrator resets it."""

import re

import pyotp
import pytest
from sqlalchemy import select, update

from grants.extensions import db
from grants.models import AuditEvent, User
from grants.operations import second_factor

PASSWORD = "correct horse battery"  # as in conftest.py


@pytest.fixture
def required(app):
    app.config["SECOND_FACTOR_REQUIRED"] = True
    yield
    app.config["SECOND_FACTOR_REQUIRED"] = False


def _enrol(client) -> tuple[str, list[str]]:
    """Enrol the logged-in user's app; returns the secret and the recovery codes."""
    page = client.get("/profile/second-factor")
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]{39})<', page.text).group(1).replace(" ", "")
    assert 'src="data:image/svg+xml' in page.text  # the QR code
    shown = client.post("/profile/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert shown.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", shown.text)
    assert len(codes) == 10
    # as if enrolled a minute ago: the enrolment's code is spent, the next one is fresh
    db.session.execute(update(User).where(User.totp_secret == secret)
                       .values(totp_step=User.totp_step - 2))
    db.session.commit()
    return secret, codes


def _password(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_staff_reach_nothing_but_enrolment_until_they_enrol(app, client, api, create_user,
                                                             required):
    manager = create_user("manager")
    assert _password(client, manager).headers["Location"].endswith("/profile/second-factor")
    for path in ("/manage/calls", "/profile", "/", "/audit"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].endswith(
            "/profile/second-factor"), path
    refused = api(manager).get("/me", headers={"Accept-Language": "en"})
    assert refused.status_code == 403 and "second factor" in refused.get_json()["detail"]
    _enrol(client)
    assert client.get("/manage/calls").status_code == 200
    assert api(manager).get("/me").status_code == 200


def test_applicants_are_not_asked_for_a_second_factor(client, create_user, required):
    startup = create_user("applicant")
    assert "second-factor" not in _password(client, startup).headers["Location"]
    assert client.get("/profile").status_code == 200


def test_once_enrolled_a_login_needs_a_current_code_used_once(app, client, create_user):
    reviewer = create_user("reviewer")
    _password(client, reviewer)
    secret, _codes = _enrol(client)
    client.post("/logout")

    # the password alone reaches nothing: only the code page
    assert _password(client, reviewer).headers["Location"].endswith("/login/code")
    assert client.get("/profile").status_code == 302
    assert client.get("/review").status_code == 302  # to the login page
    wrong = client.post("/login/code", data={"code": "000000"})
    assert wrong.status_code == 422 and 'class="errors"' in wrong.text
    code = pyotp.TOTP(secret).now()
    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert client.get("/profile").status_code == 200
    client.post("/logout")

    # the same code, replayed within its 30 seconds, is refused
    _password(client, reviewer)
    assert client.post("/login/code", data={"code": code}).status_code == 422
    events = db.session.scalars(select(AuditEvent.payload).where(
        AuditEvent.action == "login", AuditEvent.entity_id == reviewer.id)).all()
    assert events[-1]["second_factor"] == "totp"


def _enrolled_at_the_code_page(client, user) -> tuple[str, list[str]]:
    """The user enrols, logs out, and gives the password again: the code page waits."""
    _password(client, user)
    secret, codes = _enrol(client)
    client.post("/logout")
    _password(client, user)
    return secret, codes


def test_a_recovery_code_logs_in_once(client, create_user):
    auditor = create_user("auditor")
    _secret, codes = _enrolled_at_the_code_page(client, auditor)
    assert client.post("/login/code", data={"code": codes[3].upper()}).status_code == 302
    assert second_factor.recovery_codes_left(auditor) == 9
    client.post("/logout")
    _password(client, auditor)
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 422


def test_five_wrong_codes_lock_the_second_step(client, create_user):
    secret, _codes = _enrolled_at_the_code_page(client, create_user("manager"))
    for _n in range(5):
        assert client.post("/login/code", data={"code": "123456"}).status_code == 422
    locked = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


def test_the_code_page_without_a_password_step_sends_back_to_login(client):
    answer = client.post("/login/code", data={"code": "123456"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")


def test_enrolment_refuses_a_wrong_code_and_keeps_the_secret_for_the_next_try(client,
                                                                              create_user):
    user = create_user("manager")
    _password(client, user)
    page = client.get("/profile/second-factor")
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]{39})<', page.text).group(1).replace(" ", "")
    wrong = client.post("/profile/second-factor", data={"code": "12345x"})
    assert wrong.status_code == 422 and secret[:4] + " " + secret[4:8] in wrong.text
    assert db.session.get(User, user.id).totp_secret is None
    assert client.post("/profile/second-factor", data={"code": pyotp.TOTP(secret).now()}
                       ).status_code == 200
    assert db.session.scalar(select(User.totp_secret).where(User.id == user.id)) == secret


def test_an_administrator_resets_a_lost_second_factor(app, client, login, create_user):
    manager = create_user("manager")
    _password(client, manager)
    _enrol(client)
    admin = create_user("admin")
    admin_client = app.test_client()
    admin_client.post("/login", data={"email": admin.email, "password": PASSWORD})
    page = admin_client.get(f"/admin/users/{manager.id}")
    assert "data-confirm" in page.text
    assert admin_client.post(f"/admin/users/{manager.id}/second-factor/reset").status_code == 302
    row = db.session.scalar(select(User).where(User.id == manager.id))
    assert row.totp_secret is None
    assert client.get("/profile").status_code == 302  # the manager's session ended
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)
                             ) == "reset_second_factor"


def test_only_administrators_reset_a_second_factor(app, client, login, create_user):
    manager = create_user("manager")
    login(create_user("manager"))
    assert client.post(f"/admin/users/{manager.id}/second-factor/reset").status_code == 403
