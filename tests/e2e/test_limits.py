"""Hardening: bodies over the limit get a prompt 413, pace values are bounded, one tenant's slow
jobs cannot starve another's, and no credential reaches the journal."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest

from responses_mock.testing import AdminClient
from tests.conftest import new_key
from tests.polling import wait_until


def _envelope(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


def test_a_128_mib_body_is_refused_at_once(server):
    """Announced with Content-Length: the 413 comes before the body is sent."""
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(b"POST /v1/responses HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer sk-big\r\n"
                     b"content-type: application/json\r\ncontent-length: " + str(128 << 20).encode() + b"\r\n\r\n"
                     + b'{"model": "gpt-4.1", "input": "' + b"a" * 65536)
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
        assert time.monotonic() - started < 2
    head, body = reply.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 413")
    assert b'"code":"request_too_large"' in body and b"75,497,472 bytes" in body


def test_a_streamed_body_over_the_limit_is_refused(make_server):
    server = make_server("sqlite", max_body_bytes=64 * 1024)

    def chunks():
        yield b'{"model": "gpt-4.1", "input": "'
        for _ in range(40):
            yield b"a" * 4096

    with server.http(headers={"Authorization": f"Bearer {new_key()}"}) as http:
        error = _envelope(http.post("/v1/responses", content=chunks()), 413)  # chunked: no Content-Length
    assert error["code"] == "request_too_large" and "65,536 bytes" in error["message"]


@pytest.mark.parametrize("header, value, why", [
    ("x-mock-time-to-first-token", "1e308", "at most 600 seconds"),
    ("x-mock-queue-delay", "inf", "expected a number >= 0"),
    ("x-mock-queue-delay", "601", "at most 600 seconds"),
    ("x-mock-tokens-per-second", "1e-300", "from 1 to 1e+06 tokens per second"),
    ("x-mock-tokens-per-second", "-1", "expected a number >= 0"),
])
def test_pace_headers_out_of_bounds_are_refused(server, header, value, why):
    with server.http(headers={"Authorization": f"Bearer {new_key()}", header: value}) as http:
        error = _envelope(http.post("/v1/responses", json={"model": "gpt-4.1", "input": "hi", "background": True}), 400)
    assert error["param"] == header and why in error["message"]


def test_fixture_paces_out_of_bounds_are_refused(server):
    admin = AdminClient(server.url, api_key=new_key())
    for pace in ({"time_to_first_token": 1e308}, {"tokens_per_second": 0.5}, {"queue_delay": 3600}):
        response = admin.http.post("/fixtures", json={"respond": {"text": "x", "pace": pace}})
        assert "respond.pace" in _envelope(response, 400)["message"]


def test_one_tenant_cannot_starve_another(make_server):
    """A queues a dozen jobs that would run for minutes; B's job still starts and ends in seconds."""
    server = make_server("sqlite", worker_concurrency=8, background_queue_delay=0)
    slow = {"x-mock-time-to-first-token": "600", "x-mock-queue-delay": "0"}
    with server.client(api_key=new_key()) as a, server.client(api_key=new_key()) as b:
        hogs = [a.responses.create(model="gpt-4.1", input="slow", background=True, extra_headers=slow).id
                for _ in range(12)]
        wait_until(lambda: sum(a.responses.retrieve(h).status == "in_progress" for h in hogs) == 4, 20,
                   what="four of the hogs running")
        started = time.monotonic()
        job = b.responses.create(model="gpt-4.1", input="quick", background=True,
                                 extra_headers={"x-mock-queue-delay": "0", "x-mock-tokens-per-second": "0",
                                                "x-mock-time-to-first-token": "0"})
        wait_until(lambda: b.responses.retrieve(job.id).status == "completed", 10, what="the other tenant's job done")
        assert time.monotonic() - started < 3
        assert sum(a.responses.retrieve(h).status == "in_progress" for h in hogs) == 4  # half the slots, no more
        for h in hogs:
            a.responses.cancel(h)


