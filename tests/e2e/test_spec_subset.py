"""The schemas the suite validates against are the official document's, derived into the repo."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import spec_check

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "derive-spec-schemas"


def _derive_module():
    loader = importlib.machinery.SourceFileLoader("derive_spec_schemas", str(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_subset_holds_what_the_checks_use():
    subset = json.loads(spec_check.SPEC_PATH.read_text())
    schemas = subset["components"]["schemas"]
    assert {"Response", "Error", "ResponseStreamEvent", "ResponseItemList", "ConversationItemList"} <= set(schemas)
    assert "/responses/{response_id}" in subset["paths"]
    assert subset["x-derived-from"]["script"] == "scripts/derive-spec-schemas"
    # Every reference resolves inside the subset: nothing points outside the checkout.
    derive = _derive_module()
    assert derive.refs(subset) <= set(schemas)


def test_subset_is_current_with_the_official_document():
    if not derive_source().is_file():
        pytest.skip(f"the official document is not beside this checkout ({derive_source()})")
    derive = _derive_module()
    assert derive.derive(derive_source()) == json.loads(spec_check.SPEC_PATH.read_text()), \
        "tests/spec/openapi-subset.json is stale: run scripts/derive-spec-schemas"


def derive_source() -> Path:
    return _derive_module().DEFAULT_SOURCE


@pytest.mark.slow
def test_a_missing_subset_stops_the_run_at_once():
    """Without the data file the suite refuses to start, naming the file, instead of failing late."""
    env = {**os.environ, "RESPONSES_MOCK_TEST_SPEC": "/nonexistent/subset.json"}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/e2e/test_readme.py"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == pytest.ExitCode.USAGE_ERROR, out.stdout + out.stderr
    assert "/nonexistent/subset.json is missing" in out.stderr and "derive-spec-schemas" in out.stderr
    assert "passed" not in out.stdout  # nothing ran
