"""Who may open and change calls and read a call's queue."""

from grants.models import Call, Role, User
from grants.permissions.rules import STAFF_ROLES, staff_programme_ids


def can_create_call(user: User, programme_id: int) -> bool:
    return user.has_role(Role.MANAGER, programme_id) or user.has_role(Role.ADMIN, programme_id)


def can_edit_call(user: User, call: Call) -> bool:
    """Managers of the call's programme and admins change its settings."""
    return can_create_call(user, call.programme_id)


def can_view_queue(user: User, call: Call) -> bool:
    """Staff of the call's programme (or of all programmes) see its queue."""
    programmes = staff_programme_ids(user)
    return None in programmes or call.programme_id in programmes


def can_view_desk(user: User, programme_id: int) -> bool:
    """Staff of the programme (or of all programmes) read its desk."""
    programmes = staff_programme_ids(user)
    return None in programmes or programme_id in programmes


def desk_roles(user: User, programme_id: int | None,
               staff_only: bool = True) -> frozenset[str]:
    """The roles (staff roles, unless `staff_only` is false) the user holds in the programme
    (in any, when None): what a desk's "needs action" and batch actions are for (the workflow
    definitions say which of them may act)."""
    return frozenset(g.role for g in user.grants if (g.role in STAFF_ROLES or not staff_only)
                     and (programme_id is None or g.programme_id is None
                          or g.programme_id == programme_id))
