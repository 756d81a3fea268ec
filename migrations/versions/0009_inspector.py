"""what the web inspector shows: event timings, the journal's model, the worker of a run

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # When each stream event was emitted (epoch seconds): a log replays at its recorded speed.
    op.add_column("response_events", sa.Column("at", sa.Float))
    # The model a journaled request named (its JSON body's `model`), to filter by.
    op.add_column("journal", sa.Column("model", sa.String(128)))
    op.create_index("ix_journal_tenant_model", "journal", ["tenant", "model", "seq"])
    op.create_index("ix_journal_fixture", "journal", ["fixture_id"])  # a rule's hits
    # Which server process ran a background response (the queue view, per replica).
    op.add_column("responses", sa.Column("worker", sa.String(64)))
    # Listing a tenant's responses, newest first.
    op.create_index("ix_responses_tenant_created", "responses", ["tenant", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_responses_tenant_created", "responses")
    op.drop_column("responses", "worker")
    op.drop_index("ix_journal_fixture", "journal")
    op.drop_index("ix_journal_tenant_model", "journal")
    op.drop_column("journal", "model")
    op.drop_column("response_events", "at")
