"""A user's catalog file adds models, each mapped to a backend by name or dotted path."""

from __future__ import annotations

import pytest


def test_catalog_file_maps_models_to_backends(make_server, tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text(
        "models:\n"
        "  - {id: acme-echo, backend: echo}\n"
        "  - {id: acme-shout, snapshot: acme-shout-2026-01-01, backend: 'tests.backends.shouty:Shouty'}\n"
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
    from responses_mock.services import catalog
    catalog._extra.clear()
    catalog._index.cache_clear()
