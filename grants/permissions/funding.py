"""Who holds which role on a tranche: the roles held on its application, except a reviewer's
(reviewers judge the application; its money is not theirs to see)."""

from sqlalchemy import exists, select

from grants.models import Application, Role, Tranche, User
from grants.permissions.applications import roles_on_applications
from grants.permissions.rules import Roles


def roles_on_tranches(user: User) -> Roles:
    return {role: exists(select(Application.id).where(
        Application.id == Tranche.application_id, condition))
        for role, condition in roles_on_applications(user).items()
        if role != Role.REVIEWER.value}
