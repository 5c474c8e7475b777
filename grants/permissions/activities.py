"""Who may see and do what with support activities and their registrations.

- An activity of a programme is read by anyone logged in (startups must find them); its
  programme's managers and admins create, edit and cancel it and record attendance; auditors
  read everything and change nothing.
- A registration is read by the members of the organization owning the project and by the
  programme's staff (manager, auditor, admin): `roles_on_registrations`, SQL conditions that
  serve one check and a list, as for applications.
"""

from sqlalchemy import exists, select

from grants.models import Activity, ActivityRegistration, Membership, Project, User
from grants.permissions.rules import (
    ACTOR,
    MANAGING,
    STAFF_ROLES,
    Roles,
    in_programmes,
    programmes_where,
)

MEMBER = "member"  # the role of a startup's member on its project's registration


def can_manage_activities(user, programme_id: int) -> bool:
    """The programme's managers (and admins) create, edit and cancel its activities and record
    attendance."""
    return any(user.has_role(role, programme_id) for role in MANAGING)


def can_read_registrations(user, programme_id: int) -> bool:
    """The programme's staff read every registration of its activities."""
    return any(user.has_role(role, programme_id) for role in STAFF_ROLES)


def roles_on_registrations(user: User) -> Roles:
    """For each role the user may hold on a registration, the condition on its row.

    - member: a member of the organization that owns the registered project;
    - manager, auditor, admin: a grant for the activity's programme (or for all programmes).
    """
    roles: Roles = {
        MEMBER: exists(
            select(Membership.user_id)
            .join(Project, Project.organization_id == Membership.organization_id)
            .where(Project.id == ActivityRegistration.project_id, Membership.user_id == ACTOR)),
    }
    for role in STAFF_ROLES:
        programmes = programmes_where(user, role)
        if not programmes:
            continue
        roles[role] = exists(select(Activity.id).where(
            Activity.id == ActivityRegistration.activity_id,
            in_programmes(Activity.programme_id, programmes)))
    return roles
