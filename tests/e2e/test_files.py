"""The Files and Uploads APIs through the official SDK, both stores: upload, list (paging, purpose,
order), retrieve, content, delete; tenancy; the size bound; chunked uploads; and input_file by
file_id answering from the file (and refused for an id nobody uploaded)."""

from __future__ import annotations

import io

import openai
import pytest

from responses_mock.services import attachments, tokens
from tests.conftest import new_key
from tests.pdfs import make_pdf
from tests.polling import wait_for

NOTE = b"Project notes.\nThe secret word is pineapple.\nThe meeting is on Thursday.\n"


def upload(client, data: bytes = NOTE, name: str = "notes.txt", purpose: str = "user_data", **kw):
    return client.files.create(file=(name, io.BytesIO(data)), purpose=purpose, **kw)


def test_create_retrieve_content_delete(client, server):
    f = upload(client)
    assert f.id.startswith("file-") and f.object == "file" and f.bytes == len(NOTE)
    assert (f.filename, f.purpose, f.status) == ("notes.txt", "user_data", "processed")
    assert f.created_at > 1_700_000_000 and f.expires_at is None
    assert client.files.retrieve(f.id).model_dump() == f.model_dump()
    assert client.files.content(f.id).content == NOTE
    gone = client.files.delete(f.id)
    assert (gone.id, gone.object, gone.deleted) == (f.id, "file", True)
    for call in (lambda: client.files.retrieve(f.id), lambda: client.files.content(f.id),
                 lambda: client.files.delete(f.id)):
        with pytest.raises(openai.NotFoundError) as err:
            call()
        assert err.value.body["message"] == f"No such File object: {f.id}"
    assert "OpenAIFile" in server.checked and "DeleteFileResponse" in server.checked


def test_large_binary_round_trips_in_pieces(client):
    data = bytes(range(256)) * (3 * 4096 + 17)  # ~3 MiB: several pieces in the store
    f = upload(client, data, "blob.bin", purpose="assistants")
    assert f.bytes == len(data)
    assert client.files.content(f.id).content == data


def test_list_pages_filters_and_orders(client, server):
    key = new_key()
    with server.client(api_key=key) as mine:
        made = [upload(mine, f"file {i}".encode(), f"f{i}.txt", purpose="user_data" if i % 2 else "assistants")
                for i in range(5)]
        listed = mine.files.list()
        assert [f.id for f in listed.data] == [f.id for f in reversed(made)]  # newest first
        asc = mine.files.list(order="asc", limit=2)
        assert [f.id for f in asc.data] == [made[0].id, made[1].id] and asc.has_more is True
        walked = [f.id for f in mine.files.list(order="asc", limit=2)]
        assert walked == [f.id for f in made]
        assert [f.id for f in mine.files.list(purpose="user_data", order="asc")] == [made[1].id, made[3].id]
        with pytest.raises(openai.BadRequestError) as err:
            mine.files.list(after="file-nobody")
        assert err.value.param == "after"
    assert "ListFilesResponse" in server.checked


def test_files_are_per_key(client, server):
    f = upload(client)
    with server.client() as other:
        with pytest.raises(openai.NotFoundError):
            other.files.retrieve(f.id)
        with pytest.raises(openai.NotFoundError):
            other.files.delete(f.id)
        assert f.id not in [x.id for x in other.files.list()]
    assert client.files.retrieve(f.id).id == f.id


def test_bad_purpose_and_missing_file(client, server):
    with pytest.raises(openai.BadRequestError) as err:
        upload(client, purpose="nonsense")
    assert err.value.param == "purpose" and "'user_data'" in err.value.body["message"]
    with server.http() as http:
        r = http.post("/v1/files", headers={"Authorization": f"Bearer {new_key()}"}, data={"purpose": "user_data"},
                      files={"other": ("x.txt", b"x")})
        assert r.status_code == 400 and r.json()["error"]["param"] == "file"
        r = http.post("/v1/files", headers={"Authorization": f"Bearer {new_key()}"}, json={"purpose": "user_data"})
        assert r.status_code == 400 and "multipart/form-data" in r.json()["error"]["message"]


def test_expires_after(client):
    f = upload(client, expires_after={"anchor": "created_at", "seconds": 3600})
    assert f.expires_at == f.created_at + 3600
    with pytest.raises(openai.BadRequestError) as err:
        upload(client, expires_after={"anchor": "created_at", "seconds": 60})
    assert err.value.param == "expires_after.seconds"


