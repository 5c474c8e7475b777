"""A second kind of entity runs through the same, unchanged action path.

The test suite alone sets it up: an expense claim that belongs to an application, with its own
small definition, table, access rule and hooks, including a four-eyes rule (the manager who pays
must not be the one who approved). This is how the funding capability adds tranches.
"""

import pytest
from sqlalchemy import ForeignKey, MetaData, and_, exists, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from grants import audit
from grants.extensions import db
from grants.models import Application, Call, Membership, Project, Role
from grants.operations import Conflict, Forbidden, Invalid, NotFound, applications, history
from grants.operations import workflow as path
from grants.operations.workflow import Context, EntityKind, Hooks, Workflows
from grants.permissions.rules import ACTOR, in_programmes, programmes_where
from workflow import Registry, default_registry, parse_definition


class SuiteOnlyBase(DeclarativeBase):
    metadata = MetaData()  # not the app's: the migrations know nothing of this table


class Claim(SuiteOnlyBase):
    __tablename__ = "test_claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey(Application.id))
    state: Mapped[str]
    version: Mapped[int]
    amount: Mapped[int]
    approved_by_id: Mapped[int | None]


CLAIM_WORKFLOW = parse_definition({
    "name": "claim", "version": 1, "entity": "claim", "initial": "submitted", "title": "Claim",
    "states": [{"name": "submitted"}, {"name": "approved"},
               {"name": "paid", "final": True, "tags": ["needs_confirmation"]}],
    "actions": [
        {"name": "approve", "from": ["submitted"], "to": "approved", "roles": ["manager"],
         "effects": ["record_approver"]},
        {"name": "send_back", "from": ["approved"], "to": "submitted", "roles": ["manager"],
         "payload": [{"name": "reason", "type": "text", "required": True}]},
        {"name": "pay", "from": ["approved"], "to": "paid", "roles": ["manager"],
         "guards": ["four_eyes"]},
    ],
})

hooks = Hooks()


@hooks.guard
def four_eyes(ctx: Context) -> list[str]:
    if ctx.entity.approved_by_id == ctx.actor.id:
        return ["The manager who approved a claim may not also pay it."]
    return []


@hooks.effect
def record_approver(ctx: Context) -> None:
    ctx.entity.approved_by_id = ctx.actor.id


def roles_on_claims(user) -> dict:
    """The startup that owns the claim's application; managers of its call's programme."""
    roles = {Role.APPLICANT.value: exists(
        select(Membership.user_id)
        .join(Project, Project.organization_id == Membership.organization_id)
        .join(Application, Application.project_id == Project.id)
        .where(Application.id == Claim.application_id, Membership.user_id == ACTOR))}
    if programmes := programmes_where(user, Role.MANAGER.value):
        roles[Role.MANAGER.value] = exists(
            select(Application.id).join(Call, Call.id == Application.call_id)
            .where(and_(Application.id == Claim.application_id,
                        in_programmes(Call.programme_id, programmes))))
    return roles


CLAIM = EntityKind(
    name="claim", model=Claim, roles=roles_on_claims, workflow=lambda claim: ("claim", 1),
    hooks=hooks, parent=lambda claim: (applications.KIND.name, claim.application_id),
    parent_kind=applications.KIND.name,
)


def install(app, claim_kind: EntityKind = CLAIM) -> None:
    registry = Registry([*default_registry().all(), CLAIM_WORKFLOW])
    app.extensions["grants.workflows"] = Workflows(
        registry, [applications.KIND, claim_kind], unbuilt={"tranche"})


@pytest.fixture
def claims(app):
    """The app runs the shipped workflows plus the claim's, until the test ends."""
    shipped = app.extensions["grants.workflows"]
    install(app)
    SuiteOnlyBase.metadata.create_all(db.engine)
    yield
    db.session.rollback()
    SuiteOnlyBase.metadata.drop_all(db.engine)
    app.extensions["grants.workflows"] = shipped


@pytest.fixture
def claim(claims, create_user, create_call, create_application, manager_of):
    call = create_call()
    startup = create_user("applicant")
    application = create_application(startup, call)
    applications.act(startup, application.id, "submit", {"version": 1})
    row = Claim(application_id=application.id, state="submitted", version=1, amount=5_000_000)
    db.session.add(row)
    db.session.commit()
    return row, application, startup, manager_of(call), manager_of(call)


def test_a_claim_is_approved_and_paid_through_the_one_path(claim):
    row, _, _, approver, payer = claim

    path.act(approver, CLAIM, row.id, "approve", {"version": 1})
    paid = path.act(payer, CLAIM, row.id, "pay", {"version": 2})

    assert (paid.state, paid.version, paid.approved_by_id) == ("paid", 3, approver.id)
    assert audit.verify().ok


def test_the_four_eyes_guard_refuses_the_approver_as_payer(claim):
    row, _, _, approver, _ = claim
    path.act(approver, CLAIM, row.id, "approve", {"version": 1})

    with pytest.raises(Invalid) as refused:
        path.act(approver, CLAIM, row.id, "pay", {"version": 2})

    assert refused.value.problems == ["The manager who approved a claim may not also pay it."]
    db.session.expire_all()
    assert db.session.get(Claim, row.id).state == "approved"


def test_the_claims_events_show_in_its_applications_history(claim):
    row, application, startup, approver, _ = claim
    path.act(approver, CLAIM, row.id, "approve", {"version": 1})
    path.act(approver, CLAIM, row.id, "send_back", {"version": 2, "reason": "Receipt unreadable"})

    events = history.of(startup, applications.KIND, application.id)

    assert [(e.entity_type, e.action) for e in events] == [
        ("application", "create"), ("application", "submit"),
        ("claim", "approve"), ("claim", "send_back")]
    assert (events[-1].parent_type, events[-1].parent_id) == ("application", application.id)
    assert events[-1].reason == "Receipt unreadable"


def test_the_claims_access_rule_decides_who_sees_and_who_acts(claim, create_user):
    row, _, startup, approver, _ = claim
    stranger = create_user("applicant")

    with pytest.raises(NotFound):
        path.act(stranger, CLAIM, row.id, "approve", {"version": 1})
    with pytest.raises(Forbidden):
        path.act(startup, CLAIM, row.id, "approve", {"version": 1})
    with pytest.raises(Conflict):
        path.act(approver, CLAIM, row.id, "approve", {"version": 7})
    assert path.allowed_actions(approver, CLAIM, path.load(CLAIM, approver, row.id)) == [
        "approve"]
    assert path.allowed_actions(startup, CLAIM, path.load(CLAIM, startup, row.id)) == []


def test_a_parents_history_shows_a_childs_events_only_to_those_who_may_see_the_child(
        app, claim):
    row, application, startup, approver, _ = claim
    path.act(approver, CLAIM, row.id, "approve", {"version": 1})
    staff_only = EntityKind(**{**CLAIM.__dict__, "roles": lambda user: {
        name: rule for name, rule in roles_on_claims(user).items() if name != "applicant"}})
    install(app, staff_only)

    seen_by_startup = history.of(startup, applications.KIND, application.id)
    seen_by_manager = history.of(approver, applications.KIND, application.id)

    assert "claim" not in {e.entity_type for e in seen_by_startup}
    assert ("claim", "approve") in {(e.entity_type, e.action) for e in seen_by_manager}
