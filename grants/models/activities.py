"""Support activities of a programme beyond the money (BRIEF section 10): training classes,
connection events and exhibitions, and the projects registered for them."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.organizations import Project
from grants.models.programmes import Programme
from grants.models.types import UTCDateTime, utcnow

KINDS = ("training", "connection", "exhibition")
OUTCOMES = ("lead", "pilot_partner", "investor_meeting", "other")


class Activity(db.Model):
    """A training class, a connection event (customers, markets, investors, partners) or an
    exhibition of a programme, for projects of some stages."""

    __tablename__ = "activity"
    __table_args__ = (
        CheckConstraint("kind IN ('training', 'connection', 'exhibition')", name="kind_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        # the upcoming list walks this index: (starts_at, id)
        Index("ix_activity_starts_at_id", "starts_at", "id"),
        Index("ix_activity_programme_id_starts_at", "programme_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(500))  # an address or a link
    capacity: Mapped[int]
    registration_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stages: Mapped[list[str]] = mapped_column(JSON, default=list)  # the stages it is for
    organiser: Mapped[str] = mapped_column(String(300), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[Programme] = relationship()

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_link(self) -> bool:
        return self.place.startswith(("https://", "http://"))


class ActivityRegistration(db.Model):
    """One project registered for one activity; attendance and an outcome recorded after it."""

    __tablename__ = "activity_registration"
    __table_args__ = (
        UniqueConstraint("activity_id", "project_id"),
        CheckConstraint("outcome IN ('lead', 'pilot_partner', 'investor_meeting', 'other')",
                        name="outcome_known"),
        Index("ix_activity_registration_project_id", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attended: Mapped[bool | None]  # null until recorded
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    activity: Mapped[Activity] = relationship()
    project: Mapped[Project] = relationship()

    @property
    def active(self) -> bool:
        return self.cancelled_at is None

    def as_data(self) -> dict[str, Any]:
        return {"attended": self.attended, "outcome": self.outcome,
                "outcome_note": self.outcome_note}
