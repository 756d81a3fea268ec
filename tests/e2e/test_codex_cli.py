"""Codex CLI (`codex exec`, npm @openai/codex installed in tests/node) end to end against the server,
configured as a user would (a custom provider in config.toml), over HTTP and over WebSocket.

Each run gets its own HOME and CODEX_HOME, and a config that keeps Codex off the network: no update
check, no analytics, no plugin sync (it would `git ls-remote` github.com at start), no MCP servers.
Commands run in Codex's own workspace-write sandbox (its bundled bubblewrap works as root here)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from responses_mock.testing import AdminClient

pytestmark = pytest.mark.slow  # Codex CLI runs as a subprocess, a model turn at a time

CODEX = Path(__file__).resolve().parents[1] / "node" / "node_modules" / ".bin" / "codex"
NAMED_MODEL = "gpt-5-mini"

CONFIG = """\
{model_line}model_provider = "mock"
approval_policy = "never"
sandbox_mode = "workspace-write"
check_for_update_on_startup = false

[analytics]
enabled = false

[features]
plugins = false  # else it syncs its plugin catalog from GitHub at start

[model_providers.mock]
name = "responses-mock"
base_url = "{url}/v1"
wire_api = "responses"
env_key = "MOCK_API_KEY"
supports_websockets = {websockets}
request_max_retries = 0  # a refused request fails the run at once
stream_max_retries = 0
"""


@pytest.fixture(scope="module")
def codex(tmp_path_factory) -> Path:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: the Codex CLI test needs `node` (and `npm ci` in tests/node)")
    if not CODEX.exists():
        pytest.skip("tests/node has no @openai/codex: run `make test` (it runs `npm ci` there) first")
    home = tmp_path_factory.mktemp("codex-version")  # even --version writes under CODEX_HOME
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "CODEX_HOME": str(home)}
    version = subprocess.run([str(CODEX), "--version"], env=env, capture_output=True, text=True, timeout=60)
    if version.returncode != 0:  # no native binary for this platform in the lockfile's packages
        pytest.skip(f"Codex CLI does not run here: {version.stderr.strip()[-300:]}")
    return CODEX


@dataclass
class CodexRun:
    returncode: int
    events: list[dict]  # `codex exec --json`: one event a line
    stderr: str
    workdir: Path
    journal: list[dict]  # every request of the run, as the server journaled it

    def items(self, kind: str) -> list[dict]:
        return [e["item"] for e in self.events if e.get("type") == "item.completed" and e["item"]["type"] == kind]

    def commands(self) -> list[dict]:
        return self.items("command_execution")

    def final_text(self) -> str | None:
        messages = self.items("agent_message")
        return messages[-1]["text"] if messages else None

    def explain(self) -> str:
        """What went wrong, for an assertion message: Codex's errors, the commands it ran and every
        refused request."""
        errors = [e for e in self.events if e.get("type") in ("error", "turn.failed")]
        ran = [(c["command"], c["exit_code"]) for c in self.commands()]
        refused = [(e["method"], e["status"], e["model"]) for e in self.journal if e["status"] >= 400]
        return (f"codex exit {self.returncode}; errors {errors}; commands {ran}; refused {refused}; "
                f"stderr {self.stderr[-1500:]}")

    def file(self, name: str) -> str | None:
        path = self.workdir / name
        return path.read_text() if path.exists() else None

    def assert_clean(self) -> None:
        """Codex exited 0, finished its turn, and the server refused no request of the run."""
        assert self.returncode == 0, self.explain()
        assert self.journal and all(e["status"] < 400 for e in self.journal), self.explain()
        assert self.events[-1]["type"] == "turn.completed", self.explain()


def run_codex(codex: Path, server, tmp_path: Path, key: str, prompt: str, *, model: str | None,
              websocket: bool) -> CodexRun:
    home, codex_home, work = tmp_path / "home", tmp_path / "codex-home", tmp_path / "work"
    for folder in (home, codex_home, work):
        folder.mkdir()
    (codex_home / "config.toml").write_text(CONFIG.format(
        model_line=f'model = "{model}"\n' if model else "", url=server.url, websockets=str(websocket).lower()))
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "CODEX_HOME": str(codex_home),
           "MOCK_API_KEY": key, "NO_COLOR": "1"}
    # --strict-config: a config key this Codex does not know fails the run instead of being ignored.
    done = subprocess.run([str(codex), "exec", "--json", "--strict-config", "--skip-git-repo-check", prompt],
                          cwd=work, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    journal = AdminClient(server.url, api_key=key).requests(path="/v1/responses")
    return CodexRun(done.returncode, events, done.stderr, work, journal)


def shell_call(model: str | None, command: str) -> dict:
    """The scripted call that makes Codex run `command`. With a model named, Codex offers its
    `exec_command` function; with none it asks for its default model, for which it offers only
    code mode: a custom `exec` tool whose input is JavaScript calling the same nested tool."""
    if model:
        return {"name": "exec_command", "arguments": {"cmd": command}}
    return {"name": "exec", "kind": "custom",
            "arguments": f"const result = await tools.exec_command({{cmd: {json.dumps(command)}}});\ntext(result);"}


FINAL = "I wrote scripted.txt as asked."


@pytest.mark.parametrize("model", [NAMED_MODEL, None], ids=["model-named", "default-model"])
@pytest.mark.parametrize("websocket", [False, True], ids=["http", "websocket"])
def test_a_scripted_tool_loop(codex, server, tmp_path, model, websocket):
    """Turn 1 answers with a reasoning item and a shell call, turn 2 (with the call's output) with
    text. The rules are the plainest script: the first request, then the one with a tool output."""
    key = f"sk-codex-{uuid.uuid4().hex}"
    first, second = AdminClient(server.url, api_key=key).add(
        {"match": {"call": 1}, "respond": {"reasoning": {"summary": "Writing the file with printf.", "tokens": 24},
                                           "function_calls": [shell_call(model, "printf scripted > scripted.txt")]}},
        {"match": {"has_tool_output": True}, "respond": {"text": FINAL}})
    run = run_codex(codex, server, tmp_path, key, "Create the scripted file.", model=model, websocket=websocket)

    run.assert_clean()
    assert run.file("scripted.txt") == "scripted", run.explain()
    [command] = run.commands()
    assert "printf scripted > scripted.txt" in command["command"] and command["exit_code"] == 0
    assert run.final_text() == FINAL

    models = {e["model"] for e in run.journal}
    if model:
        assert models == {model}
    else:  # Codex asked for its own default model, and the catalog serves it
        [default] = models
        assert default != NAMED_MODEL
        with server.client(api_key=key) as client:
            assert client.models.retrieve(default).id == default

    turns = run.journal
    if websocket:
        assert all(e["method"] == "WS" for e in turns)
        # Codex warms the connection up with `generate: false`; that frame is answered by no rule
        # and spends none: the rules script the two real turns.
        warmup, *turns = turns
        assert warmup["body"].get("generate") is False and warmup["fixture_id"] is None
        assert turns[1]["body"].get("previous_response_id")  # turn 2 continues on the socket
    else:
        assert all(e["method"] == "POST" for e in turns)
        # Stateless (store: false), turn 2 sends the reasoning item back, as Codex keeps it:
        # with its encrypted content and `"content": null`.
        [reasoning] = [i for i in turns[1]["body"]["input"] if i.get("type") == "reasoning"]
        assert reasoning["encrypted_content"] and "content" in reasoning and reasoning["content"] is None
    assert [e["fixture_id"] for e in turns] == [first["id"], second["id"]]


@pytest.mark.parametrize("model", [NAMED_MODEL, None], ids=["model-named", "default-model"])
@pytest.mark.parametrize("websocket", [False, True], ids=["http", "websocket"])
def test_the_default_model_runs_a_backticked_command(codex, server, tmp_path, model, websocket):
    """No fixtures: the server's default model, asked to run a command in backticks, has Codex run
    exactly that command (no other tool, no invented arguments), then answers so the loop ends.
    With a model named Codex offers `exec_command` in `tools`; with none, its default model gets
    every tool in an additional_tools item, grouped in namespaces, and commands only through code
    mode: the custom `exec` tool, whose input is JavaScript calling the declared exec_command."""
    key = f"sk-codex-{uuid.uuid4().hex}"
    run = run_codex(codex, server, tmp_path, key, "Run `echo hello > marker.txt`", model=model,
                    websocket=websocket)

    run.assert_clean()
    assert run.file("marker.txt") == "hello\n", run.explain()
    assert [c["command"].endswith("'echo hello > marker.txt'") for c in run.commands()] == [True], run.commands()
    assert run.final_text() and "echo hello > marker.txt" in run.final_text(), run.final_text()
    first = run.journal[1 if websocket else 0]["body"]
    if model is None:  # the request under test: no `tools`, all of them in input[0]
        assert "tools" not in first and first["input"][0]["type"] == "additional_tools", first.keys()
    if not websocket:  # over HTTP the call comes back in full with turn 2's input
        sent = run.journal[-1]["body"]["input"]
        if model:
            calls = [i for i in sent if i.get("type") == "function_call"]
            assert [(c["name"], json.loads(c["arguments"])) for c in calls] == [
                ("exec_command", {"cmd": "echo hello > marker.txt"})]
        else:
            [call] = [i for i in sent if i.get("type") == "custom_tool_call"]
            assert (call["name"], call.get("namespace"), call["input"]) == (
                "exec", "functions", 'text(await tools.exec_command({cmd: "echo hello > marker.txt"}));')
            [output] = [i for i in sent if i.get("type") == "custom_tool_call_output"]
            assert all(part["type"] == "input_text" for part in output["output"]), output


@pytest.mark.parametrize("websocket", [False, True], ids=["http", "websocket"])
def test_a_goal_round_trip(codex, server, tmp_path, websocket):
    """Codex's goals tool: after `create_goal` it sends, beside the call's output, one more
    function_call_output with no call_id (`name`, `namespace: "agent"`): taken, and the loop ends."""
    key = f"sk-codex-{uuid.uuid4().hex}"
    AdminClient(server.url, api_key=key).add(
        {"match": {"call": 1}, "respond": {"function_calls": [{"name": "create_goal",
                                                               "arguments": {"objective": "Say done"}}]}},
        {"match": {"has_tool_output": True}, "respond": {"text": "Goal noted."}})
    run = run_codex(codex, server, tmp_path, key, "Set the goal: say done.", model=NAMED_MODEL, websocket=websocket)

    run.assert_clean()
    assert run.final_text() == "Goal noted."
    outputs = [i for i in run.journal[-1]["body"]["input"] if i.get("type") == "function_call_output"]
    assert [o for o in outputs if "call_id" not in o], outputs  # the case under test was sent
