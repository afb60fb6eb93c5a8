"""--prompt and --vocabulary: what reaches Whisper, the cache and the lock, checked before any work."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import AIX_KEY, SAMPLES

import captioner
from captioner.ci.config import ConfigError, load_config
from captioner.cli.main import main
from captioner.run.recipe import cache_key
from captioner.transcription.base import TranscribeOptions
from captioner.transcription.prompting import (
    MAX_VOCABULARY_TOKENS,
    PromptError,
    VocabularyFile,
    check_prompt,
    load_vocabulary,
    parse_vocabulary,
    vocabulary_file,
)

# The German sample's reference has "Portal" and "Leichenhalle"; the embedded model writes
# "portal" and "Leichenhaler" unaided.
TERMS = "# names and terms of the German sample\nLeichenhalle\n\nPortal\n"


def invoke(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stderr


@pytest.mark.slow
def test_vocabulary_and_prompt_reach_whisper(local_backend, sample_copy, references, tmp_path: Path) -> None:
    audio = sample_copy("de_picovoice_test.flac")
    text = audio.with_suffix(".txt")
    reference = references["de_picovoice_test.flac"]["reference_text"]
    assert "Leichenhalle" in reference and "Portal" in reference
    assert invoke(audio, "-f", "txt", "-l", "de", "--overwrite")[0] == 0
    if "Leichenhalle" in text.read_text("utf-8"):
        pytest.skip("the model spells the term right unaided here: nothing to teach it")
    names = tmp_path / "names.txt"
    names.write_text(TERMS, "utf-8")
    code, err = invoke(audio, "-f", "txt", "-l", "de", "--overwrite", "--vocabulary", names)
    assert code == 0 and "from the cache" not in err  # its own cache entry
    heard = text.read_text("utf-8")
    assert "Leichenhalle" in heard and "Portal" in heard
    code, err = invoke(audio, "-f", "txt", "-l", "de", "--overwrite", "--prompt", "Die Leichenhalle.")
    assert code == 0 and "from the cache" not in err
    assert "Leichenhalle" in text.read_text("utf-8")
    # The API builds the same options (and so finds the command line's transcript in the cache).
    transcript = captioner.transcribe(audio, language="de", vocabulary=["Leichenhalle", "Portal"])
    assert "Leichenhalle" in transcript.full_text


def test_the_vocabulary_and_prompt_key_the_cache() -> None:
    identity = {"backend": "local", "model": "base"}
    plain = cache_key("m", 0, identity, TranscribeOptions())
    one = cache_key("m", 0, identity, TranscribeOptions(hotwords="Leichenhalle"))
    two = cache_key("m", 0, identity, TranscribeOptions(hotwords="Leichenhalle, Portal"))
    prompted = cache_key("m", 0, identity, TranscribeOptions(initial_prompt="Die Leichenhalle."))
    assert len({plain, one, two, prompted}) == 4


def test_vocabulary_files_are_read_as_one_term_a_line(tmp_path: Path) -> None:
    assert parse_vocabulary("# comment\n  Peter   Schoeffer \n\nGutenberg\nGutenberg\n") == (
        "Peter Schoeffer",
        "Gutenberg",
    )
    names = tmp_path / "names.txt"
    names.write_bytes("\ufeff# comment\r\nPeter Schoeffer\r\nGutenberg\r\n".encode())
    assert vocabulary_file(names) == vocabulary_file(str(names)) == VocabularyFile(("Peter Schoeffer", "Gutenberg"))
    assert vocabulary_file(["Gutenberg", " Maintz "]).terms == ("Gutenberg", "Maintz")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "no names or terms in it"),
        (b"# only a comment\n\n", "no names or terms in it"),
        (b"\xff\xfe\x00G\x00u", "not UTF-8 text"),
        ("\n".join(f"Name{i} Smithson" for i in range(40)).encode(), f"at most {MAX_VOCABULARY_TOKENS}"),
        (b"x" * 101, "line 1 is 101 characters long"),
        (b"a\x00b", "line 1 holds a control character"),
    ],
)
def test_an_unusable_vocabulary_is_a_usage_error(tmp_path: Path, content: bytes, message: str) -> None:
    names = tmp_path / "names.txt"
    names.write_bytes(content)
    code, err = invoke(SAMPLES / "jfk.mp4", "-o", tmp_path, "--vocabulary", names)
    assert code == 2
    assert message in err and "names.txt" in err and "Traceback" not in err
    assert not list(tmp_path.glob("jfk.*"))


def test_a_missing_vocabulary_file_and_a_bad_prompt_are_usage_errors(tmp_path: Path) -> None:
    code, err = invoke(SAMPLES / "jfk.mp4", "-o", tmp_path, "--vocabulary", tmp_path / "nope.txt")
    assert code == 2 and "nope.txt: cannot read" in err
    code, err = invoke(SAMPLES / "jfk.mp4", "-o", tmp_path, "--prompt", "   ")
    assert code == 2 and "the prompt is empty" in err
    code, err = invoke(SAMPLES / "jfk.mp4", "-o", tmp_path, "--prompt", "word " * 300)
    assert code == 2 and "Whisper reads at most 223" in err
    with pytest.raises(PromptError):
        captioner.transcribe(SAMPLES / "jfk.mp4", prompt="")
    assert check_prompt("  Ask  not. ") == "Ask not."


def test_aixplain_ignores_them_with_a_note_and_one_cache_entry(fake, tmp_path: Path) -> None:
    key_file = tmp_path / "aixplain.key"
    key_file.write_text(AIX_KEY + "\n")
    names = tmp_path / "names.txt"
    names.write_text(TERMS, "utf-8")
    base = ["run", SAMPLES / "jfk.mp4", "--backend", "aixplain", "--api-key-file", key_file, "-o", tmp_path]
    base += ["-f", "srt", "--overwrite", "--aixplain-timeout", "30"]
    code, err = invoke(*base, "--prompt", "A speech.", "--vocabulary", names)
    assert code == 0, err
    assert "takes no prompt or vocabulary: --prompt and --vocabulary are ignored" in err
    requests = len(fake.requests)
    code, err = invoke(*base)  # the same words: the same cache entry
    assert code == 0 and "from the cache" in err
    assert len(fake.requests) == requests


def _tree(root: Path, config: str, names: str | None = TERMS) -> Path:
    (root / "captioner.toml").write_text(config, "utf-8")
    if names is not None:
        (root / "names.txt").write_text(names, "utf-8")
    return root


def test_the_config_takes_them_into_the_settings_hash(tmp_path: Path) -> None:
    root = _tree(tmp_path, 'prompt = "Die Leichenhalle."\nvocabulary = "names.txt"\n')
    config = load_config(root)
    assert config.prompt == "Die Leichenhalle." and config.vocabulary == ("Leichenhalle", "Portal")
    options = config.transcribe_options("de")
    assert options.initial_prompt == "Die Leichenhalle." and options.hotwords == "Leichenhalle, Portal"
    assert "vocabulary=2" in config.summary_for("a.flac")
    before = config.settings_hash("a.flac")
    (root / "names.txt").write_text(TERMS + "Raum\n", "utf-8")
    assert load_config(root).settings_hash("a.flac") != before  # a new term makes the captions stale
    (tmp_path / "plain").mkdir()
    settings = load_config(_tree(tmp_path / "plain", "")).settings_for("a.flac")
    assert "prompt" not in settings and "vocabulary" not in settings  # older locks keep their hashes
    aixplain = load_config(_tree(tmp_path, 'backend = "aixplain"\nprompt = "x"\nvocabulary = "names.txt"\n'))
    assert aixplain.transcribe_options(None) == TranscribeOptions(language=None)


@pytest.mark.parametrize(
    "config, message",
    [
        ('vocabulary = "../names.txt"', "must be a file inside the tree: a '..' in the path"),
        ('vocabulary = "/etc/hostname"', "must be a file inside the tree: an absolute path"),
        ('vocabulary = "link.txt"', "must be a file inside the tree: a symbolic link leading out of the tree"),
        ('vocabulary = "missing.txt"', "missing.txt: cannot read"),
        ("vocabulary = 3", "vocabulary must be a file name, not an integer"),
        ('vocabulary = "empty.txt"', "no names or terms in it"),
        ('prompt = ""', "prompt: the prompt is empty"),
        ("prompt = 1", "prompt must be a string"),
    ],
)
def test_a_bad_config_entry_is_refused(tmp_path: Path, config: str, message: str) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("Gutenberg\n", "utf-8")
    root = tmp_path / "tree"
    root.mkdir()
    os.symlink(outside, root / "link.txt")
    (root / "empty.txt").write_text("", "utf-8")
    _tree(root, config + "\n")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        load_config(root)
    assert CliRunner().invoke(main, ["check", "--root", str(root)]).exit_code == 2


# A vocabulary with a language: only the speech in that language is given it.

ENGLISH = "# language: en\nGutenberg\nPeter Schoeffer\n"


def test_a_vocabulary_file_may_name_its_language(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    for text, language in [
        (ENGLISH, "en"),
        ("\n# Language:  German\nLeichenhalle\n", "de"),  # a name is taken as --language takes it
        (TERMS, None),  # a first comment that is no language line
        ("Gutenberg\n# language: en\n", None),  # only the first line says it
    ]:
        names.write_text(text, "utf-8")
        assert load_vocabulary(names).language == language, text
    names.write_text("# language: xx\nGutenberg\n", "utf-8")
    code, err = invoke(SAMPLES / "jfk.mp4", "-o", tmp_path, "--vocabulary", names)
    assert code == 2 and "names.txt: line 1: '# language:' names no language" in err and "Traceback" not in err
    code, err = invoke(SAMPLES / "jfk.mp4", "-o", tmp_path, "--vocabulary-language", "en")
    assert code == 2 and "--vocabulary-language goes with --vocabulary" in err


def test_a_vocabulary_in_another_language_than_the_forced_one_keys_as_none() -> None:
    identity = {"backend": "local", "model": "base"}
    english = {"hotwords": "Gutenberg", "hotwords_language": "en"}
    german = TranscribeOptions(language="de", **english)
    assert german == TranscribeOptions(language="de")  # the vocabulary is not used: no key of its own
    assert cache_key("m", 0, identity, german) == cache_key("m", 0, identity, TranscribeOptions(language="de"))
    assert TranscribeOptions(language="en", **english).hotwords == "Gutenberg"
    keys = {
        cache_key("m", 0, identity, TranscribeOptions(**options))
        for options in ({}, {"hotwords": "Gutenberg"}, english, {**english, "hotwords_language": "fr"})
    }
    assert len(keys) == 4  # detected languages: the vocabulary and its language key the transcript
    assert TranscribeOptions(hotwords_language="en") == TranscribeOptions()


def test_the_config_gives_a_vocabulary_only_to_files_that_may_be_in_its_language(tmp_path: Path) -> None:
    config = 'vocabulary = "names.txt"\nlanguages = { "de/**" = "de", "en/**" = "en" }\n'
    root = _tree(tmp_path, config, ENGLISH)
    loaded = load_config(root)
    assert loaded.vocabulary_language == "en"
    assert loaded.transcribe_options("de").hotwords is None
    assert loaded.transcribe_options("en").hotwords_language == "en"
    assert loaded.transcribe_options(None).hotwords == "Gutenberg, Peter Schoeffer"
    assert "vocabulary" not in loaded.settings_for("de/a.flac")  # its captions do not go stale with it
    assert "vocabulary=" not in loaded.summary_for("de/a.flac")
    assert loaded.settings_for("en/a.flac")["vocabulary_language"] == "en"
    assert loaded.settings_for("other.flac")["vocabulary"] == ["Gutenberg", "Peter Schoeffer"]
    # the key overrides the file's line, and a vocabulary without a language says no language
    _tree(tmp_path, config + 'vocabulary_language = "de"\n', ENGLISH)
    assert load_config(root).settings_for("en/a.flac").get("vocabulary") is None
    _tree(tmp_path, config, TERMS)
    assert "vocabulary_language" not in load_config(root).settings_for("en/a.flac")
    _tree(tmp_path, 'vocabulary_language = "en"\n', None)
    with pytest.raises(ConfigError, match="vocabulary_language goes with vocabulary"):
        load_config(root)


@pytest.fixture()
def prompts(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The hotwords faster-whisper builds each window's prompt with."""
    from faster_whisper import WhisperModel

    seen: list[str | None] = []
    original = WhisperModel.get_prompt

    def spy(self, tokenizer, previous_tokens, without_timestamps=False, prefix=None, hotwords=None):  # type: ignore[no-untyped-def]
        seen.append(hotwords)
        return original(self, tokenizer, previous_tokens, without_timestamps, prefix, hotwords)

    monkeypatch.setattr(WhisperModel, "get_prompt", spy)
    return seen


