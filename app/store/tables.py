"""The schema as SQLAlchemy Core tables. Migrations in migrations/ are what create it."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY.
_Serial = BigInteger().with_variant(Integer, "sqlite")

responses = Table(
    "responses",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("model", String(128), nullable=False),
    Column("background", Boolean, nullable=False),
    Column("previous_response_id", String(64)),
    Column("request", Text, nullable=False),  # the validated create parameters, JSON
    Column("body", Text, nullable=False),  # the wire Response object, JSON, served as is
)

# A response's input items in order: its own input, after the context it was chained to.
response_items = Table(
    "response_items",
    metadata,
    Column("seq", _Serial, primary_key=True, autoincrement=True),
    Column("response_id", String(64), nullable=False),
    Column("position", Integer, nullable=False),
    Column("item_id", String(255), nullable=False),
    Column("data", Text, nullable=False),
    Index("ix_response_items_position", "response_id", "position", unique=True),
    Index("ix_response_items_item", "response_id", "item_id"),
)
