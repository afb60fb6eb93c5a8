"""Trust at the edges of ``check`` and ``sync`` (issue #14, points 1-4).

A lock file or a configuration arrives in a pull request and CI runs it: nothing in them may reach
outside the tree.  A style out of range is refused as the command line refuses it, and no run
replaces captions with empty ones while there was speech.  Two syncs at once on parts of one tree
keep each other's lock entries.  A folder the gate cannot read fails it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, captioner, invoke, unprivileged
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_check import SRT, VTT, lock_up
from test_segmentation_properties import transcripts

from captioner.captions.segmentation import segment
from captioner.ci.lockfile import LockEntry, read_lock, update_lock
from captioner.core.style import LIMITS, PRESETS, Style
from captioner.core.transcript import Segment, Transcript, Word
from captioner.errors import CaptionerError
from captioner.media.hashing import HASH_SCHEME, file_sha256
from captioner.run.jobs import Job
from captioner.run.outputs import format_outputs
from captioner.run.settings import Settings

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


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
    refused = "captioner sync: left song.flac: error: not read: a symbolic link leading out of the tree"
    assert refused in err.splitlines()
    assert sorted(read_lock(root / "captions.lock").entries) == ["annexed.flac"]
    assert not (root / "song.srt").exists()


# -- 2. Style values: one range for the command line and the configuration; never empty captions ------


@pytest.mark.parametrize(
    ("style", "message"),
    [
        ('{ preset = "bbc", max_chars = -3 }', "style.max_chars must be a whole number from 8 to 200, not -3"),
        ('{ preset = "bbc", max_lines = 0 }', "style.max_lines must be a whole number from 1 to 10, not 0"),
        ('{ preset = "bbc", max_chars = 0 }', "style.max_chars must be a whole number from 8 to 200, not 0"),
        ('{ preset = "bbc", max_cps = 0 }', "style.max_cps must be a number from 1 to 100, not 0"),
        ('{ preset = "bbc", max_duration = 1e308 }', "style.max_duration must be a number from 0.5 to 60, not 1e+308"),
        ("{ max_cps = nan }", "style.max_cps must be a number from 1 to 100, not nan"),
        ("{ max_chars = 30.5 }", "style.max_chars must be a whole number from 8 to 200, not 30.5"),
        ("{ min_duration = 9, max_duration = 2 }", "min_duration (9) must not exceed max_duration (2)"),
    ],
)
def test_a_style_out_of_range_in_the_config_is_refused(tmp_path: Path, style: str, message: str) -> None:
    # Found: max_chars = -3 (or max_lines = 0) made sync rewrite every caption file empty, exit 0,
    # and check said "all good"; max_chars = 0, max_cps = 0, max_duration = 1e308 an internal error.
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("de_picovoice_test.flac", "ja_picovoice_test.flac"):
        shutil.copyfile(SAMPLES / name, root / name)
        lock_up(root, name)
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    (root / "captioner.toml").write_text(f"style = {style}\n", "utf-8")
    for command in ("sync", "check"):
        code, _, err = invoke(command, "--root", root)
        assert code == 2, err
        assert one_error_line(err) == f"captioner: error: captioner.toml: {message}"
    assert {p.name: p.read_bytes() for p in root.iterdir() if p.name != "captioner.toml"} == before


def _edges(name: str) -> list[float]:
    limit = LIMITS[name]
    step = 1 if limit.kind is int else 0.01
    values = [limit.low, limit.high, limit.low - step, limit.high + step, math.nan, math.inf]
    return [int(v) if limit.kind is int and math.isfinite(v) else v for v in values]


@pytest.mark.parametrize("name", list(LIMITS))
def test_the_command_line_and_the_config_take_the_same_style_values(tmp_path: Path, name: str) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    option = "--" + name.replace("_", "-")
    # min_duration may not exceed max_duration: the other one out of the way
    room = {"min_duration": {"max_duration": 60}, "max_duration": {"min_duration": 0}}.get(name, {})
    for value in _edges(name):
        text = "nan" if value != value else ("inf" if value == math.inf else repr(value))
        table = ", ".join(f"{k} = {v}" for k, v in {name: text, **room}.items())
        (root / "captioner.toml").write_text(f"style = {{ {table} }}\n", "utf-8")
        from_config = invoke("check", "--root", root)[0]
        (root / "captioner.toml").write_text("", "utf-8")
        extra = [f"--{k.replace('_', '-')}={v}" for k, v in room.items()]
        from_cli = invoke("check", "--root", root, f"{option}={text}", *extra)[0]
        valid = math.isfinite(value) and LIMITS[name].low <= value <= LIMITS[name].high
        assert from_config == from_cli == (0 if valid else 2), (name, value)


@st.composite
def styles_in_range(draw) -> Style:
    values = {}
    for name, limit in LIMITS.items():
        if limit.kind is int:
            values[name] = draw(st.integers(int(limit.low), int(limit.high)))
        else:
            values[name] = draw(st.sampled_from([limit.low, limit.high]) | st.floats(limit.low, limit.high))
    low, high = sorted((values["min_duration"], values["max_duration"]))
    values["min_duration"], values["max_duration"] = low, max(high, LIMITS["max_duration"].low)
    return draw(st.sampled_from(list(PRESETS.values()))).with_overrides(**values)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transcripts(), styles_in_range())
def test_any_style_in_range_keeps_every_word(tr: Transcript, style: Style) -> None:
    """The ranges are safe: no internal error and no lost words, whatever the values in them."""
    cues = segment(tr, style)
    used = style.for_language(tr.language)
    for cue in cues:
        assert 1 <= len(cue.lines) <= used.max_lines and all(0 < len(line) <= used.max_chars for line in cue.lines)
        assert cue.end > cue.start >= 0
    if any(w.word.strip() for w in tr.words):
        assert "".join(w.word for c in cues for w in c.words) == "".join(w.word for w in tr.words)


def test_captions_are_never_replaced_by_empty_ones_while_there_was_speech(tmp_path: Path) -> None:
    # The guard behind the ranges: a formatter defect (here a style that bypassed them) fails the file.
    words = [Word(" Hallo", 0.5, 0.9, 0.9), Word(" Welt.", 1.0, 1.4, 0.9)]
    speech = Transcript(language="de", duration=2.0, segments=[Segment(0, 0, 0.5, 1.4, " Hallo Welt.")], words=words)
    outputs = {"srt": tmp_path / "talk.srt", "vtt": tmp_path / "talk.vtt"}
    outputs["srt"].write_text(SRT, "utf-8")
    outputs["vtt"].write_text(VTT, "utf-8")
    job = Job(media=tmp_path / "talk.flac", outputs=outputs)
    broken = Settings(style=Style(max_chars=-3), overwrite=True)
    with pytest.raises(CaptionerError, match="no cue came out of a transcript with words"):
        format_outputs(job, speech, broken, ["srt", "vtt"])
    assert outputs["srt"].read_text("utf-8") == SRT and outputs["vtt"].read_text("utf-8") == VTT
    # Silence still gives empty caption files (the audio really has no speech).
    silence = Transcript(language="de", duration=2.0, segments=[], words=[])
    format_outputs(job, silence, broken, ["srt", "vtt"])
    assert outputs["srt"].read_text("utf-8") == "" and outputs["vtt"].read_text("utf-8").strip() == "WEBVTT"


# -- 3. Syncs at once on parts of one tree keep each other's entries ----------------------------------


@pytest.mark.slow
def test_two_syncs_at_once_on_parts_of_one_tree_keep_both_sides(local_backend, tmp_path: Path) -> None:
    # Found: `captioner sync a & captioner sync b & wait`: both exit 0, the lock kept one side's
    # entries, and check then failed with lock-entry-missing.
    root = tmp_path / "repo"
    for part, sample in (("a", "de_picovoice_test.flac"), ("b", "ja_picovoice_test.flac")):
        (root / part).mkdir(parents=True)
        for i in range(3):
            shutil.copyfile(SAMPLES / sample, root / part / f"talk{i}.flac")
    # Fill the transcript cache (the session's model), then start again without captions or lock.
    code, _, err = invoke("sync", "--root", root, "-q")
    assert code == 0, err
    for path in [*root.rglob("*.srt"), *root.rglob("*.vtt"), root / "captions.lock"]:
        path.unlink()
    command = [sys.executable, "-m", "captioner", "sync", "-q", "--root", str(root)]
    procs = [
        subprocess.Popen([*command, str(root / part)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
        for part in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    assert sorted(read_lock(root / "captions.lock").entries) == [f"{p}/talk{i}.flac" for p in "ab" for i in range(3)]
    assert invoke("check", "--root", root)[0] == 0
    assert sorted(p.name for p in root.iterdir()) == ["a", "b", "captions.lock"]  # no lock file left behind


ADD_ENTRIES = """
import sys
from captioner.ci.lockfile import LockEntry, update_lock
worker = sys.argv[2]
for i in range(25):
    update_lock(sys.argv[1], {f"w{worker}/f{i}.flac": LockEntry("1" * 64, "2" * 16, f"worker {worker}")})
