"""The baseline: a plain faster-whisper script, as a user would write it (prints its SRT).

    python benchmarks/plain_faster_whisper.py MODEL_DIR MEDIA [--batch-size N]

Same model and settings as captioner's defaults: Whisper base (the embedded CTranslate2 model),
int8 on the CPU, beam size 5, word timestamps, all cores.  With ``--batch-size N``: what a user
who wants speed writes, faster-whisper's ``BatchedInferencePipeline`` (its VAD cuts the audio
into chunks of up to 30 s, N of them encoded and decoded at a time).
"""

from __future__ import annotations

import argparse
import os

from faster_whisper import BatchedInferencePipeline, WhisperModel


def timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model_dir")
    parser.add_argument("media")
    parser.add_argument("--batch-size", type=int, default=0, help="BatchedInferencePipeline with this batch size")
    args = parser.parse_args()
    model = WhisperModel(
        args.model_dir, device="cpu", compute_type="int8", cpu_threads=len(os.sched_getaffinity(0))
    )
    if args.batch_size:
        pipeline = BatchedInferencePipeline(model)
        segments, _ = pipeline.transcribe(args.media, beam_size=5, word_timestamps=True, batch_size=args.batch_size)
    else:
        segments, _ = model.transcribe(args.media, beam_size=5, word_timestamps=True)
    for index, seg in enumerate(segments, start=1):
        print(f"{index}\n{timestamp(seg.start)} --> {timestamp(seg.end)}\n{seg.text.strip()}\n")


if __name__ == "__main__":
    main()
