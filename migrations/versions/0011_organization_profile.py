"""organizations keep an address and a website; team invitations; draft reminders sent

Revision ID: 0011_organization_profile
Revises: 0010_documents
Create Date: 2026-11-26 17:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0011_organization_profile"
down_revision = "0010_documents"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organization") as batch:
        batch.add_column(sa.Column("address", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("website", sa.String(length=300), nullable=True))
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"],
                                name=op.f("fk_invitation_organization_id_organization"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invited_by_id"], ["user.id"],
                                name=op.f("fk_invitation_invited_by_id_user"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["accepted_by_id"], ["user.id"],
                                name=op.f("fk_invitation_accepted_by_id_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_token_hash")),
    )
    with op.batch_alter_table("invitation") as batch:
        batch.create_index("ix_invitation_organization_id_id", ["organization_id", "id"],
                           unique=False)
    op.create_table(
        "draft_reminder",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_draft_reminder_application_id_application"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_draft_reminder")),
    )


def downgrade():
    op.drop_table("draft_reminder")
    with op.batch_alter_table("invitation") as batch:
        batch.drop_index("ix_invitation_organization_id_id")
    op.drop_table("invitation")
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("website")
        batch.drop_column("address")
