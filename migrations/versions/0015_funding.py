"""the agreement's tranches: planned, requested, verified, released (four eyes), paid; the
state counts carry the sum of the awards beside the count (the ledger reads them)

Revision ID: 0015_funding
Revises: 0014_review_settings
Create Date: 2026-11-26 22:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0015_funding"
down_revision = "0014_review_settings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tranche",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("milestone", sa.String(length=300), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("workflow_version", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("payment_reference", sa.String(length=100), nullable=True),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_tranche_amount_positive")),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_tranche_application_id_application")),
        sa.ForeignKeyConstraint(["released_by_id"], ["user.id"],
                                name=op.f("fk_tranche_released_by_id_user")),
        sa.ForeignKeyConstraint(["verified_by_id"], ["user.id"],
                                name=op.f("fk_tranche_verified_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tranche")),
        sa.UniqueConstraint("application_id", "number",
                            name=op.f("uq_tranche_application_id_number")),
    )
    op.create_index(op.f("ix_tranche_application_id"), "tranche", ["application_id"])
    with op.batch_alter_table("state_count") as batch:
        batch.add_column(sa.Column("amount", sa.BigInteger(), nullable=False,
                                   server_default="0"))
    # the awards already made, per call and state (the counts' scope for applications)
    op.execute("""
        UPDATE state_count SET amount = (
            SELECT COALESCE(SUM(application.awarded_amount), 0) FROM application
            WHERE application.call_id = state_count.scope_id
              AND application.state = state_count.state
              AND application.submitted_at IS NOT NULL)
        WHERE scope_type = 'call'
    """)


def downgrade():
    with op.batch_alter_table("state_count") as batch:
        batch.drop_column("amount")
    op.drop_index(op.f("ix_tranche_application_id"), table_name="tranche")
    op.drop_table("tranche")
