"""/__inspector: the web inspector, one static page (HTML, CSS, JS) shipped inside the package.
It reads everything through /__admin with the credential typed into it, kept in the browser."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from starlette.responses import FileResponse, RedirectResponse
from starlette.staticfiles import StaticFiles

FILES = resources.files("responses_mock") / "inspector"


async def page(request) -> FileResponse:
    return FileResponse(str(FILES / "index.html"), headers={"cache-control": "no-cache"})


async def slash(request) -> RedirectResponse:
    return RedirectResponse("/__inspector/")


def install(app: FastAPI) -> None:
    app.add_route("/__inspector", slash, include_in_schema=False)
    app.add_route("/__inspector/", page, include_in_schema=False)
    app.mount("/__inspector/static", StaticFiles(directory=str(FILES)), name="inspector")
