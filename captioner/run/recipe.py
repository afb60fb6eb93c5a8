"""A transcript's recipe: everything that decides its words, written once.

A :class:`Recipe` names the backend (:class:`BackendSpec`: kind, model, endpoint, the capabilities
its class declares), the decoding options as asked, the audio stream, the speakers mode (with
voices, how many) and the vocabulary.  It is built from the command line (:meth:`Recipe.from_cli`),
the Python API (:meth:`Recipe.from_api`) or a tree's configuration (:meth:`Recipe.from_config`), and
it alone computes what must agree between them: the decoding options cut to what the backend takes
(:attr:`Recipe.options`), the transcript cache key (:meth:`Recipe.cache_key`) and the transcription
part of the lock file's settings hash (:meth:`Recipe.lock_settings`).  Both keys are those captioner
always made: existing caches and lock files stay valid (tests/test_recipe.py pins them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from captioner.core.speakers import speakers_key
from captioner.transcription.base import Backend, Capabilities, TranscribeOptions, vocabulary_applies
from captioner.transcription.prompting import VocabularyFile, hotwords

if TYPE_CHECKING:
    from captioner.transcription.align.script import Script
    from captioner.transcription.cluster.access import ClusterTrust

# Raised when transcripts made before would differ from what the current code makes from the same
# media (2: audio decoded as 16-bit samples, like Whisper's own loaders; the batched pipeline above 2 min;
# 3: every window's language detected, see captioner.transcription.local.language_gate).
CACHE_VERSION = 3
# The model name that means "the backend's default": the local engine's embedded model, and in a
# tree's configuration (model = "base") aiXplain's default model.
DEFAULT_MODEL = "base"


@dataclass(frozen=True)
class BackendSpec:
    """Which backend transcribes, named without creating it (no model load, no key read).

    ``kind``: local, aixplain, cluster (the local engine on a Dask cluster) or given (a backend
    object handed to the API).  ``model``: the local model (a size or a folder), or aiXplain's
    model id (None: its default).  ``endpoint``: aiXplain's models URL, or the cluster's scheduler.
    """

    kind: str = "local"
    model: str | None = DEFAULT_MODEL
    endpoint: str | None = None
    identity_items: tuple[tuple[str, str], ...] = ()
    capabilities: Capabilities = field(default_factory=Capabilities)
    trust: ClusterTrust | None = field(default=None, compare=False)  # how a cluster is trusted

    @property
    def identity(self) -> dict[str, str]:
        """The backend's name in cache keys and metadata (never a secret)."""
        return dict(self.identity_items)

    @classmethod
    def local(cls, model: str = DEFAULT_MODEL) -> BackendSpec:
        from captioner.transcription.local.engine import LocalBackend, local_identity

        return cls("local", model, None, _items(local_identity(model)), LocalBackend.capabilities)

    @classmethod
    def aixplain(cls, model_id: str | None = None) -> BackendSpec:
        from captioner.transcription.aixplain import CAPABILITIES, aixplain_identity

        identity = aixplain_identity(model_id)  # (the backend's module, and its HTTP stack, not imported)
        return cls("aixplain", model_id, identity["endpoint"], _items(identity), CAPABILITIES)

    @classmethod
    def cluster(cls, scheduler: str, model: str = DEFAULT_MODEL, trust: ClusterTrust | None = None) -> BackendSpec:
        """The local engine on the cluster at ``scheduler``: its transcripts are keyed by the cluster's
        name (its address and its authority's certificate), so a worker that lied cannot have its
        words served to a local run."""
        from captioner.transcription.cluster.access import ClusterTrust, cluster_identity
        from captioner.transcription.local.engine import LocalBackend, local_identity

        trust = trust or ClusterTrust()
        identity = {**local_identity(model), "cluster": cluster_identity(scheduler, trust)}
        # The cluster's workers run the local engine: its capabilities (the cluster's module, which
        # imports Dask, is loaded only when the run connects).
        return cls("cluster", model, scheduler, _items(identity), LocalBackend.capabilities, trust)

    @classmethod
    def given(cls, backend: Backend) -> BackendSpec:
        """A backend object (the API's ``backend=``), with the capabilities its class declares."""
        declared = getattr(type(backend), "capabilities", None)
        capabilities = declared if isinstance(declared, Capabilities) else Capabilities()
        return cls("given", None, None, _items(backend.identity()), capabilities)

    @classmethod
    def named(cls, backend: str, model: str = DEFAULT_MODEL) -> BackendSpec:
        """The backend of a tree's configuration (or the review command): aiXplain's ``model`` is
        its model id, ``base`` meaning its default model."""
        if backend == "aixplain":
            return cls.aixplain(None if model == DEFAULT_MODEL else model)
        if backend != "local":
            raise ValueError(f"unknown backend {backend!r} (choose local or aixplain)")
        return cls.local(model)

    def lock_names(self) -> tuple[str, str]:
        """(backend, model) as the lock file's settings name them (a cluster runs the local engine;
        aiXplain's default model is ``base``, as the configuration says it)."""
        return ("aixplain" if self.kind == "aixplain" else "local"), self.model or DEFAULT_MODEL


