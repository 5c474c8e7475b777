"""The vocabulary of access rules: a role's SQL condition per role name, and grants' scopes."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Integer, Label, bindparam, false, or_, true

from grants.models import Role, User

# A role name -> the SQL condition under which the user holds it on a row.
Roles = dict[str, ColumnElement[bool]]

# The actor's id in a rule is always this parameter, never a literal: a statement built from a
# rule depends only on the user's grants (`grant_shape`), so it is built once per shape and
# reused, and the id is passed at execution as {"actor_id": user.id}.
ACTOR = bindparam("actor_id", type_=Integer)


def grant_shape(user: User) -> tuple:
    """What a rule's SQL depends on besides the actor's id: the kind of actor and its grants."""
    return (type(user).__name__, *sorted(
        (g.role, -1 if g.programme_id is None else g.programme_id) for g in user.grants))

STAFF_ROLES = (Role.MANAGER.value, Role.AUDITOR.value, Role.ADMIN.value)

# The roles that run a programme: they decide, fund, plan pilots and organise activities.
MANAGING = (Role.MANAGER.value, Role.ADMIN.value)


def programmes_where(user: User, role: str) -> set[int | None]:
    """Programme ids where the user holds `role`; None in the set means every programme."""
    return {g.programme_id for g in user.grants if g.role == role}


def staff_programme_ids(user: User) -> set[int | None]:
    """Programme ids where the user is staff; None in the set means every programme."""
    return {g.programme_id for g in user.grants if g.role in STAFF_ROLES}


def in_programmes(column: ColumnElement[int], programmes: set[int | None]) -> ColumnElement[bool]:
    """`column` names one of `programmes` (always true when None, every programme, is in it)."""
    return true() if None in programmes else column.in_(sorted(programmes))


def visible(roles: Roles) -> ColumnElement[bool]:
    """WHERE clause of a list: the rows on which the user holds at least one role."""
    return or_(*roles.values()) if roles else false()


def role_columns(roles: Roles) -> list[Label[bool]]:
    """The conditions as labelled columns, to select beside the rows they are about."""
    return [condition.label(f"role_{name}") for name, condition in roles.items()]


def held(roles: Roles, values: Sequence) -> frozenset[str]:
    """The roles whose selected column came back true (SQLite answers 1 and 0)."""
    return frozenset(name for name, value in zip(roles, values, strict=True) if value)
