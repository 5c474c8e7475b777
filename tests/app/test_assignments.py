"""Managers assign reviewers (by hand and automatically), reviewers declare conflicts of
interest, and the review quorums gate start_review and close_review."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from grants import outbox
from grants.extensions import db
from grants.models import AuditEvent, Membership, Notification, Role, utcnow
from grants.models.reviews import ReviewAssignment
from grants.operations import Conflict, Forbidden, Invalid, NotFound, applications, reviews


@pytest.fixture
def setup(create_call, manager_of, submitted_application, reviewers_of):
    call = create_call()
    return call, manager_of(call), submitted_application(call), reviewers_of(call, 3)


def active_reviewers(application_id):
    return sorted(db.session.scalars(select(ReviewAssignment.reviewer_id).where(
        ReviewAssignment.application_id == application_id,
        ReviewAssignment.cancelled_at.is_(None))))


def test_a_manager_assigns_a_reviewer_who_is_mailed_and_it_is_audited(setup):
    call, manager, application, (reviewer, *_) = setup
    assignment = reviews.assign(manager, application.id, {"reviewer_id": reviewer.id})
    assert active_reviewers(application.id) == [reviewer.id]
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "review_assignment")).one()
    assert (event.action, event.actor_id, event.payload["reviewer_id"]) == (
        "assign", manager.id, reviewer.id)
    mail = db.session.scalars(select(Notification).where(
        Notification.recipient_id == reviewer.id)).one()
    assert mail.message == "review_assigned"
    assert mail.context["url"] == f"/review/assignments/{assignment.id}"


@pytest.mark.parametrize("locale, words", [
    ("vi", "Trân trọng mời"), ("en", "You have been asked to review")])
def test_the_assignment_mail_reads_well_in_both_languages(setup, locale, words):
    call, manager, application, (reviewer, *_) = setup
    reviews.assign(manager, application.id, {"reviewer_id": reviewer.id})
    row = db.session.scalars(select(Notification).where(
        Notification.recipient_id == reviewer.id)).one()
    mail = outbox.render(row.message, locale, row.context, name=reviewer.name)
    assert words in mail.text and words in mail.html
    assert application.project.title in mail.subject
    reference = applications.reference(application)  # the number the startup quotes too
    assert reference in mail.text and reference in mail.html


def test_removing_a_reviewer_mails_them_and_is_audited(setup):
    call, manager, application, (reviewer, *_) = setup
    assignment = reviews.assign(manager, application.id, {"reviewer_id": reviewer.id})
    reviews.unassign(manager, application.id, assignment.id)
    assert active_reviewers(application.id) == []
    assert [n.message for n in db.session.scalars(select(Notification).where(
        Notification.recipient_id == reviewer.id).order_by(Notification.id))] == [
        "review_assigned", "review_unassigned"]
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc())
                             .limit(1)) == "unassign"
    with pytest.raises(Conflict):
        reviews.unassign(manager, application.id, assignment.id)


def test_a_reviewer_is_never_assigned_twice_nor_after_recusing(setup, english):
    call, manager, application, (reviewer, *_) = setup
    assignment = reviews.assign(manager, application.id, {"reviewer_id": reviewer.id})
    with pytest.raises(Conflict):
        reviews.assign(manager, application.id, {"reviewer_id": reviewer.id})
    reviews.declare(reviewer, assignment.id, {"conflict": True, "reason": "My cousin's firm"})
    with pytest.raises(Conflict, match="recused"):
        reviews.assign(manager, application.id, {"reviewer_id": reviewer.id})


def test_a_member_of_the_applicant_organization_cannot_be_assigned(setup):
    call, manager, application, (reviewer, *_) = setup
    db.session.add(Membership(organization_id=application.project.organization_id,
                              user_id=reviewer.id))
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        reviews.assign(manager, application.id, {"reviewer_id": reviewer.id})
    assert "reviewer_id" in refused.value.errors
    assert active_reviewers(application.id) == []


def test_only_reviewers_of_the_programme_can_be_assigned(setup, create_user, create_programme):
    call, manager, application, _ = setup
    elsewhere = create_user(Role.REVIEWER.value, create_programme())
    applicant = create_user("applicant")
    for user in (elsewhere, applicant):
        with pytest.raises(Invalid):
            reviews.assign(manager, application.id, {"reviewer_id": user.id})


def test_those_who_do_not_manage_the_call_may_not_assign(setup, create_user, create_programme):
    call, manager, application, (reviewer, other, _) = setup
    startup = db.session.get(type(reviewer), application.created_by_id)
    with pytest.raises(Forbidden):  # the applicant sees the application but may not assign
        reviews.assign(startup, application.id, {"reviewer_id": reviewer.id})
    stranger = create_user(Role.MANAGER.value, create_programme())
    with pytest.raises(NotFound):  # a manager of another programme does not see it
        reviews.assign(stranger, application.id, {"reviewer_id": reviewer.id})
    with pytest.raises(NotFound):  # nor does a reviewer not assigned to it
        reviews.assign(other, application.id, {"reviewer_id": reviewer.id})
    assert active_reviewers(application.id) == []


def test_content_unlocks_only_after_declaring_no_conflict(setup):
    call, manager, application, (reviewer, *_) = setup
    assignment = reviews.assign(manager, application.id, {"reviewer_id": reviewer.id})
    with pytest.raises(NotFound):
        applications.get_application(reviewer, application.id)
    with pytest.raises(Conflict):
        reviews.save_review(reviewer, assignment.id, {"scores": {"market": 5}})
    reviews.declare(reviewer, assignment.id, {"conflict": False})
    seen = applications.get_application(reviewer, application.id)
    assert seen.roles == {"reviewer"}
    assert applications.allowed_actions(reviewer, seen) == []
    with pytest.raises(Conflict):  # one declaration per assignment
        reviews.declare(reviewer, assignment.id, {"conflict": True, "reason": "changed mind"})


def test_recusing_needs_a_reason_is_audited_and_leaves_a_gap(setup, english):
    call, manager, application, (reviewer, *_) = setup
    assignment = reviews.assign(manager, application.id, {"reviewer_id": reviewer.id})
    with pytest.raises(Invalid) as refused:
        reviews.declare(reviewer, assignment.id, {"conflict": True})
    assert "reason" in refused.value.errors
    reviews.declare(reviewer, assignment.id, {"conflict": True, "reason": "I advise them"})
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (event.action, event.reason) == ("recuse", "I advise them")
    with pytest.raises(NotFound):
        applications.get_application(reviewer, application.id)
    [load] = [x for x in reviews.loads(call) if x.reviewer.id == reviewer.id]
    assert load.assigned == 0  # a recusal does not count: the application needs another


def test_another_reviewers_assignment_is_not_found(setup):
    call, manager, application, (reviewer, other, _) = setup
    assignment = reviews.assign(manager, application.id, {"reviewer_id": reviewer.id})
    for action in (lambda: reviews.declare(other, assignment.id, {"conflict": False}),
                   lambda: reviews.save_review(other, assignment.id, {})):
        with pytest.raises(NotFound):
            action()


def test_start_review_needs_the_quorum_of_non_recused_reviewers(setup, english):
    call, manager, application, (first, second, third) = setup  # the call's quorum is 2
    a = reviews.assign(manager, application.id, {"reviewer_id": first.id})
    reviews.assign(manager, application.id, {"reviewer_id": second.id})
    reviews.declare(first, a.id, {"conflict": True, "reason": "former employer"})
    with pytest.raises(Invalid, match="2 reviewers are needed"):
        applications.act(manager, application.id, "start_review", {"version": 2})
    reviews.assign(manager, application.id, {"reviewer_id": third.id})
    moved = applications.act(manager, application.id, "start_review", {"version": 2})
    assert moved.state == "in_review"


def test_close_review_needs_submitted_reviews_and_cancels_the_open_ones(setup, english):
    call, manager, application, reviewers = setup
    made = [reviews.assign(manager, application.id, {"reviewer_id": r.id}) for r in reviewers]
    applications.act(manager, application.id, "start_review", {"version": 2})
    full = {"scores": {"innovation": 8, "market": 6}, "recommendation": "yes", "submit": True}
    reviews.declare(reviewers[0], made[0].id, {"conflict": False})
    reviews.save_review(reviewers[0], made[0].id, full)
    with pytest.raises(Invalid, match="2 submitted reviews are needed; 1 are in"):
        applications.act(manager, application.id, "close_review", {"version": 3})
    reviews.declare(reviewers[1], made[1].id, {"conflict": False})
    reviews.save_review(reviewers[1], made[1].id, full)
    applications.act(manager, application.id, "close_review", {"version": 3})
    assert active_reviewers(application.id) == sorted(r.id for r in reviewers[:2])
    cancel = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cancel")).one()
    assert cancel.entity_id == made[2].id


def test_auto_assign_balances_load_and_honours_every_exclusion(
        create_call, manager_of, create_user, create_organization, create_application,
        reviewers_of):
    call = create_call()
    manager = manager_of(call)
    reviewers = reviewers_of(call, 15)
    rng = random.Random(8)
    owners = [create_user("applicant") for _ in range(20)]
    organizations = [create_organization(owner) for owner in owners]
    # five reviewers belong to applicant organizations
    for reviewer, organization in zip(reviewers[:5], organizations[:5], strict=True):
        db.session.add(Membership(organization_id=organization.id, user_id=reviewer.id))
    db.session.commit()
    apps = []
    for n in range(200):
        i = rng.randrange(20)
        app = create_application(owners[i], call, organization=organizations[i],
                                 title=f"Project {n}")
        apps.append(applications.act(owners[i], app.id, "submit", {"version": 1}))
    # some pairs recused before the run
    recused = set()
    for app in apps[:12]:
        reviewer = rng.choice(reviewers[5:])
        a = reviews.assign(manager, app.id, {"reviewer_id": reviewer.id})
        reviews.declare(reviewer, a.id, {"conflict": True, "reason": "knows the founders"})
        recused.add((app.id, reviewer.id))

    made = reviews.auto_assign(manager, call.id, {"per_application": 3})

    assert len(made) == 600
    rows = db.session.execute(select(ReviewAssignment.application_id,
                                     ReviewAssignment.reviewer_id, ReviewAssignment.declaration)
                              .where(ReviewAssignment.cancelled_at.is_(None))).all()
    active = [(a, r) for a, r, d in rows if d != "recused"]
    assert len(active) == len(set(active)) == 600  # never twice
    per_app = {}
    for a, r in active:
        per_app.setdefault(a, []).append(r)
    assert all(len(v) == 3 for v in per_app.values()) and len(per_app) == 200
    assert not recused & set(active)
    members = {(m.user_id, m.organization_id) for m in db.session.scalars(select(Membership))}
    org_of = {app.id: app.project.organization_id for app in apps}
    assert not [(a, r) for a, r in active if (r, org_of[a]) in members]
    load = [n for n in db.session.execute(
        select(func.count()).select_from(ReviewAssignment)
        .where(ReviewAssignment.cancelled_at.is_(None), ReviewAssignment.declaration != "recused")
        .group_by(ReviewAssignment.reviewer_id)).scalars()]
    assert len(load) == 15 and max(load) - min(load) <= 1, load
    assert db.session.scalar(select(func.count()).where(
        AuditEvent.entity_type == "review_assignment", AuditEvent.action == "assign")) == 612
    # a second run finds nothing to do
    assert reviews.auto_assign(manager, call.id, {"per_application": 3}) == []


def test_auto_assign_is_for_the_calls_managers(setup, create_user, create_programme):
    call, manager, application, (reviewer, *_) = setup
    for user in (reviewer, create_user(Role.MANAGER.value, create_programme())):
        with pytest.raises(Forbidden):
            reviews.auto_assign(user, call.id, {"per_application": 2})
    with pytest.raises(Invalid):
        reviews.auto_assign(manager, call.id, {"per_application": 0})
    assert active_reviewers(application.id) == []


def test_the_reviewers_desk_and_queue_issue_as_many_statements_for_3_as_for_30(
        create_call, manager_of, submitted_application, reviewers_of, api, login, client):
    call = create_call()
    manager = manager_of(call)
    [reviewer] = reviewers_of(call)
    other = create_call(programme=call.programme)
    queue = api(reviewer)
    login(reviewer)

    def grow(n: int) -> tuple[int, int]:
        for i in range(n):
            application = submitted_application(call if i % 2 else other)
            a = reviews.assign(manager, application.id, {"reviewer_id": reviewer.id})
            if i % 3:
                reviews.declare(reviewer, a.id, {"conflict": False})
            if i % 3 == 1:
                reviews.save_review(reviewer, a.id, {"scores": {"market": 3}})
        counts = []
        for get, path in ((client.get, "/review"), (queue.get, "/assignments")):
            db.session.remove()
            seen = []

            def count(_conn, _cursor, statement, *_args, seen=seen):
                if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
                    seen.append(statement)

            event.listen(db.engine, "before_cursor_execute", count)
            try:
                assert get(path).status_code == 200
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
            counts.append(len(seen))
        return tuple(counts)

    small = grow(3)
    assert grow(27) == small


def test_a_recusal_shows_as_a_gap_on_the_managers_ranking_page(setup, login, client):
    call, manager, application, (first, second, third) = setup  # quorum 2
    a = reviews.assign(manager, application.id, {"reviewer_id": first.id})
    reviews.assign(manager, application.id, {"reviewer_id": second.id})
    assert reviews.gaps(call) == []
    reviews.declare(first, a.id, {"conflict": True, "reason": "Shareholder"})
    [gap] = reviews.gaps(call)
    assert (gap.application_id, gap.reviewers, gap.recused) == (application.id, 1, 1)
    login(manager)
    page = client.get(f"/review/calls/{call.id}/ranking")
    assert f'/review/applications/{application.id}"'.encode() in page.data
    reviews.assign(manager, application.id, {"reviewer_id": third.id})
    assert reviews.gaps(call) == []


def test_reviewers_with_open_reviews_are_reminded_once_two_days_before_the_deadline(setup):
    call, manager, application, (first, second, third) = setup
    made = [reviews.assign(manager, application.id, {"reviewer_id": r.id})
            for r in (first, second, third)]
    reviews.declare(first, made[0].id, {"conflict": False})
    reviews.save_review(first, made[0].id, {"scores": {"innovation": 5, "market": 5},
                                            "recommendation": "no", "submit": True})
    reviews.declare(second, made[1].id, {"conflict": True, "reason": "Investor"})
    now = utcnow()
    call.review_deadline = now + timedelta(days=3)
    db.session.commit()
    assert reviews.remind_reviewers(now) == 0  # three days away: not yet
    assert reviews.remind_reviewers(now + timedelta(days=1, hours=1)) == 1
    assert reviews.remind_reviewers(now + timedelta(days=1, hours=2)) == 0  # once
    [mail] = db.session.scalars(select(Notification).where(
        Notification.message == "review_reminder")).all()
    assert mail.recipient_id == third.id  # not the one who submitted, nor the one who recused
    text = outbox.render(mail.message, "en", mail.context, name=third.name).text
    assert "is due before" in text
