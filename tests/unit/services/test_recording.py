"""An upstream's answer as a fixture rule: output items, usage and status as the respond, the
pace the stream came at within a pace's bounds, errors as http_error rules without credentials."""

from __future__ import annotations

import orjson
import pytest

from responses_mock.limits import MIN_RATE
from responses_mock.services import recording
from responses_mock.services.recording import Timing
from responses_mock.wire.fixtures import Recorded

PARAMS = {"model": "gpt-5-mini", "input": "Weather?", "previous_response_id": "resp_upstream"}
USAGE = {"input_tokens": 40, "output_tokens": 30, "input_tokens_details": {"cached_tokens": 0},
         "output_tokens_details": {"reasoning_tokens": 12}}


def test_output_items_in_their_order_usage_and_status_become_the_respond():
    answer = {"status": "completed", "usage": USAGE, "output": [
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Think."}]},
        {"type": "message", "content": [
            {"type": "output_text", "text": "Checking ", "annotations": []},
            {"type": "output_text", "text": "now.", "annotations": [
                {"type": "url_citation", "start_index": 0, "end_index": 4, "url": "https://example.com", "title": "Ex"}]}]},
        {"type": "function_call", "name": "get_weather", "arguments": '{"city":"Lyon"}', "call_id": "call_1"},
        {"type": "reasoning", "id": "rs_2", "summary": []},
        {"type": "custom_tool_call", "name": "exec", "input": "ls", "call_id": "call_2"},
        {"type": "web_search_call", "id": "ws_1", "status": "completed", "action": {"type": "search", "query": "q"}},
    ]}
    rule = recording.answer_rule(PARAMS, answer, None, streamed=False)
    r = rule.respond
    assert r.text is None and r.function_calls is None and r.reasoning is None  # all in `output`, in order
    assert [i.model_dump(exclude_defaults=True) for i in r.output] == [
        {"type": "reasoning", "summary": "Think.", "tokens": 12},  # the response's reasoning tokens: on the first
        {"type": "message", "text": "Checking now.", "annotations": [  # offsets into the whole text
            {"type": "url_citation", "start_index": 9, "end_index": 13, "url": "https://example.com", "title": "Ex"}]},
        {"type": "function_call", "name": "get_weather", "arguments": '{"city":"Lyon"}', "call_id": "call_1"},
        {"type": "reasoning"},
        {"type": "custom_tool_call", "name": "exec", "input": "ls", "call_id": "call_2"},
        {"type": "web_search_call", "item": {"status": "completed", "action": {"type": "search", "query": "q"}}},
    ]
    assert (r.usage.input_tokens, r.usage.output_tokens, r.usage.reasoning_tokens) == (40, 30, 12)
    assert r.pace is None and r.status == "completed"
    assert rule.match.request == Recorded.of(PARAMS) and rule.api_key is None


@pytest.mark.parametrize(("answer", "fields"), [
    ({"status": "incomplete", "incomplete_details": {"reason": "content_filter"}},
     {"status": "incomplete", "incomplete_reason": "content_filter"}),
    ({"status": "failed", "error": {"code": "rate_limit_exceeded", "message": "Busy."}},
     {"status": "failed", "error": {"code": "rate_limit_exceeded", "message": "Busy."}}),
    ({"status": "failed", "error": {"code": "a_code_we_do_not_know", "message": "Odd."}},
     {"status": "failed", "error": {"message": "Odd."}}),  # code: server_error, the default
    ({"status": "completed", "output": [{"type": "message", "content": [{"type": "refusal", "refusal": "No."}]}]},
     {"output": [{"type": "message", "refusal": "No."}]}),
])
def test_end_states_and_refusals(answer, fields):
    respond = recording.respond_of(answer, None).model_dump(exclude_defaults=True, exclude_none=True)
    assert respond == fields


def test_a_stream_is_paced_as_it_came():
    timing = Timing()
    for at, kind in [(0.01, "response.created"), (0.5, "response.output_text.delta"),
                     (1.5, "response.output_text.delta"), (1.6, "response.completed")]:
        timing.saw(kind, at)
    pace = recording.pace_of(timing, 101, streamed=True)
    assert (pace.time_to_first_token, pace.tokens_per_second) == (0.5, 101.0)
    sync = recording.pace_of(Timing(elapsed=0.25), 10, streamed=False)  # a JSON answer: its time before the reply
    assert (sync.time_to_first_token, sync.tokens_per_second) == (0.25, None)


def test_a_pace_out_of_bounds_is_the_nearest_bound_or_unpaced():
    fast = Timing(first_delta=0.0, last_delta=1e-7, elapsed=1.0)
    assert recording.pace_of(fast, 1000, streamed=True).tokens_per_second == 0  # faster than any rate: unpaced
    slow = Timing(first_delta=900.0, last_delta=5000.0, elapsed=5000.0)
    pace = recording.pace_of(slow, 2, streamed=True)
    assert pace.time_to_first_token == 600 and pace.tokens_per_second == MIN_RATE


def test_an_upstream_error_is_an_http_error_rule_without_credentials():
    headers = {"retry-after": "2", "x-ratelimit-remaining-requests": "0", "set-cookie": "session=secret",
               "authorization": "Bearer sk-secret", "x-request-id": "req_upstream", "openai-organization": "org-1"}
    body = b'{"error": {"message": "Rate limit {reached}.", "type": "requests", "code": "rate_limit_exceeded"}}'
    rule = recording.error_rule(PARAMS, 429, body, headers)
    http = rule.respond.http_error
    assert (http.status, http.type, http.code) == (429, "requests", "rate_limit_exceeded")
    assert http.message.format(model="m", wait="1s") == "Rate limit {reached}."  # braces are text, not a template
    assert http.headers == {"retry-after": "2", "x-ratelimit-remaining-requests": "0"}
    assert (rule.priority, rule.match.times) == (1, 1)  # once, ahead of the answer a retry got
    assert "secret" not in rule.model_dump_json() and "org-1" not in rule.model_dump_json()
    garbled = recording.error_rule(PARAMS, 502, b"<html>bad gateway</html>", {})
    assert garbled.respond.http_error.status == 502 and garbled.respond.http_error.message is None


def test_a_recorded_error_message_holds_no_account_ids():
    message = ("Rate limit reached for gpt-4.1 in organization org-AbC123xyz on tokens per min (TPM): "
               "project proj_x is fine, but proj-9fQ2mZ is not. Your key sk-proj-abcdef123456 was used.")
    body = orjson.dumps({"error": {"message": message, "type": "tokens", "code": "rate_limit_exceeded"}})
    kept = recording.error_rule(PARAMS, 429, body, {}).respond.http_error.message
    for account in ("org-AbC123xyz", "proj-9fQ2mZ", "sk-proj-abcdef123456"):
        assert account not in kept
    assert kept.startswith("Rate limit reached for gpt-4.1 in organization org-[redacted] on tokens per min")
