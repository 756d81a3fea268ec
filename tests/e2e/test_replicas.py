"""Several server processes on one Postgres behave as one server: each background job runs
exactly once, and any process can retrieve, follow or cancel a response another one runs."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from responses_mock.config import Settings
from responses_mock.services.worker import ABANDONED
from responses_mock.testing import AdminClient
from tests.conftest import ServerProcess, new_key
from tests.e2e.test_background import FAST, LONG
from tests.polling import wait_for, wait_for_event, wait_until

pytestmark = pytest.mark.slow  # several server processes on one Postgres

REPLICA = {"stale_after": 2, "heartbeat_interval": 0.3, "worker_poll_interval": 0.1, "stream_poll_interval": 0.05}


@pytest.fixture(scope="module")
def replicas(make_server, tmp_path_factory):
    """Two processes on one Postgres, shared by the tests of this module (each uses keys of its
    own, and reads the logs from where it began: see `Since`). Started side by side."""
    url = make_server.fresh_url("postgres")
    logs = tmp_path_factory.mktemp("replicas")
    procs = [ServerProcess(Settings(database_url=url), flags=REPLICA, log_path=logs / f"{name}.log")
             for name in ("a", "b")]
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(ServerProcess.start, procs))
        yield url, *procs
    finally:
        for proc in procs:
            proc.stop()


class Since:
    """A process's log from now on: what this test made it write, not what earlier tests did."""

    def __init__(self, proc: ServerProcess) -> None:
        self.proc, self.start = proc, len(proc.log())

    def log(self) -> str:
        return self.proc.log()[self.start:]


def runs_in(log: str) -> list[str]:
    return re.findall(r"response (resp_\w+) run by worker", log)


def test_each_job_runs_exactly_once(replicas):
    _, a, b = replicas
    log_a, log_b = Since(a), Since(b)
    key = new_key()
    ids = []
    with a.client(api_key=key) as ca, b.client(api_key=key) as cb:
        for i in range(20):
            ids.append((ca if i % 2 else cb).responses.create(
                model="gpt-4.1", input=f"Fact {i} in two sentences.", background=True, extra_headers=FAST).id)
        for i, rid in enumerate(ids):  # read each through the process that did not create it
            final, _ = wait_for(ca if i % 2 == 0 else cb, rid)
            assert final.status == "completed"
            events = list((cb if i % 2 == 0 else ca).responses.retrieve(rid, stream=True))
            assert [e.type for e in events].count("response.completed") == 1
            assert [e.sequence_number for e in events] == list(range(len(events)))
    ran_a, ran_b = runs_in(log_a.log()), runs_in(log_b.log())
    assert sorted(ran_a + ran_b) == sorted(ids)  # every job once, none twice
    assert ran_a and ran_b  # both processes took work from the one queue


def test_follow_and_cancel_through_another_process(replicas):
    _, a, b = replicas
    key = new_key()
    with a.client(api_key=key) as ca, b.client(api_key=key) as cb:
        slow = {"x-mock-queue-delay": "0", "x-mock-tokens-per-second": "150"}
        # Follow from B a response that A runs (or B: whichever claims it), from mid-flight.
        r = ca.responses.create(model="gpt-4.1", input="Describe forests in 12 sentences.", background=True,
                                extra_headers=slow)
        wait_for(cb, r.id, statuses=("in_progress",))
        tail = list(cb.responses.retrieve(r.id, stream=True, starting_after=2))
        assert tail[0].sequence_number == 3 and tail[-1].type == "response.completed"
        assert [e.to_dict() for e in tail] == [e.to_dict() for e in ca.responses.retrieve(
            r.id, stream=True, starting_after=2)]

        # Cancel through B while the worker (wherever it is) runs: it stops and keeps its partial output.
        r = ca.responses.create(model="gpt-4.1", input=LONG, background=True, extra_headers=slow)
        wait_for_event(cb, r.id, "response.output_text.delta")  # the worker has written output
        started = time.monotonic()
        cancelled = cb.responses.cancel(r.id)
        assert time.monotonic() - started < 2
        assert cancelled.status == "cancelled" and cancelled.output[0].status == "incomplete"
        assert cancelled.output[0].content[0].text  # written by the worker that stopped
        assert ca.responses.retrieve(r.id).model_dump() == cancelled.model_dump()


