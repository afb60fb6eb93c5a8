"""What the user sees while a run goes: progress bars on a terminal, a few lines elsewhere.

On a terminal (stderr is a TTY and not ``--quiet``): one bar per file, in audio seconds
transcribed with the speed as a multiple of real time, and an overall bar for a batch.  In CI
logs (stderr not a TTY): no bars, one line per finished file.  ``--quiet``: errors only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

import click
from tqdm import tqdm

from captioner.pipeline import FileResult


def error_line(message: str) -> str:
    return f"captioner: error: {message}"


class ConsoleReporter:
    def __init__(self, total_files: int, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.bars = not quiet and self.stream.isatty()
        self._overall: tqdm | None = None
        self._file: tqdm | None = None
        self._done_seconds = 0.0
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

    def start_file(self, media: Path, duration: float | None) -> None:
        self._done_seconds = 0.0
        if not self.bars:
            return
        self._file = tqdm(
            total=round(duration or 0.0, 1) or None,
            desc=media.name[:40],
            unit="s",
            unit_scale=False,
            position=1 if self._overall is not None else 0,
            leave=False,
            file=self.stream,
            ncols=self._ncols,
            nrows=self._nrows,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s [{elapsed}<{remaining}, {postfix}]",
        )

    def advance(self, seconds: float) -> None:
        if self._file is None:
            return
        step = max(0.0, min(seconds, self._file.total or seconds) - self._done_seconds)
        self._done_seconds += step
        elapsed = self._file.format_dict.get("elapsed") or 0.0
        if elapsed > 0:
            self._file.set_postfix_str(f"{self._done_seconds / elapsed:.1f}x real time", refresh=False)
        self._file.update(step)

    def info(self, media: Path | None, message: str) -> None:
        if not self.quiet:
            self._write(f"{media}: {message}" if media else message)

    def finish_file(self, result: FileResult) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._overall is not None:
            self._overall.update(1)
        if result.status == "failed":
            self._write(error_line(str(result.error)))
        elif not self.quiet:
            self._write(describe(result))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._overall is not None:
            self._overall.close()


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
