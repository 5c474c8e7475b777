"""The outbox: one row per mail to send, written in the transaction of the change it reports."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.accounts import User
from grants.models.types import UTCDateTime, utcnow

# A notification's delivery status (not a workflow state, though one name is shared).
PENDING, SENT, FAILED = STATUSES = ("pending", "sent", "failed")


class Notification(db.Model):
    """A message waiting to be sent, sent, or given up on.

    The mail itself is rendered only when it is sent, from `message` (the template name),
    `locale` and `context` (plain JSON values), so the row stays small and a template fix
    reaches the mails still waiting.
    """

    __tablename__ = "notification"
    __table_args__ = (
        # The sender asks for the oldest due pending rows: this index answers it.
        Index("ix_notification_due", "status", "next_attempt_at", "id"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # Kept as it was when the message was written: the mail goes where the event happened.
    recipient_email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    entity_type: Mapped[str | None] = mapped_column(String(32))
    entity_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    recipient: Mapped[User | None] = relationship()
