"""What the user sees while a run goes: progress bars on a terminal, a few lines elsewhere.

On a terminal (stderr is a TTY and not ``--quiet``): one bar per file in flight (several when
files are transcribed side by side), in audio seconds transcribed with the speed as a multiple
of real time, and an overall bar for a batch.  In CI
logs (stderr not a TTY): no bars, one line per finished file.  ``--quiet``: errors only.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import threading
from dataclasses import dataclass
from typing import TextIO

import click
from tqdm import tqdm

from captioner.media.urls import Media
from captioner.run.jobs import FileResult


def error_line(message: str) -> str:
    return f"captioner: error: {message}"


class ConsoleReporter:
    """Bars and lines on stderr; safe to call from the threads of files transcribed side by side.

    Each file in flight has its own bar, on the first free line below the overall bar; a thread's
    ``advance`` moves the bar of the file it started last, and its next file replaces it.
    """

    def __init__(self, total_files: int, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.bars = not quiet and self.stream.isatty()
        self._overall: tqdm | None = None
        self._files: dict[Media, _FileBar] = {}  # the bars drawn, by media
        self._current = threading.local()  # .media: the file this thread transcribes
        self._lock = threading.RLock()
        self._ncols, self._nrows = _terminal_size(self.stream)
        if self.bars and total_files > 1:
            self._overall = tqdm(
                total=total_files,
                desc="all files",
                unit="file",
                position=0,
                file=self.stream,
                leave=True,
                ncols=self._ncols,
                nrows=self._nrows,
            )

    def _write(self, line: str) -> None:
        if self.bars:
            tqdm.write(line, file=self.stream)
        else:
            click.echo(line, file=self.stream)

    def start_file(self, media: Media, duration: float | None) -> None:
        previous = getattr(self._current, "media", None)
        self._current.media = media
        if not self.bars:
            return
        with self._lock:
            if previous is not None:  # this thread is done with it, though its result may wait its turn
                self._close_bar(previous)
            used = {bar.position for bar in self._files.values()}
            position = next(p for p in itertools.count(1 if self._overall is not None else 0) if p not in used)
            bar = tqdm(
                total=round(duration or 0.0, 1) or None,
                desc=media.name[:40],
                unit="s",
                unit_scale=False,
                position=position,
                leave=False,
                file=self.stream,
                ncols=self._ncols,
                nrows=self._nrows,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s [{elapsed}<{remaining}{postfix}]",
            )
            self._files[media] = _FileBar(bar, position)

    def advance(self, seconds: float) -> None:
        media = getattr(self._current, "media", None)
        with self._lock:
            file = self._files.get(media) if media is not None else None
            if file is None:
                return
            bar = file.bar
            if not bar.total and seconds == math.inf:
                return
            step = max(0.0, min(seconds, bar.total or seconds) - file.done)
            file.done += step
            elapsed = bar.format_dict.get("elapsed") or 0.0
            if elapsed > 0:
                bar.set_postfix_str(f"{file.done / elapsed:.1f}x real time", refresh=False)
            bar.update(step)
            if step and bar.total and file.done >= bar.total:
                bar.refresh()  # tqdm skips draws within 0.1 s of the last: the end must show

    def info(self, media: Media | None, message: str) -> None:
        if not self.quiet:
            with self._lock:
                self._write(f"{media}: {message}" if media else message)

    def finish_file(self, result: FileResult) -> None:
        with self._lock:
            self._close_bar(result.media)
            if self._overall is not None:
                self._overall.update(1)
            if result.status == "failed":
                self._write(error_line(str(result.error)))
            elif not self.quiet:
                self._write(describe(result))

    def _close_bar(self, media: Media) -> None:
        file = self._files.pop(media, None)
        if file is not None:
            file.bar.close()

    def close(self) -> None:
        with self._lock:
            for media in list(self._files):
                self._close_bar(media)
            if self._overall is not None:
                self._overall.close()


@dataclass
class _FileBar:
    bar: tqdm
    position: int  # the terminal line, counted from the overall bar's
    done: float = 0.0  # audio seconds shown


def _terminal_size(stream: TextIO) -> tuple[int, int]:
    """The terminal's columns and rows; 100 x 24 where it reports none (a new pty says 0 x 0)."""
    try:
        size = os.get_terminal_size(stream.fileno())
        columns, rows = size.columns, size.lines
    except (OSError, ValueError, AttributeError):
        columns, rows = 0, 0
    return columns or 100, rows or 24


def describe(result: FileResult) -> str:
    if result.status == "skipped":
        names = ", ".join(p.name for p in result.kept)
        return f"{result.media}: skipped, captions exist ({names}); --overwrite replaces them"
    parts = [f"{result.media}: wrote {', '.join(str(p) for p in result.written)}"]
    if result.kept:
        parts.append(f"kept existing {', '.join(p.name for p in result.kept)}")
    if result.wall_seconds > 0 and result.audio_seconds > 0:
        parts.append(f"{result.audio_seconds:.1f} s audio in {result.wall_seconds:.1f} s")
    return "; ".join(parts)
