"""The one path: guards, conflicts, roles and visibility, each through an operation."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEvent, utcnow
from grants.operations import Conflict, Forbidden, Invalid, NotFound, applications

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
    result = applications.act(startup, application.id, "submit", {"version": 1})
    assert (result.state, result.version) == ("submitted", 2)
    assert result.submitted_at is not None
    submitted = events_of(application)[-1]
    assert (submitted.action, submitted.from_state, submitted.to_state) == (
        "submit", "draft", "submitted")
    assert submitted.actor_id == startup.id and submitted.actor_role == "applicant"


def test_submit_lists_every_missing_piece(create_user, create_call, create_application):
    call = create_call(cap_per_project=10_000_000)
    call.required_documents = ["pitch_deck"]
    db.session.commit()
    startup = create_user("applicant")
    application = create_application(startup, call, complete=False,
                                     requested_amount=20_000_000)
    with pytest.raises(Invalid) as refused:
        applications.act(startup, application.id, "submit", {"version": 1})
    problems = " | ".join(refused.value.problems)
    assert "summary" in problems
    assert "Problem" in problems  # the required question's label
    assert "Pitch deck" in problems  # the kind's readable name
    assert "cap" in problems
    db.session.expire_all()
    assert application.state == "draft" and len(events_of(application)) == 1


def test_submit_refused_when_the_call_has_closed(create_user, create_call, create_application):
    call = create_call(closes_in=timedelta(minutes=5))  # closed below, after the draft
    startup = create_user("applicant")
    application = create_application(startup, call)
    call.closes_at = utcnow() - timedelta(seconds=1)
    call.opens_at = utcnow() - timedelta(days=2)
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        applications.act(startup, application.id, "submit", {"version": 1})
    assert "closed" in refused.value.problems[0]


def test_stale_version_is_a_conflict(setup):
    _, startup, application, _ = setup
    with pytest.raises(Conflict):
        applications.act(startup, application.id, "submit", {"version": 7})


def test_action_not_valid_from_state_is_a_conflict(setup):
    _, startup, application, _ = setup
    with pytest.raises(Conflict):
        applications.act(startup, application.id, "resubmit", {"version": 1})


def test_unknown_action_is_not_found(setup):
    _, startup, application, _ = setup
    with pytest.raises(NotFound):
        applications.act(startup, application.id, "fly_to_the_moon", {"version": 1})
    with pytest.raises(NotFound):  # a real action, but not of this stage's workflow
        applications.act(startup, application.id, "start_pilot", {"version": 1})


def test_staff_do_not_see_drafts_and_applicant_may_not_screen(setup):
    _, startup, application, manager = setup
    with pytest.raises(NotFound):
        applications.act(manager, application.id, "submit", {"version": 1})
    applications.act(startup, application.id, "submit", {"version": 1})
    with pytest.raises(Forbidden):  # seen now, but submitting is the applicant's, in any state
        applications.act(manager, application.id, "submit", {"version": 2})
    with pytest.raises(Conflict):  # the manager's own action, not valid from submitted
        applications.act(manager, application.id, "approve", {"version": 2, "amount": 1})
    with pytest.raises(Forbidden):
        applications.act(startup, application.id, "declare_ineligible",
                     {"version": 2, "reason": "mine"})


@pytest.mark.parametrize("role", ["applicant", "reviewer", "manager", "auditor"])
def test_outsiders_cannot_see_the_application(setup, create_user, create_programme, role):
    _, _, application, _ = setup
    outsider = create_user(role, create_programme() if role in ("manager", "reviewer") else None)
    if role == "auditor":  # an auditor of another programme
        outsider.grants[0].programme_id = create_programme().id
        db.session.commit()
    with pytest.raises(NotFound):
        applications.act(outsider, application.id, "submit", {"version": 1})


def test_missing_version_and_reason_are_validation_errors(setup):
    _, startup, application, manager = setup
    with pytest.raises(Invalid) as refused:
        applications.act(startup, application.id, "submit", {})
    assert "version" in refused.value.errors
    applications.act(startup, application.id, "submit", {"version": 1})
    with pytest.raises(Invalid) as refused:
        applications.act(manager, application.id, "return_for_changes", {"version": 2})
    assert set(refused.value.errors) == {"reason", "revision_deadline"}


def test_return_for_changes_then_resubmit_before_the_deadline(setup):
    _, startup, application, manager = setup
    applications.act(startup, application.id, "submit", {"version": 1})
    deadline = (utcnow() + timedelta(days=7)).isoformat()
    result = applications.act(manager, application.id, "return_for_changes",
                          {"version": 2, "reason": "Add the team", "revision_deadline": deadline})
    assert result.state == "changes_requested" and result.revision_deadline is not None
    assert events_of(application)[-1].reason == "Add the team"
    result = applications.act(startup, application.id, "resubmit", {"version": 3})
    assert result.state == "submitted" and result.revision_deadline is None


def test_revision_deadline_must_be_in_the_future_and_is_enforced(setup):
    _, startup, application, manager = setup
    applications.act(startup, application.id, "submit", {"version": 1})
    with pytest.raises(Invalid):
        applications.act(manager, application.id, "return_for_changes",
                     {"version": 2, "reason": "x", "revision_deadline": "2020-01-01T10:00"})
    applications.act(manager, application.id, "return_for_changes",
                 {"version": 2, "reason": "x",
                  "revision_deadline": (utcnow() + timedelta(hours=1)).isoformat()})
    application.revision_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        applications.act(startup, application.id, "resubmit", {"version": 3})
    assert "deadline" in refused.value.problems[0]


def offered(actor, application_id: int) -> list[str]:
    return applications.allowed_actions(actor, applications.get_application(actor, application_id))


def test_withdraw_and_ineligible_are_final(setup, create_application, create_call):
    call, startup, application, manager = setup
    applications.act(startup, application.id, "withdraw", {"version": 1})
    assert offered(startup, application.id) == []
    other = create_application(startup, call, title="Second")
    applications.act(startup, other.id, "submit", {"version": 1})
    applications.act(manager, other.id, "declare_ineligible", {"version": 2, "reason": "Too old"})
    assert offered(manager, other.id) == []


def test_allowed_actions_follow_role_and_state(setup):
    _, startup, application, manager = setup
    assert offered(startup, application.id) == ["submit", "withdraw"]
    with pytest.raises(NotFound):  # a draft belongs to the startup alone
        offered(manager, application.id)
    applications.act(startup, application.id, "submit", {"version": 1})
    # start_review is offered; its quorum guard reads the assignments when it is taken
    assert offered(manager, application.id) == [
        "return_for_changes", "declare_ineligible", "start_review"]
    assert offered(startup, application.id) == ["withdraw"]


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
        applications.act(manager, first.id, "approve", {"version": 1, "amount": 45_000_000})
    assert "cap" in refused.value.problems[0]
    applications.act(manager, first.id, "approve", {"version": 1, "amount": 40_000_000})
    with pytest.raises(Invalid) as refused:
        applications.act(manager, second.id, "approve", {"version": 1, "amount": 20_000_000})
    assert "10,000,000" in refused.value.problems[0]
    result = applications.act(manager, second.id, "approve", {"version": 1, "amount": 10_000_000})
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


def test_shipped_definitions_name_only_known_hooks_and_roles():
    from grants.operations.applications import KIND
    from grants.operations.workflow import Workflows
    from workflow import Registry, default_registry, parse_definition

    Workflows(default_registry(), [KIND], unbuilt={"tranche"})
    for mistake, culprit in (("guards", "award_withn_budget"), ("roles", "mananger"),
                             ("effects", "set_submited"), ("notify", "submision_receipt")):
        data = {"name": "typo", "version": 1, "entity": "application", "initial": "a",
                "title": "Typo", "states": [{"name": "a"}, {"name": "b", "final": True}],
                "actions": [{"name": "go", "from": ["a"], "to": "b", "roles": ["manager"]}]}
        data["actions"][0][mistake] = [culprit]
        with pytest.raises(RuntimeError, match=culprit):
            Workflows(Registry([parse_definition(data)]), [KIND])


def test_a_definition_for_an_entity_without_an_adapter_stops_start_up():
    from grants.operations.applications import KIND
    from grants.operations.workflow import Workflows
    from workflow import default_registry

    with pytest.raises(RuntimeError, match="no adapter for entity 'tranche'"):
        Workflows(default_registry(), [KIND])


def returned_for_changes(setup) -> tuple:
    """The application submitted, then returned with a deadline in an hour (version 3)."""
    call, startup, application, manager = setup
    applications.act(startup, application.id, "submit", {"version": 1})
    applications.act(manager, application.id, "return_for_changes", {
        "version": 2, "reason": "Add the budget",
        "revision_deadline": (utcnow() + timedelta(hours=1)).isoformat()})
    return startup, application, manager


def pass_the_deadline(application) -> None:
    row = db.session.get(type(application), application.id)
    row.revision_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()


def test_after_the_revision_deadline_resubmit_is_no_longer_offered(setup):
    startup, application, manager = returned_for_changes(setup)
    assert "resubmit" in offered(startup, application.id)
    assert offered(manager, application.id) == ["extend_revision_deadline"]

    pass_the_deadline(application)

    assert offered(startup, application.id) == ["withdraw"]
    assert offered(manager, application.id) == ["extend_revision_deadline", "close_unrevised"]


def test_a_manager_extends_the_deadline_and_the_startup_can_resubmit_again(setup):
    startup, application, manager = returned_for_changes(setup)
    pass_the_deadline(application)
    new_deadline = utcnow() + timedelta(days=3)

    applications.act(manager, application.id, "extend_revision_deadline", {
        "version": 3, "reason": "Asked for more time",
        "revision_deadline": new_deadline.isoformat()})
    result = applications.act(startup, application.id, "resubmit", {"version": 4})

    assert result.state == "submitted"
    assert [e.action for e in events_of(application)][-2:] == [
        "extend_revision_deadline", "resubmit"]


def test_a_manager_closes_an_application_not_revised_in_time(setup):
    startup, application, manager = returned_for_changes(setup)
    with pytest.raises(Invalid) as early:
        applications.act(manager, application.id, "close_unrevised",
                         {"version": 3, "reason": "Not revised"})
    assert "may still revise" in early.value.detail

    pass_the_deadline(application)
    result = applications.act(manager, application.id, "close_unrevised",
                              {"version": 3, "reason": "Not revised"})

    assert result.state == "ineligible"
    assert offered(startup, application.id) == []


def test_a_refused_guard_names_its_cause_first(setup):
    _, startup, application, manager = setup
    applications.act(startup, application.id, "submit", {"version": 1})

    with pytest.raises(Invalid) as refused:
        applications.act(manager, application.id, "return_for_changes", {
            "version": 2, "reason": "x", "revision_deadline": "2020-01-01T10:00"})

    assert refused.value.detail == "The revision deadline must be in the future."


def test_an_unknown_action_is_not_found_even_with_a_stale_version(setup):
    _, startup, application, _ = setup
    with pytest.raises(NotFound):
        applications.act(startup, application.id, "publish", {"version": 99})


def test_staff_dashboards_list_only_their_own_applications(setup, create_user):
    call, startup, application, manager = setup
    applications.act(startup, application.id, "submit", {"version": 1})
    mine = frozenset({"applicant"})

    assert applications.list_applications(manager, as_roles=mine) == []
    assert [i.entity.id for i in applications.list_applications(manager)] == [application.id]
    assert [i.roles for i in applications.list_applications(startup)] == [mine]


def test_a_list_and_a_single_check_give_the_same_roles(setup, create_user):
    call, startup, application, manager = setup
    applications.act(startup, application.id, "submit", {"version": 1})
    auditor = create_user("auditor")

    for actor in (startup, manager, auditor):
        listed = applications.list_applications(actor)
        assert listed == [applications.get_application(actor, application.id)], actor.email


def test_the_system_is_an_explicit_actor_in_the_audit_log(create_call):
    call = create_call()
    created = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "call", AuditEvent.entity_id == call.id)).one()
    assert (created.actor_id, created.actor_role) == (None, "system")


def test_a_name_missing_from_the_catalogue_reads_as_itself():
    from grants import labels

    assert labels.state("on_hold_for_audit") == "On hold for audit"
    assert labels.action("submit") == "Submit"


def test_after_the_revision_deadline_the_startup_can_no_longer_edit(setup):
    startup, application, manager = returned_for_changes(setup)
    assert applications.can_edit(applications.get_application(startup, application.id))
    pass_the_deadline(application)

    with pytest.raises(Conflict) as refused:
        applications.update_application(startup, application.id,
                                        {"version": 3, "requested_amount": 1_000_000})

    assert "revision deadline passed" in refused.value.detail
    assert not applications.can_edit(applications.get_application(startup, application.id))
    db.session.expire_all()
    assert db.session.get(type(application), application.id).requested_amount == 30_000_000


def test_statements_reused_across_users_with_the_same_grants_keep_each_users_roles(
        create_user, create_call, create_application):
    call = create_call()
    first, second = create_user("applicant"), create_user("applicant")
    mine, theirs = create_application(first, call), create_application(second, call)

    assert applications.get_application(first, mine.id).roles == {"applicant"}
    with pytest.raises(NotFound):
        applications.get_application(second, mine.id)
    assert [i.entity.id for i in applications.list_applications(second)] == [theirs.id]
    assert [i.entity.id for i in applications.list_applications(first)] == [mine.id]


def test_an_access_rule_that_names_the_actor_by_id_is_refused(create_user):
    from grants.operations import workflow
    from grants.operations.applications import KIND

    def careless(user):
        return {"applicant": AuditEvent.actor_id == user.id}

    careless_kind = workflow.EntityKind(
        name="careless", model=KIND.model, roles=careless, workflow=KIND.workflow,
        hooks=KIND.hooks)
    with pytest.raises(AttributeError, match="permissions.ACTOR"):
        workflow.query(careless_kind, create_user("applicant"))


def test_an_extension_never_shortens_the_deadline(setup):
    startup, application, manager = returned_for_changes(setup)  # deadline in an hour
    with pytest.raises(Invalid) as refused:
        applications.act(manager, application.id, "extend_revision_deadline", {
            "version": 3, "reason": "x",
            "revision_deadline": (utcnow() + timedelta(minutes=2)).isoformat()})
    assert "later than the current one" in refused.value.detail


def test_leaving_the_revision_clears_its_deadline(setup):
    startup, application, manager = returned_for_changes(setup)
    result = applications.act(startup, application.id, "withdraw", {"version": 3})
    assert (result.state, result.revision_deadline) == ("withdrawn", None)
