"""The console script and `python -m app`: help, settings precedence, migrate."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from app.cli import _parser, settings_from
from app.config import Settings


def test_help_lists_every_serve_setting():
    out = subprocess.run([sys.executable, "-m", "app", "serve", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for name in Settings.model_fields:
        assert "--" + name.replace("_", "-") in out
        assert f"RESPONSES_MOCK_{name.upper()}" in out.replace("\n", "").replace(" ", "")


def test_typed_flags_reach_settings():
    s = settings_from(_parser().parse_args(["serve", "--stale-after", "2.5", "--worker-concurrency", "3",
                                            "--no-migrate-on-start"]))
    assert (s.stale_after, s.worker_concurrency, s.migrate_on_start) == (2.5, 3, False)


def test_flags_override_env(monkeypatch):
    monkeypatch.setenv("RESPONSES_MOCK_PORT", "9001")
    monkeypatch.setenv("RESPONSES_MOCK_API_KEYS", "sk-a, sk-b")
    s = settings_from(_parser().parse_args(["serve"]))
    assert s.port == 9001 and s.api_keys == ["sk-a", "sk-b"]
    s = settings_from(_parser().parse_args(["serve", "--port", "9002"]))
    assert s.port == 9002


def test_default_store_is_a_sqlite_file_in_data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = settings_from(_parser().parse_args(["serve"]))
    assert s.resolved_database_url == "sqlite+aiosqlite:///data/responses-mock.db"


def test_migrate_creates_the_schema(tmp_path):
    subprocess.run([str(Path(sys.executable).parent / "responses-mock"), "migrate", "--data-dir", str(tmp_path / "d")], check=True,
                   capture_output=True)
    tables = {r[0] for r in sqlite3.connect(tmp_path / "d" / "responses-mock.db").execute(
        "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"responses", "response_items", "alembic_version"} <= tables
    # Idempotent: a second run has nothing to do.
    subprocess.run([sys.executable, "-m", "app", "migrate", "--data-dir", str(tmp_path / "d")], check=True,
                   capture_output=True)
