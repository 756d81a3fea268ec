"""The console script `responses-mock`: `serve` runs the server, `migrate` applies migrations,
`fixtures export FILE` writes a running server's fixture rules (a recording) to a file.

Every setting is a flag and an env var RESPONSES_MOCK_<NAME>, and may sit in a config file
(`--config`, TOML/JSON/YAML). Precedence: flag > env var > config file > default.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path

import httpx
import uvicorn
from uvicorn.config import LOGGING_CONFIG

from responses_mock import __version__, datafiles
from responses_mock.config import Settings
from responses_mock.connections import HttpProtocol
from responses_mock.main import create_app
from responses_mock.store.handle import Store, display_url, is_sqlite_url

ENV_PREFIX = "RESPONSES_MOCK_"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="responses-mock",
                                     description="A server that speaks the OpenAI Responses API.")
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server",
                           description="Every flag is also an env var RESPONSES_MOCK_<NAME> and a key of the "
                           "config file. Precedence: flag > env var > config file > default.")
    migrate = sub.add_parser("migrate", help="apply database migrations and exit")
    for p in (serve, migrate):
        p.add_argument("--config", help="A TOML, JSON or YAML file of settings (keys as the flags, with _). "
                       "[env RESPONSES_MOCK_CONFIG]")
    for name, field in Settings.model_fields.items():
        _add_flag(serve, name, field)
    for name in ("database_url", "data_dir"):
        _add_flag(migrate, name, Settings.model_fields[name])
    _export_parser(sub)
    serve.add_argument("--workers", type=int, default=1,
                       help="Server processes (uvicorn workers); more than one needs Postgres. [default 1]")
    serve.add_argument("--log-format", choices=("text", "json"), default="text",
                       help="Log lines as text, or as one JSON object each (access log included).")
    return parser


def _export_parser(sub) -> None:
    fixtures = sub.add_parser("fixtures", help="fixture rules of a running server")
    export = fixtures.add_subparsers(dest="action", required=True).add_parser(
        "export", help="write a running server's fixture rules (e.g. a recording) to a file --fixtures loads",
        description="With --api-key: that key's rules; with the admin token alone: every key's.")
    export.add_argument("file", type=Path, help="where to write: .yaml/.yml for YAML, anything else JSON")
    export.add_argument("--url", default=os.environ.get(f"{ENV_PREFIX}URL", "http://127.0.0.1:8000"),
                        help=f"the server [env {ENV_PREFIX}URL; default http://127.0.0.1:8000]")
    export.add_argument("--api-key", default=os.environ.get("OPENAI_API_KEY"),
                        help="the key whose rules to export [env OPENAI_API_KEY]")
    export.add_argument("--admin-token", default=os.environ.get(f"{ENV_PREFIX}ADMIN_TOKEN"),
                        help=f"every key's rules (with --api-key: that key's) [env {ENV_PREFIX}ADMIN_TOKEN]")
    export.add_argument("--format", choices=("json", "yaml"), help="default: from the file's suffix")


def export_fixtures(args: argparse.Namespace) -> int:
    """GET /__admin/fixtures?format=… into the file; how many rules it holds."""
    fmt = args.format or ("yaml" if args.file.suffix in (".yaml", ".yml") else "json")  # as --fixtures reads it
    credential = args.admin_token or args.api_key
    if not credential:
        raise SystemExit("responses-mock: fixtures export needs --api-key (that key's rules) or the admin token "
                         f"({ENV_PREFIX}ADMIN_TOKEN, every key's)")
    params = {"format": fmt}
    if args.admin_token and args.api_key:
        params["api_key"] = args.api_key
    try:
        reply = httpx.get(args.url.rstrip("/") + "/__admin/fixtures", params=params, timeout=60,
                          headers={"Authorization": f"Bearer {credential}"})
    except httpx.HTTPError as exc:
        raise SystemExit(f"responses-mock: cannot reach {args.url}: {type(exc).__name__}") from None
    if reply.status_code != 200:
        try:
            message = reply.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = reply.text[:200]
        raise SystemExit(f"responses-mock: the server refused the export ({reply.status_code}): {message}")
    args.file.write_bytes(reply.content)
    document = datafiles.load_yaml(reply.content) if fmt == "yaml" else json.loads(reply.content)
    return len(document.get("rules", []))


def _add_flag(parser: argparse.ArgumentParser, name: str, field) -> None:
    """One flag per Settings field, typed from its annotation; the env var names it in --help."""
    flag = "--" + name.replace("_", "-")
    default = field.get_default(call_default_factory=True)
    help_ = f"{field.description} [env {ENV_PREFIX}{name.upper()}; default {str(default) or '-'}]"
    annotation = field.annotation
    if annotation is bool:
        parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help_)
    elif annotation in (int, float):
        parser.add_argument(flag, type=annotation, help=help_)
    else:  # str, Path, comma-separated lists: Settings parses them
        parser.add_argument(flag, help=help_)


def read_config(path: Path) -> dict:
    data = {k.replace("-", "_"): v for k, v in (datafiles.load(path) or {}).items()}
    unknown = sorted(set(data) - set(Settings.model_fields))
    if unknown:
        raise SystemExit(f"responses-mock: unknown setting(s) in {path}: {', '.join(unknown)}")
    return data


def settings_from(args: argparse.Namespace) -> Settings:
    config = args.config or os.environ.get(f"{ENV_PREFIX}CONFIG")
    values = {}
    if config:
        values = {k: v for k, v in read_config(Path(config)).items()
                  if f"{ENV_PREFIX}{k.upper()}" not in os.environ}  # the env beats the file
    values.update({k: v for k, v in vars(args).items() if k in Settings.model_fields and v is not None})
    return Settings(**values)


def _export(settings: Settings) -> None:
    """Hand the settings to worker processes, which build their app from the environment."""
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, list):
            value = ",".join(value)
        os.environ[f"{ENV_PREFIX}{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, _version, status = record.args
            entry.update(client=client, method=method, path=path, status=status)
        if record.exc_info:
            entry["exc"] = record.exc_text or self.formatException(record.exc_info)  # exc_text: redacted
        return json.dumps(entry)


# Every handler masks secrets (the access log's `?api_key=`, bearer tokens): redaction.py.
REDACT = {"redact": {"()": "responses_mock.redaction.RedactSecrets"}}


def log_config(level: str, fmt: str) -> dict:
    formatter = {"()": "responses_mock.cli.JsonFormatter"} if fmt == "json" else {
        "format": "%(levelname)s:     %(name)s: %(message)s"}
    handler = {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr",
               "filters": ["redact"]}
    root = {"handlers": ["main"], "level": "WARNING"}  # other libraries' warnings, redacted too
    if fmt == "text":  # uvicorn's own look for its lines
        return {"version": 1, "disable_existing_loggers": False,
                "formatters": {"main": formatter}, "filters": REDACT,
                "handlers": {"main": handler}, "root": root,
                "loggers": {"responses_mock": {"handlers": ["main"], "level": level.upper(), "propagate": False}}}
    return {"version": 1, "disable_existing_loggers": False,
            "formatters": {"main": formatter}, "filters": REDACT,
            "handlers": {"main": handler}, "root": root,
            "loggers": {name: {"handlers": ["main"], "level": level.upper(), "propagate": False}
                        for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "responses_mock")}}


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "fixtures":
        print(f"wrote {export_fixtures(args)} fixture rules to {args.file}", file=sys.stderr)
        return
    settings = settings_from(args)
    if args.command == "migrate":
        async def run() -> None:
            store = Store(settings.resolved_database_url, settings.db_max_connections)
            try:
                await store.migrate()
            finally:
                await store.dispose()

        asyncio.run(run())
        print(f"migrated {display_url(settings.resolved_database_url)}", file=sys.stderr)
        return

    config = log_config(settings.log_level, args.log_format)
    # Idle and slow sockets are bounded (connections.py): a header deadline, a keep-alive one, a cap.
    connections = {"http": HttpProtocol, "timeout_keep_alive": settings.keep_alive_timeout}
    if args.workers > 1:
        if is_sqlite_url(settings.resolved_database_url):
            raise SystemExit("responses-mock: --workers > 1 needs Postgres (--database-url postgresql+asyncpg://…); "
                             "SQLite serves one process.")
        _export(settings)
        uvicorn.run("responses_mock.main:create_app", factory=True, host=settings.host, port=settings.port,
                    workers=args.workers, log_level=settings.log_level, log_config=_with_uvicorn(config),
                    timeout_graceful_shutdown=settings.shutdown_grace, ws_max_size=settings.max_body_bytes,
                    **connections)
        return
    # A WebSocket message may be as large as an HTTP body (uvicorn's default is 16 MiB).
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level,
                log_config=_with_uvicorn(config), timeout_graceful_shutdown=settings.shutdown_grace,
                ws_max_size=settings.max_body_bytes, **connections)


def _with_uvicorn(config: dict) -> dict:
    """uvicorn's default logging config, with ours merged in (text) or replacing it (json)."""
    if "uvicorn" in config["loggers"]:
        return config
    merged = json.loads(json.dumps(LOGGING_CONFIG))
    merged["formatters"].update(config["formatters"])
    merged["handlers"].update(config["handlers"])
    for handler in merged["handlers"].values():  # uvicorn's own handlers too (its access log)
        handler["filters"] = ["redact"]
    merged["filters"] = {**merged.get("filters", {}), **config["filters"]}
    merged["loggers"].update(config["loggers"])
    merged["root"] = config["root"]
    return merged
