"""The API of the audit log: the global log filtered and paged, and the chain's verification
(auditors and administrators of every programme)."""

from flask import g

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint, page_size
from grants.api.fields import encode_cursor
from grants.operations import audit


@api.get("/audit/events")
@endpoint(s.Page[s.Event], query=s.AuditEventQuery, errors=(403,))
def audit_events(query: s.AuditEventQuery):
    """The whole audit log, newest first, filtered by entity, actor, action, state and days"""
    filters = audit.Filters(query.entity_type, query.entity_id, query.actor_id, query.action,
                            query.state, query.since, query.until)
    if filters.since and filters.until and filters.until < filters.since:
        audit.parse_filters(filters.query())  # the same message as the page's
    rows = audit.events(g.api_user, filters, before_seq=query.cursor, limit=page_size() + 1)
    more = len(rows) > page_size()
    rows = rows[:page_size()]
    return {"items": rows, "next": encode_cursor(rows[-1].seq) if more else None}


@api.get("/audit/verify")
@endpoint(s.AuditVerification, errors=(403,))
def audit_verify():
    """Verify the whole hash chain (and the signed checkpoints kept here, when this server
    holds the key): the first bad event and what was done to it"""
    result = audit.verify(g.api_user)
    return vars(result.chain) | {"ok": result.ok, "checkpoints": result.checkpoints,
                                 "checkpoint": result.checkpoint,
                                 "checkpoint_problem": result.problem if result.checkpoint
                                 else None}


@api.get("/audit/checkpoints")
@endpoint(s.CheckpointExport, errors=(403,))
def audit_checkpoints():
    """Every signed checkpoint with the public key, for auditors to keep outside the system
    and check with `flask --app grants audit verify --checkpoints FILE`"""
    return audit.checkpoint_export(g.api_user)
