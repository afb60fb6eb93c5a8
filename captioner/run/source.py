"""Where a media file's transcript comes from: the cache, else the backend (then stored).

One :class:`TranscriptSource` per recipe serves every command that needs a transcript: the run
(and so sync), check's and the run's kept captions, review, the studio, the API and the video
step.  They all key the cache with the recipe (:meth:`captioner.run.recipe.Recipe.cache_key`), so
a transcript one of them made is the very one the others find.
"""

from __future__ import annotations

from pathlib import Path

from captioner.core.transcript import Transcript
from captioner.errors import CaptionerError, MediaError
from captioner.media.hashing import audio_hash
from captioner.media.urls import Media, MediaURL, UrlLimits
from captioner.refine.refine import refine
from captioner.run.backend import LazyBackend
from captioner.run.cache import TranscriptCache
from captioner.run.jobs import AudioHash
from captioner.run.prepared import Prepared
from captioner.run.recipe import Recipe
from captioner.run.speakers import transcribe_prepared
from captioner.transcription.align.engine import align_with
from captioner.transcription.base import ProgressCallback


class TranscriptSource:
    """The transcripts of ``recipe``: looked up in ``cache`` (None: never), made by ``backend``
    (None: only looked up).  A run's backend without a name (see :class:`LazyBackend`) caches
    nothing; its own name and capabilities take the recipe's place (the recipe is cut to them)."""

    def __init__(
        self,
        recipe: Recipe,
        cache: TranscriptCache | None = None,
        backend: LazyBackend | None = None,
        url_limits: UrlLimits | None = None,
    ) -> None:
        if backend is not None and backend.spec is not None:
            recipe = recipe.on(backend.spec)
        self.recipe = recipe
        self.backend = backend
        self.cache = cache if backend is None or backend.spec is not None else None
        self.url_limits = url_limits or UrlLimits()

    @property
    def takes_urls(self) -> bool:
        """Whether the backend transcribes a URL itself (the service fetches it)."""
        return self.backend is not None and self.backend.capabilities.urls

    def audio_hash(self, media: Path, known: AudioHash | None = None) -> str:
        """The hash of ``media``'s audio stream the recipe reads (``known`` when it is of that stream)."""
        stream = self.recipe.audio_stream
        return known.digest if known is not None and known.stream == stream else audio_hash(media, stream)

    def key(self, media: Media, known: AudioHash | None = None) -> str:
        """The cache key of a local file (a URL's is known once its audio is read: MediaError)."""
        if isinstance(media, MediaURL):
            raise MediaError("a URL's cache key is known once its audio is read", str(media))
        return self.recipe.cache_key(self.audio_hash(media, known))

    def lookup(self, key: str | None, duration: float | None = None) -> Transcript | None:
        """The transcript stored under ``key`` (None: not cached, or no cache)."""
        return None if self.cache is None or key is None else self.cache.get(key, duration)

    def cached(self, media: Media, known: str | None = None) -> Transcript | None:
        """``media``'s raw transcript from the cache (``known``: the hash of its audio stream, when
        the caller has it), or None: not cached, no cache, or the media cannot be read."""
        if self.cache is None:
            return None
        try:
            if known is not None:
                return self.cache.get(self.recipe.cache_key(known))
            return self.cache.get(self.key(media))
        except CaptionerError:
            return None

    def raw(self, prepared: Prepared, progress: ProgressCallback | None = None) -> Transcript:
        """The raw transcript (not refined; what the cache holds) of a prepared job: the cached one,
        else transcribed by the backend (or, with the recipe's script, the script aligned to the
        audio) and stored (a failure to store costs the cache only)."""
        if prepared.transcript is not None:
            return prepared.transcript
        if self.backend is None:
            raise CaptionerError("no transcript in the cache, and no backend to transcribe")
        engine, script = self.backend.get(), self.recipe.script
        if script is None:
            transcript = transcribe_prepared(engine, prepared, self.recipe, progress, self.url_limits)
        elif prepared.audio is None:
            raise MediaError("a script is aligned to one audio track: not with --speakers channels or a URL")
        else:  # the script's words timed to the audio (see captioner.transcription.align)
            transcript = align_with(engine, prepared.audio, script, self.recipe.options, progress)
            if prepared.channels is not None:
                transcript.meta["channels"] = prepared.channels.to_meta()
        if self.cache is not None and prepared.cache_key is not None:
            self.cache.put(prepared.cache_key, transcript)
        return transcript

    def refined(self, media: Media, known: str | None = None) -> Transcript | None:
        """``media``'s cached transcript refined as a run refines it by default (hallucination
        filters, word retiming), so its words line up with the captions made from it; None when
        it is not cached."""
        cached = self.cached(media, known)
        return None if cached is None else refine(cached)
