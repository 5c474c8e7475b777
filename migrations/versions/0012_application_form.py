"""applications keep their team, budget split and milestones; each submission keeps a revision

Revision ID: 0012_application_form
Revises: 0011_organization_profile
Create Date: 2026-11-26 17:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0012_application_form"
down_revision = "0011_organization_profile"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("team", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("budget", sa.JSON(), nullable=False,
                                   server_default=sa.text("'{}'")))
        batch.add_column(sa.Column("milestones", sa.JSON(), nullable=False,
                                   server_default=sa.text("'[]'")))
    op.create_table(
        "application_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"], ondelete="CASCADE",
                                name="fk_application_revision_application_id_application"),
        sa.PrimaryKeyConstraint("id", name="pk_application_revision"),
        sa.UniqueConstraint("application_id", "number",
                            name="uq_application_revision_application_id_number"),
    )


def downgrade():
    op.drop_table("application_revision")
    with op.batch_alter_table("application") as batch:
        batch.drop_column("milestones")
        batch.drop_column("budget")
        batch.drop_column("team")
