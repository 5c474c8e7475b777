"""The one path: guards, conflicts, roles and visibility, each through an operation."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEvent, utcnow
from grants.operations import Conflict, Forbidden, Invalid, NotFound, workflow

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def setup(create_user, create_call, create_application, manager_of):
    call = create_call()
    startup = create_user("applicant")
    application = create_application(startup, call)
    return call, startup, application, manager_of(call)


def events_of(application):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "application",
                                 AuditEvent.entity_id == application.id)
        .order_by(AuditEvent.seq)).all()


def test_submit_moves_to_submitted_and_records_one_event(setup):
    _, startup, application, _ = setup
    result = workflow.act(startup, application.id, "submit", {"version": 1})
    assert (result.state, result.version) == ("submitted", 2)
    assert result.submitted_at is not None
    submitted = events_of(application)[-1]
    assert (submitted.action, submitted.from_state, submitted.to_state) == (
        "submit", "draft", "submitted")
    assert submitted.actor_id == startup.id and submitted.actor_role == "applicant"


def test_submit_lists_every_missing_piece(create_user, create_call, create_application):
    call = create_call(cap_per_project=10_000_000)
    call.required_documents = ["pitch_deck"]  # calls cannot ask for documents until uploads exist
    db.session.commit()
    startup = create_user("applicant")
    application = create_application(startup, call, complete=False,
                                     requested_amount=20_000_000)
    with pytest.raises(Invalid) as refused:
        workflow.act(startup, application.id, "submit", {"version": 1})
    problems = " | ".join(refused.value.problems)
    assert "summary" in problems
    assert "Problem" in problems  # the required question's label
    assert "pitch_deck" in problems
    assert "cap" in problems
    db.session.expire_all()
    assert application.state == "draft" and len(events_of(application)) == 1


def test_submit_refused_when_the_call_has_closed(create_user, create_call, create_application):
    call = create_call(closes_in=timedelta(seconds=2))
    startup = create_user("applicant")
    application = create_application(startup, call)
    call.closes_at = utcnow() - timedelta(seconds=1)
    call.opens_at = utcnow() - timedelta(days=2)
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        workflow.act(startup, application.id, "submit", {"version": 1})
    assert "closed" in refused.value.problems[0]


def test_stale_version_is_a_conflict(setup):
    _, startup, application, _ = setup
    with pytest.raises(Conflict):
        workflow.act(startup, application.id, "submit", {"version": 7})


def test_action_not_valid_from_state_is_a_conflict(setup):
    _, startup, application, _ = setup
    with pytest.raises(Conflict):
        workflow.act(startup, application.id, "resubmit", {"version": 1})


def test_unknown_action_is_not_found(setup):
    _, startup, application, _ = setup
    with pytest.raises(NotFound):
        workflow.act(startup, application.id, "fly_to_the_moon", {"version": 1})
    with pytest.raises(NotFound):  # a real action, but not of this stage's workflow
        workflow.act(startup, application.id, "start_pilot", {"version": 1})


def test_staff_do_not_see_drafts_and_applicant_may_not_screen(setup):
    _, startup, application, manager = setup
    with pytest.raises(NotFound):
        workflow.act(manager, application.id, "submit", {"version": 1})
    workflow.act(startup, application.id, "submit", {"version": 1})
    with pytest.raises(Conflict):  # seen now, but submit is not valid from submitted
        workflow.act(manager, application.id, "submit", {"version": 2})
    with pytest.raises(Forbidden):
        workflow.act(startup, application.id, "declare_ineligible",
                     {"version": 2, "reason": "mine"})


@pytest.mark.parametrize("role", ["applicant", "reviewer", "manager", "auditor"])
def test_outsiders_cannot_see_the_application(setup, create_user, create_programme, role):
    _, _, application, _ = setup
    outsider = create_user(role, create_programme() if role in ("manager", "reviewer") else None)
    if role == "auditor":  # an auditor of another programme
        outsider.grants[0].programme_id = create_programme().id
        db.session.commit()
    with pytest.raises(NotFound):
        workflow.act(outsider, application.id, "submit", {"version": 1})


def test_missing_version_and_reason_are_validation_errors(setup):
    _, startup, application, manager = setup
    with pytest.raises(Invalid) as refused:
        workflow.act(startup, application.id, "submit", {})
    assert "version" in refused.value.errors
    workflow.act(startup, application.id, "submit", {"version": 1})
    with pytest.raises(Invalid) as refused:
        workflow.act(manager, application.id, "return_for_changes", {"version": 2})
    assert set(refused.value.errors) == {"reason", "revision_deadline"}


def test_return_for_changes_then_resubmit_before_the_deadline(setup):
    _, startup, application, manager = setup
    workflow.act(startup, application.id, "submit", {"version": 1})
    deadline = (utcnow() + timedelta(days=7)).isoformat()
    result = workflow.act(manager, application.id, "return_for_changes",
                          {"version": 2, "reason": "Add the team", "revision_deadline": deadline})
    assert result.state == "changes_requested" and result.revision_deadline is not None
    assert events_of(application)[-1].reason == "Add the team"
    result = workflow.act(startup, application.id, "resubmit", {"version": 3})
    assert result.state == "submitted" and result.revision_deadline is None


def test_revision_deadline_must_be_in_the_future_and_is_enforced(setup):
    _, startup, application, manager = setup
    workflow.act(startup, application.id, "submit", {"version": 1})
    with pytest.raises(Invalid):
        workflow.act(manager, application.id, "return_for_changes",
                     {"version": 2, "reason": "x", "revision_deadline": "2020-01-01T10:00"})
    workflow.act(manager, application.id, "return_for_changes",
                 {"version": 2, "reason": "x",
                  "revision_deadline": (utcnow() + timedelta(hours=1)).isoformat()})
    application.revision_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        workflow.act(startup, application.id, "resubmit", {"version": 3})
    assert "deadline" in refused.value.problems[0]


def test_withdraw_and_ineligible_are_final(setup, create_application, create_call):
    call, startup, application, manager = setup
    workflow.act(startup, application.id, "withdraw", {"version": 1})
    assert workflow.allowed_actions(startup, application) == []
    other = create_application(startup, call, title="Second")
    workflow.act(startup, other.id, "submit", {"version": 1})
    workflow.act(manager, other.id, "declare_ineligible", {"version": 2, "reason": "Too old"})
    assert workflow.allowed_actions(manager, other) == []


def test_allowed_actions_follow_role_and_state(setup):
    _, startup, application, manager = setup
    assert workflow.allowed_actions(startup, application) == ["submit", "withdraw"]
    assert workflow.allowed_actions(manager, application) == []
    workflow.act(startup, application.id, "submit", {"version": 1})
    # start_review needs reviewer assignments, which a later capability brings
    assert workflow.allowed_actions(manager, application) == [
        "return_for_changes", "declare_ineligible"]
    assert workflow.allowed_actions(startup, application) == ["withdraw"]


def test_approve_respects_cap_and_remaining_budget(create_user, create_call, create_application,
                                                  manager_of):
    call = create_call(budget=50_000_000, cap_per_project=40_000_000)
    manager = manager_of(call)
    first = create_application(create_user("applicant"), call)
    second = create_application(create_user("applicant"), call)
    for application in (first, second):  # as if submitted and reviewed
        application.state, application.submitted_at = "reviewed", utcnow()
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        workflow.act(manager, first.id, "approve", {"version": 1, "amount": 45_000_000})
    assert "cap" in refused.value.problems[0]
    workflow.act(manager, first.id, "approve", {"version": 1, "amount": 40_000_000})
    with pytest.raises(Invalid) as refused:
        workflow.act(manager, second.id, "approve", {"version": 1, "amount": 20_000_000})
    assert "10,000,000" in refused.value.problems[0]
    result = workflow.act(manager, second.id, "approve", {"version": 1, "amount": 10_000_000})
    assert (result.state, result.awarded_amount) == ("approved", 10_000_000)


def test_every_payload_error_of_the_engine_has_a_translation():
    from grants.labels import PAYLOAD_ERRORS
    from workflow import Action, Engine, Field, PayloadError

    kinds = ("text", "integer", "datetime", "date", "id")
    action = Action("a", ("x",), "y", frozenset({"r"}),
                    payload=tuple(Field(f"{kind}_{n}", kind, True) for kind in kinds
                                  for n in range(3)))
    bad = {}
    for kind in kinds:
        bad[f"{kind}_1"] = ["not", "scalar"] if kind != "text" else 5
        bad[f"{kind}_2"] = "x" * 5000 if kind == "text" else "-1"
    with pytest.raises(PayloadError) as refused:
        Engine.parse_payload(action, bad)
    messages = set(refused.value.errors.values())
    assert len(refused.value.errors) == 3 * len(kinds)
    assert messages <= set(PAYLOAD_ERRORS), messages - set(PAYLOAD_ERRORS)


def test_shipped_definitions_name_only_known_guards_and_roles():
    from grants.operations.workflow import check_definitions
    from workflow import Registry, default_registry, parse_definition

    check_definitions(default_registry())
    for mistake, culprit in (("guards", "award_withn_budget"), ("roles", "mananger")):
        data = {"name": "typo", "version": 1, "entity": "application", "initial": "a",
                "title": "Typo", "states": [{"name": "a"}, {"name": "b", "final": True}],
                "actions": [{"name": "go", "from": ["a"], "to": "b", "roles": ["manager"]}]}
        data["actions"][0][mistake] = [culprit]
        with pytest.raises(RuntimeError, match=culprit):
            check_definitions(Registry([parse_definition(data)]))
