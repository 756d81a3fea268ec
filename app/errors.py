"""OpenAI's error envelope: one APIError base and its rendering (routes/errors.py installs the handlers)."""

from __future__ import annotations

import orjson
from starlette.responses import Response


class APIError(Exception):
    """An error the real API would return; rendered as {"error": {message, type, param, code}}."""

    status = 400
    type = "invalid_request_error"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None,
                 status: int | None = None, type: str | None = None, headers: dict | None = None) -> None:
        super().__init__(message)
        self.message, self.param, self.code = message, param, code
        self.headers = headers or {}
        if status is not None:
            self.status = status
        if type is not None:
            self.type = type

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


class Disconnect(Exception):
    """An injected fault: drop the connection before a complete reply."""


class StreamCut(Exception):
    """An injected fault: stop a stream mid-way, closing the connection without the stream's end."""


class InvalidRequest(APIError):
    status = 400


class NotFound(APIError):
    status = 404


class Unauthorized(APIError):
    status = 401


class ServerError(APIError):
    status = 500
    type = "server_error"


class DroppedResponse(Response):
    """Announces a body, sends none, and returns: the server closes the connection mid-reply."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})


def error_response(err: APIError, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(err.body()), status_code=err.status, media_type="application/json",
                    headers=headers)


def too_large(limit: int, size: int | None = None) -> APIError:
    got = f" (this one has {size:,})" if size is not None else ""
    return APIError(f"The request body is too large: at most {limit:,} bytes are accepted{got}.", status=413,
                    code="request_too_large")
