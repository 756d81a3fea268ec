"""/__inspector: the web inspector, one static page (HTML, CSS, JS) shipped inside the package.
It reads everything through /__admin with the credential typed into it, kept in the browser.
Every file of it (and /favicon.ico, its icon) is served with a strict CSP: its own scripts, styles and calls, images from
itself or data URLs only, never framed; remote images in tenants' input are not fetched."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from starlette.responses import FileResponse, RedirectResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FILES = resources.files("responses_mock") / "inspector"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
_HEADERS = {k.decode(): v.decode() for k, v in SECURITY_HEADERS}


class Secured:
    """An ASGI app with the inspector's security headers on every reply."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, with_headers)


async def page(request) -> FileResponse:
    return FileResponse(str(FILES / "index.html"), headers={"cache-control": "no-cache", **_HEADERS})


async def favicon(request) -> FileResponse:
    """/favicon.ico, which browsers ask for whatever the page names: the inspector's icon (SVG)."""
    return FileResponse(str(FILES / "favicon.svg"), media_type="image/svg+xml",
                        headers={"cache-control": "max-age=86400", **_HEADERS})


async def slash(request) -> RedirectResponse:
    return RedirectResponse("/__inspector/", headers=_HEADERS)


def install(app: FastAPI) -> None:
    app.add_route("/__inspector", slash, include_in_schema=False)
    app.add_route("/__inspector/", page, include_in_schema=False)
    app.add_route("/favicon.ico", favicon, include_in_schema=False)
    app.mount("/__inspector/static", Secured(StaticFiles(directory=str(FILES))), name="inspector")
