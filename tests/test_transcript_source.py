# ruff: noqa: F811 (the fixture imported from edit_support is used as an argument)
"""One source of transcripts (#26): review and the studio find the very transcript sync made, for
the local engine and for aiXplain; the studio looks a transcript up on the audio stream it shows,
and only as the tree's recipe keys it; re-transcription in an aiXplain tree uses aiXplain."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import AIX_KEY, SAMPLES, normalise
from edit_support import serve  # noqa: F401

from captioner.captions.review import ReviewThresholds, format_report, review
from captioner.captions.segmentation import segment
from captioner.ci.config import load_config
from captioner.ci.status import Scanner
from captioner.core.style import get_style
from captioner.core.transcript import Segment, Transcript, Word
from captioner.edit.studio import Studio
from captioner.media.ffmpeg import ffmpeg_exe
from captioner.refine.refine import refine
from captioner.transcription.aixplain.backend import DEFAULT_MODEL_ID
from captioner.transcription.local.engine import local_identity

pytestmark = pytest.mark.slow  # real media through sync, the model or the fake service


def _tree(root: Path, config: str = "") -> Path:
    root.mkdir()
    (root / "captioner.toml").write_text(config, "utf-8")
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "talk.mp4")
    return root


def _only_transcript(cache: Path) -> Transcript:
    """The one transcript in an empty cache after sync, refined as the run refines it."""
    entries = list((cache / "transcripts").glob("*/*.json"))
    assert len(entries) == 1, entries
    return refine(Transcript.from_json(entries[0].read_text("utf-8")))


def _found_by_review_and_studio(root: Path, made: Transcript, review_args: list[str], invoke) -> None:
    code, out, err = invoke("review", root / "talk.mp4", *review_args)
    assert code == 0, err
    cues = segment(made, get_style("netflix"))
    assert out == format_report(str(root / "talk.mp4"), review(made, cues, ReviewThresholds()), len(cues))
    found, where = Studio(Scanner(root, load_config(root))).transcripts.find("talk.mp4")
    assert where == "cache" and found is not None
    assert found.to_dict() == made.to_dict()


def test_review_and_the_studio_find_what_sync_made_with_the_local_engine(cli, tmp_path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("CAPTIONER_CACHE_DIR", str(cache))
    root = _tree(tmp_path / "repo")
    code, _, err = cli("sync", "--root", root, "-q")
    assert code == 0, err
    _found_by_review_and_studio(root, _only_transcript(cache), [], cli)


def test_review_and_the_studio_find_what_sync_made_with_aixplain(fake, invoke_cli, tmp_path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("CAPTIONER_CACHE_DIR", str(cache))
    monkeypatch.setenv("AIXPLAIN_API_KEY", AIX_KEY)
    root = _tree(tmp_path / "repo", 'backend = "aixplain"\nprompt = "A speech."\n')  # aiXplain takes no prompt
    code, _, err = invoke_cli("sync", "--root", root, "-q")
    assert code == 0, err
    _found_by_review_and_studio(root, _only_transcript(cache), ["--backend", "aixplain"], invoke_cli)


@pytest.fixture()
def invoke_cli():
    from conftest import invoke

    return invoke


def test_the_studio_finds_the_transcript_of_the_audio_stream_it_shows(cli, tmp_path, monkeypatch) -> None:
    """The run keys a transcript by its audio stream; the studio looked up stream 0's whatever
    --audio-stream said (and so found none for a file captioned from its second stream)."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "captioner.toml").write_text("", "utf-8")
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-i", str(SAMPLES / "jfk.mp4"),
         "-map", "0:a", "-map", "1:a", "-t", "11", "-c:a", "aac", str(root / "talk.mp4")],
        check=True,
    )  # fmt: skip
    code, _, err = cli(root / "talk.mp4", "--audio-stream", "1", "-q")
    assert code == 0, err
    found, where = Studio(Scanner(root, load_config(root)), audio_stream=1).transcripts.find("talk.mp4")
    assert where == "cache" and found is not None
    assert "ask not what your country can do for you" in normalise(" ".join(w.text for w in found.words or []))


class _Detecting:
    """A backend named as the local engine's base model, hearing one word in any language."""

    name = "local"

    def identity(self) -> dict[str, str]:
        return local_identity("base")

    def transcribe(self, audio, options, progress=None) -> Transcript:
        words = [Word(" Hello.", 0.5, 1.0, 0.9)]
        return Transcript(language="en", duration=len(audio) / 16000, segments=[
            Segment(id=0, seek=0, start=0.5, end=1.0, text=" Hello.")], words=words)  # fmt: skip


def test_the_studio_shows_only_the_transcript_the_trees_settings_make(tmp_path) -> None:
    """In a tree whose files are German, a transcript made with the language detected is not what
    sync made their captions from: the studio guessed it too (a second language), and showed its
    words beside captions made from other ones."""
    import captioner

    root = _tree(tmp_path / "repo", 'language = "de"\n')
    captioner.caption(root / "talk.mp4", backend=_Detecting(), output_dir=tmp_path / "elsewhere", formats=["srt"])
    assert Studio(Scanner(root, load_config(root))).transcripts.find("talk.mp4") == (None, None)


def test_retranscription_in_an_aixplain_tree_uses_aixplain(fake, serve, tmp_path, monkeypatch) -> None:
    """The studio handed the configuration's model (an aiXplain model id) to the local engine."""
    monkeypatch.setenv("AIXPLAIN_API_KEY", AIX_KEY)
    root = _tree(tmp_path / "repo", f'backend = "aixplain"\nmodel = "{DEFAULT_MODEL_ID}"\n')
    answer = serve(root).post("/api/retranscribe?path=talk.mp4", {"start": 0.0, "end": 10.5, "language": "en"})
    assert answer.status_code == 200, answer.text
    heard = normalise(" ".join(c["text"] for c in answer.json()["cues"]))
    assert "ask not what your country can do for you" in heard
