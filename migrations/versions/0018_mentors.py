"""mentors and experts: a mentor's profile, a mentor's match to a project (with a declaration of
conflict of interest), the mentoring sessions logged on it, and an index that finds the
mentors among the users

Revision ID: 0018_mentors
Revises: 0017_activities
Create Date: 2026-11-27 01:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0018_mentors"
down_revision = "0017_activities"
branch_labels = None
depends_on = None

DECLARATION_KNOWN = "declaration IN ('none', 'no_conflict', 'recused')"


def upgrade():
    op.create_table(
        "mentor_profile",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expertise", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("availability", sa.String(length=500), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_mentor_profile_user_id_user")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_mentor_profile")),
    )
    op.create_table(
        "mentorship",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("matched_by_id", sa.Integer(), nullable=True),
        sa.Column("matched_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("declaration", sa.String(length=16), nullable=False),
        sa.Column("declared_at", sa.DateTime(), nullable=True),
        sa.Column("recusal_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(DECLARATION_KNOWN, name=op.f("ck_mentorship_declaration_known")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"],
                                name=op.f("fk_mentorship_project_id_project")),
        sa.ForeignKeyConstraint(["mentor_id"], ["user.id"],
                                name=op.f("fk_mentorship_mentor_id_user")),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"],
                                name=op.f("fk_mentorship_programme_id_programme")),
        sa.ForeignKeyConstraint(["matched_by_id"], ["user.id"],
                                name=op.f("fk_mentorship_matched_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentorship")),
        sa.UniqueConstraint("project_id", "mentor_id",
                            name=op.f("uq_mentorship_project_id_mentor_id")),
    )
    op.create_index("ix_mentorship_project_id", "mentorship", ["project_id"])
    op.create_index("ix_mentorship_mentor_id_id", "mentorship", ["mentor_id", "id"])
    op.create_index("ix_mentorship_programme_id_id", "mentorship", ["programme_id", "id"])
    op.create_table(
        "mentoring_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentorship_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("logged_by_id", sa.Integer(), nullable=True),
        sa.Column("logged_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mentorship_id"], ["mentorship.id"],
                                name=op.f("fk_mentoring_session_mentorship_id_mentorship")),
        sa.ForeignKeyConstraint(["logged_by_id"], ["user.id"],
                                name=op.f("fk_mentoring_session_logged_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_session")),
    )
    op.create_index("ix_mentoring_session_mentorship_id_held_on", "mentoring_session",
                    ["mentorship_id", "held_on", "id"])
    op.create_index("ix_role_grant_role_user_id", "role_grant", ["role", "user_id"])


def downgrade():
    op.drop_index("ix_role_grant_role_user_id", table_name="role_grant")
    op.drop_index("ix_mentoring_session_mentorship_id_held_on", table_name="mentoring_session")
    op.drop_table("mentoring_session")
    op.drop_index("ix_mentorship_programme_id_id", table_name="mentorship")
    op.drop_index("ix_mentorship_mentor_id_id", table_name="mentorship")
    op.drop_index("ix_mentorship_project_id", table_name="mentorship")
    op.drop_table("mentorship")
    op.drop_table("mentor_profile")
