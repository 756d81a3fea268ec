"""The OpenAI Agents SDK for JavaScript (@openai/agents, installed in tests/node) runs its agent loop
against the server with no model named, as its quick start does: a tool call, a handoff, a streamed
run and a run over its Responses WebSocket transport, each on the SDK's default model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from responses_mock.testing import AdminClient

pytestmark = pytest.mark.slow  # Node processes

NODE_DIR = Path(__file__).resolve().parents[1] / "node"


@pytest.fixture(scope="module")
def node() -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the Agents SDK test needs `node` (and `npm ci` in tests/node)")
    if not (NODE_DIR / "node_modules" / "@openai" / "agents").is_dir():
        pytest.skip("tests/node has no @openai/agents: run `make test` (it runs `npm ci` there) first")
    major = int(subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip().lstrip("v").split(".")[0])
    # The SDK's WebSocket transport uses the global WebSocket, behind a flag before Node 22.
    return [node, "--experimental-websocket"] if major < 22 else [node]


def run_scenario(node: list[str], server, scenario: str) -> tuple[dict, list[dict]]:
    """Run one scenario of agents.mjs; its findings and the journal of its requests."""
    key = f"sk-agents-js-{uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env |= {"OPENAI_BASE_URL": f"{server.url}/v1", "OPENAI_API_KEY": key, "OPENAI_AGENTS_DISABLE_TRACING": "1"}
    done = subprocess.run([*node, "agents.mjs", scenario], cwd=NODE_DIR, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)
    lines = done.stdout.strip().splitlines()
    out = json.loads(lines[-1]) if lines else {}
    journal = AdminClient(server.url, api_key=key).requests(path="/v1/responses")
    refused = [(e["method"], e["status"], e["model"]) for e in journal if e["status"] >= 400]
    assert done.returncode == 0 and "error" not in out, (out.get("error"), refused, done.stderr[-2000:])
    assert journal and not refused, refused
    # No model named: every request asks for the SDK's default, and the server answers it as that model.
    assert {e["model"] for e in journal} == {out["defaultModel"]}
    return out, journal


def test_a_tool_call_on_the_default_model(node, server):
    out, journal = run_scenario(node, server, "tool")
    assert out["calls"] == ["Tokyo"]
    assert out["items"] == ["tool_call_item", "tool_call_output_item", "message_output_item"]
    assert "Sunny and 24 degrees in Tokyo." in out["final"]
    assert len(journal) == 2 and all(e["method"] == "POST" for e in journal)


def test_a_handoff_then_the_specialists_tool(node, server):
    out, _ = run_scenario(node, server, "handoff")
    assert out["lastAgent"] == "Weather agent"
    assert out["items"][:2] == ["handoff_call_item", "handoff_output_item"]
    assert out["items"][2:] == ["tool_call_item", "tool_call_output_item", "message_output_item"]
    assert out["calls"] == ["Oslo"] and "Sunny and 24 degrees in Oslo." in out["final"]


def test_a_streamed_run(node, server):
    out, journal = run_scenario(node, server, "stream")
    assert out["calls"] == ["Lima"]
    assert out["named"] == ["tool_called", "tool_output", "message_output_created"]
    assert {"response_started", "output_text_delta", "response_done"} <= set(out["raw"])
    assert out["deltas"] == out["final"] and "Sunny and 24 degrees in Lima." in out["final"]
    assert all(e["body"].get("stream") is True for e in journal)


def test_the_websocket_transport(node, server):
    out, journal = run_scenario(node, server, "websocket")
    assert out["calls"] == ["Cairo"]
    assert out["items"] == ["tool_call_item", "tool_call_output_item", "message_output_item"]
    assert "Sunny and 24 degrees in Cairo." in out["final"]
    # Both turns went over the socket (response.create frames), none over HTTP.
    assert [(e["method"], e["body"]["type"]) for e in journal] == [("WS", "response.create")] * 2
