"""Programmes, their KPI targets, and their calls for applications."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.types import UTCDateTime, utcnow


class Programme(db.Model):
    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300), unique=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    targets: Mapped[list["ProgrammeTarget"]] = relationship(
        back_populates="programme",
        cascade="all, delete-orphan",
        order_by="ProgrammeTarget.year, ProgrammeTarget.stage",
    )


class ProgrammeTarget(db.Model):
    """How many projects a programme aims to support at one stage in one year."""

    __tablename__ = "programme_target"
    __table_args__ = (
        UniqueConstraint("programme_id", "stage", "year"),
        CheckConstraint("projects >= 0", name="projects_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(32))
    year: Mapped[int]
    projects: Mapped[int]

    programme: Mapped[Programme] = relationship(back_populates="targets")


class Call(db.Model):
    """A call for applications at one stage (đợt tiếp nhận hồ sơ); it pins its workflow version."""

    __tablename__ = "call"
    __table_args__ = (
        CheckConstraint("budget >= 0", name="budget_not_negative"),
        CheckConstraint("cap_per_project >= 0", name="cap_not_negative"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    budget: Mapped[int] = mapped_column(BigInteger)
    cap_per_project: Mapped[int] = mapped_column(BigInteger)
    # {"pass_threshold": int, "criteria": [{"key", "name", "weight", "max_score", "guidance"}]}
    rubric: Mapped[dict[str, Any]] = mapped_column(JSON)
    # [{"key", "label", "type", "required", "choices", "help"}]: what the application form asks
    # (type: grants.operations.calls.QUESTION_TYPES; a question without one is long text)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # kinds of documents every application must upload (identifiers, e.g. "business_plan")
    required_documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    # {"max_age_years": int | None, "fields": [project field, …] (empty: any field)}
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    duration_months: Mapped[int] = mapped_column(default=12)  # months of support
    review_quorum: Mapped[int] = mapped_column(default=3)
    disagreement_limit: Mapped[int] = mapped_column(default=30)
    blind_review: Mapped[bool] = mapped_column(default=False)
    review_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)  # reviewers finish by
    # applicants read the reviews' comments, without names or scores, once decided
    share_review_comments: Mapped[bool] = mapped_column(default=False)
    workflow_name: Mapped[str] = mapped_column(String(64))
    workflow_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[Programme] = relationship()

    def is_open(self, at: datetime) -> bool:
        return self.opens_at <= at < self.closes_at
