"""The OpenAPI 3.1 description of /api/v1, kept beside the routes it describes.

A test checks that every route of the API blueprint is described here and nothing more.
"""

from typing import Any

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(name: str) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "next"], "properties": {
        "items": {"type": "array", "items": _ref(name)},
        "next": {"type": ["string", "null"], "description": "opaque cursor of the next page"}}}


def _op(summary: str, ok: dict[str, Any] | None = None, *, status: str = "200",
        body: dict[str, Any] | None = None, errors: tuple[int, ...] = (401, 404),
        params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    responses: dict[str, Any] = {
        status: {"description": "OK",
                 "content": {"application/json": {"schema": ok or {"type": "object"}}}},
    }
    for code in errors:
        responses[str(code)] = {"description": "problem",
                                "content": {"application/problem+json": {"schema": PROBLEM}}}
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": body}}}
    if params:
        operation["parameters"] = params
    return operation


def _query(name: str, schema_type: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": schema_type}}


def _path(name: str, schema_type: str = "integer") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": schema_type}}


APPLICATION = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "call_id": {"type": "integer"}, "stage": {"type": "string"},
        "state": {"type": "string"}, "version": {"type": "integer"},
        "project": {"type": "object", "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"},
            "summary": {"type": "string"}, "field": {"type": "string"},
            "organization_id": {"type": "integer"}}},
        "answers": {"type": "object", "additionalProperties": {"type": "string"}},
        "requested_amount": {"type": "integer", "description": "VND"},
        "awarded_amount": {"type": ["integer", "null"], "description": "VND"},
        "allowed_actions": {"type": "array", "items": {"type": "string"}},
        "created_at": {"type": "string", "format": "date-time"},
        "submitted_at": {"type": ["string", "null"], "format": "date-time"},
    },
}

SCHEMAS: dict[str, Any] = {
    "Problem": {"type": "object", "required": ["status", "title", "detail"], "properties": {
        "type": {"type": "string"}, "status": {"type": "integer"}, "title": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        "problems": {"type": "array", "items": {"type": "string"}}}},
    "Me": {"type": "object", "properties": {
        "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
        "roles": {"type": "array", "items": {"type": "object", "properties": {
            "role": {"type": "string"}, "programme_id": {"type": ["integer", "null"]}}}}}},
    "Programme": {"type": "object", "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "starts_on": {"type": "string", "format": "date"},
        "ends_on": {"type": "string", "format": "date"},
        "targets": {"type": "array", "items": {"type": "object", "properties": {
            "stage": {"type": "string"}, "year": {"type": "integer"},
            "projects": {"type": "integer"}}}}}},
    "Call": {"type": "object", "properties": {
        "id": {"type": "integer"}, "programme_id": {"type": "integer"},
        "stage": {"type": "string", "enum": ["pre_incubation", "incubation", "acceleration"]},
        "title": {"type": "string"}, "opens_at": {"type": "string", "format": "date-time"},
        "closes_at": {"type": "string", "format": "date-time"}, "budget": {"type": "integer"},
        "cap_per_project": {"type": "integer"}, "review_quorum": {"type": "integer"},
        "disagreement_limit": {"type": "integer"}, "blind_review": {"type": "boolean"},
        "required_documents": {"type": "array", "items": {"type": "string"}},
        "questions": {"type": "array", "items": {"type": "object"}},
        "rubric": {"type": "object"}, "workflow": {"type": "object"}}},
    "NewCall": {"type": "object", "required": [
        "programme_id", "stage", "title", "opens_at", "closes_at", "budget", "rubric"],
        "properties": {
            "programme_id": {"type": "integer"}, "stage": {"type": "string"},
            "title": {"type": "string"}, "opens_at": {"type": "string", "format": "date-time"},
            "closes_at": {"type": "string", "format": "date-time"},
            "budget": {"type": "integer"}, "cap_per_project": {"type": "integer"},
            "review_quorum": {"type": "integer"}, "disagreement_limit": {"type": "integer"},
            "blind_review": {"type": "boolean"},
            "required_documents": {"type": "array", "items": {"type": "string"}},
            "questions": {"type": "array", "items": {"type": "object", "properties": {
                "key": {"type": "string"}, "label": {"type": "string"},
                "required": {"type": "boolean"}}}},
            "rubric": {"type": "object", "properties": {
                "pass_threshold": {"type": "integer"},
                "criteria": {"type": "array", "items": {"type": "object", "properties": {
                    "key": {"type": "string"}, "name": {"type": "string"},
                    "weight": {"type": "integer"}, "max_score": {"type": "integer"}}}}}}}},
    "Organization": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"},
        "registration_number": {
            "type": ["string", "null"], "pattern": "^[0-9]{10}(-?[0-9]{3})?$",
            "description": "Vietnamese enterprise code: 10 digits, or 13 for a branch; "
                           "stored and returned as 0312345678 or 0312345678-001"},
        "founded_on": {"type": ["string", "null"], "format": "date"},
        "field": {"type": "string"}}},
    "Application": APPLICATION,
    "NewApplication": {"type": "object", "required": ["call_id", "project"], "properties": {
        "call_id": {"type": "integer"},
        "project": {"type": "object", "required": ["title", "field", "organization_id"],
                    "properties": {"title": {"type": "string"}, "summary": {"type": "string"},
                                   "field": {"type": "string"},
                                   "organization_id": {"type": "integer"}}},
        "answers": {"type": "object", "additionalProperties": {"type": "string"}},
        "requested_amount": {"type": "integer"}}},
    "ApplicationPatch": {"type": "object", "required": ["version"], "properties": {
        "version": {"type": "integer"},
        "project": {"type": "object", "properties": {
            "title": {"type": "string"}, "summary": {"type": "string"},
            "field": {"type": "string"}}},
        "answers": {"type": "object", "additionalProperties": {"type": "string"}},
        "requested_amount": {"type": "integer"}}},
    "ActionRequest": {"type": "object", "required": ["version"], "properties": {
        "version": {"type": "integer"}, "reason": {"type": "string"},
        "revision_deadline": {"type": "string", "format": "date-time"},
        "amount": {"type": "integer"}, "report": {"type": "string"},
        "target_call_id": {"type": "integer"}}},
    "ActionResult": {"type": "object", "properties": {
        "state": {"type": "string"}, "version": {"type": "integer"}}},
    "AuditEvent": {"type": "object", "properties": {
        "seq": {"type": "integer"}, "occurred_at": {"type": "string", "format": "date-time"},
        "actor_id": {"type": ["integer", "null"]}, "actor_role": {"type": ["string", "null"]},
        "entity_type": {"type": "string"}, "entity_id": {"type": "integer"},
        "action": {"type": "string"}, "from_state": {"type": ["string", "null"]},
        "to_state": {"type": ["string", "null"]}, "payload": {"type": "object"},
        "reason": {"type": ["string", "null"]}, "request_id": {"type": ["string", "null"]},
        "hash": {"type": "string"}, "prev_hash": {"type": "string"}}},
    "Workflow": {"type": "object", "properties": {
        "name": {"type": "string"}, "version": {"type": "integer"},
        "entity": {"type": "string"}, "title": {"type": "string"},
        "states": {"type": "array"}, "actions": {"type": "array"},
        "mermaid": {"type": "string"}}},
}

