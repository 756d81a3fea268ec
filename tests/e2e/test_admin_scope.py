"""/__admin follows the key like /v1: a key reaches only its own rules and journal; the admin
token alone acts on every tenant; anonymous calls are refused in the error envelope."""

from __future__ import annotations

import httpx
import openai
import pytest

from responses_mock.testing import AdminClient
from tests.conftest import new_key

RULE = {"match": {"input_contains": "secret plan"}, "respond": {"text": "A's scripted answer."}}
GLOBAL_FAULT = {"match": {"path": "^/v1/", "method": "GET"}, "respond": {"http_error": {"status": 503}}}


@pytest.fixture(scope="module")
def guarded(make_server):
    return make_server("sqlite", admin_token="root-token")


def _as(server, key: str) -> httpx.Client:
    return httpx.Client(base_url=f"{server.url}/__admin", headers={"Authorization": f"Bearer {key}"})


def _envelope(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


@pytest.mark.parametrize("token", [None, "root-token"])
def test_another_key_cannot_read_add_delete_or_wipe(make_server, guarded, token):
    server = guarded if token else make_server("sqlite")
    a, b = new_key(), new_key()
    with _as(server, a) as admin_a, _as(server, b) as admin_b, server.client(api_key=a) as sdk_a:
        rule = admin_a.post("/fixtures", json=RULE).json()["data"][0]
        assert sdk_a.responses.create(model="gpt-4.1", input="the secret plan").output_text == "A's scripted answer."
        # B sees none of A's rules or requests, by listing, filtering or naming A's key.
        assert admin_b.get("/fixtures").json()["data"] == []
        assert admin_b.get("/requests").json()["data"] == []
        _envelope(admin_b.get("/requests", params={"api_key": a}), 403)
        _envelope(admin_b.get("/fixtures", params={"api_key": a}), 403)
        # B cannot delete, wipe or reset A's, nor add a rule for A.
        _envelope(admin_b.delete(f"/fixtures/{rule['id']}"), 404)
        assert admin_b.delete("/fixtures").json()["deleted"] == 0
        assert admin_b.delete("/requests").json()["deleted"] == 0
        assert admin_b.post("/reset").json() == {"object": "reset", "fixtures_deleted": 0, "requests_deleted": 0,
                                                  "prompts_deleted": 0}
        _envelope(admin_b.post("/fixtures", json={**RULE, "api_key": a}), 403)
        # A's rule and journal are intact.
        assert [f["id"] for f in admin_a.get("/fixtures").json()["data"]] == [rule["id"]]
        assert [e["path"] for e in admin_a.get("/requests").json()["data"]] == ["/v1/responses"]


def test_a_key_rule_never_hits_another_tenant(make_server):
    server = make_server("sqlite")
    a, b = new_key(), new_key()
    with _as(server, a) as admin_a:
        added = admin_a.post("/fixtures", json=GLOBAL_FAULT).json()["data"][0]
    assert added["scoped"] is True  # no api_key in the rule: it is A's all the same
    with server.client(api_key=a) as sdk_a, server.client(api_key=b) as sdk_b:
        with pytest.raises(openai.InternalServerError):
            sdk_a.models.list()
        assert sdk_b.models.list().data  # B is untouched


def test_anonymous_admin_calls_are_refused(guarded, make_server):
    for server in (guarded, make_server("sqlite")):
        with httpx.Client(base_url=f"{server.url}/__admin") as anonymous:
            error = _envelope(anonymous.post("/fixtures", json=GLOBAL_FAULT), 401)
            assert "credentials" in error["message"]
            for method, path in (("GET", "/fixtures"), ("GET", "/requests"), ("DELETE", "/fixtures"),
                                 ("DELETE", "/requests"), ("POST", "/reset")):
                _envelope(anonymous.request(method, path), 401)
        with server.client() as sdk:
            assert sdk.models.list().data  # nothing was added


def test_the_admin_token_acts_on_every_tenant(guarded):
    a, b = new_key(), new_key()
    root = AdminClient(guarded.url, token="root-token")
    with guarded.client(api_key=a) as sdk_a, guarded.client(api_key=b) as sdk_b:
        sdk_a.models.list()
        sdk_b.models.list()
        fault = root.add({**GLOBAL_FAULT, "match": {**GLOBAL_FAULT["match"], "times": 2}})[0]
        assert fault["scoped"] is False
        for sdk in (sdk_a, sdk_b):  # a rule for all tenants hits both
            with pytest.raises(openai.InternalServerError):
                sdk.models.list()
        paths = {e["path"] for e in root.http.get("/requests", params={"limit": 1000}).json()["data"]}
        assert "/v1/models" in paths
        only_a = AdminClient(guarded.url, api_key=a, token="root-token")
        assert {e["method"] for e in only_a.requests()} == {"GET"} and len(only_a.requests()) == 2
        root.http.delete(f"/fixtures/{fault['id']}").raise_for_status()


def test_api_keys_restrict_the_admin_api_too(make_server):
    server = make_server("sqlite", api_keys=["sk-allowed-123456"])
    with _as(server, "sk-allowed-123456") as ok, _as(server, "sk-stranger-654321") as stranger:
        assert ok.get("/fixtures").status_code == 200
        assert _envelope(stranger.get("/fixtures"), 401)["code"] == "invalid_api_key"
