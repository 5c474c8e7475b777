"""Who may see and do what. Each predicate is `can_<verb>(user, thing)`.

Roles are granted per programme or globally (RoleGrant.programme_id NULL). "applicant" on an
application is not a grant: it is membership of the organization that owns the project.
"""

from sqlalchemy import ColumnElement, and_, or_, select

from grants.extensions import db
from grants.models import Application, Call, Membership, Project, Role, User

STAFF_ROLES = (Role.MANAGER, Role.AUDITOR, Role.ADMIN)


def organization_ids(user: User) -> set[int]:
    return set(
        db.session.scalars(select(Membership.organization_id).where(Membership.user_id == user.id))
    )


def is_member(user: User, organization_id: int) -> bool:
    return (
        db.session.get(Membership, {"organization_id": organization_id, "user_id": user.id})
        is not None
    )


def roles_on_application(user: User, application: Application,
                         org_ids: set[int] | None = None) -> set[str]:
    """The roles the user holds on this application; pass `org_ids` (organization_ids(user))
    when asking for many applications, to save a query each."""
    roles = {
        role.value for role in STAFF_ROLES
        if application.submitted_at is not None
        and user.has_role(role, application.call.programme_id)
    }
    organization_id = application.project.organization_id
    if (organization_id in org_ids) if org_ids is not None else is_member(user, organization_id):
        roles.add(Role.APPLICANT.value)
    return roles


def can_view_application(user: User, application: Application) -> bool:
    return bool(roles_on_application(user, application))


def can_edit_application(user: User, application: Application,
                         org_ids: set[int] | None = None) -> bool:
    return (application.state in ("draft", "changes_requested")
            and Role.APPLICANT.value in roles_on_application(user, application, org_ids))


def can_apply(user: User) -> bool:
    return user.has_role(Role.APPLICANT)


def can_create_call(user: User, programme_id: int) -> bool:
    return user.has_role(Role.MANAGER, programme_id) or user.has_role(Role.ADMIN, programme_id)


def can_view_organization(user: User, organization_id: int) -> bool:
    """Members, and staff who can see one of its applications (a submitted one)."""
    if is_member(user, organization_id):
        return True
    if not is_staff(user):
        return False
    return db.session.scalar(
        select(Application.id)
        .join(Project, Project.id == Application.project_id)
        .join(Call, Call.id == Application.call_id)
        .where(Project.organization_id == organization_id, visible_applications(user))
        .limit(1)
    ) is not None


def is_staff(user: User) -> bool:
    return any(g.role in STAFF_ROLES for g in user.grants)


def can_view_queue(user: User, call: Call) -> bool:
    """Staff of the call's programme (or of all programmes) see its queue."""
    programmes = staff_programme_ids(user)
    return None in programmes or call.programme_id in programmes


def staff_programme_ids(user: User) -> set[int | None]:
    """Programme ids where the user is staff; None in the set means every programme."""
    return {g.programme_id for g in user.grants if g.role in STAFF_ROLES}


def visible_applications(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Application (joined to Call) for what the user may see: their own
    organizations' applications, and as staff the submitted ones of their programmes."""
    staff = staff_programme_ids(user)
    member_projects = (
        select(Project.id)
        .join(Membership, Membership.organization_id == Project.organization_id)
        .where(Membership.user_id == user.id)
    )
    clauses = [Application.project_id.in_(member_projects)]
    if staff:
        submitted = Application.submitted_at.is_not(None)
        clauses.append(submitted if None in staff
                       else and_(submitted, Call.programme_id.in_(staff)))
    return or_(*clauses)
