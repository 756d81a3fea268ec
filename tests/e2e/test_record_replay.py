"""Record and replay with no internet: one server process is the upstream (it speaks the same
API), a second records a flow through it (sync, stream, background + poll, a tool loop chained by
previous_response_id), the recording is exported (CLI and admin API), both stop, and a third
process replays the file with no upstream in strict mode — same texts, tool calls and usage, with
retrieve, input items, stream resume and cancel working on this server's own ids."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import httpx
import openai
import pytest
from openai import OpenAI

from responses_mock import cli, datafiles
from responses_mock.testing.server import MockServer, free_port, wait_healthy
from tests.conftest import new_key
from tests.polling import wait_for, wait_until

TOKEN = "admin-token-for-the-export"

TOOLS = [{"type": "function", "name": "get_weather", "description": "The weather in a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                         "additionalProperties": False}, "strict": True}]
# The upstream's own fixtures: answers the replay server's default model would never give, so a
# replay that regenerated instead of replaying could not pass.
UPSTREAM_RULES = {"rules": [
    {"match": {"tools": ["get_weather"], "has_tool_output": False},
     "respond": {"function_calls": [{"name": "get_weather", "arguments": {"city": "Lyon"}}],
                 "usage": {"input_tokens": 321, "output_tokens": 17}}},
    {"match": {"tools": ["get_weather"], "has_tool_output": True},
     "respond": {"text": "Lyon: 18 °C and sunny, says the tool."}},
    {"match": {"input_contains": "haiku"},
     "respond": {"text": "Rain on the tin roof / counting the seconds between / thunder and the dark",
                 "pace": {"time_to_first_token": 0.3, "tokens_per_second": 100}}},
    {"match": {"input_contains": "rate limit me", "times": 1},
     "respond": {"http_error": {"status": 429, "message": "Slow down.", "retry_after": 2}}},
]}


MYSTERY = "gpt-mystery-1"  # in the upstream's catalog only (a catalog is per process)


class Proc:
    """`python -m responses_mock serve` on a SQLite file of its own."""

    def __init__(self, tmp: Path, name: str, *args: str, env: dict | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / f"{name}.log"
        cmd = [sys.executable, "-m", "responses_mock", "serve", "--port", str(self.port),
               "--database-url", f"sqlite+aiosqlite:///{tmp / name}.db", *args]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=tmp,
                                         env={**os.environ, **(env or {})})

    def ready(self) -> Proc:
        wait_healthy(self.url, lambda: self.proc.poll() is None, self.log_path.read_text)
        return self

    def client(self, key: str) -> OpenAI:
        return OpenAI(base_url=f"{self.url}/v1", api_key=key, max_retries=0)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def procs():
    started: list[Proc] = []
    yield started
    for p in started:
        p.stop()


def _flow(client: OpenAI, *, poll) -> dict:
    """The flow under test; what it observed, to compare between the recording and the replay."""
    seen: dict = {}
    r = client.responses.create(model="gpt-5-mini", input="Explain entanglement in two sentences.")
    seen["sync"] = (r.output_text, r.usage.input_tokens, r.usage.output_tokens, r.id)
    with client.responses.stream(model="gpt-4.1", input="Write a haiku about rain.") as stream:
        types = [e.type for e in stream]
        final = stream.get_final_response()
    seen["stream"] = (final.output_text, final.usage.input_tokens, final.usage.output_tokens, final.id)
    seen["stream_types"] = types
    queued = client.responses.create(model="gpt-4.1", input="Name three fruits.", background=True)
    assert queued.status == "queued"
    done = poll(client, queued.id)
    seen["background"] = (done.output_text, done.usage.input_tokens, done.usage.output_tokens, done.id)
    call_turn = client.responses.create(model="gpt-5-mini", input="What's the weather like?", tools=TOOLS)
    [call] = [i for i in call_turn.output if i.type == "function_call"]
    seen["call"] = (call.name, call.arguments, call_turn.usage.input_tokens, call_turn.usage.output_tokens)
    answer = client.responses.create(model="gpt-5-mini", previous_response_id=call_turn.id, tools=TOOLS, input=[
        {"type": "function_call_output", "call_id": call.call_id, "output": '{"temp": 18, "sky": "sunny"}'}])
    seen["answer"] = (answer.output_text, answer.usage.output_tokens, answer.id, call_turn.id)
    conversation = client.conversations.create()
    for said in ("My cat is called Tom.", "What is my cat called?"):
        turn = client.responses.create(model="gpt-4.1", conversation=conversation.id, input=said)
        seen.setdefault("conversation", []).append((turn.output_text, turn.usage.input_tokens))
    listed = client.conversations.items.list(conversation.id, order="asc").data
    seen["conversation_items"] = [(i.type, i.role, i.content[0].text) for i in listed]
    with pytest.raises(openai.RateLimitError) as err:
        client.responses.create(model="gpt-4.1", input="Please rate limit me.")
    seen["error"] = (err.value.status_code, err.value.message, err.value.response.headers.get("retry-after"))
    seen["retried"] = client.responses.create(model="gpt-4.1", input="Please rate limit me.").output_text
    # A model only the upstream's catalog has: forwarded while recording, served from the recording.
    mystery = client.responses.create(model=MYSTERY, input="Name three fruits.")
    with client.responses.stream(model=MYSTERY, input="Name three fruits.") as stream:
        streamed = stream.get_final_response()
    seen["mystery"] = (mystery.model, mystery.output_text, mystery.usage.output_tokens, streamed.model,
                       streamed.output_text)
    return seen


def _finished(client: OpenAI, rid: str):
    return wait_for(client, rid, timeout=30)[0]


@pytest.mark.slow
def test_record_then_replay_offline_with_state(tmp_path, procs):
    rules = tmp_path / "upstream.json"
    rules.write_text(json.dumps(UPSTREAM_RULES))
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"models": [{"id": MYSTERY, "family": "gpt-4.1"}]}))
    upstream = Proc(tmp_path, "upstream", "--fixtures", str(rules), "--catalog", str(catalog))
    procs.append(upstream)
    recorder = Proc(tmp_path, "recorder", "--upstream", f"{upstream.url}/v1", "--record",
                    env={"RESPONSES_MOCK_ADMIN_TOKEN": TOKEN})  # started side by side: each takes seconds
    procs.append(recorder)
    upstream.ready(), recorder.ready()
    key = new_key()

    with recorder.client(key) as client:
        recorded = _flow(client, poll=_finished)
    # What the client got is the upstream's answer, with the upstream's ids.
    assert recorded["call"][:2] == ("get_weather", '{"city":"Lyon"}') and recorded["call"][2:] == (321, 17)
    assert recorded["answer"][0] == "Lyon: 18 °C and sunny, says the tool."
    assert recorded["error"] == (429, "Error code: 429 - Slow down.", "2")
    assert recorded["mystery"][0] == recorded["mystery"][3] == MYSTERY and recorded["mystery"][1]
    with upstream.client(key) as direct:  # the ids the client holds are the upstream's
        assert direct.responses.retrieve(recorded["sync"][3]).output_text == recorded["sync"][0]

    # The second turn of the conversation was sent with the first one's answer as context.
    assert recorded["conversation"][1][1] > recorded["conversation"][0][1] + 10
    # One rule per answer (the background one once its run was followed to the end), of this key.
    admin = httpx.Client(base_url=f"{recorder.url}/__admin", headers={"Authorization": f"Bearer {key}"})
    listed = wait_until(lambda: (lambda d: d if len(d) == 10 else None)(admin.get("/fixtures").json()["data"]),
                        timeout=20, what="ten recorded rules")
    assert {r["source"] for r in listed} == {"recorded"}
    as_json = admin.get("/fixtures", params={"format": "json"})
    assert as_json.status_code == 200 and len(as_json.json()["rules"]) == 10
    as_yaml = admin.get("/fixtures", params={"format": "yaml"})
    assert as_yaml.headers["content-type"].startswith("application/yaml")
    assert datafiles.load_yaml(as_yaml.content) == as_json.json()

    exported = tmp_path / "recording.yaml"
    cli.main(["fixtures", "export", str(exported), "--url", recorder.url, "--api-key", key])
    everyone = tmp_path / "everyone.json"  # the admin token exports every key's rules
    cli.main(["fixtures", "export", str(everyone), "--url", recorder.url, "--admin-token", TOKEN])
    assert json.loads(everyone.read_text()) == as_json.json()
    text = exported.read_text()
    assert key not in text and "authorization" not in text.lower() and key[8:] not in text
    document = datafiles.load_yaml(text)
    assert document == as_json.json()
    by_text = {r["match"]["request"]["input"][0].get("content", [{}])[0].get("text"): r["respond"]
               for r in document["rules"]}
    assert by_text["Write a haiku about rain."]["pace"]["time_to_first_token"] >= 0.25  # the recorded pace
    errors = [r for r in document["rules"] if "http_error" in r["respond"]]
    assert [(e["respond"]["http_error"]["status"], e["match"]["times"]) for e in errors] == [(429, 1)]
    for log in (recorder.log_path, upstream.log_path):  # no key in any log line
        assert key[8:] not in log.read_text()
    admin.close()

    # Everything stops; a fresh server replays the file with no upstream and no other rule.
    recorder.stop()
    upstream.stop()
    replay = Proc(tmp_path, "replay", "--fixtures", str(exported), "--strict")
    procs.append(replay)
    replay.ready()
    other = new_key()  # a file's rules answer every key
    with replay.client(other) as client:
        replayed = _flow(client, poll=_finished)
        for name in ("sync", "stream", "background"):
            assert replayed[name][:3] == recorded[name][:3], name
            assert replayed[name][3] != recorded[name][3]  # this server's own ids
        assert replayed["stream_types"] == recorded["stream_types"]
        assert replayed["call"] == recorded["call"]
        assert replayed["answer"][:2] == recorded["answer"][:2]
        assert replayed["error"] == recorded["error"]
        assert replayed["retried"] == recorded["retried"]  # the error once, then the answer the retry got
        assert replayed["mystery"] == recorded["mystery"]  # the recorded model's name, the recorded answer
        assert replayed["conversation"] == recorded["conversation"]
        assert replayed["conversation_items"] == recorded["conversation_items"]
        assert len(recorded["conversation_items"]) == 4

        # State, offline: retrieve, input items, the chain, a stream resumed, delete.
        sync_id, stream_id = replayed["sync"][3], replayed["stream"][3]
        assert client.responses.retrieve(sync_id).output_text == recorded["sync"][0]
        items = client.responses.input_items.list(replayed["answer"][2], order="asc").data
        assert [i.type for i in items] == ["message", "function_call", "function_call_output"]
        resumed = list(client.responses.retrieve(stream_id, stream=True, starting_after=2))
        assert resumed[0].sequence_number == 3 and resumed[-1].type == "response.completed"
        assert resumed[-1].response.output_text == recorded["stream"][0]
        client.responses.delete(sync_id)
        with pytest.raises(openai.NotFoundError):
            client.responses.retrieve(sync_id)

        # A background replay runs through the lifecycle: it can be cancelled.
        queued = client.responses.create(model="gpt-4.1", input="Name three fruits.", background=True)
        assert client.responses.cancel(queued.id).status == "cancelled"

        # Strict: anything the recording does not hold is a 400 naming the miss.
        with pytest.raises(openai.BadRequestError) as miss:
            client.responses.create(model="gpt-5-mini", input="Explain entanglement in three sentences.")
        assert miss.value.code == "fixture_not_found"
        assert "gpt-5-mini" in miss.value.message and "three sentences" in miss.value.message


@pytest.fixture
def upstream_server():
    with MockServer() as server:
        yield server


def test_without_record_misses_are_proxied_and_nothing_is_saved(upstream_server):
    key = new_key()
    with MockServer(upstream=f"{upstream_server.url}/v1") as proxy, proxy.client(key, max_retries=0) as client, \
            closing(upstream_server.admin(key)) as seen_upstream, closing(proxy.admin(key)) as here:
        here.respond({"input_contains": "local"}, text="Answered here.")
        assert client.responses.create(model="gpt-4.1", input="A local question.").output_text == "Answered here."
        r = client.responses.create(model="gpt-4.1", input="Name three fruits.")
        assert [e["body"]["input"] for e in seen_upstream.requests(method="POST")] == ["Name three fruits."]
        assert [f["source"] for f in here.fixtures()] == ["admin"]  # nothing recorded
        # The upstream's ids, known to the upstream only, work through the proxy.
        assert client.responses.retrieve(r.id).output_text == r.output_text
        assert [i.type for i in client.responses.input_items.list(r.id).data] == ["message"]
        client.responses.delete(r.id)
        with pytest.raises(openai.NotFoundError):
            client.responses.retrieve(r.id)
        # Its stream resumed, and a background run of its cancelled, through the proxy.
        events = list(client.responses.create(model="gpt-4.1", input="Name four fruits.", stream=True))
        streamed_id = events[0].response.id
        resumed = list(client.responses.retrieve(streamed_id, stream=True, starting_after=2))
        assert [e.sequence_number for e in resumed] == [e.sequence_number for e in events[3:]]
        queued = client.responses.create(model="gpt-4.1", input="Name five fruits.", background=True)
        assert client.responses.cancel(queued.id).status == "cancelled"
        assert upstream_server.client(key).responses.retrieve(queued.id).status == "cancelled"
        # A chain on the upstream's id continues there.
        follow = client.responses.create(model="gpt-4.1", previous_response_id=client.responses.create(
            model="gpt-4.1", input="Name two colours.").id, input="And one more.")
        assert follow.previous_response_id is not None
        assert upstream_server.client(key).responses.retrieve(follow.id).id == follow.id
        # What the proxy journals of a forwarded request carries no key.
        entries = here.requests(method="POST")
        assert entries and key not in json.dumps(entries)


def test_an_upstream_api_key_replaces_the_callers(upstream_server):
    caller, configured = new_key(), new_key()
    with MockServer(upstream=f"{upstream_server.url}/v1", upstream_api_key=configured, record=True) as proxy, \
            proxy.client(caller, max_retries=0) as client:
        client.responses.create(model="gpt-4.1", input="Name three fruits.")
        with closing(upstream_server.admin(configured)) as as_configured, closing(upstream_server.admin(caller)) as as_caller:
            assert len(as_configured.requests(method="POST")) == 1 and as_caller.requests() == []
        with closing(proxy.admin(caller)) as recorded:  # the recording belongs to the caller's key
            [rule] = recorded.fixtures()
        assert configured not in json.dumps(rule) and caller not in json.dumps(rule)


def test_an_unreachable_upstream_is_a_502_in_the_envelope():
    with MockServer(upstream=f"http://127.0.0.1:{free_port()}/v1") as proxy, proxy.client(new_key(), max_retries=0) as c:
        with pytest.raises(openai.InternalServerError) as err:
            c.responses.create(model="gpt-4.1", input="Hi.")
        assert err.value.status_code == 502 and err.value.code == "upstream_unreachable"


def test_strict_mode_refuses_a_miss_and_serves_rules():
    key = new_key()
    with MockServer(strict=True) as server, server.client(key, max_retries=0) as client, closing(server.admin(key)) as admin:
        admin.respond({"input_contains": "capital"}, text="Paris.")
        assert client.responses.create(model="gpt-4.1", input="The capital of France?").output_text == "Paris."
        with pytest.raises(openai.BadRequestError) as err:
            client.responses.create(model="gpt-4.1", input="Something else.", stream=True)
        assert err.value.code == "fixture_not_found" and err.value.param == "input"
        assert "'gpt-4.1'" in err.value.message and "Something else." in err.value.message


def test_the_export_command_needs_a_credential_and_says_what_the_server_refused(tmp_path, monkeypatch,
                                                                                upstream_server):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("RESPONSES_MOCK_ADMIN_TOKEN", raising=False)
    with pytest.raises(SystemExit, match="needs --api-key"):
        cli.main(["fixtures", "export", str(tmp_path / "f.yaml"), "--url", upstream_server.url])
    with pytest.raises(SystemExit, match=r"refused the export \(403\)"):  # no admin token is set on that server
        cli.main(["fixtures", "export", str(tmp_path / "f.yaml"), "--url", upstream_server.url,
                  "--admin-token", "not-the-token", "--api-key", new_key()])
    assert not (tmp_path / "f.yaml").exists()
    key = new_key()
    with closing(upstream_server.admin(key)) as admin:
        admin.respond({"input_contains": "hi"}, text="Hello!")
    cli.main(["fixtures", "export", str(tmp_path / "f.json"), "--url", upstream_server.url, "--api-key", key])
    [rule] = json.loads((tmp_path / "f.json").read_text())["rules"]
    assert rule["respond"]["text"] == "Hello!" and "api_key" not in rule


def _recorded_file(server: MockServer, key: str, path: Path) -> Path:
    """The key's recordings as the file a replay loads (what `fixtures export` writes)."""
    reply = httpx.get(f"{server.url}/__admin/fixtures", params={"format": "json"},
                      headers={"Authorization": f"Bearer {key}"})
    assert reply.status_code == 200
    path.write_bytes(reply.content)
    return path


