"""Prometheus metrics of one server process: requests, latency, open streams, and the shared
job queue (read from the database at scrape time, so every replica reports the same queue)."""

from __future__ import annotations

import math
from bisect import bisect_left

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from responses_mock.store import jobs as job_store
from responses_mock.store.handle import Store

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_BOUNDS = (*map(float, _BUCKETS), math.inf)  # the histogram's upper bounds, +Inf last


class Metrics:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.registry = CollectorRegistry()  # one per app: tests run several servers in one process
        self.requests = Counter("responses_mock_requests", "Requests answered.", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("responses_mock_request_duration_seconds", "Time to the end of the reply.",
                                 ["method", "route"], buckets=_BUCKETS, registry=self.registry)
        self.streams = Gauge("responses_mock_stream_subscribers", "SSE streams open on this process.",
                             registry=self.registry)
        self.jobs = Gauge("responses_mock_jobs", "Background jobs in the shared queue.", ["state"],
                          registry=self.registry)
        # (method, route, status) → [requests, seconds, per-bucket counts, counter, histogram]
        self._tallies: dict[tuple[str, str, int], list] = {}
        self.local_jobs = Gauge("responses_mock_worker_running_jobs", "Background jobs this process runs.",
                                registry=self.registry)
        self.journal_dropped = Counter("responses_mock_journal_dropped", "Journal entries dropped: refused by "
                                       "the store, or waiting too long (or too many) while it was away.",
                                       registry=self.registry)
        self.journal_backlog = Gauge("responses_mock_journal_backlog", "Journal entries waiting to be written.",
                                     registry=self.registry)
        # Postgres: other replicas' changes arrive on the LISTEN connection (store/pg_listen.py).
        self.listen_connected = Gauge("responses_mock_listen_connected", "1 while this process's Postgres "
                                      "LISTEN connection is up (0 on SQLite, and while it reconnects).",
                                      registry=self.registry)
        self.listen_reconnects = Gauge("responses_mock_listen_reconnects", "Times this process's Postgres "
                                       "LISTEN connection was lost and made again.", registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """A request answered. Tallied here and folded into the counter and histogram when they
        are read (`render`): their own updates cost ~12k instructions a request, this ~1k."""
        tally = self._tallies.get((method, route, status))
        if tally is None:
            tally = self._tally(method, route, status)
        tally[0] += 1
        tally[1] += seconds
        tally[2][bisect_left(_BOUNDS, seconds)] += 1  # the histogram's: the first bound >= seconds

    def _tally(self, method: str, route: str, status: int) -> list:
        # The label set's children made at its first request (their `_created` time), as before.
        tally = self._tallies[method, route, status] = [0, 0.0, [0] * len(_BOUNDS),
                                                        self.requests.labels(method, route, str(status)),
                                                        self.latency.labels(method, route)]
        return tally

    def fold(self) -> None:
        """What was tallied since, into the counter and the histogram."""
        for tally in self._tallies.values():
            count, total, buckets, requests, latency = tally
            if not count:
                continue
            requests.inc(count)
            latency._sum.inc(total)  # the histogram's own parts: it has no update of many at once
            for i, n in enumerate(buckets):
                if n:
                    latency._buckets[i].inc(n)
                    buckets[i] = 0
            tally[0], tally[1] = 0, 0.0

    async def render(self, running_here: int) -> bytes:
        self.fold()
        try:
            async with self.store.connect() as conn:
                counts = await job_store.counts(conn)
        except Exception:  # the store is away: the rest still answers (the queue's last counts)
            counts = None
        for state in ("queued", "running"):
            if counts is not None:
                self.jobs.labels(state).set(counts.get(state, 0))
        self.local_jobs.set(running_here)
        return generate_latest(self.registry)
