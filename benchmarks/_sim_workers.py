"""Simulated Dask workers for benchmarks/cluster_sim.py: real ``distributed.Worker`` servers, many in
one process, running captioner's real tasks with the model and the decoder stood in for.

    python benchmarks/_sim_workers.py SCHEDULER COUNT STORED_DIR SLEEP_PER_AUDIO_SECOND

Each worker registers with the scheduler, gets captioner's model plugin from the client (which
checks it as usual), and runs the tasks the client sends: ``decode_piece`` (the client sends
audio) and ``transcribe_reference`` (the workers read media).  What would use a core is replaced:
the model ``transcribes`` by sleeping for the piece's (or file's) duration times
SLEEP_PER_AUDIO_SECOND (the real-time factor measured on this machine, times the run's scale),
then answers the real transcript of that piece stored by cluster_sim.py; the audio a piece brings
is not unpacked, and a file the workers read is checked to exist where the mapping says (its
hash is the stored one).  Everything else, the wire, the JSON, the checks, is captioner's.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from captioner.transcription.cluster import reader, replies, worker  # noqa: E402
from captioner.transcription.cluster.media_map import worker_path  # noqa: E402


class Stored:
    """The real transcripts cluster_sim.py made of its long file: by piece, and whole."""

    def __init__(self, folder: Path) -> None:
        info = json.loads((folder / "stored.json").read_text())
        self.hash = info["hash"]
        self.duration = info["duration"]
        self.pieces = {}
        for piece in info["pieces"]:
            value = replies.read_piece(json.loads(piece["json"]))
            self.pieces[(piece["start"], piece["end"])] = value
        digest, self.transcript = replies.read_file(json.loads((folder / "file.json").read_text()))


class SimBackend:
    """The model, stood in for (see the module doc)."""

    def __init__(self, stored: Stored, per_second: float) -> None:
        self.stored = stored
        self.per_second = per_second

    def transcribe_piece(self, view, chunk, options, start):
        time.sleep(chunk.duration * self.per_second)
        return replace(self.stored.pieces[(chunk.start, chunk.end)], start=start)

    def transcribe(self, audio, options, progress=None):
        time.sleep(self.stored.duration * self.per_second)
        return self.stored.transcript

    def detect_language(self, audio):
        return "en", 0.99, None


def store_transcripts(media: Path, folder: Path) -> None:
    """The real transcript of ``media`` piece by piece (as a one-pass run decodes them, one
    thread) and whole, and the real-time factor that took, in ``folder`` for :class:`Stored`."""
    from captioner.media.audio import extract_audio
    from captioner.media.hashing import audio_hash
    from captioner.media.pieces import cut_into_pieces
    from captioner.media.probe import probe
    from captioner.transcription.base import TranscribeOptions
    from captioner.transcription.local.engine import PIECE_SECONDS, LocalBackend, is_batched
    from captioner.transcription.local.piecewise import AudioView, assemble, first_start, next_start

    audio = extract_audio(probe(media))
    chunks = cut_into_pieces(audio, PIECE_SECONDS)
    options = TranscribeOptions()
    backend = LocalBackend(threads=1, workers=1)
    backend.transcribe(audio[: 16000 * 5], options)  # the model loaded before timing
    results: list = []
    started = time.monotonic()
    for index, chunk in enumerate(chunks):
        batched = is_batched(True, options, chunk)
        start = first_start(options, batched) if index == 0 else next_start(options, results[0], results[-1], batched)
        results.append(backend.transcribe_piece(AudioView(audio), chunk, options, start))
    wall = time.monotonic() - started
    duration = len(audio) / 16000
    digest = audio_hash(media)
    pieces = [
        {"start": c.start, "end": c.end, "json": replies.encode_piece(r).decode()} for c, r in zip(chunks, results)
    ]
    info = {"hash": digest, "duration": duration, "rtf": wall / duration, "pieces": pieces}
    (folder / "stored.json").write_text(json.dumps(info))
    transcript = assemble(results, duration, options, backend.identity())
    (folder / "file.json").write_bytes(replies.encode_file(digest, transcript))


def install(stored: Stored, per_second: float) -> None:
    worker._load = lambda wanted, threads: SimBackend(stored, per_second)
    worker.unpack = lambda packed: np.zeros(0, dtype=np.float32)

    def read_media(ref, stream, limits):
        os.stat(worker_path(ref))  # a path the worker cannot reach fails as it would
        return np.zeros(0, dtype=np.float32), stored.hash

    reader.read_media = read_media


async def serve(address: str, count: int) -> None:
    from distributed import Worker

    workers = [Worker(address, nthreads=1, memory_limit=0, host="127.0.0.1", dashboard=False) for _ in range(count)]
    await asyncio.gather(*workers)
    await asyncio.gather(*(w.finished() for w in workers))


def main() -> None:
    address, count, folder, per_second = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])
    install(Stored(folder), per_second)
    asyncio.run(serve(address, count))


if __name__ == "__main__":
    main()
