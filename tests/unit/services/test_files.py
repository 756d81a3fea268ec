"""The input's files as the model reads them (services/files.py read_documents): inline ones
decoded, uploaded ones the caller's own, an unknown id of this request refused naming its part,
one of an earlier turn that is gone left out; and ModelContext.documents in input order."""

from __future__ import annotations

import asyncio
import base64

import pytest

from responses_mock.config import Settings
from responses_mock.errors import NotFound
from responses_mock.services import attachments, context, files, prepare
from responses_mock.services.fixtures import FixturesService
from responses_mock.store import files as file_store
from responses_mock.wire import requests
from tests.stores import migrated


def message(*parts: dict) -> dict:
    return {"type": "message", "role": "user", "content": list(parts)}


def test_read_documents(make_server):
    url = make_server.fresh_url("sqlite")
    inline = {"type": "input_file", "filename": "a.txt",
              "file_data": "data:text/plain;base64," + base64.b64encode(b"inline text").decode()}

    async def scenario():
        async with migrated(url) as store:
            row = file_store.FileRow(id="file-1", created_at=1, expires_at=None, filename="kept.txt", purpose="user_data",
                                     mime_type="text/plain", bytes=4, text="kept", pages=None)
            async with store.begin() as conn:
                await file_store.insert_file(conn, "tenant-a", row)
            new = [message(inline, {"type": "input_file", "file_id": "file-1"})]
            found = await files.read_documents(store, "tenant-a", new, [])
            assert found[inline["file_data"]].text == "inline text"
            assert found["file-1"] == attachments.Document("kept", filename="kept.txt")
            with pytest.raises(NotFound) as err:  # another tenant's file is no file of this caller's
                await files.read_documents(store, "tenant-b", new, [])
            assert err.value.param == "input[0].content[1].file_id"
            earlier = [message({"type": "input_file", "file_id": "file-gone"})]
            lenient = await files.read_documents(store, "tenant-a", new, earlier)
            assert lenient["file-gone"].text == "" and lenient["file-gone"].tokens("o200k_base") == 0
            ctx = context.Context(prior=earlier, new=new, instructions=None, documents=lenient)
            docs = prepare.documents_of(ctx)
            assert [(d.file_id, d.filename, d.text) for d in docs] == [
                (None, "a.txt", "inline text"), ("file-1", "kept.txt", "kept")]

    asyncio.run(scenario())


def test_a_background_run_reads_its_files_again(make_server):
    """The stored request keeps no documents: prepare.reread gives the worker's view its files back."""
    url = make_server.fresh_url("sqlite")

    async def scenario():
        async with migrated(url) as store:
            row = file_store.FileRow(id="file-9", created_at=1, expires_at=None, filename="n.txt", purpose="user_data",
                                     mime_type="text/plain", bytes=9, text="the notes", pages=None)
            async with store.begin() as conn:
                await file_store.insert_file(conn, "t", row)
            params = requests.create_params({"model": "gpt-4o", "background": True, "input": [
                message({"type": "input_file", "file_id": "file-9"}, {"type": "input_text", "text": "Read it."})]})
            made = await prepare.prepare("t", params, {}, store=store, settings=Settings(), fixtures=FixturesService(store))
            assert [d.text for d in made.view.documents] == ["the notes"]
            again = prepare.rehydrate("t", made.stored(), made.response, made.context.new)
            assert again.view.documents == ()
            reread = await prepare.reread(store, again)
            assert [(d.file_id, d.text) for d in reread.view.documents] == [("file-9", "the notes")]

    asyncio.run(scenario())