@pytest.mark.slow
def test_german_speech_decodes_as_without_an_english_vocabulary(local_backend, load_audio, prompts) -> None:
    audio = load_audio(SAMPLES / "de_picovoice_test.flac")
    plain = local_backend.transcribe(audio, TranscribeOptions())
    english = TranscribeOptions(hotwords="Gutenberg, Peter Schoeffer", hotwords_language="en")
    prompts.clear()
    taught = local_backend.transcribe(audio, english)
    assert prompts and all(hotwords is None for hotwords in prompts)  # no window was given them
    assert [(w.word, w.start, w.end) for w in taught.words] == [(w.word, w.start, w.end) for w in plain.words]
    assert taught.language == "de"
    expected = {"language": "en", "used": 0, "skipped": {"de": 1}, "near_misses": 0, "taken": 0}
    assert taught.meta["vocabulary"] == expected
    # without the vocabulary's language it is given to the German windows, as before
    prompts.clear()
    local_backend.transcribe(audio, TranscribeOptions(hotwords="Gutenberg, Peter Schoeffer"))
    assert prompts and all(hotwords == "Gutenberg, Peter Schoeffer" for hotwords in prompts)


@pytest.mark.slow
def test_english_speech_is_given_the_english_vocabulary(local_backend, load_audio, prompts) -> None:
    audio = load_audio(SAMPLES / "jfk.mp4")
    english = TranscribeOptions(hotwords="Gutenberg, Peter Schoeffer", hotwords_language="en")
    transcript = local_backend.transcribe(audio, english)
    assert prompts and all(hotwords == "Gutenberg, Peter Schoeffer" for hotwords in prompts)
    assert transcript.meta["vocabulary"]["used"] == len(prompts) and not transcript.meta["vocabulary"]["skipped"]


