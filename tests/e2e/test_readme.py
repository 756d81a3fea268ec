"""The README must stay true: its recipe script runs, unchanged but for the URL, against a server."""

from __future__ import annotations

import re
from pathlib import Path

from responses_mock.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def python_block_after(heading: str) -> str:
    text = README.read_text()
    section = text[text.index(heading):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_recipes_run(make_server):
    server = make_server("sqlite")
    code = python_block_after("### Recipes").replace("http://127.0.0.1:8000", server.url)
    exec(compile(code, "README.md#recipes", "exec"), {})


def test_readme_starts_with_the_two_commands():
    text = README.read_text()
    first = re.search(r"```sh\n(.*?)```", text, re.S).group(1).splitlines()
    assert [line.split()[0:2] for line in first] == [["make", "serve"], ["make", "test"]]
    assert (README.parent / ".ci" / "run").read_text().strip().endswith("make test")


def test_settings_table_lists_every_setting():
    rows = [line for line in README.read_text().splitlines() if line.startswith("| `--")]
    flags = {re.match(r"\| `--(?:\[no-\])?([a-z-]+)`", row).group(1) for row in rows}
    assert {name.replace("_", "-") for name in Settings.model_fields} <= flags
