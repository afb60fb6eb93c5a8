"""``scripts =`` in captioner.toml: ``sync`` times a script's words where the script exists, the
script's hash joins the lock entry (``check`` sees an edited script), and a script path that
leads out of the tree is refused.  Real model, real speech (jfk.mp4)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import srt
from conftest import SAMPLES

from captioner.ci.lockfile import read_lock

pytestmark = pytest.mark.slow  # the model

SCRIPT = (
    "And so, my fellow Americans -- ask not what your country can do for you; ask what you can do for your country!"
)


def _states(cli, root: Path) -> dict[str, dict]:
    code, out, err = cli("check", "--root", root, "--output-format", "json")
    return {f["path"]: f for f in json.loads(out)["files"]}


def test_sync_aligns_scripts_where_they_exist_and_check_sees_them_change(cli, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "talks").mkdir(parents=True)
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "talks" / "jfk.mp4")
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "other.mp4")  # no script pattern: transcribed
    (root / "talks" / "jfk.txt").write_text(SCRIPT + "\n", "utf-8")
    (root / "captioner.toml").write_text('formats = ["srt"]\n[scripts]\n"talks/**" = "{stem}.txt"\n', "utf-8")

    code, _, err = cli("sync", "--root", root, "-q")
    assert code == 0, err
    said = " ".join(s.content.replace("\n", " ") for s in srt.parse((root / "talks" / "jfk.srt").read_text("utf-8")))
    assert said == SCRIPT
    heard = " ".join(s.content for s in srt.parse((root / "other.srt").read_text("utf-8")))
    assert "--" not in heard and ";" not in heard  # Whisper's own words there
    entry = read_lock(root / "captions.lock").entries["talks/jfk.mp4"]
    assert "script=talks/jfk.txt@" in entry.summary
    assert entry.settings != read_lock(root / "captions.lock").entries["other.mp4"].settings
    assert {k: v["state"] for k, v in _states(cli, root).items()} == {"other.mp4": "ok", "talks/jfk.mp4": "ok"}

    (root / "talks" / "jfk.txt").write_text(SCRIPT.replace("Americans", "citizens") + "\n", "utf-8")
    assert _states(cli, root)["talks/jfk.mp4"]["state"] == "settings-changed"
    code, _, err = cli("sync", "--root", root, "-q")
    assert code == 0, err
    assert "citizens" in (root / "talks" / "jfk.srt").read_text("utf-8")
    assert _states(cli, root)["talks/jfk.mp4"]["state"] == "ok"


def test_a_script_leading_out_of_the_tree_is_not_read(cli, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "talks").mkdir(parents=True)
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "talks" / "jfk.mp4")
    secret = tmp_path / "secret.txt"
    secret.write_text("And so my fellow Americans\n", "utf-8")
    (root / "talks" / "jfk.txt").symlink_to(secret)
    (root / "captioner.toml").write_text('formats = ["srt"]\n[scripts]\n"talks/**" = "{stem}.txt"\n', "utf-8")
    code, _, err = cli("sync", "--root", root, "-q")
    assert code == 1
    assert "talks/jfk.mp4" in err and "leading out of the tree" in err
    assert not (root / "talks" / "jfk.srt").exists()
