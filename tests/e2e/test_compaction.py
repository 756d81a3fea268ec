"""POST /v1/responses/compact with the newest SDK's shapes; the compaction item round-trips."""

from __future__ import annotations

import openai
import pytest

from responses_mock.services import tokens
from tests.e2e.test_conversations import user


def test_compact_input_keeps_user_messages_and_adds_one_compaction_item(client):
    history = [
        user("Create a simple landing page for a dog petting cafe."),
        {"type": "message", "role": "assistant", "content": "Here is a landing page. It has a hero section."},
        user("Make the header blue."),
    ]
    out = client.responses.compact(model="gpt-5-mini", input=history, instructions="Be brief.")
    assert out.object == "response.compaction" and out.id.startswith("resp_")
    kinds = [(i.type, getattr(i, "role", None)) for i in out.output]
    assert kinds == [("message", "user"), ("message", "user"), ("compaction", None)]
    assert [i.content[0].text for i in out.output[:2]] == [history[0]["content"][0]["text"], "Make the header blue."]
    compaction = out.output[-1]
    assert compaction.id.startswith("cmp_") and compaction.encrypted_content.startswith("gAAAAAB")
    count = client.responses.input_tokens.count(model="gpt-5-mini", input=history, instructions="Be brief.")
    assert out.usage.input_tokens == count.input_tokens and out.usage.output_tokens > 0
    assert out.usage.total_tokens == out.usage.input_tokens + out.usage.output_tokens
    # Deterministic: the same context compacts to the same content.
    again = client.responses.compact(model="gpt-5-mini", input=history, instructions="Be brief.")
    assert again.output[-1].encrypted_content == compaction.encrypted_content


def test_compacted_output_is_valid_next_input(client):
    r = client.responses.create(model="gpt-4.1", input="Tell me about otters in three sentences.")
    out = client.responses.compact(model="gpt-4.1", previous_response_id=r.id)
    assert [i.type for i in out.output] == ["message", "compaction"]
    # As the docs say: pass the compacted output as the next input.
    follow = client.responses.create(model="gpt-4.1", input=[*out.output, user("And beavers?")])
    assert follow.status == "completed"
    # The compaction stands for the earlier answer: cheaper than the full history, but not free.
    full = client.responses.input_tokens.count(model="gpt-4.1", previous_response_id=r.id, input="And beavers?")
    assert follow.usage.input_tokens < full.input_tokens
    summary_tokens = follow.usage.input_tokens - (2 + 4 + tokens.count("Tell me about otters in three sentences.")
                                                  + 4 + tokens.count("And beavers?") + 4)
    assert summary_tokens > 10
    listed = client.responses.input_items.list(follow.id, order="asc").data
    assert [i.type for i in listed] == ["message", "compaction", "message"]
    assert [i.id for i in listed[:2]] == [i.id for i in out.output]  # ids kept


def test_compact_errors(client):
    with pytest.raises(openai.BadRequestError) as exc:
        client.responses.compact(model="no-such-model", input="hi")
    assert exc.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError) as exc:
        client.responses.compact(model="gpt-4.1", input="hi", extra_body={"bogus": 1})
    assert exc.value.body["param"] == "bogus"
    with pytest.raises(openai.BadRequestError) as exc:
        client.responses.compact(model="gpt-4.1", previous_response_id="resp_missing")
    assert exc.value.body["code"] == "previous_response_not_found"