def test_a_crashed_process_job_is_failed_by_another(make_server, spawn_server):
    url = make_server.fresh_url("postgres")
    doomed = spawn_server(url, "doomed", **REPLICA)
    key = new_key()
    with doomed.client(api_key=key) as cd:
        r = cd.responses.create(model="gpt-4.1", input=LONG, background=True,
                                extra_headers={"x-mock-queue-delay": "0", "x-mock-time-to-first-token": "0",
                                               "x-mock-tokens-per-second": "50"})
        wait_for_event(cd, r.id, "response.output_text.delta")  # the run has output to keep
    doomed.kill()  # no shutdown code runs: the job stays `running` with a stale heartbeat
    survivor = spawn_server(url, "survivor", **REPLICA)
    with survivor.client(api_key=key) as cs:
        final, _ = wait_for(cs, r.id, timeout=15)
        assert final.status == "failed" and final.error.message == ABANDONED
        # What the crashed run had streamed is kept, as for a cancel.
        assert final.output[0].status == "incomplete" and final.output[0].content[0].text
        assert final.usage.output_tokens > 0
        events = list(cs.responses.retrieve(r.id, stream=True))
        assert events[-1].type == "response.failed" and events[-1].response.output == final.output
        assert [e.sequence_number for e in events] == list(range(len(events)))


def test_fixtures_and_journal_are_shared(replicas):
    _, a, b = replicas
    key = new_key()
    AdminClient(a.url, api_key=key).respond({"input_contains": "shared"}, text="one rule, every replica")
    with b.client(api_key=key) as cb, a.client(api_key=key) as ca:
        assert cb.responses.create(model="gpt-4.1", input="shared?").output_text == "one rule, every replica"
        r = ca.responses.create(model="gpt-4.1", input="made on a")
        assert [i.id for i in cb.responses.input_items.list(r.id)] == [i.id for i in ca.responses.input_items.list(r.id)]
    admin = AdminClient(a.url, api_key=key)

    def journaled() -> list[dict] | None:  # each process's journal writer flushes every 50 ms
        entries = admin.requests()
        return entries if len(entries) >= 4 else None

    seen = wait_until(journaled, what="the four requests in the journal")
    admin.close()
    kinds = sorted((e["method"], e["path"].split("/resp_")[0]) for e in seen)
    assert kinds == [("GET", "/v1/responses"), ("GET", "/v1/responses"), ("POST", "/v1/responses"),
                     ("POST", "/v1/responses")]


def test_uvicorn_workers_share_one_postgres(make_server, spawn_server):
    url = make_server.fresh_url("postgres")
    server = spawn_server(url, "workers", workers=2, **REPLICA)
    key = new_key()
    with server.client(api_key=key) as client:
        ids = [client.responses.create(model="gpt-4.1", input=f"job {i}", background=True, extra_headers=FAST).id
               for i in range(6)]
        for rid in ids:
            assert wait_for(client, rid)[0].status == "completed"
    pids = {m.split(":")[1] for m in re.findall(r"run by worker (\S+)", server.log())}
    assert len(re.findall(r"run by worker", server.log())) == 6 and pids


def test_metrics(replicas):
    _, a, _ = replicas
    counter = 'responses_mock_requests_total{method="POST",route="/v1/responses",status="200"} '
    # The process is shared with this module's other tests: what they sent is counted already.
    before = re.search(re.escape(counter) + r"(\S+)\n", httpx.get(f"{a.url}/metrics").text)
    with a.client() as client:
        client.responses.create(model="gpt-4.1", input="hi")
        list(client.responses.create(model="gpt-4.1", input="hi", stream=True))

    want = f"{counter}{(float(before[1]) if before else 0.0) + 2}"

    def counted() -> str | None:  # a stream is counted when its reply ends, just after the client has it all
        text = httpx.get(f"{a.url}/metrics").text
        return text if want in text else None

    text = wait_until(counted, 5, what=f"{want} in /metrics")
    assert "responses_mock_request_duration_seconds_bucket" in text
    assert 'responses_mock_jobs{state="queued"}' in text and "responses_mock_stream_subscribers 0.0" in text
    # Postgres: the replica hears the others on its LISTEN connection
    assert "responses_mock_listen_connected 1.0" in text and "\nresponses_mock_listen_reconnects " in text
