"""A second real client: the official `openai` npm package (tests/node), run with the machine's Node."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"


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
