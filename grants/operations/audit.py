"""The auditor's desk: the whole audit log filtered and paged, an application's timeline with
each change as before and after, the chain's verification, and the log exported as it is
stored (CSV or JSON, streamed) for auditors to check outside the system (docs/audit.md).

Everything here reads; the chain itself is written by `grants.audit.record` on the one path.
"""

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from grants import audit as chain
from grants import checkpoints
from grants.extensions import db
from grants.inputs import MAX_ID, identifier
from grants.models import Actor, AuditEvent, User
from grants.operations import applications, history
from grants.operations.core import LOCAL
from grants.operations.errors import Forbidden, Invalid
from grants.operations.workflow import load
from grants.permissions.audit import can_read_log

MAX_PAGE = 200
EXPORT_BATCH = 2000
# the columns of an export, in the order of the canonical form's keys, then the hash
COLUMNS = ("seq", "occurred_at", "actor_id", "actor_role", "entity_type", "entity_id",
           "parent_type", "parent_id", "action", "from_state", "to_state", "payload",
           "reason", "request_id", "prev_hash", "hash")


def require_reader(actor: Actor) -> None:
    if not can_read_log(actor):
        raise Forbidden(_("The audit log is read by the auditors and administrators of every "
                          "programme."))


# --- filters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the log is narrowed to; each one optional. Days are Ho Chi Minh City days."""

    entity_type: str | None = None
    entity_id: int | None = None
    actor_id: int | None = None
    action: str | None = None
    state: str | None = None  # the state an event left or entered
    since: date | None = None
    until: date | None = None

    def query(self) -> dict[str, Any]:
        """The filters as URL arguments (for the next page and the exports)."""
        return {k: (v.isoformat() if isinstance(v, date) else str(v))
                for k, v in self.__dict__.items() if v not in (None, "")}


def parse_filters(args: Mapping[str, Any]) -> Filters:
    """Filters from a page's query string; Invalid names each bad one."""
    errors: dict[str, str] = {}

    def name(key: str) -> str | None:
        value = (args.get(key) or "").strip()
        if value and (len(value) > 64 or not value.replace("_", "").isalnum()):
            errors[key] = _("Letters, digits and _ only.")
            return None
        return value or None

    def number(key: str) -> int | None:
        value = (args.get(key) or "").strip()
        if not value:
            return None
        found = identifier(value)
        if found is None:
            errors[key] = _("Must be a whole number from 1 to %(n)d.", n=MAX_ID)
        return found

    def day(key: str) -> date | None:
        value = (args.get(key) or "").strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            errors[key] = _("Not a valid date (YYYY-MM-DD).")
            return None

    found = Filters(name("entity_type"), number("entity_id"), number("actor_id"),
                    name("action"), name("state"), day("since"), day("until"))
    if found.since and found.until and found.until < found.since:
        errors["until"] = _("Must not be before the first day.")
    if errors:
        raise Invalid(_("Some filters are not valid."), errors)
    return found


def _statement(filters: Filters):
    statement = select(AuditEvent)
    if filters.entity_type:
        statement = statement.where(AuditEvent.entity_type == filters.entity_type)
    if filters.entity_id is not None:
        statement = statement.where(AuditEvent.entity_id == filters.entity_id)
    if filters.actor_id is not None:
        statement = statement.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.state:
        statement = statement.where(or_(AuditEvent.from_state == filters.state,
                                        AuditEvent.to_state == filters.state))
    if filters.since:
        statement = statement.where(AuditEvent.occurred_at >= _utc(filters.since))
    if filters.until:
        statement = statement.where(
            AuditEvent.occurred_at < _utc(filters.until + timedelta(days=1)))
    return statement


def _utc(day: date) -> datetime:
    """The start of a Ho Chi Minh City day, in UTC."""
    return datetime.combine(day, time(), LOCAL).astimezone(UTC)


# --- reading ---------------------------------------------------------------------------------


def events(actor: Actor, filters: Filters, *, before_seq: int | None = None,
           limit: int = 50) -> list[AuditEvent]:
    """The log's events that match, newest first, before `before_seq`; one statement (the
    entity's and the actor's filters walk their `(…, seq)` indexes, the rest the chain's)."""
    require_reader(actor)
    statement = _statement(filters).options(joinedload(AuditEvent.actor))
    if before_seq is not None:
        statement = statement.where(AuditEvent.seq < before_seq)
    return list(db.session.scalars(
        statement.order_by(AuditEvent.seq.desc()).limit(min(limit, MAX_PAGE + 1))))


def verify(actor: Actor) -> checkpoints.Anchoring:
    """The same verification as `flask --app grants audit verify`, and, when this server holds
    the signing key, against the checkpoints kept in the database (the copies auditors keep
    outside are checked with `audit verify --checkpoints FILE`)."""
    require_reader(actor)
    key = checkpoints.configured_public_key()
    kept = [checkpoints.as_json(row) for row in checkpoints.stored()] if key else []
    if kept:
        return checkpoints.verify_against(kept, key)
    result = chain.verify()
    return checkpoints.Anchoring(result.ok, 0, result, None, result.problem)


