"""Forwarding to an upstream (an httpx MockTransport plays it): what is sent (the caller's key or
the configured one, nothing of this server's own), what is relayed, and what is recorded — JSON
at once, a stream at its end with its pace, a background run once polling finds it finished."""

from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest

from responses_mock.errors import APIError, Disconnect
from responses_mock.services.upstream import Turn, Upstream
from tests.polling import until

ANSWER = {"id": "resp_up", "object": "response", "status": "completed", "usage": {"input_tokens": 3, "output_tokens": 2},
          "output": [{"type": "message", "content": [{"type": "output_text", "text": "Hi there"}]}]}
CALLER = {"authorization": "Bearer sk-caller", "x-mock-tokens-per-second": "5", "cookie": "c=1",
          "openai-project": "proj_1"}


class Saved:
    """Where recordings go (FixturesService.record's signature)."""

    def __init__(self) -> None:
        self.rules: list = []

    async def record(self, rule, tenant: str) -> str:
        self.rules.append((tenant, rule))
        return f"fx_{len(self.rules)}"


def upstream(handler, *, api_key: str | None = None, record: bool = True) -> tuple[Upstream, Saved, list]:
    sent: list[httpx.Request] = []

    def recorded(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return handler(request)

    saved = Saved()
    up = Upstream("http://upstream.test/v1/", api_key=api_key, record=record, fixtures=saved, responses=None)
    up._client = httpx.AsyncClient(transport=httpx.MockTransport(recorded))
    return up, saved, sent


async def test_a_create_is_sent_with_the_callers_key_and_recorded():
    reply_headers = {"x-request-id": "req_up", "set-cookie": "s=1", "x-ratelimit-limit-requests": "9"}
    up, saved, sent = upstream(lambda r: httpx.Response(200, json=ANSWER, headers=reply_headers))
    reply = await up.create(Turn("tenant-a", {"model": "gpt-4.1", "input": "Hi"}), b'{"model":"gpt-4.1","input":"Hi"}', CALLER)
    assert reply.status == 200 and orjson.loads(reply.body) == ANSWER
    assert "set-cookie" not in reply.headers and "x-request-id" not in reply.headers
    assert reply.headers["x-ratelimit-limit-requests"] == "9"
    [request] = sent
    assert str(request.url) == "http://upstream.test/v1/responses" and request.content == b'{"model":"gpt-4.1","input":"Hi"}'
    assert request.headers["authorization"] == "Bearer sk-caller" and request.headers["openai-project"] == "proj_1"
    assert "x-mock-tokens-per-second" not in request.headers and "cookie" not in request.headers
    [(tenant, rule)] = saved.rules
    assert tenant == "tenant-a" and rule.respond.output[0].text == "Hi there" and rule.respond.usage.output_tokens == 2
    assert rule.respond.pace.time_to_first_token >= 0 and "sk-caller" not in rule.model_dump_json()
    await up.close()


async def test_the_configured_key_replaces_the_callers_and_a_proxy_records_nothing():
    up, saved, sent = upstream(lambda r: httpx.Response(200, json=ANSWER), api_key="sk-upstream", record=False)
    await up.create(Turn("t", {"model": "gpt-4.1", "input": "Hi"}), b"{}", CALLER)
    assert sent[0].headers["authorization"] == "Bearer sk-upstream" and saved.rules == []
    await up.close()


async def test_errors_are_recorded_but_not_the_recorders_own_401():
    statuses = iter([401, 503])
    up, saved, _ = upstream(lambda r: httpx.Response(next(statuses), json={"error": {"message": "Nope."}},
                                                      headers={"retry-after": "1"}))
    first = await up.create(Turn("t", {"model": "gpt-4.1", "input": "Hi"}), b"{}", CALLER)
    second = await up.create(Turn("t", {"model": "gpt-4.1", "input": "Hi"}), b"{}", CALLER)
    assert (first.status, second.status) == (401, 503)
    [(_, rule)] = saved.rules
    assert rule.respond.http_error.status == 503 and rule.respond.http_error.headers == {"retry-after": "1"}
    await up.close()


def _sse(events: list[dict]) -> bytes:
    return b"".join(b"event: " + e["type"].encode() + b"\ndata: " + orjson.dumps(e) + b"\n\n" for e in events)


STREAM = [{"type": "response.created", "sequence_number": 0},
          {"type": "response.output_text.delta", "sequence_number": 1, "delta": "Hi"},
          {"type": "response.output_text.delta", "sequence_number": 2, "delta": " there"},
          {"type": "response.completed", "sequence_number": 3, "response": ANSWER}]


async def test_a_stream_is_relayed_event_by_event_and_recorded_at_its_end():
    up, saved, _ = upstream(lambda r: httpx.Response(200, content=_sse(STREAM),
                                                      headers={"content-type": "text/event-stream"}))
    params = {"model": "gpt-4.1", "input": "Hi", "stream": True}
    reply = await up.create(Turn("t", params), b"{}", CALLER)
    relayed = [event async for event in reply.events]
    assert [(seq, kind) for seq, kind, _ in relayed] == [(i, e["type"]) for i, e in enumerate(STREAM)]
    assert [orjson.loads(data) for _, _, data in relayed] == STREAM  # unchanged
    [(_, rule)] = saved.rules
    assert rule.respond.output[0].text == "Hi there" and rule.respond.pace is not None

    left = await up.create(Turn("t", params), b"{}", CALLER)  # a client that leaves before the end: nothing saved
    events = left.events
    await events.__anext__()
    await events.aclose()
    assert len(saved.rules) == 1
    await up.close()


async def test_a_background_run_is_followed_to_its_end():
    polls = iter(["in_progress", "completed"])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200, json={**ANSWER, "status": "queued", "output": [], "usage": None})
        assert request.url.path == "/v1/responses/resp_up" and request.headers["authorization"] == "Bearer sk-caller"
        return httpx.Response(200, json={**ANSWER, "status": next(polls)})

    up, saved, _ = upstream(handler)
    reply = await up.create(Turn("t", {"model": "gpt-4.1", "input": "Hi", "background": True}), b"{}", CALLER)
    assert orjson.loads(reply.body)["status"] == "queued" and saved.rules == []
    await until(lambda: saved.rules, timeout=5, what="the followed run's rule")
    assert saved.rules[0][1].respond.output[0].text == "Hi there" and saved.rules[0][1].respond.pace is None
    await up.close()