def test_a_file_past_the_size_bound_is_refused(make_server):
    small = make_server("sqlite", max_file_bytes=4096)
    with small.client() as client:
        with pytest.raises(openai.APIStatusError) as err:
            upload(client, b"x" * 5000)
        assert err.value.status_code == 413 and err.value.body["param"] == "file"
        assert "4,096" in err.value.body["message"]
        assert upload(client, b"x" * 4096).bytes == 4096


def test_chunked_upload_completes_into_a_file(client, server, tmp_path):
    data = (b"0123456789abcdef" * 70_000)[:1_100_000]
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    done = client.uploads.upload_file_chunked(file=path, mime_type="text/plain", purpose="user_data",
                                              part_size=256 * 1024)
    assert done.status == "completed" and done.object == "upload" and done.bytes == len(data)
    assert done.file is not None and done.file.bytes == len(data) and done.file.filename == "big.txt"
    assert client.files.content(done.file.id).content == data
    assert "Upload" in server.checked and "UploadPart" in server.checked


def test_upload_parts_complete_and_cancel(client, server):
    up = client.uploads.create(bytes=6, filename="six.txt", mime_type="text/plain", purpose="user_data")
    assert up.status == "pending" and up.file is None and up.expires_at == up.created_at + 3600
    second = client.uploads.parts.create(up.id, data=b"def")
    first = client.uploads.parts.create(up.id, data=b"abc")
    assert first.object == "upload.part" and first.upload_id == up.id
    with pytest.raises(openai.BadRequestError):
        client.uploads.parts.create(up.id, data=b"toolong")  # past the declared bytes
    with pytest.raises(openai.BadRequestError):
        client.uploads.complete(up.id, part_ids=[first.id])  # 3 of 6 bytes
    done = client.uploads.complete(up.id, part_ids=[first.id, second.id])
    assert client.files.content(done.file.id).content == b"abcdef"
    with pytest.raises(openai.BadRequestError):
        client.uploads.cancel(up.id)  # completed already
    other = client.uploads.create(bytes=3, filename="x.txt", mime_type="text/plain", purpose="user_data")
    client.uploads.parts.create(other.id, data=b"xyz")
    assert client.uploads.cancel(other.id).status == "cancelled"
    with pytest.raises(openai.NotFoundError):
        client.uploads.cancel("upload_nobody")
    mine = client.uploads.create(bytes=3, filename="m.txt", mime_type="text/plain", purpose="user_data")
    with server.client() as stranger:  # an upload is its key's
        with pytest.raises(openai.NotFoundError):
            stranger.uploads.parts.create(mine.id, data=b"abc")
        with pytest.raises(openai.NotFoundError):
            stranger.uploads.cancel(mine.id)


def _ask(client, file_part: dict, question: str):
    return client.responses.create(model="gpt-4o", input=[{"role": "user", "content": [
        file_part, {"type": "input_text", "text": question}]}])


def test_input_file_by_id_counts_the_file_and_answers_from_it(client):
    f = upload(client)
    part = {"type": "input_file", "file_id": f.id}
    question = "What is the secret word in the file?"
    plain = client.responses.input_tokens.count(model="gpt-4o", input=[{"role": "user", "content": [
        {"type": "input_text", "text": question}]}]).input_tokens
    counted = client.responses.input_tokens.count(model="gpt-4o", input=[{"role": "user", "content": [
        part, {"type": "input_text", "text": question}]}]).input_tokens
    assert counted == plain + tokens.count(NOTE.decode())
    r = _ask(client, part, question)
    assert r.usage.input_tokens == counted
    assert "pineapple" in r.output_text.lower()


def test_input_file_pdf_by_id_counts_pages_and_answers(client):
    pdf = make_pdf("Quarterly report.\nThe launch code is tangerine.", "Appendix: nothing else.")
    f = upload(client, pdf, "report.pdf")
    assert client.files.content(f.id).content == pdf
    part = {"type": "input_file", "file_id": f.id}
    question = "What is the launch code?"
    plain = client.responses.input_tokens.count(model="gpt-4o", input=question).input_tokens
    counted = client.responses.input_tokens.count(model="gpt-4o", input=[{"role": "user", "content": [
        part, {"type": "input_text", "text": question}]}]).input_tokens
    assert counted == plain + 2 * attachments.PDF_PAGE_TOKENS
    assert "tangerine" in _ask(client, part, question).output_text.lower()


