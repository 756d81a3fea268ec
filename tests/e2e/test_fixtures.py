"""Scripted fixtures, the request journal, fault injection and the admin API, with the official
SDK as the client under test. Both stores."""

from __future__ import annotations

import contextlib
import json
import time

import httpx
import openai
import pytest
from pydantic import BaseModel

from responses_mock.testing import AdminClient
from tests.conftest import new_key
from tests.polling import wait_for


@pytest.fixture
def key():
    return new_key()


@pytest.fixture
def admin(server, key):
    """The admin API scoped to this test's key, as the pytest plugin hands it out."""
    with contextlib.closing(AdminClient(server.url, api_key=key)) as client:
        yield client


@pytest.fixture
def sdk(server, key):
    with server.client(api_key=key) as c:
        yield c


def test_scripted_text_is_scoped_to_its_key(server, admin, key, sdk):
    admin.add({"match": {"input_contains": "capital of France"}, "respond": {"text": "Paris, obviously."}})
    r = sdk.responses.create(model="gpt-4.1", input="What is the capital of France?")
    assert r.output_text == "Paris, obviously." and r.status == "completed"
    assert r.usage.output_tokens == 4  # counted like any answer
    with server.client() as other:  # another key: the default model answers
        assert other.responses.create(model="gpt-4.1", input="What is the capital of France?").output_text != r.output_text
    assert sdk.responses.create(model="gpt-4.1", input="Something else.").output_text != r.output_text


def test_make_the_model_call_my_function_then_answer(admin, key, sdk):
    admin.add({"match": {"tools": ["lookup_order"], "has_tool_output": False},
               "respond": {"function_calls": [{"name": "lookup_order", "arguments": {"order_id": "A-17"}}]}},
              {"match": {"tools": ["lookup_order"], "has_tool_output": True},
               "respond": {"text": "Your order A-17 ships tomorrow."}})
    tool = {"type": "function", "name": "lookup_order", "parameters": {"type": "object", "properties": {}}}
    r = sdk.responses.create(model="gpt-5-mini", input="Where is my order?", tools=[tool])
    call = r.output[-1]
    assert call.type == "function_call" and json.loads(call.arguments) == {"order_id": "A-17"}
    follow = sdk.responses.create(model="gpt-5-mini", previous_response_id=r.id, tools=[tool], input=[
        {"type": "function_call_output", "call_id": call.call_id, "output": "shipping"}])
    assert follow.output_text == "Your order A-17 ships tomorrow."


class Verdict(BaseModel):
    label: str
    score: float


def test_return_this_json(admin, key, sdk):
    admin.add({"match": {"model": "gpt-4.1"}, "respond": {"json": {"label": "spam", "score": 0.97}}})
    r = sdk.responses.parse(model="gpt-4.1", input="Classify: WIN A PRIZE", text_format=Verdict)
    assert r.output_parsed == Verdict(label="spam", score=0.97)


def test_refusal_failure_incomplete_usage_reasoning(admin, key, sdk, server):
    admin.add({"match": {"input_contains": "refuse"}, "respond": {"refusal": "I can't help with that."}},
              {"match": {"input_contains": "fail"}, "respond": {"status": "failed",
                                                                 "error": {"code": "rate_limit_exceeded", "message": "Too busy."}}},
              {"match": {"input_contains": "filter"}, "respond": {"text": "Partial", "status": "incomplete",
                                                                   "incomplete_reason": "content_filter"}},
              {"match": {"input_contains": "usage"}, "respond": {"text": "ok", "usage": {"input_tokens": 1000, "output_tokens": 7, "cached_tokens": 800}}},
              {"match": {"input_contains": "think"}, "respond": {"reasoning": {"summary": "Thinking hard.", "tokens": 50}, "text": "Done."}})
    refused = sdk.responses.create(model="gpt-4.1", input="please refuse")
    part = refused.output[0].content[0]
    assert part.type == "refusal" and part.refusal == "I can't help with that." and refused.output_text == ""
    failed = sdk.responses.create(model="gpt-4.1", input="please fail")
    assert failed.status == "failed" and (failed.error.code, failed.error.message) == ("rate_limit_exceeded", "Too busy.")
    cut = sdk.responses.create(model="gpt-4.1", input="content filter")
    assert cut.status == "incomplete" and cut.incomplete_details.reason == "content_filter"
    assert cut.output[0].status == "incomplete" and cut.output_text == "Partial"
    usage = sdk.responses.create(model="gpt-4.1", input="usage").usage
    assert (usage.input_tokens, usage.output_tokens, usage.input_tokens_details.cached_tokens) == (1000, 7, 800)
    thought = sdk.responses.create(model="gpt-5-mini", input="think", reasoning={"summary": "auto"})
    assert thought.output[0].summary[0].text == "Thinking hard." and thought.usage.output_tokens_details.reasoning_tokens == 50
    events = [e.type for e in sdk.responses.create(model="gpt-4.1", input="please refuse", stream=True)]
    assert "response.refusal.delta" in events and "response.refusal.done" in events


