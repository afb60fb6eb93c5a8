"""The web app: Starlette routes over a :class:`~captioner.edit.studio.Studio`, behind the
:class:`~captioner.edit.security.Gate`.

Pages: ``/`` (the index) and ``/edit?path=REL`` (a media page); ``/static/...`` their modules and
styles; ``/media/REL`` the media itself (HTTP Range requests, so seeking works in long videos).
The JSON API under ``/api/`` reads (GET) and changes (POST, token header and same origin only).
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from captioner.edit.analysis import EditCue, analyse
from captioner.edit.captions import CaptionReadError
from captioner.edit.paths import OutsideTree
from captioner.edit.peaks import RATE, cached_peaks
from captioner.edit.reflow import reflow
from captioner.edit.retranscribe import Retranscriber
from captioner.edit.security import Gate
from captioner.edit.studio import InvalidCues, StaleSave, Studio
from captioner.errors import CaptionerError

STATIC = Path(str(resources.files("captioner.edit").joinpath("static")))
MAX_BODY = 32 * 1024 * 1024  # an hour of cues is well under 1 MB


class BadRequest(Exception):
    pass


def _error(message: str, status: int, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _path(request: Request) -> str:
    rel = request.query_params.get("path")
    if not rel:
        raise BadRequest("the request names no media (?path=)")
    return rel


async def _body(request: Request) -> dict:
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        raise BadRequest("request too large")
    try:
        data = json.loads(await request.body())
    except ValueError:
        raise BadRequest("the request body is not JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("the request body is not a JSON object")
    return data


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadRequest(f"{name} must be a number of seconds")
    return float(value)


def _text(data: dict, name: str) -> str:
    value = data.get(name) or ""
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be text")
    return value.strip()


def _cues(data: dict) -> list[EditCue]:
    raw = data.get("cues")
    if not isinstance(raw, list):
        raise BadRequest("cues must be a list")
    cues = []
    for k, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise BadRequest(f"cue {k} needs start, end and text")
        cues.append(EditCue(_number(item.get("start"), "start"), _number(item.get("end"), "end"), item["text"]))
    return cues


def create_app(studio: Studio, token: str, port: int, retranscriber: Retranscriber | None = None) -> Gate:
    """The ASGI app for ``studio``, answering only requests with ``token`` on 127.0.0.1:``port``."""
    engine = retranscriber or Retranscriber(studio.config.model)

    def page(name: str) -> HTMLResponse:
        text = (STATIC / name).read_text("utf-8").replace("__CAPTIONER_TOKEN__", token)
        return HTMLResponse(text)

    async def index(request: Request) -> Response:
        return page("index.html")

    async def edit(request: Request) -> Response:
        return page("media.html")

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)

    async def media(request: Request) -> Response:
        path = studio.media_path(request.path_params["path"])
        return FileResponse(path.resolve())

    async def files(request: Request) -> Response:
        rows = await run_in_threadpool(studio.files)
        return JSONResponse({"root": studio.root.name, "files": rows})

    async def document(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(studio.document, _path(request)))

    async def peaks(request: Request) -> Response:
        rel = _path(request)
        path = studio.media_path(rel)

        def compute() -> bytes:
            return cached_peaks(path, studio.scanner.audio_hash(rel))

        data = await run_in_threadpool(compute)
        return Response(data, media_type="application/octet-stream", headers={"x-peaks-rate": str(RATE)})

    async def check_cues(request: Request) -> Response:
        rel, data = _path(request), await _body(request)
        return JSONResponse({"cues": await run_in_threadpool(studio.analyse, rel, _cues(data))})

    async def save(request: Request) -> Response:
        rel, data = _path(request), await _body(request)
        base = data.get("versions")
        if not isinstance(base, dict) or not all(v is None or isinstance(v, str) for v in base.values()):
            raise BadRequest("versions must map formats to the hashes the page loaded")
        try:
            saved = await run_in_threadpool(studio.save, rel, _cues(data), base)
        except StaleSave as exc:
            return _error(str(exc), 409)
        except InvalidCues as exc:
            return _error(f"not saved: {exc}", 422, cues={str(k): v for k, v in exc.errors.items()})
        return JSONResponse(saved)

    async def do_reflow(request: Request) -> Response:
        rel, data = _path(request), await _body(request)
        text = data.get("text")
        if not isinstance(text, str):
            raise BadRequest("text must be a string")
        studio.media_path(rel)
        language = data.get("language") if isinstance(data.get("language"), str) else None
        lines, fits = reflow(text, studio.style_for(rel, language), language or studio.config.language_for(rel))
        return JSONResponse({"text": lines, "fits": fits})

    async def retranscribe(request: Request) -> Response:
        rel, data = _path(request), await _body(request)
        path = studio.media_path(rel)
        start, end = _number(data.get("start"), "start"), _number(data.get("end"), "end")
        language, prompt = _text(data, "language").lower() or None, _text(data, "prompt") or None

        def work() -> dict:
            transcript, _ = studio.transcripts.find(rel)
            known = transcript.language if transcript else studio.config.language_for(rel)
            style = studio.style_for(rel, language or known)
            try:
                cues, heard = engine.propose(path, start, end, style, language, prompt)
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
            return {"language": heard.language, "cues": analyse(cues, heard, style, studio.thresholds)}

        return JSONResponse(await run_in_threadpool(work))

    async def refused(request: Request, exc: Exception) -> Response:
        return _error(str(exc), 403)

    async def bad(request: Request, exc: Exception) -> Response:
        return _error(str(exc), 400)

    async def failed(request: Request, exc: Exception) -> Response:
        return _error(str(exc), 422)

    routes = [
        Route("/", index),
        Route("/edit", edit),
        Route("/favicon.ico", favicon),
        Route("/media/{path:path}", media),
        Route("/api/files", files),
        Route("/api/media", document),
        Route("/api/peaks", peaks),
        Route("/api/analyse", check_cues, methods=["POST"]),
        Route("/api/save", save, methods=["POST"]),
        Route("/api/reflow", do_reflow, methods=["POST"]),
        Route("/api/retranscribe", retranscribe, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            OutsideTree: refused,
            BadRequest: bad,
            CaptionReadError: failed,
            CaptionerError: failed,
        },
    )
    return Gate(app, token, port)
