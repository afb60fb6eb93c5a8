"""Decode a stretch of a media file again with the tree's backend, as a proposal of new cues.

The stretch (with a little audio either side, so words at its edges are heard whole) goes through
the same steps as a whole file: the tree's backend (the local engine or aiXplain, optionally with
a forced language or a prompt),
the pipeline's refinement (hallucination filters, word retiming) and the segmenter; the words whose
middle falls inside the stretch become the proposed cues.  The model is loaded on first use and
kept for the server's life.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np

from captioner.captions.linebreak import bare
from captioner.captions.segmentation import segment
from captioner.core.style import Style
from captioner.core.transcript import Transcript, Word
from captioner.edit.analysis import EditCue
from captioner.errors import MediaError
from captioner.media.audio import SAMPLE_RATE, audio_lead
from captioner.media.pcm import pcm
from captioner.media.probe import probe, select_audio_stream
from captioner.media.urls import Media
from captioner.refine.refine import refine
from captioner.run.backend import make_backend
from captioner.run.recipe import DEFAULT_MODEL, TREE_BEAM_SIZE, TREE_TASK, BackendSpec, Recipe
from captioner.transcription.base import Backend

CONTEXT = 0.5  # seconds of audio either side of the stretch
EDGE_WORDS = 3  # words heard in that margin that may still belong to the stretch
MAX_SECONDS = 600.0  # a longer stretch is better served by captioner sync --force


def decode_range(media: Media, start: float, end: float, audio_stream: int = 0) -> tuple[np.ndarray, float]:
    """16 kHz mono samples of ``start``..``end`` of audio stream ``audio_stream`` on the media's
    timeline (a URL read through its relay), and the time of the first one."""
    info = probe(media)
    stream = select_audio_stream(info, audio_stream)
    lead = audio_lead(info.streams, stream) / SAMPLE_RATE
    begin = max(0.0, start - lead)
    samples = pcm(media, SAMPLE_RATE, 1, begin, end - start, audio_stream, info.limits)
    return samples, begin + lead


class Retranscriber:
    """The tree's backend for the studio (one model for the server's life, one decode at a time).
    ``backend``: the tree's (see :meth:`captioner.ci.config.Config.recipe`), else the local engine's
    default model."""

    def __init__(self, backend: BackendSpec | None = None, threads: int | None = None, audio_stream: int = 0) -> None:
        self.spec = backend or BackendSpec.local(DEFAULT_MODEL)
        self.audio_stream = audio_stream  # the stream the tree's files are captioned from (--audio-stream)
        self._lazy = make_backend(self.spec, threads=threads, jobs=1)
        self._lock = threading.Lock()

    def _engine(self) -> Backend:
        return self._lazy.get()

    def propose(
        self,
        media: Media,
        start: float,
        end: float,
        style: Style,
        language: str | None = None,
        prompt: str | None = None,
        current: str | None = None,
    ) -> tuple[list[EditCue], Transcript]:
        """Cues for ``start``..``end`` decoded afresh, and the transcript (absolute times) they came from.
        ``current``: the text the stretch holds now; a word heard just outside the stretch that is its
        first or last word (decoded a little earlier or later this time) is kept, not dropped."""
        if not 0 <= start < end:
            raise ValueError("the stretch must start before it ends")
        if end - start > MAX_SECONDS:
            raise ValueError(f"at most {MAX_SECONDS:g} s at a time")
        audio, offset = decode_range(media, max(0.0, start - CONTEXT), end + CONTEXT, self.audio_stream)
        if not len(audio):
            raise MediaError("no audio in that stretch", str(media))
        recipe = Recipe(self.spec, language or None, TREE_TASK, TREE_BEAM_SIZE, prompt=prompt or None)
        options = recipe.options
        with self._lock:
            heard = self._engine().transcribe(audio, options)
        heard = refine(heard, audio)
        words = _edge_words([w.shifted(offset) for w in heard.words or []], start, end, current)
        segments = [replace(s, start=s.start + offset, end=s.end + offset) for s in heard.segments]
        transcript = Transcript(
            language=heard.language,
            duration=end,
            segments=segments,
            words=words,
            task=TREE_TASK,
            meta=heard.meta,
            voice=heard.voice,
        )
        cues = [
            EditCue(max(start, c.start), min(end, c.end), "\n".join(c.lines))
            for c in segment(transcript, style)
            if min(end, c.end) > max(start, c.start)
        ]
        return cues, transcript


def _edge_words(words: list[Word], start: float, end: float, current: str | None) -> list[Word]:
    """The words whose middle falls in ``start``..``end``, and up to :data:`EDGE_WORDS` words either
    side (within the decoded margin) when they continue ``current``'s first or last words."""
    mid = [(w.start + w.end) / 2 for w in words]
    inside = [w for w, m in zip(words, mid) if start <= m <= end]
    want = [bare(t) for t in (current or "").split()]
    if not want:
        return inside
    before = [w for w, m in zip(words, mid) if m < start]
    after = [w for w, m in zip(words, mid) if m > end]
    for n in range(min(EDGE_WORDS, len(before)), 0, -1):
        if [bare(w.text) for w in before[-n:] + inside[:1]] == want[: n + min(1, len(inside))]:
            inside = before[-n:] + inside
            break
    for n in range(min(EDGE_WORDS, len(after)), 0, -1):
        tail = inside[-1:] + after[:n]
        if len(want) >= len(tail) and [bare(w.text) for w in tail] == want[len(want) - len(tail) :]:
            inside = inside + after[:n]
            break
    return inside
