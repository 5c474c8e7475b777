"""Counts of entities per state and scope (the `state_count` table), moved by the action path.

An entity kind says, through `EntityKind.tally`, which scope an entity is counted in (an
application: its call, once it has been submitted) or None when it is not counted. The path
asks before and after an action and moves one unit from the old (scope, state) to the new one,
in one upsert, in the action's transaction: the counts are as exact as the rows they count.
Each count carries the sum of its entities' `EntityKind.amount` too (an application's award),
so the budget ledger reads a handful of rows instead of summing every award of a call.
"""

from collections.abc import Iterable
from functools import cache

from sqlalchemy import TextClause, select, text

from grants.extensions import db
from grants.models import StateCount

Scope = tuple[str, int]


def move(before: tuple[Scope, str] | None, after: tuple[Scope, str] | None,
         amounts: tuple[int, int] = (0, 0)) -> None:
    """One unit, and its amount, out of `before` ((scope, state)) and into `after`; either may
    be None. `amounts` is the entity's amount before and after."""
    if before == after and amounts[0] == amounts[1]:
        return
    rows = [{"scope_type": scope[0], "scope_id": scope[1], "state": state, "count": delta,
             "amount": amount}
            for place, delta, amount in ((before, -1, -amounts[0]), (after, 1, amounts[1]))
            if place for scope, state in (place,)]
    add(rows)


def add(rows: list[dict]) -> None:
    """Add each row's `count` to its (scope_type, scope_id, state), creating it if new."""
    if not rows:
        return
    db.session.execute(_upsert(len(rows)), {
        f"{key}_{n}": value for n, row in enumerate(rows) for key, value in row.items()})


@cache
def _upsert(size: int) -> TextClause:
    """INSERT … ON CONFLICT DO UPDATE of `size` rows, its parameters <column>_<row number>.
    Written as text, the same on SQLite and PostgreSQL: SQLAlchemy compiles a multi-row
    upsert construct anew on every execution, which cost more than running it."""
    rows = ", ".join(f"(:scope_type_{n}, :scope_id_{n}, :state_{n}, :count_{n}, :amount_{n})"
                     for n in range(size))
    return text(
        f"INSERT INTO state_count (scope_type, scope_id, state, count, amount) VALUES {rows} "
        "ON CONFLICT (scope_type, scope_id, state) "
        "DO UPDATE SET count = state_count.count + excluded.count, "
        "amount = state_count.amount + excluded.amount")


def amounts(scope_type: str, scope_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per scope id, the sum of the entities' amounts per state (one query)."""
    ids = list(scope_ids)
    found: dict[int, dict[str, int]] = {scope_id: {} for scope_id in ids}
    rows = db.session.execute(
        select(StateCount.scope_id, StateCount.state, StateCount.amount)
        .where(StateCount.scope_type == scope_type, StateCount.scope_id.in_(ids),
               StateCount.amount != 0))
    for scope_id, state, amount in rows:
        found[scope_id][state] = int(amount)
    return found


def of(scope_type: str, scope_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per scope id, the states with at least one entity and how many (one query)."""
    ids = list(scope_ids)
    counts: dict[int, dict[str, int]] = {scope_id: {} for scope_id in ids}
    rows = db.session.execute(
        select(StateCount.scope_id, StateCount.state, StateCount.count)
        .where(StateCount.scope_type == scope_type, StateCount.scope_id.in_(ids),
               StateCount.count > 0))
    for scope_id, state, count in rows:
        counts[scope_id][state] = count
    return counts
