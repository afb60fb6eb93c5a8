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
  /auth/NAME      as /range/, for Basic auth ``user``:``password`` only (401 otherwise)
Servers that lie or dawdle: the look's request (``Range: bytes=0-65535``) gets the first 64 KB of
a WAV (:func:`endless_wav`) or of NAME, honestly; every other request gets
  /lying/x.wav    206 "bytes 0-199999/200000", then a chunked body that does not stop there
  /endless/x.wav  200 without a length, a body that goes on until the connection closes
  /stall/NAME     NAME's headers and first 64 KB, then nothing
  /trickle/NAME   NAME's headers, then a byte every ``trickle_seconds``
Their bodies stop at ``endless_limit`` bytes (the test cannot run away); ``sent[kind]`` counts the
bytes written.  /watch/NAME serves as /range/ and, on each request but the look, first records the
command lines of this process's ffmpeg children (``cmdlines``): a reader is waiting on its answer.
Every request is logged (method, path with its query string, Range header).
"""

from __future__ import annotations

import base64
import os
import re
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class MediaServer:
    def __init__(self, root: Path, segment: Path | None = None, slow_seconds: float = 5.0) -> None:
        self.root = root
        self.segment = segment
        self.slow_seconds = slow_seconds
        self.trickle_seconds = 0.2
        self.endless_limit = 32_000_000
        self.user, self.password = "alice", "s3cret-pw"
        self.requests: list[tuple[str, str, str | None]] = []
        self.authorizations: list[str | None] = []
        self.sent: dict[str, int] = {}
        self.cmdlines: list[list[str]] = []
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(("GET", self.path, self.headers.get("Range")))
                server.authorizations.append(self.headers.get("Authorization"))
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
        look = h.headers.get("Range") == "bytes=0-65535"
        if kind in ("lying", "endless"):
            return self._lie(h, kind, look)
        file = self.root / name
        if not name or "/" in name or not file.is_file():
            return self._send(h, 404, b"not found", "text/plain")
        data = file.read_bytes()
        if kind in ("stall", "trickle") and not look:
            return self._dawdle(h, kind, data)
        if kind == "auth":
            expected = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            if h.headers.get("Authorization") != expected:
                return self._send(h, 401, b"who are you?", "text/plain")
        if kind == "watch" and not look:
            self.cmdlines.extend(ffmpeg_children())
        if kind == "slow":
            self._stop.wait(self.slow_seconds)
        if kind == "chunked":
            return self._chunked(h, data)
        ranged = re.fullmatch(r"bytes=(\d+)-(\d*)", h.headers.get("Range") or "")
        if kind in ("range", "slow", "auth", "watch", "stall", "trickle") and ranged:
            start = int(ranged[1])
            end = min(int(ranged[2]) if ranged[2] else len(data) - 1, len(data) - 1)
            if start >= len(data):
                return self._send(h, 416, b"", "text/plain")
            h.send_response(206)
            h.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
            return self._body(h, data[start : end + 1], "application/octet-stream", ranges=True)
        if kind in ("range", "plain", "slow", "auth", "watch"):
            h.send_response(200)
            return self._body(h, data, "application/octet-stream", ranges=kind != "plain")
        return self._send(h, 404, b"not found", "text/plain")

    def _lie(self, h: BaseHTTPRequestHandler, kind: str, look: bool) -> None:
        declared = 200_000
        if look:
            h.send_response(206)
            h.send_header("Content-Range", f"bytes 0-65535/{declared}")
            return self._body(h, endless_wav(65536), "audio/wav", ranges=True)
        if kind == "lying":
            h.send_response(206)
            h.send_header("Content-Range", f"bytes 0-{declared - 1}/{declared}")
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_response(200)
            h.send_header("Connection", "close")
            h.close_connection = True
        h.send_header("Content-Type", "audio/wav")
        h.end_headers()
        block = endless_wav(65536)
        sent = 0
        try:
            while sent < self.endless_limit and not self._stop.is_set():
                # the header again and again: to a reader past the first, only more samples
                h.wfile.write(f"{len(block):x}\r\n".encode() + block + b"\r\n" if kind == "lying" else block)
                sent += len(block)
                self.sent[kind] = sent
        except (BrokenPipeError, ConnectionResetError):
            pass
        return None

    def _dawdle(self, h: BaseHTTPRequestHandler, kind: str, data: bytes) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/octet-stream")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        try:
            if kind == "stall":
                h.wfile.write(data[:65536])
                h.wfile.flush()
                self._stop.wait(120)
                return
            for i in range(len(data)):
                if self._stop.wait(self.trickle_seconds):
                    return
                h.wfile.write(data[i : i + 1])
                h.wfile.flush()
                self.sent[kind] = i + 1
        except (BrokenPipeError, ConnectionResetError):
            pass

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


def endless_wav(size: int) -> bytes:
    """``size`` bytes of a WAV (48 kHz stereo 16-bit, quiet noise) whose header declares no end."""
    header = b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 2, 48000, 48000 * 4, 4, 16)
    header += b"data" + struct.pack("<I", 0xFFFFFFFF)
    noise = bytes((i * 7919 >> 3) & 0x0F for i in range(size))
    return (header + noise)[:size]


def ffmpeg_children() -> list[list[str]]:
    """The command lines of this process's children that run ffmpeg (Linux: /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and cmdline and b"ffmpeg" in Path(cmdline[0].decode()).name.encode():
            found.append([part.decode("utf-8", "replace") for part in cmdline if part])
    return found


def hls_segment(source: Path, dest: Path) -> Path:
    """A local MPEG-TS copy of ``source``'s audio: what a playlist's file:// segment would read."""
    from conftest import run_ffmpeg

    run_ffmpeg("-i", str(source), "-vn", "-c:a", "copy", "-f", "mpegts", str(dest))
    return dest
