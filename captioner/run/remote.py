"""A URL job made ready: its audio read by ffmpeg from the URL, or the URL itself for a backend
that takes one (aiXplain: the service fetches it; nothing is downloaded or uploaded here).

One look at the URL first (:func:`captioner.media.remote.look`: its first bytes) names bad input
in one line before ffmpeg starts, and tells whether the backend can take the URL as it is.  The
local engine's audio is read once, decoded as it streams, and hashed once decoded (the cache key;
see :func:`captioner.media.hashing.samples_hash`): a cache hit still reads the URL, but spares the
transcription.
"""

from __future__ import annotations

from captioner.media.audio import extract_audio
from captioner.media.hashing import samples_hash
from captioner.media.probe import MediaInfo, probe, select_audio_stream
from captioner.media.remote import look
from captioner.media.urls import MediaURL
from captioner.run.prepared import Prepared
from captioner.run.recipe import Recipe
from captioner.run.source import TranscriptSource
from captioner.transcription.aixplain.sources import why_not_direct


def prepare_url(url: MediaURL, source: TranscriptSource) -> Prepared:
    """The job of ``url`` made ready (see the module docstring); a one-line MediaError names the URL."""
    limits, recipe = source.url_limits, source.recipe
    remote = look(url, limits)
    note = None
    if source.takes_urls:
        why = why_not_direct(remote.size, remote.head) or _needs_decoding(recipe)
        if why is None:
            return Prepared(info=MediaInfo(path=url, format_name="url", duration=None), url=url)
        note = f"note: {why}: the audio is downloaded, cut and uploaded instead of sending the URL"
    info = probe(url, limits)
    select_audio_stream(info, recipe.audio_stream)
    audio = extract_audio(info, recipe.audio_stream)
    key = None
    if source.cache is not None:
        key = recipe.cache_key(samples_hash(audio, recipe.audio_stream))
        cached = source.lookup(key, info.duration)
        if cached is not None:
            return Prepared(info=info, cache_key=key, transcript=cached, notes=(note,) if note else ())
    return Prepared(info=info, cache_key=key, audio=audio, notes=(note,) if note else ())


def _needs_decoding(recipe: Recipe) -> str | None:
    if recipe.audio_stream != 0:
        return "--audio-stream picks a stream the service cannot choose"
    if recipe.speakers != "mix":
        return f"--speakers {recipe.speakers} needs the audio here"
    return None
