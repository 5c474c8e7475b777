"""Sign-up, log-in, sessions, CSRF, tokens, demo passwords; who may open which page."""

import re

import pytest
from conftest import mailed_link
from sqlalchemy import func, select

from grants import create_app
from grants.extensions import db
from grants.models import ApiToken, AuditEvent, Notification, User
from grants.operations import Invalid, accounts

PASSWORD = "correct horse battery"  # as in conftest.py


def test_registration_mails_a_link_and_the_password_chosen_there_opens_the_account(
        client, register):
    response = register("An@Example.org", "Nguyễn Văn An")
    assert response.status_code == 302 and response.headers["Location"].endswith("/my")
    user = db.session.scalar(select(User).where(User.email == "an@example.org"))
    assert user.name == "Nguyễn Văn An" and user.has_role("applicant")
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
    assert client.get("/my").status_code == 200


def test_a_registration_link_works_once_and_not_when_altered(client, register):
    register("an@example.org")
    link = mailed_link("an@example.org")
    client.post("/logout")
    used = client.get(link)
    assert used.status_code == 302 and used.headers["Location"].endswith("/login")
    assert client.get(link[:-3] + "xyz").status_code == 404


def test_registration_answers_the_same_for_a_taken_email_and_mails_its_owner(
        client, create_user):
    owner = create_user("applicant", email="taken@example.org")
    taken = client.post("/register", data={"name": "Bình", "email": "taken@example.org"})
    free = client.post("/register", data={"name": "Bình", "email": "free@example.org"})
    assert taken.status_code == free.status_code == 200
    assert taken.text.replace("taken@", "free@") == free.text
    mails = db.session.execute(select(Notification.recipient_email, Notification.message)
                               .order_by(Notification.id)).all()
    assert mails == [(owner.email, "account_exists"), ("free@example.org", "registration_link")]
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_the_registration_mails_carry_a_working_link_in_the_readers_language(client, app):
    from grants import outbox

    client.post("/register", data={"name": "An", "email": "an@example.org"})
    row = db.session.scalar(select(Notification))
    for locale, words in (("en", "choose your password"), ("vi", "chọn mật khẩu")):
        mail = outbox.render(row.message, locale, row.context)
        assert words in mail.text.lower(), locale
        assert app.config["BASE_URL"] + row.context["url"] in mail.text
    assert client.get(row.context["url"]).status_code == 200


@pytest.mark.parametrize("data", [
    {"name": "", "email": "a@example.org"},
    {"name": "A", "email": "not-an-email"},
    {"name": "A" * 201, "email": "a@example.org"},
])
def test_register_refuses_bad_input(client, data):
    response = client.post("/register", data=data)
    assert response.status_code == 422
    assert db.session.scalar(select(Notification.id)) is None


def test_choosing_a_short_or_common_password_keeps_the_link_open(client):
    client.post("/register", data={"name": "A", "email": "a@example.org"})
    link = mailed_link("a@example.org")
    for password in ("short", "1234567890", "Password123", "matkhau123", "qwertyuiop"):
        answer = client.post(link, data={"password": password})
        assert answer.status_code == 422, password
        assert 'class="errors"' in answer.text
    assert db.session.scalar(select(User.id)) is None
    assert client.post(link, data={"password": PASSWORD}).status_code == 302