def test_no_credential_reaches_the_journal(server):
    key = new_key()
    with server.http(headers={"Authorization": f"Bearer {key}", "api-key": "sk-azure-style-secret",
                              "x-api-key": "sk-other-secret", "cookie": "session=abc"}) as http:
        http.get("/v1/models", params={"api_key": "sk-in-query", "token": "t0k", "limit": "5"})
    [entry] = AdminClient(server.url, api_key=key).requests()
    text = str(entry)
    for secret in (key, "sk-azure-style-secret", "sk-other-secret", "session=abc", "sk-in-query", "t0k"):
        assert secret not in text, secret
    assert entry["headers"]["authorization"] == entry["headers"]["x-api-key"] == "[redacted]"
    assert "limit=5" in entry["query"] and "api_key=%5Bredacted%5D" in entry["query"]


def test_a_catastrophic_regex_cannot_delay_another_tenant(server):
    """`^(a+)+$` against "a"*26 + "!" takes seconds with a backtracking engine; on RE2 it is linear."""
    a, b = new_key(), new_key()
    AdminClient(server.url, api_key=a).respond({"input_regex": "^(a+)+$"}, text="matched")
    with server.client(api_key=a) as sdk_a, server.client(api_key=b) as sdk_b:
        started = time.monotonic()
        assert sdk_a.responses.create(model="gpt-4.1", input="a" * 40 + "!").output_text != "matched"
        assert sdk_a.responses.create(model="gpt-4.1", input="a" * 40).output_text == "matched"
        sdk_b.responses.create(model="gpt-4.1", input="hello")
        assert time.monotonic() - started < 2


def test_a_pattern_that_needs_backtracking_is_refused_when_added(server):
    admin = AdminClient(server.url, api_key=new_key())
    for pattern in (r"(a)\1", r"foo(?=bar)", "(unclosed"):
        error = _envelope(admin.http.post("/fixtures", json={"match": {"input_regex": pattern},
                                                             "respond": {"text": "x"}}), 400)
        assert "match.input_regex" in error["message"] and "linear time" in error["message"], error


def test_a_megabyte_of_one_token_keeps_the_loop_free(server):
    """Tokenising 1 MiB without whitespace runs in a thread (and in pieces: BPE is superlinear in
    one run), so /health answers within 100 ms meanwhile and the create takes well under 2 s."""
    async def scenario() -> tuple[float, float, dict]:
        async with httpx.AsyncClient(base_url=server.url, timeout=60,
                                     headers={"Authorization": f"Bearer {new_key()}"}) as http:
            await http.get("/health")
            worst, done = 0.0, asyncio.Event()

            async def probe() -> None:
                nonlocal worst
                while not done.is_set():
                    t = time.perf_counter()
                    await http.get("/health")
                    worst = max(worst, time.perf_counter() - t)
                    await asyncio.sleep(0.01)

            prober = asyncio.create_task(probe())
            started = time.perf_counter()
            reply = await http.post("/v1/responses", json={"model": "gpt-5-mini", "input": "a" * (1 << 20)})
            took = time.perf_counter() - started
            done.set()
            await prober
            return worst, took, reply.json()

    worst, took, body = asyncio.run(scenario())
    assert body["status"] == "completed" and body["usage"]["input_tokens"] == 131078  # 1 MiB of "a": 8 a token
    assert took < 2.0, took
    assert worst < 0.1, worst


@pytest.mark.parametrize("case, body", [
    ("a conversation item with id null is named by the server", {"items": [
        {"type": "function_call_output", "call_id": "call_1", "output": "x", "id": None}]}),
])
def test_null_item_ids_mean_absent(server, case, body):
    with server.http(headers={"Authorization": f"Bearer {new_key()}"}) as http:
        conv = http.post("/v1/conversations", json={}).json()["id"]
        added = http.post(f"/v1/conversations/{conv}/items", json=body)
        assert added.status_code == 200 and added.json()["data"][0]["id"].startswith("fco_")
        created = http.post("/v1/responses", json={"model": "gpt-4.1", "input": [
            {"role": "user", "content": "hi"}, {"type": "function_call", "call_id": "c", "name": "f",
                                                "arguments": "{}", "id": None}]})
        assert created.status_code == 200


