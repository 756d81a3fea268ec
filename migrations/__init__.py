"""Alembic migrations, shipped inside the package as responses_mock.migrations."""
