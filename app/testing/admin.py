"""A small client of /__admin: fixture rules, the request journal, faults — scoped to one API key.

It authenticates as the key itself (admin follows the key, like /v1); given the admin token, it
acts with that instead, on `api_key`'s tenant if given, else on every tenant."""

from __future__ import annotations

import httpx


class AdminClient:
    def __init__(self, base_url: str, api_key: str | None = None, token: str | None = None) -> None:
        credential = token or api_key
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        self.api_key, self.token = api_key, token
        self.http = httpx.Client(base_url=f"{base_url.rstrip('/')}/__admin", headers=headers, timeout=30)

    def _scope(self) -> dict:
        return {"api_key": self.api_key} if self.api_key and self.token else {}

    def _ok(self, response: httpx.Response) -> dict:
        if response.status_code >= 400:
            raise AssertionError(f"admin call failed ({response.status_code}): {response.text}")
        return response.json()

    def add(self, *rules: dict) -> list[dict]:
        """Add fixture rules (scoped to this client's key); returns them with their ids."""
        return self._ok(self.http.post("/fixtures", params=self._scope(), json=list(rules)))["data"]

    def respond(self, match: dict | None = None, **respond) -> dict:
        """Shorthand: `admin.respond({"input_contains": "hi"}, text="Hello!")`."""
        return self.add({"match": match or {}, "respond": respond})[0]

    def fail_with(self, status: int, *, times: int | None = 1, retry_after: float | None = None,
                  path: str | None = None, **match) -> dict:
        """Inject an HTTP error (on POST /v1/responses, or on any `path` regex)."""
        if times is not None:
            match["times"] = times
        if path is not None:
            match["path"] = path
        error = {"status": status} | ({"retry_after": retry_after} if retry_after is not None else {})
        return self.add({"match": match, "respond": {"http_error": error}})[0]

    def prompt(self, *templates: dict) -> list[dict]:
        """Add prompt templates for this key: {"id", "version", "instructions", "messages"}."""
        return self._ok(self.http.post("/prompts", params=self._scope(), json=list(templates)))["data"]

    def fixtures(self) -> list[dict]:
        return self._ok(self.http.get("/fixtures", params=self._scope()))["data"]

    def requests(self, **filters) -> list[dict]:
        """Journal entries, oldest first (filters: method, path, status, fixture_id, limit, order)."""
        return self._ok(self.http.get("/requests", params={**self._scope(), **filters}))["data"]

    def reset(self) -> None:
        self._ok(self.http.post("/reset", params=self._scope()))

    def close(self) -> None:
        self.http.close()
