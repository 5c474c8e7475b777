"""The auditor's desk: the whole log filtered and paged, an application's timeline with each
change as before and after, the chain's verification naming what was done, the log exported
as stored (and checkable by the outside script of docs/audit.md), and who may read it."""

import csv
import hashlib
import io
import json
from datetime import timedelta

import pytest
from conftest import tamper

from grants import checkpoints
from grants.extensions import db
from grants.models import AuditEvent, utcnow
from grants.operations import applications
from grants.operations.core import LOCAL

EN = {"Accept-Language": "en"}


@pytest.fixture
def world(create_user, create_call, create_application):
    """An auditor, a startup whose application was edited then submitted, and the call."""
    call = create_call()
    startup = create_user("applicant")
    application = create_application(startup, call, title="Tưới tiêu thông minh")
    applications.update_application(startup, application.id, {
        "version": 1, "project": {"title": "Tưới tiêu chính xác"},
        "answers": {"problem": "Lãng phí nước ở Đồng Tháp"}})
    applications.act(startup, application.id, "submit", {"version": 2})

    class World:
        auditor = create_user("auditor")

    world = World()
    world.startup, world.application, world.call = startup, application, call
    return world


def today() -> str:
    return utcnow().astimezone(LOCAL).date().isoformat()


# --- the log ---------------------------------------------------------------------------------


def test_the_auditor_filters_the_log_by_entity_actor_action_state_and_day(world, api,
                                                                          contract):
    auditor = api(world.auditor)
    everything = auditor.get("/audit/events")
    contract.check(everything)
    seqs = [e["seq"] for e in everything.json["items"]]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) >= 5  # newest first

    mine = auditor.get(f"/audit/events?entity_type=application&entity_id={world.application.id}")
    assert [e["action"] for e in mine.json["items"]] == ["submit", "edit", "create"]
    by_actor = auditor.get(f"/audit/events?actor_id={world.startup.id}&action=edit")
    assert [(e["entity_id"], e["action"]) for e in by_actor.json["items"]] == [
        (world.application.id, "edit")]
    entered = auditor.get("/audit/events?state=submitted").json["items"]
    assert [e["action"] for e in entered] == ["submit"]
    assert auditor.get(f"/audit/events?since={today()}&until={today()}").json["items"]
    tomorrow = (utcnow().astimezone(LOCAL).date() + timedelta(days=1)).isoformat()
    assert auditor.get(f"/audit/events?since={tomorrow}").json["items"] == []


def test_the_log_pages_backwards_with_a_cursor_and_every_event_once(world, api, app,
                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "API_PAGE_SIZE", 2)
    auditor = api(world.auditor)
    total = db.session.query(AuditEvent).count()
    seen, cursor, pages = [], None, 0
    while True:
        answer = auditor.get("/audit/events" + (f"?cursor={cursor}" if cursor else ""))
        assert answer.status_code == 200 and len(answer.json["items"]) <= 2
        pages += 1
        seen += [e["seq"] for e in answer.json["items"]]
        cursor = answer.json["next"]
        if cursor is None:
            break
    assert seen == list(range(total, 0, -1)) and pages >= 3


@pytest.mark.parametrize("query, field", [
    ("since=26-11-2026", "since"), ("entity_id=abc", "entity_id"),
    ("action=drop%20table", "action"), ("since=2026-11-27&until=2026-11-01", "until"),
    ("cursor=xyz", "cursor")])
def test_bad_filters_answer_422_with_the_field(world, api, query, field):
    answer = api(world.auditor).get(f"/audit/events?{query}", headers=EN)
    assert answer.status_code == 422, answer.json
    assert field in answer.json["errors"]


def test_only_auditors_and_administrators_of_every_programme_read_the_log(
        world, api, login, client, create_user, manager_of):
    refused = [world.startup, manager_of(world.call),
               create_user("auditor", world.call.programme),
               create_user("reviewer", world.call.programme)]
    for user in refused:
        reader = api(user)
        assert reader.get("/audit/events").status_code == 403, user.email
        assert reader.get("/audit/verify").status_code == 403, user.email
        assert reader.get("/audit/checkpoints").status_code == 403, user.email
    login(world.startup)
    for path in ("/audit", f"/audit/applications/{world.application.id}", "/audit/verify",
                 "/audit/verify?run=1", "/audit/export.csv", "/audit/export.json",
                 "/audit/checkpoints.json"):
        assert client.get(path).status_code == 403, path
    admin = create_user("admin")
    assert api(admin).get("/audit/events").status_code == 200


def test_the_log_page_filters_by_an_actors_email_and_keeps_a_bad_filter_visible(
        world, login, client):
    login(world.auditor)
    page = client.get(f"/audit?actor={world.startup.email}&action=edit")
    assert page.status_code == 200
    assert page.text.count('id="event-') == 1
    refused = client.get("/audit?since=yesterday")
    assert refused.status_code == 422 and 'value="yesterday"' in refused.text


