"""Who may open and change calls and read a call's queue."""

from grants.models import Call, Role, User
from grants.permissions.rules import staff_programme_ids


def can_create_call(user: User, programme_id: int) -> bool:
    return user.has_role(Role.MANAGER, programme_id) or user.has_role(Role.ADMIN, programme_id)


def can_edit_call(user: User, call: Call) -> bool:
    """Managers of the call's programme and admins change its settings."""
    return can_create_call(user, call.programme_id)


def can_view_queue(user: User, call: Call) -> bool:
    """Staff of the call's programme (or of all programmes) see its queue."""
    programmes = staff_programme_ids(user)
    return None in programmes or call.programme_id in programmes
