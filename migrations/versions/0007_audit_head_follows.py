"""the audit head follows the chain by trigger: an append is a lock and an insert

Revision ID: 0007_audit_head_follows
Revises: 0006_form_token
Create Date: 2026-11-26 17:00:00

"""
from alembic import op

from grants.models.audit import (
    HEAD_FOLLOWS_FUNCTION,
    HEAD_FOLLOWS_TRIGGER,
    SQLITE_HEAD_FOLLOWS_TRIGGER,
)

revision = "0007_audit_head_follows"
down_revision = "0006_form_token"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(HEAD_FOLLOWS_FUNCTION)
        op.execute(HEAD_FOLLOWS_TRIGGER)
    else:
        op.execute(SQLITE_HEAD_FOLLOWS_TRIGGER)


def downgrade():
    op.execute("DROP TRIGGER audit_head_follows" +
               (" ON audit_event" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_head_follows()")
