"""Every action of every shipped definition, taken through the one path from the first state it
leaves, writes exactly one audit event on its entity: the action, the actor and the role, the
state it left and the one it entered. The definitions are read, not listed here, so an action
added later is covered (or fails here until its guards are prepared below)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    Application,
    AuditEvent,
    Evaluation,
    Pilot,
    Review,
    ReviewAssignment,
    Tranche,
    utcnow,
)
from grants.models.declarations import NO_CONFLICT
from grants.operations import applications, funding
from grants.operations.workflow import workflows
from workflow.registry import default_registry

DEFINITIONS = [d for d in default_registry().all() if d.entity in ("application", "tranche")]
CASES = [(d.name, d.version, action.name) for d in DEFINITIONS for action in d.actions]
NEXT = {"pre_incubation": "incubation", "incubation": "acceleration"}


def payload_for(action, world) -> dict:
    values = {"text": "Lý do ghi trong nhật ký", "integer": 10_000_000,
              "datetime": (utcnow() + timedelta(days=10)).isoformat(), "id": None}
    body = {}
    for field in action.payload:
        if field.name == "target_call_id":
            body[field.name] = world.next_call.id
        elif field.name == "revision_deadline" and world.application.revision_deadline:
            body[field.name] = (world.application.revision_deadline
                                + timedelta(days=5)).isoformat()
        else:
            body[field.name] = values[field.type]
    return body


class World:
    """One application of a call at the definition's stage, and the people around it."""

    def __init__(self, stage, factories):
        create_call, create_user, create_application, manager_of = factories
        self.call = create_call(stage=stage, budget=1_000_000_000,
                                cap_per_project=40_000_000, review_quorum=1)
        self.next_call = create_call(self.call.programme, stage=NEXT[stage]) \
            if stage in NEXT else None
        self.startup = create_user("applicant")
        self.manager = manager_of(self.call)
        self.second = manager_of(self.call)
        self.reviewer = create_user("reviewer", self.call.programme)
        self.application = create_application(self.startup, self.call)


def prepare_application(world: World, state: str, guards: list[str]) -> None:
    """Put the application in `state` with what its action's guards ask for."""
    application = world.application
    application.state = state
    application.submitted_at = None if state == "draft" else utcnow()
    if state != "draft":
        application.awarded_amount = 10_000_000
    if "revision_deadline_passed" in guards:
        application.revision_deadline = utcnow() - timedelta(days=1)
    elif state == "changes_requested":
        application.revision_deadline = utcnow() + timedelta(days=3)
    if {"review_quorum_assigned", "review_quorum_submitted"} & set(guards):
        assignment = ReviewAssignment(application_id=application.id, call_id=world.call.id,
                                      reviewer_id=world.reviewer.id, declaration=NO_CONFLICT,
                                      declared_at=utcnow())
        db.session.add(assignment)
        db.session.flush()
        db.session.add(Review(assignment_id=assignment.id, scores={}, score=80.0,
                              submitted_at=utcnow()))
    if "tranches_match_award" in guards:
        db.session.add(Tranche(application_id=application.id, number=1, milestone="M",
                               amount=10_000_000, due_on=date.today() + timedelta(days=30),
                               state="planned"))
    if {"pilot_planned", "pilot_results_recorded", "pilot_finished"} & set(guards):
        db.session.add(Pilot(application_id=application.id, host_partner="HTX",
                             environment="Ruộng", success_metrics="-20% nước",
                             starts_on=date.today(), ends_on=date.today() + timedelta(days=30),
                             results="Đạt", verdict="passed", updated_by_id=world.manager.id))
    for guard, verdict in (("evaluation_passed", "passed"), ("evaluation_failed", "failed")):
        if guard in guards:
            db.session.add(Evaluation(application_id=application.id, final_report="Báo cáo",
                                      score=70, verdict=verdict, evaluated_at=utcnow(),
                                      evaluated_by_id=world.manager.id))
    db.session.commit()


def actor_for(world: World, roles) -> tuple:
    return (world.startup, "applicant") if "applicant" in roles else (world.manager, "manager")


def events_on(entity_type: str, entity_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.seq)))


@pytest.mark.parametrize("name, version, action_name", CASES,
                         ids=[f"{n}.v{v}.{a}" for n, v, a in CASES])
