"""WebSocket mode with the official SDK's `responses.connect()`, sync and async, on both stores:
the same lifecycle and events as SSE, chaining (stored and connection-local), lanes, warm-ups,
steering, protocol errors, dropped sockets followed over HTTP, handshake auth, the journal."""

from __future__ import annotations

import contextlib
import json
import re

import openai
import pytest
import websockets.sync.client as ws_client
from openai.types.responses.responses_server_event import ResponsesServerEvent
from pydantic import TypeAdapter
from websockets.exceptions import InvalidStatus

from responses_mock.testing import AdminClient
from tests import spec_check
from tests.conftest import new_key, sse
from tests.polling import wait_until

SERVER_EVENT = TypeAdapter(ResponsesServerEvent)
SLOW = {"x-mock-tokens-per-second": "60"}  # a run long enough to steer or drop mid-way
WS_ONLY = ("stream_id",)


def checked(event) -> dict:
    """An event as sent: valid for the SDK's socket types and, where the spec has it, the spec."""
    raw = event.model_dump(mode="json", exclude_unset=True)
    SERVER_EVENT.validate_python(raw)
    if raw["type"] in spec_check._event_schemas() and raw["type"] != "error":
        spec_check.check_event({k: v for k, v in raw.items() if k not in WS_ONLY})
    return raw


def until_end(conn, ends=("response.completed", "response.incomplete", "response.failed", "error")) -> list[dict]:
    events = []
    for event in conn:
        events.append(checked(event))
        if event.type in ends:
            return events
    raise AssertionError(f"the socket closed after {[e['type'] for e in events]}")


_ID = re.compile(r"\b(resp|msg|rs|fc)_[0-9a-f]{20,}")


def comparable(events: list[dict]) -> list[dict]:
    """Events with what differs between two runs of one request (ids, times, padding) blanked."""
    text = json.dumps([{k: v for k, v in e.items() if k != "obfuscation"} for e in events])
    text = _ID.sub(lambda m: m.group(1) + "_X", text)
    return json.loads(re.sub(r'"(created_at|completed_at)": \d+', r'"\1": 0', text))


@pytest.fixture
def key():
    return new_key()


@pytest.fixture
def sdk(server, key):
    with server.client(api_key=key) as c:
        yield c


def test_a_response_over_the_socket_is_the_sse_run_of_the_same_request(server, key, sdk):
    request = {"model": "gpt-5-mini", "input": "Name three rivers of Europe.", "reasoning": {"summary": "auto"}}
    with sdk.responses.connect() as conn:
        conn.response.create(**request)
        over_socket = until_end(conn)
    over_http = sse(server, key, "POST", "/v1/responses", json={**request, "stream": True})
    assert [e["sequence_number"] for e in over_socket] == list(range(len(over_socket)))
    assert comparable(over_socket) == comparable(over_http)
    stored = sdk.responses.retrieve(over_socket[0]["response"]["id"])  # the same stored response
    assert stored.status == "completed" and stored.output_text == over_socket[-1]["response"]["output"][-1][
        "content"][0]["text"]
    replay = list(sdk.responses.retrieve(stored.id, stream=True, starting_after=len(over_socket) - 3))
    assert [e.sequence_number for e in replay] == [len(over_socket) - 2, len(over_socket) - 1]
    with server.client() as other, pytest.raises(openai.NotFoundError):  # another key: another tenant
        other.responses.retrieve(stored.id)


def test_two_chained_responses_on_one_socket_stored_or_not(sdk):
    with sdk.responses.connect() as conn:
        conn.response.create(model="gpt-4.1", input="My name is Ada. Remember it.")
        first = until_end(conn)[-1]["response"]
        conn.response.create(model="gpt-4.1", input="What is my name?", previous_response_id=first["id"])
        second = until_end(conn)[-1]["response"]
        assert second["previous_response_id"] == first["id"]
        assert second["usage"]["input_tokens"] > first["usage"]["input_tokens"]  # the first turn is in context
        # store=false: the connection keeps its latest response in memory, as the real API does.
        conn.response.create(model="gpt-4.1", input="Unstored turn.", previous_response_id=second["id"], store=False)
        third = until_end(conn)[-1]["response"]
        conn.response.create(model="gpt-4.1", input="And again?", previous_response_id=third["id"], store=False)
        fourth = until_end(conn)[-1]["response"]
        assert fourth["status"] == "completed" and fourth["usage"]["input_tokens"] > third["usage"]["input_tokens"]
        # Only the latest one: an older unstored response is gone, in the real API's words.
        conn.response.create(model="gpt-4.1", input="Fork?", previous_response_id=third["id"])
        error = until_end(conn)[-1]
    assert error["type"] == "error" and error["status"] == 400
    assert error["error"]["code"] == "previous_response_not_found" and error["error"]["param"] == "previous_response_id"
    assert sdk.responses.retrieve(second["id"]).previous_response_id == first["id"]


