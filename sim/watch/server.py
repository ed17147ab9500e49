"""The page and its data over HTTP: a Starlette app, served by uvicorn (docs/watch.md).

GET  /                 the page (?lang=en|zh)
GET  /api/state        what the page shows, as JSON (the page polls it)
POST /api/snapshots    a snapshot's CSV files (multipart), `at` optional; needs the token
GET  /font/cjk.otf     the shipped CJK font, for Chinese on a machine without one
"""

from __future__ import annotations

import sys

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from sim.core.i18n import _, language
from sim.watch.access import bearer, local, token_ok
from sim.watch.intake import Snapshot
from sim.watch.page import page_html
from sim.watch.state import state_json
from sim.watch.watch import Watch

MB = 1024 * 1024


def make_app(watch: Watch, max_upload: int = 32 * MB, lifespan=None) -> Starlette:
    def may_read(request: Request) -> bool:
        host = request.client.host if request.client else None
        given = bearer(request.headers.get("authorization")) or request.query_params.get("token")
        return local(host) or token_ok(watch.store, given)

    async def index(request: Request) -> Response:
        if not may_read(request):
            return PlainTextResponse(_("reading from another machine needs the token (?token=...)") + "\n", 401)
        lang = request.query_params.get("lang") or language()
        lang = "zh" if lang.startswith("zh") else "en"  # the first page in a language cuts its font: not on the loop
        return HTMLResponse(await run_in_threadpool(page_html, watch, lang, request.query_params.get("token")))

    async def state(request: Request) -> Response:
        if not may_read(request):
            return PlainTextResponse(_("reading from another machine needs the token (?token=...)") + "\n", 401)
        body = await run_in_threadpool(state_json, watch)
        return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})

    async def post(request: Request) -> Response:
        client = request.client.host if request.client else "?"
        if not token_ok(watch.store, bearer(request.headers.get("authorization"))):
            text = _("{client}: POST /api/snapshots with a missing or wrong token: refused").format(client=client)
            watch.store.log("unauthorized", text)
            print(text, file=sys.stderr, flush=True)
            return PlainTextResponse(_("a missing or wrong token: send Authorization: Bearer TOKEN") + "\n", 401)
        data, size = await _body(request, max_upload)
        if data is None:
            problem = _("upload of {size:.1f} MB is over the limit of {limit:.0f} MB (--max-upload)").format(
                size=size / MB, limit=max_upload / MB
            )
            intake = await run_in_threadpool(watch.refuse, f"post:{client}", problem)
            return PlainTextResponse(problem + "\n", 413, headers={"X-Snapshot": str(intake.id)})
        try:
            files, at = await _form(request, data)
        except Exception as exc:  # a body that is not multipart form data
            return PlainTextResponse(_("not a multipart upload of CSV files ({error})").format(error=exc) + "\n", 400)
        intake = await run_in_threadpool(watch.take, Snapshot(files, at, f"post:{client}"))
        if intake.state == "refused":
            return PlainTextResponse("\n".join(intake.problems) + "\n", 400, headers={"X-Snapshot": str(intake.id)})
        at_h = None if intake.at is None else intake.at / 3600
        return JSONResponse({"snapshot": intake.id, "state": intake.state, "at_h": at_h})

    routes = [
        Route("/", index),
        Route("/api/state", state),
        Route("/api/snapshots", post, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


async def _body(request: Request, limit: int) -> tuple[bytes | None, int]:
    """The request's body and its size; None over `limit` (read on to the end, so the sender hears why)."""
    body, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            body.append(chunk)
    return (b"".join(body) if size <= limit else None), size


async def _form(request: Request, data: bytes) -> tuple[dict[str, bytes], str]:
    """The uploaded files by name (the file's own name, else the field's) and the `at` field."""

    async def replay() -> dict:
        return {"type": "http.request", "body": data, "more_body": False}

    files, at = {}, ""
    async with Request(request.scope, replay).form(max_files=16, max_fields=16) as form:
        for key, value in form.multi_items():
            if isinstance(value, str):
                at = value if key == "at" else at
            else:
                files[(value.filename or key).rsplit("/", 1)[-1]] = await value.read()
    return files, at
