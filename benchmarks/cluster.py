"""captioner on a Dask cluster of this machine: 2 workers against 1, measured side by side.

    python benchmarks/cluster.py [--corpus DIR] [--rounds N] [--clips 20] [--long-seconds 600]

Two LocalClusters run at once, of 1 and of 2 worker processes with one thread each (the model
loaded on every worker before any timing).  Each round runs, alternately on the 1-worker and
the 2-worker cluster, captioner's pipeline (decode, send, transcribe, format, write JSON) on a
batch of short corpus clips and on one long file made by joining corpus read speech with ffmpeg.
Printed: wall time, throughput (audio seconds per second), the speed-up of 2 workers over 1, the
CPU time of this process and of the workers, the load average before each run, the overhead per
file (wall time minus the workers' decoding time, 1 worker), the bytes sent per audio hour, and
whether the words (text and times) are the local engine's, run here beforehand (of the files it
decoded at temperature 0 throughout: a window decoded by sampling changes from run to run).
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import DEFAULT_CORPUS, ROOT, manifest

sys.path.insert(0, str(ROOT))

from captioner.media.ffmpeg import ffmpeg_command  # noqa: E402

Words = dict[str, list[tuple[str, float, float]]]


@dataclass
class Run:
    wall: float
    client_cpu: float
    workers_cpu: float
    load: float
    decode_seconds: list[float]  # the workers' time in decode_piece, each piece
    sent: int  # pickled task arguments, bytes
    audio: float
    words: Words = field(default_factory=dict)


def pick_clips(corpus: Path, count: int, folder: Path) -> list[Path]:
    """The ``count`` first short speech clips of the corpus (by id), copied into ``folder``."""
    short = [i for i in manifest(corpus) if i["kind"] == "speech" and i["duration_s"] <= 15]
    items = sorted(short, key=lambda i: i["id"])
    folder.mkdir(parents=True)
    clips = []
    for item in items[:count]:
        clips.append(folder / item["file"])
        shutil.copyfile(corpus / item["file"], clips[-1])
    return clips


# Recordings left out of the long file: on disfluent, whispered, mixed-language and two-speaker
# speech Whisper falls back to sampling in some windows, whose words then change from run to run
# on any engine (the 10-minute file ended in such a stretch: 1,209 words the same, then not).
NOT_READ_SPEECH = ("disfluency", "mix_", "stereo", "two_speakers", "two_talkers")


def make_long(corpus: Path, seconds: float, path: Path) -> Path:
    """``seconds`` of English read speech from the corpus, longest recordings first, joined (and
    repeated) by ffmpeg."""
    items = sorted((i for i in manifest(corpus) if i["kind"] == "speech" and i["language"] == "en"
                    and not any(k in i["id"] for k in NOT_READ_SPEECH)), key=lambda i: -i["duration_s"])  # fmt: skip
    chosen, total = [], 0.0
    while total < seconds:
        for item in items:
            chosen.append(corpus / item["file"])
            total += item["duration_s"]
            if total >= seconds:
                break
    inputs = [arg for file in chosen for arg in ("-i", str(file))]
    prep = "".join(f"[{n}:a]aresample=16000,aformat=channel_layouts=mono[a{n}];" for n in range(len(chosen)))
    joined = prep + "".join(f"[a{n}]" for n in range(len(chosen))) + f"concat=n={len(chosen)}:v=0:a=1[out]"
    cmd = ffmpeg_command(*inputs, "-filter_complex", joined, "-map", "[out]", "-t", str(seconds), "-y", str(path))
    subprocess.run(cmd, check=True)
    return path


def words_of(results) -> Words:
    return {r.media.name: [(w.word, w.start, w.end) for w in r.transcript.words or ()] for r in results if r.transcript}


def sampled_in(results) -> set[str]:
    """The files with a window Whisper decoded by sampling (temperature > 0): their words change
    from run to run, on one machine as on a cluster."""
    return {r.media.name for r in results if r.transcript and any(s.temperature for s in r.transcript.segments)}


def pipeline(media: list[Path], lazy, out: Path):
    from captioner.run.jobs import make_jobs
    from captioner.run.scheduler import run
    from captioner.run.settings import Settings

    settings = Settings(formats=("json",), output_dir=out, overwrite=True)
    jobs, problems = make_jobs(media, settings)
    assert not problems, problems
    results = run(jobs, lazy, settings)
    failed = [r for r in results if r.status != "done"]
    assert not failed, [str(r.error) for r in failed]
    return results


def cpu_here() -> float:
    usage = map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return sum(r.ru_utime + r.ru_stime for r in usage)


def cpu_of_workers(client) -> float:
    def used() -> float:
        import resource as r

        return sum(u.ru_utime + u.ru_stime for u in map(r.getrusage, (r.RUSAGE_SELF, r.RUSAGE_CHILDREN)))

    return sum(client.run(used).values())


class Pieces(logging.Handler):
    """The workers' decoding seconds, from the -v lines (captioner.cluster at INFO)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.each: list[float] = []  # in the order they came back

    def emit(self, record: logging.LogRecord) -> None:
        if " decoded on " in record.msg:
            self.each.append(float(record.args[-1]))


