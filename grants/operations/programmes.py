"""Programmes: create one, change its title, period and KPI targets (administrators)."""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from grants import audit, permissions
from grants.extensions import db
from grants.models import Actor, Programme, ProgrammeTarget, Role, Stage
from grants.operations.core import Validator, by_id, transaction
from grants.operations.errors import Forbidden, Invalid

MAX_PROJECTS = 100_000  # projects one stage may aim at in one year
MAX_YEARS = 20  # a programme's period, in calendar years


def _period(v: Validator) -> tuple:
    starts_on, ends_on = v.day("starts_on"), v.day("ends_on")
    if starts_on and ends_on:
        if ends_on < starts_on:
            v.fail("ends_on", _("Must not be before the start."))
        elif ends_on.year - starts_on.year >= MAX_YEARS:
            v.fail("ends_on", _("A programme lasts at most %(n)d years.", n=MAX_YEARS))
    return starts_on, ends_on


def _targets(v: Validator, value: Any, starts_on, ends_on) -> list[dict[str, Any]]:
    """[{stage, year, projects}]: one per stage and year, within the programme's years."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_YEARS * len(Stage):
        v.fail("targets", _("Must be a list of targets: stage, year and number of projects."))
        return []
    clean, seen = [], set()
    for index, target in enumerate(value):
        if not isinstance(target, dict):
            v.fail(f"targets.{index}", _("Must be an object."))
            continue
        tv = Validator(target)
        item = {"stage": tv.choice("stage", [s.value for s in Stage]),
                "year": tv.integer("year", minimum=1900, maximum=2200),
                "projects": tv.integer("projects", maximum=MAX_PROJECTS)}
        if item["year"] and starts_on and ends_on and \
                not starts_on.year <= item["year"] <= ends_on.year:
            tv.fail("year", _("Must be a year of the programme's period."))
        elif (item["stage"], item["year"]) in seen:
            tv.fail("year", _("Each stage has one target per year."))
        seen.add((item["stage"], item["year"]))
        for name, message in tv.errors.items():
            v.fail(f"targets.{index}.{name}", message)
        clean.append(item)
    return clean


def _title_taken(v: Validator, title: str | None, programme_id: int | None = None) -> None:
    if title is None:
        return
    query = select(Programme.id).where(Programme.title == title)
    if programme_id is not None:
        query = query.where(Programme.id != programme_id)
    if db.session.scalar(query) is not None:
        v.fail("title", _("Another programme already has this title."))


def _as_data(programme: Programme) -> dict[str, Any]:
    return {"title": programme.title, "starts_on": programme.starts_on,
            "ends_on": programme.ends_on,
            "targets": sorted(({"stage": t.stage, "year": t.year, "projects": t.projects}
                               for t in programme.targets),
                              key=lambda t: (t["year"], t["stage"]))}


def _settings(v: Validator, data: dict[str, Any]) -> dict[str, Any]:
    title = v.text("title")
    starts_on, ends_on = _period(v)
    targets = _targets(v, data.get("targets"), starts_on, ends_on)
    return {"title": title, "starts_on": starts_on, "ends_on": ends_on,
            "targets": sorted(targets, key=lambda t: (t["year"] or 0, t["stage"] or ""))}


def create_programme(actor: Actor, data: Any) -> Programme:
    """A new programme with its period and KPI targets."""
    v = Validator(data)
    settings = _settings(v, data)
    if not permissions.can_create_programme(actor):
        raise Forbidden(_("Only an administrator can create programmes."))
    with transaction():
        _title_taken(v, settings["title"])
        v.check()
        programme = Programme(title=settings["title"], starts_on=settings["starts_on"],
                              ends_on=settings["ends_on"],
                              targets=[ProgrammeTarget(**t) for t in settings["targets"]])
        db.session.add(programme)
        db.session.flush()
        audit.record(actor=actor, role=Role.ADMIN.value, entity_type="programme",
                     entity_id=programme.id, action="create", payload=settings)
    return programme


def update_programme(actor: Actor, programme_id: Any, data: Any) -> Programme:
    """Change a programme; only the fields sent change (`targets`, when sent, replaces them
    all)."""
    if not isinstance(data, dict):
        raise Invalid(_("The request body must be a JSON object."))
    with transaction():
        programme = by_id(Programme, programme_id)
        if not permissions.can_edit_programme(actor, programme.id):
            raise Forbidden(_("Only an administrator can change programmes."))
        current = _as_data(programme)
        sent = {k: value for k, value in data.items() if k in current}
        v = Validator(current | sent)
        after = _settings(v, current | sent)
        _title_taken(v, after["title"], programme.id)
        v.check()
        changes = {k: [current[k], after[k]] for k in current if after[k] != current[k]}
        if not changes:
            return programme
        for name in ("title", "starts_on", "ends_on"):
            setattr(programme, name, after[name])
        if "targets" in changes:
            existing = {(t.stage, t.year): t for t in programme.targets}
            wanted = {(t["stage"], t["year"]): t["projects"] for t in after["targets"]}
            for key, target in existing.items():
                if key not in wanted:
                    programme.targets.remove(target)
                else:
                    target.projects = wanted[key]
            for (stage, year), projects in wanted.items():
                if (stage, year) not in existing:
                    programme.targets.append(
                        ProgrammeTarget(stage=stage, year=year, projects=projects))
        audit.record(actor=actor, role=Role.ADMIN.value, entity_type="programme",
                     entity_id=programme.id, action="update", payload={"changes": changes})
    return programme


def get_programme(programme_id: Any) -> Programme:
    return by_id(Programme, programme_id)
