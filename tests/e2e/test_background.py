"""background=true: queued → in_progress → end state, pacing, cancel, background + stream, and
resuming a live stream. Both stores, sync and async SDK."""

from __future__ import annotations

import asyncio
import time

import openai
import pytest

from responses_mock.backends import registry
from tests.conftest import new_key, sse
from tests.e2e.test_streaming import Exploding, collapse
from tests.polling import until, wait_for, wait_for_event

LONG = "Explain photosynthesis in 150 sentences."  # about 2,000 tokens from the default model
FAST = {"x-mock-queue-delay": "0", "x-mock-time-to-first-token": "0", "x-mock-tokens-per-second": "0"}


def jobs_of(server, key: str, rid: str) -> list[dict]:
    """The queue's jobs (queued or running) for `rid`, as /__admin/queue lists them."""
    with server.http(headers={"Authorization": f"Bearer {key}"}) as http:
        queue = http.get("/__admin/queue").json()
    return [j for j in queue["queued"] + queue["running"] if j["response_id"] == rid]


@pytest.mark.slow
def test_polling_sees_queued_then_in_progress_then_completed(client):
    r = client.responses.create(model="gpt-4.1", input="Describe tides in 10 sentences.", background=True,
                                extra_headers={"x-mock-queue-delay": "1.5", "x-mock-tokens-per-second": "100"})
    assert r.status == "queued" and r.background is True and r.output == [] and r.usage is None
    final, seen = wait_for(client, r.id)
    assert seen == ["queued", "in_progress", "completed"]
    assert final.output_text.count(".") == 10 and final.usage.output_tokens > 0
    assert final.completed_at >= final.created_at
    # The same request in the foreground gives the same answer: one lifecycle, one model.
    sync = client.responses.create(model="gpt-4.1", input="Describe tides in 10 sentences.")
    assert sync.output_text == final.output_text and sync.usage == final.usage


def test_background_event_log(server):
    key = new_key()
    with server.client(api_key=key) as client:
        r = client.responses.create(model="gpt-5-nano", input="hi", background=True, extra_headers=FAST)
        wait_for(client, r.id)
    events = sse(server, key, "GET", f"/v1/responses/{r.id}", params={"stream": "true"})
    types = [e["type"] for e in events]
    assert types[:3] == ["response.created", "response.queued", "response.in_progress"]
    assert types[-1] == "response.completed" and types.count("response.completed") == 1
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert [e["response"]["status"] for e in events[:3]] == ["queued", "queued", "in_progress"]


def test_background_and_stream_together(client):
    events = list(client.responses.create(model="gpt-4.1", input="Name two seas in two sentences.",
                                          background=True, stream=True, extra_headers=FAST))
    assert [e.type for e in events[:3]] == ["response.created", "response.queued", "response.in_progress"]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[-1].type == "response.completed"
    assert client.responses.retrieve(events[0].response.id).output_text == events[-1].response.output_text


def test_cancel_after_one_second_with_default_pace(server):
    """The issue's yardstick: a ~2,000-token background answer, cancelled after 1 s."""
    key = new_key()
    with server.client(api_key=key) as client:
        r = client.responses.create(model="gpt-4.1", input=LONG, background=True)
        time.sleep(1.0)  # the yardstick itself (a second after the create), not a wait for a state
        cancelled = client.responses.cancel(r.id)
        message = cancelled.output[0]
        assert cancelled.status == "cancelled"
        assert message.status == "incomplete" and len(message.content[0].text) > 0  # partial output kept
        assert 0 < cancelled.usage.output_tokens < 1500
        assert client.responses.retrieve(r.id).model_dump() == cancelled.model_dump()
        # Idempotent, and the worker has really stopped: its job is gone from the queue and the log
        # ended with the cancel, so nothing can change afterwards.
        assert jobs_of(server, key, r.id) == []
        assert [e.type for e in client.responses.retrieve(r.id, stream=True)][-1] == "error"
        assert client.responses.cancel(r.id).model_dump() == cancelled.model_dump()
        assert client.responses.retrieve(r.id).model_dump() == cancelled.model_dump()
        full = client.responses.create(model="gpt-4.1", input=LONG)
        assert full.output_text.startswith(message.content[0].text) and full.usage.output_tokens > 1800


def test_a_stream_of_a_cancelled_run_ends_with_an_error_event(client):
    """Followers of a background run see its cancel: the log ends with the `error` event (there is
    no response.cancelled stream event), live, on replay, and for a run cancelled while queued."""
    r = client.responses.create(model="gpt-4.1", input=LONG, background=True, stream=True,
                                extra_headers={"x-mock-queue-delay": "0", "x-mock-time-to-first-token": "0",
                                               "x-mock-tokens-per-second": "200"})
    seen = []
    for event in r:
        seen.append(event)
        if event.type == "response.output_text.delta" and len(seen) == 12:
            client.responses.cancel(seen[0].response.id)
    last = seen[-1]
    assert last.type == "error" and last.code == "response_cancelled"
    assert last.message == "The response was cancelled." and last.param is None
    assert [e.sequence_number for e in seen] == list(range(len(seen)))
    replay = list(client.responses.retrieve(seen[0].response.id, stream=True, starting_after=len(seen) - 3))
    assert [e.model_dump() for e in replay] == [e.model_dump() for e in seen[-2:]]

    queued = client.responses.create(model="gpt-4.1", input="hi", background=True,
                                     extra_headers={"x-mock-queue-delay": "5"})
    client.responses.cancel(queued.id)
    events = list(client.responses.retrieve(queued.id, stream=True))
    assert [e.type for e in events] == ["response.created", "response.queued", "error"]
    assert events[-1].code == "response_cancelled" and events[-1].sequence_number == 2


