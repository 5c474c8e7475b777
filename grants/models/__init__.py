"""The data model. Import models from here."""

from grants.models.accounts import SYSTEM, Actor, ApiToken, RoleGrant, System, User
from grants.models.applications import Application
from grants.models.audit import AuditEvent, AuditHead
from grants.models.counts import StateCount
from grants.models.enums import FIELDS, Role, Stage
from grants.models.notifications import Notification
from grants.models.organizations import Membership, Organization, Project
from grants.models.programmes import Call, Programme, ProgrammeTarget
from grants.models.reviews import Review, ReviewAssignment
from grants.models.types import utcnow

__all__ = [
    "FIELDS",
    "SYSTEM",
    "Actor",
    "System",
    "ApiToken",
    "Application",
    "AuditEvent",
    "AuditHead",
    "Call",
    "Membership",
    "Notification",
    "Organization",
    "Programme",
    "ProgrammeTarget",
    "Project",
    "Review",
    "ReviewAssignment",
    "Role",
    "RoleGrant",
    "Stage",
    "StateCount",
    "User",
    "utcnow",
]
