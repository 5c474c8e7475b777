"""The outbox: mails written with the change they report, delivered to a real SMTP server
(aiosmtpd on a free local port), in the recipient's language, retried, and sent exactly once."""

import asyncio
import email
import email.policy
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import func, select

from grants import outbox
from grants.extensions import db
from grants.models import Notification, utcnow
from grants.operations.core import transaction
from grants.operations.errors import Conflict

BASE_URL = "https://grants.example.gov.vn"
SENDER = "Chương trình khởi nghiệp <noreply@dost.example.gov.vn>"
DEADLINE = "2026-12-01T16:59:00+00:00"  # 23:59 in Ho Chi Minh City
SUBMITTED = "2026-11-21T03:05:00+00:00"  # 10:05 in Ho Chi Minh City
REASON = "Thiếu kế hoạch tài chính & bảng dự toán <chi tiết>"
TITLE = "Tưới tiêu thông minh cho đồng bằng sông Cửu Long"

# For each message: words of its subject in Vietnamese and in English, and a sentence of its
# body in each (the other language's must be absent).
EXPECTED = {
    "submission_receipt": {
        "vi": ("Đã nhận hồ sơ: ", "Chúng tôi đã nhận được hồ sơ"),
        "en": ("Application received: ", "We have received your application"),
    },
    "revision_request": {
        "vi": ("Yêu cầu chỉnh sửa, bổ sung hồ sơ: ", "Vui lòng chỉnh sửa và nộp lại hồ sơ trước"),
        "en": ("Changes requested on your application: ",
               "Please make the changes and submit the application again before"),
    },
    "deadline_extension": {
        "vi": ("Gia hạn bổ sung hồ sơ: ", "Hạn mới là"),
        "en": ("More time to revise your application: ", "The new deadline is"),
    },
    "ineligibility_notice": {
        "vi": ("Hồ sơ không hợp lệ: ", "Sau khi kiểm tra tính hợp lệ"),
        "en": ("Application declared ineligible: ", "was declared ineligible"),
    },
    "withdrawal_notice": {
        "vi": ("Đã rút hồ sơ: ", "đã được rút"),
        "en": ("Application withdrawn: ", "has been withdrawn"),
    },
    "draft_reminder": {
        "vi": ("Nhắc nộp hồ sơ trước hạn: ", "vẫn là bản nháp"),
        "en": ("Reminder to submit before the deadline: ", "is still a draft"),
    },
    "award_notice": {
        "vi": ("Hồ sơ được phê duyệt: ", "40.000.000 ₫"),
        "en": ("Your application is approved: ", "40,000,000 ₫"),
    },
    "waitlist_notice": {
        "vi": ("Hồ sơ trong danh sách chờ: ", "danh sách chờ"),
        "en": ("Your application is on the waiting list: ", "is on the waiting list"),
    },
    "rejection_notice": {
        "vi": ("Kết quả xét chọn hồ sơ: ", "không được chọn"),
        "en": ("Decision on your application: ", "was not selected for support"),
    },
}
# Mails about something other than an application (tested with their feature).
# tests/app/test_invitations.py; the registration mails: tests/app/test_accounts.py
NOT_ABOUT_AN_APPLICATION = {"team_invitation", "account_exists", "registration_link"}


DECISION = {"reference": "HS-2026-000042", "call_title": "Tiền ươm tạo 2026",
            "comments_shared": True}


def context_for(message: str, application) -> dict:
    """The context the workflow actions pass, with plain JSON values."""
    base = {"application_id": application.id, "title": TITLE,
            "url": f"/applications/{application.id}"}
    return base | {
        "submission_receipt": {"call_title": "Tiền ươm tạo 2026", "submitted_at": SUBMITTED,
                               "reference": "HS-2026-000042"},
        "revision_request": {"reason": REASON, "revision_deadline": DEADLINE},
        "deadline_extension": {"reason": REASON, "revision_deadline": DEADLINE},
        "ineligibility_notice": {"reason": REASON},
        "withdrawal_notice": {},
        "draft_reminder": {"call_title": "Tiền ươm tạo 2026", "closes_at": DEADLINE},
        "award_notice": DECISION | {"amount": 40_000_000},
        "waitlist_notice": DECISION,
        "rejection_notice": DECISION | {"reason": REASON},
    }[message]


def enqueue(user, message: str, application):
    """Enqueue `message` to `user` about `application`, with the context its templates use."""
    return outbox.enqueue(user, message, context_for(message, application))


