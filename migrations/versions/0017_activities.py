"""support activities (training, connection events, exhibitions), registrations of projects
for them, and the public showcase opt-in of a project

Revision ID: 0017_activities
Revises: 0016_pilots
Create Date: 2026-11-26 23:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0017_activities"
down_revision = "0016_pilots"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("place", sa.String(length=500), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("registration_closes_at", sa.DateTime(), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("organiser", sa.String(length=300), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('training', 'connection', 'exhibition')",
                           name=op.f("ck_activity_kind_known")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_activity_ends_after_start")),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_activity_capacity_positive")),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"],
                                name=op.f("fk_activity_programme_id_programme")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"],
                                name=op.f("fk_activity_created_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    op.create_index("ix_activity_starts_at_id", "activity", ["starts_at", "id"])
    op.create_index("ix_activity_programme_id_starts_at", "activity",
                    ["programme_id", "starts_at"])
    op.create_table(
        "activity_registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), nullable=True),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("outcome IN ('lead', 'pilot_partner', 'investor_meeting', 'other')",
                           name=op.f("ck_activity_registration_outcome_known")),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"],
                                name=op.f("fk_activity_registration_activity_id_activity")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"],
                                name=op.f("fk_activity_registration_project_id_project")),
        sa.ForeignKeyConstraint(["registered_by_id"], ["user.id"],
                                name=op.f("fk_activity_registration_registered_by_id_user")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user.id"],
                                name=op.f("fk_activity_registration_recorded_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_registration")),
        sa.UniqueConstraint("activity_id", "project_id",
                            name=op.f("uq_activity_registration_activity_id_project_id")),
    )
    op.create_index("ix_activity_registration_project_id", "activity_registration",
                    ["project_id"])
    with op.batch_alter_table("project") as batch:
        batch.add_column(sa.Column("showcase", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("showcase_description", sa.String(length=500),
                                   nullable=False, server_default=""))
        batch.add_column(sa.Column("showcase_description_en", sa.String(length=500),
                                   nullable=False, server_default=""))
    op.create_index("ix_project_showcase_id", "project", ["showcase", "id"])


def downgrade():
    op.drop_index("ix_project_showcase_id", table_name="project")
    with op.batch_alter_table("project") as batch:
        batch.drop_column("showcase_description_en")
        batch.drop_column("showcase_description")
        batch.drop_column("showcase")
    op.drop_index("ix_activity_registration_project_id", table_name="activity_registration")
    op.drop_table("activity_registration")
    op.drop_index("ix_activity_programme_id_starts_at", table_name="activity")
    op.drop_index("ix_activity_starts_at_id", table_name="activity")
    op.drop_table("activity")