def test_call_and_times(admin, key, sdk):
    admin.add({"match": {"input_contains": "flaky", "call": 2}, "respond": {"text": "second"}},
              {"match": {"input_contains": "flaky", "times": 1}, "respond": {"text": "first"}})
    answers = [sdk.responses.create(model="gpt-4.1", input="flaky").output_text for _ in range(3)]
    assert answers[:2] == ["first", "second"] and answers[2] not in ("first", "second")


def test_priority_and_recency(admin, key, sdk):
    admin.add({"match": {}, "respond": {"text": "older"}})
    admin.add({"match": {}, "respond": {"text": "newer"}})
    assert sdk.responses.create(model="gpt-4.1", input="x").output_text == "newer"
    admin.add({"priority": -1, "match": {}, "respond": {"text": "low"}})
    assert sdk.responses.create(model="gpt-4.1", input="x").output_text == "newer"


def test_simulate_a_429_and_the_sdk_retries(admin, key, server):
    admin.add({"match": {"times": 1}, "respond": {"http_error": {"status": 429, "retry_after": 0.2}}})
    with server.client(api_key=key, max_retries=0) as no_retry:
        with pytest.raises(openai.RateLimitError) as exc:
            no_retry.responses.create(model="gpt-4.1", input="hi")
    err = exc.value
    assert err.body["code"] == "rate_limit_exceeded" and err.body["type"] == "requests"
    assert "Rate limit reached for gpt-4.1" in err.body["message"]
    h = err.response.headers
    assert (h["retry-after"], h["retry-after-ms"], h["x-ratelimit-remaining-requests"]) == ("1", "200", "0")
    admin.add({"match": {"times": 1}, "respond": {"http_error": {"status": 429, "retry_after": 0.2}}})
    with server.client(api_key=key, max_retries=2) as retrying:
        r = retrying.responses.create(model="gpt-4.1", input="hi")  # 429, then a retry that succeeds
    assert r.status == "completed"
    creates = admin.requests(method="POST", path="/v1/responses")
    assert [e["status"] for e in creates] == [429, 429, 200]


def test_server_errors_on_any_endpoint(admin, key, sdk):
    r = sdk.responses.create(model="gpt-4.1", input="hi")
    admin.add({"match": {"path": "^/v1/responses/resp_", "method": "GET", "times": 1},
               "respond": {"http_error": {"status": 503}}})
    with pytest.raises(openai.InternalServerError) as exc:
        sdk.responses.retrieve(r.id)
    assert exc.value.status_code == 503 and exc.value.body["type"] == "server_error"
    assert sdk.responses.retrieve(r.id).id == r.id  # only once


def test_slow_replies_and_timeouts(admin, key, server):
    admin.add({"match": {"input_contains": "slow"}, "respond": {"delay": 0.6}})
    with server.client(api_key=key) as c:
        started = time.monotonic()
        assert c.responses.create(model="gpt-4.1", input="slow one").status == "completed"
        assert time.monotonic() - started >= 0.6
    with server.client(api_key=key, timeout=0.2) as impatient:
        with pytest.raises(openai.APITimeoutError):
            impatient.responses.create(model="gpt-4.1", input="slow one")


def test_connection_dropped(admin, key, sdk):
    admin.add({"match": {"input_contains": "drop"}, "respond": {"fault": "disconnect"}})
    with pytest.raises(openai.APIConnectionError):
        sdk.responses.create(model="gpt-4.1", input="drop it")
    assert sdk.responses.create(model="gpt-4.1", input="fine").status == "completed"


def test_stream_that_stops_midway_can_be_resumed(admin, key, sdk, server):
    admin.add({"match": {"stream": True, "times": 1}, "respond": {"fault": "stream_cut", "cut_after": 4}})
    seen = []
    with pytest.raises(openai.APIConnectionError):
        for event in sdk.responses.create(model="gpt-4.1", input="Tell me about owls.", stream=True):
            seen.append(event)
    assert len(seen) == 4
    rid = seen[0].response.id
    rest = list(sdk.responses.retrieve(rid, stream=True, starting_after=seen[-1].sequence_number))
    assert rest[0].sequence_number == 4 and rest[-1].type == "response.completed"


