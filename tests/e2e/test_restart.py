"""A server restart: jobs left queued run after the next start; a job cut off mid-run ends
`failed` with a clear error, never stuck `in_progress`. Both stores."""

from __future__ import annotations

import pytest

from responses_mock.services.worker import SHUTDOWN
from tests.conftest import new_key
from tests.polling import wait_for, wait_for_event

pytestmark = pytest.mark.slow  # server processes stopped and started again


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_queued_jobs_survive_a_restart_and_running_ones_fail_clearly(make_server, engine):
    url = make_server.fresh_url(engine)
    key = new_key()
    first = make_server(url)
    with first.client(api_key=key) as client:
        queued = [client.responses.create(model="gpt-4.1", input=f"Topic {i} in two sentences.", background=True,
                                          extra_headers={"x-mock-queue-delay": "4"}).id for i in range(3)]
        running = client.responses.create(model="gpt-4.1", input="Describe lakes in 40 sentences.", background=True,
                                          extra_headers={"x-mock-queue-delay": "0", "x-mock-time-to-first-token": "0",
                                                         "x-mock-tokens-per-second": "20"})
        wait_for_event(client, running.id, "response.output_text.delta")  # it has output to keep
    first.stop()

    second = make_server(url)
    with second.client(api_key=key) as client:
        cut = client.responses.retrieve(running.id)
        assert cut.status == "failed" and cut.error.message == SHUTDOWN
        assert cut.output[0].status == "incomplete" and cut.output[0].content[0].text  # kept
        events = list(client.responses.retrieve(running.id, stream=True))
        assert events[-1].type == "response.failed"
        assert [e.sequence_number for e in events] == list(range(len(events)))
        for rid in queued:
            final, _ = wait_for(client, rid)
            assert final.status == "completed" and final.output_text.count(".") == 2
