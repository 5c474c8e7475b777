"""audit events name the parent of their entity (an application, for a tranche or a review)

Revision ID: 0003_audit_parent
Revises: 0002_outbox
Create Date: 2026-11-26 15:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0003_audit_parent"
down_revision = "0002_outbox"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on both databases: the append-only triggers stay in place, and existing
    # events keep their hashes (the parent is hashed only when it is set).
    op.add_column("audit_event", sa.Column("parent_type", sa.String(length=32), nullable=True))
    op.add_column("audit_event", sa.Column("parent_id", sa.Integer(), nullable=True))
    op.create_index("ix_audit_event_parent", "audit_event",
                    ["parent_type", "parent_id", "seq"], unique=False)


def downgrade():
    op.drop_index("ix_audit_event_parent", table_name="audit_event")
    # SQLite rebuilds the table to drop a column; lift the append-only triggers meanwhile.
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER audit_event_no_{verb}")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("parent_id")
        batch.drop_column("parent_type")
    if op.get_bind().dialect.name == "sqlite":
        from grants.models.audit import SQLITE_GUARD_TRIGGERS

        for trigger in SQLITE_GUARD_TRIGGERS:
            op.execute(trigger)
