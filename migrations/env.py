"""Alembic environment: runs on the connection the app hands over (see app/store/handle.py)."""

from alembic import context

from responses_mock.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `responses-mock migrate` (it supplies the connection)")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
