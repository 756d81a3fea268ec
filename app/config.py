"""Settings: every field is a CLI flag of `serve` and an env var `RESPONSES_MOCK_<FIELD>`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from typing import Annotated

from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="If set, only these bearer keys are accepted (comma-separated in the env var).",
    )
    migrate_on_start: bool = Field(True, description="Apply Alembic migrations when the server starts.")
    log_level: str = Field("info", description="uvicorn log level.")

    @field_validator("api_keys", mode="before")
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
