"""The one PCM decoder: a media file's (or URL's) audio stream as 16-bit samples from one ffmpeg.

Every decode of samples in captioner goes through :func:`decoding`, which owns the ffmpeg process:
started so that it dies with captioner (:func:`captioner.media.ffmpeg.popen`), read by the caller,
its log drained by a thread, and killed and reaped on every way out (an exception, Ctrl-C, a
reader that wants no more).  A URL is read through its loopback relay
(:func:`captioner.media.relay.media_input`), never named on ffmpeg's command line.

16-bit samples scaled by 1/32768 are what openai-whisper's and faster-whisper's own loaders give
the model: decoded this way captioner sees exactly the samples they do (float output from ffmpeg
differs in the last bit, and clips stereo downmixes differently).
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO, Generic, TypeVar

import numpy as np

from captioner.errors import MediaError
from captioner.interrupt import mark
from captioner.media.ffmpeg import PREAMBLE, ffmpeg_exe, last_ffmpeg_line, popen
from captioner.media.relay import Input, media_input
from captioner.media.urls import Media, UrlLimits

READ_CHUNK = 1 << 20  # bytes of 16-bit samples read from ffmpeg at a time

T = TypeVar("T")


class Beside(Generic[T]):
    """A second output of the same decode (``rate`` Hz, ``channels``: None keeps them all), read
    by ``read`` in a thread while the caller reads the first: one file decoded once for two uses.

    ffmpeg gives each output its own resampler, so the samples are those of a decode of their own."""

    def __init__(self, rate: int, channels: int | None, read: Callable[[BinaryIO], T]) -> None:
        self.rate, self.channels, self.read = rate, channels, read
        self._outcome: tuple[bool, object] | None = None

    def run(self, fd: int) -> None:
        """Read the output from the pipe ``fd`` (closed at its end)."""
        with os.fdopen(fd, "rb") as stream:
            try:
                self._outcome = (True, self.read(stream))
            except BaseException as exc:  # re-raised by result(), in the caller's thread
                self._outcome = (False, exc)
                while stream.read(READ_CHUNK):  # drained, so that ffmpeg never blocks on this output
                    pass

    def result(self) -> T:
        """What ``read`` returned (its exception raised again); once the decode ended."""
        if self._outcome is None:
            raise RuntimeError("the decode beside was not read")
        ok, value = self._outcome
        if not ok:
            raise value  # type: ignore[misc]
        return value  # type: ignore[return-value]


@dataclass
class Decoding:
    """A running decode: ``stdout`` gives interleaved little-endian 16-bit samples."""

    proc: subprocess.Popen
    stdout: BinaryIO
    stopped: bool = False
    log: bytes = b""  # ffmpeg's log, once the decode ended
    _errors: list[bytes] = field(default_factory=list)

    def stop(self) -> None:
        """End the decode early (the reader has what it wants): no exit status is checked then."""
        self.stopped = True
        self.proc.kill()

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode


def command(
    source: Input,
    rate: int,
    channels: int | None,
    stream: int = 0,
    start: float | None = None,
    duration: float | None = None,
    mix: str | None = None,
) -> list[str]:
    """The ffmpeg command decoding ``source``'s audio stream ``stream`` to ``rate`` Hz 16-bit
    samples on stdout; ``channels``: downmixed (1) or as many (None: as the stream has);
    ``mix``: an audio filter (see :func:`captioner.media.audio.channel_mix`)."""
    cut = [] if start is None else ["-ss", f"{start:.3f}"]
    cut += [] if duration is None else ["-t", f"{duration:.3f}"]
    options = [arg for name, value in source.options.items() for arg in (f"-{name}", value)]
    output = _output(stream, rate, channels, mix, "pipe:")
    return [ffmpeg_exe(), *PREAMBLE, "-v", "error", *cut, *options, "-i", source.arg, *output]


def _output(stream: int, rate: int, channels: int | None, mix: str | None, target: str) -> list[str]:
    output = ["-map", f"0:a:{stream}", "-acodec", "pcm_s16le"]
    output += [] if channels is None else ["-ac", str(channels)]
    output += [] if mix is None else ["-af", mix]
    return [*output, "-ar", str(rate), "-f", "s16le", target]


@contextmanager
def decoding(
    media: Media,
    rate: int,
    channels: int | None = 1,
    *,
    stream: int = 0,
    start: float | None = None,
    duration: float | None = None,
    mix: str | None = None,
    limits: UrlLimits | None = None,
    check: bool = True,
    beside: Beside | None = None,
) -> Iterator[Decoding]:
    """Decode ``media`` (see :func:`command`) while the context lasts; the caller reads ``stdout``.

    On leaving normally ffmpeg is waited for; a failed relay, then (``check``, and not stopped) a
    failed ffmpeg raise :class:`MediaError`.  On any exception (Ctrl-C too) ffmpeg is killed and
    reaped first.  ``beside``: a second output, read in a thread while the context lasts.
    Test marker (see :mod:`captioner.interrupt`): ``decoding-<ffmpeg pid>``.
    """
    with media_input(media, limits) as source:
        cmd = command(source, rate, channels, stream, start, duration, mix)
        side, child_end = (None, -1) if beside is None else os.pipe()
        if beside is not None:
            cmd += _output(stream, beside.rate, beside.channels, None, f"pipe:{child_end}")
        try:
            proc = popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=source.environment,
                pass_fds=() if beside is None else (child_end,),
            )
        except BaseException:
            if side is not None:
                os.close(side)
            raise
        finally:
            if beside is not None:
                os.close(child_end)
        run = Decoding(proc, proc.stdout)  # type: ignore[arg-type]
        readers = [threading.Thread(target=lambda: run._errors.append(proc.stderr.read()), daemon=True)]  # type: ignore[union-attr]
        if side is not None and beside is not None:
            readers.append(threading.Thread(target=beside.run, args=(side,), daemon=True))
        for reader in readers:
            reader.start()
        mark(f"decoding-{proc.pid}")
        try:
            yield run
            proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            for reader in readers:  # at their end of file: ffmpeg has ended
                reader.join()
            proc.stdout.close()  # type: ignore[union-attr]
        run.log = b"".join(run._errors)
        source.check()
    if check and not run.stopped and proc.returncode != 0:
        raise MediaError(f"ffmpeg could not decode the audio: {last_ffmpeg_line(run.log)}", str(media))


def read_samples(stream: BinaryIO, size_hint: int, lead: int = 0, most: int | None = None) -> np.ndarray | None:
    """``lead`` zeros, then all the 16-bit samples of ``stream`` as float32 in [-1, 1), converted a
    chunk at a time into one array grown as needed (an hour of samples is 230 MB; no second copy);
    None as soon as there are more than ``most`` samples after the lead."""
    out = np.empty(max(size_hint, lead), dtype=np.float32)
    out[:lead] = 0.0
    filled = lead
    chunk = bytearray(READ_CHUNK)
    view = memoryview(chunk)
    pending = b""
    while True:
        count = stream.readinto(view)  # type: ignore[attr-defined]
        if not count:
            break
        data = pending + bytes(view[:count]) if pending else view[:count]
        usable = len(data) - len(data) % 2
        pending = bytes(data[usable:])
        values = np.frombuffer(data[:usable], dtype="<i2")
        if filled + len(values) > len(out):
            out = np.resize(out, max(filled + len(values), len(out) + len(out) // 2))
        np.multiply(values, np.float32(1 / 32768), out=out[filled : filled + len(values)], casting="unsafe")
        filled += len(values)
        if most is not None and filled - lead > most:
            view.release()
            return None
    view.release()
    return out[:filled]  # a view: the few percent over-allocated are not worth a copy


def pcm(
    media: Media,
    rate: int,
    channels: int = 1,
    start: float | None = None,
    duration: float | None = None,
    stream: int = 0,
    limits: UrlLimits | None = None,
) -> np.ndarray:
    """All the samples of a decode (see :func:`decoding`) as float32 in [-1, 1), interleaved when
    ``channels`` is more than one.  Raises :class:`MediaError` when ffmpeg fails."""
    with decoding(media, rate, channels, stream=stream, start=start, duration=duration, limits=limits) as run:
        samples = read_samples(run.stdout, int((duration or 60.0) * rate * channels) + 16384)
    assert samples is not None  # no bound was set
    return samples
