"""Files the user names are read only when they are regular files (issue 25 point 8).

A named pipe given as the vocabulary (``--vocabulary`` or ``vocabulary =`` in captioner.toml) made
``sync`` and the main command wait forever for a writer.  Every small file the user names (the
vocabulary, the configuration, the lock, a ``--from-list`` file, the aiXplain key file) goes through
one reader that refuses anything but a regular file without waiting, and keeps its size cap.  The
processes run with a timeout only as a safety net: the assertion is the error line.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES, captioner

from captioner.paths import read_regular_file
from captioner.transcription.prompting import MAX_VOCABULARY_BYTES, PromptError, load_vocabulary

FIFO = "not a regular file: a named pipe (FIFO)"
SAFETY_NET = 300  # seconds: only so that a regression fails instead of hanging the suite


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


@pytest.mark.slow
def test_a_fifo_vocabulary_option_is_a_one_line_usage_error(tmp_path: Path) -> None:
    names = fifo(tmp_path / "names.txt")
    done = captioner(SAMPLES / "jfk.mp4", "-o", tmp_path / "out", "--vocabulary", names, timeout=SAFETY_NET)
    assert done.returncode == 2
    assert done.stderr == f"captioner: error: {names}: cannot read: {FIFO}\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_fifo_vocabulary_in_the_config_is_a_one_line_config_error(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "jfk.mp4")
    (root / "captioner.toml").write_text('vocabulary = "names.txt"\n', "utf-8")
    names = fifo(root / "names.txt")
    for command in ("sync", "check"):
        done = captioner(command, "--root", root, timeout=SAFETY_NET)
        assert done.returncode == 2, command
        assert done.stderr == f"captioner: error: captioner.toml: vocabulary {names}: cannot read: {FIFO}\n"
    assert sorted(p.name for p in root.iterdir()) == ["captioner.toml", "jfk.mp4", "names.txt"]


@pytest.mark.slow
def test_a_fifo_url_list_key_file_or_lock_is_refused_at_once(tmp_path: Path) -> None:
    urls = fifo(tmp_path / "urls.txt")
    done = captioner("--from-list", urls, "-o", tmp_path, timeout=SAFETY_NET)
    assert done.returncode == 1
    assert f"captioner: error: {urls}: cannot read this URL list: {FIFO}" in done.stderr.splitlines()
    key = fifo(tmp_path / "key.txt")
    done = captioner(SAMPLES / "jfk.mp4", "--backend", "aixplain", "--api-key-file", key, "-o", tmp_path,
                     timeout=SAFETY_NET)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == f"captioner: error: cannot read the aiXplain API key file {key}: {FIFO}\n"
    root = tmp_path / "repo"
    root.mkdir()
    (root / "captioner.toml").write_text('lock = "my.lock"\n', "utf-8")
    lock = fifo(root / "my.lock")
    done = captioner("check", "--root", root, timeout=SAFETY_NET)
    assert done.returncode == 2
    assert done.stderr == f"captioner: error: {lock}: cannot read: {FIFO}\n"


def test_the_reader_keeps_the_cap_and_refuses_folders(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_bytes(b"Gutenberg\n" + b"#" * MAX_VOCABULARY_BYTES)
    with pytest.raises(PromptError, match=r"names\.txt: larger than 64 KiB: not a list of names"):
        load_vocabulary(names)
    names.write_bytes(b"x" * 10)
    assert read_regular_file(names, 10) == b"x" * 10
    with pytest.raises(OSError, match="larger than 9 bytes"):
        read_regular_file(names, 9)
    with pytest.raises(PromptError, match="cannot read: not a regular file: a folder"):
        load_vocabulary(tmp_path)


@pytest.mark.slow
def test_a_fifo_caption_or_transcript_in_the_tree_is_not_waited_for(tmp_path: Path) -> None:
    # The studio (and review --html, which reads through it) read a caption file of the tree as it
    # found it: a named pipe there held the request (and the page) forever.
    root = tmp_path / "repo"
    root.mkdir()
    (root / "captioner.toml").write_text("", "utf-8")
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "jfk.mp4")
    fifo(root / "jfk.json")  # no transcript: as if there were none
    fifo(root / "jfk.srt")
    done = captioner("review", "--html", tmp_path / "out", root / "jfk.mp4", timeout=SAFETY_NET)
    assert done.returncode == 1
    assert done.stderr == f"captioner: error: jfk.srt: cannot read: {FIFO}\n"