async def test_the_async_client_chains_and_warms_up(server, key):
    async with server.async_client(api_key=key) as client:
        async with client.responses.connect() as conn:
            await conn.response.create(model="gpt-4.1", input="Prepare: tools and instructions.", generate=False,
                                       instructions="Answer in French.")
            warm = []
            async for event in conn:
                warm.append(checked(event))
                if event.type == "response.completed":
                    break
            ready = warm[-1]["response"]
            assert ready["output"] == [] and ready["usage"]["output_tokens"] == 0
            await conn.response.create(model="gpt-4.1", input="Bonjour?", previous_response_id=ready["id"])
            async for event in conn:
                checked(event)
                if event.type == "response.completed":
                    assert event.response.previous_response_id == ready["id"] and event.response.output_text
                    break


def test_lanes_run_side_by_side_and_echo_their_stream_id(server, key):
    with server.client(api_key=key, default_headers=SLOW) as client, client.responses.connect() as conn:
        conn.response.create(model="gpt-4.1", input="Describe lakes in 4 sentences.", stream_id="a")
        conn.response.create(model="gpt-4.1", input="Describe hills in 4 sentences.", stream_id="b")
        lanes, ended = [], set()
        for event in conn:
            raw = checked(event)
            lanes.append(raw["stream_id"])
            if event.type == "response.completed":
                ended.add(raw["stream_id"])
                if ended == {"a", "b"}:
                    break
    before_any_end = lanes[:min(len(lanes) - 1 - lanes[::-1].index(x) for x in "ab")]
    assert set(before_any_end) == {"a", "b"}  # both lanes' events came before either ended: side by side


def test_background_and_bad_events_get_error_events_and_the_socket_stays_open(sdk):
    with sdk.responses.connect() as conn:
        conn.send_raw("{not json")
        conn.send({"type": "response.nope"})
        conn.response.create(model="gpt-4.1", input="hi", temperature=7)
        conn.response.create(model="gpt-4.1", input="hi", background=True)
        conn.response.create(model="gpt-4.1", input="Still there?")
        events = until_end(conn, ends=("response.completed",))
    errors = [e for e in events if e["type"] == "error"]
    assert [e["error"]["param"] for e in errors] == [None, "type", "temperature", "background"]
    assert {e["status"] for e in errors} == {400}
    assert errors[0]["error"]["message"].startswith("We could not parse the JSON body")
    assert errors[1]["error"]["message"] == ("Invalid value: 'response.nope'. Supported values are: "
                                             "'response.create' and 'response.steer'.")
    assert errors[2]["error"]["code"] == "decimal_above_max_value"
    assert events[-1]["type"] == "response.completed"


def test_a_steer_stops_the_run_and_its_successor_continues_with_the_input(server, key):
    with server.client(api_key=key, default_headers=SLOW) as client:
        with client.responses.connect() as conn:
            conn.response.create(model="gpt-4.1", input="Describe mountains in 20 sentences.", max_output_tokens=900)
            events, steered = [], None
            for event in conn:
                raw = checked(event)
                events.append(raw)
                if event.type == "response.output_text.delta" and steered is None:
                    steered = raw["item_id"]
                    conn.response.steer(previous_response_id=events[0]["response"]["id"],
                                        input="Actually, describe volcanoes instead.")
                if event.type == "response.completed":
                    break
        types = [e["type"] for e in events]
        accepted = next(e for e in events if e["type"] == "response.steer.accepted")
        first = next(e for e in events if e["type"] == "response.incomplete")["response"]
        assert first["incomplete_details"] == {"reason": "steered"} and accepted["steer"]["id"].startswith("steer_")
        assert accepted["steer"]["previous_response_id"] == first["id"]
        successor = events[-1]["response"]
        assert types.index("response.incomplete") < types.index("response.created", 1)
        assert successor["previous_response_id"] == first["id"] and successor["model"] == first["model"]
        assert successor["max_output_tokens"] == 900  # settings inherited
        assert "volcano" in "".join(p["text"] for o in successor["output"] for p in o["content"]).lower()
        newest = client.responses.input_items.list(successor["id"]).data[0]  # its own input, after the context
        assert newest.role == "user" and newest.content[0].text == "Actually, describe volcanoes instead."


