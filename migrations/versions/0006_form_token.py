"""a new application keeps the token of the form that made it (one draft per form)

Revision ID: 0006_form_token
Revises: 0005_state_counts
Create Date: 2026-11-26 15:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0006_form_token"
down_revision = "0005_state_counts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("form_token", sa.String(length=32), nullable=True))
        batch.create_unique_constraint("uq_application_created_by_id_form_token",
                                       ["created_by_id", "form_token"])


def downgrade():
    with op.batch_alter_table("application") as batch:
        batch.drop_constraint("uq_application_created_by_id_form_token", type_="unique")
        batch.drop_column("form_token")
