"""Who holds which role on a document: exactly the roles they hold on its application.

Whoever may see the application (its startup's members; staff once it is submitted; its
reviewers, unless the call is blind) may list and download its documents; anyone else does not
learn they exist. Only the applicant uploads, and only while the application may be edited
(grants/operations/documents.py); every other role reads."""

from sqlalchemy import and_, exists, select

from grants.models import Application, Call, Document, Role, User
from grants.permissions.applications import roles_on_applications
from grants.permissions.rules import Roles


def roles_on_documents(user: User) -> Roles:
    """For each role on the application, the same condition reached from a document's row;
    except that in a blind call a reviewer does not see the documents at all (their names,
    uploaders and contents tell who applied), nor, through this rule, their history events."""
    roles = {}
    for role, condition in roles_on_applications(user).items():
        if role == Role.REVIEWER.value:
            condition = and_(condition, exists(select(Call.id).where(
                Call.id == Application.call_id, Call.blind_review.is_(False))))
        roles[role] = exists(select(Application.id).where(
            Application.id == Document.application_id, condition))
    return roles


def can_upload(roles: frozenset[str]) -> bool:
    """Members of the startup upload; staff, reviewers and auditors only read."""
    return Role.APPLICANT.value in roles
