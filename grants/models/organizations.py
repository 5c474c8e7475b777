"""Startups (organizations), their members and their projects."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.types import UTCDateTime, utcnow


class Organization(db.Model):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    registration_number: Mapped[str | None] = mapped_column(String(50), unique=True)
    founded_on: Mapped[date | None]
    field: Mapped[str] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    website: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list["Membership"]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )


class Membership(db.Model):
    __tablename__ = "membership"
    # a user's startups, newest first, walk this index (it also serves "is this user a member")
    __table_args__ = (Index("ix_membership_user_id_organization_id", "user_id", "organization_id"),)

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), default="member")  # owner or member

    organization: Mapped[Organization] = relationship(back_populates="members")


class Invitation(db.Model):
    """The owner asks someone, by email, to join the startup's team. Only the SHA-256 of the
    one-time link's token is kept; the link works once, for that email's account, until it
    expires or is cancelled."""

    __tablename__ = "invitation"
    # the startup's invitations, newest first
    __table_args__ = (Index("ix_invitation_organization_id_id", "organization_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()

    @property
    def pending(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None


class Project(db.Model):
    """A startup's project; it lives across stages through a chain of applications."""

    __tablename__ = "project"
    # the public showcase walks the opted-in projects by id
    __table_args__ = (Index("ix_project_showcase_id", "showcase", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    field: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the public showcase: the startup's members opt in, with a short public description
    showcase: Mapped[bool] = mapped_column(default=False)
    showcase_description: Mapped[str] = mapped_column(String(500), default="")  # Vietnamese
    showcase_description_en: Mapped[str] = mapped_column(String(500), default="")

    organization: Mapped[Organization] = relationship()