def _nest(levels: int) -> dict:
    schema: dict = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"x": schema}}
    return schema


@pytest.mark.parametrize("path, body, param, words", [
    ("/v1/responses", {"model": "gpt-4.1", "input": "hi", "tools": [
        {"type": "function", "name": "f", "parameters": _nest(300)}]}, None, "nested more than 64 levels"),
    ("/v1/responses", {"model": "gpt-4.1", "input": "hi", "max_output_tokens": 2**63}, "max_output_tokens",
     "at most 32768 output tokens"),
    ("/v1/responses", {"model": "gpt-4.1", "input": "hi", "previous_response_id": ""}, "previous_response_id",
     "empty string"),
    ("/v1/responses", {"model": "gpt-4.1", "input": "hi", "conversation": ""}, "conversation", "empty string"),
    ("/v1/responses", {"model": "gpt-4.1", "input": [{"type": "message", "role": "user", "content": "hi",
                                                      "id": ""}]}, "input[0].id", "empty string"),
    ("/v1/conversations/{conv}/items", {"items": [{"type": None, "id": ""}]}, "items[0].id", "empty string"),
    ("/v1/conversations/{conv}/items", {"items": [{"type": "item_reference", "id": "msg_1"}]}, "items[0].type",
     "not references"),
    ("/v1/conversations", {"items": [{"type": "item_reference", "id": "msg_1"}]}, "items[0].type",
     "not references"),
])
def test_bad_input_is_a_4xx_naming_the_parameter(server, path, body, param, words):
    with server.http(headers={"Authorization": f"Bearer {new_key()}"}) as http:
        if "{conv}" in path:
            path = path.format(conv=http.post("/v1/conversations", json={}).json()["id"])
        error = _envelope(http.post(path, json=body), 400)
    assert error["param"] == param and words in error["message"], error


@pytest.mark.parametrize("query, words", [
    ("starting_after=1180591620717411303424", "integer above maximum value"),
    ("starting_after=-5", "integer below minimum value. Expected a value >= 0"),
])
def test_query_integers_out_of_bounds(server, query, words):
    with server.http(headers={"Authorization": f"Bearer {new_key()}"}) as http:
        created = http.post("/v1/responses", json={"model": "gpt-4.1", "input": "hi", "background": True}).json()
        error = _envelope(http.get(f"/v1/responses/{created['id']}?stream=true&{query}"), 400)
    assert error["param"] == "starting_after" and words in error["message"]


@pytest.mark.parametrize("method, path, body, param", [
    ("GET", "/v1/responses/resp_%00x", None, None),
    ("GET", "/v1/conversations/conv_1/items?after=a%00b", None, None),
    ("POST", "/v1/responses", {"model": "gpt-4.1", "input": "hi", "previous_response_id": "resp_\u0000"},
     "previous_response_id"),
    ("POST", "/v1/responses", {"model": "gpt-4.1", "input": [{"role": "user", "content": "x", "id": "msg_\u0000"}]},
     "input[0].id"),
])
def test_null_characters_in_ids_are_a_400_and_the_journal_keeps_going(server, method, path, body, param):
    """No id holds a NUL (and Postgres text cannot): refused at the edge, never a 500; the request
    is journaled (NUL escaped) and later entries are too."""
    key = new_key()
    with server.http(headers={"Authorization": f"Bearer {key}"}) as http:
        error = _envelope(http.request(method, path, json=body), 400)
        assert error["param"] == param
        http.post("/v1/responses", json={"model": "gpt-4.1", "input": "a\u0000b"})  # NUL in text: fine
    entries = AdminClient(server.url, api_key=key).requests()
    assert [e["status"] for e in entries] == [400, 200]
