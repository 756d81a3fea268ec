"""The console script and `python -m responses_mock`: help, settings precedence, migrate."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from responses_mock.cli import _parser, settings_from
from responses_mock.config import Settings


def test_help_lists_every_serve_setting():
    out = subprocess.run([sys.executable, "-m", "responses_mock", "serve", "--help"], capture_output=True, text=True,
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


@pytest.mark.slow
def test_migrate_creates_the_schema(tmp_path):
    subprocess.run([str(Path(sys.executable).parent / "responses-mock"), "migrate", "--data-dir", str(tmp_path / "d")], check=True,
                   capture_output=True)
    tables = {r[0] for r in sqlite3.connect(tmp_path / "d" / "responses-mock.db").execute(
        "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"responses", "response_items", "alembic_version"} <= tables
    # Idempotent: a second run has nothing to do.
    subprocess.run([sys.executable, "-m", "responses_mock", "migrate", "--data-dir", str(tmp_path / "d")], check=True,
                   capture_output=True)


def test_config_file_precedence(tmp_path, monkeypatch):
    config = tmp_path / "mock.toml"
    config.write_text('port = 9100\nstale_after = 3.5\nlog_level = "debug"\n')
    monkeypatch.delenv("RESPONSES_MOCK_PORT", raising=False)
    monkeypatch.setenv("RESPONSES_MOCK_LOG_LEVEL", "warning")  # env beats the file
    s = settings_from(_parser().parse_args(["serve", "--config", str(config)]))
    assert (s.port, s.stale_after, s.log_level) == (9100, 3.5, "warning")
    s = settings_from(_parser().parse_args(["serve", "--config", str(config), "--port", "9200"]))  # flag beats all
    assert s.port == 9200
    yaml_config = tmp_path / "mock.yaml"
    yaml_config.write_text("worker-concurrency: 2\n")
    monkeypatch.setenv("RESPONSES_MOCK_CONFIG", str(yaml_config))
    assert settings_from(_parser().parse_args(["serve"])).worker_concurrency == 2
    bad = tmp_path / "bad.json"
    bad.write_text('{"no_such_setting": 1}')

    with pytest.raises(SystemExit, match="no_such_setting"):
        settings_from(_parser().parse_args(["serve", "--config", str(bad)]))


def test_workers_need_postgres(tmp_path):
    out = subprocess.run([sys.executable, "-m", "responses_mock", "serve", "--workers", "2", "--data-dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "needs Postgres" in out.stderr


def test_json_logs_and_startup_line(make_server, spawn_server):
    url = make_server.fresh_url("sqlite")
    proc = spawn_server(url, "jsonlog", log_format="json")

    httpx.get(f"{proc.url}/v1/models", headers={"Authorization": "Bearer sk-x"})
    proc.stop()
    lines = [json.loads(line) for line in proc.log().splitlines() if line.startswith("{")]
    startup = next(e for e in lines if e["logger"] == "responses_mock" and "store" in e["message"])
    assert "sqlite+aiosqlite" in startup["message"] and "models" in startup["message"]
    access = [e for e in lines if e["logger"] == "uvicorn.access"]
    assert {"path": "/v1/models", "status": 200, "method": "GET"}.items() <= access[-1].items()