def recent_checkpoints(actor: Actor, limit: int = 5) -> list:
    """The latest signed checkpoints kept here, newest first."""
    require_reader(actor)
    return checkpoints.stored(limit)


def checkpoint_export(actor: Actor) -> dict[str, Any]:
    """Every signed checkpoint with the public key, for auditors to keep outside."""
    require_reader(actor)
    return checkpoints.export()


# --- the timeline ----------------------------------------------------------------------------


@dataclass
class Change:
    """One field of one event: what it was before (as far as the log tells) and after."""

    name: str
    before: Any
    after: Any


@dataclass
class Step:
    event: AuditEvent
    changes: list[Change] = field(default_factory=list)


SHAPED = ("changes", "before", "after")  # payload keys that carry their own before and after


def _flat(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A payload's fields one level down (`project.title`, `answers.problem`)."""
    flat: dict[str, Any] = {}
    for key, value in payload.items():
        if key in SHAPED:
            continue
        if isinstance(value, dict) and "." not in key:
            for sub, inner in value.items():  # an empty dict says nothing
                flat[f"{key}.{sub}"] = inner
        else:
            flat[key] = value
    return flat


def diff(event: AuditEvent, known: dict[str, Any]) -> list[Change]:
    """What the event changed, each field with its value before and after: from the payload's
    own `changes` ({field: [before, after]}) or `before`/`after`, else from the values the
    entity's earlier events left in `known` (updated here)."""
    payload = event.payload or {}
    found: list[Change] = []
    if event.from_state != event.to_state and event.to_state is not None:
        found.append(Change("state", event.from_state, event.to_state))
    if isinstance(payload.get("changes"), dict):
        for name, pair in payload["changes"].items():
            old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            found.append(Change(name, old, new))
            known[name] = new
    if isinstance(payload.get("before"), dict) and isinstance(payload.get("after"), dict):
        before, after = payload["before"], payload["after"]
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                found.append(Change(name, before.get(name), after.get(name)))
                known[name] = after.get(name)
    # an edit says what each field held before ({"before": {...}} beside the new values)
    said = _flat(payload["before"]) if isinstance(payload.get("before"), dict) \
        and "after" not in payload else {}
    for name, value in _flat(payload).items():
        old = said.get(name, known.get(name))
        if old != value:
            found.append(Change(name, old, value))
        known[name] = value
    return found


def timeline(actor: Actor, application_id: Any, limit: int = 1000) -> tuple[Any, list[Step]]:
    """The application and its events and its children's (tranches, reviews, documents…),
    oldest first, each with its changes as before and after."""
    require_reader(actor)
    application = load(applications.KIND, actor, application_id).entity
    knowns: dict[tuple[str, int], dict[str, Any]] = {}
    steps = []
    for event in history.events(actor, applications.KIND, application.id, limit=limit):
        known = knowns.setdefault((event.entity_type, event.entity_id), {})
        steps.append(Step(event, diff(event, known)))
    return application, steps


# --- exports ---------------------------------------------------------------------------------


def _rows(filters: Filters) -> Iterator[AuditEvent]:
    statement = _statement(filters).order_by(AuditEvent.seq).execution_options(
        yield_per=EXPORT_BATCH)
    yield from db.session.scalars(statement)


def _record(event: AuditEvent) -> dict[str, Any]:
    """An event as the canonical form names its values (docs/audit.md), plus its hash."""
    values = {name: getattr(event, name) for name in COLUMNS}
    values["occurred_at"] = chain.to_json_value(event.occurred_at)
    return values


def export_csv(actor: Actor, filters: Filters) -> Iterator[str]:
    """The matching events, oldest first, as CSV text in pieces (the payload as canonical
    JSON)."""
    require_reader(actor)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield flush()
    for n, event in enumerate(_rows(filters), start=1):
        record = _record(event)
        record["payload"] = chain.canonical_json(record["payload"])
        writer.writerow(["" if record[c] is None else record[c] for c in COLUMNS])
        if n % 500 == 0:
            yield flush()
    yield flush()


def export_json(actor: Actor, filters: Filters) -> Iterator[str]:
    """The matching events, oldest first, as one JSON array written in pieces."""
    require_reader(actor)
    yield "["
    for n, event in enumerate(_rows(filters)):
        yield ("," if n else "") + "\n" + json.dumps(_record(event), ensure_ascii=False,
                                                    sort_keys=True)
    yield "\n]\n"


def shown(value: Any) -> str:
    """A value of a change as a person reads it: text as it is, anything else as JSON with
    its Vietnamese letters kept."""
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def actor_by_email(email: str) -> int | None:
    """The id of the user with this email, for the log's actor filter."""
    return db.session.scalar(select(User.id).where(User.email == email.strip().lower()))
