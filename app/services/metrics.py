"""Prometheus metrics of one server process: requests, latency, open streams, and the shared
job queue (read from the database at scrape time, so every replica reports the same queue)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from responses_mock.store import jobs as job_store
from responses_mock.store.handle import Store

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


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
        self._children: dict[tuple, tuple] = {}
        self.local_jobs = Gauge("responses_mock_worker_running_jobs", "Background jobs this process runs.",
                                registry=self.registry)
        self.journal_dropped = Counter("responses_mock_journal_dropped", "Journal entries dropped: refused by "
                                       "the store, or waiting too long (or too many) while it was away.",
                                       registry=self.registry)
        self.journal_backlog = Gauge("responses_mock_journal_backlog", "Journal entries waiting to be written.",
                                     registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:  # label lookups cost more than the update: once per label set
            children = self._children[key] = (self.requests.labels(method, route, str(status)),
                                              self.latency.labels(method, route))
        children[0].inc()
        children[1].observe(seconds)

    async def render(self, running_here: int) -> bytes:
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
