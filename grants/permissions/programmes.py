"""Who may create and change programmes: administrators."""

from grants.models import Role, User


def can_create_programme(user: User) -> bool:
    """An administrator of every programme."""
    return user.has_role(Role.ADMIN)


def can_edit_programme(user: User, programme_id: int) -> bool:
    """An administrator of every programme or of this one."""
    return user.has_role(Role.ADMIN, programme_id)
