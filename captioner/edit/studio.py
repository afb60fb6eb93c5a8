"""The caption studio behind the web pages: one tree, its media's cues, analysis, saving.

Everything here is plain Python (no HTTP): :mod:`captioner.edit.app` maps requests onto it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import asdict
from pathlib import Path, PurePosixPath

from captioner.captions.review import ReviewThresholds
from captioner.ci.lockfile import LockError
from captioner.ci.status import Scanner
from captioner.core.speakers import speakers_of
from captioner.core.style import Style
from captioner.core.transcript import Transcript
from captioner.edit import captions, reviewed, roundtrip, voices
from captioner.edit.analysis import EditCue, WordIndex, analyse, blocking_errors
from captioner.edit.media_info import media_facts
from captioner.edit.paths import OutsideTree, inside
from captioner.edit.transcripts import Transcripts
from captioner.edit.tree import TreeIndex
from captioner.media.probe import is_media_file


class StaleSave(Exception):
    """The caption files changed on disk since the page loaded them."""


class InvalidCues(Exception):
    """Cues that cannot be saved (empty, overlapping, out of order), by 0-based index."""

    def __init__(self, errors: dict[int, list[str]]) -> None:
        super().__init__("; ".join(f"cue {k + 1}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class Studio:
    def __init__(
        self,
        scanner: Scanner,
        scope: Iterable[Path] = (),
        thresholds: ReviewThresholds | None = None,
        audio_stream: int = 0,
    ) -> None:
        self.scanner = scanner
        self.root = scanner.root.resolve()
        self.config = scanner.config
        self.thresholds = thresholds or ReviewThresholds()
        self.audio_stream = audio_stream  # heard in the waveform and by re-transcription (--audio-stream)
        self.transcripts = Transcripts(scanner, audio_stream=audio_stream)
        self.index = TreeIndex(scanner, self.summary, scope)
        self._save_locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._prefetched: Future[list[dict]] | None = None

    # -- paths ---------------------------------------------------------------------------------

    def media_path(self, rel: str) -> Path:
        """The media file ``rel`` names (OutsideTree unless it is a media file inside the tree)."""
        path = inside(self.root, rel)
        if not is_media_file(PurePosixPath(rel)) or not path.is_file():
            raise OutsideTree(f"{rel!r} is not a media file of the tree")
        return path

    def speaker_names(self, transcript: Transcript | None) -> list[str]:
        """The speakers a media's captions may name: the configured names, the transcript's."""
        return voices.known([], self.config.speaker_names, speakers_of(transcript) if transcript else [])

    def style_for(self, rel: str, language: str | None) -> Style:
        return self.config.style.for_language(language or self.config.language_for(rel))

    # -- reading -------------------------------------------------------------------------------

    def summary(self, rel: str) -> dict:
        """The index row's numbers for one media file."""
        facts = media_facts(self.root / rel)
        language = self.config.language_for(rel)
        try:
            transcript, _ = self.transcripts.find(rel)
            language = (transcript.language if transcript else None) or language
            cues, _ = captions.read_cues(self.root, rel, self.speaker_names(transcript))
        except captions.CaptionReadError as exc:
            return {"language": language, "duration": facts.duration, "cues": None, "problem": str(exc)}
        cues = reviewed.with_marks(self.root, rel, cues)
        rows = analyse(cues, transcript, self.style_for(rel, language), self.thresholds)
        return {
            "language": language,
            "duration": facts.duration,
            "cues": len(rows),
            "doubtful": sum(1 for r in rows if r["doubtful"]),
            "style": sum(1 for r in rows if r["problems"] or r["errors"]),
            "reviewed": sum(1 for r in rows if r["reviewed"]),
        }

    def prefetch(self) -> None:
        """Start computing the index now (while the server starts and the browser opens); the first
        :meth:`files` call takes that result, later calls compute afresh."""
        future: Future[list[dict]] = Future()

        def work() -> None:
            try:
                future.set_result(self.index.rows())
            except BaseException as exc:  # handed to the request that takes it
                future.set_exception(exc)

        self._prefetched = future
        threading.Thread(target=work, name="captioner-edit-index", daemon=True).start()

    def files(self) -> list[dict]:
        future, self._prefetched = self._prefetched, None
        if future is not None:
            return future.result()
        return self.index.rows()

    def document(self, rel: str) -> dict:
        """Everything the media page shows for ``rel``."""
        path = self.media_path(rel)
        facts = media_facts(path)
        transcript, source = self.transcripts.find(rel)
        language = (transcript.language if transcript else None) or self.config.language_for(rel)
        names = self.speaker_names(transcript)
        cues, loaded_from = captions.read_cues(self.root, rel, names)
        cues = voices.from_words(reviewed.with_marks(self.root, rel, cues), WordIndex(transcript).words_in)
        formats = captions.formats_of(self.root, rel, self.config.formats)
        style = self.style_for(rel, language)
        return {
            "path": rel,
            "name": PurePosixPath(rel).name,
            "video": facts.video,
            "duration": facts.duration or (transcript.duration if transcript else None),
            "frame": facts.frame,
            "language": language,
            "transcript": source,
            "captions": loaded_from,
            "formats": formats,
            "versions": captions.versions(self.root, rel, formats),
            "style": {
                k: getattr(style, k)
                for k in ("name", "max_chars", "max_lines", "max_cps", "min_duration", "max_duration", "min_gap")
            },
            "thresholds": asdict(self.thresholds),
            "speakers": voices.known(cues, names),
            "cues": analyse(cues, transcript, style, self.thresholds),
        }

    def analyse(self, rel: str, cues: Sequence[EditCue]) -> list[dict]:
        self.media_path(rel)
        transcript, _ = self.transcripts.find(rel)
        language = (transcript.language if transcript else None) or self.config.language_for(rel)
        return analyse(cues, transcript, self.style_for(rel, language), self.thresholds)

    # -- writing -------------------------------------------------------------------------------

    def _save_lock(self, rel: str) -> threading.Lock:
        with self._locks_lock:
            return self._save_locks.setdefault(rel, threading.Lock())

    def save(self, rel: str, cues: Sequence[EditCue], base: dict[str, str | None]) -> dict:
        """Write every caption format of ``rel`` from ``cues``, unless a file changed since the page
        read it (``base``: the versions it loaded; :class:`StaleSave`) or a cue is invalid
        (:class:`InvalidCues`).  Returns the new versions, the files written and the style warnings."""
        self.media_path(rel)
        errors = blocking_errors(cues)
        if errors:
            raise InvalidCues(errors)
        with self._save_lock(rel):
            formats = captions.formats_of(self.root, rel, self.config.formats)
            links = captions.linked(self.root, rel, sorted(set(formats) | set(base))) + reviewed.linked(self.root, rel)
            if links:
                raise captions.CaptionReadError(
                    "not saved: a symbolic link, which a save would replace with a file (edit the file it "
                    "points to, or replace the link with a copy of it)",
                    links[0],
                )
            now = captions.versions(self.root, rel, sorted(set(formats) | set(base)))
            changed = [fmt for fmt in now if now[fmt] != base.get(fmt)]
            if changed:
                names = ", ".join(f"{PurePosixPath(rel).stem}.{fmt}" for fmt in changed)
                raise StaleSave(
                    f"{names} changed on disk after this page loaded it (another tab, an editor or "
                    "captioner sync); nothing was written and your edits are still here"
                )
            transcript, _ = self.transcripts.find(rel)
            language = (transcript.language if transcript else None) or self.config.language_for(rel)
            texts = captions.render_all(cues, formats, language, self.style_for(rel, language).name)
            unreadable = roundtrip.read_back_problems(cues, texts)
            if unreadable:
                raise InvalidCues(unreadable)
            written = captions.write_all(self.root, rel, texts)
            marks = reviewed.write_marks(self.root, rel, cues)
            written += [marks] if marks else []
            saved = {"versions": captions.versions(self.root, rel, formats), "written": written}
            hint = self.lock_hint(rel)
            return {**saved, "hint": hint} if hint else saved

    def lock_hint(self, rel: str) -> str | None:
        """What to run when the lock has no entry for ``rel`` (captions made in the studio for a
        file that had none): ``check`` fails with "lock entry missing" until they are recorded."""
        try:
            if rel in self.scanner.read_lock().entries:
                return None
        except (LockError, OSError):
            return None  # check reports an unreadable lock itself
        return (
            f"{self.config.lock} has no entry for {rel}, so captioner check fails on it: record these captions "
            f"with captioner sync --adopt {rel} (in the tree's root)"
        )