# --- the timeline ----------------------------------------------------------------------------


def test_the_timeline_shows_each_change_before_and_after(world, login, client):
    login(world.auditor)
    page = client.get(f"/audit/applications/{world.application.id}", headers=EN)
    assert page.status_code == 200
    text = page.text
    edit = text[text.index(">project.title<"):]
    assert edit.index("Tưới tiêu thông minh") < edit.index("Tưới tiêu chính xác")  # before, after
    assert "Lãng phí nước ở Đồng Tháp" in text and "answers.problem" in text
    assert text.count('class="card" id="event-') == 3


def test_a_drafts_timeline_is_not_found(world, login, client, create_application):
    draft = create_application(world.startup, world.call)
    login(world.auditor)
    assert client.get(f"/audit/applications/{draft.id}").status_code == 404


# --- verification ----------------------------------------------------------------------------


def test_verify_says_intact_then_names_the_changed_event(world, api, login, client):
    answer = api(world.auditor).get("/audit/verify")
    assert answer.json["ok"] is True and answer.json["checked"] == \
        db.session.query(AuditEvent).count()
    tamper("UPDATE audit_event SET reason = 'rewritten' WHERE seq = 2")
    broken = api(world.auditor).get("/audit/verify").json
    assert (broken["ok"], broken["first_bad_seq"], broken["finding"]) == (False, 2, "changed")
    assert (broken["changed_seq"], broken["broken_link_seq"]) == (2, None)
    login(world.auditor)
    page = client.get("/audit/verify?run=1")
    assert 'data-seq="2"' in page.text and 'data-finding="changed"' in page.text
    assert '<dd id="changed-seq">2</dd>' in page.text


def test_the_desk_exports_the_signed_checkpoints_and_verifies_the_log_extends_them(
        world, api, login, client, app, tmp_path):
    pem, public = checkpoints.new_key()
    app.config["AUDIT_SIGNING_KEY"] = pem.decode()
    try:
        auditor = api(world.auditor)  # (its token and the login are events: before the cut)
        login(world.auditor)
        taken = checkpoints.take()
        exported = auditor.get("/audit/checkpoints").json
        assert exported["public_key"] == public
        assert exported["checkpoints"][0]["seq"] == taken.seq
        download = client.get("/audit/checkpoints.json")
        assert download.status_code == 200 and download.json == exported
        assert "attachment" in download.headers["Content-Disposition"]
        assert auditor.get("/audit/verify").json["checkpoints"] == 1
        # cut the last event and move the head back: the chain alone is intact again
        last = db.session.get(AuditEvent, taken.seq - 1)
        tamper(f"DELETE FROM audit_event WHERE seq = {taken.seq}",
               f"UPDATE audit_head SET seq = {taken.seq - 1}, hash = '{last.hash}'")
        broken = auditor.get("/audit/verify").json
        assert broken["ok"] is False and broken["checkpoint"]["seq"] == taken.seq
        assert "is gone" in broken["checkpoint_problem"]
        page = client.get("/audit/verify?run=1")
        assert 'data-ok="0"' in page.text and str(taken.seq) in page.text
    finally:
        app.config["AUDIT_SIGNING_KEY"] = None


# --- exports ---------------------------------------------------------------------------------


def test_the_json_export_verifies_with_the_outside_script_of_the_docs(world, login, client):
    login(world.auditor)
    answer = client.get("/audit/export.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    rows = json.loads(answer.get_data(as_text=True))
    assert len(rows) == db.session.query(AuditEvent).count()
    prev = "0" * 64
    for number, event in enumerate(rows, start=1):  # the script of docs/audit.md
        assert event["seq"] == number
        assert event["prev_hash"] == prev
        body = {k: event[k] for k in (
            "action", "actor_id", "actor_role", "entity_id", "entity_type", "from_state",
            "occurred_at", "payload", "prev_hash", "reason", "request_id", "seq", "to_state")}
        if event.get("parent_id") is not None or event.get("parent_type") is not None:
            body |= {"parent_id": event["parent_id"], "parent_type": event["parent_type"]}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False)
        assert hashlib.sha256(canonical.encode()).hexdigest() == event["hash"], number
        prev = event["hash"]


def test_the_csv_export_holds_the_filtered_events_oldest_first(world, login, client):
    login(world.auditor)
    answer = client.get(f"/audit/export.csv?entity_type=application"
                        f"&entity_id={world.application.id}")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["create", "edit", "submit"]
    assert json.loads(rows[1]["payload"])["project.title"] == "Tưới tiêu chính xác"
    assert client.get("/audit/export.csv?since=bad").status_code == 422