def _recording(upstream_url: str, key: str, path: Path, run) -> Path:
    """Run `run(client)` through a recording server in front of `upstream_url`; its rules' file."""
    with MockServer(upstream=upstream_url, record=True) as recorder, recorder.client(key, max_retries=0) as client:
        run(client)
        wait_until(lambda: len(recorder.admin(key).fixtures()) >= 1 or None, timeout=10, what="a recording")
        return _recorded_file(recorder, key, path)


ORDERED = [{"type": "reasoning", "summary": "The user wants the weather.", "tokens": 8},
           {"type": "message", "text": "Let me look that up."},
           {"type": "web_search_call", "item": {"status": "completed",
                                                "action": {"type": "search", "query": "weather Lyon"}}},
           {"type": "reasoning", "summary": "Now the tool."},
           {"type": "function_call", "name": "get_weather", "arguments": {"city": "Lyon"}},
           {"type": "message", "text": "Asked the tool."}]


def test_a_recording_replays_its_output_items_in_the_order_they_came(tmp_path, upstream_server):
    key = new_key()
    with closing(upstream_server.admin(key)) as admin:  # an upstream whose message comes before its call
        admin.add({"match": {"input_contains": "weather"}, "respond": {"output": ORDERED}})
    asked = {"model": "gpt-5-mini", "input": "What's the weather in Lyon?", "tools": TOOLS,
             "reasoning": {"effort": "low", "summary": "auto"}}
    seen: dict = {}

    def run(client):
        with client.responses.stream(**asked) as stream:
            seen["types"] = [e.type for e in stream]
            seen["final"] = stream.get_final_response()

    path = _recording(f"{upstream_server.url}/v1", key, tmp_path / "ordered.json", run)
    [rule] = json.loads(path.read_text())["rules"]
    assert [i["type"] for i in rule["respond"]["output"]] == [i["type"] for i in ORDERED]
    recorded = seen["final"]
    with MockServer(fixtures=path, strict=True) as replay, replay.client(new_key(), max_retries=0) as client:
        with client.responses.stream(**asked) as stream:
            types = [e.type for e in stream]
            final = stream.get_final_response()
        sync = client.responses.create(**asked)
    order = ["reasoning", "message", "web_search_call", "reasoning", "function_call", "message"]
    for got in (recorded, final, sync):
        assert [i.type for i in got.output] == order
    assert types == seen["types"]  # the same events, in the same order, as the upstream's stream
    assert [i.model_dump(exclude={"id", "call_id"}) for i in final.output] == \
        [i.model_dump(exclude={"id", "call_id"}) for i in recorded.output]
    assert final.output[0].summary[0].text == "The user wants the weather." and final.output_text == \
        "Let me look that up.Asked the tool."
    assert final.output[2].action.query == "weather Lyon"


