"""wrk (Debian's package) driven from Python: one thread, N keep-alive connections, a Lua script
for the method, body and headers; its summary parsed. Where wrk is missing, bench/loadgen.py
measures instead (same connections and duration; its own client costs more CPU, so the
machine's second core is shared less well — the table says which one measured)."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.loadgen import run

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass
class Load:
    """What one load run measured."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    tool: str

    def row(self) -> dict:
        return {"rps": round(self.rps, 1), "p50_ms": round(self.p50_ms, 2), "p99_ms": round(self.p99_ms, 2),
                "requests": self.requests, "errors": self.errors, "tool": self.tool}


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua(method: str, body: bytes, headers: dict[str, str]) -> str:
    lines = [f'wrk.method = "{method}"']
    if body:
        lines.append(f"wrk.body = [==[{body.decode()}]==]")
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    return "\n".join(lines) + "\n"


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def parse(out: str) -> Load:
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    pct = dict(re.findall(r"^\s+(50|99)(?:\.000)?%\s+(\S+)", out, re.M))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return Load(rps, _ms(pct.get("50", "nan")), _ms(pct.get("99", "nan")), requests, errors, "wrk")


def load(url: str, path: str, *, method: str = "GET", body: bytes = b"", headers: dict[str, str] | None = None,
         connections: int = 32, duration: float = 8.0, warmup: float = 1.0) -> Load:
    """`connections` connections for `duration` seconds after a `warmup` (not counted)."""
    headers = {**({"Content-Type": "application/json"} if body else {}), **(headers or {})}
    if not available():
        return asyncio.run(_loadgen(url, path, method, body, headers, connections, duration, warmup))
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "request.lua"
        script.write_text(_lua(method, body, headers))
        base = ["wrk", "-t1", f"-c{connections}", "-s", str(script), "--latency", url + path]
        if warmup:
            subprocess.run([*base[:3], f"-d{max(1, round(warmup))}s", *base[3:]], capture_output=True, check=True)
        out = subprocess.run([*base[:3], f"-d{max(1, round(duration))}s", "--timeout", "10s", *base[3:]],
                             capture_output=True, text=True, check=True).stdout
    return parse(out)


async def _loadgen(url: str, path: str, method: str, body: bytes, headers: dict[str, str], connections: int,
                   duration: float, warmup: float) -> Load:
    make = lambda i: (method, path, body)
    headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}  # loadgen sends its own
    if warmup:
        await run(url, headers, make, connections=connections, duration=warmup)
    r = await run(url, headers, make, connections=connections, duration=duration)
    return Load(r.rps, r.pct(50), r.pct(99), r.requests, r.errors, "loadgen")
