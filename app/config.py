"""Settings: every field is a CLI flag of `serve` and an env var `RESPONSES_MOCK_<FIELD>`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from responses_mock.limits import pace_problem


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RESPONSES_MOCK_", extra="ignore")

    host: str = Field("127.0.0.1", description="Interface to listen on.")
    port: int = Field(8000, description="Port to listen on.")
    data_dir: Path = Field(Path("data"), description="Folder of the default SQLite store.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy async URL; default sqlite+aiosqlite:///<data_dir>/responses-mock.db. "
        "Use postgresql+asyncpg://user@host/db for Postgres.",
    )
    db_max_connections: int = Field(
        10, ge=3, description="Postgres: the most connections one server process opens, all pools and its "
        "listener together (1 LISTEN, the rest shared by the hot statements' pool and SQLAlchemy's).")
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="If set, only these bearer keys are accepted (comma-separated in the env var).",
    )
    catalog: Path | None = Field(
        None, description="A JSON or YAML model catalog whose models are added to (or replace) the shipped ones.")
    fixtures: Path | None = Field(None, description="A JSON or YAML file of fixture rules to load at start.")
    admin_token: str | None = Field(
        None, description="The token that acts on every tenant in /__admin/* ('Authorization: Bearer <token>'); "
        "an API key reaches only its own rules and journal. Prefer the env var: a flag's value shows in `ps`.")
    max_body_bytes: int = Field(
        72 * 1024 * 1024, ge=1024, description="The largest request body accepted (413 above it): room for the "
        "real API's largest requests, a 50 MB file sent as base64.")
    max_file_bytes: int = Field(
        64 * 1024 * 1024, ge=1024, description="The largest file /v1/files (or an upload) accepts: its bytes live "
        "in the store (the real API takes 512 MB; a database row is not a bucket).")
    max_file_text_chars: int = Field(
        4_000_000, ge=1024, description="Text kept from one file (its extraction: a text file, a PDF's pages) for "
        "input_file and the vector stores' chunks; beyond it the rest is left out.")
    journal: bool = Field(True, description="Keep a journal of every /v1 request, readable at /__admin/requests.")
    journal_keep: int = Field(10000, description="How many of the newest journal entries are kept.")
    migrate_on_start: bool = Field(True, description="Apply Alembic migrations when the server starts.")
    log_level: str = Field("info", description="uvicorn log level.")
    shutdown_grace: float = Field(
        3.0, description="Seconds open streams and runs get to end at shutdown; then the runs still going "
        "are failed and every open stream ends with its terminal or an error event (the process exits "
        "within this + 1 s; queued jobs run after the next start).")

    # Pace of the fake models. 0 tokens/s means unpaced. Overridable per model (catalog `pace`)
    # and per request (x-mock-queue-delay, x-mock-time-to-first-token, x-mock-tokens-per-second).
    tokens_per_second: float = Field(0.0, description="Pace of sync and streamed answers (0: as fast as possible).")
    time_to_first_token: float = Field(0.0, description="Seconds before a sync or streamed answer's first token.")
    background_tokens_per_second: float | None = Field(
        None, description="Pace of background answers; unset: the model's own (catalog `timing`, from public "
        "measurements; gpt-5-mini about 120 tokens/s), else 500.")
    background_time_to_first_token: float | None = Field(
        None, description="Seconds before a background answer's first token; unset: the model's own, else 0.2.")
    background_queue_delay: float = Field(0.25, description="Seconds a background response stays queued.")

    websocket_max_age: float = Field(
        3600.0, gt=0, description="Seconds a WebSocket connection lasts before the real API's "
        "websocket_connection_limit_reached error closes it (60 minutes).")

    # Connections (per server process): what one client's idle or slow sockets may hold.
    header_timeout: float = Field(
        10.0, gt=0, description="Seconds a connection may take to send a request's headers (from connecting, or "
        "from the next request's first byte) before it is closed.")
    body_timeout: float = Field(
        60.0, gt=0, description="Seconds a request's body may go without a byte (from its headers' end, or from "
        "its last byte) before it is answered 408 and its connection closed.")
    keep_alive_timeout: float = Field(5.0, gt=0, description="Seconds an idle keep-alive connection stays open.")
    max_connections: int | None = Field(
        None, ge=1, description="Open connections at most; at the cap the longest-idle one is closed for a new "
        "one, or the new one is refused when none is idle. Unset: the open-file limit less 128.")
    max_websockets: int = Field(
        256, ge=1, description="Open WebSocket connections at most; more are refused with a 429 in the error envelope.")
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Host names the server answers besides loopback ones (comma-separated; "
        "'*' any, '.example.com' a domain and its subdomains). Unset: loopback names only when listening on "
        "loopback, any name otherwise. Other Host headers get a 400 (DNS rebinding).")
    websocket_max_lanes: int = Field(
        64, ge=1, le=10_000, description="`stream_id` lanes one WebSocket may have busy at once; a create "
        "on one more is refused with an error event (an idle lane is released).")

    # The background worker pool (one per server process; all share the database queue).
    worker_concurrency: int = Field(8, description="Background jobs one process runs at once.")
    worker_poll_interval: float = Field(0.25, description="Seconds between queue polls when idle.")
    heartbeat_interval: float = Field(1.0, description="Seconds between a running job's heartbeats.")
    stale_after: float = Field(
        15.0, description="A running job or streamed run whose heartbeat is older than this many seconds "
        "was abandoned by a process that stopped, and is failed.")
    stream_poll_interval: float = Field(
        0.25, description="How often a stream follower re-reads the event log when nothing wakes it (at "
        "least 10 s on Postgres with LISTEN and 30 s on SQLite, where every write wakes its followers).")

    # Record and replay (services/upstream.py, services/recording.py).
    upstream: str | None = Field(
        None, description="Base URL of a real Responses API (e.g. https://api.openai.com/v1): a /v1/responses "
        "request no fixture rule answers is forwarded there, and an id this server does not know too.")
    upstream_api_key: str | None = Field(
        None, description="The key sent to the upstream instead of the caller's own Authorization (prefer "
        "the env var: a flag's value shows in `ps`).")
    record: bool = Field(False, description="With --upstream: save each forwarded answer as a fixture rule of "
                         "the caller's key (an error as an http_error rule).")
    strict: bool = Field(False, description="A create no fixture rule answers is a 400 fixture_not_found "
                         "naming the miss, instead of the default model's answer (for replay runs).")
    replay_speed: float = Field(1.0, ge=0, le=1000, description="Recorded rules replay their pace this many times "
                                "faster (1: as recorded; 0: unpaced).")

    @field_validator("tokens_per_second", "time_to_first_token", "background_tokens_per_second",
                     "background_time_to_first_token", "background_queue_delay")
    @classmethod
    def _bounded_pace(cls, value: float | None, info) -> float | None:
        if value is None:
            return value
        why = pace_problem(info.field_name.removeprefix("background_"), value)
        if why:
            raise ValueError(why)
        return value

    @field_validator("api_keys", "allowed_hosts", mode="before")
    @classmethod
    def _split_keys(cls, v: object) -> object:
        if isinstance(v, str):
            return [k.strip() for k in v.split(",") if k.strip()]
        return v

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'responses-mock.db').as_posix()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
