"""reviewers' assignments, declarations of conflict of interest, reviews; a call's review
deadline

Revision ID: 0013_reviews
Revises: 0012_application_form
Create Date: 2026-11-26 17:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0013_reviews"
down_revision = "0012_application_form"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("call") as batch:
        batch.add_column(sa.Column("review_deadline", sa.DateTime(), nullable=True))
    op.create_table(
        "review_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.Column("declaration", sa.String(length=16), nullable=False),
        sa.Column("declared_at", sa.DateTime(), nullable=True),
        sa.Column("recusal_reason", sa.Text(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("declaration IN ('none', 'no_conflict', 'recused')",
                           name=op.f("ck_review_assignment_declaration_known")),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_review_assignment_application_id_application")),
        sa.ForeignKeyConstraint(["assigned_by_id"], ["user.id"],
                                name=op.f("fk_review_assignment_assigned_by_id_user")),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"],
                                name=op.f("fk_review_assignment_call_id_call")),
        sa.ForeignKeyConstraint(["reviewer_id"], ["user.id"],
                                name=op.f("fk_review_assignment_reviewer_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_assignment")),
        sa.UniqueConstraint("application_id", "reviewer_id",
                            name=op.f("uq_review_assignment_application_id_reviewer_id")),
    )
    op.create_index("ix_review_assignment_reviewer_id_id", "review_assignment",
                    ["reviewer_id", "id"])
    op.create_index("ix_review_assignment_call_id_reviewer_id", "review_assignment",
                    ["call_id", "reviewer_id"])
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("recommendation", sa.String(length=8), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("reopened_at", sa.DateTime(), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("recommendation IN ('yes', 'maybe', 'no')",
                           name=op.f("ck_review_recommendation_known")),
        sa.CheckConstraint("score >= 0 AND score <= 100", name=op.f("ck_review_score_in_range")),
        sa.ForeignKeyConstraint(["assignment_id"], ["review_assignment.id"],
                                name=op.f("fk_review_assignment_id_review_assignment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
        sa.UniqueConstraint("assignment_id", name=op.f("uq_review_assignment_id")),
    )


def downgrade():
    op.drop_table("review")
    op.drop_index("ix_review_assignment_call_id_reviewer_id", table_name="review_assignment")
    op.drop_index("ix_review_assignment_reviewer_id_id", table_name="review_assignment")
    op.drop_table("review_assignment")
    with op.batch_alter_table("call") as batch:
        batch.drop_column("review_deadline")
