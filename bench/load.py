"""Load and faults: two gunicorn servers on one PostgreSQL, many clients for a bounded time with
a mix of reads and conflicting writes, one server killed with SIGKILL in the middle and
restarted; then the invariants.

    python bench/load.py [--seconds 30] [--clients 16] [--workers 2]

The mix: reads (calls, lists, an application), drafts edited and submitted by two clients at
once (one of each pair must be refused with 409, never both let through), managers racing to
approve more awards than the call's budget holds, and tranches taken through request, verify,
release (four eyes: the verifier may not release) and payment by whoever gets there first.
Half-way through, one server's whole process group gets SIGKILL; it is restarted a second
later. Clients go round the servers; a request cut by the kill counts as dropped, not as an
answer.

Then it checks, and exits 1 if any fails:
- no 5xx answer (a killed process answers nothing: its requests are dropped);
- no lost update: every write a client saw acknowledged is in the database, and every
  application's version is one more than the changes its audit events record;
- no call's awards exceed its budget; every agreement's tranches add up to its award and no
  more is released than awarded;
- every mail of the outbox is delivered exactly once, by two senders running at once against
  a local SMTP server;
- the audit chain verifies.

Needs PostgreSQL: GRANTS_BENCH_DATABASE_URL (wiped), default
postgresql+psycopg://root@127.0.0.1:5432/grants_load (created when missing).
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import timedelta
from pathlib import Path

from common import fresh_app
from serving import free_port

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgresql+psycopg://root@127.0.0.1:5432/grants_load"
AWARD = 30_000_000
RACERS = 15  # reviewed applications racing for the budget's room for three awards
FUNDED = 5  # agreements whose tranches go through the four-eyes path
DRAFTS = 12


def create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (name,)).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def seed(url: str) -> dict:
    """The world: a call whose budget holds the funded agreements and three more awards, two
    managers, startups with drafts, reviewed applications and signed agreements."""
    from grants.extensions import db
    from grants.models import SYSTEM, Application, Programme, Tranche, utcnow
    from grants.operations import accounts, applications, calls, funding, organizations

    app = fresh_app(url, "load", SECOND_FACTOR_REQUIRED=False)
    with app.app_context():
        db.session.execute(db.text(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h) ON CONFLICT DO NOTHING"),
            {"h": "0" * 64})
        db.session.commit()
        programme = Programme(title="Load", starts_on=utcnow().date() - timedelta(days=30),
                              ends_on=utcnow().date() + timedelta(days=900))
        db.session.add(programme)
        db.session.commit()
        now = utcnow()
        call = calls.create_call(SYSTEM, {
            "programme_id": programme.id, "stage": "incubation", "title": "Load call",
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(),
            "budget": (FUNDED + 3) * AWARD, "cap_per_project": 40_000_000,
            "review_quorum": 1, "questions": [{"key": "problem", "label": "Problem",
                                               "required": True}],
            "rubric": {"pass_threshold": 60, "criteria": [
                {"key": "all", "name": "All", "weight": 100, "max_score": 10}]}})
        password = "load test password 1"
        managers = [accounts.create_user(f"manager{n}@load.test", f"Manager {n}", password,
                                         "manager", programme.id) for n in (1, 2)]
        tokens = {"managers": [accounts.create_token(m, "load") for m in managers]}

        def startup(n: int, title: str) -> tuple[str, Application]:
            user = accounts.create_user(f"startup{n}@load.test", f"Startup {n}", password,
                                        "applicant")
            organization = organizations.create_organization(user, {
                "name": f"Startup {n}", "field": "fintech",
                "registration_number": f"03{n:08d}", "founded_on": "2023-05-01"})
            application = applications.create_application(user, {
                "call_id": call.id, "requested_amount": AWARD,
                "project": {"title": title, "summary": "Sensors", "field": "fintech",
                            "organization_id": organization.id},
                "answers": {"problem": "Water"}, "team": "Two engineers",
                "budget": {"labour": AWARD // 2, "other": AWARD // 2},
                "milestones": [{"milestone": "Prototype", "month": 3,
                                "deliverable": "Sensors in 3 farms"}]})
            return accounts.create_token(user, "load"), application

        drafts, racers, funded = [], [], []
        for n in range(DRAFTS):
            token, application = startup(n, f"Draft {n}")
            drafts.append({"id": application.id, "token": token})
        for n in range(DRAFTS, DRAFTS + RACERS + FUNDED):
            token, application = startup(n, f"Reviewed {n}")
            application.state, application.submitted_at = "reviewed", utcnow()
            db.session.commit()
            if n < DRAFTS + RACERS:
                racers.append(application.id)
                continue
            applications.act(managers[0], application.id, "approve",
                             {"version": 1, "amount": AWARD})
            funding.set_agreement(managers[0], application.id, {"amount": AWARD, "tranches": [
                {"milestone": "First", "amount": AWARD // 2, "due_on": "2030-01-01"},
                {"milestone": "Second", "amount": AWARD // 2, "due_on": "2030-06-01"}]})
            applications.act(managers[0], application.id, "sign_agreement", {"version": 3})
            for tranche in db.session.scalars(
                    db.select(Tranche).where(Tranche.application_id == application.id)):
                funded.append({"id": tranche.id, "token": token})
        world = {"call_id": call.id, "budget": call.budget, "tokens": tokens,
                 "drafts": drafts, "racers": racers, "tranches": funded}
        db.engine.dispose()
    return world


class Servers:
    """Two gunicorn servers on their own ports, each in its own process group."""

    def __init__(self, url: str, workers: int):
        self.env = os.environ | {"GRANTS_DATABASE_URL": url, "SECRET_KEY": "load",
                                 "GRANTS_SECOND_FACTOR_REQUIRED": "0"}
        self.workers = workers
        self.ports = [free_port(), free_port()]
        self.processes = [self._start(port) for port in self.ports]

    def _start(self, port: int) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind",
             f"127.0.0.1:{port}", "--log-level", "error", "wsgi:app"],
            cwd=ROOT, env=self.env, start_new_session=True)
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                return process
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"the server on {port} did not start")

    def kill_and_restart(self, index: int) -> float:
        """SIGKILL to the server's whole process group (master and workers), a second's
        pause, a new server on the same port; returns the seconds it was down."""
        began = time.monotonic()
        os.killpg(self.processes[index].pid, signal.SIGKILL)
        self.processes[index].wait()
        time.sleep(1)
        self.processes[index] = self._start(self.ports[index])
        return time.monotonic() - began

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)

    def base(self) -> str:
        return f"http://127.0.0.1:{random.choice(self.ports)}/api/v1"


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.dropped = 0
        self.acknowledged: Counter = Counter()  # application id -> writes answered 2xx
        self.conflicts = 0
        self.errors: list[str] = []

    def note(self, status: int, what: str, application_id: int | None = None) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status >= 500:
                self.errors.append(f"{status} on {what}")
            if status == 409:
                self.conflicts += 1
            if application_id is not None and 200 <= status < 300:
                self.acknowledged[application_id] += 1


def call(servers: Servers, tally: Tally, method: str, path: str, token: str,
         body: dict | None = None, application_id: int | None = None) -> dict | None:
    request = urllib.request.Request(
        servers.base() + path, method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            tally.note(answer.status, f"{method} {path}", application_id)
            return json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        tally.note(error.code, f"{method} {path}")
        error.read()
        return None
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        with tally.lock:
            tally.dropped += 1
        return None


def client(servers: Servers, world: dict, tally: Tally, stop: threading.Event,
           seed_value: int) -> None:
    rnd = random.Random(seed_value)
    managers = world["tokens"]["managers"]
    while not stop.is_set():
        roll = rnd.random()
        if roll < 0.45:  # reads
            manager = rnd.choice(managers)
            path = rnd.choice(["/calls", "/applications", f"/calls/{world['call_id']}",
                               f"/applications/{rnd.choice(world['racers'])}"])
            call(servers, tally, "GET", path, manager)
        elif roll < 0.65:  # a draft edited or submitted, with the version read
            draft = rnd.choice(world["drafts"])
            seen = call(servers, tally, "GET", f"/applications/{draft['id']}", draft["token"])
            if not seen:
                continue
            if rnd.random() < 0.7:
                call(servers, tally, "PATCH", f"/applications/{draft['id']}", draft["token"],
                     {"version": seen["version"], "team": f"Team {rnd.random():.6f}"},
                     draft["id"])
            else:
                call(servers, tally, "POST", f"/applications/{draft['id']}/actions/submit",
                     draft["token"], {"version": seen["version"]}, draft["id"])
        elif roll < 0.8:  # managers racing to approve past the budget
            application_id = rnd.choice(world["racers"])
            manager = rnd.choice(managers)
            seen = call(servers, tally, "GET", f"/applications/{application_id}", manager)
            if seen:
                call(servers, tally, "POST", f"/applications/{application_id}/actions/approve",
                     manager, {"version": seen["version"], "amount": AWARD}, application_id)
        else:  # a tranche's next step, by whoever may take it
            tranche = rnd.choice(world["tranches"])
            manager = rnd.choice(managers)
            seen = call(servers, tally, "GET", f"/tranches/{tranche['id']}", manager)
            if not seen:
                continue
            step = {"planned": ("request", tranche["token"], {"report": "Done"}),
                    "requested": ("verify", manager, {}),
                    "verified": ("release", manager, {}),
                    "released": ("mark_paid", manager, {"payment_reference": "UNC-1"})
                    }.get(seen["state"])
            if step:
                action, token, body = step
                call(servers, tally, "POST", f"/tranches/{tranche['id']}/actions/{action}",
                     token, body | {"version": seen["version"]})


def invariants(url: str, tally: Tally) -> list[tuple[str, bool, str]]:
    from sqlalchemy import func, select

    from grants import audit, create_app
    from grants.extensions import db
    from grants.models import Application, AuditEvent, Call, Tranche

    app = create_app({"SECRET_KEY": "load", "SQLALCHEMY_DATABASE_URI": url})
    checks = []
    with app.app_context():
        versions = dict(db.session.execute(select(Application.id, Application.version)).all())
        changes = dict(db.session.execute(
            select(AuditEvent.entity_id, func.count()).where(
                AuditEvent.entity_type == "application",
                AuditEvent.action.notin_(("create", "assign_reviewer", "upload_document")))
            .group_by(AuditEvent.entity_id)).all())
        unseen = {i: n for i, n in tally.acknowledged.items() if versions[i] - 1 < n}
        mismatched = {i: (v, changes.get(i, 0)) for i, v in versions.items()
                      if v - 1 != changes.get(i, 0)}
        checks.append(("no lost update (acknowledged writes in the database)", not unseen,
                       f"{sum(tally.acknowledged.values())} acknowledged writes"
                       + (f"; missing: {unseen}" if unseen else "")))
        checks.append(("versions match the audited changes", not mismatched,
                       f"{len(versions)} applications" +
                       (f"; off: {mismatched}" if mismatched else "")))
        over = []
        for call_row in db.session.scalars(select(Call)):
            awarded = db.session.scalar(select(func.coalesce(func.sum(
                Application.awarded_amount), 0)).where(Application.call_id == call_row.id))
            if awarded > call_row.budget:
                over.append((call_row.id, awarded, call_row.budget))
            checks.append(("awards within the budget", not over,
                           f"awarded {awarded:,} of {call_row.budget:,} VND"))
        bad = []
        for application in db.session.scalars(select(Application).where(
                Application.awarded_amount.is_not(None))):
            tranches = list(db.session.scalars(select(Tranche).where(
                Tranche.application_id == application.id)))
            released = sum(t.amount for t in tranches if t.state in ("released", "paid"))
            if tranches and sum(t.amount for t in tranches) != application.awarded_amount:
                bad.append(application.id)
            if released > application.awarded_amount:
                bad.append(application.id)
        states = Counter(db.session.scalars(select(Tranche.state)))
        checks.append(("ledgers add up (tranches = award, released <= award)", not bad,
                       f"tranches: {dict(states)}"))
        result = audit.verify()
        checks.append(("the audit chain verifies", result.ok,
                       f"{result.checked} events" + ("" if result.ok else f": {result.problem}")))
        db.engine.dispose()
    return checks


def send_outbox_twice(url: str) -> tuple[bool, str]:
    """Two senders at once against a local SMTP server: every mail arrives exactly once."""
    from aiosmtpd.controller import Controller
    from sqlalchemy import func, select

    from grants import create_app
    from grants.extensions import db
    from grants.models import Notification

    received: list[str] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            for line in envelope.content.decode(errors="replace").splitlines():
                if line.lower().startswith("message-id:"):
                    received.append(line.split(":", 1)[1].strip())
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    env = os.environ | {"GRANTS_DATABASE_URL": url, "SECRET_KEY": "load",
                        "GRANTS_SMTP_HOST": "127.0.0.1", "GRANTS_SMTP_PORT": str(port),
                        "GRANTS_SMTP_SECURITY": "none", "GRANTS_MAIL_FROM": "load@load.test"}
    try:
        senders = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "grants", "outbox",
                                     "send", "--batch", "1000"], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL) for _ in range(2)]
        for sender in senders:
            sender.wait(timeout=300)
    finally:
        controller.stop()
    app = create_app({"SECRET_KEY": "load", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Notification))
        db.engine.dispose()
    twice = [m for m, n in Counter(received).items() if n > 1]
    ok = len(received) == total and not twice
    return ok, f"{total} mails queued, {len(received)} delivered, {len(twice)} twice"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    url = os.environ.get("GRANTS_BENCH_DATABASE_URL") or DEFAULT_URL
    create_database(url)
    world = seed(url)
    servers = Servers(url, args.workers)
    tally, stop = Tally(), threading.Event()
    threads = [threading.Thread(target=client, args=(servers, world, tally, stop, n))
               for n in range(args.clients)]
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        time.sleep(args.seconds / 2)
        killed_at = time.monotonic() - started
        down = servers.kill_and_restart(0)
        time.sleep(max(0.0, args.seconds - (time.monotonic() - started)))
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        stop.set()
        servers.stop()
    elapsed = time.monotonic() - started
    answered = sum(tally.statuses.values())
    print(f"{args.clients} clients, 2 gunicorn servers x {args.workers} workers on PostgreSQL, "
          f"{elapsed:.1f} s; server 1 killed (SIGKILL) at {killed_at:.1f} s, answering again "
          f"{down:.1f} s later")
    print(f"requests answered: {answered:,} ({answered / elapsed:,.0f}/s); dropped by the kill "
          f"(cut, or refused while the server was down): {tally.dropped}")
    print("answers: " + ", ".join(f"{s}: {n:,}" for s, n in sorted(tally.statuses.items())))
    print(f"conflicts (409): {tally.conflicts:,}; 5xx: "
          f"{sum(n for s, n in tally.statuses.items() if s >= 500)}")
    checks = [("no 5xx", not tally.errors, "; ".join(tally.errors[:5]) or "none")]
    checks += invariants(url, tally)
    checks.append(("every mail delivered once", *send_outbox_twice(url)))
    for name, ok, detail in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {name}: {detail}")
    if not all(ok for _name, ok, _detail in checks):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
