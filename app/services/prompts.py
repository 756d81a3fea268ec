"""Prompt templates: versions of instructions and messages with {{variables}}, defined per key
through /__admin/prompts or the fixtures file (PromptsService), and rendered into a request's
context when it names one (`prompt: {id, version, variables}`, render())."""

from __future__ import annotations

import re
import time
from collections import Counter

import anyio
import orjson
from pydantic import BaseModel, ConfigDict, Field

from responses_mock import datafiles
from responses_mock.errors import InvalidRequest, NotFound
from responses_mock.services.tenancy import tenant_of
from responses_mock.store import prompts as prompt_store
from responses_mock.store.handle import Store

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}")
_PLACEHOLDER = re.compile(r"(\{\{\s*([A-Za-z_][\w.-]*)\s*\}\})")  # (the placeholder, its variable)
MAX_RENDERED = 1_000_000  # characters of a rendered template (instructions and messages): README "Limits"
LARGE_TEMPLATE = 64 * 1024  # characters: a template past it is read and rendered off the loop


class TemplateMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str = Field(pattern="^(user|assistant|system|developer)$")
    content: str


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid")
    api_key: str | None = Field(None, exclude=True)  # in the fixtures file: whose (none: every key's)
    id: str = Field(min_length=1, max_length=255)
    version: str = Field("1", min_length=1, max_length=64)
    instructions: str | None = None
    messages: list[TemplateMessage] = Field(default_factory=list)

    def texts(self) -> list[str]:
        return [self.instructions or ""] + [m.content for m in self.messages]

    def variables(self) -> set[str]:
        # finditer, not findall: match by match, so a thread doing it yields the interpreter
        return {m.group(1) for text in self.texts() for m in _VARIABLE.finditer(text)}

    @property
    def large(self) -> bool:
        """Large enough that reading its placeholders, or rendering it, goes to a thread."""
        return sum(map(len, self.texts())) > LARGE_TEMPLATE


def parse(data: object) -> list[Template]:
    """A template, a list of them, or {"prompts": [...]}; errors name the template and field."""
    return datafiles.validate_many(data, "prompts", Template, "prompt template", "invalid_prompt", single="id")


def render_listing(template: Template) -> dict:
    return {"object": "prompt", **template.model_dump(), "variables": sorted(template.variables())}


class PromptsService:
    """The templates of every key. `tenant` None: every tenant's (the admin token only)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def save(self, tenant: str, templates: list[Template]) -> list[dict]:
        async with self.store.begin() as conn:
            for template in templates:
                await prompt_store.save(conn, {"tenant": tenant, "prompt_id": template.id, "version": template.version,
                                               "created_at": time.time(), "content": template.model_dump_json()})
        return await _listings(templates)

    async def load_file(self, path) -> int:
        """The `prompts` of a fixtures file: each for its `api_key`, or (without one) for every key."""
        data = datafiles.load(path)
        if not (isinstance(data, dict) and "prompts" in data):
            return 0
        templates = parse(data["prompts"])
        for template in templates:
            await self.save(tenant_of(template.api_key) if template.api_key else "", [template])
        return len(templates)

    async def listing(self, tenant: str | None) -> list[dict]:
        async with self.store.connect() as conn:
            rows = await prompt_store.listing(conn, tenant)
        return await _listings([Template.model_validate_json(content) for _, _, content in rows])

    async def remove(self, tenant: str | None, prompt_id: str | None = None) -> int:
        async with self.store.begin() as conn:
            return await prompt_store.remove(conn, tenant, prompt_id)


def _value(name: str, value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value.get("type") == "input_text":
        return str(value.get("text", ""))
    raise InvalidRequest(f"Invalid 'prompt.variables.{name}': this server renders text variables (a string or "
                         "an input_text part).", param=f"prompt.variables.{name}", code="invalid_value")


def _rendered_size(text: str, values: dict[str, str]) -> int:
    """len(the text rendered), in one regex pass and no rendering."""
    found = Counter(m.groups() for m in _PLACEHOLDER.finditer(text))
    return len(text) + sum(n * (len(values[name]) - len(whole)) for (whole, name), n in found.items())


async def _listings(templates: list[Template]) -> list[dict]:
    if any(t.large for t in templates):
        return await anyio.to_thread.run_sync(lambda: [render_listing(t) for t in templates])
    return [render_listing(t) for t in templates]


async def render(store: Store, tenant: str, prompt: dict) -> tuple[str | None, list[dict], dict]:
    """(instructions, input messages, the `prompt` the response echoes) of a request's template."""
    prompt_id, version = prompt["id"], prompt.get("version")
    async with store.connect() as conn:
        found = await prompt_store.get(conn, tenant, prompt_id, version)
    if found is None:
        what = f"Version '{version}' of prompt '{prompt_id}'" if version else f"Prompt with id '{prompt_id}'"
        raise NotFound(f"{what} not found.", param="prompt.id", code="prompt_not_found")
    version, content = found
    template = Template.model_validate_json(content)
    variables = prompt.get("variables") or {}
    if template.large:  # its placeholders read match by match in a thread: the loop serves others
        instructions, messages = await anyio.to_thread.run_sync(_rendered, template, variables, prompt_id)
    else:
        instructions, messages = _rendered(template, variables, prompt_id)
    echo = {"id": prompt_id, "version": version, "variables": orjson.loads(orjson.dumps(variables))}
    return instructions, messages, echo


def _rendered(template: Template, variables: dict, prompt_id: str) -> tuple[str | None, list[dict]]:
    """The template's instructions and messages with the variables filled in, or the real API's 400."""
    missing = sorted(template.variables() - set(variables))
    if missing:
        raise InvalidRequest(f"Missing prompt variables: {', '.join(missing)}.", param="prompt.variables",
                             code="missing_prompt_variables")
    values = {name: _value(name, value) for name, value in variables.items()}
    size = sum(_rendered_size(text, values) for text in template.texts())
    if size > MAX_RENDERED:  # measured before rendering: a small template can stand for gigabytes
        raise InvalidRequest(f"Invalid 'prompt.variables': the rendered prompt is too long. Expected at most "
                             f"{MAX_RENDERED:,} characters, but prompt '{prompt_id}' with these variables renders "
                             f"{size:,} characters instead.", param="prompt.variables",
                             code="string_above_max_length")

    def fill(text: str) -> str:
        return _VARIABLE.sub(lambda m: values[m.group(1)], text)

    instructions = fill(template.instructions) if template.instructions is not None else None
    return instructions, [{"type": "message", "role": m.role, "content": fill(m.content)} for m in template.messages]