def start_cluster(workers: int):
    from captioner.run.backend import ClusterLazyBackend
    from captioner.transcription.cluster.backend import ClusterBackend

    backend = ClusterBackend(f"local:{workers}")
    sent = [0]
    submit = backend.submit

    def counting(fn, *args, **kwargs):
        sent[0] += len(pickle.dumps(args))
        return submit(fn, *args, **kwargs)

    backend.submit = counting  # type: ignore[method-assign]
    return backend, ClusterLazyBackend(lambda: backend, backend.identity()), sent


def measure(backend, lazy, sent, media: list[Path], out: Path, audio: float, pieces: Pieces) -> Run:
    load = os.getloadavg()[0]
    pieces.each, sent[0] = [], 0
    client_before, workers_before = cpu_here(), cpu_of_workers(backend.client)
    started = time.perf_counter()
    results = pipeline(media, lazy, out)
    wall = time.perf_counter() - started
    client_cpu, workers_cpu = cpu_here() - client_before, cpu_of_workers(backend.client) - workers_before
    return Run(wall, client_cpu, workers_cpu, load, pieces.each, sent[0], audio, words_of(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--long-seconds", type=float, default=600.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from captioner.cli.policy import configure_cluster_logging

    configure_cluster_logging(debug=False, verbose=True)  # Dask quiet, as in the CLI
    pieces = Pieces()
    logging.getLogger("captioner.cluster").addHandler(pieces)
    logging.getLogger("captioner.cluster").propagate = False  # its -v lines counted, not printed
    work = Path(tempfile.mkdtemp(prefix="captioner-cluster-bench-"))
    try:
        report(args, work, pieces)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(args, work: Path, pieces: Pieces) -> None:
    from captioner.media.audio import extract_audio
    from captioner.media.probe import probe
    from captioner.run.backend import make_backend

    batches = {"clips": pick_clips(args.corpus, args.clips, work / "clips"),
               "long": [make_long(args.corpus, args.long_seconds, work / "long.flac")]}  # fmt: skip
    audio = {name: sum(probe(m).duration or 0.0 for m in media) for name, media in batches.items()}
    print(f"load average at the start: {os.getloadavg()[0]:.2f}; cores: {os.cpu_count()}")
    print(describe_pieces(extract_audio(probe(batches["long"][0]))))
    local, reference, sampled = {}, {}, {}
    for name, media in batches.items():  # the local engine as a user runs it: every core
        started = time.perf_counter()
        results = pipeline(media, make_backend("local"), work / "local")
        local[name] = time.perf_counter() - started
        reference[name], sampled[name] = words_of(results), sampled_in(results)
    clusters = {n: start_cluster(n) for n in (1, 2)}
    runs: dict[tuple[str, int], list[Run]] = {}
    try:
        for _ in range(args.rounds):
            for name, media in batches.items():
                for workers in (1, 2):
                    run = measure(*clusters[workers], media, work / f"out{workers}", audio[name], pieces)
                    runs.setdefault((name, workers), []).append(run)
    finally:
        for backend, _, _ in clusters.values():
            backend.close()
    print_table(batches, audio, local, runs, reference, sampled)
    one_hour = {name: 3600 / audio[name] for name in batches}
    long_samples = extract_audio(probe(batches["long"][0]))
    print("bytes per audio hour: float32 230.4 MB, 16-bit 115.2 MB; sent (pickled tasks, FLAC): "
          + ", ".join(f"{name} {statistics.median(r.sent for r in runs[(name, 1)]) * one_hour[name] / 1e6:.1f} MB"
                      for name in batches)
          + f"  (long file: {len(long_samples) / 16000:.0f} s)")  # fmt: skip


def describe_pieces(audio) -> str:
    """The long file's pieces, as the local engine (and so the cluster) cuts them."""
    from captioner.media.pieces import cut_into_pieces
    from captioner.transcription.base import TranscribeOptions
    from captioner.transcription.local.engine import PIECE_SECONDS, is_batched

    chunks = cut_into_pieces(audio, PIECE_SECONDS)
    kinds = ["batched" if is_batched(True, TranscribeOptions(), c) else "sequential" for c in chunks]
    return "long file: " + ", ".join(f"{c.describe(len(chunks)) or 'one piece'} {k}" for c, k in zip(chunks, kinds))


def print_table(batches, audio, local, runs, reference, sampled) -> None:
    print(f"\n{'batch':6} {'workers':>7} {'wall s':>8} {'audio s/s':>9} {'speed-up':>8} {'client cpu':>10} "
          f"{'workers cpu':>11} {'load':>5} {'same words':>10}")  # fmt: skip
    for name in batches:
        n_files = len(batches[name])
        steady = {f: w for f, w in reference[name].items() if f not in sampled[name]}
        speed = audio[name] / local[name]
        print(f"{name:6} {'local':>7} {local[name]:8.1f} {speed:9.2f}   (the local engine, every core)")
        for workers in (1, 2):
            for index, run in enumerate(runs[(name, workers)]):
                one = runs[(name, 1)][index].wall
                same = sum(run.words.get(f) == w for f, w in steady.items())
                print(f"{name:6} {workers:7d} {run.wall:8.1f} {audio[name] / run.wall:9.2f} {one / run.wall:7.2f}x "
                      f"{run.client_cpu:10.1f} {run.workers_cpu:11.1f} {run.load:5.2f} "
                      f"{same:>5}/{len(steady)}")  # fmt: skip
        if sampled[name]:
            print(f"{name:6} same words: of the files decoded at temperature 0; left out, sampled in the local run: "
                  + ", ".join(sorted(sampled[name])))  # fmt: skip
        ratios = [a.wall / b.wall for a, b in zip(runs[(name, 1)], runs[(name, 2)])]
        overhead = statistics.median((r.wall - sum(r.decode_seconds)) / n_files for r in runs[(name, 1)])
        print(f"{name:6} speed-up 2 workers / 1: median {statistics.median(ratios):.2f}x, best {max(ratios):.2f}x; "
              f"overhead per file (1 worker: wall - decoding): {overhead:.2f} s")  # fmt: skip
        # What the machine allows: 2 workers cannot beat their CPU time (and this process's) spread
        # over the cores, nor, for one file, the pieces that wait for the one before them.
        pairs = zip(runs[(name, 1)], runs[(name, 2)])
        ceiling = [a.wall * (os.cpu_count() or 1) / (b.client_cpu + b.workers_cpu) for a, b in pairs]
        print(f"{name:6} CPU-bound ceiling of the speed-up here (1-worker wall / 2-worker CPU time per core): "
              f"median {statistics.median(ceiling):.2f}x")  # fmt: skip
        if n_files == 1:
            print(f"{name:6} its pieces decoded in (1 worker): "
                  + ", ".join(f"{s:.1f}" for s in runs[(name, 1)][0].decode_seconds) + " s")  # fmt: skip
        print()


if __name__ == "__main__":
    main()
