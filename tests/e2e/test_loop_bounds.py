"""Issue 22, invariant 1: no request holds the event loop. Every shape below once froze every
tenant (a caller's regex, schema sizes, `$ref` breadth, YAML aliases, template fan-out, input
counts, deep admin bodies); each now ends in bounded time with a 200 or a 4xx naming what is
wrong, while /health keeps answering within HEALTHY (200 ms). A real server: the loop is what is tested."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time

import httpx
import orjson
import pytest
import websockets.sync.client as ws_client

from responses_mock.testing.server import free_port
from tests.conftest import new_key

# Seconds: every /health while a request runs. The shapes below once held the loop for 2-60 s; on
# 2026-11-26's machine they stayed under 100 ms, but today's (the same kind, slower: the tree that
# passed then gives 101-146 ms now, and so does this one) needs more. 200 ms still fails any shape
# that holds the loop for the request's length (each takes 0.5-5 s).
HEALTHY = 0.2
DEADLINE = 20.0  # seconds: the request itself


@pytest.fixture(scope="module")
def server(make_server):
    return make_server("sqlite")


def while_polling(server, send) -> httpx.Response:
    """`send()` in a thread; meanwhile /health is polled and must answer within HEALTHY each time,
    and `send` must end within DEADLINE."""
    out: dict = {}

    def run() -> None:
        try:
            out["response"] = send()
        except Exception as exc:  # reported below, in the test's thread
            out["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    with httpx.Client(base_url=server.url, timeout=DEADLINE) as health:
        health.get("/health")  # the connection is open before the clock starts
        started, slowest, polls = time.monotonic(), 0.0, 0
        worker.start()
        while worker.is_alive():
            assert time.monotonic() - started < DEADLINE, "the request did not end in bounded time"
            sent = time.monotonic()
            assert health.get("/health").status_code == 200
            slowest, polls = max(slowest, time.monotonic() - sent), polls + 1
            time.sleep(0.005)
    worker.join()
    assert slowest < HEALTHY, f"/health took {slowest * 1000:.0f} ms (slowest of {polls}) while the request ran"
    if "error" in out:
        raise out["error"]
    return out["response"]


def post(server, path: str, key: str, headers: dict | None = None, **kw) -> httpx.Response:
    with server.http(headers={"Authorization": f"Bearer {key}", **(headers or {})}, timeout=DEADLINE) as http:
        return http.post(path, **kw)


def encoded(body: dict) -> dict:
    """A JSON body encoded before the clock starts: this process serves too, and json.dumps of
    megabytes holds the GIL the server's loop needs."""
    return {"content": orjson.dumps(body), "headers": {"content-type": "application/json"}}


def envelope(response: httpx.Response, status: int = 400) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["type"] == "invalid_request_error"
    return error


def tool(properties: dict, strict: bool) -> dict:
    schema = {"type": "object", "properties": properties, "required": list(properties)}  # the call fills them
    if strict:
        schema["additionalProperties"] = False
    return {"type": "function", "name": "lookup", "description": "Look it up.", "parameters": schema, "strict": strict}


def call_tool(server, properties: dict, strict: bool, text: str = "look it up please") -> httpx.Response:
    body = {"model": "gpt-4.1", "input": text, "tools": [tool(properties, strict)], "tool_choice": "required"}
    return while_polling(server, lambda: post(server, "/v1/responses", new_key(), json=body))


