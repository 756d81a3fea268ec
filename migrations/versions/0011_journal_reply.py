"""the journal keeps what the server answered (issue 27): the first bytes of each reply's body,
redacted, so the inspector shows the answer beside the request

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: entries written before this migration, and WebSocket events, have none.
    op.add_column("journal", sa.Column("reply", sa.Text))


def downgrade() -> None:
    op.drop_column("journal", "reply")
