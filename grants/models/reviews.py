"""Reviews: a reviewer's assignment to an application, their declaration of (no) conflict of
interest, and their scored review."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.accounts import User
from grants.models.applications import Application
from grants.models.declarations import (  # noqa: F401 (the reviewers' names of the answers)
    DECLARATION_KNOWN,
    DECLARATIONS,
    NO_CONFLICT,
    RECUSED,
    UNDECLARED,
    Declared,
)
from grants.models.types import UTCDateTime, utcnow

RECOMMENDATIONS = ("yes", "maybe", "no")


class ReviewAssignment(Declared, db.Model):
    """One reviewer asked to review one application, who declares a conflict of interest with
    it first (`Declared`). Never twice the same pair: an assignment that was removed is
    reactivated when the pair is assigned again; a recusal stays."""

    __tablename__ = "review_assignment"
    __table_args__ = (
        UniqueConstraint("application_id", "reviewer_id"),
        CheckConstraint(DECLARATION_KNOWN, name="declaration_known"),
        # the reviewer's queue and load; a call's assignments for the ranking and auto-assign
        Index("ix_review_assignment_reviewer_id_id", "reviewer_id", "id"),
        Index("ix_review_assignment_call_id_reviewer_id", "call_id", "reviewer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"))  # the application's call
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    review: Mapped["Review | None"] = relationship(back_populates="assignment", uselist=False)

    @property
    def active(self) -> bool:
        return self.cancelled_at is None


class Review(db.Model):
    """A reviewer's scores of one application: a draft until submitted, then locked (a manager
    may reopen it, with a reason)."""

    __tablename__ = "review"
    __table_args__ = (
        CheckConstraint("recommendation IN ('yes', 'maybe', 'no')", name="recommendation_known"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("review_assignment.id"), unique=True)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # criterion key -> int
    # the weighted sum normalised to 0–100; null until every criterion is scored
    score: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[str | None] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_reason: Mapped[str | None] = mapped_column(Text)

    assignment: Mapped[ReviewAssignment] = relationship(back_populates="review")
