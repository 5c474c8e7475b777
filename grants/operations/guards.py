"""The guards named in the workflow definitions, as functions of a GuardContext.

Each returns the list of problems (empty when the guard holds). Guards that read rows other
than the application lock them first, so that a concurrent writer cannot slip past them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Application, Call, User

# Where the money of a call is committed: an award made and not given back.
AWARDED_STATES = (
    "approved", "active", "pilot_testing", "final_evaluation", "completed", "failed", "promoted",
)


@dataclass
class GuardContext:
    application: Application
    actor: User
    payload: dict[str, Any]
    now: datetime


def call_open(ctx: GuardContext) -> list[str]:
    call = ctx.application.call
    if ctx.now < call.opens_at:
        return [_("The call opens on %(when)s.", when=format_datetime(call.opens_at))]
    if ctx.now >= call.closes_at:
        return [_("The call closed on %(when)s.", when=format_datetime(call.closes_at))]
    return []


def required_answers(ctx: GuardContext) -> list[str]:
    application = ctx.application
    problems = []
    if not application.project.summary.strip():
        problems.append(_("The project summary is missing."))
    for question in application.call.questions:
        answer = application.answers.get(question["key"])
        if question.get("required") and not (isinstance(answer, str) and answer.strip()):
            problems.append(_("An answer is missing: %(question)s", question=question["label"]))
    return problems


def required_documents(ctx: GuardContext) -> list[str]:
    # Uploads are not built yet: no document can be attached, so every required kind is missing.
    return [
        _("A document is missing: %(kind)s", kind=kind)
        for kind in ctx.application.call.required_documents
    ]


def amount_within_cap(ctx: GuardContext) -> list[str]:
    amount, cap = ctx.application.requested_amount, ctx.application.call.cap_per_project
    if amount <= 0:
        return [_("The requested amount must be more than 0 VND.")]
    if amount > cap:
        return [_("The requested amount %(amount)s VND is over the cap of %(cap)s VND.",
                  amount=format_decimal(amount), cap=format_decimal(cap))]
    return []


def before_revision_deadline(ctx: GuardContext) -> list[str]:
    deadline = ctx.application.revision_deadline
    if deadline is not None and ctx.now >= deadline:
        return [_("The revision deadline passed on %(when)s.", when=format_datetime(deadline))]
    return []


def revision_deadline_in_future(ctx: GuardContext) -> list[str]:
    deadline = ctx.payload.get("revision_deadline")
    if deadline is not None and deadline <= ctx.now:
        return [_("The revision deadline must be in the future.")]
    return []


def award_within_cap(ctx: GuardContext) -> list[str]:
    amount, cap = ctx.payload["amount"], ctx.application.call.cap_per_project
    if amount <= 0:
        return [_("The award must be more than 0 VND.")]
    if amount > cap:
        return [_("The award %(amount)s VND is over the cap of %(cap)s VND.",
                  amount=format_decimal(amount), cap=format_decimal(cap))]
    return []


def award_within_budget(ctx: GuardContext) -> list[str]:
    call_id = ctx.application.call_id
    # Lock the call: two approvals in one call take turns, so the budget is never exceeded.
    budget = db.session.scalars(
        select(Call.budget).where(Call.id == call_id).with_for_update()
    ).one()
    committed = db.session.scalar(
        select(func.coalesce(func.sum(Application.awarded_amount), 0)).where(
            Application.call_id == call_id, Application.state.in_(AWARDED_STATES)
        )
    )
    remaining = budget - committed
    if ctx.payload["amount"] > remaining:
        return [_("The award is over the call's remaining budget of %(left)s VND.",
                  left=format_decimal(remaining))]
    return []


GUARDS: dict[str, Callable[[GuardContext], list[str]]] = {
    "call_open": call_open,
    "required_answers": required_answers,
    "required_documents": required_documents,
    "amount_within_cap": amount_within_cap,
    "before_revision_deadline": before_revision_deadline,
    "revision_deadline_in_future": revision_deadline_in_future,
    "award_within_cap": award_within_cap,
    "award_within_budget": award_within_budget,
}
