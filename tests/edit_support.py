"""Fixtures for the ``captioner edit`` tests: a tree captioned by the real pipeline, a real server
(uvicorn on 127.0.0.1 in a thread), and a real headless Chromium driven by Selenium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLES

from captioner.ci.config import load_config
from captioner.ci.status import Scanner
from captioner.cli.main import main
from captioner.edit.security import TOKEN_HEADER, cookie_name
from captioner.edit.server import EditServer
from captioner.edit.studio import Studio

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def captioned(tmp_path_factory: pytest.TempPathFactory, local_backend) -> Path:
    """jfk.mp4 with captions and a lock entry made by ``captioner sync`` (the real model; the
    transcript cache makes later runs fast).  Tests copy it (:func:`tree`), never change it."""
    root = tmp_path_factory.mktemp("captioned") / "repo"
    root.mkdir()
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "jfk.mp4")
    (root / "captioner.toml").write_text("", "utf-8")
    result = CliRunner().invoke(main, ["sync", "--root", str(root), "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return root


@pytest.fixture()
def tree(captioned: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(captioned, root)
    return root


def studio_process(root: Path, stderr: int = subprocess.PIPE) -> subprocess.Popen:
    """``captioner edit --no-browser`` on ``root`` in a process of its own (its first line: the address)."""
    return subprocess.Popen(
        [sys.executable, "-m", "captioner", "edit", "--no-browser", "--root", str(root)],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=root,
    )


def check_states(root: Path) -> dict[str, str]:
    import json

    result = CliRunner().invoke(main, ["check", "--root", str(root), "--output-format", "json"])
    return {f["path"]: f["state"] for f in json.loads(result.stdout)["files"]}


class Running:
    """A started server and an HTTP client holding its cookie."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        config = load_config(self.root)
        self.server = EditServer(Studio(Scanner(self.root, config))).start()
        self.base = self.server.base
        self.token = self.server.token
        self.client = httpx.Client(base_url=self.base, cookies={cookie_name(self.server.port): self.token})

    @property
    def origin_headers(self) -> dict[str, str]:
        return {TOKEN_HEADER: self.token, "Origin": self.base}

    def post(self, url: str, json: object, **kwargs) -> httpx.Response:
        given = {k.lower(): v for k, v in kwargs.pop("headers", {}).items()}
        headers = {**{k.lower(): v for k, v in self.origin_headers.items()}, **given}
        return self.client.post(url, json=json, headers=headers, timeout=120, **kwargs)

    def close(self) -> None:
        self.client.close()
        self.server.stop()


@pytest.fixture()
def serve() -> Iterator:
    started: list[Running] = []

    def start(root: Path) -> Running:
        running = Running(root)
        started.append(running)
        return running

    yield start
    for running in started:
        running.close()


def _missing_browser() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"no {path} (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One headless Chromium for the module; skipped without one, except in CI (CI=true)."""
    missing = _missing_browser()
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests need Chromium in CI: {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="captioner-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required", "--mute-audio",
        "--window-size=1280,860", f"--user-data-dir={profile}",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
