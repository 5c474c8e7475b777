"""The hash chain of the audit log: append one event, verify the whole chain.

Each event's hash is the SHA-256 of its canonical form, which includes the previous event's
hash. Appends lock the single AuditHead row, so concurrent writers take turns and the chain
never forks; the lock is held until the writer's transaction commits.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import g, has_request_context
from sqlalchemy import select

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


# Locking the one head row serialises appends; built once (building SQL costs more than running it).
_LOCK_HEAD = select(AuditHead).where(AuditHead.id == 1).with_for_update()


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
) -> AuditEvent:
    """Append one event to the chain in the current transaction (the caller commits).

    `actor` is a user or SYSTEM (the product itself: no account); `parent` is the
    (entity_type, entity_id) the entity belongs to, for the parent's history.
    """
    head = db.session.execute(_LOCK_HEAD).scalar_one()
    event = AuditEvent(
        seq=head.seq + 1,
        # whole microseconds in UTC: what every database stores exactly
        occurred_at=utcnow(),
        actor_id=actor.id,
        actor_role=role,
        entity_type=entity_type,
        entity_id=entity_id,
        parent_type=parent[0] if parent else None,
        parent_id=parent[1] if parent else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        payload=to_json_value(payload or {}),
        reason=reason,
        request_id=g.get("request_id") if has_request_context() else None,
        prev_hash=head.hash,
    )
    values = tuple(getattr(event, c) for c in HASHED + HASHED_WHEN_SET)
    event.hash = hashlib.sha256(canonical(values)).hexdigest()
    head.seq, head.hash = event.seq, event.hash
    db.session.add(event)
    return event


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify(batch_size: int = 5000) -> Verification:
    """Walk the chain in order; name the first event changed, removed, inserted or moved."""
    columns = [getattr(AuditEvent, c) for c in HASHED + HASHED_WHEN_SET] + [AuditEvent.hash]
    rows = db.session.execute(
        select(*columns).order_by(AuditEvent.seq).execution_options(yield_per=batch_size)
    )
    try:
        return _walk(rows)
    finally:
        rows.close()


def _walk(rows) -> Verification:
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    sha256 = hashlib.sha256
    for row in rows:
        values, stored = tuple(row[:-1]), row[-1]
        seq = values[0]
        if seq != expected_seq:
            return Verification(False, checked, expected_seq, f"event {expected_seq} is missing")
        if values[len(HASHED) - 1] != prev_hash:
            return Verification(False, checked, seq, "previous-hash link is broken")
        if sha256(canonical(values)).hexdigest() != stored:
            return Verification(False, checked, seq, "content does not match its hash")
        prev_hash, expected_seq, checked = stored, seq + 1, checked + 1
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq, head.hash) != (checked, prev_hash):
        return Verification(False, checked, checked + 1, "events after the last one are missing")
    return Verification(True, checked)
