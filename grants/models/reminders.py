"""Reminders already sent: one row per draft application that was reminded of its deadline."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models.types import UTCDateTime, utcnow


class DraftReminder(db.Model):
    """The primary key is the application: a draft is reminded once, however often and from
    however many servers `outbox remind` runs (a second insert of the same draft conflicts and
    is skipped)."""

    __tablename__ = "draft_reminder"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), primary_key=True)
    reminded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
