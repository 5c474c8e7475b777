"""A declaration of conflict of interest, the one rule of reviewers and mentors (BRIEF
sections 5 and 10): who is asked to judge or advise a startup first declares whether they have
a conflict with it; until they declare no conflict they see only what they need to decide (the
organization's name), and once they recuse they see nothing more of it."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grants.models.types import UTCDateTime

UNDECLARED = "none"
NO_CONFLICT = "no_conflict"
RECUSED = "recused"
DECLARATIONS = (UNDECLARED, NO_CONFLICT, RECUSED)
# the CHECK constraint of every table that keeps a declaration
DECLARATION_KNOWN = "declaration IN ('none', 'no_conflict', 'recused')"


class Declared:
    """The columns of a declaration, for a model that keeps one (an assignment, a mentorship).
    The model says when it is `active` (not removed or ended)."""

    declaration: Mapped[str] = mapped_column(String(16), default=UNDECLARED)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recusal_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def recused(self) -> bool:
        return self.declaration == RECUSED

    @property
    def unlocked(self) -> bool:
        """No conflict declared and still active: what it is about is theirs to read."""
        return self.active and self.declaration == NO_CONFLICT
