"""Scripted fixtures: load rules (file at start, admin API at run time), and pick the rule that
answers a request. Rules live in the database, so every replica sees the same rules and counts
`call`/`times` on the same counters.

Order: higher `priority` first, then the most recently added (so a test can override a file's
rule by adding one). A key's own rules and global rules compete in that one order. Recorded rules
(`match.request`) are found by their request's digest, however many there are; the others are
scanned; the rules found either way are then tried in that one order.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path

import anyio
import orjson
import yaml

from responses_mock import datafiles, ids
from responses_mock.backends.base import ModelContext
from responses_mock.errors import APIError, InvalidRequest, NotFound
from responses_mock.limits import MAX_RATE
from responses_mock.services.tenancy import tenant_of
from responses_mock.store import fixtures as fixture_store
from responses_mock.store import pg_listen
from responses_mock.store.handle import Store
from responses_mock.wire import patterns
from responses_mock.wire.fixtures import Pace, Recorded, Rule

LARGE_RULES = 1 << 20  # characters of a key's rules parsed and indexed off the loop


@dataclass(frozen=True)
class Loaded:
    id: str
    rule: Rule


@dataclass(frozen=True)
class Rules:
    """A key's rules in matching order, indexed: fault rules (`match.path`) apart, recorded rules
    by their request digest, the other create rules to scan. Each with its place in the order."""

    ordered: tuple[Loaded, ...] = ()
    faults: tuple[Loaded, ...] = ()
    scanned: tuple[tuple[int, Loaded], ...] = ()
    by_digest: dict[str, tuple[tuple[int, Loaded], ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, loaded: list[Loaded]) -> Rules:
        faults, scanned, by_digest = [], [], {}
        for place, one in enumerate(loaded):
            m = one.rule.match
            if m.path is not None:
                faults.append(one)
            elif m.request is not None:
                by_digest.setdefault(m.request.digest, []).append((place, one))
            else:
                scanned.append((place, one))
        return cls(tuple(loaded), tuple(faults), tuple(scanned), {k: tuple(v) for k, v in by_digest.items()})

    def __bool__(self) -> bool:
        return bool(self.ordered)

    def __iter__(self):
        return iter(self.ordered)

    def __len__(self) -> int:
        return len(self.ordered)

    def recorded_for(self, digest: str) -> tuple[tuple[int, Loaded], ...]:
        return self.by_digest.get(digest, ())


@dataclass(frozen=True)
class CreateFacts:
    """What a `POST /v1/responses` rule can match on."""

    model: str  # as requested
    snapshot: str
    user_text: str
    instructions: str
    metadata: dict
    tool_names: frozenset[str]
    has_tool_output: bool
    conversation: str | None
    previous_response_id: str | None
    stream: bool
    background: bool
    params: dict = field(default_factory=dict, repr=False)

    @cached_property
    def request_digest(self) -> str:
        """Only when a recorded rule asks: normalising the input costs in proportion to it."""
        return Recorded.of(self.params).digest


def facts(params: dict, ctx: ModelContext, conversation: str | None) -> CreateFacts:
    """What rules match on. Tools are all those on offer — the request's and those of its
    additional_tools items (Codex's default model sends no `tools`) — and, for a namespace tool,
    the namespace's name and every tool grouped in it."""
    names = set()
    todo = list(ctx.tools)
    while todo:
        tool = todo.pop()
        names.add(tool.get("type", ""))
        if tool.get("name"):
            names.add(tool["name"])
        if tool.get("type") == "namespace":
            todo += [t for t in tool.get("tools") or [] if isinstance(t, dict)]
    return CreateFacts(
        model=params.get("model", ""), snapshot=ctx.model, user_text=ctx.last_user_text,
        instructions=ctx.instructions or "", metadata=params.get("metadata") or {}, tool_names=frozenset(names),
        has_tool_output=any(str(i.get("type", "")).endswith("_output") for i in ctx.turn_items),
        conversation=conversation, previous_response_id=params.get("previous_response_id"),
        stream=bool(params.get("stream")), background=bool(params.get("background")), params=params)


def _accepts(rule: Rule, f: CreateFacts) -> bool:
    m = rule.match
    checks = (
        m.model is None or m.model in (f.model, f.snapshot),
        m.model_regex is None or patterns.search(m.model_regex, f.model) or patterns.search(m.model_regex, f.snapshot),
        m.input_contains is None or m.input_contains.lower() in f.user_text.lower(),
        m.input_regex is None or patterns.search(m.input_regex, f.user_text),
        m.instructions_contains is None or m.instructions_contains.lower() in f.instructions.lower(),
        m.metadata is None or all(f.metadata.get(k) == v for k, v in m.metadata.items()),
        m.tools is None or set(m.tools) <= f.tool_names,
        m.has_tools is None or m.has_tools == bool(f.tool_names),
        m.has_tool_output is None or m.has_tool_output == f.has_tool_output,
        m.conversation is None or m.conversation == f.conversation,
        m.previous_response_id is None or m.previous_response_id == f.previous_response_id,
        m.stream is None or m.stream == f.stream,
        m.background is None or m.background == f.background,
        m.request is None or m.request.digest == f.request_digest,
    )
    return all(checks)


def strict_miss(params: dict) -> InvalidRequest:
    """--strict: a create no rule answers is refused, naming what missed (an extra of ours)."""
    request = Recorded.of(params)
    said = ""
    for item in reversed(request.input):
        parts = item.get("content") if isinstance(item, dict) else None
        if isinstance(parts, list):
            said = " ".join(p.get("text", "") for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str))
            break
        if isinstance(item, dict) and isinstance(item.get("output"), str):
            said = item["output"]
            break
    said = said if len(said) <= 60 else said[:57] + "..."
    return InvalidRequest(f"No fixture rule matches this request (model '{request.model}', input "
                          f"'{said}', request digest {request.digest[:12]}), and the server runs in strict mode: record it, "
                          "or add a rule for it.", param="input", code="fixture_not_found")


