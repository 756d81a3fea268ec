"""Store faults leave nothing stuck (issue 22, invariants 2–4): after a Postgres blip (a proxy
the test cuts, or the database's backends terminated), a crash, or a full disk, every response
that was queued or in progress ends (finished, or failed in the real API's words, never SQL)
within a bounded time after the store is back; every stream ends with an event; the worker
pool keeps working; replicas converge; /ready is 503 while writes fail."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time

import httpx
import pytest

from responses_mock.services import background, stream_runs, streams
from responses_mock.services import journal as journal_module
from responses_mock.services.endings import SERVER_ERROR
from responses_mock.testing import AdminClient
from tests.conftest import new_key
from tests.e2e.faults import TERMINAL, CuttableProxy, StreamReader, terminate_backends, wait_until

pytestmark = pytest.mark.slow  # real processes, proxies and outages of seconds

FAST_SWEEP = {"stale_after": 2, "heartbeat_interval": 0.3, "worker_poll_interval": 0.1,
              "stream_poll_interval": 0.05}
PACED = {"x-mock-queue-delay": "0", "x-mock-time-to-first-token": "0", "x-mock-tokens-per-second": "40"}
TOPIC = "Describe the water cycle in 8 sentences."  # about 150 tokens: some 4 s at 40 tokens/s
RECOVERY = 15  # seconds after the store is back by which everything has ended (the documented bound, and then some)


@pytest.fixture
def proxy():
    p = CuttableProxy()
    yield p
    p.close()


@pytest.fixture
def make(make_server):
    """make_server, whose servers stop when the test ends (not with the session: a server left
    behind a closed proxy would retry for ever, in every later test's log)."""
    made = []

    def start(*args, **kw):
        made.append(make_server(*args, **kw))
        return made[-1]

    start.fresh_url = make_server.fresh_url
    yield start
    for server in made:
        server.stop()


def _ended_properly(final) -> bool:
    if final.status not in TERMINAL:
        return False
    if final.status == "failed":
        message = final.error.message
        assert message.startswith(SERVER_ERROR), message  # the real API's words
        assert "SQL" not in message and "sqlalchemy" not in message.lower() and "asyncpg" not in message
    return True


def _start_work(server, key: str) -> tuple[list[str], list[StreamReader]]:
    """Ten clients: four background jobs, four live streams, two followers of the jobs."""
    with server.client(api_key=key) as client:
        jobs = [client.responses.create(model="gpt-4.1", input=f"{TOPIC} ({i})", background=True,
                                        extra_headers=PACED).id for i in range(4)]
    body = {"model": "gpt-4.1", "input": TOPIC, "stream": True}
    streams = [StreamReader(server.url, key, "POST", "/v1/responses", dict(body, input=f"{TOPIC} [{i}]"),
                            PACED).start() for i in range(4)]
    followers = [StreamReader(server.url, key, "GET", f"/v1/responses/{rid}").start() for rid in jobs[:2]]
    for reader in streams + followers:
        reader.wait_for_events(6)  # each run is under way
    return jobs, streams + followers


def _assert_everything_ends(server, key: str, jobs: list[str], readers: list[StreamReader], failed: bool) -> None:
    for reader in readers:
        assert reader.ended_with_an_event(RECOVERY), (reader.error, reader.events[-1:])
        if failed and reader.method == "POST":
            assert [e["type"] for e in reader.events[-2:]] == ["error", "response.failed"]
    ids = jobs + [r.response_id for r in readers if r.method == "POST"]
    with server.client(api_key=key, timeout=10) as client:
        for rid in ids:
            final = wait_until(lambda rid=rid: (r := client.responses.retrieve(rid)).status in TERMINAL and r,
                               RECOVERY, f"{rid} ended")
            assert _ended_properly(final)
            assert final.status == ("failed" if failed else "completed")
        # The pool still works, with every slot: a key's queue runs again (16 jobs, fair shares).
        fresh = [client.responses.create(model="gpt-4.1", input=f"job {i}", background=True,
                                         extra_headers={**PACED, "x-mock-tokens-per-second": "0"}).id
                 for i in range(16)]
        for rid in fresh:
            final = wait_until(lambda rid=rid: (r := client.responses.retrieve(rid)).status in TERMINAL and r,
                               RECOVERY, f"new job {rid} ran")
            assert final.status == "completed"


@pytest.mark.parametrize("fault", ["blip", "terminate", "outage"])
def test_a_postgres_fault_ends_every_response(proxy, make, monkeypatch, fault):
    """A blip (2.5 s) or terminated backends are absorbed: the runs wait for the store. An outage
    longer than the runs' patience (STORE_WAIT, 1 s here) fails them: their watchers are told at
    once, the store says so once it is back."""
    if fault == "outage":
        for module in (stream_runs, background, streams):
            monkeypatch.setattr(module, "STORE_WAIT", 1.0)
    url = make.fresh_url("postgres")
    server = make(proxy.url(url), **FAST_SWEEP)
    key = new_key()
    jobs, readers = _start_work(server, key)
    if fault == "terminate":
        assert terminate_backends(url) > 0
    else:
        proxy.blip(2.5 if fault == "blip" else 6.0)  # every connection cut, new ones refused
    _assert_everything_ends(server, key, jobs, readers, failed=fault == "outage")
    ready = wait_until(lambda: httpx.get(f"{server.url}/ready", timeout=5).status_code == 200, RECOVERY, "ready")
    assert ready


@pytest.mark.parametrize("fault", ["blip", "terminate"])
def test_replicas_converge_after_a_fault(proxy, make, fault):
    """B's LISTEN connection goes through the proxy: after the fault it reconnects, and a rule
    deleted and one added on A are what B answers with (its cache refreshed)."""
    url = make.fresh_url("postgres")
    a = make(url, **FAST_SWEEP)
    b = make(proxy.url(url), **FAST_SWEEP)
    key = new_key()
    admin = AdminClient(a.url, api_key=key)
    old = admin.respond({"input_contains": "which rule"}, text="the old rule")
    with b.client(api_key=key) as cb:
        assert cb.responses.create(model="gpt-4.1", input="which rule?").output_text == "the old rule"
        if fault == "blip":
            proxy.blip(2.5)
        else:
            assert terminate_backends(url) > 0
        wait_until(lambda: httpx.get(f"{b.url}/ready", timeout=5).status_code == 200, RECOVERY, "b ready")

        def answers(text: str) -> bool:
            try:
                return cb.responses.create(model="gpt-4.1", input="which rule?").output_text == text
            except Exception:  # a request that meets a connection the fault killed
                return False

        wait_until(lambda: answers("the old rule"), RECOVERY, "B answers again (and caches the rules)")
        # B's listener is back (it reconnected, and is up): from now on only its NOTIFYs tell B of a change
        wait_until(lambda: metric(b, "responses_mock_listen_reconnects") >= 1
                   and metric(b, "responses_mock_listen_connected") == 1, RECOVERY, "B listens again")
        assert admin.http.delete(f"/fixtures/{old['id']}").status_code == 200
        admin.respond({"input_contains": "which rule"}, text="the new rule")
        wait_until(lambda: answers("the new rule"), 5, "B answers with the new rule")


def metric(server, name: str) -> float:
    """One unlabelled value of the server's /metrics."""
    text = httpx.get(f"{server.url}/metrics", timeout=5).text
    return next(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))


