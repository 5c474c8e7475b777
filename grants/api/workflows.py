"""The API of workflow definitions and of this document."""

from flask import Response, current_app
from flask_babel import gettext as _

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint
from grants.api.openapi import document_bytes
from grants.operations import NotFound, workflow


@api.get("/openapi.json")
@endpoint(s.ApiDocument, public=True)
def openapi():
    """This document"""
    return Response(document_bytes(current_app), mimetype="application/json")


@api.get("/workflows")
@endpoint(s.Page[s.WorkflowSummary])
def workflow_list():
    """Workflow definitions"""
    return {"items": workflow.workflows().registry.all(), "next": None}


@api.get("/workflows/<name>")
@endpoint(s.Workflow, query=s.WorkflowQuery, errors=(404,), path={"name": s.WorkflowName})
def workflow_detail(name: str, query: s.WorkflowQuery):
    """One definition with its mermaid drawing"""
    try:
        definition = workflow.workflows().registry.get(name, query.version)
    except KeyError:
        raise NotFound(_("No such workflow.")) from None
    return s.Workflow.of(definition)
