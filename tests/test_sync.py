"""``captioner sync`` end to end on a tree of real clips with the real model (loaded once per session)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from pathlib import Path

import pytest
import srt
from click.testing import CliRunner
from conftest import SAMPLES, run_ffmpeg

from captioner.ci.lockfile import read_lock
from captioner.cli.main import main
from captioner.media.hashing import file_sha256

pytestmark = pytest.mark.slow  # the model


def states(cli, root: Path, *args: object) -> dict[str, str]:
    code, out, err = cli("check", "--root", root, "--output-format", "json", *args)
    data = json.loads(out)
    assert code == (0 if data["ok"] else 1), err
    return {f["path"]: f["state"] for f in data["files"]}


def test_check_sync_lifecycle(cli, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "de").mkdir(parents=True)
    shutil.copyfile(SAMPLES / "de_picovoice_test.flac", root / "de" / "talk.flac")
    shutil.copyfile(SAMPLES / "ja_picovoice_test.flac", root / "ja.flac")
    (root / "broken.mp4").write_bytes(b"\x00not a video" * 64)
    (root / "captioner.toml").write_text('[languages]\n"de/**" = "de"\n', "utf-8")
    de, ja = root / "de" / "talk.flac", root / "ja.flac"

    # Nothing captioned yet: every file is missing, and check fails.
    assert states(cli, root) == {"broken.mp4": "missing", "de/talk.flac": "missing", "ja.flac": "missing"}

    # sync captions the good files; the broken one fails without stopping them and gets no entry.
    code, _, err = cli("sync", "--root", root, "-q")
    assert code == 1
    assert "broken.mp4" in err
    lock = read_lock(root / "captions.lock")
    assert sorted(lock.entries) == ["de/talk.flac", "ja.flac"]
    assert lock.entries["de/talk.flac"].summary.startswith("local/base language=de style=netflix")
    assert lock.entries["ja.flac"].captions["srt"] == file_sha256(root / "ja.srt")
    subs = list(srt.parse((root / "de" / "talk.srt").read_text("utf-8")))
    assert subs and any(s.content.strip() for s in subs)
    (root / "broken.mp4").unlink()
    assert states(cli, root) == {"de/talk.flac": "ok", "ja.flac": "ok"}
    assert cli("check", "--root", root)[0] == 0

    # A metadata-only re-mux keeps the captions fresh; a re-encode of the audio makes them stale.
    run_ffmpeg("-i", str(de), "-c", "copy", "-metadata", "title=New title", str(root / "tmp.flac"))
    os.replace(root / "tmp.flac", de)
    run_ffmpeg("-i", str(ja), "-af", "volume=0.7", "-c:a", "flac", str(root / "tmp.flac"))
    os.replace(root / "tmp.flac", ja)
    assert states(cli, root) == {"de/talk.flac": "ok", "ja.flac": "stale"}

    # A person corrects the German captions: check passes and says so.
    de_srt = root / "de" / "talk.srt"
    corrected = de_srt.read_text("utf-8").replace("\n\n", " (korrigiert)\n\n", 1)
    de_srt.write_text(corrected, "utf-8")
    de_vtt_before = (root / "de" / "talk.vtt").read_bytes()
    ja_lock_before = read_lock(root / "captions.lock").entries["ja.flac"]

    # sync regenerates the stale file only, and leaves the edited captions alone.
    code, out, err = cli("sync", "--root", root, "-q")
    assert code == 0, out + err
    assert de_srt.read_text("utf-8") == corrected
    assert (root / "de" / "talk.vtt").read_bytes() == de_vtt_before
    assert read_lock(root / "captions.lock").entries["ja.flac"].audio != ja_lock_before.audio
    assert states(cli, root) == {"de/talk.flac": "edited", "ja.flac": "ok"}
    code, out, _ = cli("check", "--root", root)
    assert code == 0 and "edited" in out and "de/talk.srt" in out
    assert cli("check", "--root", root, "--strict")[0] == 1

    # sync --force regenerates the edited captions.
    code, _, err = cli("sync", "--root", root, "-q", "--force")
    assert code == 0, err
    assert "(korrigiert)" not in de_srt.read_text("utf-8")
    assert read_lock(root / "captions.lock").entries["de/talk.flac"].captions["srt"] == file_sha256(de_srt)
    assert states(cli, root) == {"de/talk.flac": "ok", "ja.flac": "ok"}

    # A style change in the configuration: settings changed; an option on the command line wins.
    (root / "captioner.toml").write_text('style = "bbc"\n[languages]\n"de/**" = "de"\n', "utf-8")
    assert states(cli, root) == {"de/talk.flac": "settings-changed", "ja.flac": "settings-changed"}
    assert states(cli, root, "--style", "netflix") == {"de/talk.flac": "ok", "ja.flac": "ok"}
    (root / "captioner.toml").write_text('[languages]\n"de/**" = "de"\n', "utf-8")

    # The media goes: its captions and lock entry are orphans; sync --prune cleans them up.
    de.unlink()
    assert states(cli, root) == {"de/talk.flac": "orphan", "ja.flac": "ok"}
    code, _, err = cli("sync", "--root", root, "-q")
    assert code == 1 and "--prune" in err
    code, _, err = cli("sync", "--root", root, "-q", "--prune")
    assert code == 0, err
    assert not de_srt.exists() and "de/talk.flac" not in read_lock(root / "captions.lock").entries
    assert states(cli, root) == {"ja.flac": "ok"}


def test_captions_without_lock_entry_are_kept_adopted_or_forced(cli, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copyfile(SAMPLES / "de_picovoice_test.flac", root / "talk.flac")
    made_by_hand = "1\n00:00:00,000 --> 00:00:02,000\nVon Hand.\n\n"
    (root / "talk.srt").write_text(made_by_hand, "utf-8")
    (root / "talk.vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nVon Hand.\n", "utf-8")
    assert states(cli, root) == {"talk.flac": "lock-entry-missing"}
    code, _, err = cli("sync", "--root", root, "-q")
    assert code == 1 and "--adopt" in err
    assert (root / "talk.srt").read_text("utf-8") == made_by_hand
    code, _, err = cli("sync", "--root", root, "-q", "--adopt")
    assert code == 0, err
    assert (root / "talk.srt").read_text("utf-8") == made_by_hand
    assert states(cli, root) == {"talk.flac": "ok"}


def test_unreadable_media_is_one_plain_line(tmp_path: Path) -> None:
    """Without a model.  Found with `sync --adopt` on a truncated mp4: 'sub/broken.mp4: /abs/sub/broken.mp4:
    cannot read media: [Errno 1094995529] Invalid data ...: '/abs/sub/broken.mp4'', the path three times."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "broken.mp4").write_bytes((SAMPLES / "jfk.mp4").read_bytes()[:5000])
    for fmt in ("srt", "vtt"):
        (root / f"broken.{fmt}").write_text("x\n", "utf-8")
    result = CliRunner().invoke(main, ["sync", "--root", str(root), "-q", "--adopt"])
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("captioner: error:")]
    assert line == "captioner: error: broken.mp4: cannot read media: Invalid data found when processing input"


