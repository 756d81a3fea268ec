"""A WebSocket session works with what it is handed — the responses service, `send`, `record` —
and nothing of the app's: the create's fault plan and answering rule reach it in the prepared
create, it enacts the plan itself and journals each client event through `record`, with the
reply it got (the final response, or the error event)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import orjson

from responses_mock.services import faults
from responses_mock.services.sockets import Session
from responses_mock.wire.fixtures import HttpError

CREATE = orjson.dumps({"type": "response.create", "model": "gpt-4.1", "input": "hi"}).decode()


class Responses:
    """Prepares every create with `plan` (answered by rule fx_1) and streams one completed event."""

    def __init__(self, plan: faults.FaultPlan) -> None:
        self.plan = plan
        self.started = 0

    async def prepare(self, tenant, params, headers, *, local, generate):
        assert params["stream"] is True and generate is True
        return SimpleNamespace(fixture_id="fx_1", faults=self.plan)

    async def start_stream(self, p, *, watch):
        self.started += 1
        final = {"id": "resp_1", "status": "completed", "output": []}
        watch(SimpleNamespace(response=final, ctx=SimpleNamespace(items=())))

        async def events():
            for seq, kind in enumerate(("response.created", "response.in_progress", "response.completed")):
                yield seq, kind, orjson.dumps({"type": kind, "response": final, "sequence_number": seq}).decode()

        return events()


async def session(plan: faults.FaultPlan) -> tuple[Session, Responses, list[dict], list[tuple]]:
    sent, recorded = [], []

    async def send(text: str) -> None:
        sent.append(orjson.loads(text))

    responses = Responses(plan)
    s = Session("tenant", {}, responses=responses, send=send, max_lanes=4,
                record=lambda note, text, status, started, reply: recorded.append((note.fixture_id, status,
                                                                                    _replied(reply))))
    return s, responses, sent, recorded


def _replied(reply: dict | None) -> str | None:
    """What a journaled reply is: a response's id, or an error event's code."""
    if reply is None:
        return None
    return reply["id"] if "id" in reply else reply["error"]["code"]


async def finished(s: Session) -> None:
    while s.tasks:
        await asyncio.wait(list(s.tasks), timeout=5)


async def test_a_create_is_journalled_with_the_rule_that_answered():
    s, responses, sent, recorded = await session(faults.NONE)
    await s.receive(CREATE)
    await finished(s)
    assert [e["type"] for e in sent] == ["response.created", "response.in_progress", "response.completed"]
    assert recorded == [("fx_1", 200, "resp_1")] and responses.started == 1


async def test_the_session_enacts_the_plans_http_error():
    s, responses, sent, recorded = await session(faults.FaultPlan(http_error=HttpError(status=429)))
    await s.receive(CREATE)
    await finished(s)
    assert [(e["type"], e["status"]) for e in sent] == [("error", 429)] and responses.started == 0
    assert recorded == [("fx_1", 429, "rate_limit_exceeded")]


async def test_the_session_cuts_the_stream_where_the_plan_says():
    s, _, sent, recorded = await session(faults.FaultPlan(cut_after=1))
    await s.receive(CREATE)
    await finished(s)
    assert [e["type"] for e in sent] == ["response.created"] and s.dropped.is_set()
    assert recorded == [("fx_1", 0, None)]


async def test_an_unknown_event_is_answered_and_recorded():
    s, _, sent, recorded = await session(faults.NONE)
    await s.receive(orjson.dumps({"type": "response.cancel"}).decode())
    assert sent[0]["type"] == "error" and sent[0]["error"]["param"] == "type" and recorded == [(None, 400, "invalid_value")]
