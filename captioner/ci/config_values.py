"""The values of a tree's configuration (``captioner.toml``), each checked as the command line
checks it: one-line errors that name the key and what it must be, never quoting the file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from captioner.ci.tree import outside_tree
from captioner.core.languages import parse_language
from captioner.core.speakers import SPEAKER_MODES, check_count, check_names
from captioner.core.style import LIMITS
from captioner.output.writers import FORMATS
from captioner.transcription.prompting import PromptError, VocabularyFile, check_prompt, load_vocabulary

STYLE_FIELDS = tuple(LIMITS)


class ConfigError(ValueError):
    """The repository's configuration (or an option) is not valid."""


def kind(value: Any) -> str:
    """What a TOML value is, for messages that name a wrong type without quoting the file."""
    for types, name in ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"),
                        (list, "an array"), (dict, "a table")):  # fmt: skip
        if isinstance(value, types):
            return name
    return "a date or time"


def string(value: Any, key: str, what: str) -> str:
    """``value`` when it is a non-empty string; else a one-line error saying what ``key`` must be."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key} must be {what}, not {'empty' if isinstance(value, str) else kind(value)}")
    return value


def refuse_outside(root: Path, name: str) -> None:
    why = outside_tree(root, name)
    if why:
        raise ConfigError(f"{root / name}: not read: {why}")


def str_list(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"{key} must be a list of strings, not {kind(value)}")
    if not all(isinstance(v, str) for v in value):
        wrong = next(v for v in value if not isinstance(v, str))
        raise ConfigError(f"{key} must be a list of strings, not of {kind(wrong).split()[-1]}s")
    return tuple(value)


def formats(value: Iterable[str]) -> tuple[str, ...]:
    chosen: list[str] = []
    for item in value:
        for fmt in item.split(","):
            fmt = fmt.strip().lower()
            if fmt not in FORMATS:
                raise ConfigError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
            if fmt and fmt not in chosen:
                chosen.append(fmt)
    if not chosen:
        raise ConfigError("formats is empty")
    return tuple(chosen)


def language(value: Any, key: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key} must be a language code (e.g. en) or auto")
    try:
        return parse_language(value)
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc}") from None


def style(value: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(value, str):
        return value, {}
    if not isinstance(value, dict):
        raise ConfigError(f"style must be a preset name or a table with preset and limits, not {kind(value)}")
    overrides = dict(value)
    preset = string(overrides.pop("preset", "netflix"), "style.preset", "a preset name")
    unknown = set(overrides) - set(STYLE_FIELDS)
    if unknown:
        allowed = ", ".join(("preset", *STYLE_FIELDS))
        raise ConfigError(f"unknown style keys: {', '.join(sorted(unknown))} (allowed: {allowed})")
    for name in sorted(overrides):
        problem = LIMITS[name].problem(overrides[name])
        if problem:
            raise ConfigError(f"style.{name} {problem}")
    return preset, overrides


def prompt(value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"prompt must be a string, not {kind(value)}")
    try:
        return check_prompt(value)
    except PromptError as exc:
        raise ConfigError(f"prompt: {exc}") from None


def vocabulary(root: Path, value: Any, key: str = "vocabulary") -> VocabularyFile:
    """The vocabulary file named in the configuration: a file inside the tree."""
    why = outside_tree(root, string(value, key, "a file name"))
    if why:
        raise ConfigError(f"{key} {value!r} must be a file inside the tree: {why}")
    try:
        return load_vocabulary(root / value)
    except PromptError as exc:
        raise ConfigError(f"{key} {exc}") from None


def vocabularies(root: Path, table: Any) -> tuple[tuple[str, VocabularyFile], ...]:
    """The per-path vocabularies: a table of glob = vocabulary file, each file read once."""
    if not isinstance(table, dict):
        raise ConfigError(f"vocabularies must be a table of glob = vocabulary file, not {kind(table)}")
    read: dict[str, VocabularyFile] = {}
    for glob, name in table.items():
        if string(name, f"vocabularies.{glob}", "a file name") not in read:
            read[name] = vocabulary(root, name, f"vocabularies.{glob}")
    return tuple((str(glob), read[name]) for glob, name in table.items())


def scripts(table: Any) -> tuple[tuple[str, str], ...]:
    """The per-path scripts: a table of glob = a file name template beside the media (``{stem}``:
    the media's name without its extension), never an absolute path or one that climbs out."""
    if not isinstance(table, dict):
        raise ConfigError(f"scripts must be a table of glob = script name, not {kind(table)}")
    out = []
    for glob, template in table.items():
        name = string(template, f"scripts.{glob}", 'a file name such as "{stem}.txt"')
        try:
            example = name.format(stem="talk")
        except (KeyError, IndexError, ValueError):
            raise ConfigError(f"scripts.{glob}: only {{stem}} may be used in {name!r}") from None
        if not example or example.startswith("/") or ".." in example.split("/") or "\\" in example:
            raise ConfigError(f"scripts.{glob}: {name!r} must name a file beside the media, inside the tree")
        out.append((str(glob), name))
    return tuple(out)


def speakers(value: Any, names: Any) -> tuple[str, tuple[str, ...]]:
    if not isinstance(value, str) or value not in SPEAKER_MODES:
        raise ConfigError(f"speakers must be one of {', '.join(SPEAKER_MODES)}")
    if names is None:
        return value, ()
    if value == "mix":
        raise ConfigError('speaker_names go with speakers = "channels", "voices" or "auto"')
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError("speaker_names must be a list of names")
    try:
        return value, check_names(names)
    except ValueError as exc:
        raise ConfigError(f"speaker_names: {exc}") from None


def speaker_counts(mode: str, table: dict[str, Any]) -> tuple[int | None, int | None]:
    """``num_speakers`` and ``max_speakers``: whole numbers, with speakers = "voices" or "auto"."""
    out: list[int | None] = []
    for name in ("num_speakers", "max_speakers"):
        value = table.get(name)
        if value is not None and mode not in ("voices", "auto"):
            raise ConfigError(f'{name} goes with speakers = "voices" or "auto"')
        try:
            out.append(check_count(value, name))
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    return out[0], out[1]
