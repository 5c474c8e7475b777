"""Reading the audit history of one application."""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from grants import permissions
from grants.extensions import db
from grants.models import Application, AuditEvent, User
from grants.operations.core import load
from grants.operations.errors import NotFound


def of_application(actor: User, application_id: Any, *, after_seq: int | None = None,
                   limit: int = 500) -> list[AuditEvent]:
    """The application's events, oldest first, if the actor may see the application."""
    application = load(Application, application_id)
    if not permissions.can_view_application(actor, application):
        raise NotFound(_("Not found."))
    query = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == "application", AuditEvent.entity_id == application.id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.seq)
        .limit(limit)
    )
    if after_seq is not None:
        query = query.where(AuditEvent.seq > after_seq)
    return list(db.session.scalars(query))