"""


@pytest.mark.slow
def test_lock_updates_from_many_processes_all_land(tmp_path: Path) -> None:
    lock = tmp_path / "captions.lock"
    update_lock(lock, {"gone.flac": LockEntry("1" * 64, "2" * 16)})
    workers = [subprocess.Popen([sys.executable, "-c", ADD_ENTRIES, str(lock), str(w)], env=ENV) for w in range(4)]
    update_lock(lock, drop=["gone.flac"])
    assert [worker.wait(60) for worker in workers] == [0] * 4
    assert sorted(read_lock(lock).entries) == sorted(f"w{w}/f{i}.flac" for w in range(4) for i in range(25))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["captions.lock"]  # the lock's own file is gone


# -- 4. A folder the gate cannot read fails it ----------------------------------------------------------


@pytest.mark.slow
def test_check_and_sync_fail_on_a_folder_they_cannot_read(tmp_path: Path) -> None:
    # Found: a folder with mode 000 holding an uncaptioned file: "1 file: 1 ok; all good", exit 0.
    root = tmp_path / "repo"
    (root / "private").mkdir(parents=True)
    shutil.copyfile(SAMPLES / "ja_picovoice_test.flac", root / "ok.flac")
    lock_up(root, "ok.flac")
    shutil.copyfile(SAMPLES / "de_picovoice_test.flac", root / "private" / "talk.flac")
    (root / "private").chmod(0)
    try:
        check = captioner("check", "--root", root, prefix=unprivileged())
        sync = captioner("sync", "-q", "--root", root, prefix=unprivileged())
    finally:
        (root / "private").chmod(0o755)
    for run in (check, sync):
        assert run.returncode == 1, run.stdout + run.stderr
        assert "FAIL error" in run.stdout and "private  (cannot read this folder: Permission denied)" in run.stdout
    assert "private/talk.flac" not in read_lock(root / "captions.lock").entries


@pytest.mark.slow
def test_lock_entries_in_an_unreadable_folder_are_not_pruned(tmp_path: Path) -> None:
    # Their media could not be seen, which is not "gone": sync --prune dropped their entries.
    root = tmp_path / "repo"
    (root / "kept").mkdir(parents=True)
    shutil.copyfile(SAMPLES / "de_picovoice_test.flac", root / "kept" / "talk.flac")
    lock_up(root, "kept/talk.flac")
    before = (root / "captions.lock").read_text("utf-8")
    (root / "kept").chmod(0)
    try:
        sync = captioner("sync", "-q", "--prune", "--root", root, prefix=unprivileged())
    finally:
        (root / "kept").chmod(0o755)
    assert sync.returncode == 1, sync.stdout + sync.stderr
    assert "kept  (cannot read this folder: Permission denied)" in sync.stdout
    assert "orphan" not in sync.stdout
    assert (root / "captions.lock").read_text("utf-8") == before
    assert (root / "kept" / "talk.srt").exists()
