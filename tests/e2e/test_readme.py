"""The README must stay true: every code block in it is run or checked. Python blocks run against a
live server, unchanged but for the URL (the pytest example is run by test_pytest_plugin.py, as a
user's test file); TOML and YAML blocks go through their parsers and the catalog's loader; shell
blocks are checked, not run (they install, serve, or need Docker or a real key): `make` targets
exist, `responses-mock` commands parse with the CLI's own parser, Docker commands name the files
and services there are, `pip install` names what the project builds. A comment `<!-- not run: … -->`
or `<!-- run by … -->` on the line before a fence says why a block is not run here."""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import shlex
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from responses_mock.cli import _parser
from responses_mock.config import Settings
from responses_mock.services import catalog

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
URL = "http://127.0.0.1:8000"


@dataclass
class Block:
    line: int  # of the opening fence
    lang: str
    code: str
    heading: str
    note: str  # the `<!-- … -->` comment just before the fence, if any


def blocks() -> list[Block]:
    text = README.read_text()
    found, heading = [], ""
    for m in re.finditer(r"^(#+ [^\n]*)$|^(?:<!--(.*?)-->\n)?```(\w*)\n(.*?)^```", text, re.M | re.S):
        if m.group(1):
            heading = m.group(1)
            continue
        line = text.count("\n", 0, m.start()) + 1 + (1 if m.group(2) is not None else 0)
        found.append(Block(line, m.group(3), m.group(4), heading, (m.group(2) or "").strip()))
    return found


def python_block_after(heading: str) -> str:
    return next(b.code for b in blocks() if b.heading == heading and b.lang == "python")


def _id(block: Block) -> str:
    """The block's section and its place in it (stable while other sections change)."""
    same = [b for b in blocks() if b.heading == block.heading and b.lang == block.lang]
    slug = re.sub(r"[^a-z0-9]+", "-", block.heading.lstrip("#").lower()).strip("-")
    return f"{slug}-{block.lang or 'text'}{same.index(block) + 1 if len(same) > 1 else ''}"


def of(*langs: str) -> list[Block]:
    return [b for b in blocks() if b.lang in langs]


def test_no_block_is_empty_and_every_fence_closes():
    text = README.read_text()
    assert text.count("```") % 2 == 0, "an unclosed code fence"
    for block in blocks():
        assert block.code.strip(), f"README.md:{block.line}: an empty code block"


RUN = [b for b in of("python") if not b.note.startswith("run by")]


@pytest.mark.parametrize("block", RUN, ids=[_id(b) for b in RUN])
def test_python_blocks_run(block, make_server):
    server = make_server("sqlite")
    code = block.code.replace(URL, server.url).replace(URL.replace("http://", "ws://"), server.url.replace("http://", "ws://"))
    with contextlib.redirect_stdout(io.StringIO()):  # a block may print (streamed deltas)
        exec(compile(code, f"README.md:{block.line}", "exec"), {"__name__": "readme"})


def test_the_pytest_example_is_run_where_its_note_says():
    [example] = [b for b in of("python") if b.note.startswith("run by")]
    runner = ROOT / example.note.removeprefix("run by").split(",")[0].strip()
    assert runner.is_file() and "python_block_after(\"## Use it from pytest\")" in runner.read_text()
    assert example.code == python_block_after("## Use it from pytest")


def test_toml_blocks_parse_and_say_what_is_true():
    for block in of("toml"):
        data = tomllib.loads(block.code)
        if "model_providers" in data:  # Codex CLI's config
            provider = data["model_providers"][data["model_provider"]]
            assert provider["base_url"] == f"{URL}/v1" and provider["wire_api"] == "responses"
            assert catalog.find(data["model"]) is not None, data["model"]
        elif "tool" in data:  # a pytest configuration
            options = data["tool"]["pytest"]["ini_options"]
            assert options["asyncio_default_fixture_loop_scope"] in ("function", "class", "module", "package",
                                                                     "session")
        else:
            pytest.fail(f"README.md:{block.line}: a TOML block this test does not know how to check")


def test_yaml_blocks_are_catalogs_the_loader_takes():
    for block in of("yaml"):
        data = yaml.safe_load(block.code)
        assert data["models"], block.line
        for raw in data["models"]:
            catalog._entry(raw)  # what --catalog does with each entry at start (raises on a bad one)


def _makefile_targets() -> set[str]:
    return set(re.findall(r"^([\w.-]+):", (ROOT / "Makefile").read_text(), re.M))


