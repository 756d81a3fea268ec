"""The app's exception handlers: every error a route or the framework raises leaves in OpenAI's
envelope (errors.py renders it), a framework 404/405 in the real API's words."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from responses_mock.errors import APIError, Disconnect, DroppedResponse, ServerError, error_response
from responses_mock.services.endings import SERVER_ERROR
from responses_mock.wire.requests import validation_error


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
    return error_response(validation_error(exc.errors(), None))


def _unhandled(request: Request, exc: Exception) -> Response:
    return error_response(ServerError(SERVER_ERROR))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(APIError, lambda req, exc: error_response(exc, exc.headers))
    app.add_exception_handler(Exception, _unhandled)  # still the envelope (the error is logged too)
    app.add_exception_handler(Disconnect, lambda req, exc: DroppedResponse())
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _request_validation)
