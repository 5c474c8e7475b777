"""Who holds which role on a document: exactly the roles they hold on its application.

Whoever may see the application (its startup's members; staff once it is submitted; its
reviewers once they declared no conflict) may list and download its documents; anyone else does
not learn they exist. In a blind call its reviewers read them under neutral names, with no
uploader (grants/operations/documents.py), and the history does not show them the uploads. Only
the applicant uploads, and only while the application may be edited; every other role reads."""

from sqlalchemy import and_, exists, select

from grants.models import Application, Call, Document, Role, User
from grants.permissions.applications import roles_on_applications
from grants.permissions.rules import Roles


def roles_on_documents(user: User) -> Roles:
    """For each role on the application, the same condition reached from a document's row."""
    return {role: exists(select(Application.id).where(
        Application.id == Document.application_id, condition))
        for role, condition in roles_on_applications(user).items()}


def roles_on_document_events(user: User) -> Roles:
    """Who reads a document's events in its application's history: as `roles_on_documents`,
    except a blind call's reviewers, whom the upload events would tell the file names and the
    uploaders."""
    roles = roles_on_documents(user)
    if Role.REVIEWER.value in roles:
        roles[Role.REVIEWER.value] = and_(roles[Role.REVIEWER.value], exists(select(Call.id).where(
            Call.id == Application.call_id, Application.id == Document.application_id,
            Call.blind_review.is_(False))))
    return roles


def can_upload(roles: frozenset[str]) -> bool:
    """Members of the startup upload; staff, reviewers and auditors only read."""
    return Role.APPLICANT.value in roles
