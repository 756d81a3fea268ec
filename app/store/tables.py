"""The schema as SQLAlchemy Core tables. Migrations in migrations/ are what create it."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)

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
    Column("reply", Text),  # what the server answered: its first bytes (services/journal.py MAX_REPLY), redacted
    Index("ix_journal_tenant", "tenant", "seq"),
    Index("ix_journal_tenant_model", "tenant", "model", "seq"),
    Index("ix_journal_fixture", "fixture_id"),
)

# Files (issue 25): the row, and its bytes in pieces (file_blobs) so no statement moves more than
# one piece — on SQLite the driver runs inline on the event loop. `text` is what was extracted
# from it (text files, PDFs), bounded; an upload's parts keep their bytes the same way, keyed by
# the part's id, until complete() hands them to the file.
files = Table(
    "files",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger),
    Column("filename", String(512), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("mime_type", String(255), nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Column("text", Text),  # the extracted text; NULL: not a document (an image, a binary)
    Column("pages", Integer),  # a PDF's pages
    Index("ix_files_tenant_created", "tenant", "created_at", "id"),
)

file_blobs = Table(
    "file_blobs",
    metadata,
    Column("owner_id", String(64), primary_key=True),  # a file's id, or an upload part's
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)

uploads = Table(
    "uploads",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("filename", String(512), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("mime_type", String(255), nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("file_id", String(64)),
    Column("file_expires_after", Integer),  # seconds, for the file complete() makes
)

upload_parts = Table(
    "upload_parts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("upload_id", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Index("ix_upload_parts_upload", "upload_id"),
)

vector_stores = Table(
    "vector_stores",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("name", String(512), nullable=False),
    Column("description", Text),
    Column("metadata", Text, nullable=False),  # JSON object
    Column("expires_days", Integer),  # expires_after.days (anchor last_active_at)
    Column("last_active_at", BigInteger, nullable=False),
    Index("ix_vector_stores_tenant_created", "tenant", "created_at", "id"),
)

# A vector store's files; `seq` orders their pages. Status is decided when indexing ends.
vector_store_files = Table(
    "vector_store_files",
    metadata,
    Column("seq", _Serial, primary_key=True, autoincrement=True),
    Column("vector_store_id", String(64), nullable=False),
    Column("file_id", String(64), nullable=False),
    Column("batch_id", String(64)),
    Column("created_at", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("usage_bytes", BigInteger, nullable=False, server_default="0"),
    Column("attributes", Text, nullable=False),  # JSON object
    Column("chunking", Text, nullable=False),  # JSON: the static chunking strategy applied
    Column("last_error", Text),  # JSON {code, message}
    Index("ix_vector_store_files_file", "vector_store_id", "file_id", unique=True),
    Index("ix_vector_store_files_batch", "batch_id"),
)

vector_store_batches = Table(
    "vector_store_batches",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("vector_store_id", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
)

# Chunks of the files of vector stores, searched with the store's own full-text engine: an FTS5
# table over `text` on SQLite (chunks_fts, kept by triggers), a GIN index over its tsvector on
# Postgres (migrations/versions/0012_files_vector_stores.py makes both; neither is a Core table).
chunks = Table(
    "chunks",
    metadata,
    Column("seq", _Serial, primary_key=True, autoincrement=True),
    Column("vector_store_id", String(64), nullable=False),
    Column("file_id", String(64), nullable=False),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_chunks_file", "vector_store_id", "file_id", "position"),
)
