"""event log, job queue, cancel flag

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "response_events",
        sa.Column("response_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("response_id", sa.String(64), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("run_after", sa.Float, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("worker", sa.String(64)),
        sa.Column("heartbeat_at", sa.Float),
    )
    op.create_index("ix_jobs_claim", "jobs", ["status", "run_after", "id"])


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_table("response_events")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("cancel_requested")