def test_recordings_differing_only_in_text_format_each_answer_their_own(tmp_path, upstream_server):
    key = new_key()
    schema = {"type": "json_schema", "name": "fruits", "strict": True, "schema": {
        "type": "object", "properties": {"fruits": {"type": "array", "items": {"type": "string"}}},
        "required": ["fruits"], "additionalProperties": False}}
    asks = [{}, {"text": {"format": schema}}, {"text": {"format": {"type": "json_object"}}},
            {"reasoning": {"effort": "high"}}, {"max_output_tokens": 16}]
    answers: list[str] = []

    def run(client):
        for extra in asks:
            answers.append(client.responses.create(model="gpt-5-mini", input="Name three fruits in JSON.",
                                                   **extra).output_text)

    path = _recording(f"{upstream_server.url}/v1", key, tmp_path / "formats.json", run)
    assert len(set(answers[:3])) == 3  # the upstream answered each format its own way
    assert len(json.loads(path.read_text())["rules"]) == len(asks)
    with MockServer(fixtures=path, strict=True) as replay, replay.client(new_key(), max_retries=0) as client:
        for extra, answer in zip(asks, answers, strict=True):
            assert client.responses.create(model="gpt-5-mini", input="Name three fruits in JSON.",
                                           **extra).output_text == answer, extra
        with pytest.raises(openai.BadRequestError) as miss:  # a format never recorded: strict says so
            client.responses.create(model="gpt-5-mini", input="Name three fruits in JSON.",
                                    text={"verbosity": "low"})
        assert miss.value.code == "fixture_not_found"


