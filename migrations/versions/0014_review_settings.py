"""a call's setting: applicants read the reviews' comments, anonymised, once decided

Revision ID: 0014_review_settings
Revises: 0013_reviews
Create Date: 2026-11-26 21:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0014_review_settings"
down_revision = "0013_reviews"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("call") as batch:
        batch.add_column(sa.Column("share_review_comments", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("call") as batch:
        batch.drop_column("share_review_comments")
