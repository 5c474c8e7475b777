"""Each submission keeps a revision of what was sent; staff see what changed between two."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import ApplicationRevision, utcnow
from grants.operations import applications


@pytest.fixture
def resubmitted(create_user, create_call, create_application, manager_of):
    """An application submitted, returned for changes and resubmitted with a longer team
    description, a new amount and split, and another answer."""
    startup = create_user("applicant")
    call = create_call()
    application = create_application(startup, call)
    manager = manager_of(call)
    applications.act(startup, application.id, "submit", {"version": 1})
    applications.act(manager, application.id, "return_for_changes", {
        "version": 2, "reason": "Nói rõ hơn về đội ngũ",
        "revision_deadline": (utcnow() + timedelta(days=7)).isoformat()})
    applications.update_application(startup, application.id, {
        "version": 3, "team": "Two engineers, an agronomist and a sales lead",
        "requested_amount": 36_000_000, "budget": {"labour": 20_000_000, "other": 16_000_000},
        "answers": {"problem": "Water waste in the dry season"}})
    applications.act(startup, application.id, "resubmit", {"version": 4})
    return startup, manager, call, application


def kept(application_id: int) -> list[ApplicationRevision]:
    return list(db.session.scalars(select(ApplicationRevision).where(
        ApplicationRevision.application_id == application_id)
        .order_by(ApplicationRevision.number)))


def test_each_submission_keeps_a_numbered_revision_of_what_was_sent(resubmitted):
    _, _, _, application = resubmitted
    first, second = kept(application.id)
    assert (first.number, second.number) == (1, 2)
    assert first.data["team"] == "Two engineers and an agronomist"
    assert first.data["requested_amount"] == 30_000_000
    assert second.data["team"] == "Two engineers, an agronomist and a sales lead"
    assert second.data["budget"] == {"labour": 20_000_000, "other": 16_000_000}
    assert second.data["answers"]["problem"] == "Water waste in the dry season"
    assert second.submitted_at >= first.submitted_at


def test_a_refused_submission_keeps_no_revision(create_user, create_call, create_application):
    startup = create_user("applicant")
    application = create_application(startup, create_call(), complete=False)
    with pytest.raises(applications.Invalid):
        applications.act(startup, application.id, "submit", {"version": 1})
    assert kept(application.id) == []


def test_the_changes_name_each_changed_field_with_a_word_diff_for_long_text(
        resubmitted, english):
    _, _, call, application = resubmitted
    first, second = kept(application.id)
    changes = {c.label: c for c in applications.changes_between(first.data, second.data, call)}
    assert set(changes) == {"Team", "Requested amount (VND)", "Labour costs (VND)",
                            "Other costs (VND)", "Problem"}
    team = changes["Team"]
    assert "".join(text for kind, text in team.segments if kind != "added") == \
        "Two engineers and an agronomist"
    assert "".join(text for kind, text in team.segments if kind != "removed") == \
        "Two engineers, an agronomist and a sales lead"
    assert any(kind == "added" and "sales lead" in text for kind, text in team.segments)
    amount = changes["Requested amount (VND)"]
    assert (amount.old, amount.new, amount.segments) == ("30,000,000", "36,000,000", None)


def test_the_manager_sees_the_diff_on_the_application_page(
        resubmitted, client, login):
    _, manager, _, application = resubmitted
    login(manager)
    client.post("/language/en")
    page = client.get(f"/applications/{application.id}").text
    diff = page[page.index('id="revisions"'):page.index('id="history"')]
    assert "Submission 2 compared with submission 1" in diff
    assert "<del>30,000,000</del> → <ins>36,000,000</ins>" in diff
    assert "<ins>" in diff and "sales lead" in diff
    assert "Problem" in diff and "dry season" in diff


def test_an_auditor_sees_the_diff_and_the_startup_does_not(
        resubmitted, app, create_user, login, client):
    startup, _, call, application = resubmitted
    auditor = create_user("auditor", call.programme)
    login(auditor)
    assert 'id="revisions"' in client.get(f"/applications/{application.id}").text
    other = app.test_client()
    other.post("/login", data={"email": startup.email, "password": "correct horse battery"})
    page = other.get(f"/applications/{application.id}").text
    assert 'id="revisions"' not in page and 'id="timeline"' in page


def test_the_startup_follows_each_state_on_its_timeline_with_what_happens_next(
        create_user, create_call, create_application, manager_of, client, login):
    startup = create_user("applicant")
    call = create_call()
    application = create_application(startup, call)
    applications.act(startup, application.id, "submit", {"version": 1})
    applications.act(manager_of(call), application.id, "return_for_changes", {
        "version": 2, "reason": "Thêm số liệu",
        "revision_deadline": (utcnow() + timedelta(days=7)).isoformat()})
    login(startup)
    client.post("/language/en")
    page = client.get(f"/applications/{application.id}").text
    timeline = page[page.index('id="timeline"'):page.index("</ol>", page.index(
        'id="timeline"'))]
    assert [step in timeline for step in ("Started", "Submitted", "Changes requested")] == [
        True, True, True]
    assert timeline.index("Started") < timeline.index("Submitted") < timeline.index(
        "Changes requested")
    assert "Make the requested changes and resubmit before the revision deadline." in page


def test_a_submission_checks_eligibility_and_keeps_its_revision_in_eight_statements(
        create_user, create_call, create_application):
    """The engine's six, plus one query of the project's other applications (both
    eligibility guards read it) and the revision's INSERT, which numbers itself."""
    from test_query_counts import statements

    startup = create_user("applicant")
    application = create_application(startup, create_call())
    db.session.remove()
    with statements() as seen:
        applications.act(startup, application.id, "submit", {"version": 1})
    assert [" ".join(s.split()[:3]).upper() for s in seen] == [
        "SELECT APPLICATION.ID, APPLICATION.PROJECT_ID,",
        "SELECT APPLICATION.ID, APPLICATION.CALL_ID,", "INSERT INTO APPLICATION_REVISION",
        "UPDATE APPLICATION SET", "INSERT INTO STATE_COUNT",
        "SELECT AUDIT_HEAD.SEQ, AUDIT_HEAD.HASH", "INSERT INTO AUDIT_EVENT",
        "INSERT INTO NOTIFICATION"], seen
    assert [r.number for r in kept(application.id)] == [1]
