"""The speech regions kept with a transcript, so that refining it never needs the audio again."""

from __future__ import annotations

import numpy as np

from captioner.core.transcript import Transcript, VoiceRegions
from captioner.refine.speech import speech_and_utterance_regions


def store_regions(transcript: Transcript, audio: np.ndarray) -> None:
    """Keep the VAD's speech and utterance regions with the transcript (and so in the cache), so
    that filtering and retiming never need the audio again.  The local engine found the speech
    and utterance regions already (one VAD pass gives both); other backends get them here."""

    def rounded(regions: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
        return tuple((round(a, 3), round(b, 3)) for a, b in regions)

    known = transcript.voice or VoiceRegions()
    if known.speech is not None and known.utterances is not None:
        return
    speech, utterances = speech_and_utterance_regions(audio)
    transcript.voice = VoiceRegions(known.speech if known.speech is not None else rounded(speech), rounded(utterances))