# --- a real SMTP server --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what arrives, or refuses it with `refusal` (e.g. 451)."""

    def __init__(self, delay: float = 0):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[str] = []
        self.refusal: str | None = None
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refusal:
            return self.refusal
        self.recipients.extend(envelope.rcpt_tos)
        self.messages.append(email.message_from_bytes(envelope.original_content,
                                                      policy=email.policy.default))
        return "250 2.0.0 Message accepted for delivery"


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def mail_config(app, inbox, monkeypatch):
    """The app sends through the local server, in plain SMTP (no TLS on a test port)."""
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(inbox.port),
                       "SMTP_SECURITY": "none", "SMTP_USER": None, "MAIL_FROM": SENDER,
                       "BASE_URL": BASE_URL}.items():
        monkeypatch.setitem(app.config, key, value)
    return app.config


@pytest.fixture
def transport(mail_config):
    return outbox.smtp_transport(mail_config)


@pytest.fixture
def applicant_with_application(create_user, create_call, create_application):
    def make(locale: str | None = "vi"):
        user = create_user("applicant", name="Nguyễn Thị Hoa")
        user.locale = locale
        application = create_application(user, create_call(), title=TITLE)
        db.session.commit()
        return user, application

    return make


def count_notifications(**where) -> int:
    db.session.rollback()
    query = select(func.count()).select_from(Notification).filter_by(**where)
    return db.session.scalar(query)


def stored(notification_id: int) -> Notification:
    """The row as the sender left it (a new transaction: SQLite readers keep their snapshot)."""
    db.session.rollback()
    return db.session.get(Notification, notification_id, populate_existing=True)


# --- writing -------------------------------------------------------------------------------


def test_enqueue_adds_a_pending_row_to_the_callers_transaction_without_committing(
    applicant_with_application
):
    user, application = applicant_with_application("en")
    row = outbox.enqueue(user, "withdrawal_notice", context_for("withdrawal_notice", application),
                         entity_type="application", entity_id=application.id)
    assert row in db.session.new
    db.session.rollback()
    assert count_notifications() == 0

    row = outbox.enqueue(user, "withdrawal_notice", context_for("withdrawal_notice", application),
                         entity_type="application", entity_id=application.id)
    db.session.commit()
    row = stored(row.id)
    assert (row.status, row.attempts, row.locale, row.recipient_email, row.recipient_id) == (
        "pending", 0, "en", user.email, user.id)
    assert (row.entity_type, row.entity_id, row.message) == (
        "application", application.id, "withdrawal_notice")
    assert row.context == context_for("withdrawal_notice", application)
    assert row.next_attempt_at <= utcnow() and row.sent_at is None


def test_a_recipient_without_a_language_gets_vietnamese(applicant_with_application):
    user, application = applicant_with_application(None)
    row = enqueue(user, "withdrawal_notice", application)
    assert row.locale == "vi"


def test_enqueue_refuses_unknown_messages_missing_keys_and_values_json_cannot_carry(
    applicant_with_application
):
    user, application = applicant_with_application()
    with pytest.raises(ValueError, match="unknown message 'welcome'"):
        outbox.enqueue(user, "welcome", {})
    with pytest.raises(ValueError, match="lacks reason, revision_deadline"):
        outbox.enqueue(user, "revision_request", context_for("withdrawal_notice", application))
    with pytest.raises(ValueError, match="plain JSON values"):
        outbox.enqueue(user, "withdrawal_notice", context_for("withdrawal_notice", application) | {
            "when": utcnow()})
    assert not db.session.new


def test_the_messages_are_the_mail_templates_each_with_subject_text_and_html():
    # (the reviewers' mails are tested in test_assignments.py, the tranches' in test_funding.py,
    # the activities' in test_activities.py, the mentors' in test_mentors.py)
    assert sorted(outbox.MESSAGES) == sorted(EXPECTED.keys() | NOT_ABOUT_AN_APPLICATION | {
        "review_assigned", "review_reminder", "review_unassigned", "tranche_requested",
        "tranche_update", "promotion_notice", "activity_registered", "activity_changed",
        "activity_cancelled", "activity_reminder", "mentor_matched",
        "mentoring_session_logged"})
    for message in outbox.MESSAGES:
        for part in (".subject.txt", ".txt", ".html"):
            assert (outbox.MAIL_TEMPLATES / f"{message}{part}").is_file(), (message, part)


