"""The admin endpoints the web inspector reads, on both stores: responses with their event logs
(and emit times), chains, conversations, the queue by worker, the journal live and filtered by
model or "no rule", rules added as YAML with their hits; scoped to the key, all for the admin token."""

from __future__ import annotations

import io
import json
import time

import httpx
import pytest

from responses_mock.services.journal import MAX_REPLY
from tests.conftest import new_key
from tests.e2e.test_background import FAST
from tests.polling import wait_for, wait_until


@pytest.fixture
def key():
    return new_key()


@pytest.fixture
def admin_http(server, key):
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        yield http


def test_a_response_with_its_log_chain_and_conversation(server, key, admin_http):
    with server.client(api_key=key) as sdk:
        conv = sdk.conversations.create()
        first = list(sdk.responses.create(model="gpt-4.1", input="One.", stream=True,
                                          extra_headers={"x-mock-tokens-per-second": "400"}))[-1].response
        second = sdk.responses.create(model="gpt-4.1", input="Two.", previous_response_id=first.id)
        third = sdk.responses.create(model="gpt-4.1", input="Three.", previous_response_id=second.id)
        in_conv = sdk.responses.create(model="gpt-4.1", input="Inside.", conversation=conv.id)
    page = admin_http.get("/__admin/responses", params={"limit": 2}).json()
    assert [r["id"] for r in page["data"]] == [in_conv.id, third.id] and page["has_more"]
    rest = admin_http.get("/__admin/responses", params={"limit": 10, "before": page["next_before"]}).json()
    assert [r["id"] for r in rest["data"]] == [second.id, first.id] and not rest["has_more"]

    d = admin_http.get(f"/__admin/responses/{second.id}").json()
    assert d["response"]["id"] == second.id and d["request"]["input"] == "Two."
    assert [p["id"] for p in d["previous"]] == [first.id] and [n["id"] for n in d["next"]] == [third.id]
    logged = admin_http.get(f"/__admin/responses/{first.id}").json()["events"]
    assert [e["sequence_number"] for e in logged] == list(range(len(logged)))
    times = [e["at"] for e in logged]
    assert times == sorted(times) and times[-1] - times[0] > 0.01  # paced at 400 tokens/s: spread out
    assert admin_http.get(f"/__admin/responses/{in_conv.id}").json()["conversation_id"] == conv.id

    convs = admin_http.get("/__admin/conversations").json()["data"]
    assert convs[0]["id"] == conv.id and convs[0]["items"] == 2
    items = admin_http.get(f"/__admin/conversations/{conv.id}").json()["items"]
    assert [i["role"] for i in items] == ["user", "assistant"]

    with server.http(headers={"Authorization": f"Bearer {new_key()}"}) as other:  # another key: nothing
        assert other.get(f"/__admin/responses/{second.id}").status_code == 404
        assert other.get("/__admin/responses").json()["data"] == []
        assert other.get(f"/__admin/conversations/{conv.id}").status_code == 404


def test_the_queue_shows_jobs_by_worker_and_a_cancel(server, key, admin_http):
    with server.client(api_key=key) as sdk:
        slow = sdk.responses.create(model="gpt-4.1", input="Describe seas in 80 sentences.", background=True,
                                    extra_headers={"x-mock-queue-delay": "0", "x-mock-tokens-per-second": "30"})
        later = sdk.responses.create(model="gpt-4.1", input="Later.", background=True,
                                     extra_headers={"x-mock-queue-delay": "30"})
        wait_for(sdk, slow.id, statuses=("in_progress",))
        q = admin_http.get("/__admin/queue").json()
        assert [j["response_id"] for j in q["queued"]] == [later.id]
        [running] = q["running"]
        assert running["response_id"] == slow.id and running["worker"] in q["workers"]
        cancelled = admin_http.post(f"/__admin/responses/{slow.id}/cancel").json()
        assert cancelled["status"] == "cancelled" and sdk.responses.retrieve(slow.id).status == "cancelled"
        admin_http.post(f"/__admin/responses/{later.id}/cancel")
        done = sdk.responses.create(model="gpt-4.1", input="Quick.", background=True, extra_headers=FAST)
        wait_for(sdk, done.id)
    finished = {r["id"]: r for r in admin_http.get("/__admin/queue").json()["finished"]}
    assert finished[done.id]["status"] == "completed" and finished[done.id]["worker"]
    assert finished[slow.id]["status"] == "cancelled"


