"""A quick wrk check while working: the bare routes and this server (SQLite), create, retrieve and
the 65-event stream, interleaved for `--rounds`; ratios of the best round. The full record is
`python -m bench.run --write`.

    .venv/bin/python -m bench.quick --rounds 2 --duration 4
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import httpx

from bench import wrk
from bench.servers import fresh_store, start_baseline, start_mock

AUTH = {"Authorization": "Bearer sk-bench"}
CREATE = json.dumps({"model": "gpt-4.1", "input": "Hello there, how are you today?"}).encode()
STREAM = json.dumps({"model": "gpt-4.1", "input": "Hello there, how are you today?", "stream": True}).encode()
FAST = {"x-mock-queue-delay": "0", "x-mock-time-to-first-token": "0", "x-mock-tokens-per-second": "0"}


def _created(server, path: str) -> str:
    return httpx.post(server.url + path, content=CREATE, headers={**AUTH, "content-type": "application/json"}).json()["id"]


def measures(server, bare: bool) -> dict[str, tuple]:
    """What is measured of each; the bare side's stored routes (SQLAlchemy, one transaction a
    create) stand beside ours as the stack's own price of a stored write."""
    rid = "x" if bare else _created(server, "/v1/responses")
    out = {"create": ("POST", "/v1/responses", CREATE, {}),
           "retrieve": ("GET", f"/v1/responses/{rid}", b"", {}),
           "stream": ("POST", "/v1/stream/per-event" if bare else "/v1/responses", STREAM, FAST),
           "stream c=1": ("POST", "/v1/stream/per-event" if bare else "/v1/responses", STREAM, FAST)}
    if bare:
        out["stored create"] = ("POST", "/v1/stored/responses", CREATE, {})
        out["stored retrieve"] = ("GET", f"/v1/stored/responses/{_created(server, '/v1/stored/responses')}", b"", {})
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--duration", type=float, default=4)
    p.add_argument("--only", nargs="*")
    args = p.parse_args()
    best: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for who in ("bare", "ours"):
                server = start_baseline() if who == "bare" else start_mock(fresh_store("sqlite", Path(tmp)))
                try:
                    for name, (method, path, body, headers) in measures(server, who == "bare").items():
                        if args.only and name not in args.only:
                            continue
                        c = 1 if name.endswith("c=1") else 32
                        r = wrk.load(server.url, path, method=method, body=body, headers={**AUTH, **headers},
                                     connections=c, duration=args.duration)
                        value = r.p50_ms if c == 1 else r.rps
                        print(f"{who:5} {name:15} {value:9.2f} {'ms p50' if c == 1 else 'req/s'}  errors {r.errors}",
                              flush=True)
                        key = (who, name)
                        best[key] = (min if c == 1 else max)(best.get(key, value), value)
                finally:
                    server.stop()
    for name in ("create", "retrieve", "stream"):
        if ("ours", name) in best:
            print(f"{name:9} ours ÷ bare {best['ours', name] / best['bare', name]:.2f}×")
        if ("ours", name) in best and ("bare", f"stored {name}") in best:
            print(f"{name:9} ours ÷ bare stored (SQLAlchemy) {best['ours', name] / best['bare', f'stored {name}']:.2f}×")
    if ("ours", "stream c=1") in best:
        print(f"stream alone: ours {best['ours', 'stream c=1']:.2f} ms, bare {best['bare', 'stream c=1']:.2f} ms")


if __name__ == "__main__":
    main()
