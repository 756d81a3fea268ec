"""Which Host headers a server answers, against DNS rebinding: a page on another site whose name
now resolves to 127.0.0.1 reaches a loopback server with its own name in Host, and is refused."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """A loopback name or address (`localhost`, `*.localhost`, 127.0.0.0/8, ::1)."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):  # browsers resolve these to loopback themselves
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def hostname(header: str) -> str:
    """The name of a Host header, without its port: `[::1]:8000` → `::1`, `Example.com.` → `example.com`."""
    header = header.strip().lower()
    if header.startswith("["):
        name = header[1:header.find("]")] if "]" in header else header[1:]
    elif header.count(":") == 1:
        name = header.split(":", 1)[0]
    else:
        name = header  # a bare IPv6 address, or no port
    return name.rstrip(".")


class HostPolicy:
    """Loopback names always; `allowed` patterns beside them (Django's ALLOWED_HOSTS: `*` any name,
    `.example.com` the domain and its subdomains, else exact). No patterns: any name, unless the
    server listens on loopback only."""

    def __init__(self, bind_host: str, allowed: list[str]) -> None:
        patterns = ["*" if p.strip() == "*" else hostname(p.strip().removeprefix("*")) for p in allowed if p.strip()]
        self.any = "*" in patterns or (not patterns and not is_loopback(bind_host))
        self.exact = frozenset(p for p in patterns if not p.startswith("."))
        self.domains = tuple(p for p in patterns if p.startswith("."))
        self._decided: dict[str, bool] = {}  # every request of a client sends the same Host: decide it once

    def allows(self, header: str | None) -> bool:
        if self.any or header is None:  # no Host at all (HTTP/1.0): not a browser's request
            return True
        found = self._decided.get(header)
        if found is None:
            name = hostname(header)
            found = (is_loopback(name) or name in self.exact
                     or any(name == d[1:] or name.endswith(d) for d in self.domains))
            if len(self._decided) >= 1024:  # bounded: a scan of made-up names cannot grow it
                self._decided.clear()
            self._decided[header] = found
        return found
