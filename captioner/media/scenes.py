"""Shot changes: the times where a video's picture changes shot, by ffmpeg's scene score.

ffmpeg decodes the first video stream scaled down to :data:`WIDTH` pixels (the score compares whole
frames: a small picture scores the same cuts, many times faster), ``select='gt(scene,0.3)'`` keeps
the frames that differ from the one before by more than :data:`THRESHOLD`, and ``metadata=print``
writes their times.  The ffmpeg runs through :func:`captioner.media.ffmpeg.popen`, so it dies with
captioner, and is killed on every way out.  A media without video has no shots.
"""

from __future__ import annotations

import re
import subprocess
import threading
from pathlib import Path

from captioner.errors import MediaError
from captioner.media.ffmpeg import PREAMBLE, ffmpeg_exe, ffmpeg_path, last_ffmpeg_line, popen
from captioner.media.probe import probe

THRESHOLD = 0.3  # ffmpeg's scene score (0-1) above which a frame starts a new shot
WIDTH = 160  # pixels the frames are scaled to before they are scored
MAX_SHOTS = 100_000  # more is no film: a broken decode (noise) is not drawn
_TIME = re.compile(rb"pts_time:(-?[0-9.]+)")


def command(media: Path) -> list[str]:
    scene = f"scale={WIDTH}:-2,select='gt(scene,{THRESHOLD})',metadata=print:file=-"
    return [ffmpeg_exe(), *PREAMBLE, "-v", "error", "-i", ffmpeg_path(media), "-map", "0:v:0", "-an", "-sn",
            "-vf", scene, "-f", "null", "-"]  # fmt: skip


def compute_shots(media: Path) -> list[float]:
    """The times (seconds, to the millisecond, in order) where a new shot starts in ``media``'s first
    video stream; [] for audio."""
    if not probe(media).video_streams:
        return []
    proc = popen(command(media), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    errors: list[bytes] = []
    drain = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    drain.start()
    times: list[float] = []
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            found = _TIME.search(line)
            if found and len(times) < MAX_SHOTS:
                times.append(round(float(found.group(1)), 3))
        proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        drain.join()
        proc.stdout.close()  # type: ignore[union-attr]
    if proc.returncode != 0:
        raise MediaError(f"ffmpeg could not find the shot changes: {last_ffmpeg_line(b''.join(errors))}", str(media))
    return sorted(t for t in set(times) if t > 0)
