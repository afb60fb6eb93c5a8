"""A prepared job transcribed: its audio at once (``--speakers voices``: then told apart by voice,
while the audio is in memory), or (``--speakers channels``) a channel group at a time, each group
one speaker; and what the run says about the channels and voices it found.

Two talkers on two channels downmixed overlap in one signal, and Whisper follows one of them: on
the developer corpus' ``en_stereo_two_talkers`` the downmix gave only the left talker's sentence,
each channel on its own gave both.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from captioner.core.speakers import default_name, join_speakers, rename_speakers, speakers_of
from captioner.core.transcript import Transcript
from captioner.errors import BackendError, CaptionerError
from captioner.media.audio import SAMPLE_RATE, extract_audio
from captioner.media.channels import ChannelReport
from captioner.media.urls import MediaURL, UrlLimits
from captioner.run.prepared import Prepared
from captioner.run.recipe import Recipe
from captioner.run.regions import store_regions
from captioner.run.settings import Settings
from captioner.transcription.base import Backend, ProgressCallback, TranscribeOptions


def transcribe_prepared(
    engine: Backend,
    data: Prepared,
    recipe: Recipe,
    progress: ProgressCallback | None = None,
    limits: UrlLimits | None = None,
) -> Transcript:
    """The raw transcript of a prepared job (not refined; what the cache stores), with its speech
    regions and what was found about its channels.  ``limits`` bound what a cluster's workers read
    of a file they read themselves (see :class:`Prepared`'s ``reference``)."""
    if data.url is not None:
        transcript = transcribe_url(engine, data.url, recipe.options, progress)
    elif data.reference is not None:
        transcript = _transcribe_reference(engine, data, recipe, limits)
    elif data.groups:
        transcript = _transcribe_groups(engine, data, recipe, progress)
    else:
        assert data.audio is not None
        transcript = engine.transcribe(data.audio, recipe.options, progress=progress)
        store_regions(transcript, data.audio)
        if recipe.speakers in ("voices", "auto"):
            transcript = tell_voices_apart(transcript, data.audio, recipe)
    if data.channels is not None:
        transcript.meta["channels"] = data.channels.to_meta()
    return transcript


def transcribe_url(
    engine: Backend, url: MediaURL, options: TranscribeOptions, progress: ProgressCallback | None
) -> Transcript:
    """A URL transcribed by a backend that fetches it itself (see Capabilities.urls)."""
    send = getattr(engine, "transcribe_url", None)
    if send is None:  # pragma: no cover - prepare sends URLs only to backends that take them
        raise BackendError(f"the {engine.name} backend does not take URLs", str(url))
    transcript: Transcript = send(url.url, options, progress=progress)
    return transcript


def _transcribe_reference(engine: Backend, data: Prepared, recipe: Recipe, limits: UrlLimits | None) -> Transcript:
    """A file the cluster's workers read themselves (see captioner.transcription.cluster.whole_file)."""
    send = getattr(engine, "transcribe_reference", None)
    if send is None:  # pragma: no cover - prepare sends references only to a cluster
        raise BackendError(f"the {engine.name} backend does not read media itself")
    transcript: Transcript
    transcript, _ = send(
        data.reference,
        recipe.options,
        stream=recipe.audio_stream,
        seconds=data.info.duration,
        limits=limits,
        expected_hash=data.audio_hash,
    )
    return transcript


def _transcribe_groups(
    engine: Backend, data: Prepared, recipe: Recipe, progress: ProgressCallback | None
) -> Transcript:
    """Each channel group decoded and transcribed on its own (one in memory at a time), joined."""
    parts: list[tuple[str, Transcript]] = []
    count, options = len(data.groups), recipe.options
    for index, group in enumerate(data.groups):
        audio = extract_audio(data.info, recipe.audio_stream, channels=group)
        duration = len(audio) / SAMPLE_RATE

        def advance(seconds: float, done: float = index * duration, length: float = duration) -> None:
            if progress is not None:  # one bar for the file: each group a share of it
                progress((done + min(seconds, length)) / count)

        part = engine.transcribe(audio, options, progress=advance)
        store_regions(part, audio)
        part.meta["channels"] = list(group)
        parts.append((default_name(index), part))
        del audio
    return join_speakers(parts, {"speakers_by": "channels"})


def tell_voices_apart(transcript: Transcript, audio: np.ndarray, recipe: Recipe) -> Transcript:
    """``transcript`` of one signal (its speech regions stored) with its words given to the voices
    heard (``--speakers voices``; see :mod:`captioner.speakers`)."""
    from captioner.speakers import missing_dependency

    missing = missing_dependency()
    if missing is not None:
        raise CaptionerError(missing)
    from captioner.speakers.attribute import by_voice
    from captioner.speakers.cluster import find_voices, with_words

    regions = transcript.voice.speech if transcript.voice is not None else None
    speech = [(float(a), float(b)) for a, b in regions or ()]
    heard = with_words(speech, [(w.start, w.end) for w in transcript.words or ()])
    voices = find_voices(audio, heard, recipe.num_speakers, recipe.max_speakers)
    return by_voice(transcript, voices)


def name_speakers(transcript: Transcript, names: tuple[str, ...]) -> Transcript:
    """The transcript with the speakers named as the user asked (``--speaker-names``)."""
    return rename_speakers(transcript, names) if names else transcript


def channel_notes(transcript: Transcript, settings: Settings) -> list[str]:
    """What a run says about the channels: a suggestion when they carry different sound and were
    downmixed, what ``--speakers channels`` did (and ``voices``, see :func:`voice_notes`)."""
    notes = voice_notes(transcript)
    report = ChannelReport.from_meta(transcript.meta.get("channels"))
    if settings.speakers == "auto" and transcript.meta.get("speakers_by") != "channels":
        return notes  # the channels carry one sound: told apart by voice
    channels = settings.speakers in ("channels", "auto")
    if report is None:
        if settings.speakers == "channels" and not speakers_of(transcript) and "channels" not in transcript.meta:
            return ["note: one channel: no speakers to tell apart by channel"]
        return notes
    if channels and report.silent:
        notes.append(f"note: {_channels(report.silent, 'carries', 'carry')} no sound: left out")
    if not channels:
        if report.different:
            notes.append(
                f"note: its {report.channels} channels carry different sound (correlation "
                f"{report.largest_between_groups:.2f}): one speaker a channel? --speakers channels "
                "transcribes each on its own"
            )
    elif len(report.groups) == 1:
        same = report.groups[0]
        value = min((report.between(a, b) for a in same for b in same if a < b), default=1.0)
        detail = f" (correlation {value:.2f})" if len(same) > 1 else ""
        notes.append(
            f"note: {_channels(same, 'carries', 'carry')} the same sound{detail}: transcribed once, without speakers"
        )
    else:
        counts = Counter(w.speaker for w in transcript.words or ())
        said = ", ".join(
            f"{name} ({_channels(group)}): {counts.get(name, 0)} words"
            for name, group in zip(speakers_of(transcript), report.groups, strict=False)
        )
        notes.append(f"speakers by channel: {said}")
        if not report.different:
            notes.append(
                f"note: the channels share some sound (correlation {report.largest_between_groups:.2f}): "
                "words heard on two channels may be captioned twice"
            )
    return notes


def voice_notes(transcript: Transcript) -> list[str]:
    """What ``--speakers voices`` found: the words of each voice, and a warning when the number
    of voices is in doubt (two voices nearly alike: maybe one speaker in two manners)."""
    found = transcript.meta.get("diarization")
    if not isinstance(found, dict):
        return []
    voices = found.get("voices") or []
    if len(voices) < 2:
        notes = ["speakers by voice: one voice heard"]
    else:
        said = ", ".join(f"{v['speaker']}: {v['words']} words" for v in voices)
        notes = [f"speakers by voice: {said}"]
    if found.get("unsure"):
        notes.append(
            f"warning: two voices are nearly alike (similarity {found.get('closest', 0):.2f}): they may be one "
            "speaker; --num-speakers 1 labels none"
        )
    return notes


def _channels(channels: tuple[int, ...], one: str = "", several: str = "") -> str:
    """``channel 2``, ``channels 1 and 2`` (numbered from 1), followed by the verb that agrees."""
    numbers = [str(c + 1) for c in channels]
    if len(numbers) == 1:
        return f"channel {numbers[0]} {one}".rstrip()
    return f"channels {', '.join(numbers[:-1])} and {numbers[-1]} {several}".rstrip()
