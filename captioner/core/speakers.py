"""Transcripts of several speakers: one transcript a speaker joined into one, and taken apart again.

``--speakers channels`` transcribes each channel (or group of channels carrying the same voice) on
its own.  :func:`join_speakers` puts those transcripts on one time line: every word and segment
keeps its ``speaker``, and ``meta["parts"]`` keeps each speaker's own metadata (language, speech
regions, ...), so that :func:`split_speakers` gives back each speaker's transcript for the stages
that work on one voice (filters, retiming, cue layout).  Speakers are named ``Speaker 1``,
``Speaker 2``, ... in channel order; :func:`rename_speakers` applies the names a user gave.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from captioner.core.transcript import Transcript

# meta keys describing the whole file, not one speaker's transcription
_SHARED_META = ("backend", "model", "compute_type", "language_probability", "language_forced", "vad")
MAX_NAME_CHARS = 32
# --speakers: all channels downmixed; a speaker a channel; speakers told apart by their voices;
# channels when the channels carry different sound, voices otherwise.
SPEAKER_MODES = ("mix", "channels", "voices", "auto")
MAX_SPEAKERS = 20  # --num-speakers, --max-speakers


# Raised when the voices found from the same audio change: a transcript diarized before is not served
# (2: windows also over the words heard where the VAD found no speech, see captioner.speakers.cluster).
VOICES_VERSION = "v2"


def speakers_key(mode: str, num: int | None = None, most: int | None = None) -> str:
    """What of the speaker settings shapes a cached transcript: the mode, and with voices the counts."""
    if mode not in ("voices", "auto"):
        return mode
    counts = [f"{k}={v}" for k, v in (("num", num), ("max", most)) if v is not None]
    return ":".join([mode, VOICES_VERSION, *counts])


def check_count(value: int | None, what: str) -> int | None:
    """``--num-speakers`` / ``--max-speakers`` checked: None, or 1 to :data:`MAX_SPEAKERS`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SPEAKERS:
        raise ValueError(f"{what} must be a whole number from 1 to {MAX_SPEAKERS}")
    return value


def check_names(names: Sequence[str] | str) -> tuple[str, ...]:
    """Speaker names as given (``"Ann,Bob"`` or a list), checked: each non-empty, at most
    :data:`MAX_NAME_CHARS` characters, none twice, and nothing a caption format would misread
    (``<``, ``>`` and ``&`` end or open WebVTT markup; a comma separates names)."""
    items = names.split(",") if isinstance(names, str) else list(names)
    out: list[str] = []
    for raw in items:
        name = " ".join(str(raw).split())
        if not name:
            raise ValueError("a speaker name is empty")
        if len(name) > MAX_NAME_CHARS:
            raise ValueError(f"speaker name {name!r} is longer than {MAX_NAME_CHARS} characters")
        bad = sorted({ch for ch in name if ch in "<>&," or ord(ch) < 32})
        if bad:
            raise ValueError(f"speaker name {name!r} holds {''.join(bad)!r}")
        if name in out:
            raise ValueError(f"speaker name {name!r} is given twice")
        out.append(name)
    if not out:
        raise ValueError("no speaker names")
    return tuple(out)


def default_name(index: int) -> str:
    """The name of the ``index``-th speaker (0-based) when the user gave none."""
    return f"Speaker {index + 1}"


def speakers_of(transcript: Transcript) -> list[str]:
    """The speakers of a joined transcript, in channel order (by voice: in order of first
    appearance; [] for one voice)."""
    return [str(part["speaker"]) for part in transcript.meta.get("parts") or ()]


def join_speakers(parts: Sequence[tuple[str, Transcript]], meta: dict[str, Any] | None = None) -> Transcript:
    """One transcript from each speaker's (``(name, transcript)`` in channel order): words and
    segments in time order, each with its speaker; ``meta`` added to the joined metadata."""
    if not parts:
        raise ValueError("no speakers to join")
    words_by = {name: len(t.words or ()) for name, t in parts}
    main = max(parts, key=lambda p: words_by[p[0]])[1]  # the language of the one who says most
    segments = sorted(
        (replace(s, speaker=name) for name, t in parts for s in t.segments), key=lambda s: (s.start, s.end)
    )
    has_words = any(t.words is not None for _, t in parts)
    words = (
        sorted((replace(w, speaker=name) for name, t in parts for w in t.words or ()), key=lambda w: (w.start, w.end))
        if has_words
        else None
    )
    joined_meta: dict[str, Any] = {k: main.meta[k] for k in _SHARED_META if k in main.meta}
    joined_meta["speakers"] = [name for name, _ in parts]
    joined_meta.update(meta or {})
    joined_meta["parts"] = [
        {"speaker": name, "language": t.language, **{k: v for k, v in t.captioner_block().items() if k != "parts"}}
        for name, t in parts
    ]
    return Transcript(
        language=main.language,
        duration=max(t.duration for _, t in parts),
        segments=[replace(s, id=i) for i, s in enumerate(segments)],
        words=words,
        task=main.task,
        meta=joined_meta,
    )


def split_speakers(transcript: Transcript) -> list[tuple[str, Transcript]]:
    """Each speaker's transcript from a joined one, as :func:`join_speakers` was given them."""
    out: list[tuple[str, Transcript]] = []
    for part in transcript.meta.get("parts") or ():
        name = str(part["speaker"])
        meta, voice = Transcript.split_block({k: v for k, v in part.items() if k not in ("speaker", "language")})
        segments = [replace(s, speaker=None) for s in transcript.segments if s.speaker == name]
        words = (
            None
            if transcript.words is None
            else [replace(w, speaker=None) for w in transcript.words if w.speaker == name]
        )
        one = Transcript(
            language=str(part["language"]),
            duration=transcript.duration,
            segments=[replace(s, id=i) for i, s in enumerate(segments)],
            words=words,
            task=transcript.task,
            meta=meta,
            voice=voice,
        )
        out.append((name, one))
    return out


def rejoin(transcript: Transcript, parts: Sequence[tuple[str, Transcript]]) -> Transcript:
    """:func:`join_speakers` of ``parts`` with the file-wide metadata of ``transcript`` (the
    joined transcript they were split from)."""
    shared = {k: v for k, v in transcript.meta.items() if k not in ("parts", "speakers", *_SHARED_META)}
    return join_speakers(parts, shared)


def rename_speakers(transcript: Transcript, names: Sequence[str]) -> Transcript:
    """The joined ``transcript`` with its speakers named ``names`` (in channel order; speakers
    beyond them keep their names)."""
    old = speakers_of(transcript)
    mapping = {a: b for a, b in zip(old, names, strict=False)}
    if not mapping or all(a == b for a, b in mapping.items()):
        return transcript
    parts = [(mapping.get(name, name), t) for name, t in split_speakers(transcript)]
    joined = rejoin(transcript, parts)
    found = joined.meta.get("diarization")
    if isinstance(found, dict):  # --speakers voices: the turns and voices carry the names too
        joined.meta["diarization"] = {
            **found,
            "turns": [[a, b, mapping.get(name, name)] for a, b, name in found.get("turns") or ()],
            "voices": [{**v, "speaker": mapping.get(v["speaker"], v["speaker"])} for v in found.get("voices") or ()],
        }
    return joined


def speaker_counts(transcript: Transcript) -> Counter[str]:
    """Words said by each speaker."""
    return Counter(w.speaker for w in transcript.words or () if w.speaker is not None)
