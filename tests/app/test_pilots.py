"""Pilots, final evaluations and promotion: what the workflow's guards ask for, recorded by the
programme's managers, and a project's path through the stages."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import Application, AuditEvent, Notification, utcnow
from grants.operations import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    applications,
    funding,
    pilots,
    projects,
)

pytestmark = pytest.mark.usefixtures("english")

DUE = (date.today() + timedelta(days=60)).isoformat()
PLAN = {"host_partner": "Hợp tác xã Tân Phú", "environment": "Three rice farms in Cần Thơ",
        "success_metrics": "Water use down 20% over a season",
        "starts_on": "2027-01-01", "ends_on": "2027-04-30"}
RESULTS = PLAN | {"results": "Water use down 24%", "verdict": "passed"}


@pytest.fixture
def signed(create_user, create_call, create_application, manager_of):
    """signed(stage) -> (manager, startup, application): an agreement signed at that stage."""
    def make(stage: str = "incubation", call=None):
        call = call or create_call(stage=stage, budget=500_000_000)
        startup = create_user("applicant")
        application = create_application(startup, call)
        application.state, application.submitted_at = "reviewed", utcnow()  # as if reviewed
        db.session.commit()
        manager = manager_of(call)
        applications.act(manager, application.id, "approve", {"version": 1, "amount": 30_000_000})
        funding.set_agreement(manager, application.id, {"amount": 30_000_000, "tranches": [
            {"milestone": "All of it", "amount": 30_000_000, "due_on": DUE}]})
        applications.act(manager, application.id, "sign_agreement", {"version": 3})
        return manager, startup, db.session.get(Application, application.id)

    return make


def test_a_final_report_without_a_finished_pilot_is_refused_at_incubation(signed):
    manager, startup, application = signed("incubation")
    with pytest.raises(Invalid, match="pilot must be finished"):
        applications.act(startup, application.id, "submit_final_report",
                         {"version": 4, "report": "Done"})
    with pytest.raises(Invalid, match="pilot's plan first"):
        applications.act(manager, application.id, "start_pilot", {"version": 4})
    pilots.save_pilot(manager, application.id, PLAN)
    applications.act(manager, application.id, "start_pilot", {"version": 4})
    with pytest.raises(Invalid, match="results and verdict first"):
        applications.act(manager, application.id, "finish_pilot", {"version": 5})
    pilots.save_pilot(manager, application.id, RESULTS)
    applications.act(manager, application.id, "finish_pilot", {"version": 5})
    done = applications.act(startup, application.id, "submit_final_report",
                            {"version": 6, "report": "Our final report"})
    assert done.state == "final_evaluation"
    changes = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "set_pilot").order_by(AuditEvent.seq)).all()[-1].payload["changes"]
    assert changes == {"results": [None, "Water use down 24%"], "verdict": [None, "passed"]}


def test_a_final_report_is_accepted_at_pre_incubation_which_has_no_pilot(signed):
    manager, startup, application = signed("pre_incubation")
    done = applications.act(startup, application.id, "submit_final_report",
                            {"version": 4, "report": "Prototype works"})
    assert done.state == "final_evaluation"
    with pytest.raises(Conflict):  # no pilot at this stage
        pilots.save_pilot(manager, db.session.get(Application, application.id).id, PLAN)


def test_the_evaluation_must_be_recorded_and_agree_with_the_decision(signed):
    manager, startup, application = signed("pre_incubation")
    applications.act(startup, application.id, "submit_final_report",
                     {"version": 4, "report": "Prototype works"})
    with pytest.raises(Invalid, match="evaluation first"):
        applications.act(manager, application.id, "pass_evaluation", {"version": 5})
    pilots.save_evaluation(manager, application.id,
                           {"score": 55, "verdict": "failed", "comment": "Too early"})
    with pytest.raises(Invalid, match="verdict says otherwise"):
        applications.act(manager, application.id, "pass_evaluation", {"version": 5})
    with pytest.raises(Invalid) as bad:
        pilots.save_evaluation(manager, application.id, {"score": 101, "verdict": "maybe"})
    assert set(bad.value.errors) == {"score", "verdict"}
    pilots.save_evaluation(manager, application.id,
                           {"score": 82, "verdict": "passed", "comment": "Convincing"})
    assert applications.act(manager, application.id, "pass_evaluation",
                            {"version": 5}).state == "completed"
    with pytest.raises(Conflict):  # decided: the evaluation no longer changes
        pilots.save_evaluation(manager, application.id, {"score": 10, "verdict": "failed"})


def test_only_the_programmes_managers_record_pilots_and_evaluations(
        signed, create_user, create_call, manager_of, api):
    manager, startup, application = signed("incubation")
    with pytest.raises(Forbidden):
        pilots.save_pilot(startup, application.id, PLAN)
    with pytest.raises(Forbidden):
        pilots.save_pilot(create_user("auditor", application.call.programme), application.id,
                          PLAN)
    with pytest.raises(NotFound):
        pilots.save_pilot(manager_of(create_call()), application.id, PLAN)
    as_manager = api(manager)
    bad = as_manager.put(f"/applications/{application.id}/pilot",
                         json=PLAN | {"ends_on": "2026-01-01", "verdict": "great"})
    assert bad.status_code == 422
    good = as_manager.put(f"/applications/{application.id}/pilot", json=PLAN)
    assert good.status_code == 200 and good.get_json()["host_partner"] == PLAN["host_partner"]
    assert api(startup).put(f"/applications/{application.id}/evaluation",
                            json={"score": 1, "verdict": "passed"}).status_code == 403


def completed(signed, stage="pre_incubation"):
    manager, startup, application = signed(stage)
    applications.act(startup, application.id, "submit_final_report",
                     {"version": 4, "report": "Prototype works"})
    pilots.save_evaluation(manager, application.id, {"score": 80, "verdict": "passed"})
    applications.act(manager, application.id, "pass_evaluation", {"version": 5})
    return manager, startup, application


def test_promotion_creates_one_linked_draft_in_the_next_stages_call_and_tells_the_startup(
        signed, create_call):
    manager, startup, application = completed(signed)
    target = create_call(application.call.programme, stage="incubation")
    promoted = applications.act(manager, application.id, "promote",
                                {"version": 6, "target_call_id": target.id})
    assert promoted.state == "promoted"
    draft = db.session.scalars(select(Application).where(
        Application.promoted_from_id == application.id)).one()
    assert (draft.call_id, draft.project_id, draft.state) == (
        target.id, application.project_id, "draft")
    mail = db.session.scalars(select(Notification).where(
        Notification.message == "promotion_notice")).one()
    assert mail.context["url"] == f"/applications/{draft.id}"
    # the startup opens and edits its new draft
    assert applications.get_application(startup, draft.id).entity.id == draft.id
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "application", AuditEvent.entity_id == draft.id,
        AuditEvent.action == "create")).one()
    assert event.payload["promoted_from_id"] == application.id


@pytest.mark.parametrize("case", ["wrong stage", "closed", "missing"])
def test_promotion_refuses_a_call_of_the_wrong_stage_or_a_closed_one(signed, create_call, case):
    manager, _startup, application = completed(signed)
    programme = application.call.programme
    target_id = {
        "wrong stage": lambda: create_call(programme, stage="acceleration").id,
        "closed": lambda: create_call(programme, stage="incubation",
                                      opens_in=timedelta(days=-30),
                                      closes_in=timedelta(days=-1)).id,
        "missing": lambda: 999_999,
    }[case]()
    with pytest.raises(Invalid) as refused:
        applications.act(manager, application.id, "promote",
                         {"version": 6, "target_call_id": target_id})
    assert {"wrong stage": "goes on to", "closed": "is not open",
            "missing": "No such call"}[case] in refused.value.detail
    assert db.session.scalars(select(Application).where(
        Application.promoted_from_id == application.id)).all() == []


def test_the_project_page_shows_its_path_to_its_startup_and_staff_only(
        signed, create_call, create_user, login, client, api):
    manager, startup, application = completed(signed)
    target = create_call(application.call.programme, stage="incubation")
    applications.act(manager, application.id, "promote",
                     {"version": 6, "target_call_id": target.id})
    path = api(startup).get(f"/projects/{application.project_id}")
    assert path.status_code == 200
    steps = path.get_json()["steps"]
    assert [(s["stage"], s["state"]) for s in steps] == [
        ("pre_incubation", "promoted"), ("incubation", "draft")]
    assert steps[0]["awarded_amount"] == 30_000_000 and steps[0]["evaluation_score"] == 80
    assert steps[1]["promoted_from_id"] == application.id
    # the programme's staff see the submitted stages; others nothing
    staff = api(manager).get(f"/projects/{application.project_id}").get_json()["steps"]
    assert [s["stage"] for s in staff] == ["pre_incubation"]
    assert api(create_user("applicant")).get(
        f"/projects/{application.project_id}").status_code == 404
    login(startup)
    page = client.get(f"/projects/{application.project_id}")
    assert page.status_code == 200 and application.project.title.encode() in page.data
    with pytest.raises(NotFound):
        projects.path(create_user("applicant"), application.project_id)


def test_the_managers_pages_record_the_pilot_and_the_evaluation_keeping_what_was_typed(
        signed, login, client):
    manager, startup, application = signed("incubation")
    login(manager)
    page = client.get(f"/applications/{application.id}")
    assert b"pilot-form" in page.data
    bad = client.post(f"/applications/{application.id}/pilot",
                      data=PLAN | {"ends_on": "2026-12-01", "starts_on": "2027-01-01"})
    assert bad.status_code == 422 and "Hợp tác xã Tân Phú".encode() in bad.data
    assert client.post(f"/applications/{application.id}/pilot", data=PLAN).status_code == 302
    login(startup)  # the startup reads it, and has no form
    page = client.get(f"/applications/{application.id}")
    assert "Hợp tác xã Tân Phú".encode() in page.data and b"pilot-form" not in page.data
    assert client.post(f"/applications/{application.id}/pilot", data=PLAN).status_code == 403


def test_a_reviewer_does_not_read_the_projects_path_and_odd_ids_are_refused_cleanly(
        signed, submitted_application, reviewers_of, api, login, client):
    from grants.operations import reviews

    manager, _startup, application = completed(signed)
    judged = submitted_application(application.call)
    [reviewer] = reviewers_of(application.call)
    assignment = reviews.assign(manager, judged.id, {"reviewer_id": reviewer.id})
    reviews.declare(reviewer, assignment.id, {"conflict": False})
    assert api(reviewer).get(f"/applications/{judged.id}").status_code == 200
    assert api(reviewer).get(f"/projects/{judged.project_id}").status_code == 404
    login(manager)
    assert client.get("/projects/99999999999999999999").status_code == 404
    with pytest.raises(Invalid):
        applications.act(manager, application.id, "promote",
                         {"version": 6, "target_call_id": 2**40})