def test_a_model_this_server_does_not_know_is_refused_without_an_upstream_or_a_recording():
    with MockServer() as plain, plain.client(new_key(), max_retries=0) as client:
        with pytest.raises(openai.BadRequestError) as err:
            client.responses.create(model="gpt-mystery-1", input="Name three fruits.")
        assert err.value.code == "model_not_found" and err.value.param == "model"


def _socket_turn(conn, **create) -> list:
    """One `response.create` on the socket: its events, up to the one that ends it."""
    conn.response.create(**create)
    events = []
    for event in conn:
        events.append(event)
        if event.type in ("response.completed", "response.incomplete", "response.failed", "error"):
            return events
    raise AssertionError(f"the socket closed after {[e.type for e in events]}")


def test_a_websocket_flow_is_forwarded_recorded_and_replayed_over_both_transports(tmp_path, upstream_server):
    """Over `responses.connect()`: a create, a warm-up and the turn chained on it, and an upstream
    429 are relayed from the upstream's own socket unchanged (its ids, its events), recorded as the
    HTTP stream path records them, and replayed offline in strict mode over a socket and over HTTP."""
    key = new_key()
    with closing(upstream_server.admin(key)) as admin:  # answers the replay's default model would never give
        admin.add({"match": {"input_contains": "haiku"}, "respond": {
            "text": "Rain on the tin roof / counting the seconds between / thunder and the dark",
            "pace": {"time_to_first_token": 0.2, "tokens_per_second": 200}}})
        admin.add({"match": {"input_contains": "fruits"}, "respond": {"text": "Fig, quince and medlar."}})
        admin.add({"match": {"input_contains": "rate limit me", "times": 1},
                   "respond": {"http_error": {"status": 429, "message": "Slow down.", "retry_after": 2}}})
    seen: dict = {}

    def run(client):
        with client.responses.connect() as conn:
            events = _socket_turn(conn, model="gpt-4.1", input="Write a haiku about rain.")
            seen["haiku"] = events
            warm = _socket_turn(conn, model="gpt-4.1", instructions="Be brief.", input=[], generate=False)[-1]
            seen["warm"] = warm.response
            seen["chained"] = _socket_turn(conn, model="gpt-4.1", instructions="Be brief.",
                                           previous_response_id=warm.response.id, input="Name three fruits.")[-1]
            seen["error"] = _socket_turn(conn, model="gpt-4.1", input="Please rate limit me.")[-1]
            seen["retried"] = _socket_turn(conn, model="gpt-4.1", input="Please rate limit me.")[-1]

    with MockServer(upstream=f"{upstream_server.url}/v1", record=True) as recorder, \
            recorder.client(key, max_retries=0) as client, closing(recorder.admin(key)) as here:
        run(client)
        rules = wait_until(lambda: (lambda d: d if len(d) >= 4 else None)(here.fixtures()), timeout=10,
                           what="four recorded rules")
        path = _recorded_file(recorder, key, tmp_path / "socket.json")
        socket_entries = wait_until(lambda: (lambda e: e if len(e) == 5 else None)(here.requests(method="WS")),
                                    timeout=5, what="the five socket creates journaled")
    haiku = seen["haiku"]
    final = haiku[-1].response
    with upstream_server.client(key) as direct:  # relayed unchanged: the upstream's ids and events
        assert direct.responses.retrieve(final.id).output_text == final.output_text
        assert direct.responses.retrieve(seen["chained"].response.id).previous_response_id == seen["warm"].id
    assert final.output_text.startswith("Rain on the tin roof") and haiku[0].type == "response.created"
    assert [e.sequence_number for e in haiku] == list(range(len(haiku)))
    assert seen["warm"].output == [] and seen["chained"].response.output_text == "Fig, quince and medlar."
    assert (seen["error"].type, seen["error"].status, seen["error"].error.code) == ("error", 429, "rate_limit_exceeded")
    assert seen["retried"].type == "response.completed"  # the rule spent: the upstream's model answered
    assert {r["source"] for r in rules} == {"recorded"} and len(rules) == 4  # no rule for the warm-up
    assert all(e["fixture_id"] is None for e in socket_entries)  # forwarded: no rule of the recorder's answered
    assert {e["reply"]["id"] for e in socket_entries if "id" in e["reply"]} >= {final.id, seen["warm"].id}
    document = json.loads(path.read_text())
    haiku_rule = next(r for r in document["rules"] if r["respond"].get("output") and
                      "haiku" in json.dumps(r["match"]["request"]["input"]))
    assert haiku_rule["respond"]["pace"]["time_to_first_token"] >= 0.15  # recorded as a stream is
    [refusal] = [r for r in document["rules"] if "http_error" in r["respond"]]
    assert refusal["respond"]["http_error"]["status"] == 429 and refusal["match"]["times"] == 1
    assert refusal["respond"]["http_error"]["headers"].get("retry-after") == "2"  # from the error event's headers
    assert key not in path.read_text()

    with MockServer(fixtures=path, strict=True) as replay, replay.client(new_key(), max_retries=0) as client:
        with client.responses.connect() as conn:
            again = _socket_turn(conn, model="gpt-4.1", input="Write a haiku about rain.")
            assert again[-1].response.output_text == final.output_text and again[-1].response.id != final.id
            assert [e.type for e in again] == [e.type for e in haiku]
            warm = _socket_turn(conn, model="gpt-4.1", instructions="Be brief.", input=[], generate=False)[-1]
            chained = _socket_turn(conn, model="gpt-4.1", instructions="Be brief.",
                                   previous_response_id=warm.response.id, input="Name three fruits.")[-1]
            assert chained.response.output_text == "Fig, quince and medlar."
            error = _socket_turn(conn, model="gpt-4.1", input="Please rate limit me.")[-1]
            assert (error.type, error.status, error.error.code) == ("error", 429, "rate_limit_exceeded")
            assert _socket_turn(conn, model="gpt-4.1", input="Please rate limit me.")[-1].response.output_text \
                == seen["retried"].response.output_text
        over_http = client.responses.create(model="gpt-4.1", input="Write a haiku about rain.")
        assert over_http.output_text == final.output_text
        with client.responses.stream(model="gpt-4.1", input="Write a haiku about rain.") as stream:
            assert stream.get_final_response().output_text == final.output_text
        with client.responses.connect() as conn:  # strict: a miss over the socket is the error event
            miss = _socket_turn(conn, model="gpt-4.1", input="Something never recorded.")[-1]
        assert miss.type == "error" and miss.error.code == "fixture_not_found"


