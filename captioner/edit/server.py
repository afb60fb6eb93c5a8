"""Serving the app with uvicorn on a loopback socket bound before the URL is printed."""

from __future__ import annotations

import socket
import threading

import uvicorn

from captioner.edit.app import create_app
from captioner.edit.security import new_token
from captioner.edit.studio import Studio

HOST = "127.0.0.1"


class EditServer:
    """The studio's server on 127.0.0.1 (``port`` 0: a free one), with a fresh access token."""

    def __init__(self, studio: Studio, port: int = 0, token: str | None = None) -> None:
        self.studio = studio
        self.token = token or new_token()
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.socket.bind((HOST, port))  # OSError when the port is taken
            self.socket.listen(128)
        except OSError:
            self.socket.close()
            raise
        self.port = self.socket.getsockname()[1]
        config = uvicorn.Config(
            create_app(studio, self.token, self.port),
            log_level="warning",
            access_log=False,  # request lines hold the token
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def url(self) -> str:
        """The address to open: it carries the token (answered with a cookie)."""
        return f"{self.base}/?token={self.token}"

    def serve(self) -> None:
        """Serve until Ctrl-C (or :meth:`stop`)."""
        self.server.run(sockets=[self.socket])

    def start(self) -> EditServer:
        """Serve from a background thread (tests, benchmarks)."""
        self._thread = threading.Thread(target=self.serve, name="captioner-edit", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.socket.close()
