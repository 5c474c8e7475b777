"""lists walk an index in their order: the manager's queue (call_id, id), a user's startups
(user_id, organization_id)

Revision ID: 0004_list_indexes
Revises: 0003_audit_parent
Create Date: 2026-11-26 15:40:00

"""
from alembic import op

revision = "0004_list_indexes"
down_revision = "0003_audit_parent"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_application_call_id_id", "application", ["call_id", "id"], unique=False)
    op.create_index("ix_membership_user_id_organization_id", "membership",
                    ["user_id", "organization_id"], unique=False)
    op.drop_index("ix_membership_user_id", table_name="membership")


def downgrade():
    op.create_index("ix_membership_user_id", "membership", ["user_id"], unique=False)
    op.drop_index("ix_membership_user_id_organization_id", table_name="membership")
    op.drop_index("ix_application_call_id_id", table_name="application")
