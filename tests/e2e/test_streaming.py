"""stream=true: event names, order, payloads and sequence numbers; the SDK's stream helpers;
replay with starting_after; disconnects and backend faults. Both stores, sync and async SDK."""

from __future__ import annotations

import json
import time

import httpx
import openai
import pytest

from responses_mock.backends import registry
from responses_mock.backends.base import TextDelta
from responses_mock.routes import sse as sse_module
from tests.conftest import new_key, read_sse, sse
from tests.polling import wait_for, wait_until

REASONING_ORDER = [
    "response.created", "response.in_progress",
    "response.output_item.added", "response.reasoning_summary_part.added",
    "response.reasoning_summary_text.delta*",
    "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
    "response.output_item.done",
    "response.output_item.added", "response.content_part.added", "response.output_text.delta*",
    "response.output_text.done", "response.content_part.done", "response.output_item.done",
    "response.completed",
]


def collapse(types: list[str]) -> list[str]:
    """Runs of one delta type become `type*`, so an order can be compared to a pattern."""
    out: list[str] = []
    for t in types:
        name = t + "*" if t.endswith(".delta") else t
        if not (out and out[-1] == name and name.endswith("*")):
            out.append(name)
    return out


def test_event_order_payloads_and_sequence_numbers(server):
    key = new_key()
    events = sse(server, key, "POST", "/v1/responses", json={
        "model": "gpt-5-mini", "input": "Explain entanglement in three sentences.",
        "reasoning": {"summary": "auto"}, "stream": True})
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert collapse([e["type"] for e in events]) == REASONING_ORDER

    final = events[-1]["response"]
    reasoning, message = final["output"]
    assert final["status"] == "completed" and final["usage"]["output_tokens"] > 0
    assert events[0]["response"]["status"] == "in_progress" and events[0]["response"]["output"] == []
    assert events[0]["response"]["usage"] is None

    deltas = [e for e in events if e["type"] == "response.output_text.delta"]
    assert len(deltas) > 10
    assert {(e["item_id"], e["output_index"], e["content_index"]) for e in deltas} == {(message["id"], 1, 0)}
    text = "".join(e["delta"] for e in deltas)
    done = next(e for e in events if e["type"] == "response.output_text.done")
    assert text == done["text"] == message["content"][0]["text"]
    summary = "".join(e["delta"] for e in events if e["type"] == "response.reasoning_summary_text.delta")
    assert summary and summary == reasoning["summary"][0]["text"]
    added = [e for e in events if e["type"] == "response.output_item.added"]
    assert [a["item"]["status"] for a in added[1:]] == ["in_progress"]
    assert [(a["output_index"], a["item"]["id"]) for a in added] == [(0, reasoning["id"]), (1, message["id"])]

    # The stored response is the final event's response, and the log replays identically.
    with server.client(api_key=key) as client:
        assert client.responses.retrieve(final["id"]).model_dump(mode="json") == \
            openai.types.responses.Response.model_validate(final).model_dump(mode="json")
    assert sse(server, key, "GET", f"/v1/responses/{final['id']}", params={"stream": "true"}) == events


def test_non_reasoning_model_streams_only_the_message(server):
    events = sse(server, new_key(), "POST", "/v1/responses",
                 json={"model": "gpt-4.1", "input": "Say hello in two sentences.", "stream": True})
    assert collapse([e["type"] for e in events]) == REASONING_ORDER[:2] + REASONING_ORDER[8:]


def test_max_output_tokens_ends_the_stream_incomplete(server):
    events = sse(server, new_key(), "POST", "/v1/responses", json={
        "model": "gpt-4.1", "input": "Describe the sea in 20 sentences.", "max_output_tokens": 16,
        "stream": True})
    assert events[-1]["type"] == "response.incomplete"
    final = events[-1]["response"]
    assert final["incomplete_details"] == {"reason": "max_output_tokens"}
    assert final["usage"]["output_tokens"] == 16
    item_done = [e for e in events if e["type"] == "response.output_item.done"][-1]
    assert item_done["item"]["status"] == "incomplete" == final["output"][-1]["status"]


def test_stream_helper_final_response_equals_retrieve(client):
    with client.responses.stream(model="gpt-5-mini", input="Why is the sky blue? Answer in four sentences.",
                                 reasoning={"summary": "auto"}) as stream:
        texts = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert final.status == "completed" and "".join(texts) == final.output_text
    stored = client.responses.retrieve(final.id)
    assert stored.model_dump(mode="json") == final.model_dump(mode="json", exclude={"output"}) | {
        "output": [item.model_dump(mode="json", exclude={"content": {"__all__": {"parsed"}}})
                   for item in final.output]}
    assert stored.output_text == final.output_text


async def test_async_stream_helper_and_create_stream(aclient):
    async with aclient.responses.stream(model="gpt-4.1", input="Name three rivers in three sentences.") as stream:
        types = [event.type async for event in stream]
        final = await stream.get_final_response()
    assert types[0] == "response.created" and types[-1] == "response.completed"
    assert (await aclient.responses.retrieve(final.id)).output_text == final.output_text

    numbers = [e.sequence_number async for e in await aclient.responses.create(
        model="gpt-4.1", input="hi", stream=True)]
    assert numbers == list(range(len(numbers)))


def test_store_false_streams_but_keeps_nothing(client):
    events = list(client.responses.create(model="gpt-4.1", input="hi", store=False, stream=True))
    assert events[-1].type == "response.completed" and events[-1].response.store is False
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(events[-1].response.id)


