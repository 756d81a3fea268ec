"""The inspector's reads over a large journal: 100,000 entries of one key (and as many of another),
paged and filtered, against `GET /v1/models/{id}` measured in the same run (a cheap /v1 read).

    .venv/bin/python -m bench.inspector            # SQLite; --entries N, --postgres URL
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from responses_mock.services.tenancy import tenant_of
from responses_mock.store import journal as journal_store
from responses_mock.store.handle import Store
from responses_mock.testing.server import MockServer

KEY, OTHER = "sk-inspect", "sk-else"


async def seed(url: str, entries: int) -> None:
    store = Store(url, 4)
    body = '{"model":"%s","input":"entry %d"}'
    try:
        for start in range(0, entries, 5000):
            rows = []
            for i in range(start, min(start + 5000, entries)):
                for key in (KEY, OTHER):
                    model = ("gpt-4.1", "gpt-4o", "gpt-5-mini")[i % 3]
                    rows.append({"id": f"req_{key}_{i}", "tenant": tenant_of(key), "at": time.time(), "method": "POST",
                                 "path": "/v1/responses", "query": "", "headers": "{}", "body": body % (model, i),
                                 "status": 200 if i % 50 else 429, "fixture_id": None, "duration_ms": 1.0,
                                 "model": model})
            async with store.direct.transaction() as tx:
                await journal_store.append(tx, rows)
    finally:
        await store.dispose()


def timed(http: httpx.Client, path: str, n: int, **params) -> float:
    """Median milliseconds of `n` reads."""
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        r = http.get(path, params=params)
        samples.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200, r.text
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("-n", type=int, default=40)
    args = parser.parse_args()
    settings = {"journal_keep": args.entries * 3}
    with MockServer(args.postgres, **settings) as server:
        asyncio.run(seed(server.settings.resolved_database_url, args.entries))
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as http:
            middle = http.get("/__admin/requests", params={"order": "desc", "limit": 1}).json()["data"][0]["cursor"] // 2
            base = timed(http, "/v1/models/gpt-4.1", args.n)
            rows = [
                ("/v1/models/gpt-4.1 (baseline)", base),
                ("journal, newest 50", timed(http, "/__admin/requests", args.n, order="desc", limit=50)),
                ("journal, 50 from the middle", timed(http, "/__admin/requests", args.n, order="desc", limit=50, after=middle)),
                ("journal, model=gpt-4o", timed(http, "/__admin/requests", args.n, order="desc", limit=50, model="gpt-4o")),
                ("journal, status=429", timed(http, "/__admin/requests", args.n, order="desc", limit=50, status=429)),
                ("responses, newest 50", timed(http, "/__admin/responses", args.n, limit=50)),
            ]
    print(f"{args.entries:,} journal entries for the key (and as many for another), median of {args.n} reads:")
    for name, ms in rows:
        print(f"  {name:34s} {ms:7.2f} ms  ({ms / base:4.1f}× the baseline)")


if __name__ == "__main__":
    main()
