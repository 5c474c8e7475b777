"""Many people acting on one application at once: exactly one wins, one audit event exists."""

import threading
from contextlib import nullcontext

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Application, AuditEvent, User, utcnow
from grants.operations import OperationError, applications, calls

THREADS = 20


def test_twenty_threads_fire_conflicting_actions_at_one_application(
    app, create_user, create_call, create_application
):
    call = create_call()
    startup = create_user("applicant")
    application = create_application(startup, call)
    application_id, version, startup_id = application.id, application.version, startup.id
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    db.session.commit()

    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def fire(action: str) -> None:
        with app.app_context():
            actor = db.session.get(type(startup), startup_id)
            db.session.commit()  # hand the connection back before waiting
            barrier.wait(timeout=30)
            try:
                applications.act(actor, application_id, action, {"version": version})
                result = "ok"
            except OperationError as error:
                result = str(error.status)
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    # half submit, half withdraw: both valid from draft, only one may happen
    threads = [threading.Thread(target=fire, args=("submit" if i % 2 else "withdraw",))
               for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) == {"ok", "409"}, outcomes
    db.session.expire_all()
    stored = db.session.get(Application, application_id)
    assert stored.version == version + 1
    assert stored.state in ("submitted", "withdrawn")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.seq > events_before)).all()
    assert [(e.entity_id, e.to_state) for e in events] == [(application_id, stored.state)]


def test_twenty_concurrent_approvals_for_a_budget_of_five_awards_yield_exactly_five(
    app, create_user, create_call, create_application, manager_of
):
    """The budget guard reads other rows: it locks the call, so approvals take turns."""
    call = create_call(budget=5 * 30_000_000, cap_per_project=40_000_000)
    manager_id = manager_of(call).id
    ids = []
    for _ in range(THREADS):
        application = create_application(create_user("applicant"), call)
        application.state, application.submitted_at = "reviewed", utcnow()  # as if reviewed
        ids.append(application.id)
    db.session.commit()
    barrier = threading.Barrier(len(ids))
    outcomes: list[str] = []
    # SQLite has one writer and no row locks: there the approvals take turns (serialised);
    # PostgreSQL runs them at once, and each waits for the call's lock, then decides
    turns = threading.Lock() if db.engine.dialect.name == "sqlite" else nullcontext()

    def approve(application_id: int) -> None:
        with app.app_context():
            manager = db.session.get(User, manager_id)
            db.session.commit()
            barrier.wait(timeout=30)
            try:
                with turns:
                    applications.act(manager, application_id, "approve",
                                     {"version": 1, "amount": 30_000_000})
                outcomes.append("ok")
            except OperationError as error:
                outcomes.append(str(error.status))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["422"] * 15 + ["ok"] * 5, outcomes
    db.session.expire_all()  # the rows as the threads left them, not as this session made them
    approved = db.session.scalars(select(Application).where(
        Application.id.in_(ids), Application.awarded_amount.is_not(None))).all()
    assert len(approved) == 5
    assert {a.state for a in approved} <= {"approved"}
    # the ledger adds up: what is committed is exactly the awards made, within the budget
    assert calls.awarded(call) == sum(a.awarded_amount for a in approved) <= call.budget
