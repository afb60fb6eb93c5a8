"""captioner's Python API: caption a file in one call, or run the stages one by one.

The command line is built on the same pieces.  In one call::

    import captioner

    result = captioner.caption("talk.mp4", style="bbc")
    print(result.written)            # [PosixPath('talk.srt'), PosixPath('talk.vtt')]

Stage by stage (a transcript made elsewhere works too, see
:meth:`captioner.Transcript.from_whisper_json`):

>>> import captioner
>>> words = [captioner.Word(" Ask", 0.5, 0.8, 0.9), captioner.Word(" not.", 0.9, 1.4, 0.8)]
>>> segment = captioner.Segment(id=0, seek=0, start=0.5, end=1.4, text=" Ask not.")
>>> transcript = captioner.Transcript(language="en", duration=3.0, segments=[segment], words=words)
>>> cues = captioner.make_cues(transcript, style="bbc")
>>> [cue.lines for cue in cues]
[('Ask not.',)]
>>> print(captioner.render(cues, "srt"), end="")
1
00:00:00,500 --> 00:00:01,700
Ask not.
<BLANKLINE>
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from captioner.captions.segmentation import segment
from captioner.core.cues import Cue
from captioner.core.languages import parse_language
from captioner.core.speakers import SPEAKER_MODES, check_count, check_names
from captioner.core.style import PRESETS, Style, get_style
from captioner.core.transcript import Transcript
from captioner.errors import CaptionerError
from captioner.output.atomic import atomic_write_text
from captioner.output.writers import DEFAULT_FORMATS, FORMATS
from captioner.output.writers import render as _render
from captioner.refine.hallucination import FilterSettings
from captioner.refine.refine import refine
from captioner.run.backend import LazyBackend, make_backend
from captioner.run.cache import TranscriptCache
from captioner.run.jobs import FileResult, Job, make_jobs
from captioner.run.prepare import prepare
from captioner.run.recipe import BackendSpec, Recipe
from captioner.run.regions import store_regions
from captioner.run.scheduler import run
from captioner.run.settings import Settings
from captioner.run.source import TranscriptSource
from captioner.run.speakers import name_speakers, tell_voices_apart
from captioner.transcription.base import Backend
from captioner.transcription.prompting import Vocabulary, VocabularyFile, check_prompt, vocabulary_file

CaptionResult = FileResult
"""What :func:`caption` did with one media file: ``status`` (``done`` or ``skipped``), the files
``written`` and ``kept``, the ``transcript`` the captions were made from, whether it came
``from_cache``."""

BackendChoice = str | Backend | LazyBackend
log = logging.getLogger("captioner")


def caption(
    path: str | os.PathLike[str],
    *,
    formats: Sequence[str] = DEFAULT_FORMATS,
    style: str | Style = "netflix",
    output_dir: str | os.PathLike[str] | None = None,
    language: str | None = None,
    task: str = "transcribe",
    backend: BackendChoice = "local",
    model: str = "base",
    overwrite: bool = False,
    cache: bool = True,
    prompt: str | None = None,
    vocabulary: Vocabulary | None = None,
    vocabulary_language: str | None = None,
    speakers: str = "mix",
    speaker_names: Sequence[str] | str | None = None,
    num_speakers: int | None = None,
    max_speakers: int | None = None,
) -> CaptionResult:
    """Caption one media file: ``<stem>.srt`` and ``<stem>.vtt`` (or ``formats``) beside it, or in
    ``output_dir``, as ``captioner PATH`` does.  ``path`` may be an http(s) URL (a ``str``): its
    captions go into ``output_dir`` (required), named after the URL's file name.

    Existing caption files are kept (the result's status is ``skipped``) unless ``overwrite``.
    ``backend`` is ``"local"`` (the embedded Whisper base, or ``model``), ``"aixplain"``, or a
    backend object.  ``prompt`` is Whisper's initial prompt and ``vocabulary`` names and terms it
    should expect (a file, one a line, or a list), as ``--prompt`` and ``--vocabulary``: a
    ValueError when Whisper cannot use them.  ``vocabulary_language`` (or the file's ``# language:``
    line) gives the vocabulary only to speech in that language, as ``--vocabulary-language``.
    ``speakers="channels"`` transcribes each channel on
    its own and labels the cues with the speakers (``speaker_names`` in channel order), as
    ``--speakers channels``; ``speakers="voices"`` tells them apart by voice (``speaker_names`` in
    order of first appearance; ``num_speakers`` or ``max_speakers`` when known; needs the
    ``voices`` extra), ``"auto"`` by channel when the channels differ, else by voice.  Raises
    :class:`CaptionerError` (one line naming the file) when it fails.
    """
    (result,) = caption_all(
        [path],
        formats=formats,
        style=style,
        output_dir=output_dir,
        language=language,
        task=task,
        backend=backend,
        model=model,
        overwrite=overwrite,
        cache=cache,
        prompt=prompt,
        vocabulary=vocabulary,
        vocabulary_language=vocabulary_language,
        speakers=speakers,
        speaker_names=speaker_names,
        num_speakers=num_speakers,
        max_speakers=max_speakers,
    )
    if result.status == "failed":
        assert result.error is not None
        raise result.error
    return result


def caption_all(
    paths: Iterable[str | os.PathLike[str]],
    *,
    formats: Sequence[str] = DEFAULT_FORMATS,
    style: str | Style = "netflix",
    output_dir: str | os.PathLike[str] | None = None,
    language: str | None = None,
    task: str = "transcribe",
    backend: BackendChoice = "local",
    model: str = "base",
    overwrite: bool = False,
    cache: bool = True,
    prompt: str | None = None,
    vocabulary: Vocabulary | None = None,
    vocabulary_language: str | None = None,
    speakers: str = "mix",
    speaker_names: Sequence[str] | str | None = None,
    num_speakers: int | None = None,
    max_speakers: int | None = None,
) -> list[CaptionResult]:
    """Caption media files, folders (searched recursively) and http(s) URLs (``str``; they need
    ``output_dir``) with one model load: a result per
    file, failures included (``status == "failed"``, ``error`` says why), so one bad file never
    stops the others.  Paths that name no media are raised as :class:`CaptionerError`."""
    mode, names, counts = _speakers(speakers, speaker_names, num_speakers, max_speakers)
    lazy = _backend(backend, model)
    settings = Settings(
        formats=tuple(formats),
        output_dir=None if output_dir is None else Path(output_dir),
        overwrite=overwrite,
        style=_style(style),
        recipe=_recipe(lazy, language, task, 5, prompt, vocabulary, vocabulary_language, speakers=mode, counts=counts),
        speaker_names=names,
    )
    jobs, problems = make_jobs([p if isinstance(p, str) else Path(p) for p in paths], settings)
    if problems:
        raise problems[0]
    return run(jobs, lazy, settings, cache=TranscriptCache() if cache else None)


def transcribe(
    source: str | os.PathLike[str] | np.ndarray,
    *,
    language: str | None = None,
    task: str = "transcribe",
    backend: BackendChoice = "local",
    model: str = "base",
    beam_size: int = 5,
    audio_stream: int = 0,
    keep_all: bool = False,
    cache: bool = True,
    prompt: str | None = None,
    vocabulary: Vocabulary | None = None,
    vocabulary_language: str | None = None,
    speakers: str = "mix",
    speaker_names: Sequence[str] | str | None = None,
    num_speakers: int | None = None,
    max_speakers: int | None = None,
) -> Transcript:
    """Transcribe a media file (or 16 kHz mono float32 samples) into the transcript captions are
    made from: invented text removed (unless ``keep_all``) and word times on the speech.

    A file's transcript is looked up in, and stored into, the transcript cache (unless
    ``cache=False``), as the command line does.  ``prompt``, ``vocabulary``, ``speakers`` and
    ``speaker_names``, ``num_speakers`` and ``max_speakers`` as for :func:`caption` (samples have
    one channel: ``"voices"`` or ``"auto"`` tells their speakers apart by voice).
    """
    mode, names, counts = _speakers(speakers, speaker_names, num_speakers, max_speakers)
    lazy = _backend(backend, model)
    recipe = _recipe(
        lazy, language, task, beam_size, prompt, vocabulary, vocabulary_language, audio_stream, mode, counts
    )
    transcripts = TranscriptSource(recipe, TranscriptCache() if cache else None, lazy)
    note = transcripts.recipe.dropped()
    if note is not None:
        log.warning("%s", note)
    if isinstance(source, np.ndarray):
        raw = lazy.get().transcribe(source, transcripts.recipe.options)
        store_regions(raw, source)
        if mode in ("voices", "auto"):
            raw = tell_voices_apart(raw, source, transcripts.recipe)
    else:
        raw = _transcribe_file(Path(source), transcripts)
    return name_speakers(refine(raw, filters=None if keep_all else FilterSettings()), names)


def make_cues(transcript: Transcript, style: str | Style = "netflix") -> list[Cue]:
    """Cues for ``transcript`` following ``style`` (a preset name, see :data:`PRESETS`, or a
    :class:`Style`): lines broken where a reader expects, timed for reading, never overlapping."""
    return segment(transcript, _style(style))


def render(
    cues: Sequence[Cue], format: str, *, transcript: Transcript | None = None, highlight_words: bool = False
) -> str:
    """``cues`` as the text of a caption file: ``srt``, ``vtt``, ``txt``, or ``json`` (the
    ``transcript`` itself, which ``json`` needs)."""
    if format == "json" and transcript is None:
        raise ValueError("the json format writes the transcript: pass transcript=")
    empty = Transcript(language="", duration=0.0, segments=[])
    return _render(format, cues, transcript or empty, highlight_words=highlight_words)


def write(
    cues: Sequence[Cue],
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    transcript: Transcript | None = None,
    highlight_words: bool = False,
) -> Path:
    """Write ``cues`` to ``path`` atomically (an interrupted write never leaves a partial file);
    the format is ``path``'s extension unless given."""
    target = Path(path)
    fmt = (format or target.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    atomic_write_text(target, render(cues, fmt, transcript=transcript, highlight_words=highlight_words))
    return target


def _recipe(
    lazy: LazyBackend,
    language: str | None,
    task: str,
    beam_size: int = 5,
    prompt: str | None = None,
    vocabulary: Vocabulary | None = None,
    vocabulary_language: str | None = None,
    audio_stream: int = 0,
    speakers: str = "mix",
    counts: tuple[int | None, int | None] = (None, None),
) -> Recipe:
    """The call's recipe, the prompt and vocabulary checked as the command line checks them;
    ``counts``: the number of voices and at most so many (with ``speakers`` voices or auto)."""
    listed = None if vocabulary is None else vocabulary_file(vocabulary)
    said = None if vocabulary_language is None else parse_language(vocabulary_language)
    if listed is not None and said:
        listed = VocabularyFile(listed.terms, said)
    return Recipe.from_api(
        lazy.spec or BackendSpec.local(),
        language=language,
        task=task,
        beam_size=beam_size,
        prompt=None if prompt is None else check_prompt(prompt),
        vocabulary=listed,
        audio_stream=audio_stream,
        speakers=speakers,
        num_speakers=counts[0],
        max_speakers=counts[1],
    )


def _style(style: str | Style) -> Style:
    return style if isinstance(style, Style) else get_style(style)


_BACKENDS: dict[tuple[str, str], LazyBackend] = {}
_BACKENDS_LOCK = threading.Lock()


def _backend(choice: BackendChoice, model: str) -> LazyBackend:
    """A backend by name is made once per process (the model loads once for every call)."""
    if isinstance(choice, LazyBackend):
        return choice
    if not isinstance(choice, str):
        backend = choice
        return LazyBackend(lambda: backend, spec=BackendSpec.given(backend))
    with _BACKENDS_LOCK:
        key = (choice, model)
        if key not in _BACKENDS:  # aiXplain's default model: ``model`` names the local engine's
            spec = BackendSpec.aixplain() if choice == "aixplain" else BackendSpec.named(choice, model)
            _BACKENDS[key] = make_backend(spec)
        return _BACKENDS[key]


def _transcribe_file(path: Path, source: TranscriptSource) -> Transcript:
    """A media file's raw transcript, from the cache or transcribed (and then stored), as a run
    makes it."""
    try:
        return source.raw(prepare(Job(media=path, outputs={}), source))
    except CaptionerError as exc:
        raise exc.with_path(str(path)) from None


def _speakers(
    speakers: str, speaker_names: Sequence[str] | str | None, num: int | None = None, most: int | None = None
) -> tuple[str, tuple[str, ...], tuple[int | None, int | None]]:
    """``speakers``, ``speaker_names`` and the speaker counts checked as the command line checks
    them (ValueError)."""
    if speakers not in SPEAKER_MODES:
        raise ValueError(f"speakers must be one of {', '.join(SPEAKER_MODES)}, not {speakers!r}")
    counts = check_count(num, "num_speakers"), check_count(most, "max_speakers")
    if counts != (None, None) and speakers not in ("voices", "auto"):
        raise ValueError('num_speakers and max_speakers go with speakers="voices" or "auto"')
    if speaker_names is None:
        return speakers, (), counts
    if speakers == "mix":
        raise ValueError('speaker_names go with speakers="channels", "voices" or "auto"')
    return speakers, check_names(speaker_names), counts


__all__ = [
    "FORMATS",
    "PRESETS",
    "CaptionResult",
    "caption",
    "caption_all",
    "make_cues",
    "render",
    "transcribe",
    "write",
]
