"""The programme decides on reviewed applications: approve with an award within the cap and the
remaining budget, waitlist, or reject with a reason; the startup is told in each member's
language."""

import pytest
from sqlalchemy import select

from grants import outbox
from grants.extensions import db
from grants.models import Membership, Notification, utcnow
from grants.operations import Forbidden, Invalid, NotFound, applications


@pytest.fixture
def reviewed(create_user, create_call, create_application, manager_of):
    """reviewed(call=None, **kw) -> (manager, application) of a reviewed application whose
    startup has two members: one reading Vietnamese, one English."""
    def make(call=None, **kw):
        call = call or create_call(**kw)
        owner = create_user("applicant", name="Nguyễn Thị Hoa")
        colleague = create_user("applicant", name="Jane Tran")
        owner.locale, colleague.locale = "vi", "en"
        application = create_application(owner, call)
        db.session.add(Membership(organization_id=application.project.organization_id,
                                  user_id=colleague.id))
        application.state, application.submitted_at = "reviewed", utcnow()  # as if reviewed
        db.session.commit()
        return manager_of(call), application

    return make


def mails_about(application) -> dict[str, list[tuple[str, str]]]:
    """Per message, each recipient's (locale, text) as rendered for them."""
    found: dict[str, list[tuple[str, str]]] = {}
    for row in db.session.scalars(select(Notification).where(
            Notification.entity_id == application.id).order_by(Notification.id)):
        mail = outbox.render(row.message, row.locale, row.context)
        found.setdefault(row.message, []).append((row.locale, mail.subject + "\n" + mail.text))
    return found


def test_an_approval_tells_every_member_the_award_in_their_language(reviewed):
    manager, application = reviewed()
    applications.act(manager, application.id, "approve", {"version": 1, "amount": 35_000_000})
    [(vi, vi_text), (en, en_text)] = sorted(mails_about(application)["award_notice"],
                                            reverse=True)
    assert (vi, en) == ("vi", "en")
    assert "35.000.000 ₫" in vi_text and "được phê duyệt" in vi_text
    assert "35,000,000 ₫" in en_text and "approved" in en_text
    assert applications.reference(application) in en_text


def test_a_rejection_gives_the_reason_and_a_waitlisting_says_what_happens_next(
        reviewed, create_call):
    call = create_call(share_review_comments=True)
    manager, rejected = reviewed(call)
    _, waiting = reviewed(call)
    applications.act(manager, rejected.id, "reject",
                     {"version": 1, "reason": "The market is not yet shown"})
    applications.act(manager, waiting.id, "waitlist", {"version": 1})
    texts = dict(mails_about(rejected)["rejection_notice"])
    assert "The market is not yet shown" in texts["en"] and "not selected" in texts["en"]
    assert "reviewers' comments" in texts["en"]  # the call shares them
    assert "waiting list" in dict(mails_about(waiting)["waitlist_notice"])["en"]


def test_an_award_above_the_cap_or_the_remaining_budget_is_refused_with_the_figures(
        reviewed, create_call):
    call = create_call(budget=50_000_000, cap_per_project=40_000_000)
    manager, first = reviewed(call)
    _, second = reviewed(call)
    with pytest.raises(Invalid) as over_cap:
        applications.act(manager, first.id, "approve", {"version": 1, "amount": 45_000_000})
    assert "45.000.000" in over_cap.value.detail and "40.000.000" in over_cap.value.detail
    applications.act(manager, first.id, "approve", {"version": 1, "amount": 30_000_000})
    with pytest.raises(Invalid) as over_budget:
        applications.act(manager, second.id, "approve", {"version": 1, "amount": 25_000_000})
    # 50 million budget − 30 million awarded = 20 million left
    assert "25.000.000" in over_budget.value.detail and "20.000.000" in over_budget.value.detail
    assert db.session.get(type(second), second.id).state == "reviewed"
    assert "award_notice" not in mails_about(second)


