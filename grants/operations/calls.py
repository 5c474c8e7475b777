"""Programmes and calls: read them, open a new call, change a call's settings."""

from datetime import datetime
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from grants import audit, permissions
from grants.extensions import db
from grants.inputs import KEY, MAX_ID
from grants.models import SYSTEM, Actor, Call, Programme, Role, Stage, utcnow
from grants.models.enums import FIELDS
from grants.operations import counts
from grants.operations.core import Validator, by_id, transaction
from grants.operations.errors import Conflict, Forbidden, Invalid
from grants.operations.workflow import workflows
from workflow import Definition

SCOPE = "call"  # what the applications' state counts are kept per (grants/operations/counts.py)

# The city's defaults per stage (Resolution 20/2023/NQ-HĐND): cap in VND and months of support.
STAGE_CAPS = {
    Stage.PRE_INCUBATION: 40_000_000,
    Stage.INCUBATION: 80_000_000,
    Stage.ACCELERATION: 400_000_000,
}
STAGE_MONTHS = {Stage.PRE_INCUBATION: 6, Stage.INCUBATION: 12, Stage.ACCELERATION: 12}

# What a call's question may ask for; "file" is answered by uploading a document of the
# question's key as its kind.
QUESTION_TYPES = ("text", "long_text", "number", "choice", "date", "file")
MAX_QUESTIONS = 100
MAX_CHOICES = 50


def _rubric(v: Validator, rubric: Any) -> dict[str, Any] | None:
    if not isinstance(rubric, dict):
        v.fail("rubric", _("Must be an object with pass_threshold and criteria."))
        return None
    rv = Validator(rubric)
    threshold = rv.integer("pass_threshold", maximum=100)
    criteria = rubric.get("criteria")
    clean = []
    if not isinstance(criteria, list) or not criteria:
        rv.fail("criteria", _("At least one criterion is required."))
    else:
        keys = set()
        for index, criterion in enumerate(criteria):
            if not isinstance(criterion, dict):
                rv.fail(f"criteria.{index}", _("Must be an object."))
                continue
            cv = Validator(criterion)
            item = {
                "key": cv.text("key", max_length=40),
                "name": cv.text("name", max_length=200),
                "weight": cv.integer("weight", minimum=1, maximum=100),
                "max_score": cv.integer("max_score", minimum=1, maximum=100),
                "guidance": cv.text("guidance", required=False, max_length=2000) or "",
            }
            if item["key"] in keys:
                cv.fail("key", _("Duplicate criterion key."))
            keys.add(item["key"])
            for name, message in cv.errors.items():
                rv.fail(f"criteria.{index}.{name}", message)
            clean.append(item)
    for name, message in rv.errors.items():
        v.fail(f"rubric.{name}", message)
    return {"pass_threshold": threshold, "criteria": clean}


