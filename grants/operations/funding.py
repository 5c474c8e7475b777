"""Funding: the agreement (the award and its tranches), the tranches' workflow on the one path
(request, return, verify, release by a second manager, payment), the ledger's views and the
milestone-report reminders."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from grants import audit, outbox
from grants.extensions import db
from grants.inputs import MAX_MONEY
from grants.models import (
    Actor,
    Application,
    Call,
    Programme,
    Role,
    RoleGrant,
    Tranche,
    User,
    utcnow,
)
from grants.operations import applications, calls, counts, ledger
from grants.operations.core import LOCAL, Validator, by_id, transaction
from grants.operations.errors import Conflict, Forbidden, NotFound
from grants.operations.workflow import (
    Context,
    EntityKind,
    Hooks,
    Seen,
    load,
    query,
    seen,
    workflows,
)
from grants.permissions.funding import roles_on_tranches
from grants.permissions.rules import MANAGING, staff_programme_ids

TRANCHE = ledger.TRANCHE
MAX_TRANCHES = 24
REPORT_REMINDER = timedelta(days=7)  # the startup is reminded this long before a report is due

hooks = Hooks()

KIND = EntityKind(
    name=TRANCHE,
    model=Tranche,
    roles=roles_on_tranches,
    workflow=lambda tranche: (TRANCHE, tranche.workflow_version),
    hooks=hooks,
    parent=lambda tranche: (applications.KIND.name, tranche.application_id),
    parent_kind=applications.KIND.name,
    load_with=(Tranche.application,),
    # the application's page lists them under the application it has already loaded
    list_with=(joinedload(Tranche.verified_by), joinedload(Tranche.released_by)),
)


def _application_definition(application: Application):
    return calls.definition(application.call)


# --- the agreement -----------------------------------------------------------------------------


def _tranche_rows(v: Validator, rows: Any, today: date) -> list[dict[str, Any]]:
    if not isinstance(rows, list) or not 1 <= len(rows) <= MAX_TRANCHES:
        v.fail("tranches", _("Give 1 to %(n)d tranches.", n=MAX_TRANCHES))
        return []
    clean = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            v.fail(f"tranches.{index}", _("Must be an object."))
            continue
        rv = Validator(row)
        item = {"milestone": rv.text("milestone"),
                "amount": rv.integer("amount", minimum=1, maximum=MAX_MONEY),
                "due_on": rv.day("due_on")}
        if item["due_on"] is None and "due_on" not in rv.errors:
            rv.fail("due_on", _("This field is required."))
        if item["due_on"] is not None and item["due_on"] < today:
            rv.fail("due_on", _("Must not be in the past."))
        for name, message in rv.errors.items():
            v.fail(f"tranches.{index}.{name}", message)
        clean.append(item)
    return clean


def set_agreement(actor: Actor, application_id: Any, data: Any) -> Application:
    """The manager sets the award and its tranches while the application is approved (a state
    tagged `agreement_open`), before `sign_agreement`: each tranche with a milestone, an amount
    and a due date, summing exactly to the award, which stays within the cap and the call's
    remaining budget. Setting it again replaces the planned tranches. Audited on the
    application, with what the award and the tranches were and became."""
    v = Validator(data)
    amount = v.integer("amount", minimum=1, maximum=MAX_MONEY)
    rows = _tranche_rows(v, data.get("tranches"), datetime.now(LOCAL).date())
    if amount is not None and rows and all(r["amount"] is not None for r in rows) \
            and (total := sum(r["amount"] for r in rows)) != amount:
        v.fail("tranches", _(
            "The tranches add up to %(total)s VND, not the award of %(amount)s VND.",
            total=format_decimal(total), amount=format_decimal(amount)))
    with transaction():
        application, roles = load(applications.KIND, actor, application_id, lock=True)
        role = next((r for r in MANAGING if r in roles), None)
        if role is None:
            raise Forbidden(_("Only the programme's managers set the agreement."))
        if not agreement_open(application):
            raise Conflict(_("The agreement is set once the application is approved, and "
                             "before it is signed."))
        call = db.session.scalars(
            select(Call).where(Call.id == application.call_id).with_for_update()).one()
        if amount is not None:
            left = call.budget - calls.awarded(call) + (application.awarded_amount or 0)
            if amount > call.cap_per_project:
                v.fail("amount", _("The amount %(amount)s VND is over the cap of %(cap)s VND.",
                                   amount=format_decimal(amount),
                                   cap=format_decimal(call.cap_per_project)))
            elif amount > left:
                v.fail("amount", _(
                    "The award of %(amount)s VND is over the call's remaining budget of "
                    "%(left)s VND.", amount=format_decimal(amount), left=format_decimal(left)))
        v.check()
        before = {"amount": application.awarded_amount, "tranches": _plan(application.id)}
        db.session.execute(Tranche.__table__.delete().where(
            Tranche.application_id == application.id))
        version = workflows().registry.latest(TRANCHE)
        for number, row in enumerate(rows, 1):
            db.session.add(Tranche(application_id=application.id, number=number,
                                   milestone=row["milestone"], amount=row["amount"],
                                   due_on=row["due_on"], state=version.initial,
                                   workflow_version=version.version))
        place = (applications.KIND.tally(application), application.state)
        counts.move(place, place, (application.awarded_amount or 0, amount))  # the award's sum
        application.awarded_amount = amount
        application.version += 1
        after = {"amount": amount, "tranches": [
            {"milestone": r["milestone"], "amount": r["amount"], "due_on": r["due_on"]}
            for r in rows]}
        audit.record(actor=actor, role=role, entity_type=applications.KIND.name,
                     entity_id=application.id, action="set_agreement",
                     payload={"before": before, "after": after})
    return application


def planned(application_id: int) -> list[dict[str, Any]]:
    """The agreement's tranches as the form shows them."""
    return [{"milestone": t["milestone"], "amount": t["amount"], "due_on": t["due_on"]}
            for t in _plan(application_id)]