def test_the_api_refuses_an_award_over_the_cap_with_422_and_the_figures(reviewed, api):
    manager, application = reviewed()
    answer = api(manager).post(f"/applications/{application.id}/actions/approve",
                               json={"version": 1, "amount": 41_000_000})
    assert answer.status_code == 422
    assert "41,000,000" in answer.get_json()["detail"] or \
        "41.000.000" in answer.get_json()["detail"]
    bad = api(manager).post(f"/applications/{application.id}/actions/approve",
                            json={"version": 1, "amount": "many"})
    assert bad.status_code == 422 and "amount" in bad.get_json()["errors"]


def test_only_the_programmes_managers_decide(reviewed, create_user, create_call, manager_of):
    manager, application = reviewed()
    startup = db.session.get(type(manager), application.created_by_id)
    with pytest.raises(Forbidden):
        applications.act(startup, application.id, "approve", {"version": 1, "amount": 1})
    auditor = create_user("auditor", application.call.programme)
    with pytest.raises(Forbidden):
        applications.act(auditor, application.id, "reject", {"version": 1, "reason": "x"})
    other_manager = manager_of(create_call())  # another programme: does not see it
    with pytest.raises(NotFound):
        applications.act(other_manager, application.id, "waitlist", {"version": 1})


def test_the_decision_page_shows_the_request_the_cap_the_budget_left_and_the_reviews_mean(
        reviewed, create_call, login, client):
    call = create_call(budget=100_000_000, cap_per_project=40_000_000)
    manager, first = reviewed(call)
    _, second = reviewed(call)
    applications.act(manager, first.id, "approve", {"version": 1, "amount": 35_000_000})
    manager.locale = "en"
    db.session.commit()
    login(manager)
    page = client.get(f"/applications/{second.id}").get_data(as_text=True)
    # asked 30 million; cap 40 million; 100 − 35 = 65 million left
    assert "Requested 30,000,000 ₫ · cap 40,000,000 ₫ · left in the call's budget 65,000,000 ₫" \
        in page
    startup = db.session.get(type(manager), second.created_by_id)
    login(startup)
    assert "left in the call" not in client.get(f"/applications/{second.id}").get_data(
        as_text=True)


def test_each_decision_reaches_each_member_in_their_own_language(reviewed, create_call):
    call = create_call()
    manager, rejected = reviewed(call)
    _, waiting = reviewed(call)
    applications.act(manager, rejected.id, "reject",
                     {"version": 1, "reason": "Thị trường chưa rõ"})
    applications.act(manager, waiting.id, "waitlist", {"version": 1})
    rejection = dict(mails_about(rejected)["rejection_notice"])
    assert sorted(rejection) == ["en", "vi"]
    assert "không được chọn" in rejection["vi"] and "Thị trường chưa rõ" in rejection["vi"]
    assert "not selected" in rejection["en"]
    waitlisted = dict(mails_about(waiting)["waitlist_notice"])
    assert sorted(waitlisted) == ["en", "vi"]
    assert "danh sách chờ" in waitlisted["vi"] and "waiting list" in waitlisted["en"]
    assert applications.reference(waiting) in waitlisted["vi"]


def test_a_batch_rejection_from_the_desk_mails_each_startup_once_per_member(
        reviewed, create_call, login, client):
    call = create_call()
    manager, first = reviewed(call)
    _, second = reviewed(call)
    manager.locale = "en"
    db.session.commit()
    login(manager)
    page = client.post(f"/manage/calls/{call.id}/batch", data={
        "items": [f"{first.id}:1", f"{second.id}:1"], "action": "reject",
        "reason": "Too early for this stage", "confirmed": "1"})
    assert page.status_code == 200 and page.get_data(as_text=True).count("✓") == 2
    for application in (first, second):
        mails = mails_about(application)["rejection_notice"]
        assert sorted(locale for locale, _text in mails) == ["en", "vi"]
        assert all("Too early for this stage" in text for _locale, text in mails)
