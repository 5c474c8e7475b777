"""calls keep their eligibility rules and months of support

Revision ID: 0008_call_settings
Revises: 0007_audit_head_follows
Create Date: 2026-11-26 17:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0008_call_settings"
down_revision = "0007_audit_head_follows"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("call") as batch:
        batch.add_column(sa.Column("eligibility", sa.JSON(), nullable=False,
                                   server_default=sa.text("'{}'")))
        batch.add_column(sa.Column("duration_months", sa.Integer(), nullable=False,
                                   server_default="12"))


def downgrade():
    with op.batch_alter_table("call") as batch:
        batch.drop_column("duration_months")
        batch.drop_column("eligibility")
