"""Where the time of one captioner run goes, phase by phase.

    python benchmarks/phases.py MEDIA [captioner options...]

Runs ``captioner MEDIA -f srt,vtt --no-cache --overwrite -q [options]`` in this process with
timers around its phases: model load, audio decode, the digital-silence scan, each VAD pass,
the log-mel features, and CTranslate2's calls (encoder, decoder with each temperature of the
fallback ladder, word alignment, language detection), hole re-decoding, the filters,
retiming, segmentation and writing.  Times are exclusive (a phase's own time, without the
phases timed inside it) and nested phases are shown as a path: ``holes > generate`` is the
decoder's time inside the hole re-decoding.  Wall and CPU time (process, all threads) per phase;
the rest of the run is ``(other)``.
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_stack: list[str] = []
_wall: dict[str, float] = defaultdict(float)
_cpu: dict[str, float] = defaultdict(float)
_calls: dict[str, int] = defaultdict(int)
_main = threading.main_thread()


class _Timer:
    """Exclusive time of ``name`` under the current phase path (main thread only)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        self.active = threading.current_thread() is _main
        if not self.active:
            return
        now, cpu = time.perf_counter(), time.process_time()
        if _stack:
            _charge(now, cpu)
        _stack.append(self.name)
        _calls[" > ".join(_stack)] += 1
        self.marks = (now, cpu)
        _marks.append((now, cpu))

    def __exit__(self, *exc: object) -> None:
        if not self.active:
            return
        _charge(time.perf_counter(), time.process_time())
        _stack.pop()
        _marks.pop()
        if _marks:
            _marks[-1] = (time.perf_counter(), time.process_time())


_marks: list[tuple[float, float]] = []


def _charge(now: float, cpu: float) -> None:
    path = " > ".join(_stack)
    start, start_cpu = _marks[-1]
    _wall[path] += now - start
    _cpu[path] += cpu - start_cpu
    _marks[-1] = (now, cpu)


def timed(owner: Any, attribute: str, name: str | None = None) -> None:
    original = getattr(owner, attribute, None)
    if original is None:  # not in this version of the code
        return

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _Timer(name or attribute):
            return original(*args, **kwargs)

    setattr(owner, attribute, wrapper)


def instrument() -> None:
    import faster_whisper.feature_extractor as fe
    import faster_whisper.transcribe as fw

    import captioner.interrupt as interrupt
    import captioner.refine.refine as refine
    import captioner.run.backend as backend
    import captioner.run.outputs as outputs
    import captioner.run.prepare as prepare
    import captioner.run.speakers as speakers
    import captioner.transcription.local.engine as engine

    original_call = interrupt.call

    def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
        name = getattr(fn, "__name__", "native")
        if name == "generate":
            temperature = kwargs.get("sampling_temperature", 1.0) if kwargs.get("beam_size", 1) == 1 else 0.0
            name = f"generate t={temperature:.1f} ({len(args[1]) if len(args) > 1 else '?'} prompts)"
        elif name == "get_speech_timestamps":
            name = "silero vad"
        with _Timer(name):
            return original_call(fn, *args, **kwargs)

    interrupt.call = call
    timed(engine.LocalBackend, "__init__", "model load")  # in the loader thread: shown as the wait below
    timed(backend.LazyBackend, "get", "model load (waited for)")
    timed(prepare, "extract_audio", "audio decode")
    timed(prepare, "probe", "probe")
    timed(engine, "sounding_clips", "silence scan")
    timed(engine, "speech_regions", "vad")
    timed(engine, "speech_and_utterance_regions", "vad")
    timed(speakers, "store_regions", "vad (pipeline)")
    timed(engine.LocalBackend, "_repair_holes", "holes")
    timed(engine.LocalBackend, "transcribe", "transcribe")
    timed(fe.FeatureExtractor, "__call__", "log-mel")
    timed(fw.WhisperModel, "add_word_timestamps", "word alignment")
    timed(refine, "clean", "filters")
    timed(refine, "retime", "retime")
    timed(outputs, "segment", "segmentation")
    timed(outputs, "render_with_notes", "render")
    timed(outputs, "atomic_write_text", "writing")

def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    started, started_cpu = time.perf_counter(), time.process_time()
    with _Timer("imports"):
        import captioner.cli.main as cli  # noqa: F401
    instrument()
    args = [sys.argv[1], "-f", "srt,vtt", "--no-cache", "--overwrite", "-q", *sys.argv[2:]]
    try:
        cli.main(args, prog_name="captioner", standalone_mode=False)
    finally:
        total, total_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        other = total - sum(_wall.values())
        other_cpu = total_cpu - sum(_cpu.values())
        print(f"{'phase':58} {'calls':>5} {'wall s':>8} {'cpu s':>8} {'wall %':>7}")
        for path in sorted(_wall, key=lambda p: -_wall[p]):
            print(f"{path:58} {_calls[path]:5d} {_wall[path]:8.2f} {_cpu[path]:8.2f} {100 * _wall[path] / total:6.1f}%")
        print(f"{'(other)':58} {'':5} {other:8.2f} {other_cpu:8.2f} {100 * other / total:6.1f}%")
        print(f"{'total':58} {'':5} {total:8.2f} {total_cpu:8.2f}")


if __name__ == "__main__":
    main()
