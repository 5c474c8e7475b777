"""state counts per scope, maintained by the action path (the calls list and queue read them)

Revision ID: 0005_state_counts
Revises: 0004_list_indexes
Create Date: 2026-11-26 15:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0005_state_counts"
down_revision = "0004_list_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "state_count",
        sa.Column("scope_type", sa.String(length=32), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope_type", "scope_id", "state", name=op.f("pk_state_count")),
    )
    # what the counts are today: submitted applications per call and state
    op.execute("INSERT INTO state_count (scope_type, scope_id, state, count) "
               "SELECT 'call', call_id, state, COUNT(*) FROM application "
               "WHERE submitted_at IS NOT NULL GROUP BY call_id, state")


def downgrade():
    op.drop_table("state_count")
