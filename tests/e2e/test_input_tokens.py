"""Token counts over HTTP: POST /v1/responses/input_tokens and a response's usage count text,
images, files and tool definitions alike; a data URL that is not what it says is a 400."""

from __future__ import annotations

import base64
import struct
import zlib

import openai
import pytest

from responses_mock.services import attachments, tokens


def png(width: int, height: int) -> str:
    """A valid (blank, grey) PNG of this size, as a data URL."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(data).decode()


def test_input_tokens_endpoint_matches_formula(client):
    r = client.responses.input_tokens.count(model="gpt-5-mini", input="What is the capital of France?")
    assert (r.object, r.input_tokens) == ("response.input_tokens", 13)
    r = client.responses.input_tokens.count(model="gpt-5-mini", input="Hi", instructions="Be brief.")
    assert r.input_tokens == 2 + (4 + 3) + (4 + 1)
    r = client.responses.input_tokens.count(input=[{"role": "user", "content": [
        {"type": "input_text", "text": "What is the capital "}, {"type": "input_text", "text": "of France?"}]}])
    assert r.input_tokens == 2 + 4 + tokens.count("What is the capital of France?")


def test_images_files_and_tools_are_counted_in_usage_and_input_tokens(client):
    text_only = client.responses.input_tokens.count(model="gpt-4o", input="Describe this.").input_tokens
    image = [{"role": "user", "content": [{"type": "input_text", "text": "Describe this."},
                                          {"type": "input_image", "image_url": png(1024, 1024), "detail": "high"}]}]
    counted = client.responses.input_tokens.count(model="gpt-4o", input=image).input_tokens
    assert counted == text_only + 765
    r = client.responses.create(model="gpt-4o", input=image)
    assert r.usage.input_tokens == counted
    url = [{"role": "user", "content": [{"type": "input_text", "text": "Describe this."},
                                        {"type": "input_image", "image_url": "https://example.com/cat.png"}]}]
    assert client.responses.input_tokens.count(model="gpt-4o", input=url).input_tokens == text_only + 765  # 1024²
    note = base64.b64encode(b"The meeting is at noon.").decode()
    with_file = [{"role": "user", "content": [
        {"type": "input_text", "text": "Describe this."},
        {"type": "input_file", "filename": "note.txt", "file_data": f"data:text/plain;base64,{note}"}]}]
    assert client.responses.input_tokens.count(model="gpt-4o", input=with_file).input_tokens == (
        text_only + tokens.count("The meeting is at noon."))
    tool = {"type": "function", "name": "get_weather", "description": "Get the weather.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
    with_tool = client.responses.input_tokens.count(model="gpt-4o", input="Describe this.", tools=[tool])
    assert with_tool.input_tokens == text_only + attachments.tools_tokens([tool], "o200k_base")


def test_broken_data_urls_are_a_400(client):
    for url, words in (("data:image/png;base64,@@not-base64@@", "could not be decoded"),
                       ("data:image/png;base64," + base64.b64encode(b"not an image").decode(), "not a PNG")):
        with pytest.raises(openai.BadRequestError) as err:
            client.responses.create(model="gpt-4o", input=[{"role": "user", "content": [
                {"type": "input_image", "image_url": url}]}])
        assert err.value.param == "input[0].content[0].image_url" and words in err.value.body["message"]
