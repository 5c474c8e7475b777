"""Auditors read every programme and change nothing: every state-changing route of the app, web
and API, taken from the URL map (so a new route cannot escape), answered to an auditor of every
programme appends no audit event and queues no mail, with real ids in the URL and a body that
would be accepted from a manager where it can be."""

import pytest
from conftest import fill
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEvent, Notification

# an auditor's own account, not the programmes': their session, language and tokens
PERSONAL = ("/login", "/logout", "/register", "/language/", "/profile", "/invitations/")
BODY = {"version": 1, "reason": "Kiểm toán", "amount": 10_000_000, "conflict": False,
        "project_id": 1, "mentor_id": 1, "reviewer_id": 1, "held_on": "2026-11-27",
        "topic": "x", "notes": "x", "attended": True, "showcase": True, "description": "x",
        "title": "x", "role": "manager", "report": "x", "payment_reference": "x"}


def changing_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            if not rule.rule.startswith(PERSONAL):
                yield method, rule.rule, rule.endpoint.startswith("api.")


def totals() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(AuditEvent)),
            db.session.scalar(select(func.count()).select_from(Notification)))


@pytest.fixture
def world(create_call, create_user, submitted_application, manager_of, app):
    call = create_call()
    application = submitted_application(call)
    auditor = create_user("auditor")
    return call, application, auditor, manager_of(call)


def test_every_state_changing_route_changes_nothing_for_an_auditor(world, app, api, login,
                                                                   client, monkeypatch):
    call, application, auditor, manager = world
    body = BODY | {"version": application.version}  # what a manager's screening would send
    ids = {"application_id": str(application.id), "call_id": str(call.id),
           "programme_id": str(call.programme_id),
           "organization_id": str(application.project.organization_id),
           "project_id": str(application.project_id), "user_id": str(auditor.id),
           "action": "start_review", "code": "en", "token_id": "1", "grant_id": "1",
           "invitation_id": "1", "token": "x" * 43, "assignment_id": "1", "tranche_id": "1",
           "activity_id": "1", "registration_id": "1", "mentorship_id": "1",
           "section": "team"}
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    login(auditor)
    reader = api(auditor)
    tried = 0
    for method, path, is_api in changing_routes(app):
        url = fill(path, ids)
        assert "<" not in url, f"add an id for {path}"
        before = totals()
        if is_api:
            answer = getattr(reader, method.lower())(url.removeprefix("/api/v1"), json=body)
        else:
            answer = client.open(url, method=method, data={k: str(v) for k, v in body.items()})
        assert answer.status_code < 500, (method, path, answer.status_code)
        assert totals() == before, (method, path, answer.status_code)
        tried += 1
    assert tried >= 60
    # the control: the same request from the programme's manager does change something
    before = totals()
    done = api(manager).post(f"/applications/{application.id}/actions/declare_ineligible",
                             json=body)
    assert done.status_code == 200 and totals() != before