def _items(identity: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(identity.items())


class TreeConfig(Protocol):
    """What :meth:`Recipe.from_config` reads of a tree's configuration (captioner.ci.config.Config)."""

    @property
    def backend(self) -> str: ...

    @property
    def model(self) -> str: ...

    @property
    def prompt(self) -> str | None: ...

    @property
    def speakers(self) -> str: ...

    @property
    def num_speakers(self) -> int | None: ...

    @property
    def max_speakers(self) -> int | None: ...

    def language_for(self, relpath: str) -> str | None: ...

    def vocabulary_of(self, relpath: str | None) -> VocabularyFile: ...


# The decoding options a tree's files are transcribed with besides those its configuration sets.
TREE_TASK = "transcribe"
TREE_BEAM_SIZE = 5


@dataclass(frozen=True)
class Recipe:
    """What decides a transcript's words (see the module docstring)."""

    backend: BackendSpec = field(default_factory=BackendSpec.local)
    language: str | None = None  # None: detected
    task: str = "transcribe"
    beam_size: int = 5
    vad: bool = False
    prompt: str | None = None
    vocabulary: VocabularyFile | None = None  # its terms and language (None: any), as given
    audio_stream: int = 0
    speakers: str = "mix"
    num_speakers: int | None = None  # --speakers voices/auto: the number of voices, when known
    max_speakers: int | None = None  # ... or at most so many
    script: Script | None = None  # its words timed to the speech instead of transcribed (--script, scripts =)

    @classmethod
    def from_cli(cls, opts: Mapping[str, Any], backend: BackendSpec) -> Recipe:
        """The recipe of the main command's (or review's) options: -l, --task, --beam-size, --vad,
        --prompt, --vocabulary, --vocabulary-language, --audio-stream, --speakers, --num-speakers,
        --max-speakers."""
        language, vocabulary, said = opts["language"], opts.get("vocabulary"), opts.get("vocabulary_language")
        if vocabulary is not None and said:
            vocabulary = VocabularyFile(vocabulary.terms, None if said == "auto" else said)
        return cls(
            backend=backend,
            language=None if language == "auto" else language,
            task=opts["task"],
            beam_size=opts["beam_size"],
            vad=opts.get("vad", False),
            prompt=opts.get("prompt"),
            vocabulary=vocabulary,
            audio_stream=opts.get("audio_stream", 0),
            speakers=opts.get("speakers", "mix"),
            num_speakers=opts.get("num_speakers"),
            max_speakers=opts.get("max_speakers"),
        )

    @classmethod
    def from_api(
        cls,
        backend: BackendSpec,
        language: str | None = None,
        task: str = "transcribe",
        beam_size: int = 5,
        prompt: str | None = None,
        vocabulary: VocabularyFile | None = None,
        audio_stream: int = 0,
        speakers: str = "mix",
        num_speakers: int | None = None,
        max_speakers: int | None = None,
    ) -> Recipe:
        """The recipe of an API call (its values checked by the API as the command line checks them)."""
        return cls(
            backend, language, task, beam_size, False, prompt, vocabulary, audio_stream, speakers, num_speakers,
            max_speakers,
        )  # fmt: skip

    @classmethod
    def from_config(cls, config: TreeConfig, relpath: str | None = None, backend: BackendSpec | None = None) -> Recipe:
        """The recipe of a tree's file at ``relpath`` (None: the tree's own settings): its language and
        vocabulary from the configuration; ``backend``: the one sync runs (a cluster), else the
        configuration's."""
        return cls(
            backend=backend or BackendSpec.named(config.backend, config.model),
            language=config.language_for(relpath) if relpath is not None else None,
            task=TREE_TASK,
            beam_size=TREE_BEAM_SIZE,
            prompt=config.prompt,
            vocabulary=config.vocabulary_of(relpath),
            speakers=config.speakers,
            num_speakers=config.num_speakers,
            max_speakers=config.max_speakers,
        )

    def on(self, backend: BackendSpec) -> Recipe:
        """This recipe with another backend (a run's own: its options are cut to that one's)."""
        return self if backend == self.backend else replace(self, backend=backend)

    @property
    def vocabulary_used(self) -> VocabularyFile | None:
        """The vocabulary where it is given to the speech: not when the language is set to another
        one than the vocabulary's (whatever the backend takes)."""
        if self.vocabulary is None or not self.vocabulary.terms:
            return None
        return self.vocabulary if vocabulary_applies(self.language, self.vocabulary.language) else None

    @property
    def options(self) -> TranscribeOptions:
        """The decoding options, cut to what the backend takes (what keys the cache)."""
        takes = self.backend.capabilities.prompt
        vocabulary = self.vocabulary_used if takes else None
        return TranscribeOptions(
            language=self.language,
            task=self.task,
            beam_size=self.beam_size,
            vad=self.vad,
            initial_prompt=self.prompt if takes else None,
            hotwords=hotwords(vocabulary.terms) if vocabulary is not None else None,
            hotwords_language=vocabulary.language if vocabulary is not None else None,
        )

    def dropped(self) -> str | None:
        """A note when the backend takes no prompt or vocabulary that was given (None otherwise)."""
        if self.backend.capabilities.prompt or (self.prompt is None and self.vocabulary_used is None):
            return None
        name = self.backend.identity.get("backend", "this backend")
        return f"note: {name}'s model takes no prompt or vocabulary: --prompt and --vocabulary are ignored"

    def vocabulary_note(self) -> str | None:
        """A note when -l names another language than the vocabulary's (it is then not used)."""
        if self.vocabulary is None or not self.vocabulary.terms or self.vocabulary_used is not None:
            return None
        return f"note: the vocabulary is {self.vocabulary.language}, the language -l {self.language}: it is not used"

    @property
    def speakers_key(self) -> str:
        """What of the speaker settings shapes the transcript: the mode, with voices the counts
        (see :func:`captioner.core.speakers.speakers_key`)."""
        return speakers_key(self.speakers, self.num_speakers, self.max_speakers)

    def cache_key(self, media_hash: str) -> str:
        """The transcript cache key of the media whose audio stream hashes to ``media_hash`` (an
        aligned script's transcript keyed by the script and the aligner too; without a script, the
        keys captioner always made)."""
        identity = self.backend.identity
        if self.script is not None:
            from captioner.transcription.align.engine import script_identity

            identity = {**identity, **script_identity(self.script)}
        return cache_key(media_hash, self.audio_stream, identity, self.options, self.speakers_key)

    def lock_settings(self) -> dict[str, Any]:
        """The transcription part of a file's settings in the lock file (the configuration adds the
        style, the formats and the speakers' names).  The prompt and the vocabulary are recorded as
        asked, also for a backend that takes none; settings added after the lock's first version
        appear only when set, so that a tree that does not use them keeps its settings hashes."""
        backend, model = self.backend.lock_names()
        settings: dict[str, Any] = {
            "backend": backend,
            "model": model,
            "language": self.language or "auto",
            "task": self.task,
            "beam_size": self.beam_size,
        }
        if self.prompt is not None:
            settings["prompt"] = self.prompt
        vocabulary = self.vocabulary_used
        if vocabulary is not None:
            settings["vocabulary"] = list(vocabulary.terms)  # the terms: editing the file makes captions stale
            if vocabulary.language:
                settings["vocabulary_language"] = vocabulary.language
        if self.speakers != "mix":
            settings["speakers"] = self.speakers
            for name in ("num_speakers", "max_speakers"):
                if getattr(self, name) is not None:
                    settings[name] = getattr(self, name)
        if self.script is not None:
            settings["script"] = self.script.digest  # editing the script makes the captions stale
        return settings


def cache_key(
    media_hash: str,
    audio_stream: int,
    identity: Mapping[str, str],
    options: TranscribeOptions,
    speakers: str = "mix",
) -> str:
    """The key of a transcript (see :meth:`Recipe.cache_key`): ``speakers`` "channels" (each channel
    transcribed on its own, see captioner.run.speakers) or "voices" (with its counts: see
    :attr:`Recipe.speakers_key`) keys its own entry; the default keeps the keys it always had, and so
    do options added later while they are unset."""
    material: dict[str, object] = {
        "version": CACHE_VERSION,
        "media": media_hash,
        "audio_stream": audio_stream,
        "backend": dict(identity),
        "options": asdict(options),
    }
    for name in ("hotwords", "hotwords_language"):  # keys made before these options existed stay valid
        if getattr(options, name) is None:
            del material["options"][name]  # type: ignore[attr-defined]
    if options.hotwords is not None:  # the terms used only where the speech seems to hold one (vocabulary_gate)
        material["vocabulary_use"] = "near-miss"
    if speakers != "mix":
        material["speakers"] = speakers
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
