"""The aiXplain backend: Whisper Large (served by Groq) through the aiXplain SDK.

Flow per file: cut the 16 kHz mono audio into pieces under the provider's 25 MB limit (at
silences), encode each small (FLAC, or MP3), upload it as a temporary file with a download link,
run the model on the link with ``includeRawData`` (sync or async answer: the SDK polls), all of
it, retries included, within ``timeout`` seconds a piece; normalise the verbose ``rawData`` and
merge the pieces back onto one time line.

Failures are classified (see :mod:`captioner.transcription.aixplain.errors`): a bad key is never
retried, rate limits wait (honouring ``Retry-After``) and resubmit, platform trouble is retried
with backoff, an audio link the service cannot fetch is uploaded once more, a failed run reports
the provider's words.  Each ends as a one-line :class:`BackendError`; the API key never appears in
a message, a log record or a chained exception.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import requests

from captioner import interrupt
from captioner.core.transcript import Transcript
from captioner.errors import BackendError
from captioner.media.audio import SAMPLE_RATE
from captioner.media.ffmpeg import redact
from captioner.media.pieces import Chunk, cut_into_pieces
from captioner.transcription.aixplain import (
    CAPABILITIES,
    DEFAULT_JOBS,
    DEFAULT_MODEL_ID,
    DEFAULT_MODELS_URL,
    DEFAULT_TIMEOUT,
    KEY_ENV_VARS,
    aixplain_identity,
    sdk,
)
from captioner.transcription.aixplain.errors import Failure, Kind, MalformedAnswer, classify, describe, redact_urls
from captioner.transcription.aixplain.keys import resolve_key
from captioner.transcription.aixplain.retry import RetryPolicy, call_with_retries, failed_poll_url, without_context
from captioner.transcription.aixplain.sources import PROVIDER_MAX_BYTES
from captioner.transcription.base import ProgressCallback, TranscribeOptions
from captioner.transcription.chunking import EXTENSIONS, encode, max_chunk_seconds
from captioner.transcription.whisper_json import ResponseShapeError, merge, parse_verbose

log = logging.getLogger("captioner.aixplain")

DEFAULT_BACKEND_URL = "https://platform-api.aixplain.com"
DEFAULT_CHUNK_BYTES = 24_000_000  # headroom under the provider's limit


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


T = TypeVar("T")


class AixplainBackend:
    """Transcribes with a Whisper model hosted on aiXplain.

    ``timeout``: seconds one piece of audio may take from its first request to its transcript:
    upload, run, polls, and every retry and wait between them.  ``jobs``: requests in flight at
    the same time, pieces of one long file or of several files (the pipeline runs
    ``concurrent_files`` files at once).
    ``backend_url`` / ``models_url`` default to the SDK's ``BACKEND_URL`` / ``MODELS_RUN_URL``.
    """

    name = "aixplain"
    capabilities = CAPABILITIES

    def __init__(
        self,
        api_key: str | None = None,
        api_key_file: str | os.PathLike[str] | None = None,
        model_id: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        jobs: int = DEFAULT_JOBS,
        audio_format: str = "flac",
        max_chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        chunk_seconds: float | None = None,
        backend_url: str | None = None,
        models_url: str | None = None,
        retry: RetryPolicy | None = None,
        connect_timeout: float = 10.0,
    ) -> None:
        if audio_format not in EXTENSIONS:
            raise BackendError(f"unknown upload format {audio_format!r}; use one of {', '.join(EXTENSIONS)}")
        if timeout <= 0:
            raise BackendError("--aixplain-timeout must be a positive number of seconds")
        self._key = resolve_key(api_key, api_key_file)
        sdk.register_secret(self._key)
        self.model_id = model_id or DEFAULT_MODEL_ID
        self.timeout = float(timeout)
        self.jobs = max(1, int(jobs))
        self.concurrent_files = self.jobs  # a remote backend: files may be transcribed side by side
        self._slots = threading.BoundedSemaphore(self.jobs)  # requests in flight, across files
        self.audio_format = audio_format
        self.max_chunk_bytes = min(int(max_chunk_bytes), PROVIDER_MAX_BYTES)
        limit = max_chunk_seconds(audio_format, self.max_chunk_bytes)
        self.chunk_seconds = min(chunk_seconds, limit) if chunk_seconds else limit
        self.backend_url = _with_slash(backend_url or os.environ.get("BACKEND_URL") or DEFAULT_BACKEND_URL)
        self.models_url = (models_url or os.environ.get("MODELS_RUN_URL") or DEFAULT_MODELS_URL).rstrip("/")
        self.retry = retry or RetryPolicy()
        self.connect_timeout = connect_timeout
        self._lock = threading.Lock()
        self._client: Any = None
        self._model: Any = None
        self.sleep: Callable[[float], None] = time.sleep

    def __repr__(self) -> str:
        return f"AixplainBackend(model_id={self.model_id!r}, backend_url={self.backend_url!r})"

    def identity(self) -> dict[str, str]:
        return aixplain_identity(self.model_id, self.models_url)

    # -- SDK plumbing ----------------------------------------------------------------------------
    def _scrub(self, text: object) -> str:
        return redact(redact_urls(str(text).replace(self._key, "***")))

    def _connect(self) -> Any:
        """The SDK client (created once; no network traffic)."""
        with self._lock:
            if self._client is None:
                aixplain_cls = sdk.import_sdk()
                with sdk.environment_kept(*KEY_ENV_VARS):
                    error: BackendError | None = None
                    try:
                        client = aixplain_cls(
                            api_key=self._key, backend_url=self.backend_url, model_url=self.models_url
                        )
                    except Exception as exc:
                        failure = classify(exc)
                        error = BackendError(self._scrub(describe(failure)))
                if error is not None:
                    raise error
                client.client.timeout = (self.connect_timeout, self.timeout)
                sdk.configure_sessions(client.client)
                self._client = client
            return self._client

    def _get_model(self) -> Any:
        if self._model is None:
            client = self._connect()
            model = self._retrying(lambda: client.Model.get(self.model_id), "")
            with self._lock:
                self._model = model
        return self._model

    def _upload(self, path: Path, where: str) -> str:
        """Upload ``path`` as a temporary file; its download link.

        The steps of the SDK's ``FileUploader.upload``, taken one by one so that each request has
        its own retries: the presign request (``POST sdk/file/upload/temp-url``), then the storage
        PUT.  A PUT tried again goes to a fresh presigned URL (the refused one may have expired).
        """
        from aixplain.v2.upload_utils import MimeTypeDetector, PresignedUrlManager, S3Uploader

        content_type = MimeTypeDetector.detect_mime_type(str(path)) or "text/csv"
        url = PresignedUrlManager.get_temp_upload_url(self.backend_url)
        payload = PresignedUrlManager.build_temp_payload(content_type, path.name)
        urls: dict[str, str] = {}

        def presign() -> None:
            answer = PresignedUrlManager.request_presigned_url(url, payload, self._key)
            urls["upload"], urls["download"] = answer["uploadUrl"], answer.get("downloadUrl") or ""

        def put() -> None:
            if "upload" not in urls:
                self._retrying(presign, where)
            S3Uploader.upload_file(str(path), urls.pop("upload"), content_type)

        self._retrying(put, where)
        if not urls.get("download"):
            raise BackendError("aiXplain: the upload answered without a download link; try again later")
        return urls["download"]

    def _retrying(self, op: Callable[[], T], where: str, reupload: Callable[[], None] | None = None) -> T:
        """``op()`` under this backend's retry policy and deadline (:func:`retry.call_with_retries`)."""
        return call_with_retries(
            op, self.retry, where=where, timeout=self.timeout, scrub=self._scrub, sleep=self.sleep, reupload=reupload
        )

    # -- one piece -------------------------------------------------------------------------------
    def _run_piece(self, samples: np.ndarray, language: str | None, where: str, path: Path) -> dict[str, Any]:
        """Encode (to ``path``), upload and transcribe one piece; the final answer body.

        Everything sent for the piece, retries and their waits included, ends within
        ``self.timeout`` seconds of its first request (:func:`aixplain_sdk.deadline`)."""
        encode(samples, path, self.audio_format)
        size = path.stat().st_size
        if size > PROVIDER_MAX_BYTES:
            raise BackendError(f"aiXplain ({where}): the encoded audio is {size} bytes, over the 25 MB limit")
        try:
            # In a helper thread (captioner.interrupt): Ctrl-C need not wait for a request to end.
            result = interrupt.call(self._send_piece, path, language, where)
        finally:
            path.unlink(missing_ok=True)
        body = dict(getattr(result, "_raw_data", None) or {})
        body.setdefault("runTime", result.run_time)
        body.setdefault("usedCredits", result.used_credits)
        return body

    def _send_piece(self, path: Path, language: str | None, where: str) -> Any:
        with sdk.deadline(self.timeout):
            return self._send_piece_by(path, language, where)

    def _send_piece_by(self, path: Path, language: str | None, where: str) -> Any:
        model = self._get_model()
        link = [self._upload(path, where)]

        def reupload() -> None:
            link[0] = self._upload(path, where)

        return self._run_model(model, link, language, where, reupload)

    def _run_model(
        self, model: Any, link: list[str], language: str | None, where: str, reupload: Callable[[], None] | None
    ) -> Any:
        """Run the model on the audio at ``link[0]`` (``reupload`` replaces it when the service
        cannot fetch it; None: a user's URL, which nothing here can replace)."""
        # A poll that failed after the run was accepted is resumed, not resubmitted: a submission
        # is billed again (protocol reference 7.2/7.3; the SDK's "Polling failed" error keeps the URL).
        pending: dict[str, Any] = {"poll": None}

        def left() -> float:
            seconds = sdk.remaining() or 0.0
            if seconds <= 0:
                from aixplain.v2.exceptions import TimeoutError as SdkTimeout

                raise SdkTimeout(f"Operation timed out after {self.timeout:g} seconds")
            return seconds

        def poll(url: str) -> Any:
            budget = left()
            pending["poll"] = url
            return model.sync_poll(url, timeout=budget, wait_time=self.retry.poll_wait)

        def run() -> Any:
            try:
                if pending["poll"]:
                    log.info("aiXplain %s: polling the run again", where or "request")
                    result = poll(pending["poll"])
                else:
                    result = None
                    try:
                        result = model.run(
                            source_audio=link[0],
                            sourcelanguage=language or "en",
                            options={"includeRawData": True},
                            timeout=left(),
                            wait_time=self.retry.poll_wait,
                        )
                    except requests.exceptions.ReadTimeout:
                        pass  # raised below, outside this handler: no chained exception holds the request
                    if result is None:
                        # The request went out and may be running: sent again it would be billed
                        # again (protocol reference 7.3), so this one is not retried.
                        failure = Failure(Kind.TRANSIENT, None, "ReadTimeout: the run request got no answer")
                        raise BackendError(describe(failure, where, self.timeout, 1) + " (the run may still be billed)")
                if not result.completed and result.url:  # a poll URL the SDK would not follow by itself
                    result = poll(result.url)
            except Exception as exc:
                pending["poll"] = failed_poll_url(exc)
                raise
            pending["poll"] = None
            if not result.completed:
                status = getattr(result, "status", None)
                raise MalformedAnswer(f"the run is neither completed nor given a poll URL (status {status!r})")
            return result

        return self._retrying(run, where, reupload=reupload)

    # -- Backend protocol ------------------------------------------------------------------------
    def transcribe(
        self,
        audio: np.ndarray,
        options: TranscribeOptions,
        progress: ProgressCallback | None = None,
    ) -> Transcript:
        if options.task != "transcribe":
            raise BackendError(
                "aiXplain's Whisper model only transcribes; drop --task translate or use the local backend"
            )
        duration = len(audio) / SAMPLE_RATE
        chunks = cut_into_pieces(audio, self.chunk_seconds)
        done = [0.0]
        totals = {"credits": 0.0, "run_time": 0.0}
        request_ids: list[str] = []
        parts: list[tuple[float, Transcript]] = []
        lock = threading.Lock()

        def one(chunk: Chunk, workdir: Path) -> None:
            where = chunk.describe(len(chunks))
            path = workdir / f"audio{chunk.index:04d}{EXTENSIONS[self.audio_format]}"
            with self._slots:
                body = self._run_piece(audio[chunk.start : chunk.end], options.language, where, path)
            try:
                piece = parse_verbose(body.get("rawData"), fallback_language=options.language)
            except ResponseShapeError as exc:
                prefix = f"aiXplain ({where})" if where else "aiXplain"
                raise BackendError(f"{prefix}: {self._scrub(exc)}; try again or use --backend local") from None
            with lock:
                parts.append((chunk.offset, piece))
                totals["credits"] += float(body.get("usedCredits") or 0.0)
                totals["run_time"] += float(body.get("runTime") or 0.0)
                if body.get("requestId"):
                    request_ids.append(str(body["requestId"]))
                done[0] += chunk.duration
                seconds = done[0]
            if progress is not None:
                progress(seconds)

        with tempfile.TemporaryDirectory(prefix="captioner-aixplain-") as tmp:
            workdir = Path(tmp)
            if len(chunks) == 1 or self.jobs == 1:
                for chunk in chunks:
                    one(chunk, workdir)
            else:
                self._run_parallel(chunks, lambda c: one(c, workdir))

        transcript = merge(parts, duration)
        transcript.meta = self._meta(totals["credits"], totals["run_time"], len(chunks), request_ids)
        log.info(
            "aiXplain: %.1f s of audio in %d request(s), %.6f credits used, run time %.2f s",
            duration,
            len(chunks),
            totals["credits"],
            totals["run_time"],
        )
        return transcript

    def transcribe_url(
        self, url: str, options: TranscribeOptions, progress: ProgressCallback | None = None
    ) -> Transcript:
        """Transcribe the media at ``url`` (http or https) as the service fetches it: the URL goes
        into the run request as it is (no download, no upload), with the same retries, deadline,
        polling and error handling as an uploaded piece.  Its query string (a signed URL's
        signature) is masked in every message and log record."""
        if options.task != "transcribe":
            raise BackendError(
                "aiXplain's Whisper model only transcribes; drop --task translate or use the local backend"
            )
        if "?" in url or "#" in url:
            sdk.register_secret(url.split("?", 1)[-1] if "?" in url else url)
        with self._slots:
            result = interrupt.call(self._send_url, url, options.language)
        body = dict(getattr(result, "_raw_data", None) or {})
        body.setdefault("runTime", result.run_time)
        body.setdefault("usedCredits", result.used_credits)
        try:
            piece = parse_verbose(body.get("rawData"), fallback_language=options.language)
        except ResponseShapeError as exc:
            raise BackendError(f"aiXplain: {self._scrub(exc)}; try again or use --backend local") from None
        transcript = merge([(0.0, piece)], piece.duration)
        credits, run_time = float(body.get("usedCredits") or 0.0), float(body.get("runTime") or 0.0)
        transcript.meta = self._meta(credits, run_time, 1, [str(body["requestId"])] if body.get("requestId") else [])
        transcript.meta["source"] = "url"
        log.info("aiXplain: a URL's %.1f s of audio, %.6f credits used, run time %.2f s",
                 piece.duration, credits, run_time)  # fmt: skip
        if progress is not None:
            progress(piece.duration)
        return transcript

    def _send_url(self, url: str, language: str | None) -> Any:
        with sdk.deadline(self.timeout):
            return self._run_model(self._get_model(), [url], language, "", None)

    def _meta(self, credits: float, run_time: float, requests: int, request_ids: list[str]) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "backend": self.name,
            "model": self.model_id,
            "credits_used": round(credits, 8),
            "run_time": round(run_time, 3),
            "requests": requests,
        }
        if request_ids:
            meta["request_ids"] = request_ids
        return meta

    def _run_parallel(self, chunks: list[Chunk], work: Callable[[Chunk], None]) -> None:
        """Run ``work`` on every chunk, ``jobs`` at a time; the first failure (in chunk order) wins."""
        pool = ThreadPoolExecutor(max_workers=min(self.jobs, len(chunks)), thread_name_prefix="aixplain")
        try:
            futures = [pool.submit(work, chunk) for chunk in chunks]
            wait(futures, return_when=FIRST_EXCEPTION)
        except BaseException:  # Ctrl-C: the requests in flight are not waited for
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True, cancel_futures=True)  # after a failure: the chunks not started are dropped
        for future in futures:
            if future.cancelled():
                continue
            error = future.exception()
            if error is not None:
                raise without_context(error)
