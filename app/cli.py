"""The console script `responses-mock`: `serve` runs the server, `migrate` applies migrations.

Every `serve` flag maps 1:1 to a Settings field; unset flags fall back to RESPONSES_MOCK_* env vars.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from app import __version__
from app.config import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="responses-mock",
                                     description="A server that speaks the OpenAI Responses API.")
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server",
                           description="Every flag is also an env var RESPONSES_MOCK_<NAME>; a flag wins.")
    migrate = sub.add_parser("migrate", help="apply database migrations and exit")
    for name, field in Settings.model_fields.items():
        _add_flag(serve, name, field)
    for name in ("database_url", "data_dir"):
        _add_flag(migrate, name, Settings.model_fields[name])
    return parser


def _add_flag(parser: argparse.ArgumentParser, name: str, field) -> None:
    """One flag per Settings field, typed from its annotation; the env var names it in --help."""
    flag = "--" + name.replace("_", "-")
    default = field.get_default(call_default_factory=True)
    help_ = f"{field.description} [env RESPONSES_MOCK_{name.upper()}; default {str(default) or '-'}]"
    annotation = field.annotation
    if annotation is bool:
        parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help_)
    elif annotation in (int, float):
        parser.add_argument(flag, type=annotation, help=help_)
    else:  # str, Path, comma-separated lists: Settings parses them
        parser.add_argument(flag, help=help_)


def settings_from(args: argparse.Namespace) -> Settings:
    overrides = {k: v for k, v in vars(args).items() if k != "command" and v is not None}
    return Settings(**overrides)


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = settings_from(args)
    if args.command == "migrate":
        from app.store import db

        async def run() -> None:
            engine = db.make_engine(settings.resolved_database_url)
            try:
                await db.migrate(engine)
            finally:
                await engine.dispose()

        asyncio.run(run())
        print(f"migrated {settings.resolved_database_url}", file=sys.stderr)
        return

    import logging

    import uvicorn

    # Our own loggers (jobs, workers, recovery) beside uvicorn's, at the same level.
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(levelname)s:     %(name)s: %(message)s")

    from app.main import create_app

    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level=settings.log_level)