def arguments(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    [call] = [o for o in response.json()["output"] if o["type"] == "function_call"]
    return json.loads(call["arguments"])


# -- schema-derived values ------------------------------------------------------------------------

EVIL = "a" * 28 + "!"  # with ^(a+)+$, Python's re backtracks 2^28 ways on it


def test_a_catastrophic_pattern_gets_a_matching_value_at_once(server):
    """The user's text is what a `query` gets, unless the pattern refuses it: that is asked of RE2."""
    args = arguments(call_tool(server, {"query": {"type": "string", "pattern": "^(a+)+$"}}, strict=False, text=EVIL))
    assert re.fullmatch("a+", args["query"])


def test_a_strict_catastrophic_pattern_is_answered_too(server):
    args = arguments(call_tool(server, {"query": {"type": "string", "pattern": "^(a+)+$"}}, strict=True, text=EVIL))
    assert re.fullmatch("a+", args["query"])


def test_patterns_that_re2_cannot_run_are_refused_in_strict_mode(server):
    error = envelope(call_tool(server, {"code": {"type": "string", "pattern": "^(?=x)x+$"}}, strict=True))
    assert error["param"] == "tools[0].parameters" and error["code"] == "invalid_function_parameters"
    assert error["message"].startswith("Invalid schema for function 'lookup': In context=('properties', 'code'), "
                                       "'pattern' '^(?=x)x+$' is not supported")


def test_a_pattern_re2_cannot_run_is_ignored_without_strict(server):
    args = arguments(call_tool(server, {"code": {"type": "string", "pattern": "^(?=x)x+$"}}, strict=False))
    assert isinstance(args["code"], str)


@pytest.mark.parametrize("keyword, schema, limit", [
    ("minItems", {"type": "array", "minItems": 10_000_000, "items": {"type": "integer"}}, 1000),
    ("minLength", {"type": "string", "minLength": 200_000_000}, 100_000),
])
def test_huge_minimums_are_refused_in_strict_mode(server, keyword, schema, limit):
    error = envelope(call_tool(server, {"things": schema}, strict=True))
    assert error["param"] == "tools[0].parameters"
    assert error["message"] == (f"Invalid schema for function 'lookup': In context=('properties', 'things'), "
                                f"'{keyword}' of {schema[keyword]} exceeds limit of {limit}.")


def test_huge_minimums_are_clamped_without_strict(server):
    args = arguments(call_tool(server, {
        "things": {"type": "array", "minItems": 10_000_000, "items": {"type": "integer"}},
        "note": {"type": "string", "minLength": 200_000_000}}, strict=False))
    assert len(args["things"]) == 1000 and len(args["note"]) == 100_000


@pytest.mark.parametrize("strict", [False, True])
def test_properties_referring_to_the_root_expand_within_a_budget(server, strict):
    """Depth was capped, breadth was not: 4 references to the root made 4^12 values."""
    properties = {name: {"anyOf": [{"$ref": "#"}, {"type": "null"}]} for name in "abcd"}
    response = call_tool(server, properties, strict=strict)
    args = arguments(response)
    assert set(args) == set("abcd")
    assert len(json.dumps(args)) < 2_000_000


def text_format(schema: dict, strict: bool) -> dict:
    return {"model": "gpt-4.1", "input": "list them",
            "text": {"format": {"type": "json_schema", "name": "things", "schema": schema, "strict": strict}}}


def test_structured_output_with_a_huge_minimum_is_refused_in_strict_mode(server):
    schema = {"type": "object", "properties": {"xs": {"type": "array", "minItems": 10_000_000,
                                                      "items": {"type": "integer"}}},
              "required": ["xs"], "additionalProperties": False}
    error = envelope(while_polling(server, lambda: post(server, "/v1/responses", new_key(),
                                                        json=text_format(schema, True))))
    assert error["param"] == "text.format.schema" and error["code"] == "invalid_json_schema"
    assert error["message"] == ("Invalid schema for response_format 'things': In context=('properties', 'xs'), "
                                "'minItems' of 10000000 exceeds limit of 1000.")


def test_structured_output_with_a_huge_minimum_is_bounded_without_strict(server):
    schema = {"type": "object", "properties": {"xs": {"type": "array", "minItems": 10_000_000,
                                                      "items": {"type": "integer"}}}}
    response = while_polling(server, lambda: post(server, "/v1/responses", new_key(), json=text_format(schema, False)))
    assert response.status_code == 200, response.text
    [message] = [o for o in response.json()["output"] if o["type"] == "message"]
    assert len(json.loads(message["content"][0]["text"])["xs"]) == 1000


def nested(levels: int) -> dict:
    schema: dict = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"x": schema}, "required": ["x"], "additionalProperties": False}
    return schema


@pytest.mark.parametrize("schema, message", [
    (nested(12), "11 levels of nesting exceeds limit of 10."),
    ({"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(5001)},
      "required": [f"p{i}" for i in range(5001)], "additionalProperties": False},
     "5001 parameters exceeds limit of 5000."),
    ({"type": "object", "properties": {"e": {"type": "integer", "enum": list(range(1001))}},
      "required": ["e"], "additionalProperties": False}, "1001 enum values exceeds limit of 1000."),
])
def test_the_real_apis_schema_limits(server, schema, message):
    error = envelope(post(server, "/v1/responses", new_key(), json=text_format(schema, True)))
    assert error["param"] == "text.format.schema"
    assert error["message"] == f"Invalid schema for response_format 'things': {message}"


