"""signed checkpoints of the audit chain (anchored audit, docs/audit.md)

Revision ID: 0021_audit_checkpoints
Revises: 0020_logins
Create Date: 2026-11-27 04:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0021_audit_checkpoints"
down_revision = "0020_logins"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_checkpoint"),
    )
    op.create_index("ix_audit_checkpoint_seq", "audit_checkpoint", ["seq"])


def downgrade():
    op.drop_index("ix_audit_checkpoint_seq", table_name="audit_checkpoint")
    op.drop_table("audit_checkpoint")
