"""An application: one project's bid in one call."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.organizations import Project
from grants.models.programmes import Call
from grants.models.types import UTCDateTime, utcnow


class Application(db.Model):
    __tablename__ = "application"
    __table_args__ = (
        UniqueConstraint("project_id", "call_id"),
        # one draft per new-application form, however often it is posted
        UniqueConstraint("created_by_id", "form_token"),
        CheckConstraint("requested_amount >= 0", name="requested_not_negative"),
        CheckConstraint("awarded_amount >= 0", name="awarded_not_negative"),
        Index("ix_application_call_id_state", "call_id", "state"),
        # the manager's queue: one call's applications, newest first, a page at a time
        Index("ix_application_call_id_id", "call_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"))
    # the initial state comes from the call's workflow definition, set by create_application
    state: Mapped[str] = mapped_column(String(32))
    # Bumped by every change; a writer that read an older version gets a conflict.
    version: Mapped[int] = mapped_column(default=1)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requested_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    awarded_amount: Mapped[int | None] = mapped_column(BigInteger)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # stamped by the action path when it first enters a state tagged `decided`, and one tagged
    # `agreement_in_force` (grants/operations/applications.py KIND.milestones)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revision_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    form_token: Mapped[str | None] = mapped_column(String(32))
    # the common part of the form beside the project's title, summary and field
    team: Mapped[str] = mapped_column(Text, default="")  # who does what
    # {"labour": int, "other": int}: VND, adding up to requested_amount once complete
    budget: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{"milestone": str, "month": int | None, "deliverable": str}]
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # the application of the stage before, whose promotion made this one
    promoted_from_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))

    project: Mapped[Project] = relationship()
    call: Mapped[Call] = relationship()

    @property
    def stage(self) -> str:
        return self.call.stage


class ApplicationRevision(db.Model):
    """What the startup sent at one submission: the common part and the answers, kept as
    they were, so staff can see what changed between two submissions."""

    __tablename__ = "application_revision"
    __table_args__ = (UniqueConstraint("application_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"))
    number: Mapped[int]  # 1 for the first submission, then 2, 3, …
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
