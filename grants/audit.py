"""The hash chain of the audit log: append one event, verify the whole chain.

Each event's hash is the SHA-256 of its canonical form, which includes the previous event's
hash. Appends lock the single AuditHead row, so concurrent writers take turns and the chain
never forks; the lock is held until the writer's transaction commits.
"""

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from flask import g, has_request_context
from sqlalchemy import Select, Text, cast, func, insert, select

from grants.extensions import db
from grants.models import Actor, AuditEvent, AuditHead, utcnow

GENESIS = "0" * 64

# The columns that go into the hash, in this order.
HASHED = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_role",
    "entity_type",
    "entity_id",
    "action",
    "from_state",
    "to_state",
    "payload",
    "reason",
    "request_id",
    "prev_hash",
)
# Hashed too, but only when set: events written before these columns existed keep their hash.
HASHED_WHEN_SET = ("parent_type", "parent_id")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json_value(value: Any) -> Any:
    """The value as plain JSON (dates as ISO text), the way the payload column keeps it."""
    return json.loads(json.dumps(value, default=_json_default, ensure_ascii=False))


def canonical(values: tuple) -> bytes:
    """The bytes that are hashed: the HASHED values, then the HASHED_WHEN_SET ones that are not
    None, as compact, key-sorted JSON."""
    if len(values) not in (len(HASHED), len(HASHED) + len(HASHED_WHEN_SET)):
        raise ValueError(f"expected the {len(HASHED)} hashed values, then optionally "
                         f"{', '.join(HASHED_WHEN_SET)}; got {len(values)}")
    record = dict(zip(HASHED, values, strict=False))
    for name, value in zip(HASHED_WHEN_SET, values[len(HASHED):], strict=False):
        if value is not None:
            record[name] = value
    return json.dumps(
        record, default=_json_default, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


# Locking the one head row serialises appends. The statements are Core and built once: an
# append is two statements with no ORM object and no unit of work (the insert's trigger moves
# the head, grants/models/audit.py).
_LOCK_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
_APPEND = insert(AuditEvent.__table__)


def record(
    *,
    actor: Actor,
    role: str | None,
    entity_type: str,
    entity_id: int,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    payload: dict[str, Any] | None = None,
    reason: str | None = None,
    parent: tuple[str, int] | None = None,
) -> None:
    """Append one event to the chain in the current transaction (the caller commits).

    `actor` is a user or SYSTEM (the product itself: no account); `parent` is the
    (entity_type, entity_id) the entity belongs to, for the parent's history.
    """
    append([{
        "occurred_at": utcnow(),  # whole microseconds in UTC: what every database stores
        "actor_id": actor.id,
        "actor_role": role,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "payload": to_json_value(payload or {}),
        "reason": reason,
        "request_id": g.get("request_id") if has_request_context() else None,
        "parent_type": parent[0] if parent else None,
        "parent_id": parent[1] if parent else None,
    }])


def append(events: list[dict[str, Any]]) -> None:
    """Chain `events` (every hashed column but `seq` and `prev_hash`) after the head, in the
    current transaction: lock the head, number and hash each event, insert them (the insert's
    trigger moves the head).
    `record` appends one; the benchmark seed appends thousands at a time."""
    seq, prev_hash = db.session.execute(_LOCK_HEAD).one()
    for event in events:
        seq += 1
        event["seq"], event["prev_hash"] = seq, prev_hash
        prev_hash = event["hash"] = hashlib.sha256(
            canonical(tuple(event[c] for c in HASHED + HASHED_WHEN_SET))).hexdigest()
    db.session.execute(_APPEND, events)


# What verification may find at the first bad event (`Verification.finding`).
CHANGED = "changed"  # its content no longer matches its hash
MISSING = "missing"  # an event is gone (a gap in the numbers, or the tail cut below the head)
INSERTED = "inserted"  # it was put into the chain: the next event links past it
REORDERED = "reordered"  # it was moved: it links to the event after it
RELINKED = "relinked"  # its content is intact but its link is not: the event before it was
#                        rewritten with a recomputed hash, or the chain re-built after it
FINDINGS = (CHANGED, MISSING, INSERTED, REORDERED, RELINKED)


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    finding: str | None = None  # one of FINDINGS
    # Told apart once the chain is broken: the first event whose stored content no longer
    # matches its stored hash, and the first whose link (prev_hash) is not the stored hash of
    # the event before it (or follows a gap). A rewrite with a recomputed hash leaves the
    # first None and the second at the event after the rewritten one.
    changed_seq: int | None = None
    broken_link_seq: int | None = None


def canonical_json(value: Any) -> str:
    """JSON as the chain hashes it: compact, keys sorted, UTF-8 text kept. The app stores every
    JSON column this way (the engine's serializer), so an event's stored payload is already in
    its canonical form and `verify` need not decode it."""
    return json.dumps(value, default=_json_default, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


_text = json.encoder.encode_basestring  # the C encoder json.dumps(ensure_ascii=False) uses


def _canonical_text(row) -> str:
    """The canonical form of one raw row, assembled directly (keys in sorted order); the row's
    payload is the stored JSON text. Must equal `canonical` on the decoded values."""
    (seq, occurred_at, actor_id, actor_role, entity_type, entity_id, action, from_state,
     to_state, payload, reason, request_id, prev_hash, parent_type, parent_id) = row[:15]
    parent = "" if parent_type is None and parent_id is None else (
        f',"parent_id":{"null" if parent_id is None else parent_id}'
        f',"parent_type":{"null" if parent_type is None else _text(parent_type)}')
    return (
        f'{{"action":{_text(action)}'
        f',"actor_id":{"null" if actor_id is None else actor_id}'
        f',"actor_role":{"null" if actor_role is None else _text(actor_role)}'
        f',"entity_id":{entity_id}'
        f',"entity_type":{_text(entity_type)}'
        f',"from_state":{"null" if from_state is None else _text(from_state)}'
        f',"occurred_at":{_text(occurred_at)}'
        f'{parent}'
        f',"payload":{payload}'
        f',"prev_hash":{_text(prev_hash)}'
        f',"reason":{"null" if reason is None else _text(reason)}'
        f',"request_id":{"null" if request_id is None else _text(request_id)}'
        f',"seq":{seq}'
        f',"to_state":{"null" if to_state is None else _text(to_state)}}}'
    )


def raw_rows() -> Select:
    """The chain as `_canonical_text` reads it, in order: the hashed columns with the time as
    its canonical text and the payload as its stored JSON text, then the stored hash."""
    columns = [getattr(AuditEvent, c) for c in HASHED + HASHED_WHEN_SET] + [AuditEvent.hash]
    columns[HASHED.index("payload")] = cast(AuditEvent.payload, Text)
    if db.engine.dialect.name == "postgresql":
        moment = func.to_char(AuditEvent.occurred_at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    else:  # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" (SQLAlchemy's storage format)
        moment = func.replace(cast(AuditEvent.occurred_at, Text), " ", "T") + "Z"
    columns[HASHED.index("occurred_at")] = moment
    return select(*columns).order_by(AuditEvent.seq)


def verify(batch_size: int = 20000, progress=None) -> Verification:
    """Walk the chain in order; name the first event changed, removed, inserted or moved.

    Rows stream through Core with the payload as its stored text, and each event's canonical
    bytes are assembled without decoding it (docs/audit.md). Only when that does not match the
    stored hash is the event checked the slow way (decoded and re-encoded), so events stored
    before the payload was kept canonical still verify. `progress(n)` is told every batch."""
    rows = db.session.connection().execute(
        raw_rows().execution_options(yield_per=batch_size))
    try:
        result = _walk(rows, batch_size, progress)
    finally:
        rows.close()
    if result.ok:
        return result
    changed, broken = _first_breaks(batch_size)
    return replace(result, changed_seq=changed, broken_link_seq=broken)


def _first_breaks(batch_size: int) -> tuple[int | None, int | None]:
    """A second walk, only over a broken chain: the first event whose content does not match
    its stored hash, and the first whose link does not match the stored hash before it."""
    changed = broken = None
    prev_seq, prev_hash = 0, GENESIS
    rows = db.session.connection().execute(
        raw_rows().execution_options(yield_per=batch_size))
    try:
        for row in rows:
            if changed is None and not _content_matches(row):
                changed = row[0]
            if broken is None and (row[0] != prev_seq + 1 or row[_PREV_AT] != prev_hash):
                broken = row[0]
            if changed is not None and broken is not None:
                break
            prev_seq, prev_hash = row[0], row[-1]
    finally:
        rows.close()
    return changed, broken


_PREV_AT = HASHED.index("prev_hash")


def _content_matches(row) -> bool:
    """The row's canonical form hashes to its stored hash (fast form first, then the slow one
    for a payload stored in another JSON layout)."""
    stored = row[-1]
    if hashlib.sha256(_canonical_text(row).encode()).hexdigest() == stored:
        return True
    values = list(row[:-1])
    values[HASHED.index("payload")] = json.loads(values[HASHED.index("payload")])
    moment_at = HASHED.index("occurred_at")
    values[moment_at] = datetime.strptime(values[moment_at], "%Y-%m-%dT%H:%M:%S.%fZ")\
        .replace(tzinfo=UTC)
    return hashlib.sha256(canonical(tuple(values))).hexdigest() == stored


def _finding(row, following, content_ok: bool, link_ok: bool, earlier_link: str
             ) -> tuple[int, str, str]:
    """Where the chain breaks and what is wrong, judged from the first bad row, the row after it
    (None at the end) and the link of the row before it."""
    seq = row[0]
    if not link_ok and row[_PREV_AT] == earlier_link:  # it links past the one before it
        return seq - 1, INSERTED, (f"event {seq - 1} was inserted: the event after it links "
                                   "past it")
    return (seq, *_alone(row, following, content_ok, link_ok))


def _alone(row, following, content_ok: bool, link_ok: bool) -> tuple[str, str]:
    seq = row[0]
    if following is not None and following[_PREV_AT] == row[_PREV_AT]:
        return INSERTED, f"event {seq} was inserted: the event after it links past it"
    if not link_ok and following is not None and row[_PREV_AT] == following[-1]:
        return REORDERED, f"event {seq} was moved: it links to the event after it"
    if not content_ok:
        return CHANGED, f"event {seq} was changed: its content does not match its hash"
    return RELINKED, (f"event {seq}'s link to event {seq - 1} is broken: event {seq - 1} was "
                      "rewritten with a recomputed hash, or the chain was rebuilt")


def _walk(rows, batch_size: int, progress) -> Verification:
    """Name the first bad event and what is wrong with it (FINDINGS)."""
    expected_seq, prev_hash, earlier_link, checked = 1, GENESIS, None, 0
    sha256, prev_at = hashlib.sha256, _PREV_AT
    rows = iter(rows)
    for row in rows:
        seq, stored = row[0], row[-1]
        if seq != expected_seq:
            return Verification(False, checked, expected_seq,
                                f"event {expected_seq} is missing", MISSING)
        link_ok = row[prev_at] == prev_hash
        # the fast form almost always matches; the slow one only when it does not
        if not (link_ok and sha256(_canonical_text(row).encode()).hexdigest() == stored) \
                and not (link_ok and _content_matches(row)):
            bad, finding, problem = _finding(row, next(rows, None), _content_matches(row),
                                             link_ok, earlier_link)
            return Verification(False, min(checked, bad - 1), bad, problem, finding)
        earlier_link = row[prev_at]
        prev_hash, expected_seq, checked = stored, seq + 1, checked + 1
        if progress and checked % batch_size == 0:
            progress(batch_size)
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq, head.hash) != (checked, prev_hash):
        return Verification(False, checked, checked + 1,
                            f"event {checked + 1} and those after it are missing", MISSING)
    return Verification(True, checked)