def test_sync_shard_updates_only_its_own_entries(tmp_path: Path) -> None:
    """Without a model: the shard holding no file to caption leaves the lock as it is."""
    from captioner.ci.shard import Shard, shard_of

    root = tmp_path / "repo"
    root.mkdir()
    shutil.copyfile(SAMPLES / "ja_picovoice_test.flac", root / "a.flac")
    other = next(k for k in (1, 2) if k != shard_of("a.flac", 2))
    assert "a.flac" not in Shard(other, 2)
    result = CliRunner().invoke(main, ["sync", "--root", str(root), "-q", "--shard", f"{other}/2"])
    assert result.exit_code == 0, result.stderr
    assert not (root / "captions.lock").exists() and not (root / "a.srt").exists()


def test_sync_takes_jobs_as_the_main_command_does(cli, tmp_path: Path, monkeypatch) -> None:
    import captioner.cli.ci as ci_commands

    seen: list[object] = []
    original = ci_commands.make_backend

    def spy(backend, **kwargs):
        seen.append(kwargs["jobs"])
        return original(backend, **kwargs)

    monkeypatch.setattr(ci_commands, "make_backend", spy)
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copyfile(SAMPLES / "de_picovoice_test.flac", root / "talk.flac")
    code, _, err = cli("sync", "--root", root, "-q", "--jobs", "1")
    assert code == 0, err
    assert seen == [1] and (root / "talk.srt").exists()


def test_sync_hashes_each_files_audio_once(cli, tmp_path: Path, caplog) -> None:
    """#26: sync hashed a file's audio for its lock entry, then the run hashed it again for the
    transcript cache's key.  Counted by the hashing's --debug line (one per audio hash computed)."""
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copyfile(SAMPLES / "de_picovoice_test.flac", root / "de.flac")
    shutil.copyfile(SAMPLES / "ja_picovoice_test.flac", root / "ja.flac")
    old = time.time() - 60  # past the stat cache's racy window: the check after the sync reuses the hashes

    def age(*paths: Path) -> None:
        for path in paths:
            os.utime(path, (old, old))

    def hashed() -> list[str]:
        names = [Path(r.args[0]).name for r in caplog.records if r.getMessage().startswith("hashing the audio of ")]
        caplog.clear()
        return sorted(names)

    age(root / "de.flac", root / "ja.flac")
    caplog.set_level(logging.DEBUG, logger="captioner.media.hashing")
    # Missing captions: sync hashes each file for its lock entry, and the run's cache key reuses that hash.
    code, _, err = cli("sync", "--root", root, "-q")
    assert code == 0, err
    assert hashed() == ["de.flac", "ja.flac"]
    assert sorted(read_lock(root / "captions.lock").entries) == ["de.flac", "ja.flac"]
    # Stale captions: the check's hash of the new audio is the one the run uses.
    run_ffmpeg("-i", str(root / "ja.flac"), "-af", "volume=0.7", "-c:a", "flac", str(root / "tmp.flac"))
    os.replace(root / "tmp.flac", root / "ja.flac")
    age(root / "ja.flac")
    code, _, err = cli("sync", "--root", root, "-q")
    assert code == 0, err
    assert hashed() == ["ja.flac"]
    assert states(cli, root) == {"de.flac": "ok", "ja.flac": "ok"}