def test_a_row_enqueued_in_a_transaction_that_rolls_back_is_never_sent(
    applicant_with_application, transport, inbox
):
    user, application = applicant_with_application()
    with pytest.raises(Conflict), transaction():
        enqueue(user, "withdrawal_notice", application)
        db.session.flush()  # even written to the database, inside the transaction
        raise Conflict("someone else acted first")
    assert count_notifications() == 0
    assert outbox.send_due(transport) == outbox.Counts(0, 0, 0)
    assert inbox.messages == []


# --- the four mails, in both languages -----------------------------------------------------


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("message", sorted(EXPECTED))
def test_each_mail_arrives_in_the_recipients_language_with_text_html_and_a_working_link(
    message, locale, applicant_with_application, transport, inbox, login
):
    user, application = applicant_with_application(locale)
    with transaction():
        row = outbox.enqueue(user, message, context_for(message, application),
                             entity_type="application", entity_id=application.id)
    assert outbox.send_due(transport) == outbox.Counts(sent=1)
    assert stored(row.id).status == "sent" and stored(row.id).sent_at is not None

    [mail] = inbox.messages
    assert inbox.recipients == [user.email]
    subject_start, sentence = EXPECTED[message][locale]
    other = "en" if locale == "vi" else "vi"
    # A long Vietnamese subject is folded over several encoded words: every space survives.
    assert mail["Subject"] == subject_start + TITLE
    assert mail["To"].addresses[0].addr_spec == user.email
    assert mail["From"].addresses[0].display_name == "Chương trình khởi nghiệp"
    assert mail["Content-Language"] == locale
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Message-ID"].startswith(f"<notification.{row.id}.")
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert mail.get_body(("plain",)).get_content_charset() == "utf-8"

    link = f"{BASE_URL}/applications/{application.id}"
    assert sentence in text and sentence in html
    assert EXPECTED[message][other][1] not in text
    assert TITLE in text and TITLE in html
    assert ("Kính gửi Nguyễn Thị Hoa," if locale == "vi" else "Dear Nguyễn Thị Hoa,") in text
    assert link in text and f'href="{link}"' in html
    if "reason" in context_for(message, application):
        assert REASON in text  # as typed in the plain text…
        assert "Thiếu kế hoạch tài chính &amp; bảng dự toán &lt;chi tiết&gt;" in html  # escaped
    if message == "revision_request":
        assert "01/12/2026 23:59" in text and "01/12/2026 23:59" in html
    if message == "draft_reminder":
        assert "01/12/2026 23:59" in text and "Tiền ươm tạo 2026" in html
    if message == "submission_receipt":
        assert "21/11/2026 10:05" in text and "Tiền ươm tạo 2026" in html
        assert "HS-2026-000042" in text and "HS-2026-000042" in html

    # The link leads to the application, on this site, for the recipient.
    page = login(user).get(urlsplit(link).path)
    assert page.status_code == 200 and TITLE in page.text


# --- failures and retries ------------------------------------------------------------------


def test_a_refused_connection_is_retried_with_backoff_then_sent(
    applicant_with_application, mail_config, monkeypatch, inbox
):
    user, application = applicant_with_application()
    with transaction():
        row = enqueue(user, "withdrawal_notice", application)
    monkeypatch.setitem(mail_config, "SMTP_PORT", str(free_port()))  # nobody listens there
    start = utcnow()
    assert outbox.send_due(outbox.smtp_transport(mail_config), now=start) == outbox.Counts(
        retrying=1)
    failed = stored(row.id)
    assert (failed.status, failed.attempts, failed.sent_at) == ("pending", 1, None)
    assert "ConnectionRefusedError" in failed.last_error
    assert failed.next_attempt_at == start + timedelta(minutes=1)

    monkeypatch.setitem(mail_config, "SMTP_PORT", str(inbox.port))
    transport = outbox.smtp_transport(mail_config)
    assert outbox.send_due(transport, now=start + timedelta(seconds=59)) == outbox.Counts()
    assert inbox.messages == []  # not due yet
    assert outbox.send_due(transport, now=start + timedelta(minutes=1)) == outbox.Counts(sent=1)
    sent = stored(row.id)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)
    assert len(inbox.messages) == 1


