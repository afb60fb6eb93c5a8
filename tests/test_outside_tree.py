"""Files outside the tree (issue 25 point 4, issue 27 "Files outside the tree").

A caption file, transcript or media file that is a symbolic link leading out of the tree is refused by
every surface (the studio's listing and API, ``review``, ``review --html``, ``check``, ``sync``) with one
line naming the file; nothing read through it reaches any output, and the outside file is untouched.
No error message quotes a file's content (srt's parse errors did), and a studio save never replaces a
symbolic link with a file.
"""

# ruff: noqa: F811 (the fixtures imported from edit_support are used as arguments)

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES, invoke
from edit_support import serve  # noqa: F401

from captioner.core.transcript import Segment, Transcript, Word

SECRET = "CANARY-7f3e-outside-secret"
OUTSIDE_SRT = f"1\n00:00:00,000 --> 00:00:02,000\n{SECRET}\n\n"
OUTSIDE_PASSWD = f"root:x:0:0:{SECRET}:/root:/bin/bash\ndaemon:x:1:1:{SECRET}\n"
LEAVES = "a symbolic link leading out of the tree"


def _transcript() -> str:
    word = Word(SECRET, 0.0, 1.0, 0.05)
    segment = Segment(0, 0, 0.0, 1.0, SECRET, avg_logprob=-2.0)
    return Transcript(language="en", duration=11.0, segments=[segment], words=[word]).to_json()


@pytest.fixture()
def linked(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """A tree with jfk.mp4 whose srt and json lead out (to a valid srt and a transcript holding the
    secret), and link.mp4 leading out to a media file with a secret-holding srt beside it."""
    root, outside = tmp_path / "repo", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "captioner.toml").write_text("", "utf-8")
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "jfk.mp4")
    shutil.copyfile(SAMPLES / "jfk.mp4", outside / "secret.mp4")
    (outside / "secret.srt").write_text(OUTSIDE_SRT, "utf-8")
    (outside / "secret.json").write_text(_transcript(), "utf-8")
    (outside / "passwd").write_text(OUTSIDE_PASSWD, "utf-8")
    (root / "jfk.srt").symlink_to(outside / "secret.srt")
    (root / "jfk.json").symlink_to(outside / "secret.json")
    (root / "link.mp4").symlink_to(outside / "secret.mp4")
    before = {p.name: p.read_bytes() for p in outside.iterdir()}
    return root, outside, before


def untouched(root: Path, outside: Path, before: dict[str, bytes]) -> None:
    assert {p.name: p.read_bytes() for p in outside.iterdir()} == before
    assert all((root / name).is_symlink() for name in ("jfk.srt", "jfk.json", "link.mp4"))


def test_check_and_sync_refuse_captions_and_media_leading_out(linked) -> None:
    root, outside, before = linked
    for command in (["check"], ["sync", "--adopt"], ["sync", "--force"]):
        code, out, err = invoke(*command, "--root", root)
        assert code == 1, (command, err)
        assert f"jfk.mp4  (jfk.srt: not read: {LEAVES})" in out, command
        assert f"link.mp4  (not read: {LEAVES})" in out, command
        assert SECRET not in out + err
    untouched(root, outside, before)
    assert not (root / "captions.lock").exists() or "jfk" not in (root / "captions.lock").read_text("utf-8")


def test_review_refuses_a_transcript_or_media_leading_out(linked) -> None:
    root, outside, before = linked
    code, out, err = invoke("review", root / "jfk.mp4", root / "jfk.json", root / "link.mp4")
    assert code == 1
    assert err.splitlines() == [
        f"captioner: error: {root / 'jfk.json'}: not read: {LEAVES}",  # the transcript beside jfk.mp4
        f"captioner: error: {root / 'jfk.json'}: not read: {LEAVES}",
        f"captioner: error: {root / 'link.mp4'}: not read: {LEAVES}",
    ]
    assert SECRET not in out + err
    untouched(root, outside, before)