def _commands(code: str) -> list[list[str]]:
    """Each line's words, comments and leading VAR=value assignments left out."""
    out = []
    for line in code.splitlines():
        words = shlex.split(line, comments=True)
        while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
            words.pop(0)
        if words:
            out.append(words)
    return out


SHELL = of("sh")


@pytest.mark.parametrize("block", SHELL, ids=[_id(b) for b in SHELL])
def test_shell_blocks_name_what_exists(block):
    syntax = subprocess.run(["bash", "-n"], input=block.code, capture_output=True, text=True)
    assert syntax.returncode == 0, f"README.md:{block.line}: {syntax.stderr}"
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    built: set[str] = set()
    for words in _commands(block.code):
        command, args = words[0], words[1:]
        where = f"README.md:{block.line}: {' '.join(words)}"
        if command == "make":
            assert set(args) <= _makefile_targets(), where
        elif command == "responses-mock" or words[:3] == ["python", "-m", "responses_mock"]:
            argv = args if command == "responses-mock" else words[3:]
            try:
                _parser().parse_args(argv)
            except SystemExit:
                pytest.fail(f"{where}: the CLI refuses it")
        elif command.endswith("python") and args[:1] == ["-m"]:
            module = args[1]
            assert (ROOT / Path(*module.split("."))).with_suffix(".py").is_file(), where
        elif command == "docker" and args[:1] == ["build"]:
            assert (ROOT / args[-1] / "Dockerfile").is_file(), where
            built.add(args[args.index("-t") + 1])
        elif command == "docker" and args[:1] == ["run"]:
            assert args[-1] in built, f"{where}: an image this block did not build"
        elif command == "docker" and args[:1] == ["compose"]:
            for flag, value in itertools.pairwise(args):
                if flag == "--scale":
                    assert value.split("=")[0] in compose["services"], where
        elif command == "pip" and args[:1] == ["install"]:
            target = args[1]
            if target.endswith(".whl"):  # the wheel the project builds, by its normalised name
                name = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
                assert Path(target).name.startswith(name.replace("-", "_") + "-"), where
            else:
                assert "responses-mock" in target, where


def test_readme_starts_with_the_two_commands():
    first = blocks()[0]
    assert [line.split()[0:2] for line in first.code.splitlines()] == [["make", "serve"], ["make", "test"]]
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_layout_names_files_that_exist():
    present = {p.name for p in ROOT.rglob("*") if "node_modules" not in p.parts and ".venv" not in p.parts}
    for block in (b for b in blocks() if b.heading == "## Layout" and not b.lang):
        for name in re.findall(r"\b[\w-]+\.(?:py|json|html|js|css|conf)\b", block.code):
            assert name in present, f"README.md:{block.line}: {name} is named but no such file exists"


def test_settings_table_lists_every_setting():
    rows = [line for line in README.read_text().splitlines() if line.startswith("| `--")]
    flags = {re.match(r"\| `--(?:\[no-\])?([a-z-]+)`", row).group(1) for row in rows}
    assert {name.replace("_", "-") for name in Settings.model_fields} <= flags


def test_what_it_serves_and_what_it_answers_404_for(make_server):
    """The scope the README states: the APIs outside it are the real API's 404 for an unknown path."""
    server = make_server("sqlite")
    section = README.read_text().split("## What it serves", 1)[1].split("\n## ", 1)[0]
    assert "Chat Completions" in section and "Embeddings" in section
    with server.http(headers={"Authorization": "Bearer sk-readme"}) as http:
        for method, path in (("POST", "/v1/chat/completions"), ("POST", "/v1/embeddings"),
                             ("POST", "/v1/images/generations"), ("POST", "/v1/audio/speech"),
                             ("POST", "/v1/moderations"), ("POST", "/v1/assistants"), ("POST", "/v1/threads"),
                             ("POST", "/v1/batches"), ("POST", "/v1/fine_tuning/jobs"), ("GET", "/v1/realtime")):
            r = http.request(method, path, json={})
            assert r.status_code == 404 and r.json()["error"]["message"] == f"Invalid URL ({method} {path})"
        for path in ("/v1/responses/resp_x", "/v1/conversations/conv_x", "/v1/files", "/v1/vector_stores"):
            assert "Invalid URL" not in http.get(path).text, path  # served: a 404 of its own for an unknown id
        listed = [m["id"] for m in http.get("/v1/models").json()["data"]]
    assert listed == catalog.listed()