def test_a_server_answering_451_is_retried_later_and_the_error_is_kept(
    applicant_with_application, transport, inbox
):
    user, application = applicant_with_application()
    with transaction():
        row = enqueue(user, "ineligibility_notice", application)
    inbox.refusal = "451 4.3.0 Mailbox temporarily unavailable"
    start = utcnow()
    assert outbox.send_due(transport, now=start) == outbox.Counts(retrying=1)
    later = start + timedelta(minutes=1)
    assert outbox.send_due(transport, now=later) == outbox.Counts(retrying=1)
    twice = stored(row.id)
    assert twice.attempts == 2 and "451" in twice.last_error
    assert "temporarily unavailable" in twice.last_error
    assert twice.next_attempt_at == later + timedelta(minutes=2)  # doubled

    inbox.refusal = None
    assert outbox.send_due(transport, now=later + timedelta(minutes=2)) == outbox.Counts(sent=1)
    assert stored(row.id).status == "sent" and len(inbox.messages) == 1


def test_after_the_last_attempt_the_row_is_failed_and_never_sent(
    applicant_with_application, transport, inbox
):
    user, application = applicant_with_application()
    with transaction():
        row = enqueue(user, "withdrawal_notice", application)
    row.attempts = outbox.MAX_ATTEMPTS - 1  # as if it had failed all but once already
    db.session.commit()
    inbox.refusal = "451 4.7.1 Try again later"
    assert outbox.send_due(transport) == outbox.Counts(failed=1)
    failed = stored(row.id)
    assert (failed.status, failed.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert "451" in failed.last_error

    inbox.refusal = None
    assert outbox.send_due(transport, now=utcnow() + timedelta(days=30)) == outbox.Counts()
    assert inbox.messages == []


def test_backoff_doubles_from_one_minute_up_to_six_hours():
    waits = [outbox.backoff(n) for n in range(1, 12)]
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert outbox.backoff(9) == timedelta(minutes=256)
    assert outbox.backoff(10) == outbox.backoff(100) == timedelta(hours=6)
    assert waits == sorted(waits)


def test_a_mail_that_cannot_be_rendered_is_retried_with_the_reason(
    applicant_with_application, transport, inbox
):
    """A stored time that is not ISO 8601 (written by hand, say) fails at rendering."""
    user, application = applicant_with_application()
    with transaction():
        row = outbox.enqueue(user, "revision_request", context_for(
            "revision_request", application) | {"revision_deadline": "next Friday"})
    assert outbox.send_due(transport) == outbox.Counts(retrying=1)
    assert "next Friday" in stored(row.id).last_error
    assert inbox.messages == []


def test_the_smtp_configuration_is_checked_with_clear_messages():
    good = {"SMTP_HOST": "smtp.example.org", "MAIL_FROM": "noreply@example.org"}
    assert outbox.smtp_transport(good).port == 587  # STARTTLS by default
    assert outbox.smtp_transport(good | {"SMTP_SECURITY": "tls"}).port == 465
    assert outbox.smtp_transport(good | {"SMTP_SECURITY": "none"}).port == 25
    assert outbox.smtp_transport(good | {"SMTP_PORT": "2525"}).port == 2525
    for bad, complaint in (({"SMTP_HOST": None}, "GRANTS_SMTP_HOST"),
                           ({"SMTP_SECURITY": "ssl"}, "GRANTS_SMTP_SECURITY"),
                           ({"SMTP_PORT": "smtp"}, "GRANTS_SMTP_PORT"),
                           ({"SMTP_PORT": "70000"}, "GRANTS_SMTP_PORT"),
                           ({"MAIL_FROM": None}, "GRANTS_MAIL_FROM")):
        with pytest.raises(ValueError, match=complaint):
            outbox.smtp_transport(good | bad)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, and its key (made with the openssl command)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_the_sender_speaks_tls_verifies_the_certificate_and_logs_in(
    security, certificate, applicant_with_application, mail_config, monkeypatch
):
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        logins.append((auth_data.login, auth_data.password, encrypted))
        return AuthResult(success=auth_data.password == b"s3cret")

    handler = Inbox()
    # aiosmtpd offers AUTH only after STARTTLS unless told that implicit TLS is as good
    tls = {"tls_context": server_context, "require_starttls": True} if security == "starttls" \
        else {"ssl_context": server_context, "auth_require_tls": False}
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticator, **tls)
    controller.start()
    try:
        user, application = applicant_with_application()
        with transaction():
            row = enqueue(user, "withdrawal_notice", application)
        for key_, value in {"SMTP_PORT": str(controller.port), "SMTP_SECURITY": security,
                            "SMTP_USER": "grants", "SMTP_PASSWORD": "s3cret"}.items():
            monkeypatch.setitem(mail_config, key_, value)
        start = utcnow()
        # A certificate nobody vouches for is refused…
        assert outbox.send_due(outbox.smtp_transport(mail_config), now=start) == \
            outbox.Counts(retrying=1)
        assert "CERTIFICATE_VERIFY_FAILED" in stored(row.id).last_error
        # …and accepted once the system trusts it.
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        assert outbox.send_due(outbox.smtp_transport(mail_config),
                               now=start + timedelta(minutes=1)) == outbox.Counts(sent=1)
    finally:
        controller.stop()
    assert logins == [(b"grants", b"s3cret", True)] and len(handler.messages) == 1


