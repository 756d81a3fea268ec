"""The journal live: the entries after a cursor, as they are recorded (what
/__admin/requests/stream sends). Entries of this process wake the follower at once; those of
other replicas are found by a read every FOLLOW_POLL seconds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from responses_mock.services.journal import JournalService

FOLLOW_POLL = 1.0  # seconds between journal reads of a live follower when nothing here wakes it
PAGE = 200  # entries a follower reads at once


@dataclass(frozen=True)
class Filters:
    """Which entries a follower wants (None: any)."""

    method: str | None = None
    path: str | None = None
    status: int | None = None
    fixture_id: str | None = None
    model: str | None = None


async def newest_cursor(journal: JournalService, tenant: str | None) -> int:
    """The cursor of the tenant's newest entry (0 if none): following from it is "from now"."""
    newest = await journal.read(tenant=tenant, method=None, path=None, status=None, fixture_id=None,
                                after=None, limit=1, order="desc")
    return newest["data"][0]["cursor"] if newest["data"] else 0


async def follow(journal: JournalService, tenant: str | None, filters: Filters, after: int) -> AsyncIterator[dict]:
    """The entries after `after` that match, oldest first, for as long as the caller reads."""
    cursor = after
    filtered = filters != Filters()
    with journal.watching(tenant):  # only this tenant's entries wake it
        while True:
            seen = journal.seen(tenant)  # before the read: what is recorded during it does not wait
            # With filters, the entries that do not match are read past too: every one up to the
            # newest before this read has been looked at, so the next read starts after it.
            scanned = await newest_cursor(journal, tenant) if filtered else 0
            page = await journal.read(tenant=tenant, method=filters.method, path=filters.path,
                                      status=filters.status, fixture_id=filters.fixture_id, after=cursor,
                                      limit=PAGE, order="asc", model=filters.model)
            for entry in page["data"]:
                yield entry
            if page["last_cursor"] is not None:
                cursor = page["last_cursor"]
            if not page["has_more"]:
                cursor = max(cursor, scanned)
                await journal.follow(FOLLOW_POLL, seen, tenant)