def test_inline_pdf_answers_too(client):
    import base64
    pdf = base64.b64encode(make_pdf("The secret word is pineapple.")).decode()
    part = {"type": "input_file", "filename": "s.pdf", "file_data": f"data:application/pdf;base64,{pdf}"}
    assert "pineapple" in _ask(client, part, "What is the secret word in the file?").output_text.lower()


def test_input_file_with_an_unknown_or_deleted_id_is_refused(client, server):
    f = upload(client)
    client.files.delete(f.id)
    with server.client() as stranger:
        theirs = upload(stranger)
    for file_id in ("file-madeup", f.id, theirs.id):
        part = {"type": "input_file", "file_id": file_id}
        for call in (lambda part=part: _ask(client, part, "Read it."),
                     lambda part=part: client.responses.input_tokens.count(model="gpt-4o", input=[
                         {"role": "user", "content": [part]}])):
            with pytest.raises(openai.NotFoundError) as err:
                call()
            assert err.value.body["param"] == "input[0].content[0].file_id"
            assert err.value.body["message"] == f"No such File object: {file_id}"


def test_a_file_of_an_earlier_turn_is_read_until_deleted(client):
    f = upload(client)
    first = _ask(client, {"type": "input_file", "file_id": f.id}, "Keep this file in mind.")
    second = client.responses.create(model="gpt-4o", previous_response_id=first.id,
                                     input="What is the secret word in the file?")
    assert "pineapple" in second.output_text.lower()
    client.files.delete(f.id)
    # The chain still runs: a file gone since an earlier turn is left out, not refused.
    third = client.responses.create(model="gpt-4o", previous_response_id=first.id, input="Go on.")
    assert third.status == "completed" and third.usage.input_tokens < second.usage.input_tokens


def test_a_background_run_reads_the_file_by_id(client):
    """The worker rereads the files the stored row does not keep."""
    f = upload(client)
    queued = client.responses.create(model="gpt-4o", background=True, input=[{"role": "user", "content": [
        {"type": "input_file", "file_id": f.id}, {"type": "input_text", "text": "What is the secret word in the file?"}]}])
    r, _ = wait_for(client, queued.id)
    assert r.status == "completed" and "pineapple" in r.output_text.lower()


def test_a_filename_is_kept_without_control_characters_and_downloads(client, server):
    """A CR/LF in a name could break the download's headers: names lose control characters on the
    way in, are bounded, and the download names them safely (RFC 5987 for non-ASCII)."""
    up = client.uploads.create(bytes=3, filename="a\r\nX-Injected: 1.txt", mime_type="text/plain",
                               purpose="user_data")
    assert up.filename == "aX-Injected: 1.txt"
    part = client.uploads.parts.create(up.id, data=b"abc")
    done = client.uploads.complete(up.id, part_ids=[part.id])
    with server.http() as http:
        r = http.get(f"/v1/files/{done.file.id}/content", headers={"Authorization": f"Bearer {client.api_key}"})
        assert r.status_code == 200 and r.content == b"abc" and "x-injected" not in r.headers
        assert r.headers["content-disposition"] == 'attachment; filename="aX-Injected: 1.txt"'
        named = client.uploads.create(bytes=2, filename='r\u00e9sum\u00e9 "v2"\t.txt', mime_type="text/plain",
                                      purpose="user_data")
        part = client.uploads.parts.create(named.id, data=b"hi")
        f = client.uploads.complete(named.id, part_ids=[part.id]).file
        assert f.filename == 'r\u00e9sum\u00e9 "v2".txt'
        r = http.get(f"/v1/files/{f.id}/content", headers={"Authorization": f"Bearer {client.api_key}"})
        assert r.headers["content-disposition"] == (
            "attachment; filename=\"r_sum_ _v2_.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.txt")
    for call, param in ((lambda: upload(client, b"x", "n" * 513), "file"),
                        (lambda: client.uploads.create(bytes=3, filename="n" * 513, mime_type="text/plain",
                                                       purpose="user_data"), "filename"),
                        (lambda: client.uploads.create(bytes=3, filename="a.txt", mime_type="t/" + "x" * 300,
                                                       purpose="user_data"), "mime_type")):
        with pytest.raises(openai.BadRequestError) as err:
            call()
        assert (err.value.param, err.value.code) == (param, "string_above_max_length")
