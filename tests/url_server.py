"""A loopback HTTP server serving the samples the ways media servers do, and the ways they go wrong.

Routes (``name`` a file of ``root``):
  /range/NAME     with Range support (206 answers, Accept-Ranges: bytes)
  /plain/NAME     without: every GET answers 200 with the whole file
  /slow/NAME      waits ``slow_seconds`` before answering
  /chunked/NAME   no Content-Length (chunked transfer), no Range
  /missing.mp3    404
  /page.mp3       an HTML page (200, text/html)
  /loop.mp3       a redirect to itself
  /to-file.mp3    a redirect to a file: URL
  /playlist.m3u8  an HLS playlist whose segment is a file:// URL (``segment``)
Every request is logged (method, path with its query string, Range header).
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class MediaServer:
    def __init__(self, root: Path, segment: Path | None = None, slow_seconds: float = 5.0) -> None:
        self.root = root
        self.segment = segment
        self.slow_seconds = slow_seconds
        self.requests: list[tuple[str, str, str | None]] = []
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(("GET", self.path, self.headers.get("Range")))
                server.answer(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> MediaServer:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    # -- answers -------------------------------------------------------------------------------
    def answer(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?", 1)[0]
        kind, _, name = path.lstrip("/").partition("/")
        if path == "/missing.mp3":
            return self._send(h, 404, b"not found", "text/plain")
        if path == "/page.mp3":
            return self._send(h, 200, b"<!DOCTYPE html><html><body>Sign in</body></html>", "text/html")
        if path in ("/loop.mp3", "/to-file.mp3"):
            h.send_response(302)
            h.send_header("Location", h.path if path == "/loop.mp3" else "file:///etc/passwd")
            h.send_header("Content-Length", "0")
            h.end_headers()
            return None
        if path == "/playlist.m3u8":
            body = f"#EXTM3U\n#EXT-X-TARGETDURATION:12\n#EXTINF:11,\nfile://{self.segment}\n#EXT-X-ENDLIST\n"
            return self._send(h, 200, body.encode(), "application/vnd.apple.mpegurl")
        file = self.root / name
        if not name or "/" in name or not file.is_file():
            return self._send(h, 404, b"not found", "text/plain")
        data = file.read_bytes()
        if kind == "slow":
            self._stop.wait(self.slow_seconds)
        if kind == "chunked":
            return self._chunked(h, data)
        ranged = re.fullmatch(r"bytes=(\d+)-(\d*)", h.headers.get("Range") or "")
        if kind in ("range", "slow") and ranged:
            start = int(ranged[1])
            end = min(int(ranged[2]) if ranged[2] else len(data) - 1, len(data) - 1)
            if start >= len(data):
                return self._send(h, 416, b"", "text/plain")
            h.send_response(206)
            h.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
            return self._body(h, data[start : end + 1], "application/octet-stream", ranges=True)
        if kind in ("range", "plain", "slow"):
            h.send_response(200)
            return self._body(h, data, "application/octet-stream", ranges=kind != "plain")
        return self._send(h, 404, b"not found", "text/plain")

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str) -> None:
        h.send_response(status)
        self._body(h, body, content_type, ranges=False)

    @staticmethod
    def _body(h: BaseHTTPRequestHandler, body: bytes, content_type: str, ranges: bool) -> None:
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        if ranges:
            h.send_header("Accept-Ranges", "bytes")
        h.end_headers()
        try:
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # a client that read what it needed
            pass

    @staticmethod
    def _chunked(h: BaseHTTPRequestHandler, data: bytes) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "audio/mpeg")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        try:
            for i in range(0, len(data), 4096):
                piece = data[i : i + 4096]
                h.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            h.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass


def hls_segment(source: Path, dest: Path) -> Path:
    """A local MPEG-TS copy of ``source``'s audio: what a playlist's file:// segment would read."""
    from conftest import run_ffmpeg

    run_ffmpeg("-i", str(source), "-vn", "-c:a", "copy", "-f", "mpegts", str(dest))
    return dest