def test_steering_failures_and_a_wait_for_tool_output(server, key):
    tool = {"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {}}}
    with contextlib.closing(AdminClient(server.url, api_key=key)) as admin:
        admin.add({"match": {"tools": ["lookup"], "has_tool_output": False},
                   "respond": {"function_calls": [{"name": "lookup", "arguments": {}}],
                               "pace": {"time_to_first_token": 0.5}}})
    with server.client(api_key=key) as client, client.responses.connect() as conn:
        conn.response.steer(previous_response_id="resp_unknown", input="hi")
        # Typed as steering input, but refused as the docs say: tool outputs, and a stream_id.
        conn.response.steer(previous_response_id="resp_unknown", input=[
            {"type": "function_call_output", "call_id": "call_1", "output": "no"}])
        conn.send({"type": "response.steer", "previous_response_id": "resp_unknown", "input": "x", "stream_id": "a"})
        conn.response.create(model="gpt-4.1", input="hello")
        done = until_end(conn, ends=("response.steer.failed",))
        done += until_end(conn, ends=("response.steer.failed",))
        done += until_end(conn, ends=("response.steer.failed",))
        done += until_end(conn)
        conn.response.steer(previous_response_id=done[-1]["response"]["id"], input="late")
        late = until_end(conn, ends=("response.steer.failed",))[-1]
        codes = [e["error"]["code"] for e in done if e["type"] == "response.steer.failed"] + [late["error"]["code"]]
        assert codes == ["response_not_found", "invalid_input", "invalid_input", "response_already_completed"]
        assert "id" not in done[0]["steer"] and late["steer"]["input"] == "late"

        # A response that stops on a function call keeps the input until the call is answered.
        conn.response.create(model="gpt-4.1", input="Look it up.", tools=[tool])
        created = until_end(conn, ends=("response.created",))[-1]["response"]
        conn.response.steer(previous_response_id=created["id"], input="Use the newest record.")
        events = until_end(conn, ends=("response.steer.pending",))
        pending, call = events[-1], events[-2]["response"]["output"][-1]
        assert [e["type"] for e in events][-2:] == ["response.completed", "response.steer.pending"]
        assert pending["reason"] == "waiting_for_required_input"
        assert pending["required_input"] == [{"type": "function_call_output", "call_id": call["call_id"], "name": "lookup"}]
        conn.response.create(model="gpt-4.1", tools=[tool], previous_response_id=created["id"], input=[
            {"type": "function_call_output", "call_id": call["call_id"], "output": "record 7"}])
        follow = until_end(conn)[-1]["response"]
        items = client.responses.input_items.list(follow["id"], order="asc").data[-2:]
        assert [i.type for i in items] == ["message", "function_call_output"]  # the steer first
        assert items[0].content[0].text == "Use the newest record."


def test_a_dropped_socket_leaves_the_run_going_and_followable_over_http(server, key):
    with server.client(api_key=key, default_headers=SLOW) as client:
        with client.responses.connect() as conn:
            conn.response.create(model="gpt-4.1", input="Describe rivers in 8 sentences.")
            seen = [checked(e) for _, e in zip(range(6), conn, strict=False)]
        rid, last = seen[0]["response"]["id"], seen[-1]["sequence_number"]
        with pytest.raises(openai.BadRequestError) as refused:  # a socket's response is no background job
            client.responses.cancel(rid)
        assert refused.value.body["message"] == "Only responses created with background=true can be cancelled."
        rest = list(client.responses.retrieve(rid, stream=True, starting_after=last))
        assert rest[0].sequence_number == last + 1 and rest[-1].type == "response.completed"
        assert client.responses.retrieve(rid).status == "completed"


def test_an_injected_disconnect_drops_the_socket_and_the_sdk_reconnects(server, key):
    with contextlib.closing(AdminClient(server.url, api_key=key)) as admin:
        admin.add({"match": {"input_contains": "drop me", "times": 1}, "respond": {"fault": "disconnect"}})
    reconnects, holder = [], {}

    def again(event):  # sent while reconnecting: the SDK queues it for the new socket
        reconnects.append(event.close_code)
        holder["conn"].response.create(model="gpt-4.1", input="after the drop")

    with server.client(api_key=key) as client:
        with client.responses.connect(on_reconnecting=again, initial_delay=0.05) as conn:
            holder["conn"] = conn
            conn.response.create(model="gpt-4.1", input="drop me")
            events = until_end(conn)
    assert reconnects == [1011] and events[-1]["type"] == "response.completed"
    assert events[0]["type"] == "response.created"  # nothing of the dropped request reached the client


def test_the_handshake_checks_the_key_and_the_journal_shows_socket_events(make_server):
    server = make_server("sqlite", api_keys="sk-allowed", websocket_max_age=1.5)
    url = server.url.replace("http", "ws", 1) + "/v1/responses"
    with pytest.raises(InvalidStatus) as refused:
        ws_client.connect(url, additional_headers={"Authorization": "Bearer sk-other"})
    assert refused.value.response.status_code == 401
    assert json.loads(refused.value.response.body)["error"]["code"] == "invalid_api_key"
    with server.client(api_key="sk-allowed") as client, client.responses.connect() as conn:
        conn.response.create(model="gpt-4.1", input="journal me")
        until_end(conn)
        limit = until_end(conn, ends=("error",))[-1]  # the real API's connection limit, shortened here
        assert limit["error"]["code"] == "websocket_connection_limit_reached"
    with contextlib.closing(AdminClient(server.url, api_key="sk-allowed")) as admin:
        entries = wait_until(lambda: admin.requests(method="WS"), 5, 0.1, "the socket's request journaled")
    assert entries[0]["path"] == "/v1/responses" and entries[0]["body"]["input"] == "journal me"
    assert entries[0]["status"] == 200 and entries[0]["headers"]["authorization"] == "[redacted]"


def test_failures_reach_the_socket_as_error_events(server, key):
    """A run that fails mid-way sends the nested `error` event (with its sequence number) before
    response.failed; an injected HTTP error (429) is an error event with its status and headers."""
    with contextlib.closing(AdminClient(server.url, api_key=key)) as admin:
        admin.add({"match": {"input_contains": "break"}, "respond": {
            "text": "Half an answer", "status": "failed", "error": {"code": "server_error", "message": "It broke."}}})
        admin.add({"match": {"input_contains": "busy", "times": 1}, "respond": {
            "http_error": {"status": 429, "retry_after": 2}}})
    with server.client(api_key=key) as client, client.responses.connect() as conn:
        conn.response.create(model="gpt-4.1", input="please break")
        failed = until_end(conn, ends=("response.failed",))
        conn.response.create(model="gpt-4.1", input="are you busy?")
        limited = until_end(conn, ends=("error",))[-1]
        conn.response.create(model="gpt-4.1", input="are you busy now?")
        assert until_end(conn)[-1]["type"] == "response.completed"  # `times: 1`: the next one passes
    error, end = failed[-2], failed[-1]
    assert error["type"] == "error" and error["sequence_number"] == end["sequence_number"] - 1
    assert error["error"] == {"type": "server_error", "code": "server_error", "message": "It broke.", "param": None}
    assert end["response"]["error"]["message"] == "It broke."
    assert limited["status"] == 429 and limited["error"]["code"] == "rate_limit_exceeded"
    assert limited["error"]["headers"]["retry-after"] == "2"


async def test_the_async_client_gets_error_events_and_steers(server, key):
    async with server.async_client(api_key=key, default_headers=SLOW) as client:
        async with client.responses.connect() as conn:
            await conn.send({"type": "response.create", "model": "gpt-4.1", "input": "x", "top_p": 3})
            await conn.response.create(model="gpt-4.1", input="Describe forests in 20 sentences.")
            seen = []
            async for event in conn:
                raw = checked(event)
                seen.append(raw)
                if event.type == "response.created" and len([e for e in seen if e["type"] == "response.created"]) == 1:
                    await conn.response.steer(previous_response_id=event.response.id, input="Deserts, please.")
                if event.type == "response.completed":
                    break
    assert seen[0]["type"] == "error" and seen[0]["error"]["param"] == "top_p"
    types = [e["type"] for e in seen]
    assert "response.steer.accepted" in types and types.count("response.created") == 2
    assert next(e for e in seen if e["type"] == "response.incomplete")["response"]["incomplete_details"]["reason"] == "steered"
    assert "desert" in json.dumps(seen[-1]["response"]["output"]).lower()


def test_a_steered_template_response_passes_its_instructions_on(server, key):
    with contextlib.closing(AdminClient(server.url, api_key=key)) as admin:
        admin.prompt({"id": "pmpt_guide", "version": "1", "instructions": "You are {{who}}.",
                      "messages": [{"role": "user", "content": "Tell me about {{topic}} in 20 sentences."}]})
    with server.client(api_key=key, default_headers=SLOW) as client, client.responses.connect() as conn:
        conn.response.create(model="gpt-4.1", prompt={"id": "pmpt_guide", "variables": {"who": "a guide", "topic": "caves"}})
        events = []
        for event in conn:
            events.append(checked(event))
            if event.type == "response.output_text.delta" and len(events) < 8:
                conn.response.steer(previous_response_id=events[0]["response"]["id"], input="Shorter, please.")
            if event.type == "response.completed":
                break
    successor = events[-1]["response"]
    assert successor["previous_response_id"] == events[0]["response"]["id"]
    assert successor["instructions"] == "You are a guide." and successor["prompt"] is None
    items = [e for e in events if e["type"] == "response.created"]
    assert len(items) == 2


@pytest.mark.parametrize("failure", ["4xx", "5xx"])
def test_a_failed_continuation_evicts_the_response_it_continued(server, key, failure):
    """The real service evicts a turn's `previous_response_id` from the connection's cache when the
    turn fails (OpenAI's WebSocket-mode guide): an unstored response is then not found."""
    with contextlib.closing(AdminClient(server.url, api_key=key)) as admin:
        admin.add({"match": {"input_contains": "explode"}, "respond": {"http_error": {"status": 500}}})
    with server.client(api_key=key) as client, client.responses.connect() as conn:
        conn.response.create(model="gpt-4.1", input="Remember: the code is 7.", store=False)
        first = until_end(conn)[-1]["response"]
        if failure == "4xx":
            conn.response.create(model="gpt-4.1", input="Next?", previous_response_id=first["id"], temperature=9)
        else:
            conn.response.create(model="gpt-4.1", input="explode", previous_response_id=first["id"])
        failed = until_end(conn)[-1]
        assert failed["type"] == "error" and failed["status"] == (400 if failure == "4xx" else 500)
        conn.response.create(model="gpt-4.1", input="What is the code?", previous_response_id=first["id"])
        gone = until_end(conn)[-1]
    assert gone["type"] == "error" and gone["error"]["code"] == "previous_response_not_found"


def test_a_stored_response_evicted_from_the_cache_still_continues_from_the_store(server, key):
    with server.client(api_key=key) as client, client.responses.connect() as conn:
        conn.response.create(model="gpt-4.1", input="Remember: the code is 7.")
        first = until_end(conn)[-1]["response"]
        conn.response.create(model="gpt-4.1", input="Next?", previous_response_id=first["id"], top_p=3)
        assert until_end(conn)[-1]["type"] == "error"
        conn.response.create(model="gpt-4.1", input="What is the code?", previous_response_id=first["id"])
        again = until_end(conn)[-1]
    assert again["type"] == "response.completed"
    assert again["response"]["usage"]["input_tokens"] > first["usage"]["input_tokens"]


def test_a_warm_up_neither_matches_nor_spends_a_fixture_rule(server, key):
    """Codex sends `generate: false` first; a `times: 1` rule must still answer the real turn."""
    with contextlib.closing(AdminClient(server.url, api_key=key)) as admin:
        rule = admin.add({"match": {"input_contains": "status", "times": 1}, "respond": {"text": "All green."}})[0]
        with server.client(api_key=key) as client, client.responses.connect() as conn:
            conn.response.create(model="gpt-4.1", input="What is the status?", generate=False)
            warm = until_end(conn)[-1]["response"]
            conn.response.create(model="gpt-4.1", input="What is the status?", previous_response_id=warm["id"])
            real = until_end(conn)[-1]["response"]
        entries = wait_until(lambda: e if len(e := admin.requests(method="WS")) >= 2 else None, 5, 0.05,
                             "both socket requests journaled")
    assert warm["output"] == [] and real["output"][-1]["content"][0]["text"] == "All green."
    answered = {e["body"].get("generate", True): e["fixture_id"] for e in entries}
    assert answered == {False: None, True: rule["id"]}


def test_lanes_are_capped_per_connection_and_released_when_idle(make_server):
    server = make_server("sqlite", websocket_max_lanes=2)
    with server.client(default_headers=SLOW) as client, client.responses.connect() as conn:
        for lane in ("a", "b", "c"):
            conn.response.create(model="gpt-4.1", input="Describe rivers in 3 sentences.", stream_id=lane)
        ends = {}
        for event in conn:
            raw = checked(event)
            if raw["type"] in ("response.completed", "error"):
                ends[raw.get("stream_id")] = raw
                if len(ends) == 3:
                    break
        refused = [e for e in ends.values() if e["type"] == "error"]
        assert len(refused) == 1 and refused[0]["error"]["code"] == "too_many_streams"
        assert set(ends) == {"a", "b", "c"}  # the refusal names its lane
        assert refused[0]["error"]["param"] == "stream_id"
        conn.response.create(model="gpt-4.1", input="Hi.", stream_id="d")  # the busy lanes have ended
        assert until_end(conn)[-1]["type"] == "response.completed"
