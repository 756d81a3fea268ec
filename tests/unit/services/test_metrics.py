"""The request metrics (services/metrics.py): tallied per request, folded in when read, they read
as the counter and histogram updated one request at a time would."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from responses_mock.services import metrics as metrics_module
from responses_mock.services.metrics import Metrics

FAMILIES = ("responses_mock_requests", "responses_mock_request_duration_seconds")


def _lines(registry: CollectorRegistry) -> list[str]:
    text = generate_latest(registry).decode()
    return [line for line in text.splitlines() if line.startswith(FAMILIES) and "_created" not in line]


def test_tallies_read_as_the_counter_and_histogram_updated_each_time():
    ours = Metrics(store=None)
    plain = CollectorRegistry()
    requests = Counter("responses_mock_requests", "Requests answered.", ["method", "route", "status"], registry=plain)
    latency = Histogram("responses_mock_request_duration_seconds", "Time to the end of the reply.",
                        ["method", "route"], buckets=metrics_module._BUCKETS, registry=plain)
    # On a bound and either side of it, past the last one, and a second route and status.
    seen = [(0.0005, 200), (0.001, 200), (0.0011, 404), (0.003, 200), (0.25, 200), (31.0, 500), (0.001, 200)]
    for round_ in range(2):  # folded twice: what the first fold took is not counted again
        for seconds, status in seen:
            for route in ("/v1/responses/{response_id}", "/v1/models"):
                ours.observe("GET", route, status, seconds)
                requests.labels("GET", route, str(status)).inc()
                latency.labels("GET", route).observe(seconds)
        ours.fold()
        mine, theirs = _lines(ours.registry), _lines(plain)
        assert [line for line in mine if "_sum" not in line] == [line for line in theirs if "_sum" not in line]
        sums = [(a, b) for a, b in zip(mine, theirs, strict=True) if "_sum" in a]
        assert sums and all(abs(float(a.split()[-1]) - float(b.split()[-1])) < 1e-9 for a, b in sums), round_
