"""A second real client: the official `openai` npm package (tests/node), run with the machine's Node."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openai import OpenAI

from responses_mock.testing import AdminClient

pytestmark = pytest.mark.slow  # Node processes

NODE_DIR = Path(__file__).resolve().parents[1] / "node"


@pytest.fixture(scope="module")
def node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the npm client test needs `node` (and `npm ci` in tests/node)")
    if not (NODE_DIR / "node_modules" / "openai").is_dir():
        pytest.skip("tests/node has no node_modules: run `make test` (it runs `npm ci` there) first")
    return node


def test_the_npm_sdk_works_against_the_server(node, make_server):
    server = make_server("sqlite")
    env = {**os.environ, "OPENAI_BASE_URL": f"{server.url}/v1", "OPENAI_API_KEY": "sk-node-test"}
    done = subprocess.run([node, "smoke.mjs"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["created"]["status"] == "completed" and out["created"]["text"].count(".") == 2
    assert out["retrievedSame"] and out["helperFinal"]
    assert out["streamTypes"][0] == "response.created" and out["streamTypes"][-1] == "response.completed"
    assert "response.reasoning_summary_part.added" not in out["streamTypes"]  # no summary asked
    assert out["backgroundStatus"] == "queued"
    assert out["cancelled"] == {"status": "cancelled", "partial": True}
    assert out["inputItems"] == ["message"]
    assert out["conversationRoles"] == ["user", "user", "assistant"]
    assert out["notFound"] == {"status": 404, "type": "NotFoundError"}


def test_the_vercel_ai_sdk_flows(node, make_server):
    """Multi-turn with item references, a tool loop and a store:false reasoning loop, as the AI SDK
    writes them; the history the references name is counted as if it were sent in full."""
    if not (NODE_DIR / "node_modules" / "@ai-sdk" / "openai").is_dir():
        pytest.skip("tests/node has no @ai-sdk/openai: run `make test` (it runs `npm ci` there) first")
    server = make_server("sqlite")
    key = "sk-ai-sdk-test"
    env = {**os.environ, "OPENAI_BASE_URL": f"{server.url}/v1", "OPENAI_API_KEY": key}
    done = subprocess.run([node, "ai_sdk.mjs"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])

    sent = [e["body"] for e in AdminClient(server.url, api_key=key).requests(method="POST")]
    assert any(item.get("type") == "item_reference" for item in sent[1]["input"])  # history by reference
    turn = out["multiTurn"]
    full = OpenAI(base_url=f"{server.url}/v1", api_key=key).responses.input_tokens.count(model="gpt-5-mini", input=[
        {"role": "user", "content": "Name a colour of the sky in one sentence."},
        {"role": "assistant", "content": turn["firstText"]}, {"role": "user", "content": "And at night?"}])
    assert turn["secondInput"] == full.input_tokens  # the referenced answer counted, not lost

    assert out["toolLoop"]["calls"] == ["Rome"] and "Foggy in Rome." in out["toolLoop"]["text"]
    stateless = [body for body in sent if body.get("store") is False]
    assert len(stateless) == 2 and out["stateless"]["second"]
    sent_back = [i for i in stateless[1]["input"] if i.get("type") == "reasoning"]
    assert sent_back and sent_back[0]["encrypted_content"].startswith("gAAAAAB")
