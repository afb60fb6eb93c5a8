"""The web app: Starlette routes over a :class:`~captioner.edit.studio.Studio`, behind the
:class:`~captioner.edit.security.Gate`.

Pages: ``/`` (the index) and ``/edit?path=REL`` (a media page); ``/static/...`` their modules and
styles; ``/media/REL`` the media itself (HTTP Range requests, so seeking works in long videos).
The JSON API under ``/api/`` reads (GET) and changes (POST, token header and same origin only).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any, TypeGuard

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
from captioner.edit.shots import cached_shots
from captioner.edit.studio import InvalidCues, StaleSave, Studio
from captioner.edit.treereplace import TreeReplace
from captioner.edit.voices import checked_voices
from captioner.errors import CaptionerError

STATIC = Path(str(resources.files("captioner.edit").joinpath("static")))
MAX_BODY = 32 * 1024 * 1024  # an hour of cues is well under 1 MB
MAX_SECONDS = 360_000.0  # 100 hours: a time past it is a mistake (and overflows the writers' timedeltas)


class BadRequest(Exception):
    status = 400


class TooLarge(BadRequest):
    status = 413


def _error(message: str, status: int, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _path(request: Request) -> str:
    rel = request.query_params.get("path")
    if not rel:
        raise BadRequest("the request names no media (?path=)")
    return rel


async def _body(request: Request) -> dict:
    """The JSON object the request carries, read up to :data:`MAX_BODY` (a chunked body is refused
    as soon as it passes the limit, not read whole first)."""
    declared = request.headers.get("content-length") or "0"
    if not declared.isdigit():
        raise BadRequest("the Content-Length header is not a number")
    if int(declared) > MAX_BODY:
        raise TooLarge(f"request too large (at most {MAX_BODY // 2**20} MB)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLarge(f"request too large (at most {MAX_BODY // 2**20} MB)")
        chunks.append(chunk)
    try:
        data = json.loads(b"".join(chunks))
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands of levels deep
        raise BadRequest("the request body is not JSON (or is nested too deeply)") from None
    if not isinstance(data, dict):
        raise BadRequest("the request body is not a JSON object")
    return data


def _number(value: Any, name: str) -> float:
    # NaN, infinities and integers too large for a float fail the comparison without raising
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -MAX_SECONDS <= value <= MAX_SECONDS:
        raise BadRequest(f"{name} must be a number of seconds (under {MAX_SECONDS / 3600:g} hours)")
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
        start, end = _number(item.get("start"), "start"), _number(item.get("end"), "end")
        try:
            said = checked_voices(item.get("voices"), k)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        cues.append(EditCue(start, end, item["text"], reviewed=item.get("reviewed") is True, voices=said))
    return cues


def _is_versions(base: Any) -> TypeGuard[dict[str, str | None]]:
    return isinstance(base, dict) and all(v is None or isinstance(v, str) for v in base.values())


class _Handlers:
    """The app's request handlers, over one studio."""

    def __init__(self, studio: Studio, token: str, engine: Retranscriber) -> None:
        self.studio = studio
        self.token = token
        self.engine = engine
        self.tree = TreeReplace(studio)

    def page(self, name: str) -> HTMLResponse:
        text = (STATIC / name).read_text("utf-8").replace("__CAPTIONER_TOKEN__", self.token)
        return HTMLResponse(text)

    async def index(self, request: Request) -> Response:
        return self.page("index.html")

    async def edit(self, request: Request) -> Response:
        return self.page("media.html")

    async def favicon(self, request: Request) -> Response:
        return Response(status_code=204)

    async def media(self, request: Request) -> Response:
        path = self.studio.media_path(request.path_params["path"])
        return FileResponse(path.resolve())

    async def files(self, request: Request) -> Response:
        rows = await run_in_threadpool(self.studio.files)
        return JSONResponse({"root": self.studio.root.name, "files": rows})

    async def document(self, request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(self.studio.document, _path(request)))

    async def peaks(self, request: Request) -> Response:
        rel = _path(request)
        path = self.studio.media_path(rel)

        def compute() -> bytes:
            return cached_peaks(path, self.studio.scanner.audio_hash(rel), self.studio.audio_stream)

        data = await run_in_threadpool(compute)
        return Response(data, media_type="application/octet-stream", headers={"x-peaks-rate": str(RATE)})

    async def shots(self, request: Request) -> Response:
        rel = _path(request)
        path = self.studio.media_path(rel)

        def compute() -> list[float]:
            return cached_shots(path, self.studio.scanner.file_hash(rel))

        return JSONResponse({"shots": await run_in_threadpool(compute)})

    async def check_cues(self, request: Request) -> Response:
        rel, data = _path(request), await _body(request)
        return JSONResponse({"cues": await run_in_threadpool(self.studio.analyse, rel, _cues(data))})

    async def save(self, request: Request) -> Response:
        rel, data = _path(request), await _body(request)
        base = data.get("versions")
        if not _is_versions(base):
            raise BadRequest("versions must map formats to the hashes the page loaded")
        try:
            saved = await run_in_threadpool(self.studio.save, rel, _cues(data), base)
        except StaleSave as exc:
            return _error(str(exc), 409)
        except InvalidCues as exc:
            return _error(f"not saved: {exc}", 422, cues={str(k): v for k, v in exc.errors.items()})
        return JSONResponse(saved)

    async def do_reflow(self, request: Request) -> Response:
        rel, data = _path(request), await _body(request)
        text = data.get("text")
        if not isinstance(text, str):
            raise BadRequest("text must be a string")
        self.studio.media_path(rel)
        language = data.get("language") if isinstance(data.get("language"), str) else None
        spoken = language or self.studio.config.language_for(rel)
        lines, fits = reflow(text, self.studio.style_for(rel, language), spoken)
        return JSONResponse({"text": lines, "fits": fits})

    async def retranscribe(self, request: Request) -> Response:
        rel, data = _path(request), await _body(request)
        path = self.studio.media_path(rel)
        start, end = _number(data.get("start"), "start"), _number(data.get("end"), "end")
        language, prompt = _text(data, "language").lower() or None, _text(data, "prompt") or None
        current = _text(data, "text") or None

        def work() -> dict:
            transcript, _ = self.studio.transcripts.find(rel)
            known = transcript.language if transcript else self.studio.config.language_for(rel)
            style = self.studio.style_for(rel, language or known)
            try:
                cues, heard = self.engine.propose(path, start, end, style, language, prompt, current)
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
            return {"language": heard.language, "cues": analyse(cues, heard, style, self.studio.thresholds)}

        return JSONResponse(await run_in_threadpool(work))

    async def tree_cues(self, request: Request) -> Response:
        return JSONResponse({"files": await run_in_threadpool(self.tree.cues)})

    async def replace_tree(self, request: Request) -> Response:
        data = await _body(request)
        raw = data.get("files")
        if not isinstance(raw, list) or not all(isinstance(f, dict) for f in raw):
            raise BadRequest("files must be a list of {path, cues, versions}")
        files = []
        for item in raw:
            rel, base = item.get("path"), item.get("versions")
            if not isinstance(rel, str) or not _is_versions(base):
                raise BadRequest("each file needs its path and the versions the page read")
            files.append((rel, _cues(item), base))
        return JSONResponse(await run_in_threadpool(self.tree.replace, files))

    async def undo_replace(self, request: Request) -> Response:
        key = (await _body(request)).get("undo")
        try:
            return JSONResponse(await run_in_threadpool(self.tree.undo, str(key)))
        except KeyError:
            return _error("no such replacement to undo (already undone, or the studio restarted)", 404)

    async def refused(self, request: Request, exc: Exception) -> Response:
        return _error(str(exc), 403)

    async def bad(self, request: Request, exc: Exception) -> Response:
        return _error(str(exc), exc.status if isinstance(exc, BadRequest) else 400)

    async def failed(self, request: Request, exc: Exception) -> Response:
        return _error(str(exc), 422)