def test_a_websocket_forward_sends_the_upstream_api_key_and_an_unreachable_upstream_is_an_error_event(
        upstream_server):
    caller, configured = new_key(), new_key()
    with MockServer(upstream=f"{upstream_server.url}/v1", upstream_api_key=configured, record=True) as proxy, \
            proxy.client(caller, max_retries=0) as client, client.responses.connect() as conn:
        assert _socket_turn(conn, model="gpt-4.1", input="Name three fruits.")[-1].type == "response.completed"
        with closing(upstream_server.admin(configured)) as as_configured, \
                closing(upstream_server.admin(caller)) as as_caller:
            sent = wait_until(lambda: as_configured.requests(method="WS"), timeout=5, what="the forwarded create")
            assert [e["body"]["input"] for e in sent] == ["Name three fruits."]
            assert as_caller.requests() == []
    with MockServer(upstream=f"http://127.0.0.1:{free_port()}/v1") as proxy, \
            proxy.client(new_key(), max_retries=0) as client, client.responses.connect() as conn:
        error = _socket_turn(conn, model="gpt-4.1", input="Hi.")[-1]
        assert (error.type, error.status, error.error.code) == ("error", 502, "upstream_unreachable")
        assert _socket_turn(conn, model="gpt-4.1", input="Hi again.")[-1].error.code == "upstream_unreachable"


