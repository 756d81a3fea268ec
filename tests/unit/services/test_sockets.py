"""A WebSocket session works with what it is handed — the responses service, `send`, `record` —
and nothing of the app's: the create's fault plan and answering rule reach it in the prepared
create, it enacts the plan itself and journals each client event through `record`, with the
reply it got (the final response, or the error event)."""

from __future__ import annotations

import asyncio
import sys
from types import SimpleNamespace

import orjson

from responses_mock.services import faults
from responses_mock.services.sockets import Session, Steer
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


class Steered(Responses):
    """Every run but the last is steered before it ends: each one's successor is created in turn."""

    def __init__(self, runs: int) -> None:
        super().__init__(faults.NONE)
        self.runs = runs
        self.session: Session | None = None
        self.previous: list[str | None] = []

    async def prepare(self, tenant, params, headers, *, local, generate):
        self.previous.append(params.get("previous_response_id"))
        return await super().prepare(tenant, params, headers, local=local, generate=generate)

    async def start_stream(self, p, *, watch):
        n = self.started
        self.started += 1
        final = {"id": f"resp_{n}", "status": "completed", "output": []}
        watch(SimpleNamespace(response=final, ctx=SimpleNamespace(items=())))
        if n + 1 < self.runs:
            self.session.runs[final["id"]].steers.append(Steer(f"steer_{n}", final["id"], "and then?"))

        async def events():
            yield 0, "response.completed", orjson.dumps({"type": "response.completed", "response": final}).decode()

        return events()


async def test_a_session_steered_without_end_runs_its_successors_in_a_loop_not_a_call_chain():
    """Each successor ran within its predecessor's call, so a long steered session met Python's
    recursion limit; they run one after another now, each after the one it continues."""
    runs = 3 * sys.getrecursionlimit()
    responses = Steered(runs)
    sent: list[dict] = []

    async def send(text: str) -> None:
        sent.append(orjson.loads(text))

    s = responses.session = Session("tenant", {}, responses=responses, send=send, max_lanes=4,
                                    record=lambda *_: None)
    await s.receive(CREATE)
    await finished(s)
    assert responses.started == runs and len(sent) == runs
    assert responses.previous == [None] + [f"resp_{n}" for n in range(runs - 1)]