def _plan(application_id: int) -> list[dict[str, Any]]:
    return [{"milestone": t.milestone, "amount": t.amount, "due_on": t.due_on}
            for t in db.session.scalars(select(Tranche).where(
                Tranche.application_id == application_id).order_by(Tranche.number))]


def tranches_of(actor: Actor, application_id: Any) -> tuple[Seen, list[Seen]]:
    """The application (404 unless the actor may see it) and its tranches the actor may see."""
    item = applications.get_application(actor, application_id)
    return item, tranches_for(actor, item.entity)


def tranches_for(actor: Actor, application: Application) -> list[Seen]:
    """The tranches of an application the actor has already been allowed to see, those they
    may see, in the agreement's order, each with the actor's roles on it (two statements)."""
    statement = query(KIND, actor).where(Tranche.application_id == application.id) \
        .order_by(Tranche.number).limit(MAX_TRANCHES)
    return seen(KIND, actor, statement)


def agreement_open(application: Application) -> bool:
    """Whether the agreement may be set now (approved, not yet signed)."""
    return application.state in _application_definition(application).tagged("agreement_open")


def act(actor: Actor, tranche_id: Any, action: str, data: Any) -> Tranche:
    """A tranche's action through the one path (grants/operations/workflow.py)."""
    from grants.operations import workflow

    return workflow.act(actor, KIND, tranche_id, action, data)


def get_tranche(actor: Actor, tranche_id: Any) -> Seen:
    return load(KIND, actor, tranche_id)


# --- the tranche workflow's guards, effects and messages --------------------------------------


@hooks.guard(offered=True)
def agreement_in_force(ctx: Context) -> list[str]:
    """Tranches move while the agreement is signed and not ended (terminated, failed…)."""
    application = ctx.entity.application
    if application.state not in _application_definition(application).tagged(
            "agreement_in_force"):
        return [_("The agreement is not in force: no tranche moves now.")]
    return []


@hooks.guard(offered=True)  # the verifier is not even offered the release
def four_eyes(ctx: Context) -> list[str]:
    if ctx.entity.verified_by_id == ctx.actor.id:
        return [_("You verified this tranche: another manager must release it (four eyes).")]
    return []


@hooks.effect
def record_request(ctx: Context) -> None:
    ctx.entity.report = ctx.payload["report"]
    ctx.entity.requested_at = ctx.now


@hooks.effect
def record_return(ctx: Context) -> None:
    ctx.entity.requested_at = None


@hooks.effect
def record_verification(ctx: Context) -> None:
    ctx.entity.verified_by_id, ctx.entity.verified_at = ctx.actor.id, ctx.now


@hooks.effect
def record_release(ctx: Context) -> None:
    ctx.entity.released_by_id, ctx.entity.released_at = ctx.actor.id, ctx.now


@hooks.effect
def record_payment(ctx: Context) -> None:
    ctx.entity.payment_reference, ctx.entity.paid_at = ctx.payload["payment_reference"], ctx.now


def _context(tranche: Tranche, **extra: Any) -> dict[str, Any]:
    application = tranche.application
    return {"application_id": application.id, "title": application.project.title,
            "reference": applications.reference(application), "number": tranche.number,
            "milestone": tranche.milestone, "amount": tranche.amount,
            "url": f"/applications/{application.id}#tranche-{tranche.number}"} | extra


