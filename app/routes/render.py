"""JSON replies: objects encoded with orjson, stored JSON text served as it is."""

from __future__ import annotations

import orjson
from starlette.responses import Response


def json(obj: object, status: int = 200) -> Response:
    return Response(orjson.dumps(obj), status_code=status, media_type="application/json")


def raw_json(body: str | bytes) -> Response:
    return Response(body, media_type="application/json")