def _kinds(v: Validator, name: str, value: Any) -> list[str]:
    """A list of distinct identifiers (document kinds): lower-case letters, digits, _."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_QUESTIONS or not all(
            isinstance(s, str) and KEY.fullmatch(s.strip()) for s in value):
        v.fail(name, _("Must be a list of short keys: lower-case letters, digits and _."))
        return []
    kinds = [s.strip() for s in value]
    if len(set(kinds)) != len(kinds):
        v.fail(name, _("Each kind may be listed once."))
    return kinds


def _eligibility(v: Validator, value: Any) -> dict[str, Any]:
    """The call's own eligibility rules: the organization's greatest age, the project fields."""
    if value is None:
        return {"max_age_years": None, "fields": []}
    if not isinstance(value, dict):
        v.fail("eligibility", _("Must be an object with max_age_years and fields."))
        return {"max_age_years": None, "fields": []}
    ev = Validator(value)
    age = ev.integer("max_age_years", required=False, minimum=1, maximum=100)
    fields = value.get("fields") or []
    if not isinstance(fields, list) or not all(isinstance(f, str) and f in FIELDS
                                               for f in fields):
        ev.fail("fields", _("Must be a list of project fields."))
        fields = []
    for name, message in ev.errors.items():
        v.fail(f"eligibility.{name}", message)
    return {"max_age_years": age, "fields": sorted(set(fields))}


def _questions(v: Validator, value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_QUESTIONS:
        v.fail("questions", _("Must be a list of at most %(n)d questions.", n=MAX_QUESTIONS))
        return []
    clean, keys = [], set()
    for index, question in enumerate(value):
        qv = Validator(question) if isinstance(question, dict) else None
        if qv is None:
            v.fail(f"questions.{index}", _("Must be an object."))
            continue
        item = {"key": qv.text("key", max_length=40), "label": qv.text("label"),
                "type": qv.choice("type", QUESTION_TYPES, required=False) or "long_text",
                "required": qv.boolean("required", True),
                "help": qv.text("help", required=False, max_length=2000) or ""}
        if item["key"] and not KEY.fullmatch(item["key"]):
            qv.fail("key", _("Use lower-case letters, digits and _."))
        elif item["key"] in keys:
            qv.fail("key", _("Each question needs its own key."))
        keys.add(item["key"])
        choices = question.get("choices")
        if item["type"] == "choice":
            if not isinstance(choices, list) or not 2 <= len(choices) <= MAX_CHOICES or not all(
                    isinstance(c, str) and c.strip() and len(c) <= 200 for c in choices):
                qv.fail("choices", _("A choice question needs 2 to %(n)d options.",
                                     n=MAX_CHOICES))
            else:
                item["choices"] = [c.strip() for c in choices]
        for name, message in qv.errors.items():
            v.fail(f"questions.{index}.{name}", message)
        clean.append(item)
    return clean


def _acting_role(actor: Actor, programme_id: int) -> str:
    if actor is SYSTEM:
        return "system"
    return Role.MANAGER.value if actor.has_role(Role.MANAGER, programme_id) else Role.ADMIN.value


# What a call's settings are, in the order a page shows them.
SETTINGS = ("stage", "title", "opens_at", "closes_at", "budget", "cap_per_project",
            "duration_months", "review_quorum", "disagreement_limit", "blind_review",
            "review_deadline", "share_review_comments", "rubric", "questions",
            "required_documents", "eligibility")
# What applicants may already have read and answered once the call opens: fixed from then on.
FROZEN = ("stage", "rubric", "questions", "required_documents", "eligibility")


def _settings(v: Validator, data: dict[str, Any]) -> dict[str, Any]:
    """A call's settings from `data`, checked and cleaned; the problems go to `v`."""
    stage = v.choice("stage", [s.value for s in Stage])
    title = v.text("title")
    opens_at, closes_at = v.moment("opens_at"), v.moment("closes_at")
    if opens_at and closes_at and closes_at <= opens_at:
        v.fail("closes_at", _("Must be after the opening."))
    budget = v.integer("budget")
    cap = v.integer("cap_per_project", required=False,
                    default=STAGE_CAPS.get(stage) if stage else None)
    if budget is not None and cap is not None and cap > budget:
        v.fail("cap_per_project", _("Must not be more than the budget."))
    return {
        "stage": stage, "title": title, "opens_at": opens_at, "closes_at": closes_at,
        "budget": budget, "cap_per_project": cap,
        "duration_months": v.integer("duration_months", required=False, minimum=1,
                                     maximum=60,
                                     default=STAGE_MONTHS.get(stage) if stage else None),
        "review_quorum": v.integer("review_quorum", required=False, minimum=1, maximum=50,
                                   default=3),
        "disagreement_limit": v.integer("disagreement_limit", required=False, maximum=100,
                                        default=30),
        "blind_review": v.boolean("blind_review"),
        "review_deadline": v.moment("review_deadline")
        if data.get("review_deadline") not in (None, "") else None,
        "share_review_comments": v.boolean("share_review_comments"),
        "required_documents": _kinds(v, "required_documents", data.get("required_documents")),
        "eligibility": _eligibility(v, data.get("eligibility")),
        "questions": _questions(v, data.get("questions")),
        "rubric": _rubric(v, data.get("rubric")),
    }


