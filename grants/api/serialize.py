"""JSON shapes of the API (BRIEF section 7). Amounts are JSON integers, times ISO 8601 UTC."""

from datetime import datetime
from typing import Any

from grants.models import Application, AuditEvent, Call, Organization, Programme, User
from workflow import Definition, to_mermaid


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def user(u: User) -> dict[str, Any]:
    return {
        "id": u.id,
        "email": u.email,
        "name": u.name,
        "roles": [{"role": g.role, "programme_id": g.programme_id} for g in u.grants],
    }


def programme(p: Programme) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "starts_on": p.starts_on.isoformat(),
        "ends_on": p.ends_on.isoformat(),
        "targets": [{"stage": t.stage, "year": t.year, "projects": t.projects}
                    for t in p.targets],
    }


def call(c: Call) -> dict[str, Any]:
    return {
        "id": c.id,
        "programme_id": c.programme_id,
        "stage": c.stage,
        "title": c.title,
        "opens_at": iso(c.opens_at),
        "closes_at": iso(c.closes_at),
        "budget": c.budget,
        "cap_per_project": c.cap_per_project,
        "review_quorum": c.review_quorum,
        "disagreement_limit": c.disagreement_limit,
        "blind_review": c.blind_review,
        "required_documents": c.required_documents,
        "questions": c.questions,
        "rubric": c.rubric,
        "workflow": {"name": c.workflow_name, "version": c.workflow_version},
    }


def organization(o: Organization) -> dict[str, Any]:
    return {
        "id": o.id,
        "name": o.name,
        "registration_number": o.registration_number,
        "founded_on": o.founded_on.isoformat() if o.founded_on else None,
        "field": o.field,
    }


def application(a: Application, allowed_actions: list[str] | None = None) -> dict[str, Any]:
    body = {
        "id": a.id,
        "call_id": a.call_id,
        "stage": a.call.stage,
        "state": a.state,
        "version": a.version,
        "project": {
            "id": a.project.id,
            "title": a.project.title,
            "summary": a.project.summary,
            "field": a.project.field,
            "organization_id": a.project.organization_id,
        },
        "answers": a.answers,
        "requested_amount": a.requested_amount,
        "awarded_amount": a.awarded_amount,
        "revision_deadline": iso(a.revision_deadline),
        "created_at": iso(a.created_at),
        "submitted_at": iso(a.submitted_at),
    }
    if allowed_actions is not None:
        body["allowed_actions"] = allowed_actions
    return body


def event(e: AuditEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "occurred_at": iso(e.occurred_at),
        "actor_id": e.actor_id,
        "actor_role": e.actor_role,
        "entity_type": e.entity_type,
        "entity_id": e.entity_id,
        "action": e.action,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "payload": e.payload,
        "reason": e.reason,
        "request_id": e.request_id,
        "hash": e.hash,
        "prev_hash": e.prev_hash,
    }


def workflow(d: Definition, summary: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"name": d.name, "version": d.version, "entity": d.entity,
                            "title": d.title}
    if summary:
        return body
    return body | {
        "initial": d.initial,
        "states": [{"name": s.name, "final": s.final} for s in d.states],
        "actions": [{"name": a.name, "from": list(a.sources), "to": a.dest,
                     "roles": sorted(a.roles), "guards": list(a.guards),
                     "payload": [{"name": f.name, "type": f.type, "required": f.required}
                                 for f in a.payload]}
                    for a in d.actions],
        "mermaid": to_mermaid(d),
    }
