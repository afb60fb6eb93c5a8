"""Trust at the edges of ``check`` and ``sync`` (issue #14, point 1).

A lock file or a configuration arrives in a pull request and CI runs it: nothing in them may reach
outside the tree.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES
from test_check import SRT, VTT, lock_up

from captioner.cli import main
from captioner.hashing import HASH_SCHEME, file_sha256
from captioner.lockfile import read_lock


def invoke(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def crafted_lock(entries: dict[str, Path]) -> str:
    """A lock whose entries (media path -> the file its ``srt`` hash names) pass every other check."""
    out = [f'version = 1\nmedia-hash = "{HASH_SCHEME}"\n']
    for rel, target in entries.items():
        out.append(f'\n[{json.dumps(rel)}]\naudio = "{"0" * 64}"\nsettings = "{"0" * 16}"\n')
        out.append(f'srt = "{file_sha256(target)}"\n')
    return "".join(out)


def one_error_line(stderr: str) -> str:
    (line,) = stderr.splitlines()
    assert line.startswith("captioner: error: ") and "Traceback" not in stderr
    return line


# -- 1. Paths from the lock file and the configuration stay inside the tree ----------------------------


@pytest.fixture()
def victims(tmp_path: Path) -> tuple[Path, Path, Path]:
    """An empty tree, and caption files outside it: ``../outside/victim.srt``, ``<tmp>/x/victim2.srt``."""
    root = tmp_path / "repo"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "x").mkdir()
    victim = tmp_path / "outside" / "victim.srt"
    victim.write_text("precious\n", "utf-8")
    victim2 = tmp_path / "x" / "victim2.srt"
    victim2.write_text("precious too\n", "utf-8")
    return root, victim, victim2


@pytest.mark.parametrize("attack", ["dot-dot", "absolute", "symlinked folder", "symlinked caption"])
def test_a_crafted_lock_cannot_reach_outside_the_tree(victims, attack: str) -> None:
    # Found: entries ["../outside/victim.mp3"] and ["/tmp/x/victim2.mp3"] with srt = the target's
    # sha256 made `sync --prune` delete ../outside/victim.srt and /tmp/x/victim2.srt; check read
    # and hashed them (an oracle for the content of any file).
    root, victim, victim2 = victims
    if attack == "dot-dot":
        rel, target = "../outside/victim.mp3", victim
    elif attack == "absolute":
        rel, target = str(victim2.with_suffix(".mp3")), victim2
    elif attack == "symlinked folder":
        (root / "link").symlink_to(victim.parent, target_is_directory=True)
        rel, target = "link/victim.mp3", victim
    else:
        (root / "talk.srt").symlink_to(victim)
        rel, target = "talk.mp3", victim
    lock = crafted_lock({rel: target})
    (root / "captions.lock").write_text(lock, "utf-8")
    for command in (["sync", "--prune"], ["check"], ["sync", "--adopt", "--force"]):
        code, _, err = invoke(*command, "--root", root)
        assert code == 2, (command, err)
        line = one_error_line(err)
        assert line.startswith(f"captioner: error: {root / 'captions.lock'}: entry {rel!r} reaches outside the tree")
    assert victim.read_text("utf-8") == "precious\n" and victim2.read_text("utf-8") == "precious too\n"
    assert (root / "captions.lock").read_text("utf-8") == lock


@pytest.mark.parametrize(
    ("setup", "cause"),
    [
        ('lock = "../elsewhere/evil.lock"', "captioner.toml: lock '../elsewhere/evil.lock' must be a file inside"),
        ('lock = "link/evil.lock"', "captioner.toml: lock 'link/evil.lock' must be a file inside the tree: a symb"),
        ("captions.lock -> outside", "lock 'captions.lock' must be a file inside the tree: a symbolic link"),
        ("captioner.toml -> outside", "captioner.toml: not read: a symbolic link leading out of the tree"),
    ],
)
def test_a_config_cannot_put_the_lock_outside_the_tree(tmp_path: Path, setup: str, cause: str) -> None:
    # Found: lock = "../elsewhere/evil.lock" in captioner.toml made `sync --adopt` write there.
    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.lock").write_text("version = 1\n", "utf-8")
    (outside / "captioner.toml").write_text('lock = "evil.lock"\n', "utf-8")
    (root / "link").symlink_to(outside, target_is_directory=True)
    shutil.copyfile(SAMPLES / "ja_picovoice_test.flac", root / "talk.flac")
    (root / "talk.srt").write_text(SRT, "utf-8")
    (root / "talk.vtt").write_text(VTT, "utf-8")
    if setup.endswith("-> outside"):
        name = setup.split()[0]
        (root / name).symlink_to(outside / ("evil.lock" if name == "captions.lock" else name))
    else:
        (root / "captioner.toml").write_text(setup + "\n", "utf-8")
    for command in (["check"], ["sync", "--adopt"]):
        code, _, err = invoke(*command, "--root", root)
        assert code == 2, err
        assert cause in one_error_line(err)
    assert not (tmp_path / "elsewhere").exists()
    assert sorted(p.name for p in outside.iterdir()) == ["captioner.toml", "evil.lock"]
    assert (outside / "evil.lock").read_text("utf-8") == "version = 1\n"
    assert not (root / "captions.lock").is_file() or (root / "captions.lock").is_symlink()


def test_media_and_captions_linked_from_outside_are_never_read(tmp_path: Path) -> None:
    """Symbolic links in the tree itself: one leading out is an error (sync reads nothing through
    it and records nothing), one inside the tree (git-annex keeps media so) works as any file."""
    root = tmp_path / "repo"
    (root / ".annex").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    shutil.copyfile(SAMPLES / "de_picovoice_test.flac", tmp_path / "outside" / "song.flac")
    (root / "song.flac").symlink_to(tmp_path / "outside" / "song.flac")
    shutil.copyfile(SAMPLES / "ja_picovoice_test.flac", root / ".annex" / "ja-object")
    (root / "annexed.flac").symlink_to(Path(".annex") / "ja-object")
    (root / "captioner.toml").write_text('include = ["annexed.flac"]\n', "utf-8")
    lock_up(root, "annexed.flac")
    assert invoke("check", "--root", root)[0] == 0
    (root / "captioner.toml").write_text("", "utf-8")
    code, out, err = invoke("sync", "--root", root, "-q", "--adopt")
    assert code == 1
    assert "captioner: error: song.flac: not read: a symbolic link leading out of the tree" in err.splitlines()
    assert sorted(read_lock(root / "captions.lock").entries) == ["annexed.flac"]
    assert not (root / "song.srt").exists()
