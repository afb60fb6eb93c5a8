"""The studio's tree-wide find and replace and its speakers over HTTP (issue 27): requests naming
files outside the tree, unknown undos and names a caption file would misread are 4xx with a message,
and nothing is written; ``captioner check`` reports the cues marked reviewed in the studio."""

# ruff: noqa: F811 (the fixtures imported from edit_support are used as arguments)

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from edit_support import captioned, serve, tree  # noqa: F401

from captioner.cli.main import main

pytestmark = pytest.mark.slow  # the studio server on captions made by the model


def test_replacing_across_the_tree_refuses_paths_outside_it_and_unknown_undos(tree: Path, serve) -> None:
    app = serve(tree)
    before = (tree / "jfk.srt").read_bytes()
    files = app.client.get("/api/tree-cues").json()["files"]
    assert [f["path"] for f in files] == ["jfk.mp4"] and files[0]["cues"]
    jfk = {**files[0], "cues": [{**c, "text": c["text"].upper()} for c in files[0]["cues"]]}
    outside = {**jfk, "path": "../jfk.mp4"}
    answer = app.post("/api/replace-tree", {"files": [jfk, outside]})
    assert answer.status_code == 403 and answer.json()["error"]
    assert (tree / "jfk.srt").read_bytes() == before  # nothing written, not even the file inside
    for body in ({"files": "x"}, {"files": [{"path": "jfk.mp4", "cues": [], "versions": 3}]}):
        answer = app.post("/api/replace-tree", body)
        assert answer.status_code == 400 and answer.json()["error"]
    answer = app.post("/api/undo-replace", {"undo": "41"})
    assert answer.status_code == 404 and "undo" in answer.json()["error"]
    done = app.post("/api/replace-tree", {"files": [jfk]}).json()
    assert done["saved"] == ["jfk.mp4"] and (tree / "jfk.srt").read_bytes() != before
    assert app.post("/api/undo-replace", {"undo": done["undo"]}).json()["restored"] == ["jfk.mp4"]
    assert (tree / "jfk.srt").read_bytes() == before
    assert app.post("/api/undo-replace", {"undo": done["undo"]}).status_code == 404  # once


@pytest.mark.parametrize("voices", [["<b>"], ["Tom & Jerry"], "Ann", [""], ["x" * 33], [3]])
def test_a_speaker_name_a_caption_file_would_misread_is_refused(tree: Path, serve, voices) -> None:
    app = serve(tree)
    before = (tree / "jfk.vtt").read_bytes()
    doc = app.client.get("/api/media?path=jfk.mp4").json()
    cues = [{"start": c["start"], "end": c["end"], "text": c["text"], "voices": voices} for c in doc["cues"]]
    answer = app.post("/api/save?path=jfk.mp4", {"cues": cues, "versions": doc["versions"]})
    assert answer.status_code == 400 and "cue 1" in answer.json()["error"]
    assert (tree / "jfk.vtt").read_bytes() == before


def test_check_reports_the_cues_marked_reviewed_by_file_and_for_the_tree(tree: Path, serve) -> None:
    def check(*args: str) -> str:
        return CliRunner().invoke(main, ["check", "--root", str(tree), *args]).stdout

    for ext in ("mp4", "srt", "vtt"):
        shutil.copyfile(tree / f"jfk.{ext}", tree / f"other.{ext}")
    plain = check("-v")
    assert "reviewed" not in plain and "reviewed" not in json.loads(check("--output-format", "json"))
    app = serve(tree)
    doc = app.client.get("/api/media?path=jfk.mp4").json()
    n = len(doc["cues"])
    cues = [{**c, "reviewed": k < 2} for k, c in enumerate(doc["cues"])]
    assert app.post("/api/save?path=jfk.mp4", {"cues": cues, "versions": doc["versions"]}).status_code == 200
    text = check()
    assert f"     reviewed 2/{n}  jfk.mp4\n" in text and "other.mp4\n" not in text.split("reviewed 2")[1]
    assert f"captioner check: reviewed 2/{2 * n} cues in the studio ({100 * 2 / (2 * n):.0f}%)\n" in text
    assert f"     reviewed 0/{n}  other.mp4\n" in check("-v")
    data = json.loads(check("--output-format", "json"))
    by_path = {f["path"]: f.get("reviewed") for f in data["files"]}
    assert by_path == {"jfk.mp4": {"cues": 2, "of": n}, "other.mp4": {"cues": 0, "of": n}}
    assert data["reviewed"] == {"cues": 2, "of": 2 * n}