async def test_other_requests_are_forwarded_as_sent_and_an_unreachable_upstream_is_a_502():
    up, _, sent = upstream(lambda r: httpx.Response(404, json={"error": {"message": "gone"}}))
    reply = await up.forward("GET", "/v1/responses/resp_up/input_items", b"limit=2&order=asc", CALLER)
    assert reply.status == 404 and str(sent[0].url) == "http://upstream.test/v1/responses/resp_up/input_items?limit=2&order=asc"

    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    down, _, _ = upstream(refuse)
    with pytest.raises(APIError) as err:
        await down.create(Turn("t", {"model": "gpt-4.1"}), b"{}", CALLER)
    assert (err.value.status, err.value.code) == (502, "upstream_unreachable")
    await asyncio.gather(up.close(), down.close())


@pytest.mark.parametrize("polled", [httpx.Response(200, text="<html>bad gateway</html>"),
                                    httpx.Response(200, json=["not", "an", "object"])])
async def test_a_followed_run_whose_poll_is_no_response_object_ends_quietly(polled):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200, json={**ANSWER, "status": "queued", "output": [], "usage": None})
        return polled

    up, saved, _ = upstream(handler)
    await up.create(Turn("t", {"model": "gpt-4.1", "input": "Hi", "background": True}), b"{}", CALLER)
    [task] = up._follows
    await asyncio.wait_for(task, timeout=5)  # raised before: "Task exception was never retrieved"
    assert task.exception() is None and saved.rules == []
    await up.close()


class _CutStream(httpx.AsyncByteStream):
    async def __aiter__(self):
        yield b"first half"
        raise httpx.ReadError("the upstream went away")


async def test_a_request_the_upstream_answers_whole_is_streamed_both_ways():
    form = b"--b\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nabc\r\n--b--\r\n"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/cut"):
            return httpx.Response(200, stream=_CutStream())
        if request.method == "GET":
            return httpx.Response(200, content=b"\x00\x01 the file's bytes", headers={
                "content-type": "application/octet-stream", "set-cookie": "s=1"})
        return httpx.Response(200, json={"id": "file-up", "object": "file"})

    async def sent_in_chunks():
        for i in range(0, len(form), 7):
            yield form[i:i + 7]

    up, _, sent = upstream(handler)
    multipart = {**CALLER, "content-type": "multipart/form-data; boundary=b", "content-length": str(len(form))}
    passed = await up.passthrough("POST", "/v1/files", b"", multipart, sent_in_chunks())
    assert passed.status == 200 and orjson.loads(b"".join([c async for c in passed.chunks]))["id"] == "file-up"
    posted = sent[0]
    assert posted.content == form and posted.headers["content-type"] == "multipart/form-data; boundary=b"
    assert posted.headers["content-length"] == str(len(form)) and "transfer-encoding" not in posted.headers
    assert posted.headers["authorization"] == "Bearer sk-caller" and "cookie" not in posted.headers
    download = await up.passthrough("GET", "/v1/files/file-up/content", b"a=1", CALLER, None)
    assert b"".join([c async for c in download.chunks]) == b"\x00\x01 the file's bytes"
    assert download.headers["content-type"] == "application/octet-stream" and "set-cookie" not in download.headers
    got = sent[1]
    assert str(got.url) == "http://upstream.test/v1/files/file-up/content?a=1" and got.content == b""
    assert "content-type" not in got.headers  # no body, no type of one
    cut = await up.passthrough("GET", "/v1/files/file-up/cut", b"", CALLER, None)
    with pytest.raises(Disconnect):  # the client's reply is dropped, not ended as if whole
        [c async for c in cut.chunks]
    await up.close()