def _to_startup(tranche: Tranche, event: str, **extra: Any) -> None:
    """`tranche_update` to the startup's members: the request sent back, cleared for payment,
    the payment recorded, or the milestone report due soon."""
    context = _context(tranche, event=event, reason="", payment_reference="",
                       due_on=tranche.due_on.strftime("%d/%m/%Y")) | extra
    outbox.enqueue_to(applications.MEMBERS, "tranche_update", context,
                      params={"organization_id": tranche.application.project.organization_id},
                      entity_type=KIND.name, entity_id=tranche.id)


def managers_of(programme_id: int):
    """The active managers of a programme (or of all programmes): a SELECT of user ids."""
    return (select(User.id).join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.MANAGER.value, User.active.is_(True),
                   or_(RoleGrant.programme_id == programme_id,
                       RoleGrant.programme_id.is_(None))).distinct())


@hooks.message
def tranche_requested(ctx: Context) -> None:
    tranche = ctx.entity
    outbox.enqueue_to(managers_of(tranche.application.call.programme_id), "tranche_requested",
                      _context(tranche), entity_type=KIND.name, entity_id=tranche.id)


@hooks.message
def tranche_returned(ctx: Context) -> None:
    _to_startup(ctx.entity, "sent_back", reason=ctx.payload["reason"])


@hooks.message
def tranche_released(ctx: Context) -> None:
    _to_startup(ctx.entity, "cleared_for_payment")


@hooks.message
def tranche_paid(ctx: Context) -> None:
    _to_startup(ctx.entity, "payment_recorded",
                payment_reference=ctx.entity.payment_reference)


# --- the application workflow's guard: the agreement is complete ------------------------------


@applications.hooks.guard
def tranches_match_award(ctx: Context) -> list[str]:
    """sign_agreement: tranches are set, each with a milestone, summing exactly to the award."""
    application = ctx.entity
    amounts = list(db.session.scalars(
        select(Tranche.amount).where(Tranche.application_id == application.id)))
    if not amounts:
        return [_("Set the agreement's tranches first: each with a milestone, an amount and "
                  "a due date.")]
    if sum(amounts) != (application.awarded_amount or 0):
        return [_("The tranches add up to %(total)s VND, not the award of %(amount)s VND.",
                  total=format_decimal(sum(amounts)),
                  amount=format_decimal(application.awarded_amount or 0))]
    return []


# --- the ledger's views ------------------------------------------------------------------------


@dataclass
class LedgerView:
    programme: Programme
    rows: list[tuple[Call, ledger.Ledger]]
    total: ledger.Ledger


def _sees_money(actor: Actor, programme_id: int) -> bool:
    programmes = staff_programme_ids(actor)
    return None in programmes or programme_id in programmes


def programme_ledger(actor: Actor, programme_id: Any) -> LedgerView:
    """Each call's ledger and the programme's total, for the programme's staff (404 else)."""
    programme = by_id(Programme, programme_id)
    if not _sees_money(actor, programme.id):
        raise NotFound(_("Not found."))
    rows = list(db.session.scalars(select(Call).where(Call.programme_id == programme.id)
                                   .order_by(Call.opens_at.desc(), Call.id.desc())))
    ledgers = ledger.of_calls(rows)
    return LedgerView(programme, [(call, ledgers[call.id]) for call in rows],
                      ledger.total(ledgers.values()))


def call_ledger(actor: Actor, call_id: Any) -> tuple[Call, ledger.Ledger]:
    call = by_id(Call, call_id)
    if not _sees_money(actor, call.programme_id):
        raise NotFound(_("Not found."))
    return call, ledger.of_call(call)


# --- reminders -----------------------------------------------------------------------------------


def remind_reports(now: datetime | None = None) -> int:
    """Mail the startup once per planned tranche whose milestone report is due within a week,
    while its agreement is in force; returns how many tranches were reminded. Each tranche is
    claimed by setting `reminded_at` where it is still empty, so two runs mail once."""
    now = now or utcnow()
    today = now.astimezone(LOCAL).date()
    registry = workflows().registry
    planned = registry.latest(TRANCHE).initial
    in_force = sorted({s for d in registry.all() if d.entity == applications.KIND.name
                       for s in d.tagged("agreement_in_force")})
    with transaction():
        ids = list(db.session.scalars(
            update(Tranche).where(
                Tranche.state == planned, Tranche.reminded_at.is_(None),
                Tranche.due_on >= today, Tranche.due_on <= today + REPORT_REMINDER,
                Tranche.application_id.in_(select(Application.id).where(
                    Application.state.in_(in_force))))
            .values(reminded_at=now).returning(Tranche.id)
            .execution_options(synchronize_session=False)))
        if not ids:
            return 0
        for tranche in db.session.scalars(select(Tranche).where(Tranche.id.in_(ids))
                                          .order_by(Tranche.id)):
            _to_startup(tranche, "report_due")
    return len(ids)

