"""hardened logins: failed attempts counted in the database, sessions that end, demo accounts
marked, the second factor (TOTP secret, last step used, recovery codes)

Revision ID: 0020_logins
Revises: 0019_milestones
Create Date: 2026-11-27 04:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0020_logins"
down_revision = "0019_milestones"
branch_labels = None
depends_on = None

# The demo seed's accounts (grants/demo.py); existing ones are marked.
DEMO_EMAILS = ("startup@demo.local", "reviewer@demo.local", "manager@demo.local",
               "manager2@demo.local", "auditor@demo.local", "admin@demo.local",
               "mentor@demo.local")


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("demo", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                   server_default="1"))
        batch.add_column(sa.Column("totp_secret", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("totp_step", sa.BigInteger(), nullable=True))
    listed = ", ".join(f"'{email}'" for email in DEMO_EMAILS)
    op.execute(f'UPDATE "user" SET demo = true WHERE email IN ({listed})')
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name="fk_recovery_code_user_id_user",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_recovery_code"),
    )
    op.create_index("ix_recovery_code_user_id", "recovery_code", ["user_id"])
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_throttle"),
    )
    op.create_index("ix_login_throttle_key_at", "login_throttle", ["key", "at"])
    op.create_index("ix_login_throttle_at", "login_throttle", ["at"])


def downgrade():
    op.drop_index("ix_login_throttle_at", table_name="login_throttle")
    op.drop_index("ix_login_throttle_key_at", table_name="login_throttle")
    op.drop_table("login_throttle")
    op.drop_index("ix_recovery_code_user_id", table_name="recovery_code")
    op.drop_table("recovery_code")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("totp_step")
        batch.drop_column("totp_secret")
        batch.drop_column("session_version")
        batch.drop_column("demo")