def test_ten_levels_of_nesting_are_fine(server):
    response = post(server, "/v1/responses", new_key(), json=text_format(nested(11), True))
    assert response.status_code == 200, response.text


# -- YAML, templates, input items, deep admin bodies ---------------------------------------------------

LAUGHS = "respond:\n  json:\n    a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"    {b}: &{b} [{', '.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True))


def test_yaml_aliases_are_not_expanded_past_a_budget(server):
    assert len(LAUGHS) < 600  # ~10^9 nodes once expanded
    error = envelope(while_polling(server, lambda: post(server, "/__admin/fixtures", new_key(), content=LAUGHS)))
    assert "YAML aliases expand to more than 1,000,000" in error["message"]


def test_yaml_anchors_within_the_budget_still_work(server):
    key = new_key()
    rules = ("defaults: &d {text: anchored}\nrules:\n  - match: {input_regex: one}\n    respond: *d\n"
             "  - match: {input_regex: two}\n    respond: {<<: *d}\n")
    response = post(server, "/__admin/fixtures", key, content=rules)
    assert response.status_code == 200, response.text
    answer = post(server, "/v1/responses", key, json={"model": "gpt-4.1", "input": "two"})
    assert answer.json()["output"][0]["content"][0]["text"] == "anchored"


def test_a_fixtures_file_of_aliases_stops_the_start_with_a_clear_error(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(LAUGHS)
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "responses_mock", "serve", "--port", str(free_port()),
                          "--database-url", f"sqlite+aiosqlite:///{tmp_path / 'store.db'}", "--fixtures", str(rules)],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert run.returncode != 0 and time.monotonic() - started < 60
    assert f"responses-mock cannot start: {rules}: YAML aliases expand to more than 1,000,000" in run.stderr


def test_a_template_cannot_render_gigabytes(server):
    key = new_key()
    template = {"id": "pmpt_fanout", "instructions": "{{a}}" * 200_000}
    assert post(server, "/__admin/prompts", key, json=template).status_code == 200
    body = {"model": "gpt-4.1", "input": "hi", "prompt": {"id": "pmpt_fanout", "variables": {"a": "x" * 5000}}}
    error = envelope(while_polling(server, lambda: post(server, "/v1/responses", key, json=body)))
    assert error["param"] == "prompt.variables" and error["code"] == "string_above_max_length"
    assert "renders 1,000,000,000 characters" in error["message"]


def test_a_template_within_the_cap_renders(server):
    key = new_key()
    post(server, "/__admin/prompts", key, json={"id": "pmpt_small", "instructions": "Be {{a}}. " * 1000})
    body = {"model": "gpt-4.1", "input": "hi", "prompt": {"id": "pmpt_small", "variables": {"a": "brief"}}}
    response = post(server, "/v1/responses", key, json=body)
    assert response.status_code == 200 and response.json()["instructions"] == "Be brief. " * 1000


def test_too_many_input_items_are_refused_before_they_are_read(server):
    body = encoded({"model": "gpt-4.1", "input": [{"role": "user", "content": "hi"}] * 100_000})
    error = envelope(while_polling(server, lambda: post(server, "/v1/responses", new_key(), **body)))
    assert error["param"] == "input" and error["code"] == "array_above_max_length"
    assert error["message"] == ("Invalid 'input': array too long. Expected an array with maximum length 16384, "
                                "but got an array with length 100000 instead.")


@pytest.fixture
def own_process(make_server, spawn_server):
    """A server in a process of its own: the test's clients (encoding, reading a megabyte) do not
    share its interpreter, so /health measures the server's loop alone."""
    return spawn_server(make_server.fresh_url("sqlite"), "bounds")


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_the_most_input_items_allowed_do_not_hold_the_loop(store, make_server, spawn_server):
    """Parsed and validated in a thread, in chunks; normalised in steps; their rows made in a
    thread; stored. A server process of its own per store (see own_process)."""
    server = spawn_server(make_server.fresh_url(store), f"items-{store}")
    body = encoded({"model": "gpt-4.1", "input": [{"role": "user", "content": f"hi {i}"} for i in range(16_384)]})
    response = while_polling(server, lambda: post(server, "/v1/responses", new_key(), **body))
    assert response.status_code == 200 and response.json()["status"] == "completed"