MCP = {"type": "mcp", "server_label": "docs", "server_url": "https://mcp.example.com/sse",
       "authorization": "MCP-SECRET-TOKEN", "headers": {"X-Api-Key": "HDR-SECRET"}, "require_approval": "never"}


def test_a_recording_holds_no_mcp_credentials_and_replays_with_other_ones(tmp_path, upstream_server):
    key = new_key()
    with closing(upstream_server.admin(key)) as admin:
        admin.respond({"tools": ["mcp"]}, text="The docs server offers search and fetch.")
    asked = {"model": "gpt-4.1", "input": "Which tools does the docs server offer?", "tools": [MCP]}
    with MockServer(upstream=f"{upstream_server.url}/v1", record=True) as recorder, \
            recorder.client(key, max_retries=0) as client, closing(recorder.admin(key)) as here:
        recorded = client.responses.create(**asked)
        [rule] = wait_until(lambda: here.fixtures() or None, timeout=10, what="a recording")
        shown = [json.dumps(rule), json.dumps(here.requests()), _recorded_file(recorder, key, tmp_path / "mcp.json")
                 .read_text(), httpx.get(f"{recorder.url}/__admin/fixtures", params={"format": "yaml"},
                                         headers={"Authorization": f"Bearer {key}"}).text]
    assert recorded.output_text == "The docs server offers search and fetch."
    for text in shown:  # the listing, the journal (the inspector's), the export as JSON and YAML
        assert "MCP-SECRET-TOKEN" not in text and "HDR-SECRET" not in text
    assert rule["rule"]["match"]["request"]["tools"][0]["server_url"] == MCP["server_url"]
    other = {**MCP, "authorization": "ANOTHER-TOKEN", "headers": {"X-Api-Key": "ANOTHER"}}
    with MockServer(fixtures=tmp_path / "mcp.json", strict=True) as replay, \
            replay.client(new_key(), max_retries=0) as client:
        assert client.responses.create(**{**asked, "tools": [other]}).output_text == recorded.output_text


