"""People, their roles, and their API tokens."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
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
    # A demo account (the demo seed's): refused at login and for its tokens outside demo mode.
    demo: Mapped[bool] = mapped_column(default=False)
    # Sessions carry the version they began with; logging out or changing the password moves
    # it on, so every earlier session cookie (a copy included) stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    # The second factor: a TOTP secret (base32) once enrolled, and the last time step
    # accepted, so one code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(32))
    totp_step: Mapped[int | None] = mapped_column(BigInteger)

    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None

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


class RecoveryCode(db.Model):
    """A one-time code that stands in for the second factor (a lost phone); only its SHA-256
    is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(db.Model):
    """One failed attempt counted against a key ("account:<email's sha256>", "address:<ip>",
    …). Kept in the database so that every server process counts the same attempts
    (grants/operations/throttle.py)."""

    __tablename__ = "login_throttle"
    __table_args__ = (Index("ix_login_throttle_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


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
    demo = False

    def has_role(self, role: str, programme_id: int | None = None) -> bool:
        return True

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = System()
# Whoever takes an action: a person's account, or the product itself.
Actor = User | System
