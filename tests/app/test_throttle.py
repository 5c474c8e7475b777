"""Logins, second-factor codes and registrations are throttled per account and per address, in
the database (every server process counts the same failures)."""

from datetime import timedelta

from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash

from grants.extensions import db
from grants.models import LoginThrottle, utcnow
from grants.operations import accounts, throttle

PASSWORD = "correct horse battery"  # as in conftest.py


def _login(client, email, password, address="203.0.113.7"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_an_account_is_locked_after_five_wrong_passwords_even_for_the_right_one(
        client, create_user):
    user = create_user("applicant")
    for _n in range(5):
        assert _login(client, user.email, "wrong password!").status_code == 401
    refused = _login(client, user.email, PASSWORD)
    assert refused.status_code == 429
    assert 800 < int(refused.headers["Retry-After"]) <= 900
    assert "Quá nhiều lần thử" in refused.text  # "Too many attempts", in Vietnamese
    # the lock is the account's, wherever the attempts come from
    assert _login(client, user.email, PASSWORD, address="198.51.100.1").status_code == 429


def test_the_lock_opens_when_the_failures_age_out_and_a_login_clears_them(client, create_user):
    user = create_user("applicant")
    for _n in range(5):
        _login(client, user.email, "wrong password!")
    db.session.execute(update(LoginThrottle).values(at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    assert _login(client, user.email, PASSWORD).status_code == 302
    key = throttle.ACCOUNT.key(throttle.email_key(user.email))
    assert db.session.scalar(select(func.count()).where(LoginThrottle.key == key)) == 0


def test_an_address_is_locked_after_thirty_failures_across_accounts(client, create_user):
    user = create_user("applicant")
    for n in range(30):
        assert _login(client, f"nobody{n}@example.org", "wrong password!").status_code == 401
    assert _login(client, user.email, PASSWORD).status_code == 429
    assert _login(client, user.email, PASSWORD, address="198.51.100.1").status_code == 302


def test_an_unknown_email_costs_a_password_hash_check_like_a_known_one(
        client, create_user, monkeypatch):
    checked = []

    def counting(hash_, password):
        checked.append(hash_)
        return check_password_hash(hash_, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    user = create_user("applicant")
    _login(client, user.email, "wrong password!")
    _login(client, "nobody@example.org", "wrong password!")
    assert len(checked) == 2 and checked[0] != checked[1]
    assert checked[1].split("$")[0] == checked[0].split("$")[0]  # the same method and cost


def test_the_throttle_counts_failures_of_another_server_process(app, client, create_user):
    """Another process's failures are rows it wrote: this process refuses on them."""
    user = create_user("applicant")
    with app.app_context():
        throttle.record(*[(throttle.ACCOUNT, throttle.email_key(user.email))] * 5)
        db.session.commit()
    assert _login(client, user.email, PASSWORD).status_code == 429


def test_the_proxy_s_forwarded_address_is_trusted_only_when_configured(
        app, client, create_user):
    for n in range(30):
        client.post("/login", data={"email": f"x{n}@example.org", "password": "wrong pass!"},
                    headers={"X-Forwarded-For": "192.0.2.50"})
    # without GRANTS_PROXY_HOPS the header is ignored: the failures were the socket's address
    key = throttle.ADDRESS.key("127.0.0.1")
    assert db.session.scalar(select(func.count()).where(LoginThrottle.key == key)) == 30