@pytest.mark.slow
def test_speech_with_nothing_like_a_term_decodes_as_without_the_vocabulary(local_backend, load_audio) -> None:
    """faster-whisper's hotwords change words they have nothing to do with: with printing terms
    before it, the German sample's "liegende Raum" came out "liegt in der Raum".  The vocabulary
    gate keeps them out of windows with nothing like a term (captioner's vocabulary_gate)."""
    audio = load_audio(SAMPLES / "de_picovoice_test.flac")
    listed = TranscribeOptions(hotwords="Gutenberg, Peter Schoeffer, missal, psalters")  # no language: all windows

    def timed_words(options: TranscribeOptions) -> list[tuple[str, float, float]]:
        return [(w.word, w.start, w.end) for w in local_backend.transcribe(audio, options).words]

    plain = timed_words(TranscribeOptions())
    gate = local_backend._model.model
    local_backend._model.model = gate._model  # the model behind the gate: the hotwords everywhere
    try:
        ungated = timed_words(listed)
    finally:
        local_backend._model.model = gate
    if ungated == plain:
        pytest.skip("this model decodes the sample the same with the hotwords: nothing to keep out")
    taught = local_backend.transcribe(audio, listed)
    assert [(w.word, w.start, w.end) for w in taught.words] == plain
    assert taught.meta["vocabulary"]["near_misses"] == 0 and taught.meta["vocabulary"]["used"] >= 1