PATHS: dict[str, Any] = {
    "/openapi.json": {"get": _op("This document", errors=())},
    "/me": {"get": _op("The caller and their roles", _ref("Me"), errors=(401,))},
    "/programmes": {"get": _op("Programmes with KPI targets, newest first",
                               _list_of("Programme"), errors=(401, 422),
                               params=[_query("cursor")])},
    "/programmes/{programme_id}": {"get": _op("One programme", _ref("Programme"),
                                              params=[_path("programme_id")])},
    "/calls": {
        "get": _op("Calls, newest first", _list_of("Call"), errors=(401, 422),
                   params=[_query("stage"), _query("open", "boolean"), _query("cursor")]),
        "post": _op("Open a call (programme managers)", _ref("Call"), status="201",
                    body=_ref("NewCall"), errors=(401, 403, 422)),
    },
    "/calls/{call_id}": {"get": _op("One call", _ref("Call"), params=[_path("call_id")])},
    "/organizations": {"post": _op("Register a startup", _ref("Organization"), status="201",
                                   body={"type": "object"}, errors=(401, 403, 422))},
    "/organizations/{organization_id}": {"get": _op("A startup profile", _ref("Organization"),
                                                    params=[_path("organization_id")])},
    "/applications": {
        "get": _op("Applications the caller may see, newest first", _list_of("Application"),
                   errors=(401, 422), params=[_query("call_id", "integer"), _query("state"),
                                              _query("cursor")]),
        "post": _op("Draft an application", _ref("Application"), status="201",
                    body=_ref("NewApplication"), errors=(401, 403, 422)),
    },
    "/applications/{application_id}": {
        "get": _op("One application with the caller's allowed actions", _ref("Application"),
                   params=[_path("application_id")]),
        "patch": _op("Edit a draft or an application returned for changes",
                     _ref("Application"), body=_ref("ApplicationPatch"),
                     errors=(401, 403, 404, 409, 422), params=[_path("application_id")]),
    },
    "/applications/{application_id}/actions/{action}": {
        "post": _op("Take a workflow action", _ref("ActionResult"), body=_ref("ActionRequest"),
                    errors=(401, 403, 404, 409, 422),
                    params=[_path("application_id"), _path("action", "string")]),
    },
    "/applications/{application_id}/history": {
        "get": _op("The application's audit events, oldest first", _list_of("AuditEvent"),
                   params=[_path("application_id"), _query("cursor")]),
    },
    "/workflows": {"get": _op("Workflow definitions", {"type": "object"}, errors=(401,))},
    "/workflows/{name}": {"get": _op("One definition with its mermaid drawing",
                                     _ref("Workflow"),
                                     params=[_path("name", "string"),
                                             _query("version", "integer")])},
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Grant workflow engine API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
