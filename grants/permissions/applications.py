"""Who holds which role on an application: the one rule behind every check and every list."""

from sqlalchemy import and_, exists, select

from grants.models import Application, Call, Membership, Project, ReviewAssignment, Role, User
from grants.models.reviews import NO_CONFLICT
from grants.permissions.rules import ACTOR, STAFF_ROLES, Roles, in_programmes, programmes_where


def roles_on_applications(user: User) -> Roles:
    """For each role the user may hold on an application, the condition on its row.

    - applicant: a member of the organization that owns the application's project;
    - manager, auditor, admin: a grant for the call's programme (or for all programmes), and
      only once the application has been submitted: a draft belongs to the startup alone;
    - reviewer: an active assignment to it on which they declared no conflict of interest
      (before declaring, they see only their assignment: grants/operations/reviews.py).
    """
    roles: Roles = {
        Role.APPLICANT.value: exists(
            select(Membership.user_id)
            .join(Project, Project.organization_id == Membership.organization_id)
            .where(Project.id == Application.project_id, Membership.user_id == ACTOR)
        ),
    }
    if programmes_where(user, Role.REVIEWER.value):
        roles[Role.REVIEWER.value] = exists(select(ReviewAssignment.id).where(
            ReviewAssignment.application_id == Application.id,
            ReviewAssignment.reviewer_id == ACTOR, ReviewAssignment.cancelled_at.is_(None),
            ReviewAssignment.declaration == NO_CONFLICT))
    for role in STAFF_ROLES:
        programmes = programmes_where(user, role)
        if not programmes:
            continue
        submitted = Application.submitted_at.is_not(None)
        roles[role] = submitted if None in programmes else and_(submitted, exists(
            select(Call.id).where(Call.id == Application.call_id,
                                  in_programmes(Call.programme_id, programmes))))
    return roles
