"""Who may see and do what.

Each kind of entity has one access rule: a function of the user that gives, for every role the
user may hold on such an entity, a SQL condition on the entity's row (`Roles`). A rule names
the actor only through the `ACTOR` bind parameter, so its statements are built once per shape
of grants and reused. The same conditions serve a single check and a list, so a page and a
list can never disagree:

- one entity: the conditions are selected as columns beside the row (`role_columns`), and the
  roles whose column is true are the user's roles on that row (`held`);
- a list: their OR is the WHERE clause (`visible`).

Roles that come from rows (membership of the owning organization; later a reviewer's
assignment, a second manager on a tranche) are EXISTS subqueries; roles that come from the
user's grants become constants before the query is built. Predicates are named `can_<verb>`.
"""

from collections.abc import Iterable

from grants.models import Role, User
from grants.permissions.applications import roles_on_applications
from grants.permissions.calls import (
    can_create_call,
    can_edit_call,
    can_view_desk,
    can_view_queue,
    desk_roles,
)
from grants.permissions.organizations import (
    MEMBER,
    OWNER,
    can_edit_organization,
    can_view_organization,
    is_member,
    membership_role,
)
from grants.permissions.programmes import can_create_programme, can_edit_programme
from grants.permissions.rules import (
    ACTOR,
    STAFF_ROLES,
    Roles,
    grant_shape,
    held,
    programmes_where,
    role_columns,
    staff_programme_ids,
    visible,
)

__all__ = [
    "ACTOR",
    "MEMBER",
    "OWNER",
    "STAFF_ROLES",
    "Roles",
    "can_apply",
    "can_create_call",
    "can_create_programme",
    "can_edit_call",
    "can_edit_programme",
    "can_edit",
    "can_edit_organization",
    "can_manage_users",
    "can_view",
    "can_view_organization",
    "can_view_desk",
    "can_view_queue",
    "desk_roles",
    "grant_shape",
    "held",
    "is_member",
    "is_staff",
    "membership_role",
    "needs_second_factor",
    "programmes_where",
    "role_columns",
    "roles_on_applications",
    "staff_programme_ids",
    "visible",
]


def can_view(roles: Iterable[str]) -> bool:
    """Any role on an entity lets its holder see it; with none, it is not found."""
    return bool(frozenset(roles))


def can_edit(roles: Iterable[str], state: str, editable_states: Iterable[str]) -> bool:
    """The applicant edits the content while the workflow says the state is editable."""
    return Role.APPLICANT.value in roles and state in editable_states


def can_apply(user: User) -> bool:
    return user.has_role(Role.APPLICANT)


def is_staff(user: User) -> bool:
    return any(g.role in STAFF_ROLES for g in user.grants)


def needs_second_factor(user: User) -> bool:
    """Staff and reviewers sign in with a second factor: what they reach (every programme's
    applications, scores, money, the log) is worth more than one password. Mentors read
    projects' paths, so they too; only applicants may go without."""
    return any(g.role != Role.APPLICANT.value for g in user.grants)


def can_manage_users(user: User) -> bool:
    """Users and their roles are kept by administrators of every programme."""
    return any(g.role == Role.ADMIN.value and g.programme_id is None for g in user.grants)
