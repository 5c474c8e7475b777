"""Declaring a conflict of interest, for reviewers and mentors alike: `{conflict: false}`
unlocks what they were asked to judge or advise; `{conflict: true, reason}` recuses them from it
for good. Once, and only while the assignment or match is active (grants/models/declarations.py
says what each answer opens)."""

from typing import Any

from flask_babel import gettext as _

from grants.models import utcnow
from grants.models.declarations import NO_CONFLICT, RECUSED, UNDECLARED, Declared
from grants.operations.core import Validator
from grants.operations.errors import Conflict

MAX_REASON = 2000
# the audit's action of each answer
DECLARED_NO_CONFLICT = "declare_no_conflict"
RECUSE = "recuse"


def parse(data: Any) -> tuple[bool, str | None]:
    """The body's answer: whether there is a conflict, and the reason (required with one)."""
    v = Validator(data)
    conflict = v.boolean("conflict")
    if "conflict" not in data:
        v.fail("conflict", _("This field is required."))
    reason = v.text("reason", required=conflict is True, max_length=MAX_REASON)
    v.check()
    return conflict, reason if conflict else None


def declare(record: Declared, conflict: bool, reason: str | None) -> str:
    """Write the answer on the (locked) record; the audit action to record. Conflict when it
    is no longer active or was already declared."""
    if not record.active:
        raise Conflict(_("This assignment was removed."))
    if record.declaration != UNDECLARED:
        raise Conflict(_("You have already declared on this assignment."))
    record.declaration = RECUSED if conflict else NO_CONFLICT
    record.declared_at = utcnow()
    record.recusal_reason = reason
    return RECUSE if conflict else DECLARED_NO_CONFLICT
