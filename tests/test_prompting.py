"""--prompt and --vocabulary: what reaches Whisper, the cache and the lock, checked before any work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import AIX_KEY, SAMPLES

import captioner
from captioner.ci.config import ConfigError, load_config
from captioner.cli.main import main
from captioner.run.cache import cache_key
from captioner.transcription.base import TranscribeOptions
from captioner.transcription.prompting import (
    MAX_VOCABULARY_TOKENS,
    PromptError,
    check_prompt,
    parse_vocabulary,
    vocabulary_terms,
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
    assert vocabulary_terms(names) == vocabulary_terms(str(names)) == ("Peter Schoeffer", "Gutenberg")
    assert vocabulary_terms(["Gutenberg", " Maintz "]) == ("Gutenberg", "Maintz")


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
        ("vocabulary = 3", "must be a file inside the tree: not a string"),
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