def scaled(pace: Pace, speed: float) -> Pace:
    """A recording's pace played `speed` times faster (0: unpaced)."""
    if not speed:
        return Pace(time_to_first_token=0, tokens_per_second=0)
    rate = pace.tokens_per_second
    rate = rate and (rate * speed if rate * speed <= MAX_RATE else 0)  # past the bound: unpaced, faster still
    return Pace(queue_delay=pace.queue_delay and pace.queue_delay / speed, tokens_per_second=rate,
                time_to_first_token=pace.time_to_first_token and pace.time_to_first_token / speed)


def parse_rules(data: object) -> list[Rule]:
    """A rule, a list of rules, or {"rules": [...]}, validated; errors name the rule and field."""
    return datafiles.validate_many(data, "rules", Rule, "fixture rule", "invalid_fixture", single="respond")


def read_file(path: Path) -> list[Rule]:
    return parse_rules(datafiles.load(path))


class FixturesService:
    def __init__(self, store: Store, replay_speed: float = 1.0) -> None:
        self.store = store
        self.replay_speed = replay_speed  # recorded rules' pace, scaled when they are matched
        self._parsed: dict[tuple[str, str], Rule] = {}  # (id, rule json) → parsed, not re-validated per request
        self._cache: dict[str, tuple[int, Rules]] = {}  # tenant → (version, its candidate rules)
        self.version = 0

    def _row_rule(self, row: fixture_store.Row) -> Rule:
        key = (row.id, row.rule)
        rule = self._parsed.get(key)
        if rule is None:
            if len(self._parsed) > 10_000:
                self._parsed.clear()
            rule = Rule.model_validate_json(row.rule)
            r = rule.respond
            if rule.match.request is not None and r.pace is not None and self.replay_speed != 1:
                rule = rule.model_copy(update={"respond": r.model_copy(
                    update={"pace": scaled(r.pace, self.replay_speed)})})
            self._parsed[key] = rule
        return rule

    # -- loading and admin -------------------------------------------------------------------

    async def load_file(self, path: Path) -> int:
        """Add a file's rules once: their ids derive from their content, so every replica (and
        every restart) loading the same file adds them only once."""
        rules = read_file(path)
        rows = []
        for i, rule in enumerate(rules):
            digest = hashlib.sha256(rule.model_dump_json().encode()).hexdigest()[:24]
            rows.append(self._row(rule, rule.id or f"file_{digest}_{i}", "file"))
        async with self.store.begin() as conn:
            present = await fixture_store.existing_ids(conn, [r["id"] for r in rows])
            await fixture_store.insert(conn, [r for r in rows if r["id"] not in present])
            await self._announce(conn)
        self.changed()
        return len(rows)

    @staticmethod
    def _row(rule: Rule, fixture_id: str, source: str, text: str | None = None) -> dict:
        stored = rule.model_copy(update={"id": fixture_id, "api_key": None})
        return {"id": fixture_id, "tenant": tenant_of(rule.api_key) if rule.api_key else "",
                "priority": rule.priority, "source": source, "created_at": time.time(),
                "rule": text if text is not None else stored.model_dump_json(by_alias=True, exclude_none=True)}

    async def add(self, data: object, *, owner: str | None, admin: bool) -> list[dict]:
        """Add rules. A key's rules apply to that key alone (`owner`); only the admin token adds
        rules for every tenant (no `api_key`) or for a key of its choosing."""
        rules = parse_rules(data)
        for i, rule in enumerate(rules):
            if not admin and rule.api_key is not None and tenant_of(rule.api_key) != owner:
                raise APIError("A rule added with an API key applies to that key alone; scoping it to "
                               "another key needs the admin token.", status=403, param=f"rules[{i}].api_key",
                               code="forbidden")
        rows = [self._row(rule, rule.id or ids.new_id("fx"), "admin") for rule in rules]
        if owner is not None:
            for row in rows:
                row["tenant"] = owner
        async with self.store.begin() as conn:
            taken = await fixture_store.existing_ids(conn, [r["id"] for r in rows])
            if taken:
                raise InvalidRequest(f"A fixture with id '{sorted(taken)[0]}' already exists.", param="id",
                                     code="duplicate_fixture")
            await fixture_store.insert(conn, rows)
            await self._announce(conn)
        self.changed()
        return [self.render(fixture_store.Row(r["id"], r["tenant"], r["priority"], r["source"], r["rule"], 0))
                for r in rows]

    async def record(self, rule: Rule, tenant: str) -> str:
        """Save a recording (services/recording.py) as a rule of the key that made the request."""
        fixture_id = ids.new_id("fx")
        # Defaults left out: a recording is committed to a repository and read in review. Written
        # in a thread: a create of megabytes is recorded as large.
        text = await anyio.to_thread.run_sync(partial(rule.model_copy(update={"id": fixture_id}).model_dump_json,
                                                      by_alias=True, exclude_defaults=True))
        row = self._row(rule, fixture_id, "recorded", text)
        row["tenant"] = tenant
        if rule.match.times is not None:  # spent here (the recorder forwarded them); an export starts afresh
            row["seen"] = rule.match.times
        async with self.store.begin() as conn:
            await fixture_store.insert(conn, [row])
            await self._announce(conn)
        self.changed()
        return row["id"]

    async def export(self, tenant: str | None) -> dict:
        """The rules as a file `--fixtures` loads: one key's (unscoped: a replay uses any key), or
        every tenant's with the admin token. Counters (`seen`) are state, not rules: left out."""
        async with self.store.connect() as conn:
            rows = await fixture_store.listing(conn, tenant)
        # Matching order reversed: a file's order (among equal priorities its last rule wins).
        return {"rules": [orjson.loads(r.rule) for r in reversed(rows)]}

    @staticmethod
    def export_text(document: dict, fmt: str) -> bytes:
        """The export as a file's text (YAML: keys in the rule's own order, readable in a diff)."""
        if fmt == "yaml":
            return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120).encode()
        return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"

    def render(self, row: fixture_store.Row) -> dict:
        return {"id": row.id, "object": "fixture", "scoped": bool(row.tenant), "priority": row.priority,
                "source": row.source, "seen": row.seen, "rule": orjson.loads(row.rule)}

    # `tenant`: one tenant's rules, or None for every tenant's (the admin token only).
    async def listing(self, tenant: str | None) -> list[dict]:
        async with self.store.connect() as conn:
            rows = await fixture_store.listing(conn, tenant)
        return [self.render(r) for r in rows]

    async def remove(self, fixture_id: str, tenant: str | None) -> None:
        async with self.store.begin() as conn:
            if not await fixture_store.remove(conn, fixture_id=fixture_id, tenant=tenant):
                raise NotFound(f"No fixture with id '{fixture_id}'.")
            await self._announce(conn)
        self.changed()

    async def clear(self, tenant: str | None) -> int:
        async with self.store.begin() as conn:
            removed = await fixture_store.remove(conn, tenant=tenant)
            await self._announce(conn)
        self.changed()
        return removed

    # -- matching ----------------------------------------------------------------------------

    async def candidates(self, tenant: str) -> Rules:
        """The rules for a key, from a per-process cache: every request asks, rules rarely change.
        Changes here invalidate it at once; changes by another replica arrive by Postgres NOTIFY."""
        version = self.version
        cached = self._cache.get(tenant)
        if cached is not None and cached[0] == version:
            return cached[1]
        async with self.store.connect() as conn:
            rows = await fixture_store.candidates(conn, tenant)
        index = lambda: Rules.of([Loaded(r.id, self._row_rule(r)) for r in rows])
        # Parsing and hashing megabytes of rules (a large recording's request): in a thread.
        loaded = await anyio.to_thread.run_sync(index) if sum(len(r.rule) for r in rows) > LARGE_RULES else index()
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[tenant] = (version, loaded)
        return loaded

    def changed(self) -> None:
        self.version += 1

    async def _announce(self, conn) -> None:
        """Tell every replica the rules changed (delivered at commit; this process bumps its own
        version after the commit, so no request caches what is about to change)."""
        await pg_listen.notify(conn, pg_listen.FIXTURES)

    async def _counted(self, loaded: Loaded) -> bool:
        """Count this request for a rule with `call`/`times`; True if the rule answers it."""
        m = loaded.rule.match
        if m.call is None and m.times is None:
            return True
        async with self.store.begin() as conn:
            seen = await fixture_store.count_seen(conn, loaded.id)
        if seen is None:
            return False
        return (m.call is None or seen == m.call) and (m.times is None or seen <= m.times)

    async def _first(self, accepted: list[Loaded]) -> Loaded | None:
        """The first rule whose counters allow it. Every accepting rule counts the request, even
        when an earlier one answers it: `call: 2` means the second such request, whoever answered
        the first."""
        chosen = None
        for loaded in accepted:
            if await self._counted(loaded) and chosen is None:
                chosen = loaded
        return chosen

    async def for_request(self, rules: Rules, method: str, path: str) -> Loaded | None:
        """A fault rule (`match.path`) for any endpoint."""
        return await self._first([
            loaded for loaded in rules.faults
            if patterns.search(loaded.rule.match.path, path)
            and (not loaded.rule.match.method or loaded.rule.match.method.upper() == method)])

    async def for_create(self, rules: Rules, f: CreateFacts, *, heavy: bool = False) -> Loaded | None:
        """The rule answering a create: the recorded rules of its digest (a lookup; the request is
        normalised only when the key has recorded rules, in a thread when its input is `heavy`)
        and the scanned rules that accept it, tried in the one matching order."""
        if rules.by_digest and heavy:  # megabytes of input normalised and hashed: 0.5 s for 40 MB
            await anyio.to_thread.run_sync(getattr, f, "request_digest")  # cached on the facts
        recorded = rules.recorded_for(f.request_digest) if rules.by_digest else ()
        accepted = [(place, loaded) for place, loaded in (*recorded, *rules.scanned) if _accepts(loaded.rule, f)]
        if recorded and rules.scanned:
            accepted.sort(key=lambda pair: pair[0])
        return await self._first([loaded for _, loaded in accepted])

    async def has_recording(self, tenant: str, params: dict) -> bool:
        """Whether a recorded rule of this key (or a file's) was made for exactly this request."""
        rules = await self.candidates(tenant)
        if not rules.by_digest:
            return False
        # Asked before the input is measured (a model the catalog lacks, a rare create): in a thread.
        digest = await anyio.to_thread.run_sync(lambda: Recorded.of(params).digest)
        return bool(rules.recorded_for(digest))