def test_the_journal_filters_follows_live_and_counts_rule_hits(server, key, admin_http):
    rule = admin_http.post("/__admin/fixtures", content="match:\n  input_contains: ping\nrespond:\n  text: pong\n")
    assert rule.status_code == 200, rule.text
    rule_id = rule.json()["data"][0]["id"]
    bad = admin_http.post("/__admin/fixtures", content="match: [")
    assert bad.status_code == 400 and "neither JSON nor YAML" in bad.json()["error"]["message"]
    with server.client(api_key=key) as sdk:
        assert sdk.responses.create(model="gpt-4o", input="ping").output_text == "pong"
        sdk.responses.create(model="gpt-4.1", input="hello")
    by_model = admin_http.get("/__admin/requests", params={"model": "gpt-4o"}).json()["data"]
    assert len(by_model) == 1 and by_model[0]["fixture_id"] == rule_id and by_model[0]["model"] == "gpt-4o"
    unanswered = admin_http.get("/__admin/requests", params={"fixture_id": "", "path": "/v1/responses"}).json()["data"]
    assert [e["body"]["input"] for e in unanswered] == ["hello"]
    assert admin_http.get("/__admin/fixtures").json()["data"][0]["hits"] == 1

    newest = admin_http.get("/__admin/requests", params={"order": "desc", "limit": 1}).json()["data"][0]["cursor"]
    seen = []
    with admin_http.stream("GET", "/__admin/requests/stream", params={"after": newest}) as live:
        with server.client(api_key=key) as sdk:
            sdk.models.list()
        started = time.monotonic()
        for line in live.iter_lines():
            if line.startswith("data:"):
                seen.append(json.loads(line[5:]))
                break
    assert seen[0]["path"] == "/v1/models" and seen[0]["cursor"] > newest
    assert time.monotonic() - started < 5


def test_the_admin_token_sees_every_key(make_server):
    server = make_server("sqlite", admin_token="tok-inspect")
    keys = [new_key(), new_key()]
    ids = []
    for k in keys:
        with server.client(api_key=k) as sdk:
            ids.append(sdk.responses.create(model="gpt-4.1", input="hi").id)
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer tok-inspect"}) as http:
        assert http.get("/__admin/whoami").json() == {"object": "admin.scope", "admin": True, "tenant": None}
        assert {r["id"] for r in http.get("/__admin/responses").json()["data"]} == set(ids)
        narrowed = http.get("/__admin/responses", params={"api_key": keys[0]}).json()["data"]
        assert [r["id"] for r in narrowed] == [ids[0]]
        assert http.get(f"/__admin/responses/{ids[1]}").json()["tenant"] != narrowed[0]["tenant"]
        assert http.get("/__admin/responses", params={"before": "nonsense"}).status_code == 400


def test_a_bug_behind_admin_is_a_500_in_the_envelope_and_the_connection_lives(make_server, monkeypatch):
    server = make_server("sqlite")
    services = server.server.config.app.state.services

    async def broken(tenant):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services.inspector, "queue", broken)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {new_key()}"}) as http:
        r = http.get("/__admin/queue")
        assert r.status_code == 500 and r.json()["error"]["type"] == "server_error"
        assert http.get("/__admin/whoami").status_code == 200  # the same keep-alive connection


def journal(admin_http, n: int) -> list[dict]:
    """The key's entries, oldest first, once there are `n` (an entry is stored just after its reply)."""
    def entries():
        data = admin_http.get("/__admin/requests", params={"order": "asc", "limit": 100}).json()["data"]
        return data if len(data) >= n else None
    return wait_until(entries, what=f"{n} journal entries")


def test_an_entry_keeps_what_the_mock_answered(server, key, admin_http):
    """The reply beside the request: the created response, a refusal's error, a stream's events,
    an MCP tool's credentials masked in the echo as in the request; bounded to MAX_REPLY bytes."""
    with server.client(api_key=key) as sdk:
        made = sdk.responses.create(model="gpt-4.1", input="A haiku about rain.")
        streamed = list(sdk.responses.create(model="gpt-4.1", input="Hi.", stream=True))[-1].response
    with server.http(headers={"Authorization": f"Bearer {key}"}) as http:
        refused = http.post("/v1/responses", json={"model": "no-such-model", "input": "hi"})
        mcp = http.post("/v1/responses", json={"model": "gpt-4.1", "input": "hi", "tools": [
            {"type": "mcp", "server_label": "s", "server_url": "https://mcp.example", "authorization": "tok-secret",
             "headers": {"X-Key": "hdr-secret"}, "require_approval": "never"}]})
    assert refused.status_code == 400 and mcp.status_code == 200
    sync, stream, error, with_mcp = journal(admin_http, 4)
    assert sync["reply"]["id"] == made.id and sync["reply"]["output"][0]["content"][0]["text"] == made.output_text
    assert isinstance(stream["reply"], str) and stream["reply"].startswith("event: response.created")
    assert streamed.id in stream["reply"]
    assert error["reply"]["error"]["code"] == "model_not_found" and error["status"] == 400
    raw = json.dumps(with_mcp)
    assert "tok-secret" not in raw and "hdr-secret" not in raw
    assert with_mcp["reply"]["tools"][0]["authorization"] == "[redacted]"
    # A reply past the bound keeps its first 64 KiB: 100 items of 1 KiB listed are cut, as text.
    with server.client(api_key=key) as sdk:
        long = sdk.responses.create(model="gpt-4.1", input=[
            {"role": "user", "content": f"{i} " + "word " * 200} for i in range(100)])
        assert len(sdk.responses.input_items.list(long.id, limit=100).data) == 100
    cut = journal(admin_http, 6)[-1]
    assert cut["path"].endswith("/input_items")
    assert isinstance(cut["reply"], str) and cut["reply"].startswith('{"object":"list"')
    assert MAX_REPLY - 4 <= len(cut["reply"].encode()) <= MAX_REPLY


