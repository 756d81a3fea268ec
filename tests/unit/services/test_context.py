"""What the model is shown (services/context.py): tool outputs as prompt text, and the tools a
request offers, gathered from `tools`, `additional_tools` items and namespaces."""

from __future__ import annotations

from responses_mock.services.context import gathered_tools, message_text


def test_shell_call_output_is_prompt_text():
    item = {"type": "shell_call_output", "call_id": "call_1", "output": [
        {"stdout": "notes.txt\n", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}},
        {"stdout": "", "stderr": "ls: nope\n", "outcome": {"type": "exit", "exit_code": 2}}]}
    assert message_text(item) == ("tool", "notes.txt\nls: nope\n")


def test_tools_counted_include_additional_tools_items_and_namespaces():
    weather = {"type": "function", "name": "get_weather"}
    ns = {"type": "namespace", "name": "n", "description": "", "tools": [{"type": "function", "name": "inner"}]}
    items = [{"type": "additional_tools", "role": "developer", "tools": [ns]}, {"type": "message", "content": "x"}]
    assert [t["name"] for t in gathered_tools([weather], items)] == ["get_weather", "inner"]