def test_cancel_while_queued_never_runs(server):
    key = new_key()
    with server.client(api_key=key) as client:
        r = client.responses.create(model="gpt-4.1", input="hi", background=True,
                                    extra_headers={"x-mock-queue-delay": "1"})
        cancelled = client.responses.cancel(r.id)
        assert cancelled.status == "cancelled" and cancelled.output == []
        assert jobs_of(server, key, r.id) == []  # dropped from the queue: no worker can claim it
        # A job due after the cancelled one has run: the workers have passed its due time.
        later = client.responses.create(model="gpt-4.1", input="hi", background=True,
                                        extra_headers={"x-mock-queue-delay": "1"})
        assert wait_for(client, later.id)[0].status == "completed"
        assert client.responses.retrieve(r.id).model_dump() == cancelled.model_dump()


def test_cancel_a_finished_or_foreground_response(client):
    done = client.responses.create(model="gpt-4.1", input="hi", background=True, extra_headers=FAST)
    done, _ = wait_for(client, done.id)
    with pytest.raises(openai.BadRequestError) as exc:  # too late: the real API's words
        client.responses.cancel(done.id)
    assert exc.value.body["message"] == "Cannot cancel a completed response." and exc.value.body["param"] is None
    foreground = client.responses.create(model="gpt-4.1", input="hi")
    with pytest.raises(openai.BadRequestError) as exc:
        client.responses.cancel(foreground.id)
    assert exc.value.body["message"] == "Only responses created with background=true can be cancelled."
    with pytest.raises(openai.NotFoundError):
        client.responses.cancel("resp_does_not_exist")


def test_background_requires_store(client):
    with pytest.raises(openai.BadRequestError) as exc:
        client.responses.create(model="gpt-4.1", input="hi", background=True, store=False)
    assert exc.value.body["param"] == "store"


def test_pace_headers_are_validated(client):
    with pytest.raises(openai.BadRequestError) as exc:
        client.responses.create(model="gpt-4.1", input="hi", extra_headers={"x-mock-tokens-per-second": "fast"})
    assert exc.value.body["param"] == "x-mock-tokens-per-second"


@pytest.mark.slow
def test_resume_a_live_stream_mid_flight(server):
    key = new_key()
    with server.client(api_key=key) as client:
        r = client.responses.create(model="gpt-4.1", input="Describe clouds in 12 sentences.", background=True,
                                    extra_headers={"x-mock-queue-delay": "0", "x-mock-tokens-per-second": "60"})
        wait_for_event(client, r.id, "response.output_text.delta")  # mid-flight: past event 3, far from the end
        assert client.responses.retrieve(r.id).status == "in_progress"
        tail = list(client.responses.retrieve(r.id, stream=True, starting_after=3))
        assert client.responses.retrieve(r.id).status == "completed"
    assert tail[0].sequence_number == 4 and tail[-1].type == "response.completed"
    assert [e.sequence_number for e in tail] == list(range(4, 4 + len(tail)))
    full = sse(server, key, "GET", f"/v1/responses/{r.id}", params={"stream": "true"})
    assert [e.to_dict() for e in tail] == full[4:]


def test_background_backend_fault_fails_the_response(client, monkeypatch):
    monkeypatch.setattr(registry, "get", lambda name: Exploding())
    r = client.responses.create(model="gpt-4.1", input="hi", background=True, extra_headers=FAST)
    final, _ = wait_for(client, r.id)
    assert final.status == "failed" and "blew up" in final.error.message
    types = collapse([e.type for e in client.responses.retrieve(r.id, stream=True)])
    assert types[-1] == "response.failed"


async def test_async_background_cancel_and_follow(aclient):
    r = await aclient.responses.create(model="gpt-4.1", input=LONG, background=True,
                                       extra_headers={"x-mock-queue-delay": "0"})

    events = []

    async def follow():
        async for e in await aclient.responses.retrieve(r.id, stream=True):
            events.append(e)

    follower = asyncio.create_task(follow())
    await until(lambda: any(e.type == "response.output_text.delta" for e in events), what="the first delta")
    cancelled = await aclient.responses.cancel(r.id)
    assert cancelled.status == "cancelled"
    await asyncio.wait_for(follower, 10)  # the follower ends when the response does
    assert events[0].type == "response.created"
    assert not any(e.type in ("response.completed", "response.failed") for e in events)
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == cancelled.output[0].content[0].text
