"""/v1/models and the health endpoints."""

from __future__ import annotations

import openai
import pytest


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
