"""The money after approval: the agreement's tranches (đợt giải ngân), each tied to a milestone."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.accounts import User
from grants.models.applications import Application
from grants.models.types import UTCDateTime, utcnow


class Tranche(db.Model):
    """One tranche of an application's award: planned by the agreement, then requested by the
    startup with a milestone report, verified by one manager, released by another (four eyes)
    and paid. It runs through the one path with the `tranche` workflow; its history is the
    application's."""

    __tablename__ = "tranche"
    __table_args__ = (
        UniqueConstraint("application_id", "number"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    number: Mapped[int]  # 1, 2, … in the agreement's order
    milestone: Mapped[str] = mapped_column(String(300))
    amount: Mapped[int] = mapped_column(BigInteger)  # VND
    due_on: Mapped[date]  # the milestone report is due
    state: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(default=1)
    workflow_version: Mapped[int] = mapped_column(default=1)  # of the `tranche` workflow
    report: Mapped[str | None] = mapped_column(Text)  # the startup's milestone report
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # report due soon
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship()
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])
