"""How many entities are in each state, per scope (an application's call, …): kept up to date
by the action path in the same transaction, so that list pages read a handful of rows instead
of counting every entity on every view."""

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db


class StateCount(db.Model):
    __tablename__ = "state_count"

    scope_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    scope_id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)  # Σ of the entities' amounts
