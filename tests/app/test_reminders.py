"""`flask --app grants outbox remind`: one reminder per draft whose call closes within three
days, to every member of the startup, once, however often and from however many servers it
runs."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import DraftReminder, Membership, Notification, utcnow
from grants.operations import applications, reminders


def reminders_to() -> list[tuple[int, str]]:
    return sorted(db.session.execute(
        select(Notification.entity_id, Notification.recipient_email)
        .where(Notification.message == "draft_reminder")).all())


@pytest.fixture
def startup(create_user, create_organization):
    owner = create_user("applicant", email="owner@example.org")
    member = create_user("applicant", email="member@example.org")
    organization = create_organization(owner)
    db.session.add(Membership(organization_id=organization.id, user_id=member.id))
    db.session.commit()
    return owner, organization


def test_a_draft_whose_call_closes_within_three_days_reminds_every_member_once(
        app, startup, create_call, create_application):
    owner, organization = startup
    call = create_call(closes_in=timedelta(days=2, hours=23))
    draft = create_application(owner, call, organization)
    runner = app.test_cli_runner()

    first = runner.invoke(args=["outbox", "remind"])
    assert first.exit_code == 0, first.output
    assert "Reminders queued for 1 draft application." in first.output
    assert "Reminders queued for 0 open reviews." in first.output  # (test_assignments.py)
    assert reminders_to() == [(draft.id, "member@example.org"), (draft.id, "owner@example.org")]
    mail = db.session.scalars(select(Notification)).first()
    assert mail.context["title"] == "Smart irrigation"
    assert mail.context["call_title"] == call.title and mail.context["closes_at"]

    second = runner.invoke(args=["outbox", "remind"])
    assert "Reminders queued for 0 draft applications." in second.output
    assert len(reminders_to()) == 2
    assert db.session.get(DraftReminder, draft.id) is not None


def test_no_reminder_for_a_submitted_application_or_a_call_closing_later_or_closed(
        startup, create_call, create_application):
    owner, organization = startup
    soon = create_call(closes_in=timedelta(days=1))
    submitted = create_application(owner, soon, organization, title="Submitted")
    applications.act(owner, submitted.id, "submit", {"version": 1})
    withdrawn = create_application(owner, soon, organization, title="Gone")
    applications.act(owner, withdrawn.id, "withdraw", {"version": 1})
    create_application(owner, create_call(closes_in=timedelta(days=3, minutes=5)),
                       organization, title="Later")
    create_application(owner, create_call(opens_in=timedelta(days=-10),
                                          closes_in=timedelta(days=1)),
                       organization, title="Still a draft")
    closed_call = create_call(closes_in=timedelta(days=1))
    closed = create_application(owner, closed_call, organization, title="Closed")

    now = utcnow()
    closed_call.closes_at = now - timedelta(minutes=1)
    db.session.commit()

    assert reminders.queue_draft_reminders(now) == 1
    titles = db.session.scalars(select(Notification.context)
                                .where(Notification.message == "draft_reminder")).all()
    assert {t["title"] for t in titles} == {"Still a draft"}
    assert db.session.get(DraftReminder, closed.id) is None


def test_a_draft_reminded_once_is_not_reminded_again_when_its_call_is_extended(
        startup, create_call, create_application):
    owner, organization = startup
    call = create_call(closes_in=timedelta(days=1))
    create_application(owner, call, organization)
    assert reminders.queue_draft_reminders() == 1
    call.closes_at = call.closes_at + timedelta(days=1)
    db.session.commit()
    assert reminders.queue_draft_reminders() == 0
    assert len(reminders_to()) == 2


def test_nothing_to_remind_queues_nothing(app, startup, create_call, create_application):
    owner, organization = startup
    create_application(owner, create_call(closes_in=timedelta(days=20)), organization)
    result = app.test_cli_runner().invoke(args=["outbox", "remind"])
    assert "Reminders queued for 0 draft applications." in result.output
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_an_inactive_member_gets_no_reminder(startup, create_call, create_application):
    owner, organization = startup
    member = db.session.scalar(select(Membership).where(Membership.user_id != owner.id))
    from grants.models import User

    db.session.get(User, member.user_id).active = False
    db.session.commit()
    create_application(owner, create_call(closes_in=timedelta(days=1)), organization)
    assert reminders.queue_draft_reminders() == 1
    assert [email for _, email in reminders_to()] == ["owner@example.org"]


def test_two_runs_at_the_same_moment_remind_each_draft_once(app, startup, create_call,
                                                           create_application):
    owner, organization = startup
    call = create_call(closes_in=timedelta(days=1))
    for n in range(10):
        create_application(owner, call, organization, title=f"Draft {n}")
    counts: list[int] = []
    barrier = threading.Barrier(4)

    def run():
        with app.app_context():
            barrier.wait()
            counts.append(reminders.queue_draft_reminders())
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 10
    assert len(reminders_to()) == 20  # two members, ten drafts, once each
