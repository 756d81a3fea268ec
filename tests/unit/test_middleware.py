"""The /v1 middleware (middleware.py) called in-process: the headers every reply gets, and what
the journal shows of a request, whether its headers were worked out afresh or remembered."""

from __future__ import annotations

import asyncio
import json

from responses_mock.config import Settings
from responses_mock.main import create_app
from responses_mock.redaction import MASK
from responses_mock.services.tenancy import tenant_of


async def call(app, method: str, path: str, headers: list, query: bytes = b"") -> tuple[int, dict, bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000), "state": {}}
    sent, reply = False, {}

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)

    async def send(message):
        if message["type"] == "http.response.start":
            reply.update(status=message["status"], headers=dict(message["headers"]))
        else:
            reply["body"] = reply.get("body", b"") + message.get("body", b"")

    await app(scope, receive, send)
    return reply["status"], reply["headers"], reply["body"]


def _headers(key: str, *extra) -> list:
    return [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {key}".encode()), *extra]


def test_remembered_headers_answer_and_journal_as_fresh_ones(tmp_path):
    async def run():
        app = create_app(Settings(data_dir=tmp_path, log_level="warning"))
        async with app.router.lifespan_context(app):
            replies = []
            for key in ("sk-one", "sk-two", "sk-one"):  # the third: sk-one's headers, remembered
                replies.append(await call(app, "GET", "/v1/responses/resp_nope", _headers(key, (b"x-api-key", b"k")),
                                          b"token=q-secret"))
            # Lists, as the ASGI spec allows: not hashable, so never remembered, the same answer.
            as_lists = [[k, v] for k, v in _headers("sk-one", (b"x-api-key", b"k"))]
            replies.append(await call(app, "GET", "/v1/responses/resp_nope", as_lists, b"token=q-secret"))
            journals = {}
            for key in ("sk-one", "sk-two"):
                status, _, body = await call(app, "GET", "/__admin/requests", _headers(key), b"order=asc")
                assert status == 200
                journals[key] = json.loads(body)["data"]
            return replies, journals

    replies, journals = asyncio.run(run())
    ids = [headers[b"x-request-id"] for _, headers, _ in replies]
    assert len(set(ids)) == 4 and all(i.startswith(b"req_") and len(i) == 36 for i in ids)
    for status, headers, body in replies:
        assert status == 404 and body == replies[0][2] and json.loads(body)["error"]["type"]
        assert int(headers[b"openai-processing-ms"]) >= 0 and headers[b"x-ratelimit-limit-requests"] == b"10000"
    one = journals["sk-one"]
    assert [e["id"] for e in one] == [ids[0].decode(), ids[2].decode(), ids[3].decode()]  # in order, own tenant's
    assert [e["id"] for e in journals["sk-two"]] == [ids[1].decode()]
    for e in one:
        assert e["tenant"] == tenant_of("sk-one") and e["status"] == 404 and e["method"] == "GET"
        assert e["path"] == "/v1/responses/resp_nope" and e["query"] == "token=%5Bredacted%5D"
        assert e["headers"] == {"host": "127.0.0.1", "authorization": MASK, "x-api-key": MASK}
        assert e["reply"] == json.loads(replies[0][2])
        assert e["body"] is None and e["duration_ms"] >= 0
