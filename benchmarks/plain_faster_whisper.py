"""The baseline: a plain faster-whisper script, as a user would write it (prints its SRT).

Same model and settings as captioner's defaults: Whisper base (the embedded CTranslate2 model),
int8 on the CPU, beam size 5, word timestamps, all cores.
"""

from __future__ import annotations

import os
import sys

from faster_whisper import WhisperModel


def timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def main() -> None:
    model_dir, media = sys.argv[1], sys.argv[2]
    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=len(os.sched_getaffinity(0)))
    segments, info = model.transcribe(media, beam_size=5, word_timestamps=True)
    for index, seg in enumerate(segments, start=1):
        print(f"{index}\n{timestamp(seg.start)} --> {timestamp(seg.end)}\n{seg.text.strip()}\n")


if __name__ == "__main__":
    main()
