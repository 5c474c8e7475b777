"""Who may see a startup (organization)."""

from sqlalchemy import select

from grants.extensions import db
from grants.models import Application, Membership, Project, Role, User
from grants.permissions.applications import roles_on_applications
from grants.permissions.rules import visible


def is_member(user: User, organization_id: int) -> bool:
    return (
        db.session.get(Membership, {"organization_id": organization_id, "user_id": user.id})
        is not None
    )


def can_view_organization(user: User, organization_id: int) -> bool:
    """Its members, and whoever may see one of its applications (staff: a submitted one)."""
    if is_member(user, organization_id):
        return True
    roles = roles_on_applications(user)
    roles.pop(Role.REVIEWER.value, None)  # reviewers judge the project, not (blind) its owner
    return db.session.scalar(
        select(Application.id)
        .join(Project, Project.id == Application.project_id)
        .where(Project.organization_id == organization_id, visible(roles))
        .limit(1), {"actor_id": user.id}
    ) is not None


# A member's place in the startup's team (Membership.role): the owner and the members edit
# the profile and the drafts; only the owner invites and removes members.
OWNER, MEMBER = "owner", "member"


def membership_role(user: User, organization_id: int) -> str | None:
    """The user's role in the startup's team (owner or member), or None."""
    membership = db.session.get(Membership, {"organization_id": organization_id,
                                             "user_id": user.id})
    return membership.role if membership is not None else None


def can_edit_organization(user: User, organization_id: int) -> bool:
    """The owner and the members keep the startup's profile."""
    return membership_role(user, organization_id) is not None
