"""A user's catalog file adds models (each mapped to a backend by name or dotted path) and families."""

from __future__ import annotations

import openai
import pytest

from responses_mock.services import catalog


def test_catalog_file_maps_models_to_backends(make_server, tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text(
        "models:\n"
        "  - {id: acme-echo, backend: echo}\n"
        "  - {id: acme-shout, snapshot: acme-shout-2026-01-01, backend: 'tests.e2e.shouty:Shouty'}\n"
        "  - {id: acme-fixtures-only, backend: scripted}\n"
        "  - {id: acme-reasoner, backend: lorem, reasoning: true, encoding: cl100k_base}\n")
    server = make_server("sqlite", catalog=path)
    with server.client() as client:
        assert client.responses.create(model="acme-echo", input="same words back").output_text == "same words back"
        shout = client.responses.create(model="acme-shout", input="quiet please")
        assert shout.output_text == "QUIET PLEASE!" and shout.model == "acme-shout-2026-01-01"
        assert [o.type for o in client.responses.create(model="acme-reasoner", input="hi").output] == ["reasoning", "message"]
        unscripted = client.responses.create(model="acme-fixtures-only", input="hi")
        assert unscripted.status == "failed" and "No fixture rule matched" in unscripted.error.message
        ids = {m.id for m in client.models.list()}
        assert {"acme-echo", "acme-shout", "acme-shout-2026-01-01", "gpt-4.1"} <= ids


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # that thread is the start failing
def test_a_catalog_naming_a_missing_backend_fails_the_start(make_server, tmp_path):
    path = tmp_path / "models.json"
    path.write_text('{"models": [{"id": "broken", "backend": "no.such.module:Thing"}]}')
    with pytest.raises(RuntimeError):
        make_server("sqlite", catalog=path)
    catalog._extra.clear()
    catalog._index.cache_clear()


def test_a_catalog_file_overrides_sdk_models_and_adds_families(make_server, tmp_path, restore_catalog):
    path = tmp_path / "models.yaml"
    path.write_text(
        "families:\n"
        "  - {family: gpt-6.2, match: ['gpt-6.2*'], reasoning: false, context_window: 50, max_output_tokens: 10,\n"
        "     backend: echo, timing: {time_to_first_token: 0.1, tokens_per_second: 100}}\n"
        "models:\n"
        "  - {id: gpt-5.6-luna, snapshot: gpt-5.6-luna-2099-01-01, backend: echo}\n"
        "  - {id: acme-pro, family: o-pro}\n")
    server = make_server("sqlite", catalog=path)
    with server.client() as client:
        # The user's family replaces the shipped one of that name, for every SDK model it matches.
        law = client.responses.create(model="gpt-6.2-astra-law", input="the same words")
        assert (law.output_text, law.model, law.reasoning.effort) == ("the same words", "gpt-6.2-astra-law", None)
        with pytest.raises(openai.BadRequestError, match="context window"):
            client.responses.create(model="gpt-6.2-sol", input="word " * 80)
        # A user's entry replaces the SDK-derived model; one may take a shipped family's figures.
        luna = client.responses.create(model="gpt-5.6-luna", input="echo me")
        assert (luna.output_text, luna.model) == ("echo me", "gpt-5.6-luna-2099-01-01")
        assert client.responses.create(model="acme-pro", input="hi").reasoning.effort == "high"
        ids = {m.id for m in client.models.list()}
        assert {"acme-pro", "gpt-5.6-luna-2099-01-01", "gpt-6.2-astra-law", "gpt-6-astra"} <= ids
        assert client.responses.create(model="gpt-6-astra", input="hi").reasoning.effort == "none"  # shipped gpt-6


