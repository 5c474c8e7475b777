"""Pilot testing (ứng dụng và thử nghiệm trong môi trường thực tế) and the final evaluation
(nghiệm thu) of an application, one row each."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models.types import UTCDateTime, utcnow

VERDICTS = ("passed", "failed")


class Pilot(db.Model):
    """The plan (host partner, environment, success metrics, dates), then the results and the
    verdict. Incubation and acceleration require a finished pilot before the final report."""

    __tablename__ = "pilot"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("verdict IN ('passed', 'failed')", name="verdict_known"),
    )

    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), primary_key=True)
    host_partner: Mapped[str] = mapped_column(String(300))
    environment: Mapped[str] = mapped_column(Text)
    success_metrics: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    results: Mapped[str | None] = mapped_column(Text)
    verdict: Mapped[str | None] = mapped_column(String(8))
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Evaluation(db.Model):
    """The startup's final report, then the council's score, verdict and comment."""

    __tablename__ = "evaluation"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 100", name="score_in_range"),
        CheckConstraint("verdict IN ('passed', 'failed')", name="verdict_known"),
    )

    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), primary_key=True)
    final_report: Mapped[str] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    score: Mapped[int | None]
    verdict: Mapped[str | None] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text)
    evaluated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
