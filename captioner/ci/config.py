"""A tree's configuration (``captioner.toml``) and where its root is.

The configuration lives in ``captioner.toml`` at the root of the tree (top-level keys) or in the
``[tool.captioner]`` table of the root's ``pyproject.toml`` (``captioner.toml`` wins when both
exist).  Keys, all optional::

    include = ["**/*"]                 # globs (relative to the root) of media files to caption
    exclude = ["drafts/**"]            # globs left out (added to the built-in ones below)
    formats = ["srt", "vtt"]
    language = "en"                    # spoken language; "auto" (default) detects it per file
    languages = { "de/**" = "de" }     # per-path languages, first matching glob wins
    style = "bbc"                      # a preset, or a table: { preset = "bbc", max_chars = 32 }
    backend = "local"
    model = "base"
    prompt = "A talk on CTranslate2."   # Whisper's initial prompt
    vocabulary = "names.txt"           # names and terms, one a line (a file inside the tree)
    vocabulary_language = "en"         # its language (else its "# language:" line): only for that speech
    vocabularies = { "printing/**" = "printing.txt" }  # per-path vocabularies, first matching glob wins
    scripts = { "talks/**" = "{stem}.txt" }  # per-path scripts (beside the media; where one exists its words are timed)
    speakers = "channels"              # "mix" (default), "channels" (a speaker a channel), "voices" or "auto"
    speaker_names = ["Ann", "Bob"]     # in channel order (channels) or order of first appearance (voices)
    num_speakers = 2                   # with speakers = "voices" or "auto", when known (or max_speakers)
    lock = "captions.lock"             # the lock file's name at the root
    cluster = { insecure = false }     # how sync --scheduler trusts the cluster (captioner.ci.cluster_config)

Globs are matched as :func:`captioner.ci.tree.glob_match` says; the files ``--mux``/``--burn``
write (``*.captioned.*``, ``*.burned.*``) are always excluded.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from captioner.ci import config_values as values
from captioner.ci.cluster_config import ClusterConfigError, cluster_trust
from captioner.ci.config_values import STYLE_FIELDS, ConfigError
from captioner.ci.tree import glob_match, outside_tree
from captioner.core.style import PRESETS, Style, get_style
from captioner.errors import CaptionerError
from captioner.output.writers import DEFAULT_FORMATS
from captioner.paths import read_regular_file
from captioner.run.recipe import BackendSpec, Recipe
from captioner.transcription.base import TranscribeOptions
from captioner.transcription.cluster.access import ClusterTrust
from captioner.transcription.prompting import VocabularyFile

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_FILE = "captioner.toml"
DEFAULT_LOCK = "captions.lock"
BUILTIN_EXCLUDE: tuple[str, ...] = ("**/*.captioned.*", "**/*.burned.*")
_KEYS = {
    "include", "exclude", "formats", "language", "languages", "style", "backend", "model", "prompt", "vocabulary",
    "vocabulary_language", "vocabularies", "speakers", "speaker_names", "num_speakers", "max_speakers", "lock",
    "cluster", "scripts",
}  # fmt: skip
BACKENDS = ("local", "aixplain")


@dataclass(frozen=True)
class Config:
    """The repository's settings, after the command line's overrides."""

    include: tuple[str, ...] = ("**/*",)
    exclude: tuple[str, ...] = ()
    formats: tuple[str, ...] = DEFAULT_FORMATS
    language: str | None = None  # None: detect
    languages: tuple[tuple[str, str], ...] = ()  # (glob, code), first match wins
    style: Style = field(default_factory=Style)
    preset: str = "netflix"
    backend: str = "local"
    model: str = "base"
    prompt: str | None = None
    vocabulary: tuple[str, ...] = ()  # the terms of the vocabulary file
    vocabulary_language: str | None = None  # its language (None: used on every file)
    vocabularies: tuple[tuple[str, VocabularyFile], ...] = ()  # (glob, vocabulary), first match wins
    scripts: tuple[tuple[str, str], ...] = ()  # (glob, script name template), first match wins
    speakers: str = "mix"
    speaker_names: tuple[str, ...] = ()
    num_speakers: int | None = None
    max_speakers: int | None = None
    lock: str = DEFAULT_LOCK
    cluster: ClusterTrust | None = None  # how sync --scheduler trusts the cluster (not in the settings hash)
    source: str | None = None  # where the configuration was read from, for messages

    def is_included(self, relpath: str) -> bool:
        if any(glob_match(relpath, p) for p in (*BUILTIN_EXCLUDE, *self.exclude)):
            return False
        return any(glob_match(relpath, p) for p in self.include)

    def language_for(self, relpath: str) -> str | None:
        for pattern, code in self.languages:
            if glob_match(relpath, pattern):
                return None if code == "auto" else code
        return self.language

    def recipe(self, relpath: str | None = None, backend: BackendSpec | None = None) -> Recipe:
        """The recipe of the file at ``relpath`` (None: the tree's own settings; see
        :meth:`Recipe.from_config`): what keys its transcript in the cache and the transcription
        part of its settings in the lock."""
        return Recipe.from_config(self, relpath, backend)

    def transcribe_options(self, language: str | None, relpath: str | None = None) -> TranscribeOptions:
        """The decoding options of the files in ``language`` (None: detected) with the vocabulary of
        ``relpath`` (None: the tree's ``vocabulary``), cut to what the backend takes."""
        return replace(self.recipe(relpath), language=language).options

    def vocabulary_of(self, relpath: str | None) -> VocabularyFile:
        """The vocabulary a file is given: the first of ``vocabularies`` whose glob matches it, else
        the tree's ``vocabulary`` (no terms: none)."""
        if relpath is not None:
            for pattern, vocabulary in self.vocabularies:
                if glob_match(relpath, pattern):
                    return vocabulary
        return VocabularyFile(self.vocabulary, self.vocabulary_language)

    def vocabulary_for(self, relpath: str) -> VocabularyFile | None:
        """The file's vocabulary where it may be used: not on a file whose language is set to
        another one than the vocabulary's."""
        return self.recipe(relpath).vocabulary_used

    def script_of(self, relpath: str) -> str | None:
        """The root-relative path of the script a media file would be aligned to (the first of
        ``scripts`` whose glob matches it; its template names a file beside the media, ``{stem}``
        the media's name without its extension), or None.  Whether it exists, and stays inside the
        tree, is the scanner's to check."""
        for pattern, template in self.scripts:
            if glob_match(relpath, pattern):
                media = PurePosixPath(relpath)
                return (media.parent / template.format(stem=media.stem)).as_posix()
        return None

    def settings_for(self, relpath: str, script: str | None = None) -> dict[str, Any]:
        """The canonical settings that shape one file's captions (hashed into the lock): the
        transcription's (:meth:`Recipe.lock_settings`), the style and the formats; ``script``: the
        hash of the script its words are timed to, if any."""
        settings = self.recipe(relpath).lock_settings()
        settings["style"] = self.style.to_dict()
        settings["formats"] = sorted(self.formats)
        if self.speakers != "mix":
            settings["speaker_names"] = list(self.speaker_names)
        if script is not None:
            settings["script"] = script  # editing the script makes the captions stale
        return settings

    def settings_hash(self, relpath: str, script: str | None = None) -> str:
        return settings_digest(self.settings_for(relpath, script))

    def summary_for(self, relpath: str, script: str | None = None) -> str:
        """A short readable form of :meth:`settings_for`, for the lock file and messages."""
        base = PRESETS.get(self.preset, Style())
        changed = [
            f"{name}={getattr(self.style, name):g}"
            for name in STYLE_FIELDS
            if getattr(self.style, name) != getattr(base, name)
        ]
        style = self.preset + (f"({', '.join(changed)})" if changed else "")
        vocabulary = self.vocabulary_for(relpath)
        extra = (
            (" prompt" if self.prompt is not None else "")
            + (f" vocabulary={len(vocabulary.terms)}" if vocabulary else "")
            + (f" speakers={self.speakers}" if self.speakers != "mix" else "")
            + (f" script={self.script_of(relpath)}@{script[:8]}" if script else "")
        )
        return (
            f"{self.backend}/{self.model} language={self.language_for(relpath) or 'auto'} "
            f"style={style} formats={','.join(sorted(self.formats))}{extra}"
        )


def settings_digest(settings: Mapping[str, Any]) -> str:
    canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


MAX_CONFIG_BYTES = 1024 * 1024  # a configuration is a few lines


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_regular_file(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def read_config_table(root: Path) -> tuple[dict[str, Any], str | None]:
    """The raw configuration table of a root and where it came from (empty when there is none)."""
    own = root / CONFIG_FILE
    if own.is_file():
        values.refuse_outside(root, CONFIG_FILE)
        return _read_toml(own), CONFIG_FILE
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        values.refuse_outside(root, "pyproject.toml")
        table = _tool_table(_read_toml(pyproject))
        if table is not None:
            if not isinstance(table, dict):
                raise ConfigError(f"pyproject.toml: [tool.captioner] must be a table, not {values.kind(table)}")
            return table, "pyproject.toml [tool.captioner]"
    return {}, None


def _tool_table(pyproject: dict[str, Any]) -> Any:
    """``[tool.captioner]`` of a parsed pyproject.toml, or None (also when ``tool`` is no table)."""
    tool = pyproject.get("tool")
    return tool.get("captioner") if isinstance(tool, dict) else None


# Over 60 lines: one pass over the keys, each checked as the command line checks it, in the order
# they are documented; split up, the order and the overrides' precedence would be harder to follow.
def load_config(root: Path, overrides: Mapping[str, Any] | None = None) -> Config:
    """The root's configuration with the command line's ``overrides`` applied.

    ``overrides`` keys (None values are ignored): include (replaces), exclude (added), formats,
    language, style (a preset name: replaces the configured style with its overrides), the
    STYLE_FIELDS limits (applied last), backend, model.
    """
    table, source = read_config_table(root)
    unknown = set(table) - _KEYS
    if unknown:
        raise ConfigError(f"{source}: unknown keys: {', '.join(sorted(unknown))}")
    cli = {k: v for k, v in (overrides or {}).items() if v is not None and v != ()}
    try:
        include = values.str_list(cli.get("include", table.get("include", ["**/*"])), "include")
        exclude = values.str_list(table.get("exclude", []), "exclude") + values.str_list(
            cli.get("exclude", []), "exclude"
        )
        formats = values.formats(
            values.str_list(cli.get("formats", table.get("formats", list(DEFAULT_FORMATS))), "formats")
        )
        language = (
            values.language(cli["language"], "language")
            if "language" in cli
            else (values.language(table["language"], "language") if "language" in table else None)
        )
        languages_table = table.get("languages", {})
        if not isinstance(languages_table, dict):
            raise ConfigError(f"languages must be a table of glob = language code, not {values.kind(languages_table)}")
        languages = tuple((str(g), values.language(c, f"languages.{g}") or "auto") for g, c in languages_table.items())
        if "language" in cli:  # a language given on the command line applies to every file
            languages = ()
        style_overrides: dict[str, Any]
        if "style" in cli:
            preset, style_overrides = cli["style"], {}
        else:
            preset, style_overrides = values.style(table.get("style", "netflix"))
        style_overrides.update({k: cli[k] for k in STYLE_FIELDS if k in cli})
        try:
            style = get_style(preset).with_overrides(**style_overrides)
        except (ValueError, TypeError) as exc:
            raise ConfigError(str(exc)) from None
        backend = values.string(cli.get("backend", table.get("backend", "local")), "backend", " or ".join(BACKENDS))
        if backend not in BACKENDS:
            raise ConfigError(f"backend {backend!r} is not one of {', '.join(BACKENDS)}")
        model = values.string(cli.get("model", table.get("model", "base")), "model", "a model name (base, small, ...)")
        prompt = values.prompt(table["prompt"]) if "prompt" in table else None
        listed = values.vocabulary(root, table["vocabulary"]) if "vocabulary" in table else VocabularyFile(())
        vocabulary_language = listed.language
        if "vocabulary_language" in table:
            if not listed.terms:
                raise ConfigError("vocabulary_language goes with vocabulary")
            vocabulary_language = values.language(table["vocabulary_language"], "vocabulary_language")
        vocabularies = values.vocabularies(root, table.get("vocabularies", {}))
        scripts = values.scripts(table.get("scripts", {}))
        speakers, speaker_names = values.speakers(table.get("speakers", "mix"), table.get("speaker_names"))
        num_speakers, max_speakers = values.speaker_counts(speakers, table)
        if scripts and (speakers != "mix" or backend != "local"):
            # as --script: the local engine's model times a script's words to one voice track
            raise ConfigError(
                "scripts are aligned by the local engine to one voice track: not with "
                + (f'speakers = "{speakers}"' if speakers != "mix" else f'backend = "{backend}"')
            )
        lock = values.string(table.get("lock", DEFAULT_LOCK), "lock", "a file name")
        why = outside_tree(root, lock)
        if why:
            raise ConfigError(f"lock {lock!r} must be a file inside the tree: {why}")
        try:
            cluster = cluster_trust(root, table.get("cluster"))
        except ClusterConfigError as exc:
            raise ConfigError(str(exc)) from None
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}" if source else str(exc)) from None
    return Config(
        include=include,
        exclude=exclude,
        formats=formats,
        language=language,
        languages=languages,
        style=style,
        preset=preset,
        backend=backend,
        model=model,
        prompt=prompt,
        vocabulary=listed.terms,
        vocabulary_language=vocabulary_language if listed.terms else None,
        vocabularies=vocabularies,
        scripts=scripts,
        speakers=speakers,
        speaker_names=speaker_names,
        num_speakers=num_speakers,
        max_speakers=max_speakers,
        lock=lock,
        cluster=cluster,
        source=source,
    )


def find_root(start: Path) -> Path:
    """The tree's root: the nearest folder upwards holding captioner.toml, a lock file, a
    pyproject.toml with [tool.captioner] or a .git; else ``start`` itself."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file() or (folder / DEFAULT_LOCK).is_file():
            return folder
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _tool_table(_read_toml(pyproject)) is not None:
            return folder
        if (folder / ".git").exists():
            return folder
    return start


def tree_file(path: Path) -> tuple[Path, str]:
    """(the tree's root, the root-relative path) of a file named on the command line: the tree is
    its folder's (links in the folders resolved), the file is taken as named.  A file leading out of
    that tree (a symbolic link) is a :class:`CaptionerError` naming it: nothing is read through it."""
    folder = Path(path).absolute().parent.resolve()
    root = find_root(folder)
    rel = (folder / Path(path).name).relative_to(root).as_posix()
    why = outside_tree(root, rel)
    if why:
        raise CaptionerError(f"not read: {why}", str(path))
    return root, rel
