"""stored items findable by id: response outputs as rows, id indexes on input and conversation items

Revision ID: 0007
Revises: 0006

`item_reference` inputs name an item of any of the caller's stored responses or conversations.
Outputs lived only inside the response body; they are rows now too (written when a response
ends). Responses stored before this migration have none: references to their outputs are 404s.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_SERIAL = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "response_outputs",
        sa.Column("seq", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("response_id", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(255), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_response_outputs_response", "response_outputs", ["response_id"])
    op.create_index("ix_response_outputs_item", "response_outputs", ["item_id"])
    op.create_index("ix_response_items_by_id", "response_items", ["item_id"])
    op.create_index("ix_conversation_items_by_id", "conversation_items", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_conversation_items_by_id", table_name="conversation_items")
    op.drop_index("ix_response_items_by_id", table_name="response_items")
    op.drop_table("response_outputs")
