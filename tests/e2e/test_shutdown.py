"""SIGTERM of a real server process (issue 22, invariant 5): it is gone within shutdown_grace + 1 s;
every open stream ended with its terminal event or an `error` event first; every response that
was running is failed (SHUTDOWN), not left in progress; queued jobs run after the restart."""

from __future__ import annotations

import signal
import time

import pytest

from responses_mock.services.worker import SHUTDOWN
from tests.conftest import new_key
from tests.e2e.faults import TERMINAL, StreamReader, wait_until

pytestmark = pytest.mark.slow  # real processes, proxies and outages of seconds

GRACE = 3.0
SLOW = {"x-mock-queue-delay": "0", "x-mock-time-to-first-token": "0", "x-mock-tokens-per-second": "10"}
LONG = "Explain photosynthesis in 40 sentences."  # a minute and more at 10 tokens/s


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_sigterm_ends_streams_and_runs_within_the_grace(make_server, spawn_server, engine):
    url = make_server.fresh_url(engine)
    server = spawn_server(url, "first", shutdown_grace=GRACE, stale_after=2, heartbeat_interval=0.3)
    key = new_key()
    with server.client(api_key=key) as client:
        job = client.responses.create(model="gpt-4.1", input=LONG, background=True, extra_headers=SLOW).id
        queued = client.responses.create(model="gpt-4.1", input="Later, in two sentences.", background=True,
                                         extra_headers={"x-mock-queue-delay": "8"}).id
        wait_until(lambda: client.responses.retrieve(job).status == "in_progress", 10, "the job runs")
    live = StreamReader(server.url, key, "POST", "/v1/responses",
                        {"model": "gpt-4.1", "input": LONG, "stream": True}, SLOW).start()
    following_job = StreamReader(server.url, key, "GET", f"/v1/responses/{job}").start()
    following_queued = StreamReader(server.url, key, "GET", f"/v1/responses/{queued}").start()
    live.wait_for_events(6)
    following_job.wait_for_events(4)
    following_queued.wait_for_events(2)  # created, queued: nothing runs it before the shutdown

    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(GRACE + 5)
    assert time.monotonic() - started < GRACE + 1, server.log()

    for reader in (live, following_job):  # their runs were here: failed, and the stream says so
        assert reader.ended_with_an_event(1), (reader.error, reader.events[-2:])
        assert [e["type"] for e in reader.events[-2:]] == ["error", "response.failed"], reader.events[-2:]
        assert reader.events[-1]["response"]["error"]["message"] == SHUTDOWN
    assert following_queued.ended_with_an_event(1)  # nothing ran it: the follower is told it ends here
    assert following_queued.events[-1]["type"] == "error"

    again = spawn_server(url, "again", stale_after=2, heartbeat_interval=0.3)
    with again.client(api_key=key) as client:
        for rid in (job, live.response_id):
            final = client.responses.retrieve(rid)
            assert final.status == "failed" and final.error.message == SHUTDOWN
            assert final.output and final.output[0].status == "incomplete"  # what it had said is kept
        final = wait_until(lambda: (r := client.responses.retrieve(queued)).status in TERMINAL and r, 20,
                           "the queued job ran after the restart")
        assert final.status == "completed"
