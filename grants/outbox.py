"""The transactional outbox: mail is written as a row in the transaction of the change it reports,
and a separate sender (`flask --app grants outbox send`) delivers it.

Sending from inside the request would mail news of a change that then rolls back, or lose the
mail when the process stops after the commit. A row committed with the change (and its audit
event) exists exactly when the change does, and stays until it is sent.

The sender claims one due row at a time. On PostgreSQL it locks the row `FOR UPDATE SKIP LOCKED`
(other senders skip it), sends, and marks it sent in the same transaction. On SQLite, whose one
write lock covers the whole database, it commits the claim as a short lease before talking to
the SMTP server, and records the outcome afterwards. A mail is sent once, unless the sender
stops between the SMTP server's "250 OK" and the commit: then it goes out again on a later pass
(at least once; see docs/architecture.md).
"""

import json
import re
import smtplib
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime as rfc5322_date
from email.utils import parseaddr
from functools import cache
from typing import Any, Protocol

from flask import current_app
from flask_babel import force_locale, format_datetime, format_decimal
from jinja2 import Environment, StrictUndefined, meta
from sqlalchemy import (
    JSON,
    Integer,
    Select,
    String,
    bindparam,
    case,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from grants import labels
from grants.config import LANGUAGES
from grants.extensions import db
from grants.models import Notification, User, utcnow
from grants.models.notifications import FAILED, PENDING, SENT
from grants.models.types import UTCDateTime
from grants.operations.core import RETRYABLE_SQLSTATES
from grants.paths import TEMPLATES

# Each message is three templates: <name>.subject.txt, <name>.txt and <name>.html.
MAIL_TEMPLATES = TEMPLATES / "mail"
MESSAGES = frozenset(
    path.name.removesuffix(".subject.txt") for path in MAIL_TEMPLATES.glob("*.subject.txt"))
# What the renderer gives every template besides the context the caller stored.
PROVIDED = frozenset({"name", "subject", "locale", "local_time", "money", "stage_label"})

MAX_ATTEMPTS = 10  # 1 + 2 + 4 + … + 256 minutes: an SMTP outage of 8 hours loses nothing
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
SMTP_PORTS = {"starttls": 587, "tls": 465, "none": 25}
TAKEN_PAUSE = 0.05  # seconds to wait when another writer holds what we tried to claim
# SQLite only: how long a claimed row stays hidden from other senders while it is being sent
# (far longer than a send, whose every SMTP step times out after 30 s).
CLAIM_LEASE = timedelta(minutes=10)


# --- writing: in the caller's transaction --------------------------------------------------


def enqueue(recipient: User, message: str, context: dict, *, entity_type: str | None = None,
            entity_id: int | None = None) -> Notification:
    """Add a mail for `recipient` to the current session, without committing.

    It is written with the change that caused it, so a change that rolls back sends nothing and
    a change that commits is never forgotten. `context` must hold plain JSON values and every
    key the message's templates use; a message without templates is refused (ValueError).
    """
    return enqueue_address(recipient.email, recipient.locale, message, context,
                           recipient=recipient, entity_type=entity_type, entity_id=entity_id)


def enqueue_address(email: str, locale: str | None, message: str, context: dict, *,
                    recipient: User | None = None, entity_type: str | None = None,
                    entity_id: int | None = None) -> Notification:
    """`enqueue` to an address that may have no account yet (an invitation), in `locale`."""
    plain = _checked(message, context)
    row = Notification(
        recipient=recipient, recipient_email=email,
        locale=locale if locale in LANGUAGES else "vi",
        message=message, context=plain, entity_type=entity_type, entity_id=entity_id,
        status=PENDING, attempts=0, next_attempt_at=utcnow(),
    )
    db.session.add(row)
    return row


def enqueue_to(recipients: Select, message: str, context: dict, *,
               params: Mapping[str, Any] | None = None, entity_type: str | None = None,
               entity_id: int | None = None) -> None:
    """Add the same mail for every user that `recipients` (a SELECT of user ids, run with
    `params`) finds, in one INSERT … SELECT in the current transaction: an action's statements
    do not grow with the number of people it tells. Each row takes its recipient's email and
    language. Pass a `recipients` built once (a module constant with bind parameters): its
    INSERT is then built once too."""
    plain = _checked(message, context)
    now = utcnow()
    db.session.execute(_insert_for(recipients), {
        **(params or {}), "message": message, "context": plain, "entity_type": entity_type,
        "entity_id": entity_id, "now": now})


@cache
def _insert_for(recipients: Select):
    found = recipients.subquery()
    rows = select(
        User.id, User.email, case((User.locale.in_(LANGUAGES), User.locale), else_=literal("vi")),
        bindparam("message", type_=String), bindparam("context", type_=JSON),
        bindparam("entity_type", type_=String), bindparam("entity_id", type_=Integer),
        literal(PENDING), literal(0), bindparam("now", type_=UTCDateTime),
        bindparam("now", type_=UTCDateTime),
    ).where(User.id.in_(select(found.c[0])))
    return insert(Notification.__table__).from_select(  # Core: one statement, not a bulk
        ["recipient_id", "recipient_email", "locale", "message", "context", "entity_type",
         "entity_id", "status", "attempts", "next_attempt_at", "created_at"], rows)


def _checked(message: str, context: dict) -> dict:
    """The context as plain JSON, once the message and its keys are known to be right."""
    if message not in MESSAGES:
        raise ValueError(f"unknown message {message!r}: no templates/mail/{message}.subject.txt")
    if not isinstance(context, dict):
        raise ValueError(f"the context of {message!r} must be a dict")
    try:  # refuse now what JSON cannot carry, rather than when sending, hours later
        plain = json.loads(json.dumps(context, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise ValueError(f"the context of {message!r} must hold plain JSON values: {error}") \
            from None
    missing = required_keys(message) - plain.keys()
    if missing:
        raise ValueError(f"the context of {message!r} lacks {', '.join(sorted(missing))}")
    return plain


@cache
def required_keys(message: str) -> frozenset[str]:
    """The context keys the templates of `message` (and what they extend or import) read."""
    env = current_app.jinja_env
    names: set[str] = set()
    seen: set[str] = set()
    pending = [f"mail/{message}.subject.txt", f"mail/{message}.txt", f"mail/{message}.html"]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = env.parse(env.loader.get_source(env, name)[0])
        names |= meta.find_undeclared_variables(tree)
        pending.extend(ref for ref in meta.find_referenced_templates(tree) if ref)
    return frozenset(names - PROVIDED - env.globals.keys())


# --- rendering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


def render(message: str, locale: str, context: Mapping[str, Any], *, name: str = "") -> Mail:
    """The mail in `locale`: its subject, plain text and HTML. `context["url"]`, a path, becomes
    an absolute link on GRANTS_BASE_URL; `local_time(iso)` shows a UTC time in Ho Chi Minh City,
    `money(n)` an amount of VND, `stage_label(stage)` a stage's name."""
    env = _mail_environment()
    values = dict(context, name=name, locale=locale, local_time=local_time, money=money,
                  stage_label=labels.stage)
    if isinstance(values.get("url"), str):
        values["url"] = absolute_url(values["url"])
    with force_locale(locale):
        subject = " ".join(env.get_template(f"mail/{message}.subject.txt").render(values).split())
        values["subject"] = subject
        text = env.get_template(f"mail/{message}.txt").render(values)
        html = env.get_template(f"mail/{message}.html").render(values)
    return Mail(subject, _tidy(text), html)


def _mail_environment() -> Environment:
    """The app's templates, but a key missing from the context is an error, not a blank."""
    extensions = current_app.extensions
    if "grants_mail_jinja" not in extensions:
        extensions["grants_mail_jinja"] = current_app.jinja_env.overlay(undefined=StrictUndefined)
    return extensions["grants_mail_jinja"]


def absolute_url(path: str) -> str:
    if re.match(r"^https?://", path):
        return path
    return current_app.config["BASE_URL"].rstrip("/") + "/" + path.lstrip("/")


def local_time(value: str) -> str:
    """An ISO 8601 time (UTC when it has no offset) as day and time in Asia/Ho_Chi_Minh."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment, "dd/MM/yyyy HH:mm")


def money(amount: int) -> str:
    """Whole VND, grouped as the locale writes numbers: 40.000.000 ₫."""
    return f"{format_decimal(amount)} ₫"


def _tidy(text: str) -> str:
    """Template tags leave blank lines behind: keep at most one between paragraphs."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


class _Encoded(str):
    """A header value already encoded (RFC 2047) and folded into lines under 78 characters."""


class _MailPolicy(EmailPolicy):
    """email.policy.SMTP with 7-bit bodies (base64 or quoted-printable), keeping _Encoded
    header values as they are.

    Python 3.11's header folder loses the space between two encoded words when it folds a long
    non-ASCII header: "đồng bằng sông" arrives as "đồng bằngsông". The older email.header
    encoder keeps every space inside the encoded words, so Vietnamese headers go through it.
    """

    def header_store_parse(self, name, value):
        if isinstance(value, _Encoded):
            return (name, str(value))
        return super().header_store_parse(name, value)


MAIL_POLICY = _MailPolicy(linesep="\r\n", cte_type="7bit")


def _text_header(name: str, value: str) -> str:
    if value.isascii():
        return value
    return _Encoded(Header(value, "utf-8", header_name=name).encode(linesep="\r\n"))


def _address_header(name: str, address: str) -> str | Address:
    display_name, addr_spec = parseaddr(address)
    if display_name.isascii():
        return Address(display_name=display_name, addr_spec=addr_spec)
    encoded = Header(display_name, "utf-8", header_name=name).encode(linesep="\r\n")
    return _Encoded(f"{encoded}\r\n <{addr_spec}>")


def compose(row: Notification, mail: Mail, sender: str) -> EmailMessage:
    """The MIME message: multipart/alternative, plain text first, then HTML, in UTF-8."""
    email = EmailMessage(policy=MAIL_POLICY)
    email["Subject"] = _text_header("Subject", mail.subject)
    email["From"] = _address_header("From", sender)
    email["To"] = Address(addr_spec=row.recipient_email)  # the greeting carries the name
    email["Date"] = rfc5322_date(utcnow())
    # The same id on every attempt: a mailbox that sees a message twice can tell.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    email["Message-ID"] = f"<notification.{row.id}.{int(row.created_at.timestamp())}@{domain}>"
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    email.set_content(mail.text)
    email.add_alternative(mail.html, subtype="html")
    email["Content-Language"] = row.locale  # after the parts: they take Content-* headers along
    return email


# --- sending -------------------------------------------------------------------------------


class Transport(Protocol):
    sender: str

    def send(self, email: EmailMessage) -> None: ...

    def close(self) -> None: ...


@dataclass
class SmtpTransport:
    """Sends through one SMTP connection, opened at the first mail and kept for the pass."""

    host: str
    port: int
    sender: str
    security: str = "starttls"  # starttls, tls (implicit TLS) or none
    user: str | None = None
    password: str | None = None
    timeout: float = 30
    _smtp: smtplib.SMTP | None = field(default=None, init=False, repr=False)

    def send(self, email: EmailMessage) -> None:
        try:
            smtp = self._smtp or self._connect()
            smtp.send_message(email)
        except BaseException:
            self.close()  # the connection may be in any state: start afresh next time
            raise

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.user:
                smtp.login(self.user, self.password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def smtp_transport(config: Mapping[str, Any]) -> SmtpTransport:
    """The SMTP transport the configuration (GRANTS_SMTP_*, GRANTS_MAIL_FROM) describes;
    ValueError says what is missing or wrong."""
    host = config.get("SMTP_HOST")
    if not host:
        raise ValueError("GRANTS_SMTP_HOST is not set: the SMTP server to send mail through.")
    security = str(config.get("SMTP_SECURITY") or "starttls").strip().lower()
    if security not in SMTP_PORTS:
        raise ValueError(f"GRANTS_SMTP_SECURITY must be starttls, tls or none, not {security!r}.")
    port = config.get("SMTP_PORT") or SMTP_PORTS[security]
    if not (str(port).isascii() and str(port).isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"GRANTS_SMTP_PORT must be a port number, not {port!r}.")
    sender = config.get("MAIL_FROM")
    if not sender or "@" not in parseaddr(sender)[1]:
        raise ValueError("GRANTS_MAIL_FROM must be the sender's address, "
                         "for example 'Startup programme <noreply@dost.example>'.")
    return SmtpTransport(host=host, port=int(port), sender=sender, security=security,
                         user=config.get("SMTP_USER") or None,
                         password=config.get("SMTP_PASSWORD") or None)


@dataclass
class Counts:
    sent: int = 0
    retrying: int = 0  # failed this time, will be tried again
    failed: int = 0  # failed for the last time

    def __str__(self) -> str:
        return f"sent {self.sent}, retrying {self.retrying}, failed {self.failed}"


def send_due(transport: Transport, limit: int = 100, *, now: datetime | None = None,
             stop: threading.Event | None = None) -> Counts:
    """Send up to `limit` due pending mails, oldest first, each in its own transaction.

    Runs in a session of its own, so it neither commits nor rolls back the caller's work.
    Safe to run in several processes at once: each row is claimed by exactly one of them.
    `stop`, once set, ends the pass after the mail in hand.
    """
    counts = Counts()
    # On SQLite, BEGIN IMMEDIATE: wait for the write lock before reading what is due.
    session = Session(db.engine.execution_options(sqlite_immediate=True))
    try:
        for _ in range(limit):
            if stop is not None and stop.is_set():
                break
            outcome = _send_next(session, transport, now or utcnow())
            if outcome is None:
                break
            if outcome == "taken":
                time.sleep(TAKEN_PAUSE)  # someone else is writing: give them a moment
            else:
                setattr(counts, outcome, getattr(counts, outcome) + 1)
    finally:
        session.close()
        transport.close()
    return counts


def _send_next(session: Session, transport: Transport, now: datetime) -> str | None:
    """Claim the next due row, send it and record the outcome: 'sent', 'retrying', 'failed',
    'taken' (another sender holds it), or None when nothing is due."""
    try:
        row = session.scalars(
            select(Notification)
            .where(Notification.status == PENDING, Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(1)
            .with_for_update(skip_locked=True)  # PostgreSQL; on SQLite, BEGIN IMMEDIATE
        ).first()
        if row is None:
            session.rollback()
            return None
        # Write the claim before sending: if the database refuses it, nothing has been sent.
        row.attempts += 1
        session.flush()
        row_id, attempts = row.id, row.attempts
        try:
            email = compose(row, render(row.message, row.locale, row.context,
                                        name=row.recipient.name if row.recipient else ""),
                            transport.sender)
        except Exception as error:  # a template or context fault: keep it, retry later
            return _finish(session, row_id, _failure(row_id, attempts, error, now))
        if session.get_bind().dialect.name == "sqlite":
            # SQLite has one write lock for the whole database: hold it to claim the row, not
            # while talking to the SMTP server. Until the lease ends, no sender sees it due.
            row.next_attempt_at = now + CLAIM_LEASE
            session.commit()
    except OperationalError as error:
        session.rollback()
        if _held_by_another(error):
            return "taken"
        raise
    try:
        transport.send(email)
    except Exception as error:  # refused, unreachable, timed out: retried with backoff
        values = _failure(row_id, attempts, error, now)
    else:
        values = {"status": SENT, "sent_at": now, "last_error": None}
    return _finish(session, row_id, values)


def _failure(row_id: int, attempts: int, error: Exception, now: datetime) -> dict[str, Any]:
    """What to record after a failed attempt: the error, and when to try again (or never)."""
    message = f"{type(error).__name__}: {error}"[:2000]
    current_app.logger.warning("notification %s, attempt %s: %s", row_id, attempts, message)
    if attempts >= MAX_ATTEMPTS:
        return {"status": FAILED, "last_error": message}
    return {"last_error": message, "next_attempt_at": now + backoff(attempts)}


def _finish(session: Session, row_id: int, values: dict[str, Any]) -> str:
    """Record the outcome and commit: on PostgreSQL in the claiming transaction, releasing the
    row lock; on SQLite in a new one, waiting its turn for the write lock (a few times over,
    since the mail is already out)."""
    for turn in range(3):
        try:
            session.execute(update(Notification).where(Notification.id == row_id)
                            .values(**values))
            session.commit()
            break
        except OperationalError as error:
            session.rollback()
            if turn == 2 or not _held_by_another(error) or \
                    session.get_bind().dialect.name != "sqlite":
                raise
    return values.get("status") or "retrying"  # the Counts field: sent, failed or retrying


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: 1, 2, 4 … minutes, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 20), LONGEST_WAIT)


def _held_by_another(error: OperationalError) -> bool:
    return "database is locked" in str(error) or \
        getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES
