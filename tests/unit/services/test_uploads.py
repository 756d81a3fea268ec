"""Completing or cancelling an upload is decided by one conditional write (services/uploads.py):
of two racing completes, or a complete and a cancel, exactly one wins and the other gets the 400
a finished upload gets. Both stores (Postgres's READ COMMITTED let both win before)."""

from __future__ import annotations

import asyncio

import pytest

from responses_mock.config import Settings
from responses_mock.errors import InvalidRequest
from responses_mock.services.files import FilesService
from responses_mock.services.uploads import UploadsService
from responses_mock.store import files as file_store
from tests.stores import migrated


@pytest.mark.parametrize("engine_name", ["sqlite", "postgres"])
def test_racing_completes_and_cancels_have_one_winner(make_server, engine_name):
    url = make_server.fresh_url(engine_name)

    async def scenario():
        async with migrated(url) as store:
            uploads = UploadsService(store, FilesService(store, Settings()))
            for rivals in (("complete", "complete"), ("complete", "cancel"), ("cancel", "complete")):
                up = await uploads.create("t", {"bytes": 3, "filename": "a.txt", "mime_type": "text/plain",
                                                "purpose": "user_data"})
                part = await uploads.add_part("t", up["id"], b"abc")

                def call(kind: str, upload_id: str = up["id"], part_id: str = part["id"]):
                    if kind == "complete":
                        return uploads.complete("t", upload_id, {"part_ids": [part_id]})
                    return uploads.cancel("t", upload_id)

                outcomes = await asyncio.gather(*(call(k) for k in rivals), return_exceptions=True)
                won = [o for o in outcomes if isinstance(o, dict)]
                lost = [o for o in outcomes if isinstance(o, InvalidRequest)]
                assert len(won) == 1 and len(lost) == 1, (rivals, outcomes)
                assert lost[0].code == "invalid_state" and lost[0].param == "upload_id"
                async with store.connect() as conn:
                    row = await file_store.get_upload(conn, "t", up["id"])
                    made = await file_store.get_files(conn, "t", [row.file_id] if row.file_id else [], 0)
                assert row.status == won[0]["status"]
                assert len(made) == (1 if row.status == "completed" else 0)  # one file, never two

    asyncio.run(scenario())