def test_resume_right_after_the_cut_never_finds_an_unstreamable_response(admin, sdk):
    """The race once seen on Postgres: resuming before the recorder wrote the first events was
    refused as 'cannot be streamed'. Streamability is the request's, known from its row."""
    for _ in range(15):
        admin.add({"match": {"stream": True, "times": 1}, "respond": {"fault": "stream_cut", "cut_after": 1}})
        seen = []
        with pytest.raises(openai.APIConnectionError):
            for event in sdk.responses.create(model="gpt-4.1", input="Owls, briefly.", stream=True):
                seen.append(event)
        rest = list(sdk.responses.retrieve(seen[0].response.id, stream=True, starting_after=0))
        assert rest[0].sequence_number == 1 and rest[-1].type == "response.completed"
        admin.reset()


def test_fixture_in_background_and_pace(admin, key, sdk):
    admin.add({"match": {"background": True}, "respond": {"text": "from the worker", "pace": {"queue_delay": 0}}})
    r = sdk.responses.create(model="gpt-4.1", input="hi", background=True)
    final, _ = wait_for(sdk, r.id)
    assert final.output_text == "from the worker"


def test_journal_records_what_the_code_sent(admin, key, sdk, server):
    [rule] = admin.add({"match": {"input_contains": "journal"}, "respond": {"text": "noted"}})
    raw = sdk.responses.with_raw_response.create(model="gpt-4.1", input="journal this", metadata={"run": "7"})
    r = raw.parse()
    sdk.responses.retrieve(r.id)
    entries = admin.requests()
    create, get = entries
    assert create["method"] == "POST" and create["path"] == "/v1/responses" and create["status"] == 200
    assert create["body"] == {"model": "gpt-4.1", "input": "journal this", "metadata": {"run": "7"}}
    assert create["fixture_id"] == rule["id"] and get["fixture_id"] is None
    assert create["id"] == raw.headers["x-request-id"] and create["id"].startswith("req_")
    assert create["headers"]["authorization"] == "[redacted]" and create["headers"]["content-type"] == "application/json"
    assert get["path"] == f"/v1/responses/{r.id}" and get["method"] == "GET"
    assert admin.requests(method="GET") == [get]
    assert admin.requests(path="/v1/responses/*") == [get]
    assert admin.requests(order="desc", limit=1) == [get]
    assert AdminClient(server.url, api_key=new_key()).requests() == []
    assert admin.http.delete("/requests", params={"api_key": key}).json()["deleted"] == 2
    assert admin.requests() == []


def test_real_api_headers_on_every_reply(sdk):
    raw = sdk.responses.with_raw_response.create(model="gpt-4.1", input="hi")
    h = raw.headers
    assert h["x-request-id"].startswith("req_") and int(h["openai-processing-ms"]) >= 0
    assert h["openai-version"] == "2020-10-01"
    for name in ("x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
                 "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"):
        assert h[name]
    assert raw.parse().status == "completed"
    assert sdk.models.with_raw_response.list().headers["x-request-id"] != h["x-request-id"]


def test_admin_listing_deleting_and_bad_rules(admin, key):
    [a, b] = admin.add({"id": "my-rule", "match": {"model": "gpt-4.1"}, "respond": {"text": "a"}},
                       {"match": {}, "respond": {"text": "b"}})
    assert a["id"] == "my-rule" and a["scoped"] is True and b["id"].startswith("fx_")
    listed = admin.http.get("/fixtures", params={"api_key": key}).json()["data"]
    assert {f["id"] for f in listed} == {"my-rule", b["id"]}
    assert admin.http.post("/fixtures", json={"id": "my-rule", "respond": {"text": "x"}}).status_code == 400
    assert admin.http.delete("/fixtures/my-rule").json()["deleted"] is True
    assert admin.http.delete("/fixtures/my-rule").status_code == 404
    bad = admin.http.post("/fixtures", json={"match": {"bogus": 1}, "respond": {"text": "x"}})
    assert bad.status_code == 400 and "match.bogus" in bad.json()["error"]["message"]
    bad = admin.http.post("/fixtures", json={"match": {"path": "/v1/models"}, "respond": {"text": "x"}})
    assert bad.status_code == 400 and "only set" in bad.json()["error"]["message"]
    reset = admin.http.post("/reset", params={"api_key": key}).json()
    assert reset["fixtures_deleted"] == 1


def test_admin_token_and_fixture_file(make_server, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("- match: {input_contains: hello}\n  respond: {text: Hi from the file.}\n")
    url = make_server.fresh_url("sqlite")
    server = make_server(url, admin_token="s3cret", fixtures=rules)
    assert httpx.get(f"{server.url}/__admin/fixtures").status_code == 401
    admin = AdminClient(server.url, token="s3cret")
    assert [f["source"] for f in admin.http.get("/fixtures").json()["data"]] == ["file"]
    with server.client() as c:
        assert c.responses.create(model="gpt-4.1", input="hello there").output_text == "Hi from the file."
    server.stop()
    again = make_server(url, admin_token="s3cret", fixtures=rules)  # a restart loads the same rules once
    assert len(AdminClient(again.url, token="s3cret").http.get("/fixtures").json()["data"]) == 1
