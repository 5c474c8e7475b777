"""The hash chain: every changed, removed, inserted or reordered event is found by number, and
named for what was done to it."""

import hashlib

import pytest
from conftest import tamper

from grants import audit
from grants.extensions import db
from grants.models import AuditEvent
from grants.operations import applications


@pytest.fixture
def chain(create_user, create_call, create_application):
    """A few real events: users, a call, an application created and submitted."""
    startup = create_user("applicant")
    application = create_application(startup, create_call())
    applications.act(startup, application.id, "submit", {"version": 1})
    count = db.session.query(AuditEvent).count()
    assert count >= 5
    return count


def test_intact_chain_verifies(chain):
    result = audit.verify()
    assert result.ok and result.checked == chain and result.first_bad_seq is None


def test_changed_payload_is_found(chain):
    tamper("UPDATE audit_event SET reason = 'rewritten' WHERE seq = 3")
    result = audit.verify()
    assert (result.ok, result.first_bad_seq, result.finding) == (False, 3, audit.CHANGED)
    assert "hash" in result.problem
    # its content no longer matches its hash; every link still holds
    assert (result.changed_seq, result.broken_link_seq) == (3, None)


def test_changed_event_with_recomputed_hash_breaks_the_next_link(chain):
    event = db.session.get(AuditEvent, 3)
    values = tuple(getattr(event, c) for c in audit.HASHED)
    forged = dict(zip(audit.HASHED, values, strict=True)) | {"reason": "forged"}
    new_hash = hashlib.sha256(audit.canonical(tuple(forged[c] for c in audit.HASHED))).hexdigest()
    tamper(f"UPDATE audit_event SET reason = 'forged', hash = '{new_hash}' WHERE seq = 3")
    result = audit.verify()
    assert (result.ok, result.first_bad_seq, result.finding) == (False, 4, audit.RELINKED)
    # every event matches its own hash; the link after the rewritten one is broken
    assert (result.changed_seq, result.broken_link_seq) == (None, 4)


def test_the_first_changed_event_and_the_first_broken_link_are_two_findings(chain):
    event = db.session.get(AuditEvent, 4)
    forged = {c: getattr(event, c) for c in audit.HASHED} | {"reason": "forged"}
    new_hash = hashlib.sha256(audit.canonical(tuple(forged[c] for c in audit.HASHED))).hexdigest()
    tamper(f"UPDATE audit_event SET reason = 'forged', hash = '{new_hash}' WHERE seq = 4",
           "UPDATE audit_event SET reason = 'changed' WHERE seq = 2")
    result = audit.verify()
    assert (result.first_bad_seq, result.finding) == (2, audit.CHANGED)
    assert (result.changed_seq, result.broken_link_seq) == (2, 5)


def test_removed_event_is_found(chain):
    tamper("DELETE FROM audit_event WHERE seq = 2")
    result = audit.verify()
    assert (result.ok, result.first_bad_seq, result.finding) == (False, 2, audit.MISSING)


def test_removed_last_event_is_found(chain):
    tamper(f"DELETE FROM audit_event WHERE seq = {chain}")
    result = audit.verify()
    assert (result.ok, result.first_bad_seq, result.finding) == (False, chain, audit.MISSING)


def test_reordered_events_are_found(chain):
    tamper("UPDATE audit_event SET seq = -1 WHERE seq = 2",
           "UPDATE audit_event SET seq = 2 WHERE seq = 3",
           "UPDATE audit_event SET seq = 3 WHERE seq = -1")
    result = audit.verify()
    assert (result.ok, result.first_bad_seq, result.finding) == (False, 2, audit.REORDERED)


def test_inserted_event_is_found(chain):
    tamper(
        "UPDATE audit_event SET seq = seq + 1000 WHERE seq >= 3",
        "UPDATE audit_event SET seq = seq - 999 WHERE seq >= 1003",
        "INSERT INTO audit_event (seq, occurred_at, entity_type, entity_id, action, payload, "
        "prev_hash, hash) SELECT 3, occurred_at, 'user', 1, 'grant_role', '{}', hash, hash "
        "FROM audit_event WHERE seq = 2",
    )
    result = audit.verify()
    assert (result.ok, result.first_bad_seq, result.finding) == (False, 3, audit.INSERTED)