@pytest.mark.slow
def test_the_command_line_says_when_the_vocabulary_is_not_used(cli, sample_copy, tmp_path: Path) -> None:
    audio = sample_copy("de_picovoice_test.flac")
    names = tmp_path / "names.txt"
    names.write_text(ENGLISH, "utf-8")
    code, _, err = cli(audio, "-f", "txt", "-v", "--no-cache", "--vocabulary", names)
    assert code == 0 and "vocabulary not used: it is en, the speech is de" in err
    code, _, err = cli(audio, "-f", "txt", "-v", "--overwrite", "-l", "de", "--vocabulary", names)
    assert code == 0 and "the vocabulary is en, the language -l de: it is not used" in err
    code, _, err = cli(audio, "-f", "txt", "-v", "--overwrite", "-l", "de")
    assert code == 0 and "from the cache" in err  # the same transcript: one cache entry


# Per-path vocabularies: `vocabularies = { "printing/**" = "printing.txt" }`, first match wins.

PER_PATH = 'vocabulary = "names.txt"\nvocabularies = { "printing/**" = "printing.txt", "**/*.mp4" = "names.txt" }\n'


def test_per_path_vocabularies_go_to_their_files_only(tmp_path: Path) -> None:
    root = _tree(tmp_path, PER_PATH + 'languages = { "printing/de/**" = "de" }\n', TERMS)
    (root / "printing.txt").write_text(ENGLISH, "utf-8")
    config = load_config(root)
    printing = config.transcribe_options(None, "printing/a.mp4")  # the first match wins
    assert printing.hotwords == "Gutenberg, Peter Schoeffer" and printing.hotwords_language == "en"
    assert config.transcribe_options(None, "talks/a.flac").hotwords == "Leichenhalle, Portal"
    assert config.transcribe_options("de", "printing/a.mp4").hotwords is None  # English terms, German files
    assert config.settings_for("printing/a.mp4")["vocabulary"] == ["Gutenberg", "Peter Schoeffer"]
    assert "vocabulary" not in config.settings_for("printing/de/a.flac")  # English terms, German files
    before = {path: config.settings_hash(path) for path in ("printing/a.mp4", "talks/a.flac", "talks/b.mp4")}
    (root / "printing.txt").write_text(ENGLISH + "missal\n", "utf-8")
    after = {path: load_config(root).settings_hash(path) for path in before}
    assert [path for path in before if before[path] != after[path]] == ["printing/a.mp4"]