def test_every_action_writes_exactly_one_event_with_its_actor_and_states(
        name, version, action_name, create_call, create_user, create_application, manager_of):
    definition = default_registry().get(name, version)
    action = definition.action(action_name)
    source = action.sources[0]
    stage = name if name in ("pre_incubation", "incubation", "acceleration") \
        else "pre_incubation"  # the tranche's workflow: an application of any stage
    world = World(stage, (create_call, create_user, create_application, manager_of))
    if definition.entity == "application":
        prepare_application(world, source, list(action.guards))
        actor, role = actor_for(world, action.roles)
        before = len(events_on("application", world.application.id))
        applications.act(actor, world.application.id, action.name,
                         {"version": world.application.version}
                         | payload_for(action, world))
        entity_type, entity_id = "application", world.application.id
    else:
        active = sorted(calls_definition(world).tagged("agreement_in_force"))[0]
        prepare_application(world, active, [])
        tranche = Tranche(application_id=world.application.id, number=1, milestone="M",
                          amount=10_000_000, due_on=date.today() + timedelta(days=30),
                          state=source, verified_by_id=world.second.id)
        db.session.add(tranche)
        db.session.commit()
        actor, role = actor_for(world, action.roles)
        before = len(events_on("tranche", tranche.id))
        funding.act(actor, tranche.id, action.name,
                    {"version": tranche.version} | payload_for(action, world))
        entity_type, entity_id = "tranche", tranche.id
    found = events_on(entity_type, entity_id)
    assert len(found) == before + 1, [e.action for e in found]
    event = found[-1]
    assert (event.action, event.actor_id, event.actor_role) == (action.name, actor.id, role)
    assert (event.from_state, event.to_state) == (source, action.dest)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id,
        AuditEvent.action == action.name)) == 1


def calls_definition(world: World):
    from grants.operations import calls

    return calls.definition(world.call)


def test_the_cases_cover_every_action_of_every_shipped_definition():
    shipped = {(d.name, d.version, a.name) for d in workflows().registry.all()
               if d.entity in ("application", "tranche") for a in d.actions}
    assert shipped == set(CASES) and len(CASES) >= 60
    assert {d.entity for d in workflows().registry.all()} <= {"application", "tranche"}


# --- the operations beside the workflows ---------------------------------------------------------


def in_pilot(application: Application) -> None:
    """The application as if signed, in a state where its pilot is recorded."""
    from grants.operations import calls

    application.state = sorted(calls.definition(application.call).tagged("pilot_open"))[0]
    db.session.commit()


def new_events(work) -> list[AuditEvent]:
    """The events `work()` appends."""
    last = db.session.scalar(select(func.max(AuditEvent.seq))) or 0
    work()
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.seq > last)
                                   .order_by(AuditEvent.seq)))


@pytest.fixture
def people(create_call, create_user, create_application, manager_of):
    call = create_call(stage="incubation", review_quorum=1)  # a stage with a pilot
    startup = create_user("applicant")
    application = create_application(startup, call)
    applications.act(startup, application.id, "submit", {"version": 1})
    return call, startup, application, manager_of(call), \
        create_user("reviewer", call.programme), create_user("admin")


def test_every_other_operation_writes_exactly_one_event_with_its_actor(people, client):
    from grants.operations import accounts, mentors, pilots, reviews

    call, startup, application, manager, reviewer, admin = people
    assignment_ids = []
    steps = [
        ("assign a reviewer", manager, "review_assignment", "assign",
         lambda: assignment_ids.append(
             reviews.assign(manager, application.id, {"reviewer_id": reviewer.id}).id)),
        ("declare no conflict", reviewer, "review_assignment", "declare_no_conflict",
         lambda: reviews.declare(reviewer, assignment_ids[0], {"conflict": False})),
        ("submit a review", reviewer, "review", "submit_review",
         lambda: reviews.save_review(reviewer, assignment_ids[0], {
             "scores": {"innovation": 8, "market": 7}, "comment": "Tốt",
             "recommendation": "yes", "submit": True})),
        ("reopen a review", manager, "review", "reopen",
         lambda: reviews.reopen(manager, assignment_ids[0], {"reason": "Thiếu nhận xét"})),
        ("grant a role", admin, "user", "grant_role",
         lambda: accounts.grant_role(admin, reviewer.id, {"role": "mentor",
                                                          "programme_id": call.programme_id})),
        ("create a token", startup, "api_token", "create",
         lambda: accounts.create_token(startup, "ci")),
        ("record a pilot", manager, "application", "set_pilot",
         lambda: (in_pilot(application), pilots.save_pilot(manager, application.id, {
             "host_partner": "HTX", "environment": "Ruộng", "success_metrics": "-20%",
             "starts_on": "2026-12-01", "ends_on": "2027-01-01"}))),
        ("write a mentor's profile", reviewer, "mentor_profile", "update_profile",
         lambda: mentors.save_profile(reviewer, {"expertise": ["fintech"],
                                                 "languages": ["vi"], "availability": "T3"})),
        ("log in", startup, "user", "login",
         lambda: client.post("/login", data={"email": startup.email,
                                             "password": "correct horse battery"})),
        ("fail to log in", None, "user", "login_failed",
         lambda: client.post("/login", data={"email": startup.email, "password": "nope-nope"})),
    ]
    for what, actor, entity_type, action, work in steps:
        found = new_events(work)
        mine = [(e.entity_type, e.action, e.actor_id) for e in found
                if e.entity_type == entity_type]
        assert mine == [(entity_type, action, actor.id if actor else None)], (what, found)