def test_registrations_from_one_address_are_throttled(client):
    for n in range(30):
        assert client.post("/register", data={"name": "A", "email": f"a{n}@example.org"}
                           ).status_code == 200
    refused = client.post("/register", data={"name": "A", "email": "late@example.org"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_login_logout_and_wrong_password(client, create_user):
    user = create_user("applicant")
    bad = client.post("/login", data={"email": user.email, "password": "wrong password!"})
    assert bad.status_code == 401
    assert client.get("/my").status_code == 302  # to the login page
    good = client.post("/login?next=/profile", data={"email": user.email, "password": PASSWORD})
    assert good.headers["Location"] == "/profile"
    assert client.get("/my").status_code == 200
    client.post("/logout")
    assert client.get("/my").status_code == 302


def test_login_refuses_open_redirects(client, create_user):
    user = create_user("applicant")
    response = client.post("/login?next=//evil.example", data={"email": user.email,
                                                               "password": PASSWORD})
    assert response.headers["Location"] == "/my"


def test_session_cookie_is_httponly_and_samesite(client, create_user):
    user = create_user("applicant")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forms_require_a_csrf_token(app, create_user, tmp_path):
    user = create_user("applicant")
    strict = create_app({"TESTING": True, "SECRET_KEY": "x",
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    client = strict.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    with strict.app_context():
        db.engine.dispose()


def test_demo_passwords_only_work_in_demo_mode(app, client, create_user):
    with pytest.raises(Invalid):
        accounts.create_user("x@example.org", "X", "demo-manager", "manager")
    user = accounts.create_user("seeded@example.org", "Demo", "demo-manager", "manager",
                                demo=True)
    assert client.post("/login", data={"email": user.email,
                                       "password": "demo-manager"}).status_code == 401
    app.config["DEMO_MODE"] = True
    try:
        assert client.post("/login", data={"email": user.email,
                                           "password": "demo-manager"}).status_code == 302
    finally:
        app.config["DEMO_MODE"] = False


def test_every_demo_accounts_password_is_refused_outside_demo_mode(app, client):
    from grants import demo

    assert {password for _e, _n, password, _r in demo.ACCOUNTS} <= accounts.DEMO_PASSWORDS
    with app.app_context():
        demo.seed()
    for email, _name, password, _role in demo.ACCOUNTS:
        assert client.post("/login", data={"email": email, "password": password}
                           ).status_code == 401, email


def test_each_login_and_each_refused_login_writes_one_event(client, create_user):
    user = create_user("applicant")

    def events() -> list[tuple]:
        return list(db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.entity_id,
                   AuditEvent.payload).where(AuditEvent.action.in_(["login", "login_failed"]))
            .order_by(AuditEvent.seq)))

    client.post("/login", data={"email": user.email, "password": "wrong password!"})
    client.post("/login", data={"email": "nobody@example.org", "password": "whatever12"})
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    found = events()
    assert [(a, actor, entity) for a, actor, entity, _p in found] == [
        ("login_failed", None, user.id), ("login_failed", None, 0), ("login", user.id, user.id)]
    assert found[0][3] == {"why": "wrong password", "address": "127.0.0.1"}
    assert "nobody@example.org" not in str(found[1][3]) and "email_sha256" in found[1][3]


def test_profile_creates_shows_once_and_revokes_tokens(client, login, create_user):
    user = create_user("applicant")
    login(user)
    page = client.post("/profile", data={"name": "CI"})
    token = page.text.split('id="new-token">')[1].split("<")[0]
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash != token and token.startswith(row.prefix)
    assert token not in client.get("/profile").text
    api_headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=api_headers).status_code == 200
    client.post(f"/profile/tokens/{row.id}/revoke")
    assert client.get("/api/v1/me", headers=api_headers).status_code == 401


def test_someone_elses_token_cannot_be_revoked(client, login, create_user):
    owner, other = create_user("applicant"), create_user("applicant")
    accounts.create_token(owner, "mine")
    token_id = db.session.scalar(select(ApiToken.id))
    login(other)
    assert client.post(f"/profile/tokens/{token_id}/revoke").status_code == 404
    assert db.session.get(ApiToken, token_id).revoked_at is None


@pytest.mark.parametrize("role", ["applicant", "reviewer"])
def test_manage_pages_refuse_non_staff(client, login, create_user, create_call, role):
    call = create_call()
    login(create_user(role))
    assert client.get("/manage/calls").status_code == 403
    assert client.get(f"/manage/calls/{call.id}").status_code == 403


def test_manage_pages_need_login(client, create_call):
    call = create_call()
    assert client.get(f"/manage/calls/{call.id}").status_code == 302


def test_manager_of_another_programme_gets_404_on_the_queue(client, login, create_user,
                                                            create_call, create_programme):
    call = create_call()
    login(create_user("manager", create_programme()))
    assert client.get(f"/manage/calls/{call.id}").status_code == 404
    assert call.title not in client.get("/manage/calls").text


def test_applicant_cannot_open_another_startups_application(client, login, create_user,
                                                            create_call, create_application):
    application = create_application(create_user("applicant"), create_call())
    login(create_user("applicant"))
    assert client.get(f"/applications/{application.id}").status_code == 404
    assert client.get(f"/applications/{application.id}/edit").status_code == 404
    response = client.post(f"/applications/{application.id}/actions/submit",
                           data={"version": 1})
    assert response.status_code == 404


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_organization_form_never_redirects_off_site(client, login, create_user, target):
    login(create_user("applicant"))
    response = client.post(f"/organizations/new?next={target}",
                           data={"name": "Công ty An Toàn", "field": "fintech"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/")
    assert not response.headers["Location"].startswith("//")


def test_staff_land_on_their_calls_and_startups_on_their_applications(client, create_user):
    manager = create_user("manager")
    response = client.post("/login", data={"email": manager.email, "password": PASSWORD})
    assert response.headers["Location"] == "/manage/calls"
    client.post("/logout")
    startup = create_user("applicant")
    response = client.post("/login", data={"email": startup.email, "password": PASSWORD})
    assert response.headers["Location"] == "/my"


def test_edit_page_of_a_submitted_application_sends_back_to_it(
    client, login, create_user, create_call, create_application
):
    from grants.operations import applications

    startup = create_user("applicant")
    application = create_application(startup, create_call())
    applications.act(startup, application.id, "submit", {"version": 1})
    login(startup)
    response = client.get(f"/applications/{application.id}/edit")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/applications/{application.id}"


def test_a_session_cookie_copied_before_logout_is_refused_after_it(app, client, login,
                                                                    create_user):
    user = create_user("applicant")
    login(user)
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/profile").status_code == 200
    client.post("/logout")
    assert copy.get("/profile").status_code == 302  # to the login page
    assert client.get("/profile").status_code == 302


def test_a_new_password_ends_every_other_session_and_keeps_this_one(app, client, login,
                                                                     create_user):
    user = create_user("applicant")
    login(user)
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other.get("/profile").status_code == 200
    changed = client.post("/profile/password", data={"current_password": PASSWORD,
                                                     "password": "a brand new passphrase"})
    assert changed.status_code == 302
    assert client.get("/profile").status_code == 200
    assert other.get("/profile").status_code == 302
    assert other.post("/login", data={"email": user.email, "password": PASSWORD}
                      ).status_code == 401
    assert other.post("/login", data={"email": user.email, "password": "a brand new passphrase"}
                      ).status_code == 302


def test_a_password_change_needs_the_current_password_and_a_good_new_one(client, login,
                                                                          create_user):
    user = create_user("applicant", email="lan.nguyen@example.org")
    login(user)
    for current, new, field in [("not it at all", "a brand new passphrase", "current_password"),
                                (PASSWORD, "qwertyuiop", "password"),
                                (PASSWORD, "lan.nguyen2024!", "password"),
                                (PASSWORD, PASSWORD, "password"), (PASSWORD, "short", "password")]:
        answer = client.post("/profile/password",
                             data={"current_password": current, "password": new})
        assert answer.status_code == 422, (current, new)
        assert re.search(f'id="{field}"[^>]*>\\s*<ul class="errors">', answer.text), field
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}
                       ).status_code == 302


def test_demo_accounts_tokens_stop_working_outside_demo_mode(app, client):
    app.config["DEMO_MODE"] = True
    try:
        user = accounts.create_user("seeded@example.org", "Demo", "demo-manager", "manager",
                                    demo=True)
        token = accounts.create_token(user, "demo")
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    finally:
        app.config["DEMO_MODE"] = False
    assert client.get("/api/v1/me", headers=headers).status_code == 401
