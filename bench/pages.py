"""BRIEF §9, flat scale: every list page and list endpoint at growing numbers of applications,
in one run: median time per request, SQL statements per request, and the ratio of the largest
size to the smallest (target: at most 1.5).

    python bench/pages.py [--sizes 1000,10000,100000] [--audit-events 1000000] [--repeat 15]
                          [--database-url URL]

Without --database-url it uses a fresh SQLite file per size. A PostgreSQL URL must point to an
empty database that may be wiped. The data is the demo programme plus `demo seed`'s bulk
applications (spread over many startups and over the workflow's states; the demo startup, whose
lists are measured, owns one in ten). `--audit-events N` adds N events to the audit chain at
the largest size only, so its ratio is against the smallest size without them.
"""

import argparse
import os
import statistics
import time

from common import fresh_app
from sqlalchemy import event, select

from grants import demo
from grants.extensions import db
from grants.models import Application, Call, Membership, User

# name -> (who, path); {call} and {application} are filled in per size
PAGES = {
    "GET /my (startup)": ("startup", "/my"),
    "GET /manage/calls": ("manager", "/manage/calls"),
    "GET /manage/calls/<id> (queue)": ("manager", "/manage/calls/{call}"),
    "GET /manage/calls/<id>?q= (search)": ("manager", "/manage/calls/{call}?q=Project%201"),
    "GET /manage/programmes/<id> (desk)": ("manager", "/manage/programmes/{programme}"),
    "GET /manage/programmes/<id>?needs=1&q=": (
        "manager", "/manage/programmes/{programme}?needs=1&q=Project%201"),
    "GET /applications/<id>": ("manager", "/applications/{application}"),
    "GET /calls (public list)": ("startup", "/calls"),
    "API applications (startup)": ("startup", "/api/v1/applications"),
    "API applications (manager)": ("manager", "/api/v1/applications?call_id={call}"),
    "API history": ("manager", "/api/v1/applications/{application}/history"),
    "GET /applications/<id>/documents": ("manager", "/applications/{application}/documents"),
    "API documents": ("manager", "/api/v1/applications/{application}/documents"),
    "API calls": ("startup", "/api/v1/calls"),
    "GET /admin/users": ("admin", "/admin/users"),
    "GET /organizations/<id> (team)": ("startup", "/organizations/{organization}"),
    "API members": ("startup", "/api/v1/organizations/{organization}/members"),
    "GET /review (reviewer's desk)": ("reviewer", "/review"),
    "API assignments (reviewer)": ("reviewer", "/api/v1/assignments"),
    "GET /review/calls/<id>/ranking": ("manager", "/review/calls/{call}/ranking"),
    "API ranking": ("manager", "/api/v1/calls/{call}/ranking"),
    "GET /programmes/<id>/ledger": ("manager", "/programmes/{programme}/ledger"),
    "API ledger (programme)": ("manager", "/api/v1/programmes/{programme}/ledger"),
    "API tranches": ("manager", "/api/v1/applications/{application}/tranches"),
    "GET /activities": ("startup", "/activities"),
    "API activities (programme)": ("startup", "/api/v1/programmes/{programme}/activities"),
    "GET /showcase": ("startup", "/showcase"),
    "API showcase": ("startup", "/api/v1/showcase"),
    "GET /mentors (network)": ("manager", "/mentors"),
    "API mentors": ("manager", "/api/v1/mentors"),
    "GET /mentorships (mentor)": ("mentor", "/mentorships"),
    "GET /mentorships/<id>": ("mentor", "/mentorships/{mentorship}"),
    "API sessions": ("mentor", "/api/v1/mentorships/{mentorship}/sessions"),
    "GET /projects/<id> (mentor)": ("mentor", "/projects/{project}"),
    "API project (manager)": ("manager", "/api/v1/projects/{project}"),
    "GET /audit (the log)": ("auditor", "/audit"),
    "GET /audit?entity_type=&entity_id=": (
        "auditor", "/audit?entity_type=application&entity_id={application}"),
    "GET /audit/applications/<id>": ("auditor", "/audit/applications/{application}"),
    "API audit events": ("auditor", "/api/v1/audit/events"),
    "GET /programmes/<id>/kpis": ("manager", "/programmes/{programme}/kpis"),
    "API programme (progress)": ("manager", "/api/v1/programmes/{programme}"),
    "GET /programmes/<id>/report.csv": ("manager", "/programmes/{programme}/report.csv"),
    "GET /programmes/<id>/payments.csv": ("manager", "/programmes/{programme}/payments.csv"),
}
LOGINS = {"startup": ("startup@demo.local", "demo-startup"),
          "manager": ("manager@demo.local", "demo-manager"),
          "admin": ("admin@demo.local", "demo-admin"),
          "reviewer": ("reviewer@demo.local", "demo-reviewer"),
          "mentor": ("mentor@demo.local", "demo-mentor"),
          "auditor": ("auditor@demo.local", "demo-auditor")}


