"""A programme's KPIs against the city's plan (BRIEF sections 1 and 9): per stage and year, the
projects it aimed to support (its targets) and those it did — a project counts for a stage once
its agreement is signed there — with what led there and what came of it: applications received,
approved, pilots run, evaluations passed, promotions; money awarded, released and paid; the
funnel from application to completion; the days from submission to decision.

Years are Ho Chi Minh City years. Every figure is one grouped statement over the programme's
rows (a dozen in all, whatever the programme's size), read by the programme's staff.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Integer, cast, func, select

from grants.extensions import db
from grants.models import (
    Actor,
    Application,
    Call,
    Evaluation,
    Pilot,
    Programme,
    ProgrammeTarget,
    Stage,
    Tranche,
)
from grants.operations.core import by_id
from grants.operations.errors import Forbidden
from grants.permissions.rules import STAFF_ROLES

STAGES = [stage.value for stage in Stage]
# what is counted per stage and year, in the order the report lists them
COUNTS = ("received", "awards", "signed", "pilots", "evaluations_passed", "promotions")
MONEY = ("awarded_amount", "released_amount", "paid_amount")
UTC_OFFSET_HOURS = 7  # Asia/Ho_Chi_Minh keeps no daylight saving time


def can_read(actor: Actor, programme_id: int) -> bool:
    """The programme's staff (managers, auditors, administrators) read its KPIs."""
    return any(actor.has_role(role, programme_id) for role in STAFF_ROLES)


def local_year(column) -> Any:
    """The Ho Chi Minh City year of a UTC time column, in SQL."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("year", column + func.make_interval(0, 0, 0, 0, UTC_OFFSET_HOURS))
    return cast(func.strftime("%Y", column, f"+{UTC_OFFSET_HOURS} hours"), Integer)


def day_year(column) -> Any:
    """The year of a date column, in SQL."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("year", column)
    return cast(func.strftime("%Y", column), Integer)


@dataclass
class Cell:
    """One stage in one year."""

    target: int = 0
    received: int = 0
    awards: int = 0
    signed: int = 0  # the projects counted against the target
    pilots: int = 0
    evaluations_passed: int = 0
    promotions: int = 0
    awarded_amount: int = 0  # VND awarded by the approvals of the year
    released_amount: int = 0
    paid_amount: int = 0

    @property
    def progress(self) -> float | None:
        """Signed over target (None without a target)."""
        return self.signed / self.target if self.target else None

    def add(self, other: "Cell") -> None:
        for name in ("target", *COUNTS, *MONEY):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Kpis:
    programme: Programme
    years: list[int]
    cells: dict[tuple[str, int], Cell]  # (stage, year)
    calls: list[Call] = field(default_factory=list)
    by_call: dict[tuple[int, int], Cell] = field(default_factory=dict)  # (call id, year)
    stages: dict[str, Cell] = field(default_factory=dict)  # every year of each stage
    total: Cell = field(default_factory=Cell)
    days_to_decision: dict[str, float | None] = field(default_factory=dict)  # mean, per stage

    def cell(self, stage: str, year: int) -> Cell:
        return self.cells.get((stage, year)) or Cell()

    def of_call(self, call_id: int) -> Cell:
        """A call's figures over the years shown."""
        total = Cell()
        for (found, _year), cell in self.by_call.items():
            if found == call_id:
                total.add(cell)
        return total

    def by_year(self, year: int) -> Cell:
        total = Cell()
        for stage in STAGES:
            total.add(self.cell(stage, year))
        return total

    def funnel(self, stage: str | None = None) -> list[tuple[str, int]]:
        """From application to completion, for one stage or all (every year)."""
        cell = self.stages.get(stage, Cell()) if stage else self.total
        return [("received", cell.received), ("awards", cell.awards),
                ("signed", cell.signed), ("pilots", cell.pilots),
                ("evaluations_passed", cell.evaluations_passed)]


def _grouped(statement, programme_id: int) -> list[tuple[int, int, int]]:
    """(call id, year, value) rows of a grouped statement over the programme's calls."""
    return [(call_id, int(year), int(value or 0)) for call_id, year, value in db.session.execute(
        statement.where(Call.programme_id == programme_id)) if year is not None]


def of_programme(actor: Actor, programme_id: Any, *, year: int | None = None) -> Kpis:
    """The programme's KPIs per stage and year (only `year`'s, when given)."""
    programme = by_id(Programme, programme_id)
    if not can_read(actor, programme.id):
        raise Forbidden(_("Only the programme's staff read its KPIs."))
    return compute(programme, year=year)


