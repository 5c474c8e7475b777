"""Funding: the agreement's tranches, the tranche workflow with four eyes, the ledger, and the
milestone-report reminders."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Application, AuditEvent, Notification, Tranche, User, utcnow
from grants.operations import Conflict, Forbidden, Invalid, NotFound, applications, funding, ledger

pytestmark = pytest.mark.usefixtures("english")  # messages outside a request, in English

SOON = (date.today() + timedelta(days=30)).isoformat()
LATER = (date.today() + timedelta(days=120)).isoformat()
PLAN = [{"milestone": "Prototype in three farms", "amount": 10_000_000, "due_on": SOON},
        {"milestone": "Sales to ten cooperatives", "amount": 20_000_000, "due_on": LATER}]


@pytest.fixture
def approved(create_user, create_call, create_application, manager_of):
    """approved(call=None, amount=30 million) -> (manager, startup, application) approved."""
    def make(call=None, amount: int = 30_000_000):
        call = call or create_call(budget=100_000_000)
        startup = create_user("applicant")
        application = create_application(startup, call)
        application.state, application.submitted_at = "reviewed", utcnow()  # as if reviewed
        db.session.commit()
        manager = manager_of(call)
        applications.act(manager, application.id, "approve", {"version": 1, "amount": amount})
        return manager, startup, db.session.get(Application, application.id)

    return make


@pytest.fixture
def active(approved, create_user):
    """(manager, second manager, startup, application, tranches) of a signed agreement."""
    manager, startup, application = approved()
    funding.set_agreement(manager, application.id, {"amount": 30_000_000, "tranches": PLAN})
    applications.act(manager, application.id, "sign_agreement", {"version": 3})
    second = create_user("manager", application.call.programme)
    tranches = db.session.scalars(select(Tranche).where(
        Tranche.application_id == application.id).order_by(Tranche.number)).all()
    return manager, second, startup, application, tranches


def test_the_agreement_sets_tranches_summing_to_the_award_then_signing_makes_it_active(
        approved):
    manager, _startup, application = approved()
    with pytest.raises(Invalid, match="Set the agreement's tranches first"):
        applications.act(manager, application.id, "sign_agreement", {"version": 2})
    funding.set_agreement(manager, application.id, {"amount": 30_000_000, "tranches": PLAN})
    done = applications.act(manager, application.id, "sign_agreement", {"version": 3})
    assert done.state == "active"
    rows = db.session.scalars(select(Tranche).where(Tranche.application_id == application.id)
                              .order_by(Tranche.number)).all()
    assert [(t.number, t.amount, t.state) for t in rows] == [
        (1, 10_000_000, "planned"), (2, 20_000_000, "planned")]
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "set_agreement")).one()
    assert event.payload["after"]["amount"] == 30_000_000
    assert [t["amount"] for t in event.payload["after"]["tranches"]] == [10_000_000, 20_000_000]


def test_tranches_not_summing_to_the_award_are_refused_with_the_figures(approved):
    manager, _startup, application = approved()
    short = [PLAN[0], PLAN[1] | {"amount": 15_000_000}]
    with pytest.raises(Invalid) as refused:
        funding.set_agreement(manager, application.id, {"amount": 30_000_000, "tranches": short})
    # 10 + 15 = 25 million, not 30
    assert "25,000,000" in refused.value.errors["tranches"]
    assert "30,000,000" in refused.value.errors["tranches"]
    assert db.session.scalar(select(func.count()).select_from(Tranche)) == 0


def test_the_agreement_is_refused_with_a_clear_error_for_bad_input_and_wrong_people(
        approved, create_user, api):
    manager, startup, application = approved()
    url = f"/applications/{application.id}/award"
    as_manager = api(manager)
    for body, field in [({"amount": "many", "tranches": PLAN}, "amount"),
                        ({"amount": 30_000_000, "tranches": []}, "tranches"),
                        ({"amount": 30_000_000, "tranches": [PLAN[0] | {"milestone": ""}]},
                         "tranches.0.milestone"),
                        ({"amount": 30_000_000, "tranches": [PLAN[0] | {"due_on": "2001-01-01"}]},
                         "tranches.0.due_on"),
                        ({"amount": 50_000_000, "tranches": [PLAN[0] | {"amount": 50_000_000}]},
                         "amount")]:
        answer = as_manager.put(url, json=body)
        assert answer.status_code == 422, (body, answer.get_json())
        assert field in answer.get_json()["errors"], (field, answer.get_json())
    assert api(startup).put(url, json={"amount": 30_000_000, "tranches": PLAN}).status_code == 403
    stranger = create_user("applicant")
    assert api(stranger).put(url, json={"amount": 30_000_000, "tranches": PLAN}
                             ).status_code == 404
    done = as_manager.put(url, json={"amount": 30_000_000, "tranches": PLAN})
    assert done.status_code == 200
    assert [t["amount"] for t in done.get_json()["items"]] == [10_000_000, 20_000_000]
    applications.act(manager, application.id, "sign_agreement", {"version": 3})
    signed = as_manager.put(url, json={"amount": 30_000_000, "tranches": PLAN})
    assert signed.status_code == 409  # signed: the agreement no longer changes


def test_a_tranche_is_requested_verified_released_by_another_manager_and_paid(active, api):
    manager, second, startup, application, (first, _) = active
    funding.act(startup, first.id, "request", {"version": 1, "report": "Sensors in 3 farms"})
    funding.act(manager, first.id, "verify", {"version": 2})
    # the verifier cannot release it, on the page's path nor through the API
    with pytest.raises(Invalid, match="another manager must release it"):
        funding.act(manager, first.id, "release", {"version": 3})
    refused = api(manager).post(f"/tranches/{first.id}/actions/release", json={"version": 3},
                                headers={"Accept-Language": "en"})
    assert refused.status_code == 422 and "four eyes" in refused.get_json()["detail"]
    funding.act(second, first.id, "release", {"version": 3})
    with pytest.raises(Invalid):
        funding.act(second, first.id, "mark_paid", {"version": 4})  # no payment reference
    paid = funding.act(second, first.id, "mark_paid",
                       {"version": 4, "payment_reference": "UNC-2026-0042"})
    assert (paid.state, paid.verified_by_id, paid.released_by_id, paid.payment_reference) == (
        "paid", manager.id, second.id, "UNC-2026-0042")
    # the tranche's events are in the application's history
    history = api(startup).get(f"/applications/{application.id}/history").get_json()["items"]
    assert [e["action"] for e in history if e["entity_type"] == "tranche"] == [
        "request", "verify", "release", "mark_paid"]
    assert len(db.session.scalars(select(AuditEvent).where(  # refusals leave no event
        AuditEvent.entity_type == "tranche")).all()) == 4
    messages = [n.message for n in db.session.scalars(select(Notification).where(
        Notification.entity_type == "tranche").order_by(Notification.id))]
    # managers (both) are told of the request; the startup of the release and the payment
    assert messages == ["tranche_requested"] * 2 + ["tranche_update"] * 2


def test_a_returned_request_goes_back_to_planned_with_the_reason_and_can_be_made_again(active):
    manager, _second, startup, _application, (first, _) = active
    funding.act(startup, first.id, "request", {"version": 1, "report": "Draft"})
    with pytest.raises(Invalid):
        funding.act(manager, first.id, "return", {"version": 2})  # a reason is required
    returned = funding.act(manager, first.id, "return",
                           {"version": 2, "reason": "Add the farms' signed reports"})
    assert returned.state == "planned"
    mail = db.session.scalars(select(Notification).where(
        Notification.message == "tranche_update")).first()
    assert mail.context["event"] == "sent_back"
    assert mail.context["reason"] == "Add the farms' signed reports"
    again = funding.act(startup, first.id, "request", {"version": 3, "report": "Complete"})
    assert (again.state, again.report) == ("requested", "Complete")


def test_who_may_do_what_on_a_tranche(active, create_user, create_call, manager_of, api):
    manager, _second, startup, application, (first, later) = active
    funding.act(startup, first.id, "request", {"version": 1, "report": "Done"})
    auditor = create_user("auditor", application.call.programme)
    with pytest.raises(Forbidden):
        funding.act(auditor, first.id, "verify", {"version": 2})  # reads, changes nothing
    assert api(auditor).get(f"/tranches/{first.id}").status_code == 200
    with pytest.raises(Forbidden):
        funding.act(manager, later.id, "request", {"version": 1, "report": "x"})
    with pytest.raises(Forbidden):
        funding.act(startup, first.id, "verify", {"version": 2})
    for stranger in (create_user("applicant"), manager_of(create_call()),
                     create_user("reviewer", application.call.programme)):
        with pytest.raises(NotFound):
            funding.act(stranger, first.id, "verify", {"version": 2})
        assert api(stranger).get(f"/tranches/{first.id}").status_code == 404
    bad = api(startup).post(f"/tranches/{later.id}/actions/request",
                            json={"version": "x", "report": 5})
    assert bad.status_code == 422
    assert api(startup).post(f"/tranches/{later.id}/actions/fly",
                             json={"version": 1}).status_code == 404


def test_terminating_returns_the_money_not_yet_released_and_only_that(active, api):
    manager, second, startup, application, (first, _) = active
    call = application.call
    before = ledger.of_call(call)
    assert (before.committed, before.released, before.paid) == (30_000_000, 0, 0)
    funding.act(startup, first.id, "request", {"version": 1, "report": "Done"})
    funding.act(manager, first.id, "verify", {"version": 2})
    funding.act(second, first.id, "release", {"version": 3})
    applications.act(manager, application.id, "terminate",
                     {"version": 4, "reason": "The team dissolved"})
    after = ledger.of_call(call)
    # 10 million released stays committed; the 20 million not released returns to the call
    assert (after.committed, after.released, after.paid) == (10_000_000, 10_000_000, 0)
    assert after.remaining == call.budget - 10_000_000
    answer = api(manager).get(f"/calls/{call.id}/ledger").get_json()
    assert (answer["committed"], answer["remaining"]) == (10_000_000, call.budget - 10_000_000)
    # nothing moves on a terminated agreement
    with pytest.raises(Invalid) as refused:
        funding.act(startup, _.id, "request", {"version": 1, "report": "Late"})
    assert refused.value.problems == [funding.agreement_in_force(
        type("Ctx", (), {"entity": db.session.get(Tranche, _.id)})())[0]]


def test_the_ledger_equals_sums_over_the_rows_it_summarises(
        approved, create_call, create_user, manager_of, api):
    call = create_call(budget=200_000_000)
    states = []
    for amount in (30_000_000, 25_000_000, 20_000_000, 15_000_000):
        manager, startup, application = approved(call, amount)
        half = amount // 2
        funding.set_agreement(manager, application.id, {"amount": amount, "tranches": [
            {"milestone": "First", "amount": half, "due_on": SOON},
            {"milestone": "Second", "amount": amount - half, "due_on": LATER}]})
        states.append((manager, startup, application))
    second = create_user("manager", call.programme)
    # the first two signed, one with a released tranche and one paid; the third terminated
    # after a release; the fourth still approved
    for manager, startup, application in states[:3]:
        applications.act(manager, application.id, "sign_agreement", {"version": 3})
        first = db.session.scalars(select(Tranche).where(
            Tranche.application_id == application.id, Tranche.number == 1)).one()
        funding.act(startup, first.id, "request", {"version": 1, "report": "Done"})
        funding.act(manager, first.id, "verify", {"version": 2})
        funding.act(second, first.id, "release", {"version": 3})
    paid = db.session.scalars(select(Tranche).where(
        Tranche.application_id == states[1][2].id, Tranche.number == 1)).one()
    funding.act(second, paid.id, "mark_paid", {"version": 4, "payment_reference": "UNC-1"})
    applications.act(states[2][0], states[2][2].id, "terminate", {"version": 4, "reason": "x"})

    # independently, from the rows
    rows = db.session.scalars(select(Application).where(Application.call_id == call.id)).all()
    tranches = db.session.scalars(select(Tranche).join(Application).where(
        Application.call_id == call.id)).all()
    released = sum(t.amount for t in tranches if t.released_at is not None)
    paid_sum = sum(t.amount for t in tranches if t.paid_at is not None)
    terminated = {a.id for a in rows if a.state == "terminated"}
    committed = sum(a.awarded_amount for a in rows if a.id not in terminated) + sum(
        t.amount for t in tranches if t.application_id in terminated and t.released_at)
    computed = ledger.of_call(call)
    assert (computed.committed, computed.released, computed.paid) == (
        committed, released, paid_sum)
    # 30 + 25 + 15 in force, and 10 of the terminated 20: 80 million; released 15 + 12.5 + 10
    assert (committed, released, paid_sum) == (80_000_000, 37_500_000, 12_500_000)
    programme = api(states[0][0]).get(f"/programmes/{call.programme_id}/ledger").get_json()
    assert programme["total"]["committed"] == committed
    assert programme["total"]["remaining"] == call.budget - committed


def test_a_programmes_ledger_is_shown_only_to_its_staff(active, create_user, api):
    _manager, _second, startup, application, _ = active
    url = f"/programmes/{application.call.programme_id}/ledger"
    assert api(startup).get(url).status_code == 404
    assert api(create_user("auditor", application.call.programme)).get(url).status_code == 200


def test_the_startup_is_reminded_once_a_week_before_a_milestone_report_is_due(active):
    _manager, _second, _startup, _application, (first, second_tranche) = active
    now = utcnow()
    first.due_on = (now + timedelta(days=5)).date()
    db.session.commit()
    assert funding.remind_reports(now) == 1
    assert funding.remind_reports(now) == 0  # once
    mail = db.session.scalars(select(Notification).where(
        Notification.message == "tranche_update")).one()
    assert (mail.context["event"], mail.entity_id) == ("report_due", first.id)
    assert db.session.get(Tranche, second_tranche.id).reminded_at is None  # due in 120 days


def test_outbox_remind_reminds_the_milestone_reports_due_within_a_week(active, app):
    _manager, _second, _startup, _application, (first, _) = active
    first.due_on = (utcnow() + timedelta(days=3)).date()
    db.session.commit()
    runner = app.test_cli_runner()
    assert "Reminders queued for 1 milestone report." in runner.invoke(
        args=["outbox", "remind"]).output
    assert "Reminders queued for 0 milestone reports." in runner.invoke(
        args=["outbox", "remind"]).output


def test_the_tranche_mails_read_well_in_both_languages(active):
    from grants import outbox

    manager, second, startup, _application, (first, _) = active
    funding.act(startup, first.id, "request", {"version": 1, "report": "Done"})
    funding.act(manager, first.id, "verify", {"version": 2})
    funding.act(second, first.id, "release", {"version": 3})
    funding.act(second, first.id, "mark_paid", {"version": 4, "payment_reference": "UNC-7"})
    rows = db.session.scalars(select(Notification).where(
        Notification.entity_type == "tranche").order_by(Notification.id)).all()
    for row in rows:
        for locale in ("vi", "en"):
            mail = outbox.render(row.message, locale, row.context)
            assert "Prototype in three farms" in mail.text or "UNC-7" in mail.text
    paid = outbox.render(rows[-1].message, "en", rows[-1].context)
    assert "UNC-7" in paid.text and "10,000,000 ₫" in paid.text and "paid" in paid.subject
    assert isinstance(db.session.get(User, startup.id), User)


def test_the_pages_set_the_agreement_and_move_a_tranche_with_four_eyes(
        approved, create_user, login, client):
    manager, startup, application = approved()
    login(manager)
    page = client.get(f"/applications/{application.id}")
    assert b"agreement-form" in page.data
    form = {"amount": "30.000.000", "tranche-0-milestone": "Prototype",
            "tranche-0-amount": "10.000.000", "tranche-0-due_on": SOON,
            "tranche-1-milestone": "Sales", "tranche-1-amount": "15.000.000",
            "tranche-1-due_on": LATER}
    short = client.post(f"/applications/{application.id}/agreement", data=form)
    assert short.status_code == 422
    assert b"15.000.000" in short.data  # what was typed is still there
    done = client.post(f"/applications/{application.id}/agreement",
                       data=form | {"tranche-1-amount": "20.000.000"})
    assert done.status_code == 302
    applications.act(manager, application.id, "sign_agreement", {"version": 3})
    first = db.session.scalars(select(Tranche).where(Tranche.application_id == application.id,
                                                     Tranche.number == 1)).one()
    login(startup)
    assert b'id="tranche-1"' in client.get(f"/applications/{application.id}").data
    asked = client.post(f"/tranches/{first.id}/actions/request",
                        data={"version": 1, "report": "Sensors installed"})
    assert asked.status_code == 302
    login(manager)
    assert client.post(f"/tranches/{first.id}/actions/verify",
                       data={"version": 2}).status_code == 302
    refused = client.post(f"/tranches/{first.id}/actions/release", data={"version": 3})
    assert refused.status_code == 422
    assert db.session.get(Tranche, first.id).state == "verified"
    login(create_user("manager", application.call.programme))
    assert client.post(f"/tranches/{first.id}/actions/release",
                       data={"version": 3}).status_code == 302
    assert db.session.get(Tranche, first.id).state == "released"
    login(create_user("applicant"))  # another startup
    assert client.post(f"/tranches/{first.id}/actions/mark_paid",
                       data={"version": 4, "payment_reference": "x"}).status_code == 404


def test_the_ledger_page_shows_each_call_and_the_total_to_the_programmes_staff(
        active, login, client, create_user):
    manager, _second, startup, application, _ = active
    login(manager)
    page = client.get(f"/programmes/{application.call.programme_id}/ledger")
    assert page.status_code == 200 and application.call.title.encode() in page.data
    login(startup)
    assert client.get(f"/programmes/{application.call.programme_id}/ledger").status_code == 404


def test_once_signed_the_startup_uploads_milestone_evidence_and_nothing_else(active, client,
                                                                             login):
    import io

    from grants.operations import documents

    manager, _second, startup, application, _ = active
    upload = type("Upload", (), {"filename": "farm-photos.pdf",
                                 "stream": io.BytesIO(b"%PDF-1.7\n%%EOF\n")})()
    document = documents.upload(startup, application.id, documents.MILESTONE, upload)
    assert document.kind == documents.MILESTONE
    again = type("Upload", (), {"filename": "plan.pdf",
                                "stream": io.BytesIO(b"%PDF-1.7\n%%EOF\n")})()
    with pytest.raises(Conflict):  # the application itself is no longer edited
        documents.upload(startup, application.id, "other", again)
    with pytest.raises(Forbidden):
        documents.upload(manager, application.id, documents.MILESTONE, again)
    login(startup)
    page = client.get(f"/applications/{application.id}/documents").get_data(as_text=True)
    assert 'id="kind-milestone_evidence"' in page and "farm-photos.pdf" in page