def test_per_path_vocabularies_leave_the_other_files_settings_as_they_were(tmp_path: Path) -> None:
    root = _tree(tmp_path, "", None)
    plain = load_config(root)
    (root / "printing.txt").write_text(ENGLISH, "utf-8")
    _tree(root, 'vocabularies = { "printing/**" = "printing.txt" }\n', None)
    config = load_config(root)
    assert config.settings_hash("talks/a.flac") == plain.settings_hash("talks/a.flac")  # existing locks stay fresh
    assert config.transcribe_options(None, "talks/a.flac") == plain.transcribe_options(None)
    assert config.settings_hash("printing/a.flac") != plain.settings_hash("printing/a.flac")


@pytest.mark.parametrize(
    "config, message",
    [
        ('vocabularies = { "a/**" = "../names.txt" }', "vocabularies.a/** '../names.txt' must be a file inside"),
        ('vocabularies = { "a/**" = "missing.txt" }', "missing.txt: cannot read"),
        ('vocabularies = "names.txt"', "vocabularies must be a table of glob = vocabulary file"),
        ('vocabularies = { "a/**" = 1 }', "vocabularies.a/** must be a file name, not an integer"),
    ],
)
def test_a_bad_per_path_vocabulary_is_refused(tmp_path: Path, config: str, message: str) -> None:
    root = _tree(tmp_path, config + "\n")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(root)


@pytest.mark.slow
def test_sync_gives_each_folder_its_vocabulary(cli, tmp_path: Path) -> None:
    for folder in ("printing", "talks"):
        (tmp_path / folder).mkdir()
        shutil.copy(SAMPLES / "jfk.mp4", tmp_path / folder / "jfk.mp4")
    root = _tree(tmp_path, 'formats = ["json"]\nvocabularies = { "printing/**" = "printing.txt" }\n', None)
    (root / "printing.txt").write_text(ENGLISH, "utf-8")
    code, _, err = cli("sync", "--root", root, "-q")
    assert code == 0, err
    printing = json.loads((root / "printing" / "jfk.json").read_text("utf-8"))["captioner"]
    talks = json.loads((root / "talks" / "jfk.json").read_text("utf-8"))["captioner"]
    assert printing["vocabulary"]["language"] == "en" and printing["vocabulary"]["used"] >= 1
    assert "vocabulary" not in talks  # transcribed without one
    assert cli("check", "--root", root)[0] == 0