def compute(programme: Programme, *, year: int | None = None) -> Kpis:
    """The figures, without a permission check (the command line's annual report)."""
    by_call: dict[tuple[int, int], Cell] = defaultdict(Cell)

    def per_year(column, measure, *conditions):
        """An application figure per call and the year of `column`."""
        years = local_year(column)
        return _grouped(select(Call.id, years, measure).select_from(Application)
                        .join(Call, Call.id == Application.call_id)
                        .where(column.is_not(None), *conditions)
                        .group_by(Call.id, years), programme.id)

    figures = {
        "received": per_year(Application.submitted_at, func.count()),
        "awards": per_year(Application.decided_at, func.count(),
                             Application.awarded_amount.is_not(None)),
        "awarded_amount": per_year(Application.decided_at, func.sum(Application.awarded_amount),
                            Application.awarded_amount.is_not(None)),
        "signed": per_year(Application.signed_at, func.count(func.distinct(
            Application.project_id))),
        "promotions": per_year(Application.created_at, func.count(),
                               Application.promoted_from_id.is_not(None)),
    }
    for name, column, amount in (("released_amount", Tranche.released_at, Tranche.amount),
                                 ("paid_amount", Tranche.paid_at, Tranche.amount)):
        years = local_year(column)
        figures[name] = _grouped(
            select(Call.id, years, func.sum(amount)).select_from(Tranche)
            .join(Application, Application.id == Tranche.application_id)
            .join(Call, Call.id == Application.call_id).where(column.is_not(None))
            .group_by(Call.id, years), programme.id)
    years = day_year(Pilot.starts_on)
    figures["pilots"] = _grouped(
        select(Call.id, years, func.count()).select_from(Pilot)
        .join(Application, Application.id == Pilot.application_id)
        .join(Call, Call.id == Application.call_id).group_by(Call.id, years), programme.id)
    years = local_year(Evaluation.evaluated_at)
    figures["evaluations_passed"] = _grouped(
        select(Call.id, years, func.count()).select_from(Evaluation)
        .join(Application, Application.id == Evaluation.application_id)
        .join(Call, Call.id == Application.call_id)
        .where(Evaluation.verdict == "passed", Evaluation.evaluated_at.is_not(None))
        .group_by(Call.id, years), programme.id)
    for name, rows in figures.items():
        for call_id, row_year, value in rows:
            cell = by_call[(call_id, row_year)]
            setattr(cell, name, getattr(cell, name) + value)
    programme_calls = list(db.session.scalars(
        select(Call).where(Call.programme_id == programme.id).order_by(Call.id)))
    stage_of = {call.id: call.stage for call in programme_calls}
    cells: dict[tuple[str, int], Cell] = defaultdict(Cell)
    for (call_id, row_year), cell in by_call.items():
        cells[(stage_of[call_id], row_year)].add(cell)
    for target in db.session.scalars(select(ProgrammeTarget).where(
            ProgrammeTarget.programme_id == programme.id)):
        cells[(target.stage, target.year)].target += target.projects
    span = set(range(programme.starts_on.year, programme.ends_on.year + 1))
    all_years = sorted(span | {y for _s, y in cells})
    if year is not None:
        all_years = [year]
        cells = defaultdict(Cell, {k: v for k, v in cells.items() if k[1] == year})
        by_call = defaultdict(Cell, {k: v for k, v in by_call.items() if k[1] == year})
    kpis = Kpis(programme, all_years, dict(cells), programme_calls, dict(by_call))
    for stage in STAGES:
        kpis.stages[stage] = Cell()
        for y in all_years:
            kpis.stages[stage].add(kpis.cell(stage, y))
        kpis.total.add(kpis.stages[stage])
    kpis.days_to_decision = _days_to_decision(programme.id, year)
    return kpis


def _days_to_decision(programme_id: int, year: int | None) -> dict[str, float | None]:
    """The mean days from submission to decision, per stage (one statement)."""
    if db.engine.dialect.name == "postgresql":
        days = func.extract("epoch", Application.decided_at - Application.submitted_at) / 86400
    else:
        days = func.julianday(Application.decided_at) - func.julianday(Application.submitted_at)
    statement = (select(Call.stage, func.avg(days)).join(Call, Call.id == Application.call_id)
                 .where(Call.programme_id == programme_id,
                        Application.decided_at.is_not(None),
                        Application.submitted_at.is_not(None))
                 .group_by(Call.stage))
    if year is not None:
        statement = statement.where(local_year(Application.decided_at) == year)
    found = {stage: round(float(mean), 1) for stage, mean in db.session.execute(statement)}
    return {stage: found.get(stage) for stage in STAGES}


def as_data(kpis: Kpis) -> dict[str, Any]:
    """The KPIs as plain values (the API's `progress`)."""
    def cell(c: Cell) -> dict[str, Any]:
        return {name: getattr(c, name) for name in ("target", *COUNTS, *MONEY)} | {
            "progress": None if c.progress is None else round(c.progress, 4)}

    return {"years": kpis.years,
            "stages": [{"stage": stage, "total": cell(kpis.stages[stage]),
                        "days_to_decision": kpis.days_to_decision.get(stage),
                        "years": [{"year": y} | cell(kpis.cell(stage, y))
                                  for y in kpis.years]} for stage in STAGES],
            "total": cell(kpis.total)}
