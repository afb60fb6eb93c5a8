"""The one PCM decoder (captioner.media.pcm): its ffmpeg dies with captioner, and the studio's
re-transcription and waveform decode the audio stream the files were captioned from (issue 26)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from conftest import SAMPLES, normalise
from edit_support import studio_process

from captioner.ci.config import load_config
from captioner.ci.status import Scanner
from captioner.edit.security import TOKEN_HEADER, cookie_name
from captioner.edit.server import EditServer
from captioner.edit.studio import Studio
from captioner.media.audio import SAMPLE_RATE, extract_audio
from captioner.media.ffmpeg import ffmpeg_exe
from captioner.media.pcm import decoding, pcm
from captioner.media.probe import probe

pytestmark = pytest.mark.slow  # real ffmpeg decodes, a studio process, the real model


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args], check=True)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a process that still runs (a zombie waiting to be reaped is dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _wait_until(condition, what: str, bound: float = 60.0) -> None:
    """Wait for an event that the kernel shows in /proc (``bound`` is a failure, not a schedule)."""
    deadline = time.monotonic() + bound
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.005)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_the_studios_decoding_ffmpeg_dies_with_a_killed_captioner(tmp_path: Path) -> None:
    """Issue 26: the studio's waveform decode was a plain Popen: an ffmpeg that outlived ``kill -9``."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "captioner.toml").write_text("", "utf-8")
    _ffmpeg("-f", "lavfi", "-i", "sine=f=440:sample_rate=8000:d=3600", "-c:a", "flac", str(root / "long.flac"))
    studio = studio_process(root, stderr=subprocess.DEVNULL)
    decoder = None
    try:
        first = studio.stdout.readline().strip()  # type: ignore[union-attr]
        match = re.fullmatch(r"(http://127\.0\.0\.1:(\d+))/\?token=(\S+)", first)
        assert match, first
        cookies = {cookie_name(int(match[2])): match[3]}

        def ask() -> None:
            try:
                httpx.get(f"{match[1]}/api/peaks?path=long.flac", cookies=cookies, timeout=120)
            except httpx.HTTPError:
                pass  # the server is killed while it decodes

        threading.Thread(target=ask, daemon=True).start()

        def decoding_ffmpeg() -> bool:
            nonlocal decoder
            decoder = next((c for c in _children(studio.pid) if "s16le" in _cmdline(c)), None)
            return decoder is not None

        _wait_until(decoding_ffmpeg, "the studio never started decoding the waveform")
        os.kill(decoder, signal.SIGSTOP)  # it cannot finish (or die of a closed pipe) on its own now
        studio.kill()
        studio.wait()
        _wait_until(lambda: not _alive(decoder), "the decoding ffmpeg outlived the killed captioner", bound=30)
    finally:
        if studio.poll() is None:
            studio.kill()
            studio.wait()
        if decoder is not None and _alive(decoder):
            os.kill(decoder, signal.SIGKILL)


def test_a_decode_left_by_an_exception_kills_and_reaps_its_ffmpeg() -> None:
    with pytest.raises(RuntimeError), decoding(SAMPLES / "jfk.mp4", SAMPLE_RATE) as run:
        run.stdout.read(1000)
        proc = run.proc
        raise RuntimeError("the reader failed")
    assert proc.returncode is not None  # reaped: no zombie, no ffmpeg left decoding
    assert run.stdout.closed


def test_pcm_cuts_a_stretch_of_a_stream_as_the_whole_decode_has_it() -> None:
    whole = extract_audio(probe(SAMPLES / "de_picovoice_test.flac"))
    part = pcm(SAMPLES / "de_picovoice_test.flac", SAMPLE_RATE, 1, start=2.0, duration=1.5)
    assert len(part) == 24000
    assert np.abs(part - whole[32000:56000]).max() < 0.05  # a seek lands on the same sound


@pytest.fixture()
def two_streams(tmp_path: Path) -> Path:
    """A tree whose one file has a silent first audio stream and JFK's speech as its second."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "captioner.toml").write_text("", "utf-8")
    _ffmpeg(
        "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-i", str(SAMPLES / "jfk.mp4"),
        "-map", "0:a", "-map", "1:a", "-t", "11", "-c:a", "aac", str(root / "talk.mp4"),
    )  # fmt: skip
    return root


def test_the_studio_retranscribes_and_draws_the_chosen_audio_stream(two_streams: Path, local_backend) -> None:
    """Issue 26: re-transcription and the waveform decoded stream 0 whatever --audio-stream said."""
    server = EditServer(Studio(Scanner(two_streams, load_config(two_streams)), audio_stream=1)).start()
    try:
        client = httpx.Client(base_url=server.base, cookies={cookie_name(server.port): server.token})
        headers = {TOKEN_HEADER: server.token, "Origin": server.base}
        answer = client.post(
            "/api/retranscribe?path=talk.mp4", json={"start": 0.0, "end": 10.5, "language": "en"}, headers=headers,
            timeout=300,
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
        heard = normalise(" ".join(c["text"] for c in answer.json()["cues"]))
        assert "ask not what your country can do for you" in heard
        peaks = client.get("/api/peaks?path=talk.mp4", timeout=120).content
        assert np.frombuffer(peaks, np.int8).max() > 40  # the speech's waveform, not the silent stream's
    finally:
        server.stop()


def test_a_stereo_file_is_decoded_once_for_its_samples_and_its_channel_check(tmp_path: Path, monkeypatch) -> None:
    """Issue 26: the default mode decoded a stereo file twice, once only for the channel check.
    The one decode gives the samples and the report of two decodes of their own, bit for bit."""
    from captioner import interrupt
    from captioner.media.channels import analyse_channels
    from captioner.run.jobs import Job
    from captioner.run.prepare import prepare
    from captioner.run.recipe import Recipe
    from captioner.run.source import TranscriptSource

    stereo = SAMPLES / "stereo_de_ja.flac"
    info = probe(stereo)
    alone, report = extract_audio(info), analyse_channels(info)
    markers = tmp_path / "markers"
    markers.mkdir()
    monkeypatch.setattr(interrupt, "_markers", str(markers))
    prepared = prepare(Job(media=stereo, outputs={}), TranscriptSource(Recipe()))
    assert len(list(markers.glob("decoding-*"))) == 1
    assert prepared.audio is not None and np.array_equal(prepared.audio, alone)
    assert prepared.channels == report and report.different
