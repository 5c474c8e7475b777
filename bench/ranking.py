"""The ranking of a call at 2,000 applications (6,000 reviews) against 200 (600 reviews): the
first page of the API (50 rows), the page, and the whole ranking (the CSV download): median
time and SQL statements; the ratios per row last (target: within 1.5×; the query is linear).

    python bench/ranking.py [--sizes 200,2000] [--repeat 15] [--database-url URL]

Without --database-url it uses a fresh SQLite file per size; a PostgreSQL URL must point to an
empty database that may be wiped.
"""

import argparse
import os
import random
import statistics
import time
from datetime import timedelta

from common import fresh_app
from sqlalchemy import event, func, insert, select

from grants.extensions import db
from grants.models import (
    SYSTEM,
    Application,
    Organization,
    Programme,
    Project,
    RoleGrant,
    User,
    utcnow,
)
from grants.models.reviews import Review, ReviewAssignment

PASSWORD = "bench-manager-password"


def seed(size: int) -> tuple[int, str]:
    """A call with `size` submitted applications, three submitted reviews each, spread over
    size / 10 reviewers; returns the call's id and a manager's token."""
    from datetime import date

    from grants.operations import accounts, calls

    programme = Programme(title="Bench", starts_on=date(2024, 1, 1), ends_on=date(2030, 1, 1))
    db.session.add(programme)
    db.session.commit()
    now = utcnow()
    call = calls.create_call(SYSTEM, {
        "programme_id": programme.id, "stage": "pre_incubation", "title": "Bench call",
        "opens_at": (now - timedelta(days=30)).isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat(), "budget": 10**12,
        "rubric": {"pass_threshold": 60, "criteria": [
            {"key": "team", "name": "Team", "weight": 3, "max_score": 5},
            {"key": "market", "name": "Market", "weight": 1, "max_score": 10}]}})
    manager = accounts.create_user("manager@bench.local", "Manager", PASSWORD, "manager",
                                   programme.id)
    state = calls.definition(call).action("submit").dest
    rng = random.Random(size)
    reviewers = max(size // 10, 3)
    org = db.session.execute(insert(Organization).returning(Organization.id),
                             [{"name": "Bulk", "field": "fintech"}]).scalar_one()
    first_user = db.session.scalar(select(func.max(User.id))) + 1
    db.session.execute(insert(User), [{"email": f"r{i}@bench.local", "name": f"R{i}",
                                       "password_hash": "x"} for i in range(reviewers)])
    users = list(range(first_user, first_user + reviewers))
    db.session.execute(insert(RoleGrant), [
        {"user_id": u, "role": "reviewer", "programme_id": programme.id} for u in users])
    db.session.execute(insert(Project), [
        {"organization_id": org, "title": f"Project {i}", "summary": "", "field": "fintech"}
        for i in range(size)])
    db.session.execute(insert(Application), [
        {"project_id": i + 1, "call_id": call.id, "state": state, "version": 2, "answers": {},
         "requested_amount": 1, "created_by_id": manager.id, "submitted_at": now}
        for i in range(size)])
    pairs = [(i + 1, users[(3 * i + k) % reviewers]) for i in range(size) for k in range(3)]
    db.session.execute(insert(ReviewAssignment), [
        {"application_id": a, "call_id": call.id, "reviewer_id": r, "assigned_at": now,
         "declaration": "no_conflict"} for a, r in pairs])
    db.session.execute(insert(Review), [
        {"assignment_id": n + 1, "scores": {}, "score": rng.randrange(101), "comment": "",
         "recommendation": "yes", "version": 1, "updated_at": now, "submitted_at": now}
        for n in range(len(pairs))])
    db.session.commit()
    return call.id, accounts.create_token(manager, "bench")


def measure(app, size: int, repeat: int) -> dict[str, tuple[float, int]]:
    with app.app_context():
        call_id, token = seed(size)
        engine = db.engine
    api = app.test_client()
    page = app.test_client()
    assert page.post("/login", data={"email": "manager@bench.local",
                                     "password": PASSWORD}).status_code == 302
    requests = {
        "API ranking, first page": (api, f"/api/v1/calls/{call_id}/ranking",
                                    {"Authorization": f"Bearer {token}"}),
        "ranking page": (page, f"/review/calls/{call_id}/ranking", {}),
        "whole ranking (CSV)": (page, f"/review/calls/{call_id}/ranking.csv", {}),
    }
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(statement)

    results = {}
    event.listen(engine, "before_cursor_execute", count)
    try:
        for name, (client, path, headers) in requests.items():
            times = []
            for turn in range(repeat + 2):
                seen.clear()
                start = time.perf_counter()
                response = client.get(path, headers=headers)
                elapsed = time.perf_counter() - start
                assert response.status_code == 200, (name, response.status_code)
                if turn >= 2:
                    times.append(elapsed)
            results[name] = (statistics.median(times), len(seen))
    finally:
        event.remove(engine, "before_cursor_execute", count)
        engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", default=os.environ.get("GRANTS_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    small, large = (int(s) for s in args.sizes.split(","))
    by_size = {}
    for size in (small, large):
        app = fresh_app(args.database_url, f"ranking{size}", WTF_CSRF_ENABLED=False)
        by_size[size] = measure(app, size, args.repeat)
    dialect = "postgresql" if (args.database_url or "").startswith("postgresql") else "sqlite"
    print(f"database: {dialect}; median of {args.repeat} requests; ms (statements); "
          f"{small:,} applications / {3 * small:,} reviews against {large:,} / {3 * large:,}")
    print("request".ljust(28) + f"{small:>16,}{large:>16,}")
    for name in by_size[small]:
        print(name.ljust(28) + "".join(
            f"{by_size[s][name][0] * 1000:>10.1f} ({by_size[s][name][1]:>2})"
            for s in (small, large)))
    page = by_size[large]["API ranking, first page"][0] / \
        by_size[small]["API ranking, first page"][0]
    whole = by_size[large]["whole ranking (CSV)"][0] / by_size[small]["whole ranking (CSV)"][0]
    rows = large / small
    print(f"first page time {page:.2f}x for {rows:.0f}x the rows: each page aggregates the "
          f"whole call in one linear query")
    print(f"ratio {large:,} / {small:,} per row (target: at most 1.5): first page "
          f"{page / rows:.2f}, whole ranking {whole / rows:.2f}")

if __name__ == "__main__":
    main()