# --- two senders at once -------------------------------------------------------------------


class Probing:
    """A transport that, before each send, runs `probe` in another thread (with its own app
    context and session) and keeps what it returned."""

    def __init__(self, inner: outbox.SmtpTransport, app, probe):
        self.inner, self.app, self.probe, self.seen = inner, app, probe, []
        self.sender = inner.sender

    def send(self, message) -> None:
        def run():
            with self.app.app_context():
                try:
                    self.seen.append(self.probe())
                except Exception as error:  # shown by the test's assertion
                    self.seen.append(error)
                finally:
                    db.session.remove()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=30)
        self.inner.send(message)

    def close(self) -> None:
        self.inner.close()


def test_while_a_mail_is_being_sent_the_database_stays_writable_and_the_row_claimed(
    app, applicant_with_application, mail_config, inbox
):
    """PostgreSQL locks only the row; SQLite, which has one write lock for the whole database,
    commits the claim (a lease) before talking to the SMTP server."""
    user, application = applicant_with_application()
    user_id = user.id
    with transaction():
        enqueue(user, "withdrawal_notice", application)

    def probe():
        another_sender = outbox.send_due(outbox.smtp_transport(mail_config))
        started = time.monotonic()
        with transaction():
            db.session.get(type(user), user_id).name = "Renamed while a mail is out"
        return another_sender, time.monotonic() - started

    transport = Probing(outbox.smtp_transport(mail_config), app, probe)
    assert outbox.send_due(transport) == outbox.Counts(sent=1)
    [seen] = transport.seen
    assert not isinstance(seen, Exception), seen
    another_sender, write_time = seen
    assert another_sender == outbox.Counts()  # it did not see the row being sent
    assert write_time < 1  # nobody waited for the SMTP conversation
    assert len(inbox.messages) == 1
    assert count_notifications(status="sent") == 1


def test_two_concurrent_senders_deliver_each_mail_exactly_once(
    app, applicant_with_application, mail_config, inbox
):
    """Two threads, each with its own app context, session and SMTP connection, drain the same
    outbox side by side: on PostgreSQL each skips the rows the other has locked; on SQLite
    claims take turns for the write lock, and the mails go out in parallel."""
    inbox.delay = 0.01  # a slow server: both senders are mid-send at the same time
    user, application = applicant_with_application()
    rows = 60
    with transaction():
        for _ in range(rows):
            enqueue(user, "withdrawal_notice", application)
    ids = db.session.scalars(select(Notification.id)).all()
    db.session.commit()
    barrier = threading.Barrier(2)
    results: list[outbox.Counts] = []
    errors: list[BaseException] = []

    def sender() -> None:
        with app.app_context():
            try:
                transport = outbox.smtp_transport(mail_config)
                barrier.wait(timeout=30)
                results.append(outbox.send_due(transport, limit=10 * rows))
            except BaseException as error:  # reported below, in the test's thread
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(counts.sent for counts in results) == rows
    received = Counter(mail["Message-ID"] for mail in inbox.messages)
    assert len(received) == rows and set(received.values()) == {1}, received.most_common(3)
    assert {int(mid.split(".")[1]) for mid in received} == set(ids)
    assert count_notifications(status="sent") == rows
    assert db.session.scalar(select(func.max(Notification.attempts))) == 1
    assert all(counts.sent > 0 for counts in results), results  # really side by side


# --- the command line ----------------------------------------------------------------------