def test_replay_with_starting_after(server):
    key = new_key()
    with server.client(api_key=key) as client:
        events = list(client.responses.create(model="gpt-4.1", input="Tell me about owls.", stream=True))
        rid = events[0].response.id
        replay = list(client.responses.retrieve(rid, stream=True, starting_after=4))
        assert [e.model_dump() for e in replay] == [e.model_dump() for e in events[5:]]
        # The SDK's resume helper accumulates the rest into the same final response.
        with client.responses.stream(response_id=rid, starting_after=events[-3].sequence_number) as stream:
            assert [e.type for e in stream] == ["response.output_item.done", "response.completed"]
        assert list(client.responses.retrieve(rid, stream=True, starting_after=events[-1].sequence_number)) == []


def test_a_response_without_events_cannot_be_streamed(client):
    r = client.responses.create(model="gpt-4.1", input="hi")
    with pytest.raises(openai.BadRequestError) as exc:
        list(client.responses.retrieve(r.id, stream=True))
    assert exc.value.body["param"] == "stream"
    with pytest.raises(openai.NotFoundError):
        list(client.responses.retrieve("resp_missing", stream=True))


def test_client_disconnect_does_not_cut_the_response(server):
    """The run is detached from the socket: leaving early still stores a complete response."""
    key = new_key()
    headers = {"Authorization": f"Bearer {key}", "x-mock-tokens-per-second": "400"}
    body = {"model": "gpt-4.1", "input": "Describe rivers in 30 sentences.", "stream": True}
    with server.http(headers=headers, timeout=30) as http:
        with http.stream("POST", "/v1/responses", json=body) as r:
            first = read_sse(r.iter_lines(), limit=5)
    rid = first[0]["response"]["id"]
    with server.client(api_key=key) as client:
        resp, _ = wait_for(client, rid)
        assert resp.status == "completed" and resp.output_text.count(".") == 30
    log = sse(server, key, "GET", f"/v1/responses/{rid}", params={"stream": "true"})
    assert log[:5] == first and [e["sequence_number"] for e in log] == list(range(len(log)))
    assert log[-1]["type"] == "response.completed"


class Exploding:
    """A backend that says a little, then fails."""

    name = "exploding"

    async def generate(self, ctx):
        yield TextDelta("Partial ", 1)
        raise RuntimeError("the fake model blew up")


def test_backend_fault_becomes_response_failed(server, monkeypatch):
    monkeypatch.setattr(registry, "get", lambda name: Exploding())
    key = new_key()
    events = sse(server, key, "POST", "/v1/responses", json={"model": "gpt-4.1", "input": "hi", "stream": True})
    assert [e["type"] for e in events[-2:]] == ["error", "response.failed"]  # the error shows on the wire
    assert events[-2]["code"] == "server_error" and "blew up" in events[-2]["message"]
    final = events[-1]["response"]
    assert final["status"] == "failed" and "blew up" in final["error"]["message"]
    assert final["error"]["code"] == "server_error"
    with server.client(api_key=key) as client:
        assert client.responses.retrieve(final["id"]).status == "failed"
        sync = client.responses.create(model="gpt-4.1", input="hi")
        assert sync.status == "failed" and sync.error.code == "server_error"


def test_events_are_framed_as_the_real_api_frames_them(server):
    """`event:` then `data:` lines, LF line ends, a blank line after each event."""
    key = new_key()
    with server.http(headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        with http.stream("POST", "/v1/responses", json={"model": "gpt-4.1", "input": "Hi", "stream": True}) as r:
            raw = r.read()
            assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert b"\r" not in raw
    blocks = raw.decode().split("\n\n")
    assert blocks[-1] == "" and all(b.startswith("event: response.") for b in blocks[:-1])
    first_type, first_data = blocks[0].split("\n")
    assert first_type == "event: response.created" and json.loads(first_data[len("data: "):])["type"] == first_type[7:]


def _open_streams(server) -> float:
    metrics = httpx.get(f"{server.url}/metrics").text
    return float(next(line.split()[-1] for line in metrics.splitlines()
                      if line.startswith("responses_mock_stream_subscribers ")))


def test_an_idle_stream_keeps_alive_and_ends_with_its_client(server, monkeypatch):
    monkeypatch.setattr(sse_module, "KEEPALIVE", 0.2)
    key = new_key()
    headers = {"Authorization": f"Bearer {key}", "x-mock-queue-delay": "600"}
    with server.client(api_key=key) as client:
        rid = client.responses.create(model="gpt-4.1", input="wait", background=True,
                                      extra_headers={"x-mock-queue-delay": "600"}).id
    before = _open_streams(server)
    with server.http(headers=headers, timeout=30) as http:
        with http.stream("GET", f"/v1/responses/{rid}", params={"stream": "true"}) as r:
            lines = r.iter_lines()
            seen = [next(lines) for _ in range(8)]  # created, queued, then keep-alive comments
            assert ": keep-alive" in seen and "event: response.queued" in seen
            assert _open_streams(server) == before + 1
    wait_until(lambda: _open_streams(server) <= before, 5, 0.05, "the follower gone with its client")
    assert _open_streams(server) == before
    with server.client(api_key=key) as client:
        client.responses.cancel(rid)


def test_shutdown_cuts_open_streams_after_the_grace(make_server):
    server = make_server("sqlite", shutdown_grace=0.5)
    key = new_key()
    with server.client(api_key=key) as client:
        rid = client.responses.create(model="gpt-4.1", input="wait", background=True,
                                      extra_headers={"x-mock-queue-delay": "600"}).id
    with server.http(headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        with http.stream("GET", f"/v1/responses/{rid}", params={"stream": "true"}) as r:
            next(r.iter_lines())
            started = time.monotonic()
            server.stop()
            assert time.monotonic() - started < 2.5  # the grace (0.5 s), not the whole queue delay
