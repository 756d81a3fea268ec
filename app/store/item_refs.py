"""Stored items by id, for `item_reference` inputs: a response's outputs (rows written when it
ends), its input items, a conversation's items — only the tenant's own."""

from __future__ import annotations

from typing import Any

from responses_mock.store import direct

_INSERT = "INSERT INTO response_outputs (response_id, item_id, data) VALUES ($1, $2, $3)"
# Outputs first (what clients mostly refer to), then inputs, then conversation items. Each `$n`
# once: SQLite's placeholders are positional.
_FIND = (
    "SELECT o.data FROM response_outputs o JOIN responses r ON r.id = o.response_id "
    "WHERE o.item_id = $1 AND r.tenant = $2 "
    "UNION ALL SELECT i.data FROM response_items i JOIN responses r ON r.id = i.response_id "
    "WHERE i.item_id = $3 AND r.tenant = $4 "
    "UNION ALL SELECT c.data FROM conversation_items c JOIN conversations v ON v.id = c.conversation_id "
    "WHERE c.item_id = $5 AND v.tenant = $6 LIMIT 1"
)
_REMOVE = "DELETE FROM response_outputs WHERE response_id = $1"


async def add_outputs(conn, response_id: str, items: list[tuple[str, str]]) -> None:
    """(item_id, json) of a response's output items."""
    if items:
        await direct.execute(conn, _INSERT, [(response_id, item_id, data) for item_id, data in items])


async def find(source, tenant: str, item_id: str) -> str | None:
    found = await direct.rows(source, _FIND, item_id, tenant, item_id, tenant, item_id, tenant)
    return found[0][0] if found else None


async def remove(conn: Any, response_id: str) -> None:
    await direct.execute(conn, _REMOVE, (response_id,))
