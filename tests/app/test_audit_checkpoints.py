"""Signed checkpoints anchor the chain outside the database: a log rewritten and re-chained
after a checkpoint, or cut below it, fails verification against the exported checkpoints, and
the failure names the checkpoint."""

import hashlib
import json
from pathlib import Path

import pytest
from conftest import tamper
from sqlalchemy import select, text

from grants import audit, checkpoints
from grants.extensions import db
from grants.models import AuditCheckpoint, AuditEvent, AuditHead


@pytest.fixture
def signing_key(app, tmp_path):
    pem, public = checkpoints.new_key()
    path = tmp_path / "audit-signing.pem"
    path.write_bytes(pem)
    app.config["AUDIT_SIGNING_KEY_FILE"] = str(path)
    yield public
    app.config["AUDIT_SIGNING_KEY_FILE"] = None


@pytest.fixture
def logged(create_user, create_call, create_application):
    """A few real events."""
    startup = create_user("applicant")
    create_application(startup, create_call())
    return db.session.scalar(select(AuditHead.seq))


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["audit", *args], catch_exceptions=False)


def export_to(app, tmp_path) -> str:
    path = tmp_path / "checkpoints.json"
    assert cli(app, "checkpoints", "--output", str(path)).exit_code == 0
    return str(path)


def rewrite_and_rechain(seq: int) -> None:
    """Change event `seq` and recompute every hash after it, moving the head: the chain
    verifies again."""
    db.session.rollback()
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    statements, prev = [], audit.GENESIS
    for event in events:
        values = {c: getattr(event, c) for c in audit.HASHED} | {"prev_hash": prev}
        if event.seq == seq:
            values["reason"] = "rewritten"
        new = hashlib.sha256(audit.canonical(tuple(values[c] for c in audit.HASHED)))\
            .hexdigest()
        if event.seq >= seq:
            reason = "'rewritten'" if event.seq == seq else (
                "NULL" if event.reason is None else "reason")
            statements.append(f"UPDATE audit_event SET reason = {reason}, prev_hash = '{prev}', "
                              f"hash = '{new}' WHERE seq = {event.seq}")
        prev = new
    statements.append(f"UPDATE audit_head SET hash = '{prev}' WHERE id = 1")
    tamper(*statements)


def test_a_checkpoint_signs_the_head_and_the_export_carries_the_public_key(
        app, logged, signing_key, tmp_path):
    printed = cli(app, "checkpoint")
    assert printed.exit_code == 0
    line = json.loads(printed.output)
    assert line["seq"] == logged and line["hash"] == db.session.get(AuditHead, 1).hash
    exported = json.loads(Path(export_to(app, tmp_path)).read_text())
    assert exported["public_key"] == signing_key and exported["checkpoints"] == [line]
    verified = cli(app, "verify", "--checkpoints", export_to(app, tmp_path))
    assert verified.exit_code == 0 and "extends all 1 checkpoints" in verified.output


def test_a_rewrite_re_chained_after_a_checkpoint_is_found_and_names_the_checkpoint(
        app, logged, signing_key, tmp_path, create_user):
    cli(app, "checkpoint")
    create_user("applicant")  # the log goes on after the checkpoint
    cli(app, "checkpoint")
    kept = export_to(app, tmp_path)
    rewrite_and_rechain(2)
    assert audit.verify().ok  # the chain alone cannot tell
    failed = cli(app, "verify", "--checkpoints", kept, "--public-key", signing_key)
    assert failed.exit_code == 1
    assert f"checkpoint 1 (event {logged}" in failed.output
    assert "rewritten at or before" in failed.output


def test_a_tail_cut_below_a_checkpoint_with_the_head_moved_is_found(
        app, logged, signing_key, tmp_path):
    cli(app, "checkpoint")
    kept = export_to(app, tmp_path)
    last = db.session.get(AuditEvent, logged - 1)
    tamper(f"DELETE FROM audit_event WHERE seq = {logged}",
           f"UPDATE audit_head SET seq = {logged - 1}, hash = '{last.hash}' WHERE id = 1")
    assert audit.verify().ok
    failed = cli(app, "verify", "--checkpoints", kept)
    assert failed.exit_code == 1 and f"event {logged} is gone" in failed.output


def test_an_altered_checkpoint_file_or_another_key_is_refused(app, logged, signing_key,
                                                              tmp_path):
    cli(app, "checkpoint")
    path = export_to(app, tmp_path)
    document = json.loads(Path(path).read_text())
    document["checkpoints"][0]["hash"] = "0" * 64
    Path(path).write_text(json.dumps(document))
    failed = cli(app, "verify", "--checkpoints", path)
    assert failed.exit_code == 1 and "signature does not verify" in failed.output
    _pem, other = checkpoints.new_key()
    document = json.loads(Path(export_to(app, tmp_path)).read_text())
    path2 = tmp_path / "again.json"
    path2.write_text(json.dumps(document))
    assert cli(app, "verify", "--checkpoints", str(path2), "--public-key", other).exit_code == 1


def test_without_a_key_the_checkpoint_command_says_how_to_make_one(app, logged, tmp_path):
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 1 and "GRANTS_AUDIT_SIGNING_KEY_FILE" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text("{\"not\": \"checkpoints\"}")
    refused = app.test_cli_runner().invoke(args=["audit", "verify", "--checkpoints", str(bad)])
    assert refused.exit_code == 1 and "grants-audit-checkpoints/1" in refused.output


def test_keygen_writes_a_private_key_only_its_owner_reads(app, tmp_path):
    path = tmp_path / "key.pem"
    result = cli(app, "keygen", "--output", str(path))
    assert result.exit_code == 0 and "Public key" in result.output
    assert path.stat().st_mode & 0o077 == 0
    assert cli(app, "keygen", "--output", str(path)).exit_code == 1  # never overwritten


def test_checkpoints_are_kept_in_the_database_too(app, logged, signing_key):
    cli(app, "checkpoint")
    assert db.session.scalar(select(AuditCheckpoint.seq)) == logged
    assert db.session.execute(text("SELECT count(*) FROM audit_checkpoint")).scalar() == 1
