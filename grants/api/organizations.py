"""The API of organizations (startups)."""

from flask import g, url_for

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint
from grants.operations import organizations


@api.post("/organizations")
@endpoint(s.Organization, status=201, body=s.OrganizationCreate, errors=(403, 409))
def organization_create(body: dict):
    """Register a startup"""
    organization = organizations.create_organization(g.api_user, body)
    return organization, {"Location": url_for("api.organization_detail",
                                               organization_id=organization.id)}


@api.get("/organizations/<int:organization_id>")
@endpoint(s.Organization, errors=(404,))
def organization_detail(organization_id: int):
    """A startup profile"""
    return organizations.get_organization(g.api_user, organization_id)