NOTES = b"Release notes.\nThe zebra protocol listens on port 4242.\n" + b"Filler line about nothing.\n" * 60_000


def _files_flow(client: OpenAI) -> dict:
    """Upload a file (1.6 MB), ask about it by file_id, then put it in a vector store and ask
    file_search; the ids are whichever server holds the files."""
    uploaded = client.files.create(file=("notes.txt", NOTES, "text/plain"), purpose="assistants")
    assert client.files.content(uploaded.id).content == NOTES
    by_id = client.responses.create(model="gpt-4.1", input=[{"role": "user", "content": [
        {"type": "input_file", "file_id": uploaded.id},
        {"type": "input_text", "text": "Which port does the zebra protocol listen on?"}]}])
    store = client.vector_stores.create(name="notes", file_ids=[uploaded.id])
    wait_until(lambda: client.vector_stores.retrieve(store.id).file_counts.completed == 1 or None, timeout=30,
               what="the vector store's file indexed")
    searched = client.responses.create(model="gpt-4.1", input="Which port does the zebra protocol listen on?",
                                       tools=[{"type": "file_search", "vector_store_ids": [store.id]}])
    return {"file": uploaded.id, "store": store.id, "by_id": by_id.output_text, "searched": searched.output_text,
            "searched_types": [i.type for i in searched.output]}