def test_outbox_send_sends_what_is_due_and_prints_the_counts(
    app, applicant_with_application, mail_config, inbox
):
    user, application = applicant_with_application("en")
    with transaction():
        for message in ("withdrawal_notice", "ineligibility_notice"):
            outbox.enqueue(user, message, context_for(message, application))
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "sent 1, retrying 0, failed 0" in result.output
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "sent 1, retrying 0, failed 0" in result.output
    assert sorted(m["Subject"].split(":")[0] for m in inbox.messages) == [
        "Application declared ineligible", "Application withdrawn"]
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "sent 0, retrying 0, failed 0" in result.output


def test_outbox_send_without_smtp_settings_says_what_is_missing(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code != 0 and "GRANTS_SMTP_HOST is not set" in result.output


def test_outbox_send_loop_keeps_sending_and_stops_cleanly_on_sigterm(
    app, applicant_with_application, inbox
):
    """The command a systemd unit runs: a real process, stopped the way systemd stops it."""
    user, application = applicant_with_application()
    with transaction():
        enqueue(user, "withdrawal_notice", application)
        later = enqueue(user, "ineligibility_notice", application)
        later.next_attempt_at = utcnow() + timedelta(hours=1)  # made due below, after the first
    env = os.environ | {
        "GRANTS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "x",
        "GRANTS_SMTP_HOST": "127.0.0.1", "GRANTS_SMTP_PORT": str(inbox.port),
        "GRANTS_SMTP_SECURITY": "none", "GRANTS_MAIL_FROM": SENDER, "GRANTS_BASE_URL": BASE_URL,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "grants", "outbox", "send", "--loop",
         "--interval", "0.2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        deadline = time.monotonic() + 30
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(inbox.messages) == 1
        with transaction():  # due now: a later pass of the same loop must send it
            db.session.get(Notification, later.id).next_attempt_at = utcnow()
        while len(inbox.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert len(inbox.messages) == 2
    assert "Outbox: stopped." in output
    assert count_notifications(status="sent") == 2


# --- the workflow's actions write the mails ---------------------------------------------------


def delivered(transport, inbox) -> list:
    assert outbox.send_due(transport).failed == 0
    return inbox.messages


def test_the_four_workflow_mails_reach_every_member_in_their_language(
        transport, inbox, create_user, create_call, create_application, manager_of):
    from grants.models import Membership
    from grants.operations import applications

    call = create_call()
    owner = create_user("applicant", name="Nguyễn Thị Hoa")
    colleague = create_user("applicant", name="Jane Tran")
    owner.locale, colleague.locale = "vi", "en"
    first = create_application(owner, call, title=TITLE)
    db.session.add(Membership(organization_id=first.project.organization_id,
                              user_id=colleague.id))
    db.session.commit()
    manager = manager_of(call)
    second = create_application(owner, call, organization=first.project.organization,
                                title="Second")
    third = create_application(owner, call, organization=first.project.organization,
                               title="Third")

    applications.act(owner, first.id, "submit", {"version": 1})
    applications.act(manager, first.id, "return_for_changes", {
        "version": 2, "reason": REASON, "revision_deadline": "2030-12-01T23:59"})
    applications.act(owner, second.id, "submit", {"version": 1})
    applications.act(manager, second.id, "declare_ineligible", {"version": 2, "reason": REASON})
    applications.act(owner, third.id, "withdraw", {"version": 1})

    mails = delivered(transport, inbox)
    by_subject = {(mail["To"], str(mail["Subject"])) for mail in mails}
    assert len(mails) == 10  # five actions with a message, two members each
    for message, title in (("submission_receipt", TITLE), ("revision_request", TITLE),
                           ("ineligibility_notice", "Second"), ("withdrawal_notice", "Third")):
        assert (owner.email, EXPECTED[message]["vi"][0] + title) in by_subject, message
        assert (colleague.email, EXPECTED[message]["en"][0] + title) in by_subject, message
    returned = next(m for m in mails if m["To"] == colleague.email
                    and str(m["Subject"]).startswith(EXPECTED["revision_request"]["en"][0]))
    text = returned.get_body(("plain",)).get_content()
    assert REASON in text and "23:59" in text and f"/applications/{first.id}" in text


def test_an_action_refused_by_its_guards_writes_no_mail(
        transport, inbox, create_user, create_call, create_application):
    from grants.operations import Invalid, applications

    owner = create_user("applicant")
    draft = create_application(owner, create_call(), complete=False)

    with pytest.raises(Invalid):
        applications.act(owner, draft.id, "submit", {"version": 1})

    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert delivered(transport, inbox) == []
