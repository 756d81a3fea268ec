"""A create's stages seen from outside: what `prepare` decided reaches every driver the same way
— a worker runs a background response from its stored request (the model's view and its counts,
not decided again) — and the route that enacts a rule's fault plan tells the journal which rule
answered. Both stores."""

from __future__ import annotations

import openai
import pytest

from responses_mock.testing import AdminClient
from tests.conftest import new_key
from tests.polling import wait_for

FAST = {"x-mock-queue-delay": "0", "x-mock-time-to-first-token": "0", "x-mock-tokens-per-second": "0"}


def test_a_background_run_is_the_run_its_create_prepared(server):
    """A template's rendered instructions are part of what the model sees and counts: the worker
    gets them, and the input tokens, from the stored request, so a background response is the
    foreground one."""
    key = new_key()
    AdminClient(server.url, api_key=key).prompt(
        {"id": "pmpt_tides", "version": "1", "instructions": "You are {{who}}. Answer in two plain sentences."})
    prompt = {"id": "pmpt_tides", "variables": {"who": "a harbour master who has watched the sea for forty years"}}
    with server.client(api_key=key) as client:
        sync = client.responses.create(model="gpt-4.1", input="Describe the tides.", prompt=prompt)
        queued = client.responses.create(model="gpt-4.1", input="Describe the tides.", prompt=prompt,
                                         background=True, extra_headers=FAST)
        final, _ = wait_for(client, queued.id)
    assert final.status == sync.status == "completed"
    assert final.instructions == sync.instructions and final.instructions.startswith("You are a harbour master")
    assert final.usage.input_tokens == sync.usage.input_tokens
    assert final.output_text == sync.output_text


@pytest.mark.parametrize("stream", [False, True])
def test_the_journal_names_the_create_rule_whose_fault_answered(server, stream):
    key = new_key()
    admin = AdminClient(server.url, api_key=key)
    [rule] = admin.add({"match": {"input_contains": "busy"}, "respond": {"http_error": {"status": 429}}})
    with server.client(api_key=key) as client:
        with pytest.raises(openai.RateLimitError):
            client.responses.create(model="gpt-4.1", input="are you busy?", stream=stream)
        client.responses.create(model="gpt-4.1", input="and now?")
    refused, answered = admin.requests()
    assert (refused["status"], refused["fixture_id"]) == (429, rule["id"])
    assert (answered["status"], answered["fixture_id"]) == (200, None)
