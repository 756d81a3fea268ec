"""The query parameters of /__admin, keyed as sent (routes/api.py validates and documents them).

Every admin call takes `api_key`, listed last; the journal's filters and the inspector's pages
add their own."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from typing_extensions import TypedDict

ApiKey = Annotated[str | None, Field(description="With the admin token: only this API key's rules / requests. "
                                                 "With an API key: that same key, or nothing.")]
_Path = Annotated[str | None, Field(description="Exact path, or a pattern with *")]
_FixtureId = Annotated[str | None, Field(description="The rule that answered; empty: requests no rule answered")]
_Cursor = Annotated[int | None, Field(description="A cursor from an earlier page")]
_Before = Annotated[str | None, Field(description="`next_before` of an earlier page")]


class ScopeQuery(TypedDict, total=False):
    api_key: ApiKey


class _JournalFilters(TypedDict, total=False):
    """The journal's filters, shared by a page of it and by a live follower."""

    method: str | None
    path: _Path
    status: int | None
    fixture_id: _FixtureId
    model: str | None
    after: _Cursor


class FollowQuery(_JournalFilters, total=False):
    api_key: ApiKey


class RequestsQuery(_JournalFilters, total=False):
    limit: Annotated[int, Field(ge=1, le=1000, default=100)]
    order: Annotated[Literal["asc", "desc"], Field(default="asc")]
    api_key: ApiKey


class ResponsesQuery(TypedDict, total=False):
    limit: Annotated[int, Field(ge=1, le=200, default=50)]
    before: _Before
    status: str | None
    api_key: ApiKey


class ConversationsQuery(TypedDict, total=False):
    limit: Annotated[int, Field(ge=1, le=200, default=50)]
    before: _Before
    api_key: ApiKey
