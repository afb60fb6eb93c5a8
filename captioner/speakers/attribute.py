"""Each word given the voice heard around it, and the transcript taken apart by voice into the
joined shape of :mod:`captioner.core.speakers` (as ``--speakers channels`` makes it), so that the
filters, the retiming and the dialogue cues treat both modes alike.

The joined metadata keeps what the diarization found (``meta["diarization"]``): the turns
(``[start, end, speaker]``, a turn being a speaker's run of words), and for each voice its
number of windows and mean embedding (256 numbers), so that a transcript from the cache needs no
second diarization and the studio can compare voices.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from captioner.core.speakers import default_name, join_speakers
from captioner.core.transcript import Segment, Transcript, Word
from captioner.speakers.cluster import Voices

METHOD = "resemblyzer-ge2e-0.1.4/scipy-average-cosine"


def word_voices(words: list[Word], voices: Voices) -> list[int]:
    """The voice of each word: that of the window whose centre is nearest the word's middle."""
    if not len(voices.centres):
        return [0] * len(words)
    mids = np.array([(w.start + w.end) / 2 for w in words])
    right = np.clip(np.searchsorted(voices.centres, mids), 0, len(voices.centres) - 1)
    left = np.clip(right - 1, 0, len(voices.centres) - 1)
    nearest = np.where(np.abs(voices.centres[left] - mids) <= np.abs(voices.centres[right] - mids), left, right)
    return [int(v) for v in voices.labels[nearest]]


def by_voice(transcript: Transcript, voices: Voices) -> Transcript:
    """``transcript`` (one signal) with its speakers told apart by ``voices``; with fewer than two
    voices among its words, the transcript as it was, with what was found in its metadata."""
    words = transcript.words or []
    heard = word_voices(words, voices)
    order = list(dict.fromkeys(heard))  # voices in order of first word
    names = {v: default_name(k) for k, v in enumerate(order)}
    summary = _summary(voices, names, heard)
    if len(order) < 2:
        out = replace(transcript, meta={**transcript.meta, "diarization": summary})
        return out
    labelled = [replace(w, speaker=names[v]) for w, v in zip(words, heard, strict=True)]
    segments = _segments(transcript, labelled, voices, names)
    summary["turns"] = turns(labelled)
    parts = []
    for v in order:
        name = names[v]
        mine = [s for s in segments if s.speaker == name]
        part = Transcript(
            language=transcript.language,
            duration=transcript.duration,
            segments=[replace(s, id=i, speaker=None) for i, s in enumerate(mine)],
            words=[replace(w, speaker=None) for w in labelled if w.speaker == name],
            task=transcript.task,
            meta={k: v for k, v in transcript.meta.items() if k not in ("parts", "speakers")},
            voice=transcript.voice,  # the signal's speech regions: each voice is refined on them
        )
        parts.append((name, part))
    shared = {k: v for k, v in transcript.meta.items() if k not in ("parts", "speakers")}
    return join_speakers(parts, {**shared, "speakers_by": "voices", "diarization": summary})


def turns(words: list[Word]) -> list[list[Any]]:
    """``[start, end, speaker]`` of each run of words by one speaker."""
    out: list[list[Any]] = []
    for w in words:
        if out and out[-1][2] == w.speaker:
            out[-1][1] = round(w.end, 3)
        else:
            out.append([round(w.start, 3), round(w.end, 3), w.speaker])
    return out


def _segments(transcript: Transcript, words: list[Word], voices: Voices, names: dict[int, str]) -> list[Segment]:
    """Each segment cut where its words change speaker (the pieces keep the decoder's scores);
    a segment without words goes to the voice heard at its middle."""
    out: list[Segment] = []
    for seg in transcript.segments:
        mine = [w for w in words if seg.start <= (w.start + w.end) / 2 <= seg.end + 1e-6]
        if not mine:
            probe = Word(word="", start=seg.start, end=seg.end)
            voice = word_voices([probe], voices)[0]
            out.append(replace(seg, speaker=names.get(voice, next(iter(names.values())))))
            continue
        runs: list[list[Word]] = []
        for w in mine:
            if runs and runs[-1][-1].speaker == w.speaker:
                runs[-1].append(w)
            else:
                runs.append([w])
        if len(runs) == 1:
            out.append(replace(seg, speaker=runs[0][0].speaker))
            continue
        for k, run in enumerate(runs):
            start = seg.start if k == 0 else run[0].start
            end = seg.end if k == len(runs) - 1 else run[-1].end
            text = "".join(w.word for w in run)
            out.append(replace(seg, start=start, end=end, text=text, tokens=(), speaker=run[0].speaker))
    return out


def _summary(voices: Voices, names: dict[int, str], heard: list[int]) -> dict[str, Any]:
    """What the diarization found, for the transcript's metadata."""
    counts = np.bincount(voices.labels, minlength=voices.count) if len(voices.labels) else np.zeros(0, int)
    listed = [
        {
            "speaker": names[v],
            "windows": int(counts[v]),
            "words": heard.count(v),
            "embedding": [round(float(x), 4) for x in voices.centroids[v]],
        }
        for v in names
    ]
    return {
        "method": METHOD,
        "voices": listed,
        "closest": round(voices.closest, 4),
        "unsure": bool(voices.unsure),
        "turns": [],
    }
