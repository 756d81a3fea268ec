"""What a file gives the model to read (services/attachments.py read_document): a PDF's pages
and text by pypdf, a text file decoded, both bounded; counted by the public formulas."""

from __future__ import annotations

import asyncio
import base64

import pytest

from responses_mock.config import Settings
from responses_mock.errors import InvalidRequest
from responses_mock.services import attachments, files, tokens
from tests.pdfs import make_pdf


def test_a_pdf_gives_its_pages_and_text():
    doc = attachments.read_document(make_pdf("First page: pineapple.", "Second page."), "", "r.pdf", 10_000)
    assert doc.pages == 2 and "pineapple" in doc.text and "Second page." in doc.text
    assert doc.tokens("o200k_base") == 2 * attachments.PDF_PAGE_TOKENS
    with pytest.raises(attachments.UnreadablePdf):
        attachments.read_document(b"%PDF-1.4 garbage", "application/pdf", "x.pdf", 10_000)


def test_text_is_decoded_and_bounded():
    doc = attachments.read_document("héllo wörld".encode(), "text/plain", "a", 10_000)
    assert doc.text == "héllo wörld" and doc.tokens("o200k_base") == tokens.count("héllo wörld")
    cut = attachments.read_document(b"x" * 5000, "", "long.md", 1024)
    assert len(cut.text) == 1024 and cut.truncated
    binary = attachments.read_document(b"\x89PNG\r\n", "image/png", "p.png", 1024)
    assert binary.text is None and binary.tokens("o200k_base") == attachments.DEFAULT_FILE_TOKENS


def test_inline_files_by_data_url_or_bare_base64():
    data = base64.b64encode(b"the secret").decode()
    for file_data in (f"data:text/plain;base64,{data}", data):
        part = {"type": "input_file", "filename": "s.txt", "file_data": file_data}
        assert attachments.inline_document(part, "input[0].content[0]", 100).text == "the secret"
    bad = {"type": "input_file", "filename": "s.pdf", "file_data": "data:application/pdf;base64,"
           + base64.b64encode(b"%PDF-nope").decode()}
    with pytest.raises(InvalidRequest) as err:
        attachments.inline_document(bad, "input[0].content[1]", 100)
    assert err.value.param == "input[0].content[1].file_data"


def test_counts_use_the_documents_read():
    items = [{"type": "message", "role": "user", "content": [
        {"type": "input_file", "file_id": "file-1"}, {"type": "input_file", "file_id": "file-2"}]}]
    documents = {"file-1": attachments.Document("four words of text"), "file-2": attachments.Document("x", pages=3)}
    assert attachments.items_tokens(items, "gpt-4o", "o200k_base", documents) == (
        tokens.count("four words of text") + 3 * attachments.PDF_PAGE_TOKENS)
    assert [p for p, _ in attachments.file_parts(items)] == ["input[0].content[0]", "input[0].content[1]"]


def test_a_pdf_is_read_to_a_page_bound_and_a_time_budget(monkeypatch):
    pdf = make_pdf("Page one: apple.", "Page two: banana.", "Page three: cherry.")
    monkeypatch.setattr(attachments, "MAX_PDF_PAGES", 2)
    doc = attachments.read_document(pdf, "application/pdf", "r.pdf", 10_000)
    assert doc.pages == 3 and "banana" in doc.text and "cherry" not in doc.text and doc.truncated
    monkeypatch.setattr(attachments, "PDF_SECONDS", -1.0)  # the budget gone before the first page
    doc = attachments.read_document(pdf, "application/pdf", "r.pdf", 10_000)
    assert doc.pages == 3 and doc.text == "" and doc.truncated and doc.tokens("o200k_base") == 3000


def test_extraction_waits_for_a_thread_of_its_own():
    """At most files.EXTRACTORS extractions at once, whatever the shared thread pool has free."""
    async def scenario():
        limiter = files.extraction_limiter()
        assert limiter.total_tokens == files.EXTRACTORS and limiter is files.extraction_limiter()
        holders = [object() for _ in range(files.EXTRACTORS)]
        for holder in holders:
            await limiter.acquire_on_behalf_of(holder)
        service = files.FilesService(store=None, settings=Settings())
        task = asyncio.ensure_future(service.extract(b"hello", "text/plain", "a.txt"))
        await asyncio.sleep(0.2)
        assert not task.done()  # every extraction thread is taken
        limiter.release_on_behalf_of(holders[0])
        assert (await asyncio.wait_for(task, 5)).text == "hello"
        for holder in holders[1:]:
            limiter.release_on_behalf_of(holder)

    asyncio.run(scenario())