def test_truncating_the_most_input_items_to_the_window_does_not_hold_the_loop(own_process):
    """truncation: auto over 16,384 items past gpt-4o's 128k window: a few recounts, in a thread."""
    server = own_process
    words = " ".join(["context"] * 24)
    body = encoded({"model": "gpt-4o", "truncation": "auto",
                    "input": [{"role": "user", "content": f"{words} {i}"} for i in range(16_384)]})
    response = while_polling(server, lambda: post(server, "/v1/responses", new_key(), **body))
    assert response.status_code == 200, response.text
    usage = response.json()["usage"]
    assert 120_000 < usage["input_tokens"] <= 128_000  # the newest items that fit, and no fewer


def test_the_most_input_items_over_a_websocket_do_not_hold_the_loop(own_process):
    """A WebSocket frame of that size is parsed and validated in a thread too."""
    server = own_process
    frame = orjson.dumps({"type": "response.create", "model": "gpt-4.1",
                          "input": [{"role": "user", "content": f"hi {i}"} for i in range(16_384)]}).decode()
    url = server.url.replace("http", "ws", 1) + "/v1/responses"

    def send() -> dict:
        with ws_client.connect(url, additional_headers={"Authorization": f"Bearer {new_key()}"},
                               max_size=None) as socket:
            socket.send(frame)
            while (event := json.loads(socket.recv(timeout=DEADLINE)))["type"] not in ("response.completed", "error"):
                pass
            return event

    done = while_polling(server, send)
    assert done["type"] == "response.completed", done


@pytest.mark.parametrize("path, content, kind", [
    ("/__admin/fixtures", '{"respond": {"json": ' + "[" * 1000 + "]" * 1000 + "}}", "JSON"),
    ("/__admin/fixtures", '{"respond": {"json": ' + "[" * 5000 + "]" * 5000 + "}}", "JSON"),
    ("/__admin/fixtures", "respond:\n  json: " + "[" * 5000 + "]" * 5000 + "\n", "YAML"),
    ("/__admin/prompts", '{"id": "p", "instructions": ' + "[" * 1000 + "]" * 1000 + "}", "JSON"),
])
def test_deep_admin_bodies_are_a_400_like_v1(server, path, content, kind):
    error = envelope(while_polling(server, lambda: post(server, path, new_key(), content=content)))
    assert error["message"] == f"Invalid body: {kind} nested more than 64 levels deep."


@pytest.mark.parametrize("path", ["/__admin/fixtures", "/__admin/prompts"])
def test_admin_bodies_are_bounded_like_v1_bodies(make_server, path):
    small = make_server("sqlite", max_body_bytes=4096)
    key, body = new_key(), b'{"respond": {"text": "' + b"x" * 8192 + b'"}}'
    declared = post(small, path, key, content=body, headers={"content-type": "application/json"})

    def chunks():
        yield body  # no Content-Length: refused as it passes the limit

    streamed = post(small, path, key, content=chunks(), headers={"content-type": "application/json"})
    for reply in (declared, streamed):
        assert reply.status_code == 413, reply.text
        assert reply.json()["error"]["type"] == "invalid_request_error"


def test_a_large_file_uploaded_and_indexed_does_not_hold_the_loop(own_process):
    """A 3.6 MB text file: uploaded (text extracted in a thread), then chunked and indexed into a
    vector store (a few transactions at a time) and searched, with /health polled throughout."""
    server, key = own_process, new_key()
    text = " ".join(f"Line {i} of the ledger records cargo number {i * 7} for the harbour." for i in range(50_000))  # ~3.6 MB, under max_file_text_chars
    text += " The secret cargo is saffron."
    uploaded = while_polling(server, lambda: post(server, "/v1/files", key, data={"purpose": "assistants"},
                                                  files={"file": ("ledger.txt", text.encode())}))
    assert uploaded.status_code == 200, uploaded.text
    store = while_polling(server, lambda: post(server, "/v1/vector_stores", key,
                                               json={"name": "ledger", "file_ids": [uploaded.json()["id"]]}))
    assert store.status_code == 200, store.text
    found = while_polling(server, lambda: post(server, f"/v1/vector_stores/{store.json()['id']}/search", key,
                                               json={"query": "secret cargo saffron"}))
    assert found.status_code == 200 and "saffron" in found.json()["data"][0]["content"][0]["text"]
