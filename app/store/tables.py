"""The schema as SQLAlchemy Core tables. Migrations in migrations/ are what create it."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, Integer, MetaData, String, Table, Text, false, text

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
    Column("cancel_requested", Boolean, nullable=False, server_default=false()),
    Column("worker", String(64)),  # the process that runs (or ran) it
    Column("heartbeat_at", Float),  # a streamed run's owner is alive (background runs: the job row)
    Index("ix_responses_tenant_created", "tenant", "created_at"),
    # The sweeper's view: the few responses in progress (a partial index, tiny).
    Index("ix_responses_live", "heartbeat_at", sqlite_where=text("status = 'in_progress'"),
          postgresql_where=text("status = 'in_progress'")),
)

def _item_list(name: str, owner: str) -> Table:
    """An ordered list of wire items per owner; (owner, position) is the keyset of its pages."""
    return Table(
        name,
        metadata,
        Column("seq", _Serial, primary_key=True, autoincrement=True),
        Column(owner, String(64), nullable=False),
        Column("position", Integer, nullable=False),
        Column("item_id", String(255), nullable=False),
        Column("data", Text, nullable=False),
        Index(f"ix_{name}_position", owner, "position", unique=True),
        Index(f"ix_{name}_item", owner, "item_id", "position"),  # covering: `after=<id>` probes
    )


# A response's input items in order: its own input, after the context it was chained to.
response_items = _item_list("response_items", "response_id")

# A stored response's output items, by id: what `item_reference` inputs (and reasoning items sent
# back by id) resolve to, with its input items and conversation items (indexed by id below).
response_outputs = Table(
    "response_outputs",
    metadata,
    Column("seq", _Serial, primary_key=True, autoincrement=True),
    Column("response_id", String(64), nullable=False),
    Column("item_id", String(255), nullable=False),
    Column("data", Text, nullable=False),
    Index("ix_response_outputs_response", "response_id"),
    Index("ix_response_outputs_item", "item_id"),
)
Index("ix_response_items_by_id", response_items.c.item_id)

# Every stream event of a streamed or background response, so any replica can replay it.
response_events = Table(
    "response_events",
    metadata,
    Column("response_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("type", String(80), nullable=False),
    Column("data", Text, nullable=False),
    Column("at", Float),  # when it was emitted (epoch seconds)
)

# The background queue: one row per job until it finishes (procrastinate-style, in the same DB).
jobs = Table(
    "jobs",
    metadata,
    Column("id", _Serial, primary_key=True, autoincrement=True),
    Column("response_id", String(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False),  # queued | running
    Column("run_after", Float, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("worker", String(64)),
    Column("heartbeat_at", Float),
    Column("tenant", String(64), nullable=False, server_default=""),  # for fair shares of worker slots
    Index("ix_jobs_claim", "status", "run_after", "id"),
)

# A conversation: its items live in conversation_items; next_position hands out their places, so
# concurrent appends (one row update each) get disjoint, ordered ranges.
conversations = Table(
    "conversations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("metadata", Text, nullable=False),  # JSON object
    Column("next_position", Integer, nullable=False, server_default="0"),
)

conversation_items = _item_list("conversation_items", "conversation_id")
Index("ix_conversation_items_by_id", conversation_items.c.item_id)

# Prompt templates (`prompt: {id, version, variables}`), per key: each version's content, JSON.
prompts = Table(
    "prompts",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("prompt_id", String(255), primary_key=True),
    Column("version", String(64), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("content", Text, nullable=False),
)

# Scripted fixtures: rules that match requests and say how to answer. tenant "" = every key.
fixtures = Table(
    "fixtures",
    metadata,
    Column("seq", _Serial, primary_key=True, autoincrement=True),
    Column("id", String(80), nullable=False, unique=True),
    Column("tenant", String(64), nullable=False, server_default=""),
    Column("priority", Integer, nullable=False, server_default="0"),
    Column("source", String(16), nullable=False),  # file | admin
    Column("rule", Text, nullable=False),  # JSON
    Column("seen", Integer, nullable=False, server_default="0"),  # requests its `match` accepted
    Column("created_at", Float, nullable=False),
    Index("ix_fixtures_tenant", "tenant", "priority", "seq"),
)

# Every request the server received, for tests to assert on ("my code sent this").
journal = Table(
    "journal",
    metadata,
    Column("seq", _Serial, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False),  # the x-request-id it was answered with
    Column("tenant", String(64), nullable=False, server_default=""),
    Column("at", Float, nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(512), nullable=False),
    Column("query", Text, nullable=False),
    Column("headers", Text, nullable=False),  # JSON, secrets removed
    Column("body", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("fixture_id", String(80)),
    Column("duration_ms", Float, nullable=False),
    Column("model", String(128)),  # the body's `model`, when it names one
    Index("ix_journal_tenant", "tenant", "seq"),
    Index("ix_journal_tenant_model", "tenant", "model", "seq"),
    Index("ix_journal_fixture", "fixture_id"),
)