def _check_review_deadline(v: Validator, deadline: datetime | None,
                           saved: datetime | None) -> None:
    """A review deadline being set must be ahead: reviewers are reminded before it."""
    if deadline is not None and deadline != saved and deadline <= utcnow():
        v.fail("review_deadline", _("The review deadline must be in the future."))


def create_call(actor: Actor, data: Any) -> Call:
    """Open a call; it pins the latest version of its stage's workflow."""
    v = Validator(data)
    programme_id = v.integer("programme_id", minimum=1, maximum=MAX_ID)
    settings = _settings(v, data)
    if programme_id and not permissions.can_create_call(actor, programme_id):
        raise Forbidden(_("Only a manager of this programme can open calls."))
    with transaction():
        if programme_id and db.session.get(Programme, programme_id) is None:
            v.fail("programme_id", _("No such programme."))
        _check_review_deadline(v, settings["review_deadline"], None)
        v.check()
        definition = workflows().registry.latest(settings["stage"])
        call = Call(programme_id=programme_id, workflow_name=definition.name,
                    workflow_version=definition.version, **settings)
        db.session.add(call)
        db.session.flush()
        audit.record(
            actor=actor, role=_acting_role(actor, programme_id), entity_type="call",
            entity_id=call.id, action="create",
            payload={"programme_id": programme_id, "workflow": [definition.name,
                                                                 definition.version]}
            | {k: settings[k] for k in ("stage", "title", "opens_at", "closes_at", "budget",
                                        "cap_per_project", "duration_months")},
        )
    return call


def _as_data(call: Call) -> dict[str, Any]:
    """The call's settings in the shape `create_call` takes."""
    data = {name: getattr(call, name) for name in SETTINGS}
    for name in ("opens_at", "closes_at", "review_deadline"):
        data[name] = data[name] and data[name].isoformat()
    return data


def has_opened(call: Call, at: datetime | None = None) -> bool:
    """From its opening on, what applicants read and answer is frozen (FROZEN)."""
    return call.opens_at <= (at or utcnow())


def awarded(call: Call) -> int:
    """VND committed in the call (grants/operations/ledger.py)."""
    from grants.operations import ledger  # (ledger reads the workflows, which read calls)

    return ledger.committed(call)


def update_call(actor: Actor, call_id: Any, data: Any) -> Call:
    """Change a call's settings; only those sent change. Once the call has opened, FROZEN
    settings stay as they are (409), its opening cannot move to the future, and the budget
    never goes below what is already awarded in it."""
    if not isinstance(data, dict):
        raise Invalid(_("The request body must be a JSON object."))
    with transaction():
        call = by_id(Call, call_id)
        if not permissions.can_edit_call(actor, call):
            raise Forbidden(_("Only a manager of this call's programme can change it."))
        # lock the call: an award in the call and a smaller budget take turns
        db.session.execute(select(Call.id).where(Call.id == call.id).with_for_update())
        current = _as_data(call)
        before = _settings(Validator(current), current)
        sent = {k: v for k, v in data.items() if k in SETTINGS}
        v = Validator(current | sent)
        after = _settings(v, current | sent)
        now = utcnow()
        opened = has_opened(call, now)
        if opened and after["opens_at"] and after["opens_at"] != before["opens_at"] \
                and after["opens_at"] > now:
            v.fail("opens_at", _("The call has already opened: its opening can no longer "
                                 "move to the future."))
        _check_review_deadline(v, after["review_deadline"], before["review_deadline"])
        v.check()
        changes = {k: [before[k], after[k]] for k in SETTINGS if after[k] != before[k]}
        frozen = [k for k in FROZEN if k in changes]
        if opened and frozen:
            raise Conflict(_(
                "The call has opened, so its stage, rubric, questions, eligibility rules and "
                "required documents can no longer change: applicants may already have "
                "answered these questions and prepared for these rules. Title, dates, budget, "
                "cap, quorum, disagreement limit and review settings may still change. "
                "(Refused: %(fields)s.)",
                fields=", ".join(frozen)))
        if "budget" in changes and after["budget"] < (spent := awarded(call)):
            raise Invalid(_("Some fields are not valid."), {"budget": _(
                "Must not be less than what is already awarded in this call: %(spent)s VND.",
                spent=format_decimal(spent))})
        if not changes:
            return call
        for name, (_old, new) in changes.items():
            setattr(call, name, new)
        if "stage" in changes:  # not opened yet: pin the new stage's workflow
            latest = workflows().registry.latest(after["stage"])
            call.workflow_name, call.workflow_version = latest.name, latest.version
        audit.record(actor=actor, role=_acting_role(actor, call.programme_id),
                     entity_type="call", entity_id=call.id, action="update",
                     payload={"changes": changes})
    return call