def test_metrics_say_whether_this_process_listens(server):
    """Postgres: other replicas' changes come on the LISTEN connection, up from the start;
    SQLite has none (one process)."""
    postgres = server.settings.resolved_database_url.startswith("postgresql")
    assert metric(server, "responses_mock_listen_connected") == (1 if postgres else 0)
    assert metric(server, "responses_mock_listen_reconnects") >= 0


def test_no_request_meets_a_connection_the_database_ended(make):
    """Postgres ended every connection (a restart, a failover, pg_terminate_backend): the pools
    hand out none of the dead ones, so the first requests after it succeed — not a 500 each while
    the pools find out."""
    url = make.fresh_url("postgres")
    server, key = make(url), new_key()
    admin = AdminClient(server.url, api_key=key)
    with server.client(api_key=key) as client, contextlib.closing(admin):
        for _ in range(3):  # connections of both pools in use, then idle in them
            rule = admin.respond({"input_contains": "rule"}, text="ruled")
            assert admin.http.delete(f"/fixtures/{rule['id']}").status_code == 200
            created = client.responses.create(model="gpt-4.1", input="hello")
            assert client.responses.retrieve(created.id).status == "completed"
        assert terminate_backends(url) > 0
        time.sleep(0.5)  # the server has seen its sockets close
        for _ in range(3):
            rule = admin.respond({"input_contains": "rule"}, text="ruled")
            assert client.responses.create(model="gpt-4.1", input="a rule?").output_text == "ruled"
            assert admin.http.delete(f"/fixtures/{rule['id']}").status_code == 200
            created = client.responses.create(model="gpt-4.1", input="hello")
            assert client.responses.retrieve(created.id).status == "completed"
            assert admin.http.get("/requests", params={"limit": 5}).status_code == 200