def test_the_list_and_the_detail_name_the_same_mode(server, key, admin_http):
    with server.client(api_key=key) as sdk:
        sync = sdk.responses.create(model="gpt-4.1", input="One.")
        stream = list(sdk.responses.create(model="gpt-4.1", input="Two.", stream=True))[-1].response
        background = sdk.responses.create(model="gpt-4.1", input="Three.", background=True,
                                          extra_headers=FAST)
    listed = {r["id"]: r["mode"] for r in admin_http.get("/__admin/responses").json()["data"]}
    assert listed == {sync.id: "sync", stream.id: "stream", background.id: "background"}
    for id_, mode in listed.items():
        assert admin_http.get(f"/__admin/responses/{id_}").json()["mode"] == mode


def test_a_files_bytes_are_not_journaled_as_its_reply(server, key, admin_http):
    with server.client(api_key=key) as sdk:
        made = sdk.files.create(file=("blob.bin", io.BytesIO(bytes(range(256)) * 4), "application/octet-stream"),
                                purpose="user_data")
        assert sdk.files.content(made.id).content == bytes(range(256)) * 4
    upload, content = journal(admin_http, 2)
    assert upload["reply"]["id"] == made.id  # JSON: kept
    assert content["path"].endswith("/content") and content["reply"] is None  # bytes: not text to show


def test_a_socket_create_is_journaled_with_its_reply(server, key, admin_http):
    """Each `response.create` on a WebSocket is an entry (method WS) with what it got: the final
    response, or the error event; an echoed MCP tool's credentials masked as over HTTP."""
    mcp = {"type": "mcp", "server_label": "s", "server_url": "https://mcp.example", "authorization": "tok-secret",
           "headers": {"X-Key": "hdr-secret"}, "require_approval": "never"}
    finals = []
    with server.client(api_key=key) as sdk, sdk.responses.connect() as conn:
        for create in ({"input": "A haiku about rain."}, {"input": "Hi.", "tools": [mcp]}):
            conn.response.create(model="gpt-4.1", **create)
            finals.append(next(e for e in conn if e.type == "response.completed").response)
        conn.response.create(model="no-such-model", input="hi")
        refused = next(e for e in conn if e.type == "error")
    made, with_mcp, error = journal(admin_http, 3)
    assert made["method"] == "WS" and made["reply"]["id"] == finals[0].id and made["reply"]["status"] == "completed"
    assert made["reply"]["output"][0]["content"][0]["text"] == finals[0].output_text
    assert with_mcp["reply"]["id"] == finals[1].id and with_mcp["reply"]["tools"][0]["authorization"] == "[redacted]"
    assert "tok-secret" not in json.dumps(with_mcp) and "hdr-secret" not in json.dumps(with_mcp)
    assert error["status"] == 400 and error["reply"] == refused.model_dump(mode="json", exclude_unset=True)
    assert error["reply"]["error"]["code"] == "model_not_found"
    # A reply past the bound keeps its first 64 KiB, as text (the response echoes its instructions).
    with server.client(api_key=key) as sdk, sdk.responses.connect() as conn:
        conn.response.create(model="gpt-4.1", input="A short one.", instructions="Be brief. " * 8000)
        long = next(e for e in conn if e.type == "response.completed").response
    cut = journal(admin_http, 4)[-1]
    assert isinstance(cut["reply"], str) and cut["reply"].startswith("{") and long.id in cut["reply"]
    assert MAX_REPLY - 4 <= len(cut["reply"].encode()) <= MAX_REPLY