def mentored_project() -> tuple[int, int]:
    """The demo mentor matched to a funded project, cleared, with a few sessions: (the match's
    id, the project's id)."""
    from grants.models import utcnow
    from grants.operations import accounts, activities, mentors
    from grants.operations.core import LOCAL

    project_id = db.session.scalar(
        select(Application.project_id).join(Call, Call.id == Application.call_id)
        .where(activities.funded()).order_by(Application.id).limit(1))
    manager = accounts.user_by_email(LOGINS["manager"][0])
    mentor = accounts.user_by_email(LOGINS["mentor"][0])
    match = mentors.match(manager, project_id, {"mentor_id": mentor.id})
    mentors.declare(mentor, match.id, {"conflict": False})
    today = utcnow().astimezone(LOCAL).date().isoformat()
    for n in range(5):
        mentors.log_session(mentor, match.id, {"held_on": today, "topic": f"Buổi {n}",
                                               "notes": "Ghi chú của buổi cố vấn"})
    return match.id, project_id



def measure(app, size: int, repeat: int, events: int = 0) -> dict[str, tuple[float, int]]:
    """Seed `size` applications (and `events` audit events), then time each page through the
    test client. Requests run outside any app context of ours, each in its own, as in
    production."""
    from grants.operations import accounts

    with app.app_context():
        demo.seed()
        demo.bulk_applications(size)
        demo.bulk_audit_events(events)
        call_id = db.session.scalar(
            select(Application.call_id).group_by(Application.call_id)
            .order_by(db.func.count().desc()).limit(1)) or db.session.scalar(select(Call.id))
        application_id = db.session.scalar(select(db.func.max(Application.id)))
        programme_id = db.session.scalar(select(Call.programme_id).where(Call.id == call_id))
        mentorship_id, project_id = mentored_project()
        organization_id = db.session.scalar(
            select(db.func.min(Membership.organization_id)).join(User)
            .where(User.email == LOGINS["startup"][0]))
        tokens = {who: accounts.create_token(accounts.user_by_email(email), "bench")
                  for who, (email, _password) in LOGINS.items()}
        engine = db.engine
    clients = {}
    for who, (email, password) in LOGINS.items():
        clients[who] = app.test_client()
        response = clients[who].post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, (who, response.status_code)
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(statement)

    results = {}
    event.listen(engine, "before_cursor_execute", count)
    try:
        for name, (who, template) in PAGES.items():
            path = template.format(call=call_id, application=application_id,
                                   organization=organization_id, programme=programme_id,
                                   mentorship=mentorship_id, project=project_id)
            headers = ({"Authorization": f"Bearer {tokens[who]}"}
                       if path.startswith("/api/") else {})
            times = []
            for turn in range(repeat + 2):
                seen.clear()
                start = time.perf_counter()
                response = clients[who].get(path, headers=headers)
                elapsed = time.perf_counter() - start
                assert response.status_code == 200, (name, response.status_code)
                if turn >= 2:  # two warm-up requests
                    times.append(elapsed)
            results[name] = (statistics.median(times), len(seen))
    finally:
        event.remove(engine, "before_cursor_execute", count)
        engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--audit-events", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", default=os.environ.get("GRANTS_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    by_size = {}
    for size in sizes:
        app = fresh_app(args.database_url, "pages", DEMO_MODE=True, WTF_CSRF_ENABLED=False)
        by_size[size] = measure(app, size, args.repeat,
                                args.audit_events if size == sizes[-1] else 0)
    dialect = "postgresql" if (args.database_url or "").startswith("postgresql") else "sqlite"
    print(f"database: {dialect}; median of {args.repeat} requests; ms (statements); "
          f"{args.audit_events:,} audit events at {sizes[-1]:,}")
    print("page".ljust(34) + "".join(f"{size:>16,}" for size in sizes) + "     ratio")
    for name in PAGES:
        cells = "".join(f"{by_size[s][name][0] * 1000:>10.1f} ({by_size[s][name][1]:>2})"
                        for s in sizes)
        ratio = by_size[sizes[-1]][name][0] / by_size[sizes[0]][name][0]
        print(name.ljust(34) + cells + f"   {ratio:>6.2f}")


if __name__ == "__main__":
    main()
