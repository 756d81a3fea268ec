"""item lookups by id: (owner, item_id, position), so `after=<id>` is one index probe

Revision ID: 0005
Revises: 0004

With (owner, item_id) alone, SQLite preferred walking the position index to find an id — a scan
of the whole list for an item near its end. With position in the index the probe is covering.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_LISTS = (("response_items", "response_id"), ("conversation_items", "conversation_id"))


def upgrade() -> None:
    for table, owner in _LISTS:
        op.drop_index(f"ix_{table}_item", table_name=table)
        op.create_index(f"ix_{table}_item", table, [owner, "item_id", "position"])


def downgrade() -> None:
    for table, owner in _LISTS:
        op.drop_index(f"ix_{table}_item", table_name=table)
        op.create_index(f"ix_{table}_item", table, [owner, "item_id"])
