"""pilot testing and the final evaluation of an application; the chain of a project's
applications through the stages (promoted_from_id)

Revision ID: 0016_pilots
Revises: 0015_funding
Create Date: 2026-11-26 22:35:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0016_pilots"
down_revision = "0015_funding"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pilot",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("host_partner", sa.String(length=300), nullable=False),
        sa.Column("environment", sa.Text(), nullable=False),
        sa.Column("success_metrics", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("results", sa.Text(), nullable=True),
        sa.Column("verdict", sa.String(length=8), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_pilot_ends_after_start")),
        sa.CheckConstraint("verdict IN ('passed', 'failed')", name=op.f("ck_pilot_verdict_known")),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_pilot_application_id_application")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"],
                                name=op.f("fk_pilot_updated_by_id_user")),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_pilot")),
    )
    op.create_table(
        "evaluation",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("final_report", sa.Text(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=8), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("evaluated_by_id", sa.Integer(), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("score >= 0 AND score <= 100",
                           name=op.f("ck_evaluation_score_in_range")),
        sa.CheckConstraint("verdict IN ('passed', 'failed')",
                           name=op.f("ck_evaluation_verdict_known")),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_evaluation_application_id_application")),
        sa.ForeignKeyConstraint(["evaluated_by_id"], ["user.id"],
                                name=op.f("fk_evaluation_evaluated_by_id_user")),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_evaluation")),
    )
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("promoted_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_application_promoted_from_id_application"),
                                 "application", ["promoted_from_id"], ["id"])


def downgrade():
    with op.batch_alter_table("application") as batch:
        batch.drop_constraint(op.f("fk_application_promoted_from_id_application"),
                              type_="foreignkey")
        batch.drop_column("promoted_from_id")
    op.drop_table("evaluation")
    op.drop_table("pilot")
