"""Mentors and experts (BRIEF section 10): a mentor's profile in the programme's network, a
mentor's match to a project (with the conflict-of-interest declaration reviewers make), and the
mentoring sessions logged on it."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.accounts import User
from grants.models.declarations import DECLARATION_KNOWN, Declared
from grants.models.organizations import Project
from grants.models.programmes import Programme
from grants.models.types import UTCDateTime, utcnow

# The languages a mentor may advise in (ISO 639-1).
LANGUAGES = ("vi", "en", "fr", "de", "ja", "ko", "zh")


class MentorProfile(db.Model):
    """What a mentor offers: the fields they know, the languages they advise in, when they are
    available. Written by the mentor; read by the programmes' staff when matching."""

    __tablename__ = "mentor_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list)  # FIELDS
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # LANGUAGES
    availability: Mapped[str] = mapped_column(String(500), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Mentorship(Declared, db.Model):
    """A mentor matched to a project by a manager of a programme the project is funded in. The
    mentor declares a conflict of interest with the project's organization before seeing the
    project (`Declared`); a manager may end the match."""

    __tablename__ = "mentorship"
    __table_args__ = (
        UniqueConstraint("project_id", "mentor_id"),
        CheckConstraint(DECLARATION_KNOWN, name="declaration_known"),
        Index("ix_mentorship_mentor_id_id", "mentor_id", "id"),  # the mentor's list
        Index("ix_mentorship_programme_id_id", "programme_id", "id"),  # a programme's list
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    matched_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship()
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    programme: Mapped[Programme] = relationship()

    @property
    def active(self) -> bool:
        return self.ended_at is None


class MentoringSession(db.Model):
    """One mentoring session, logged by the mentor: read by the startup and the programme's
    staff, never by another startup."""

    __tablename__ = "mentoring_session"
    __table_args__ = (
        Index("ix_mentoring_session_mentorship_id_held_on", "mentorship_id", "held_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorship.id"))
    held_on: Mapped[date]
    topic: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str] = mapped_column(Text)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mentorship: Mapped[Mentorship] = relationship()
