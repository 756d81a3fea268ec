"""jobs carry their tenant, so a worker pool can give each tenant a fair share of its slots

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("tenant", sa.String(64), nullable=False, server_default=""))
    op.execute("UPDATE jobs SET tenant = (SELECT r.tenant FROM responses r WHERE r.id = jobs.response_id) "
               "WHERE EXISTS (SELECT 1 FROM responses r WHERE r.id = jobs.response_id)")


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("tenant")
