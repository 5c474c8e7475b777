"""The append-only, hash-chained audit log."""

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, BigInteger, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.types import UTCDateTime


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity_type", "entity_id", "seq"),
        Index("ix_audit_event_actor_id_seq", "actor_id", "seq"),
        Index("ix_audit_event_parent", "parent_type", "parent_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int]
    # What the entity belongs to (an application, for a tranche or a review), so that the
    # parent's history shows the events of everything that belongs to it.
    parent_type: Mapped[str | None] = mapped_column(String(32))
    parent_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped["User | None"] = relationship()  # noqa: F821


class AuditHead(db.Model):
    """One row: the last sequence number and hash. Locking it serialises appends to the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(db.Model):
    """A signed statement "the chain had `seq` events, the last hashed `hash`" (Ed25519, by a
    key kept outside the database; grants/checkpoints.py). Kept here for convenience; what
    proves anything is the copy exported to auditors, outside the system."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(100))


# The audit table refuses UPDATE and DELETE, whoever asks: on PostgreSQL by a trigger function,
# on SQLite by two triggers. The migration creates the same; keep the two in step.
AUDIT_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
AUDIT_GUARD_TRIGGER = """
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only()
"""

event.listen(
    AuditEvent.__table__,
    "after_create",
    DDL(AUDIT_GUARD_FUNCTION.replace("%", "%%")).execute_if(dialect="postgresql"),
)
event.listen(
    AuditEvent.__table__,
    "after_create",
    DDL(AUDIT_GUARD_TRIGGER).execute_if(dialect="postgresql"),
)
SQLITE_GUARD_TRIGGERS = [
    f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: {verb} refused'); END"
    for verb in ("UPDATE", "DELETE")
]
for trigger in SQLITE_GUARD_TRIGGERS:
    event.listen(AuditEvent.__table__, "after_create", DDL(trigger).execute_if(dialect="sqlite"))

# The head follows the chain by itself: inserting events moves it to the last one, in the same
# statement, so an append is a lock and an insert (two round trips, not three). PostgreSQL does it
# once per statement from the inserted rows; SQLite, which has only row triggers, once per row.
HEAD_FOLLOWS_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_head_follows() RETURNS trigger AS $$
BEGIN
    UPDATE audit_head SET (seq, hash) = (SELECT seq, hash FROM added ORDER BY seq DESC LIMIT 1)
    WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""
HEAD_FOLLOWS_TRIGGER = """
CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_event REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION audit_head_follows()
"""
SQLITE_HEAD_FOLLOWS_TRIGGER = """
CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_event
BEGIN UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1; END
"""
for ddl, dialect in ((HEAD_FOLLOWS_FUNCTION, "postgresql"), (HEAD_FOLLOWS_TRIGGER, "postgresql"),
                     (SQLITE_HEAD_FOLLOWS_TRIGGER, "sqlite")):
    event.listen(AuditEvent.__table__, "after_create", DDL(ddl).execute_if(dialect=dialect))

# The chain starts from one head row; the migration inserts the same row.
AUDIT_HEAD_SEED = "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')"
event.listen(AuditHead.__table__, "after_create", DDL(AUDIT_HEAD_SEED))