def create_app(studio: Studio, token: str, port: int, retranscriber: Retranscriber | None = None) -> Gate:
    """The ASGI app for ``studio``, answering only requests with ``token`` on 127.0.0.1:``port``."""
    engine = retranscriber or Retranscriber(studio.config.recipe().backend, audio_stream=studio.audio_stream)
    h = _Handlers(studio, token, engine)
    routes = [
        Route("/", h.index),
        Route("/edit", h.edit),
        Route("/favicon.ico", h.favicon),
        Route("/media/{path:path}", h.media),
        Route("/api/files", h.files),
        Route("/api/media", h.document),
        Route("/api/peaks", h.peaks),
        Route("/api/shots", h.shots),
        Route("/api/analyse", h.check_cues, methods=["POST"]),
        Route("/api/save", h.save, methods=["POST"]),
        Route("/api/reflow", h.do_reflow, methods=["POST"]),
        Route("/api/retranscribe", h.retranscribe, methods=["POST"]),
        Route("/api/tree-cues", h.tree_cues),
        Route("/api/replace-tree", h.replace_tree, methods=["POST"]),
        Route("/api/undo-replace", h.undo_replace, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            OutsideTree: h.refused,
            BadRequest: h.bad,
            CaptionReadError: h.failed,
            CaptionerError: h.failed,
        },
    )
    return Gate(app, token, port)
