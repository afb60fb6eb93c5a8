"""The speech regions kept with a transcript, so that refining it never needs the audio again."""

from __future__ import annotations

import numpy as np

from captioner.core.transcript import Transcript
from captioner.refine.speech import detect_utterances, speech_regions


def store_regions(transcript: Transcript, audio: np.ndarray) -> None:
    """Keep the VAD's speech and utterance regions with the transcript (and so in the cache), so
    that filtering and retiming never need the audio again.  The local engine found the speech
    regions already; other backends get them here."""

    def rounded(regions: list[tuple[float, float]]) -> list[list[float]]:
        return [[round(a, 3), round(b, 3)] for a, b in regions]

    if transcript.meta.get("speech") is None:
        transcript.meta["speech"] = rounded(speech_regions(audio))
    transcript.meta["utterances"] = rounded(speech_regions(audio, detect=detect_utterances))
