"""/v1/models and the health endpoints."""

from __future__ import annotations

import openai
import pytest

from responses_mock.services import catalog


def test_list_and_retrieve(client):
    ids = [m.id for m in client.models.list()]
    assert "gpt-5-mini" in ids and "gpt-5-mini-2025-08-07" in ids and "gpt-4.1" in ids
    m = client.models.retrieve("gpt-5")
    assert (m.id, m.object, m.owned_by, m.created) == ("gpt-5", "model", "system", 1754425777)


def test_unknown_model_is_404(client):
    with pytest.raises(openai.NotFoundError) as err:
        client.models.retrieve("gpt-unknown")
    assert err.value.code == "model_not_found"


def test_health_and_ready_need_no_key(server):
    with server.http() as http:
        assert http.get("/health").json() == {"status": "ok"}
        assert http.get("/ready").json() == {"status": "ok"}


def test_every_model_the_installed_sdk_names_is_listed(client):
    ids = [m.id for m in client.models.list()]
    assert len(ids) == len(set(ids)) and set(catalog.SDK_MODELS) <= set(ids)


# Newer models through the SDK: (asked for, the response's model, a reasoning model?).
NEW_MODELS = [
    ("gpt-6.2-sol", "gpt-6.2-sol", True),  # Codex CLI's default
    ("gpt-5.6-luna", "gpt-5.6-luna", True),  # the JS Agents SDK's default
    ("gpt-6.2-astra-law", "gpt-6.2-astra-law", True),
    ("gpt-5.2", "gpt-5.2-2025-12-11", True),
    ("gpt-5.4-mini-2026-03-17", "gpt-5.4-mini-2026-03-17", True),
    ("o3-pro", "o3-pro-2025-06-10", True),
    ("gpt-5.1-codex", "gpt-5.1-codex", True),
    ("gpt-daybreak-blue-latest", "gpt-5.6-sol", True),
    ("gpt-5-chat-latest", "gpt-5-chat-latest", False),
    ("gpt-4o-2024-11-20", "gpt-4o-2024-11-20", False),
    ("gpt-3.5-turbo", "gpt-3.5-turbo-0125", False),
]


@pytest.mark.parametrize("name, snapshot, reasoning", NEW_MODELS)
def test_newer_models_answer_through_the_sdk(client, name, snapshot, reasoning):
    m = client.models.retrieve(name)
    assert (m.id, m.object, m.owned_by) == (name, "model", "system") and m.created > 1.6e9
    r = client.responses.create(model=name, input="Say something about lighthouses.")
    assert (r.status, r.model) == ("completed", snapshot) and r.output_text
    assert (r.reasoning.effort is not None) is reasoning
    # A reasoning item when it thinks: effort `none` (gpt-5.1 and later by default) thinks not at all.
    assert ("reasoning" in [o.type for o in r.output]) is (reasoning and r.reasoning.effort != "none")
    if reasoning:
        thought = client.responses.create(model=name, input="Why?", reasoning={"effort": "high"})
        assert "reasoning" in [o.type for o in thought.output]
    counted = client.responses.input_tokens.count(model=name, input="Say something about lighthouses.")
    assert counted.input_tokens == r.usage.input_tokens > 0


def test_newer_models_keep_their_limits(client):
    assert client.responses.create(model="o3-pro", input="hi").reasoning.effort == "high"
    assert client.responses.create(model="gpt-6.2-sol", input="hi", reasoning={"effort": "max"}).status == "completed"
    for model, params, message in [
        ("o3-pro", {"reasoning": {"effort": "low"}}, "Supported values are: 'high'."),
        ("gpt-5.2", {"reasoning": {"effort": "max"}}, "'none', 'low', 'medium', 'high', and 'xhigh'"),
        ("gpt-5.1-codex", {"text": {"verbosity": "low"}}, "Supported values are: 'medium'."),
        ("gpt-5.3-chat-latest", {"max_output_tokens": 20000}, "at most 16384 output tokens"),
    ]:
        with pytest.raises(openai.BadRequestError) as err:
            client.responses.create(model=model, input="hi", **params)
        assert message in err.value.body["message"], model
