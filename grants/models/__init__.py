"""The data model. Import models from here."""

from grants.models.accounts import (
    SYSTEM,
    Actor,
    ApiToken,
    LoginThrottle,
    RecoveryCode,
    RoleGrant,
    System,
    User,
)
from grants.models.activities import Activity, ActivityRegistration
from grants.models.applications import Application, ApplicationRevision
from grants.models.audit import AuditCheckpoint, AuditEvent, AuditHead
from grants.models.counts import StateCount
from grants.models.documents import Document
from grants.models.enums import FIELDS, Role, Stage
from grants.models.funding import Tranche
from grants.models.mentors import MentoringSession, MentorProfile, Mentorship
from grants.models.notifications import Notification
from grants.models.organizations import Invitation, Membership, Organization, Project
from grants.models.pilots import Evaluation, Pilot
from grants.models.programmes import Call, Programme, ProgrammeTarget
from grants.models.reminders import DraftReminder
from grants.models.reviews import Review, ReviewAssignment
from grants.models.types import utcnow

__all__ = [
    "FIELDS",
    "SYSTEM",
    "Activity",
    "ActivityRegistration",
    "Actor",
    "LoginThrottle",
    "RecoveryCode",
    "System",
    "ApiToken",
    "Application",
    "ApplicationRevision",
    "AuditEvent",
    "AuditHead",
    "AuditCheckpoint",
    "Call",
    "Document",
    "Evaluation",
    "DraftReminder",
    "Invitation",
    "Membership",
    "MentorProfile",
    "MentoringSession",
    "Mentorship",
    "Notification",
    "Organization",
    "Pilot",
    "Programme",
    "ProgrammeTarget",
    "Project",
    "Review",
    "ReviewAssignment",
    "Role",
    "RoleGrant",
    "Stage",
    "StateCount",
    "Tranche",
    "User",
    "utcnow",
]
