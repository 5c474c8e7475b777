"""an application's milestones: when it was first decided on and when its agreement was signed
(the KPIs and the annual report count by these), backfilled from the audit log

Revision ID: 0019_milestones
Revises: 0018_mentors
Create Date: 2026-11-27 01:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0019_milestones"
down_revision = "0018_mentors"
branch_labels = None
depends_on = None

# The actions of the shipped definitions (v1) that first reach those states; later definitions
# stamp the columns through the action path (state tags `decided`, `agreement_in_force`).
FIRST = {"decided_at": ("approve", "reject"), "signed_at": ("sign_agreement",)}


def upgrade():
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("decided_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("signed_at", sa.DateTime(), nullable=True))
    for column, actions in FIRST.items():
        listed = ", ".join(f"'{action}'" for action in actions)
        op.execute(
            f"UPDATE application SET {column} = (SELECT min(occurred_at) FROM audit_event "
            f"WHERE entity_type = 'application' AND entity_id = application.id "
            f"AND action IN ({listed}))")


def downgrade():
    with op.batch_alter_table("application") as batch:
        batch.drop_column("signed_at")
        batch.drop_column("decided_at")
