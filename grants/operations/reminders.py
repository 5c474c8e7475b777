"""Reminders: a draft whose call closes within three days gets one mail to its startup's team.

`flask --app grants outbox remind` runs `queue_draft_reminders` (daily, from cron or a systemd
timer). A draft is reminded once: the run inserts a `draft_reminder` row per draft, keyed by
the application, with INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING, and writes the mails
for exactly the rows it inserted, in the same transaction. A second run finds the rows and
skips those drafts; two runs at once (two servers) cannot both insert the same key: on
PostgreSQL the second waits for the first's commit and then skips, on SQLite the run takes the
single write lock up front (BEGIN IMMEDIATE) and the second run goes after it.
"""

from datetime import datetime, timedelta

from sqlalchemy import Insert, and_, exists, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from grants import audit, outbox
from grants.extensions import db
from grants.models import Application, Call, DraftReminder, Project, utcnow
from grants.operations.applications import KIND, MEMBERS
from grants.operations.core import transaction
from grants.operations.workflow import workflows

AHEAD = timedelta(days=3)  # remind when the call closes within this


def _initial_states() -> list[str]:
    """The state a new application starts in, for every application workflow the app runs."""
    return sorted({definition.initial for definition in workflows().registry.all()
                   if definition.entity == KIND.name})


def _insert(now: datetime) -> Insert:
    """INSERT the drafts due for a reminder and not reminded yet; RETURNING their ids."""
    due = (select(Application.id, literal(now, DraftReminder.reminded_at.type))
           .join(Call, Call.id == Application.call_id)
           .where(Application.state.in_(_initial_states()),
                  Application.submitted_at.is_(None),
                  and_(Call.closes_at > now, Call.closes_at <= now + AHEAD),
                  ~exists().where(DraftReminder.application_id == Application.id)))
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return (dialect.insert(DraftReminder)
            .from_select(["application_id", "reminded_at"], due)
            .on_conflict_do_nothing(index_elements=["application_id"])
            .returning(DraftReminder.application_id))


def queue_draft_reminders(now: datetime | None = None) -> int:
    """Queue one reminder mail per member for every draft whose call closes within three days
    and that was not reminded before; return how many drafts were reminded."""
    now = now or utcnow()
    db.session.commit()  # start a transaction of our own: on SQLite it takes the write lock
    with transaction():
        db.session.connection(execution_options={"sqlite_immediate": True})
        ids = sorted(db.session.scalars(_insert(now)).all())
        if not ids:
            return 0
        rows = db.session.execute(
            select(Application.id, Project.title, Project.organization_id, Call.title,
                   Call.closes_at)
            .join(Project, Project.id == Application.project_id)
            .join(Call, Call.id == Application.call_id)
            .where(Application.id.in_(ids)).order_by(Application.id)).all()
        for application_id, title, organization_id, call_title, closes_at in rows:
            outbox.enqueue_to(MEMBERS, "draft_reminder", {
                "application_id": application_id, "title": title, "call_title": call_title,
                "closes_at": audit.to_json_value(closes_at),
                "url": f"/applications/{application_id}"},
                params={"organization_id": organization_id},
                entity_type=KIND.name, entity_id=application_id)
    return len(ids)
