"""Signed checkpoints anchor the audit chain outside the database.

The hash chain (grants/audit.py) shows any change to an event, but whoever can write the
database can rewrite an event and recompute every hash after it, or cut the tail and move
`audit_head`, and the chain verifies again. A checkpoint is the app's Ed25519 signature over
"the chain had `seq` events and the last one hashed `hash`", made with a key kept outside the
database (GRANTS_AUDIT_SIGNING_KEY_FILE or GRANTS_AUDIT_SIGNING_KEY). Checkpoints are taken at
intervals (`flask --app grants audit checkpoint` from cron) and on demand, and exported for
auditors to keep outside the system. `verify_against` then proves the log still extends every
checkpoint: a rewrite at or before a checkpoint changes the hash at its sequence number, a cut
tail loses the event, and neither can be signed again without the key (docs/audit.md).
"""

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from sqlalchemy import select

from grants import audit
from grants.extensions import db
from grants.models import AuditCheckpoint, AuditEvent, AuditHead, utcnow
from grants.operations.core import transaction

FORMAT = "grants-audit-checkpoints/1"


class NoSigningKey(RuntimeError):
    """No signing key is configured (GRANTS_AUDIT_SIGNING_KEY_FILE or _KEY)."""


class BadCheckpointFile(ValueError):
    """The checkpoints file is not one this app exported."""


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short name of the key (16 hex digits of its SHA-256), written beside each signature."""
    return hashlib.sha256(_raw(public_key)).hexdigest()[:16]


def public_key_text(public_key: Ed25519PublicKey) -> str:
    return base64.b64encode(_raw(public_key)).decode()


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key as this module writes it (base64 of the 32 raw bytes) or as PEM."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise BadCheckpointFile("not an Ed25519 public key")
        return key
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except ValueError as error:
        raise BadCheckpointFile(f"not an Ed25519 public key: {error}") from None


def new_key() -> tuple[bytes, str]:
    """A new signing key as PEM, and its public key as text."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return pem, public_key_text(key.public_key())


def signing_key() -> Ed25519PrivateKey:
    """The key from GRANTS_AUDIT_SIGNING_KEY_FILE (a PEM file readable by the app only) or
    GRANTS_AUDIT_SIGNING_KEY (the PEM text itself)."""
    path = current_app.config.get("AUDIT_SIGNING_KEY_FILE")
    text = Path(path).read_bytes() if path else (
        current_app.config.get("AUDIT_SIGNING_KEY") or "").encode()
    if not text.strip():
        raise NoSigningKey("No audit signing key: set GRANTS_AUDIT_SIGNING_KEY_FILE (make one "
                           "with `flask --app grants audit keygen`).")
    key = serialization.load_pem_private_key(text, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise NoSigningKey("The audit signing key is not an Ed25519 key.")
    return key


def configured_public_key() -> Ed25519PublicKey | None:
    try:
        return signing_key().public_key()
    except NoSigningKey:
        return None


def statement(seq: int, hash_: str, signed_at: str) -> bytes:
    """The bytes a checkpoint signs."""
    return f"{FORMAT} seq={seq} hash={hash_} signed_at={signed_at}".encode()


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def take() -> AuditCheckpoint:
    """Sign the head of the chain now and keep the checkpoint."""
    key = signing_key()
    with transaction():
        head = db.session.get(AuditHead, 1)
        signed_at = utcnow()
        signature = key.sign(statement(head.seq, head.hash, _moment(signed_at)))
        row = AuditCheckpoint(seq=head.seq, hash=head.hash, signed_at=signed_at,
                              key_id=key_id(key.public_key()),
                              signature=base64.b64encode(signature).decode())
        db.session.add(row)
    return row


def as_json(row: AuditCheckpoint) -> dict[str, Any]:
    return {"seq": row.seq, "hash": row.hash, "signed_at": _moment(row.signed_at),
            "key_id": row.key_id, "signature": row.signature}


def stored(limit: int | None = None) -> list[AuditCheckpoint]:
    """The checkpoints kept in the database, newest first."""
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())
    return list(db.session.scalars(query.limit(limit) if limit else query))


def export() -> dict[str, Any]:
    """Every checkpoint, oldest first, with the public key that checks them: the file auditors
    keep outside the system."""
    key = configured_public_key()
    return {"format": FORMAT, "public_key": public_key_text(key) if key else None,
            "checkpoints": [as_json(row) for row in reversed(stored())]}


def read_file(text: str) -> tuple[list[dict[str, Any]], str | None]:
    """The checkpoints and the public key of an exported file."""
    try:
        document = json.loads(text)
        assert document["format"] == FORMAT
        checkpoints = [{"seq": int(c["seq"]), "hash": str(c["hash"]),
                        "signed_at": str(c["signed_at"]), "key_id": str(c.get("key_id", "")),
                        "signature": str(c["signature"])} for c in document["checkpoints"]]
    except (ValueError, KeyError, TypeError, AssertionError):
        raise BadCheckpointFile(f"not a {FORMAT} file") from None
    return checkpoints, document.get("public_key")


@dataclass(frozen=True)
class Anchoring:
    """The outcome of checking the log against checkpoints."""

    ok: bool
    checkpoints: int
    chain: audit.Verification
    checkpoint: dict[str, Any] | None = None  # the first checkpoint the log fails
    problem: str | None = None


def verify_against(checkpoints: Iterable[dict[str, Any]],
                   public_key: Ed25519PublicKey) -> Anchoring:
    """The chain is intact (grants/audit.py verify), every checkpoint's signature verifies
    with `public_key`, and the log extends every checkpoint: the event at its sequence number
    exists and has its hash. Names the first checkpoint that fails."""
    checkpoints = sorted(checkpoints, key=lambda c: c["seq"])
    for number, checkpoint in enumerate(checkpoints, 1):
        try:
            public_key.verify(base64.b64decode(checkpoint["signature"]), statement(
                checkpoint["seq"], checkpoint["hash"], checkpoint["signed_at"]))
        except (InvalidSignature, ValueError):
            return Anchoring(False, len(checkpoints), audit.Verification(True, 0), checkpoint,
                             f"checkpoint {number} (event {checkpoint['seq']}, signed "
                             f"{checkpoint['signed_at']}): its signature does not verify with "
                             "this key; the file was altered or signed by another key")
    chain = audit.verify()
    hashes = dict(db.session.execute(select(AuditEvent.seq, AuditEvent.hash).where(
        AuditEvent.seq.in_({c["seq"] for c in checkpoints if c["seq"] > 0}))).all())
    for number, checkpoint in enumerate(checkpoints, 1):
        seq, name = checkpoint["seq"], (f"checkpoint {number} (event {checkpoint['seq']}, "
                                        f"signed {checkpoint['signed_at']})")
        if seq == 0:
            continue
        if seq not in hashes:
            return Anchoring(False, len(checkpoints), chain, checkpoint,
                             f"the log does not extend {name}: event {seq} is gone, the log "
                             "was cut below it")
        if hashes[seq] != checkpoint["hash"]:
            return Anchoring(False, len(checkpoints), chain, checkpoint,
                             f"the log does not extend {name}: event {seq} now hashes to "
                             f"{hashes[seq][:12]}…, the checkpoint says "
                             f"{checkpoint['hash'][:12]}…; the log was rewritten at or before "
                             f"event {seq} and re-chained")
    return Anchoring(chain.ok, len(checkpoints), chain, None,
                     None if chain.ok else chain.problem)
