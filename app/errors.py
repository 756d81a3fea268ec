"""OpenAI's error envelope: one APIError base, and the handlers that render every failure in it."""

from __future__ import annotations

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
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


# Route-level messages in the real API's words (unknown URL, wrong method).
def _http_exception(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code == 404:
        return error_response(APIError(
            f"Invalid URL ({request.method} {request.url.path})", status=404))
    if exc.status_code == 405:
        return error_response(APIError(
            f"Invalid method for URL ({request.method} {request.url.path})", status=405))
    return error_response(APIError(str(exc.detail), status=exc.status_code))


def _request_validation(request: Request, exc: RequestValidationError) -> Response:
    # Only query/path parameters reach here: bodies are validated in wire/requests.py.
    from responses_mock.wire.requests import validation_error  # local: wire imports errors

    return error_response(validation_error(exc.errors(), None))


def _unhandled(request: Request, exc: Exception) -> Response:
    return error_response(ServerError("The server had an error while processing your request."))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(APIError, lambda req, exc: error_response(exc, exc.headers))
    app.add_exception_handler(Exception, _unhandled)  # still the envelope (the error is logged too)
    app.add_exception_handler(Disconnect, lambda req, exc: DroppedResponse())
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _request_validation)
