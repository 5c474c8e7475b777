"""People, their roles, and their API tokens."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.types import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def has_role(self, role: str, programme_id: int | None = None) -> bool:
        """A global grant counts for every programme; a programme grant only for its own."""
        return any(
            g.role == role and (g.programme_id is None or g.programme_id == programme_id)
            for g in self.grants
        )


class RoleGrant(db.Model):
    """One role for one user, in one programme or (programme_id NULL) in all of them."""

    __tablename__ = "role_grant"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "programme_id"),
        Index("ix_role_grant_role_user_id", "role", "user_id"),  # the mentors' network
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")


class ApiToken(db.Model):
    """A personal access token; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class System:
    """The product itself as an actor (the command line, the demo seed, scheduled jobs): no
    account, no login, every right. Audit events it writes have no actor id and the role
    "system"."""

    id = None
    name = "System"
    email = None
    locale = None
    grants: tuple = ()
    is_authenticated = False

    def has_role(self, role: str, programme_id: int | None = None) -> bool:
        return True

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = System()
# Whoever takes an action: a person's account, or the product itself.
Actor = User | System
