"""a streamed run's owner: the process running it and its heartbeat, so a sweeper can fail it
when that process dies (background runs have theirs on the job row)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

LIVE = "status = 'in_progress'"


def upgrade() -> None:
    # `worker` (0009) names the owning process; this is when it last said it is alive.
    op.add_column("responses", sa.Column("heartbeat_at", sa.Float))
    # The sweeper reads only the few responses still in progress, never the whole table.
    op.create_index("ix_responses_live", "responses", ["heartbeat_at"],
                    sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))


def downgrade() -> None:
    op.drop_index("ix_responses_live", "responses")
    op.drop_column("responses", "heartbeat_at")