def test_vietnamese_payload_hashes_the_same_after_a_round_trip(create_user, api):
    client = api(create_user("applicant"))
    response = client.post("/organizations", json={"name": "Công ty Đổi Mới Sáng Tạo ưu việt",
                                                   "field": "health"})
    assert response.status_code == 201
    db.session.expire_all()
    assert audit.verify().ok


def test_the_fast_canonical_form_equals_the_reference_for_every_kind_of_value(chain):
    from grants.models import SYSTEM

    audit.record(actor=SYSTEM, role="system", entity_type="claim", entity_id=7,
                 action="approve", to_state="x", parent=("application", 3),
                 payload={"b": [1, 'đồng "quoted" \n', None], "a": {"z": True, "y": 2}},
                 reason="Lý do\t<script>")
    db.session.commit()
    names = audit.HASHED + audit.HASHED_WHEN_SET
    for event in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.seq)):
        values = tuple(getattr(event, name) for name in names)
        raw = list(values)
        raw[audit.HASHED.index("payload")] = audit.canonical_json(event.payload)
        raw[audit.HASHED.index("occurred_at")] = audit.to_json_value(event.occurred_at)
        assert audit._canonical_text(raw).encode() == audit.canonical(values), event.seq
    for row in db.session.connection().execute(audit.raw_rows()):  # what verify reads
        assert hashlib.sha256(audit._canonical_text(row).encode()).hexdigest() == row[-1]
    assert audit.verify().ok


def test_events_stored_before_payloads_were_canonical_still_verify(chain):
    """An older event's payload text has spaces and unsorted keys; its hash is of the
    canonical form, so the fast check misses and the slow check confirms it."""
    import json

    created = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.entity_type == "application", AuditEvent.action == "create")).one()
    seq, payload = created.seq, created.payload
    loose = json.dumps(dict(reversed(list(payload.items()))))  # ", " and ": ", unsorted
    assert len(payload) > 2 and loose != audit.canonical_json(payload)
    tamper(f"UPDATE audit_event SET payload = '{loose}' WHERE seq = {seq}")

    assert audit.verify().ok
    tamper(f"UPDATE audit_event SET payload = '{loose.replace('Water', 'Fire')}' "
           f"WHERE seq = {seq}")
    assert audit.verify().first_bad_seq == seq


def test_an_inserted_event_with_a_correct_hash_is_found_where_it_was_put(chain):
    """The forger hashes the inserted event properly, linked to the one before it: the event
    after it still links past it."""
    before = db.session.get(AuditEvent, 2)
    forged = {c: getattr(before, c) for c in audit.HASHED} | {
        "seq": 3, "prev_hash": before.hash, "action": "grant_role", "payload": {},
        "entity_type": "user", "entity_id": 1, "reason": None}
    forged_hash = hashlib.sha256(audit.canonical(tuple(forged[c] for c in audit.HASHED))
                                 ).hexdigest()
    tamper(
        "UPDATE audit_event SET seq = seq + 1000 WHERE seq >= 3",
        "UPDATE audit_event SET seq = seq - 999 WHERE seq >= 1003",
        "INSERT INTO audit_event (seq, occurred_at, actor_id, actor_role, entity_type, "
        "entity_id, action, from_state, to_state, payload, reason, request_id, prev_hash, hash) "
        f"SELECT 3, occurred_at, actor_id, actor_role, 'user', 1, 'grant_role', from_state, "
        f"to_state, '{{}}', NULL, request_id, '{before.hash}', '{forged_hash}' "
        "FROM audit_event WHERE seq = 2",
    )
    db.session.rollback()
    forged_row = next(row for row in db.session.execute(audit.raw_rows()) if row[0] == 3)
    assert audit._content_matches(forged_row)  # a well-made forgery: only the links tell
    result = audit.verify()
    assert (result.ok, result.first_bad_seq, result.finding) == (False, 3, audit.INSERTED)
