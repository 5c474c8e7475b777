"""BRIEF §9, engine overhead: one action through the engine (load, role, guards, state, audit
hash, commit) against the same UPDATE + INSERT + COMMIT issued by hand, in one run.

    python bench/engine_overhead.py [--actions 500] [--database-url URL]

Without --database-url (or GRANTS_BENCH_DATABASE_URL) it uses a fresh SQLite file. A PostgreSQL
URL must point to an empty database that may be wiped (its tables are dropped and recreated).
Prints both times per action and their ratio; the target is a ratio of at most 1.5.
"""

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, insert, select, text

from grants import create_app
from grants.extensions import db
from grants.models import SYSTEM, Application, Membership, Project, User
from grants.operations import accounts, applications, calls, organizations


def prepare(count: int) -> tuple[User, list[int]]:
    """A call, a startup and 2 × count complete drafts."""
    db.drop_all()
    db.create_all()
    startup = accounts.create_user("bench@example.org", "Bench", "bench password", "applicant")
    from grants.models import Programme

    programme = Programme(title="Bench", starts_on=datetime(2024, 1, 1).date(),
                          ends_on=datetime(2028, 12, 31).date())
    db.session.add(programme)
    db.session.commit()
    now = datetime.now(UTC)
    call = calls.create_call(SYSTEM, {
        "programme_id": programme.id, "stage": "pre_incubation", "title": "Bench call",
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat(), "budget": 10**12,
        "questions": [{"key": "problem", "label": "Problem", "required": True}],
        "rubric": {"pass_threshold": 50, "criteria": [
            {"key": "x", "name": "X", "weight": 1, "max_score": 10}]}})
    organization = organizations.create_organization(startup, {"name": "Org", "field": "fintech"})
    assert db.session.get(Membership, {"organization_id": organization.id, "user_id": startup.id})
    project_ids = db.session.scalars(
        insert(Project).returning(Project.id, sort_by_parameter_order=True),
        [{"organization_id": organization.id, "title": f"P{i}", "summary": "s",
          "field": "fintech", "created_at": now} for i in range(2 * count)]).all()
    ids = db.session.scalars(
        insert(Application).returning(Application.id, sort_by_parameter_order=True),
        [{"project_id": p, "call_id": call.id, "state": "draft", "version": 1,
          "answers": {"problem": "p"}, "requested_amount": 1_000_000, "team": "t",
          "budget": {"labour": 600_000, "other": 400_000},
          "milestones": [{"milestone": "m", "month": 1, "deliverable": "d"}],
          "created_by_id": startup.id, "created_at": now} for p in project_ids]).all()
    db.session.commit()
    return startup, list(ids)


def statements_per_action(startup: User, application_id: int) -> list[str]:
    """The SQL statements one action issues (BEGIN and COMMIT are not statements here)."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(" ".join(statement.split())[:160])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        applications.act(startup, application_id, "submit", {"version": 1})
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return seen


def through_engine(startup: User, ids: list[int]) -> float:
    start = time.perf_counter()
    for application_id in ids:
        applications.act(startup, application_id, "submit", {"version": 1})
    return time.perf_counter() - start


def by_hand(actor_id: int, ids: list[int]) -> float:
    update = text("UPDATE application SET state = 'submitted', version = version + 1, "
                  "submitted_at = :now WHERE id = :id")
    append = text("INSERT INTO audit_event (seq, occurred_at, actor_id, actor_role, entity_type, "
                  "entity_id, action, from_state, to_state, payload, prev_hash, hash) VALUES "
                  "(:seq, :now, :actor, 'applicant', 'application', :id, 'submit', 'draft', "
                  "'submitted', '{}', :h, :h)")
    seq = db.session.scalar(select(db.func.max(text("seq"))).select_from(text("audit_event")))
    start = time.perf_counter()
    for offset, application_id in enumerate(ids, start=1):
        now = datetime.now(UTC).replace(tzinfo=None)
        db.session.execute(update, {"now": now, "id": application_id})
        db.session.execute(append, {"seq": seq + 10**9 + offset, "now": now, "actor": actor_id,
                                    "id": application_id, "h": "0" * 64})
        db.session.commit()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=500)
    parser.add_argument("--database-url", default=os.environ.get("GRANTS_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        startup, ids = prepare(args.actions)
        engine_ids, hand_ids = ids[0::2], ids[1::2]  # interleaved: same table shape for both
        statements = statements_per_action(startup, engine_ids[0])
        through_engine(startup, engine_ids[1:20])  # warm up both paths
        by_hand(startup.id, hand_ids[:20])
        engine_time = through_engine(startup, engine_ids[20:])
        hand_time = by_hand(startup.id, hand_ids[20:])
        n = len(engine_ids) - 20
        if db.engine.dialect.name == "postgresql":  # leave the database as it was: empty
            db.session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
            db.session.commit()
        db.session.remove()
        db.drop_all()
        print(f"database:        {db.engine.dialect.name}")
        print(f"actions:         {n} each way")
        print(f"through engine:  {engine_time / n * 1000:.3f} ms per action")
        print(f"by hand:         {hand_time / n * 1000:.3f} ms per action")
        print(f"statements:      {len(statements)} per action through the engine, 2 by hand")
        print(f"ratio:           {engine_time / hand_time:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
