"""Images, files and tool definitions in the token count, by the real API's public formulas."""

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


@pytest.mark.parametrize("model, detail, size, expected", [
    ("gpt-4o-2024-08-06", "high", (1024, 1024), 765),  # the vision guide's worked examples
    ("gpt-4o-2024-08-06", "high", (2048, 4096), 1105),
    ("gpt-4o-2024-08-06", "low", (4096, 8192), 85),
    ("gpt-4o-mini-2024-07-18", "high", (1024, 1024), 2833 + 4 * 5667),
    ("gpt-5-2025-08-07", "high", (1024, 1024), 70 + 4 * 140),
    ("gpt-4.1-mini-2025-04-14", "auto", (1024, 1024), int(1024 * 1.62)),
    ("gpt-4.1-mini-2025-04-14", "auto", (1800, 2400), int(1452 * 1.62)),  # 1,452 patches after scaling
    ("gpt-5-nano-2025-08-07", "auto", (100, 100), int(16 * 2.46)),
])
def test_image_formulas(model, detail, size, expected):
    assert attachments.image_tokens(model, detail, size) == expected


def test_function_tools_follow_the_cookbook_formula():
    tool = {"type": "function", "name": "get_weather", "description": "Get the weather.", "parameters": {
        "type": "object", "properties": {"city": {"type": "string", "description": "The city."},
                                         "unit": {"type": "string", "enum": ["c", "f"]}}}}
    count = lambda text: tokens.count(text, "o200k_base")  # noqa: E731
    expected = (12 + 7 + count("get_weather:Get the weather") + 3
                + 3 + count("city:string:The city") + 3 - 3 + (3 + count("c")) + (3 + count("f")) + count("unit:string:"))
    assert attachments.tools_tokens([tool], "o200k_base") == expected
    assert attachments.tools_tokens([{"type": "web_search"}], "o200k_base") == 0


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