def test_files_and_vector_stores_live_upstream_while_recording_and_locally_on_replay(tmp_path, upstream_server):
    key = new_key()
    with MockServer(upstream=f"{upstream_server.url}/v1", record=True) as recorder, \
            recorder.client(key, max_retries=0) as client, closing(recorder.admin(key)) as here:
        recorded = _files_flow(client)
        rules = wait_until(lambda: (lambda d: d if len(d) >= 2 else None)(here.fixtures()), timeout=10,
                           what="two recordings")
        path = _recorded_file(recorder, key, tmp_path / "files.json")
    with upstream_server.client(key) as direct:  # the files and the store are the upstream's
        assert direct.files.retrieve(recorded["file"]).bytes == len(NOTES)
        assert direct.vector_stores.retrieve(recorded["store"]).file_counts.completed == 1
    assert "4242" in recorded["by_id"] and "4242" in recorded["searched"]
    assert recorded["searched_types"] == ["file_search_call", "message"]
    assert [r["source"] for r in rules] == ["recorded", "recorded"]
    assert not any("http_error" in r["rule"]["respond"] for r in rules)  # the upstream found its files
    matched = json.dumps([r["match"] for r in json.loads(path.read_text())["rules"]])
    assert recorded["store"] not in matched and recorded["file"] not in matched  # on replay, ids are new
    with MockServer(fixtures=path, strict=True) as replay, replay.client(new_key(), max_retries=0) as client:
        replayed = _files_flow(client)  # uploaded again: this server's ids
        assert replayed["file"] != recorded["file"] and replayed["store"] != recorded["store"]
        assert {k: replayed[k] for k in ("by_id", "searched", "searched_types")} == \
            {k: recorded[k] for k in ("by_id", "searched", "searched_types")}