def test_review_html_refuses_captions_and_media_leading_out(linked) -> None:
    root, outside, before = linked
    (root / "jfk.json").unlink()  # the srt alone leads out
    code, out, err = invoke("review", "--html", root / "out", root / "jfk.mp4", root / "link.mp4")
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 2 and all(line.startswith("captioner: error: ") for line in lines)
    assert lines[0].endswith(f"jfk.srt: not read: {LEAVES}")
    assert lines[1] == f"captioner: error: {root / 'link.mp4'}: not read: {LEAVES}"
    written = "".join(p.read_text("utf-8") for p in (root / "out").glob("*")) if (root / "out").exists() else ""
    assert SECRET not in out + err + written
    (root / "jfk.json").symlink_to(outside / "secret.json")
    untouched(root, outside, before)


def test_a_caption_files_content_is_never_quoted_in_an_error(tmp_path: Path) -> None:
    # Found: `review --html` (and the studio) said "not a valid srt file: ... (unmatched content:
    # 'root:x:0:0:...')", the first bytes of whatever the file held.
    root = tmp_path / "repo"
    root.mkdir()
    (root / "captioner.toml").write_text("", "utf-8")
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "a.mp4")
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "b.mp4")
    (root / "a.srt").write_text("\n" + OUTSIDE_PASSWD + "\n" + OUTSIDE_SRT, "utf-8")
    (root / "b.vtt").write_text(f"{SECRET}\n\n00:00.000 --> 00:01.000\nhello\n", "utf-8")
    (root / "c.json").write_text(json.dumps({"duration": SECRET}), "utf-8")
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "c.mp4")
    code, out, err = invoke("review", "--html", root / "out", root / "a.mp4", root / "b.mp4", root / "c.mp4")
    assert code == 1 and SECRET not in out + err
    assert "a.srt: not a valid srt file: line 2 does not continue a cue" in err
    assert "b.vtt: not a valid vtt file: line 1 is not the WEBVTT header" in err
    code, out, err = invoke("review", root / "c.json")
    assert code == 1 and SECRET not in out + err
    cause = "cannot read the transcript c.json: not a transcript: a time or number field holds something else"
    assert err == f"captioner: error: {root / 'c.json'}: {cause}\n"


@pytest.mark.slow
def test_the_studio_refuses_files_leading_out_and_never_replaces_a_link(linked, serve, tmp_path: Path) -> None:
    root, outside, before = linked
    (root / "inside.srt").write_text(OUTSIDE_SRT.replace(SECRET, "inside"), "utf-8")
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "talk.mp4")
    (root / "talk.srt").symlink_to("inside.srt")  # a link that stays inside the tree
    app = serve(root)
    listing = app.client.get("/api/files")
    assert listing.status_code == 200 and SECRET not in listing.text
    rows = {row["path"]: row for row in listing.json()["files"]}
    assert "link.mp4" not in rows  # media leading out: not listed (nor probed)
    assert rows["jfk.mp4"]["problem"] in (f"jfk.json: not read: {LEAVES}", f"jfk.srt: not read: {LEAVES}")
    page = app.client.get("/api/media", params={"path": "jfk.mp4"})
    assert page.status_code == 422 and SECRET not in page.text
    assert page.json()["error"] == f"jfk.json: not read: {LEAVES}"
    assert app.client.get("/api/media", params={"path": "link.mp4"}).status_code == 403
    (root / "jfk.json").unlink()
    page = app.client.get("/api/media", params={"path": "jfk.mp4"})
    assert page.status_code == 422 and page.json()["error"] == f"jfk.srt: not read: {LEAVES}"
    cues = [{"start": 0, "end": 1.5, "text": "replaced"}]
    for rel in ("jfk.mp4", "talk.mp4"):
        versions = {"srt": None, "vtt": None}
        if rel == "talk.mp4":
            versions = app.client.get("/api/media", params={"path": rel}).json()["versions"]
        answer = app.post(f"/api/save?path={rel}", {"cues": cues, "versions": versions})
        assert answer.status_code in (403, 409, 422), (rel, answer.text)
        assert SECRET not in answer.text
    assert "talk.srt: not saved: a symbolic link" in answer.json()["error"]
    assert (root / "talk.srt").is_symlink() and "inside" in (root / "inside.srt").read_text("utf-8")
    assert not (root / "jfk.vtt").exists() and not (root / "talk.vtt").exists()
    (root / "jfk.json").symlink_to(outside / "secret.json")
    untouched(root, outside, before)
