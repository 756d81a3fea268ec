"""Images, files and tool definitions in the token count, by the real API's public formulas."""

from __future__ import annotations

import pytest

from responses_mock.services import attachments, tokens


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
    count = lambda text: tokens.count(text, "o200k_base")
    expected = (12 + 7 + count("get_weather:Get the weather") + 3
                + 3 + count("city:string:The city") + 3 - 3 + (3 + count("c")) + (3 + count("f")) + count("unit:string:"))
    assert attachments.tools_tokens([tool], "o200k_base") == expected
    assert attachments.tools_tokens([{"type": "web_search"}], "o200k_base") == 0