def _mount_tmpfs(path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def _fill(path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass
    finally:
        os.close(fd)


def test_sqlite_on_a_full_disk(make, tmp_path, monkeypatch, caplog):
    """/ready is 503 while writes fail and 200 once they succeed; the journal's backlog stays
    bounded and its drops are counted; a stream whose end cannot be stored ends with an `error`
    event and is failed once the disk has room; each failure is logged once, with its cause."""
    monkeypatch.setattr(journal_module, "MAX_BACKLOG", 5)
    monkeypatch.setattr(stream_runs, "STORE_WAIT", 1.5)
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "8m"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    server = None
    try:
        server = make(f"sqlite+aiosqlite:///{disk / 'store.db'}", **FAST_SWEEP)
        key = new_key()
        with server.client(api_key=key) as client:
            client.responses.create(model="gpt-4.1", input="before")
            stream = StreamReader(server.url, key, "POST", "/v1/responses",
                                  {"model": "gpt-4.1", "input": TOPIC, "stream": True}, PACED).start()
            stream.wait_for_events(6)
            _fill(disk / "filler")
            failures = 0
            for i in range(10):
                try:
                    client.responses.create(model="gpt-4.1", input=f"while full {i}")
                except Exception:
                    failures += 1
            assert failures == 10  # the writes fail (a 500, in the envelope)
            r = httpx.get(f"{server.url}/ready", timeout=5)
            assert r.status_code == 503 and "full" in r.json()["error"], r.text
            assert stream.ended_with_an_event(RECOVERY)
            assert [e["type"] for e in stream.events[-2:]] == ["error", "response.failed"]
            assert stream.events[-1]["response"]["error"]["message"] == SERVER_ERROR
            assert metric(server, "responses_mock_journal_dropped_total") >= 5
            assert metric(server, "responses_mock_journal_backlog") <= 5

            (disk / "filler").unlink()
            wait_until(lambda: httpx.get(f"{server.url}/ready", timeout=5).status_code == 200, RECOVERY, "ready")
            assert client.responses.create(model="gpt-4.1", input="after").status == "completed"
            rid = stream.response_id
            final = wait_until(lambda: (r := client.responses.retrieve(rid)).status in TERMINAL and r,
                               RECOVERY, "the stream's response failed in the store")
            assert final.status == "failed" and final.error.message == SERVER_ERROR
            replay = list(client.responses.retrieve(rid, stream=True))
            assert [e.type for e in replay[-2:]] == ["error", "response.failed"]
            assert [e.sequence_number for e in replay] == list(range(len(replay)))
        log = caplog.text
        assert "cannot rollback" not in log
        assert log.count("writing the request journal failed: OperationalError: database or disk is full") == 1
        assert "database or disk is full" in log
    finally:
        if server is not None:
            server.stop()
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_a_crash_then_a_restart_ends_what_was_running(make, spawn_server, engine):
    url = make.fresh_url(engine)
    doomed = spawn_server(url, "doomed", **FAST_SWEEP)
    key = new_key()
    with doomed.client(api_key=key) as client:
        job = client.responses.create(model="gpt-4.1", input=TOPIC, background=True,
                                      extra_headers={**PACED, "x-mock-tokens-per-second": "10"}).id
    stream = StreamReader(doomed.url, key, "POST", "/v1/responses",
                          {"model": "gpt-4.1", "input": TOPIC, "stream": True}, PACED).start()
    stream.wait_for_events(6)
    with doomed.client(api_key=key) as client:
        wait_until(lambda: client.responses.retrieve(job).status == "in_progress", 10, "the job runs")
    doomed.kill()  # kill -9: no shutdown code runs
    assert stream.done.wait(10)
    survivor = spawn_server(url, "survivor", **FAST_SWEEP)
    with survivor.client(api_key=key) as client:
        for rid in (job, stream.response_id):
            final = wait_until(lambda rid=rid: (r := client.responses.retrieve(rid)).status in TERMINAL and r,
                               RECOVERY, f"{rid} failed after the crash")
            assert final.status == "failed" and _ended_properly(final)
            follower = StreamReader(survivor.url, key, "GET", f"/v1/responses/{rid}").start()
            assert follower.ended_with_an_event(10)
            assert follower.events[-1]["type"] == "response.failed"


def test_a_follower_of_a_lost_response_ends(proxy, make):
    """A follower waiting through an outage longer than its patience gets an `error` event."""
    url = make.fresh_url("postgres")
    server = make(proxy.url(url), **FAST_SWEEP)
    key = new_key()
    with server.client(api_key=key) as client:
        rid = client.responses.create(model="gpt-4.1", input="wait", background=True,
                                      extra_headers={"x-mock-queue-delay": "600"}).id
    follower = StreamReader(server.url, key, "GET", f"/v1/responses/{rid}").start()
    follower.wait_for_events(2)  # created, queued
    proxy.cut()
    try:
        wait_until(lambda: httpx.get(f"{server.url}/ready", timeout=5).status_code == 503, 5, "/ready says 503")
        assert follower.ended_with_an_event(RECOVERY)
        assert follower.events[-1]["type"] == "error" and follower.events[-1]["message"] == SERVER_ERROR
    finally:
        proxy.restore()
    with server.client(api_key=key) as client:
        wait_until(lambda: client.responses.cancel(rid).status == "cancelled", RECOVERY, "cancel after the outage")



def test_a_worker_loop_that_dies_is_restarted(make, caplog):
    """The pool's loops are supervised: one that dies of an error is logged and started again."""
    server = make("sqlite", worker_concurrency=1, worker_poll_interval=0.05)
    pool = server.server.config.app.state.services.pool
    claim, died = pool._claim, []

    async def dies_once():
        if not died:
            died.append(True)
            raise RuntimeError("a bug in the worker loop")
        return await claim()

    pool._claim = dies_once  # the pool's one loop dies at its next claim
    wait_until(lambda: died, 5, "the loop died")
    key = new_key()
    with server.client(api_key=key) as client:
        rid = client.responses.create(model="gpt-4.1", input="still served?", background=True,
                                      extra_headers={**PACED, "x-mock-tokens-per-second": "0"}).id
        final = wait_until(lambda: (r := client.responses.retrieve(rid)).status in TERMINAL and r, 10, "the job ran")
    assert final.status == "completed"
    assert "the worker loop 0 stopped; restarting it" in caplog.text
