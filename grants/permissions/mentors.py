"""Who may see and do what with mentors, their matches to projects and their sessions.

- The mentors' network (profiles) is read by the programmes' staff, who match mentors to
  projects; a mentor writes their own profile.
- A match (mentorship), and its sessions, are read by: the mentor matched (`mentor`); the
  members of the project's startup once the mentor declared no conflict (`member`); the staff
  of the match's programme. `roles_on_mentorships` serves one check and a list.
- A project is read by a mentor only while matched to it and cleared of conflict
  (`advises`): before declaring they see the organization's name, to decide; after recusing,
  nothing more (the rule reviewers follow, grants/models/declarations.py).
"""

from sqlalchemy import ColumnElement, exists, select

from grants.models import Membership, Mentorship, Project, Role, User
from grants.models.declarations import NO_CONFLICT
from grants.permissions.rules import (
    ACTOR,
    MANAGING,
    STAFF_ROLES,
    Roles,
    in_programmes,
    programmes_where,
)

MENTOR = Role.MENTOR.value
MEMBER = "member"  # a member of the startup whose project is mentored


def is_mentor(user: User) -> bool:
    return any(g.role == MENTOR for g in user.grants)


def can_read_network(user: User) -> bool:
    """The programmes' staff read the mentors' network."""
    return any(g.role in STAFF_ROLES for g in user.grants)


def can_match(user: User, programme_id: int) -> bool:
    """A programme's managers (and admins) match mentors to its projects and end matches."""
    return any(user.has_role(role, programme_id) for role in MANAGING)


def advises(project_id: ColumnElement[int]) -> ColumnElement[bool]:
    """The actor is matched to the project, the match goes on, and they declared no conflict."""
    return exists(select(Mentorship.id).where(
        Mentorship.project_id == project_id, Mentorship.mentor_id == ACTOR,
        Mentorship.ended_at.is_(None), Mentorship.declaration == NO_CONFLICT))


def roles_on_mentorships(user: User) -> Roles:
    """For each role the user may hold on a mentorship, the condition on its row."""
    roles: Roles = {
        MEMBER: (Mentorship.declaration == NO_CONFLICT) & exists(
            select(Membership.user_id)
            .join(Project, Project.organization_id == Membership.organization_id)
            .where(Project.id == Mentorship.project_id, Membership.user_id == ACTOR)),
    }
    if is_mentor(user):
        roles[MENTOR] = Mentorship.mentor_id == ACTOR
    for role in STAFF_ROLES:
        programmes = programmes_where(user, role)
        if programmes:
            roles[role] = in_programmes(Mentorship.programme_id, programmes)
    return roles
