"""files, uploads, vector stores and their chunks, searched by the store's own full-text engine
(issue 25): FTS5 on SQLite, a tsvector GIN index on Postgres

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_Serial = sa.BigInteger().with_variant(sa.Integer, "sqlite")

# The text search configuration of Postgres chunks: stemming and English stop words, as FTS5's porter tokenizer.
TSVECTOR = "to_tsvector('english', text)"


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger),
        sa.Column("filename", sa.String(512), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("mime_type", sa.String(255), nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("pages", sa.Integer),
    )
    op.create_index("ix_files_tenant_created", "files", ["tenant", "created_at", "id"])
    op.create_table(
        "file_blobs",
        sa.Column("owner_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "uploads",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("filename", sa.String(512), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("mime_type", sa.String(255), nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("file_id", sa.String(64)),
        sa.Column("file_expires_after", sa.Integer),
    )
    op.create_table(
        "upload_parts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("upload_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_upload_parts_upload", "upload_parts", ["upload_id"])
    op.create_table(
        "vector_stores",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("metadata", sa.Text, nullable=False),
        sa.Column("expires_days", sa.Integer),
        sa.Column("last_active_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_vector_stores_tenant_created", "vector_stores", ["tenant", "created_at", "id"])
    op.create_table(
        "vector_store_files",
        sa.Column("seq", _Serial, primary_key=True, autoincrement=True),
        sa.Column("vector_store_id", sa.String(64), nullable=False),
        sa.Column("file_id", sa.String(64), nullable=False),
        sa.Column("batch_id", sa.String(64)),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("usage_bytes", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("attributes", sa.Text, nullable=False),
        sa.Column("chunking", sa.Text, nullable=False),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_vector_store_files_file", "vector_store_files", ["vector_store_id", "file_id"], unique=True)
    op.create_index("ix_vector_store_files_batch", "vector_store_files", ["batch_id"])
    op.create_table(
        "vector_store_batches",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("vector_store_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_table(
        "chunks",
        sa.Column("seq", _Serial, primary_key=True, autoincrement=True),
        sa.Column("vector_store_id", sa.String(64), nullable=False),
        sa.Column("file_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_chunks_file", "chunks", ["vector_store_id", "file_id", "position"])
    if op.get_bind().dialect.name == "sqlite":
        # An external-content FTS5 index over chunks.text (bm25 ranking), kept in step by triggers.
        op.execute("CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks', content_rowid='seq', "
                   "tokenize='porter unicode61')")
        op.execute("CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN "
                   "INSERT INTO chunks_fts(rowid, text) VALUES (new.seq, new.text); END")
        op.execute("CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN "
                   "INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.seq, old.text); END")
    else:
        op.execute(f"CREATE INDEX ix_chunks_fts ON chunks USING gin ({TSVECTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS chunks_fts_delete")
        op.execute("DROP TRIGGER IF EXISTS chunks_fts_insert")
        op.execute("DROP TABLE IF EXISTS chunks_fts")
    for table in ("chunks", "vector_store_batches", "vector_store_files", "vector_stores", "upload_parts",
                  "uploads", "file_blobs", "files"):
        op.drop_table(table)
