"""Reading the audit history of one entity and of everything that belongs to it."""

from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import joinedload

from grants.extensions import db
from grants.models import Actor, AuditEvent
from grants.operations.workflow import EntityKind, load, readable_in_history, workflows


def of(actor: Actor, kind: EntityKind, entity_id: Any, *, after_seq: int | None = None,
       limit: int = 500) -> list[AuditEvent]:
    """The entity's events and those of its children (a tranche's, a review's), oldest first,
    if the actor may see the entity."""
    return events(actor, kind, load(kind, actor, entity_id).entity.id, after_seq=after_seq,
                  limit=limit)


def events(actor: Actor, kind: EntityKind, entity_id: int, *, after_seq: int | None = None,
           limit: int = 500) -> list[AuditEvent]:
    """The history of an entity the caller has already been allowed to see: its own events,
    and those of each child (a tranche, a review) that the caller may see by the child's own
    access rule (narrowed by its `history_roles`), so a history never shows what the child's
    page would refuse."""
    children = [
        and_(AuditEvent.parent_type == kind.name, AuditEvent.parent_id == entity_id,
             AuditEvent.entity_type == child.name,
             exists(select(child.model.id).where(child.model.id == AuditEvent.entity_id,
                                                 readable_in_history(child, actor))))
        for child in workflows().kinds.values() if child.parent_kind == kind.name
    ]
    query = (
        select(AuditEvent)
        .where(or_(
            and_(AuditEvent.entity_type == kind.name, AuditEvent.entity_id == entity_id),
            *children,
        ))
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.seq)
        .limit(limit)
    )
    if after_seq is not None:
        query = query.where(AuditEvent.seq > after_seq)
    return list(db.session.scalars(query, {"actor_id": actor.id}))
