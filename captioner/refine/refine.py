"""Any backend's transcript made trustworthy: invented text removed, word times moved onto the speech."""

from __future__ import annotations

import numpy as np

from captioner.core.speakers import rejoin, split_speakers
from captioner.core.transcript import Transcript
from captioner.refine.hallucination import FilterSettings, clean
from captioner.refine.speech import retime, speech_and_utterance_regions, speech_regions

# Whisper base's word times are early against forced alignment (developer corpus, see
# benchmarks/accuracy.py); these shifts remove most of that bias.
WORD_START_SHIFT = 0.1
WORD_END_SHIFT = 0.05
WORD_FINAL_EXTENSION = 0.2  # without utterance regions (a transcript cached before they were saved)
WORD_MAX_FINAL_EXTENSION = 0.4  # with them: the last word of an utterance ends where it ends
DEFAULT_FILTERS = FilterSettings()


def refine(
    transcript: Transcript,
    audio: np.ndarray | None = None,
    *,
    filters: FilterSettings | None = DEFAULT_FILTERS,
    retime_words: bool = True,
) -> Transcript:
    """Any backend's transcript without invented text (``filters``; None keeps every word), with
    word times on the speech (``retime_words``).

    The VAD runs on ``audio`` (when given; else the regions saved in ``transcript.voice`` at
    transcription time are used) to find the speech the filters and timing rely on.  What was
    removed is recorded in ``meta["filtered"]``.  A transcript of several speakers (see
    :mod:`captioner.core.speakers`) is refined a speaker at a time, each on its own speech regions.
    """
    aligned = transcript.meta.get("aligned")
    if aligned is not None:
        filters = None  # a script's words are all said: none is invented
    if filters is None and not retime_words:
        return transcript
    if audio is None and transcript.meta.get("parts"):
        parts = [
            (name, refine(one, filters=filters, retime_words=retime_words)) for name, one in split_speakers(transcript)
        ]
        return rejoin(transcript, parts)
    utterances: list[tuple[float, float]] | None = None
    if audio is not None:
        speech: list[tuple[float, float]] | None
        if retime_words:
            speech, utterances = speech_and_utterance_regions(audio)
        else:
            speech = speech_regions(audio)
    elif transcript.voice is not None and transcript.voice.speech is not None:
        speech = [(float(a), float(b)) for a, b in transcript.voice.speech]
    else:
        speech = None
    if audio is None and transcript.voice is not None and transcript.voice.utterances is not None:
        utterances = [(float(a), float(b)) for a, b in transcript.voice.utterances]
    if filters is not None:
        transcript, report = clean(transcript, speech, filters)
        transcript.meta["filtered"] = report.to_dict()
    if retime_words:
        transcript = retime(
            transcript,
            speech,
            start_shift=WORD_START_SHIFT,
            end_shift=WORD_END_SHIFT,
            final_extension=WORD_FINAL_EXTENSION,
            utterances=utterances,
            max_final_extension=WORD_MAX_FINAL_EXTENSION,
            scripted=aligned is not None,  # every word is said: see retime
            exact=[(int(a), int(b)) for a, b in (aligned or {}).get("phones") or ()],
        )
    if speech is not None:
        transcript.meta["speech_seconds"] = round(sum(b - a for a, b in speech), 2)
    return transcript


def has_words(transcript: Transcript) -> bool:
    if transcript.words is not None:
        return any(w.text for w in transcript.words)
    return any(s.text.strip() for s in transcript.segments)
