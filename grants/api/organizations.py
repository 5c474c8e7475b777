"""The API of organizations (startups) and their teams."""

from flask import g, url_for

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint, page, page_size
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


@api.patch("/organizations/<int:organization_id>")
@endpoint(s.Organization, body=s.OrganizationUpdate, errors=(403, 404, 409))
def organization_update(organization_id: int, body: dict):
    """Edit a startup profile (its owner and members)"""
    return organizations.update_organization(g.api_user, organization_id, body)


@api.post("/organizations/<int:organization_id>/invitations")
@endpoint(s.Invitation, status=201, body=s.InvitationCreate, errors=(403, 404, 409))
def organization_invite(organization_id: int, body: dict):
    """Invite a co-applicant by email (the owner)"""
    invitation, _token = organizations.invite(g.api_user, organization_id, body)
    return invitation


@api.get("/organizations/<int:organization_id>/members")
@endpoint(s.Page[s.Member], query=s.PageQuery, errors=(404,))
def organization_members(organization_id: int, query: s.PageQuery):
    """A startup's team"""
    found = organizations.team(g.api_user, organization_id, after_id=query.cursor,
                               limit=page_size() + 1, with_invitations=False)
    return page(found.members, key=lambda member: member.user_id)