def list_calls(*, stage: str | None = None, open_only: bool = False,
               programme_ids: set[int | None] | None = None, before_id: int | None = None,
               limit: int | None = None) -> list[Call]:
    """Calls, newest first; `programme_ids` limits them (None in it: all programmes)."""
    query = select(Call).order_by(Call.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(Call.id < before_id)
    if programme_ids is not None and None not in programme_ids:
        query = query.where(Call.programme_id.in_(programme_ids))
    if stage:
        query = query.where(Call.stage == stage)
    if open_only:
        now = utcnow()
        query = query.where(Call.opens_at <= now, Call.closes_at > now)
    return list(db.session.scalars(query))


def open_calls(*, stage: str | None = None, after_id: int | None = None,
               limit: int | None = None) -> list[Call]:
    """The calls open now, the nearest deadline first; `after_id`: those after that call in
    this order (keyset: one statement whatever the page)."""
    now = utcnow()
    query = select(Call).where(Call.opens_at <= now, Call.closes_at > now) \
        .order_by(Call.closes_at, Call.id).limit(limit)
    if stage:
        query = query.where(Call.stage == stage)
    if after_id is not None:
        deadline = select(Call.closes_at).where(Call.id == after_id).scalar_subquery()
        query = query.where(or_(Call.closes_at > deadline,
                                and_(Call.closes_at == deadline, Call.id > after_id)))
    return list(db.session.scalars(query))


def definition(call: Call) -> Definition:
    """The workflow version the call pinned when it opened."""
    return workflows().registry.get(call.workflow_name, call.workflow_version)


def get_call(call_id: Any) -> Call:
    return by_id(Call, call_id)


def list_programmes(*, before_id: int | None = None, limit: int | None = None
                    ) -> list[Programme]:
    """Programmes, newest first, with their targets (one more statement for all of them)."""
    query = select(Programme).options(selectinload(Programme.targets)) \
        .order_by(Programme.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(Programme.id < before_id)
    return list(db.session.scalars(query))


def programmes_for_new_calls(actor: Actor, limit: int = 200) -> list[Programme]:
    """The programmes where `actor` may open calls (managers and admins), newest first."""
    where = permissions.programmes_where(actor, Role.MANAGER.value) | \
        permissions.programmes_where(actor, Role.ADMIN.value)
    if not where:
        return []
    query = select(Programme).order_by(Programme.id.desc()).limit(limit)
    if None not in where:
        query = query.where(Programme.id.in_(sorted(where)))
    return list(db.session.scalars(query))


def get_programme(programme_id: Any) -> Programme:
    return by_id(Programme, programme_id)


def state_counts(call_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per call, how many submitted applications are in each state (the maintained counts)."""
    return counts.of(SCOPE, call_ids)
