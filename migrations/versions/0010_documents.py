"""documents uploaded to applications

Revision ID: 0010_documents
Revises: 0008_call_settings
Create Date: 2026-11-26 17:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0010_documents"
down_revision = "0008_call_settings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_document_application_id_application")),
        sa.ForeignKeyConstraint(["replaces_id"], ["document.id"],
                                name=op.f("fk_document_replaces_id_document")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user.id"],
                                name=op.f("fk_document_uploaded_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_document_storage_key")),
    )
    op.create_index("ix_document_application_id_kind_id", "document",
                    ["application_id", "kind", "id"])
    op.create_index(op.f("ix_document_replaces_id"), "document", ["replaces_id"])


def downgrade():
    op.drop_index(op.f("ix_document_replaces_id"), table_name="document")
    op.drop_index("ix_document_application_id_kind_id", table_name="document")
    op.drop_table("document")
