"""--workers-read-media's mappings: what a worker is sent for a file, and that it stays inside the
mapping on both machines (fast: no cluster)."""

from __future__ import annotations

import pytest

from captioner.errors import MediaError
from captioner.transcription.cluster.media_map import MediaMap, worker_path


def test_a_file_under_a_mapping_is_sent_as_the_workers_path_or_url(tmp_path) -> None:
    (tmp_path / "talks" / "2024").mkdir(parents=True)
    media = tmp_path / "talks" / "2024" / "a talk.mp4"
    media.write_bytes(b"")
    shared = MediaMap.parse([f"{tmp_path / 'talks'}=/mnt/archive"])
    assert shared.reference(media).where == "/mnt/archive/2024/a talk.mp4"
    stored = MediaMap.parse([f"{tmp_path / 'talks'}=s3://bucket/talks/"])
    ref = stored.reference(media)
    assert ref.where == "s3://bucket/talks/2024/a%20talk.mp4" and ref.is_url
    assert shared.reference(tmp_path / "elsewhere.mp4") is None  # under no mapping: its audio is sent


def test_a_symlink_out_of_the_local_folder_is_not_sent_by_name(tmp_path) -> None:
    (tmp_path / "tree").mkdir()
    (tmp_path / "secret.mp4").write_bytes(b"")
    (tmp_path / "tree" / "link.mp4").symlink_to(tmp_path / "secret.mp4")
    assert MediaMap.parse([f"{tmp_path / 'tree'}=/mnt/tree"]).reference(tmp_path / "tree" / "link.mp4") is None


def test_a_worker_opens_nothing_outside_its_side_of_the_mapping(tmp_path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside.mp4").write_bytes(b"")
    (root / "inside.mp4").write_bytes(b"")
    (root / "escape.mp4").symlink_to(tmp_path / "outside.mp4")
    local = tmp_path / "local"
    local.mkdir()
    for name in ("inside.mp4", "escape.mp4"):
        (local / name).write_bytes(b"")
    mapping = MediaMap.parse([f"{local}={root}"])
    assert worker_path(mapping.reference(local / "inside.mp4")) == str(root / "inside.mp4")
    with pytest.raises(MediaError, match="outside the mapped folder"):
        worker_path(mapping.reference(local / "escape.mp4"))  # a symlink on the worker's side
    forged = type(mapping.reference(local / "inside.mp4"))(f"{root}/../outside.mp4", str(root))
    with pytest.raises(MediaError, match="outside the mapped folder"):
        worker_path(forged)  # a ../ in what a worker is sent


@pytest.mark.parametrize(
    ("spec", "cause"),
    [
        ("/tmp", "give LOCAL=WORKER"),
        ("{here}=relative/path", "an absolute path or a URL"),
        ("{here}=ftp://host/media", "the workers read"),
        ("{here}/missing=/mnt", "not a folder of this machine"),
    ],
)
def test_a_mapping_that_cannot_work_is_refused(tmp_path, spec, cause) -> None:
    with pytest.raises(ValueError, match=cause):
        MediaMap.parse([spec.format(here=tmp_path)])


def test_a_urls_credentials_are_never_shown(tmp_path) -> None:
    (tmp_path / "a.mp4").write_bytes(b"")
    ref = MediaMap.parse([f"{tmp_path}=https://user:pw@example.org/m?sig=abc"]).reference(tmp_path / "a.mp4")
    assert "pw" not in ref.shown and "sig" not in ref.shown and "user" not in ref.shown
