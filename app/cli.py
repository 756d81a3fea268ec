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
    fields = Settings.model_fields
    serve = sub.add_parser("serve", help="run the server")
    migrate = sub.add_parser("migrate", help="apply database migrations and exit")
    for p in (serve, migrate):
        p.add_argument("--database-url", help=fields["database_url"].description)
        p.add_argument("--data-dir", help=fields["data_dir"].description)
    serve.add_argument("--host", help=fields["host"].description)
    serve.add_argument("--port", type=int, help=fields["port"].description)
    serve.add_argument("--api-keys", help=fields["api_keys"].description)
    serve.add_argument("--log-level", help=fields["log_level"].description)
    return parser


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

    import uvicorn

    from app.main import create_app

    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level=settings.log_level)
