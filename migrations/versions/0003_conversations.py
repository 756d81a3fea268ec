"""conversations and their items

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("metadata", sa.Text, nullable=False),
        sa.Column("next_position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "conversation_items",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("item_id", sa.String(255), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_conversation_items_position", "conversation_items", ["conversation_id", "position"],
                    unique=True)
    op.create_index("ix_conversation_items_item", "conversation_items", ["conversation_id", "item_id"])


def downgrade() -> None:
    op.drop_table("conversation_items")
    op.drop_table("conversations")
