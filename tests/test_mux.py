"""Soft subtitles and burnt-in captions, with the real ffmpeg on real files made here."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
import srt
import webvtt

from captioner.errors import MediaError, OutputError
from captioner.media.ffmpeg import ffmpeg_command
from captioner.media.probe import probe
from captioner.video import mux as mux_module
from captioner.video import safe_write
from captioner.video.burn import BurnOptions, burn, escape_filter_value, force_style
from captioner.video.copy_check import stream_durations
from captioner.video.mux import (
    ISO639_2,
    SubtitleTrack,
    default_output,
    iso639_2,
    language_from_filename,
    mux,
)

pytestmark = pytest.mark.ffmpeg

REPO = Path(__file__).resolve().parent.parent
BUNNY = REPO / "samples" / "video_big_buck_bunny_clip.mp4"  # 5.3 s, 320x240 h264 + aac

CUES = [
    (0.5, 1.75, "Hello there."),
    (2.0, 3.25, "Zweite Zeile\nmit Umlauten: äöü & ß"),
    (3.5, 4.875, "The last cue."),
]

WHISPER_LANGUAGES = (
    "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg lt la mi "
    "ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so af oc ka be tg sd "
    "gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su yue"
).split()


def ffmpeg(*args: str) -> None:
    subprocess.run([*ffmpeg_command(), "-y", *args], check=True)


def write_srt(path: Path, cues=CUES) -> Path:
    subs = [
        srt.Subtitle(i + 1, dt.timedelta(seconds=start), dt.timedelta(seconds=end), text)
        for i, (start, end, text) in enumerate(cues)
    ]
    path.write_text(srt.compose(subs), encoding="utf-8")
    return path


def write_vtt(path: Path, cues=CUES) -> Path:
    doc = webvtt.WebVTT()
    for start, end, text in cues:
        doc.captions.append(webvtt.Caption(_clock(start), _clock(end), text.split("\n")))
    doc.save(str(path))
    return path


def _clock(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def read_back(video: Path, sub_index: int, tmp_path: Path, fmt: str) -> list[tuple[float, float, str]]:
    """The ``sub_index``-th subtitle track extracted by ffmpeg and parsed by the format's library.

    ``-copyts``: the times as stored (ffmpeg 5.1 shifts them by the file's start time, -7 ms
    in a WebM whose Opus audio starts before the picture)."""
    out = tmp_path / f"extracted{sub_index}.{fmt}"
    codec = "srt" if fmt == "srt" else "webvtt"
    ffmpeg("-copyts", "-i", str(video), "-map", f"0:s:{sub_index}", "-c:s", codec, str(out))
    if fmt == "srt":
        subs = srt.parse(out.read_text(encoding="utf-8"))
        return [(s.start.total_seconds(), s.end.total_seconds(), s.content.strip()) for s in subs]
    return [(_seconds(c.start), _seconds(c.end), c.text.strip()) for c in webvtt.read(str(out))]


def _seconds(clock: str) -> float:
    """``hh:mm:ss.ttt`` as seconds, kept to the millisecond (webvtt-py's own helper drops them)."""
    h, m, s = clock.split(":")
    return round(int(h) * 3600 + int(m) * 60 + float(s), 3)


def packets(path: Path) -> dict[int, list[bytes]]:
    """Every audio and video stream's packet payloads, by stream index."""
    out: dict[int, list[bytes]] = {}
    with av.open(str(path)) as container:
        wanted = [s for s in container.streams if s.type in ("audio", "video")]
        for packet in container.demux(wanted):
            if packet.size:
                out.setdefault(packet.stream.index, []).append(bytes(packet))
    return out


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".part" in p.name]


def subtitle_meta(path: Path) -> list[dict[str, str]]:
    with av.open(str(path)) as container:
        return [dict(s.metadata) for s in container.streams if s.type == "subtitle"]


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> dict[str, Path]:
    """Inputs made once: a two-audio mkv with a subtitle track, a WebM, an AVI, an audio-only file."""
    root = tmp_path_factory.mktemp("media")
    old = write_srt(root / "old.srt", [(0.2, 1.0, "Existing track.")])
    multi = root / "multi.mkv"
    ffmpeg(
        "-i", str(BUNNY), "-i", str(old), "-map", "0:v", "-map", "0:a", "-map", "0:a", "-map", "1",
        "-c", "copy", "-c:s", "srt", "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fre",
        "-metadata:s:s:0", "language=spa", "-metadata:s:s:0", "title=Old", str(multi),
    )  # fmt: skip
    webm = root / "clip.webm"
    ffmpeg(
        "-i", str(BUNNY), "-t", "2", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k",
        "-c:a", "libopus", str(webm),
    )  # fmt: skip
    avi = root / "clip.avi"
    ffmpeg("-i", str(BUNNY), "-t", "1", "-c:v", "mpeg4", "-an", str(avi))
    audio = root / "talk.m4a"
    ffmpeg("-i", str(BUNNY), "-vn", "-c:a", "copy", str(audio))
    return {"multi": multi, "webm": webm, "avi": avi, "audio": audio}


@pytest.fixture
def video(tmp_path: Path) -> Path:
    copy = tmp_path / "talk.mp4"
    copy.write_bytes(BUNNY.read_bytes())
    return copy


# --- languages and names -------------------------------------------------------------------


def test_language_tags():
    assert iso639_2("en") == "eng"
    assert iso639_2("de") in ("ger", "deu")
    assert iso639_2("pt-BR") == "por"
    assert iso639_2(None) == "und"
    assert iso639_2("deu") == "deu"
    missing = [code for code in WHISPER_LANGUAGES if code not in ISO639_2]
    assert not missing
    assert all(len(tag) == 3 and tag.isalpha() for tag in ISO639_2.values())
    with pytest.raises(ValueError):
        iso639_2("xx-not-a-language")


def test_language_from_filename_and_default_output():
    assert language_from_filename(Path("talk.de.srt")) == "de"
    assert language_from_filename(Path("my.talk.en.vtt")) == "en"
    assert language_from_filename(Path("talk.srt")) is None
    assert language_from_filename(Path("talk.final.srt")) is None
    assert default_output(Path("/x/talk.mp4"), burn=False) == Path("/x/talk.captioned.mp4")
    assert default_output(Path("/x/talk.mp4"), burn=True) == Path("/x/talk.burned.mp4")
    assert default_output(Path("talk.webm"), burn=True) == Path("talk.burned.mkv")


# --- soft subtitles ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("suffix", "caption", "codec", "readback"),
    [
        (".mp4", "srt", "mov_text", "srt"),
        (".mov", "vtt", "mov_text", "srt"),
        (".mkv", "srt", "srt", "srt"),
        (".mkv", "vtt", "webvtt", "vtt"),
    ],
)
def test_mux_adds_a_track_and_copies_everything(video, tmp_path, suffix, caption, codec, readback):
    captions = (write_srt if caption == "srt" else write_vtt)(tmp_path / f"talk.de.{caption}")
    out = tmp_path / f"talk.captioned{suffix}"
    mux(video, [SubtitleTrack(captions, "de", "Deutsch (Whisper)")], out)

    before, after = probe(video), probe(out)
    assert len(after.streams) == len(before.streams) + 1
    assert [s.codec for s in after.streams] == [s.codec for s in before.streams] + [codec]
    meta = subtitle_meta(out)[0]
    assert meta["language"] in ("ger", "deu")
    assert "Deutsch (Whisper)" in (meta.get("title"), meta.get("name"), meta.get("handler_name"))
    assert abs(after.duration - before.duration) <= 0.1
    assert packets(out) == packets(video)
    assert read_back(out, 0, tmp_path, readback) == [(s, e, t) for s, e, t in CUES]
    assert not leftovers(tmp_path)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~_umask()


@pytest.mark.slow
def test_mux_several_languages_and_formats(video, tmp_path):
    en = write_srt(tmp_path / "talk.en.srt")
    de_cues = [(1.0, 2.5, "Guten Tag.")]
    de = write_vtt(tmp_path / "talk.de.vtt", de_cues)
    out = tmp_path / "talk.captioned.mkv"
    mux(video, [SubtitleTrack(en, "en", "English"), SubtitleTrack(de, "de", "Deutsch")], out)
    meta = subtitle_meta(out)
    assert [(m["language"], m["title"]) for m in meta] == [("eng", "English"), (iso639_2("de"), "Deutsch")]
    assert [s.codec for s in probe(out).subtitle_streams] == ["srt", "webvtt"]
    assert read_back(out, 0, tmp_path, "srt") == CUES
    assert read_back(out, 1, tmp_path, "vtt") == de_cues


@pytest.mark.slow
def test_mux_webm_uses_webvtt(media, tmp_path):
    cues = [(0.25, 1.5, "Short clip.")]
    captions = write_srt(tmp_path / "clip.srt", cues)
    out = tmp_path / "clip.captioned.webm"
    mux(media["webm"], [SubtitleTrack(captions, "en", "English")], out)
    assert [s.codec for s in probe(out).subtitle_streams] == ["webvtt"]
    assert packets(out) == packets(media["webm"])
    assert read_back(out, 0, tmp_path, "vtt") == cues


@pytest.mark.slow
def test_mux_keeps_existing_subtitles_and_audio_tracks(media, tmp_path):
    captions = write_srt(tmp_path / "multi.en.srt")
    out = tmp_path / "multi.captioned.mkv"
    mux(media["multi"], [SubtitleTrack(captions, "en", "English")], out)
    info = probe(out)
    assert [s.kind for s in info.streams] == ["video", "audio", "audio", "subtitle", "subtitle"]
    assert [s.language for s in info.audio_streams] == ["eng", "fre"]
    assert [(s.language, s.title) for s in info.subtitle_streams] == [("spa", "Old"), ("eng", "English")]
    assert packets(out) == packets(media["multi"])
    assert read_back(out, 0, tmp_path, "srt") == [(0.2, 1.0, "Existing track.")]
    assert read_back(out, 1, tmp_path, "srt") == CUES
    durations = stream_durations(out)
    for before, after in zip(stream_durations(media["multi"])[:3], durations[:3], strict=True):
        assert abs(before - after) <= 0.1


@pytest.mark.slow
def test_mux_into_another_container_converts_the_existing_text_tracks(media, tmp_path):
    # Found with `captioner mux talk.captioned.mkv talk.de.srt -o talk.mp4`: the kept SubRip track was
    # copied as it was, which MP4 cannot hold ("Could not find tag for codec subrip"); back to MKV,
    # a mov_text track failed the same way.
    captions = write_srt(tmp_path / "multi.en.srt")
    as_mp4 = mux(media["multi"], [SubtitleTrack(captions, "en")], tmp_path / "multi.mp4")
    info = probe(as_mp4)
    assert [(s.codec, s.language) for s in info.subtitle_streams] == [("mov_text", "spa"), ("mov_text", "eng")]
    assert read_back(as_mp4, 0, tmp_path, "srt") == [(0.2, 1.0, "Existing track.")]
    back = mux(as_mp4, [SubtitleTrack(captions, "de")], tmp_path / "back.mkv")
    assert [(s.codec, s.language) for s in probe(back).subtitle_streams] == [
        ("srt", "spa"),
        ("srt", "eng"),
        ("srt", "ger"),
    ]
    assert read_back(back, 1, tmp_path, "srt") == CUES


@pytest.mark.slow
def test_mux_in_place_replaces_the_original(video, tmp_path):
    video.chmod(0o640)
    captions = write_srt(tmp_path / "talk.srt")
    original_packets = packets(video)
    assert mux(video, [SubtitleTrack(captions)], tmp_path / "ignored.mp4", in_place=True) == video
    assert [s.kind for s in probe(video).streams] == ["video", "audio", "subtitle"]
    assert probe(video).subtitle_streams[0].language == "und"
    assert packets(video) == original_packets
    assert stat.S_IMODE(video.stat().st_mode) == 0o640
    assert not (tmp_path / "ignored.mp4").exists()
    assert not leftovers(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("failure", ["check", "interrupt"])
def test_in_place_failure_leaves_original_untouched(video, tmp_path, monkeypatch, failure):
    captions = write_srt(tmp_path / "talk.srt")
    original = video.read_bytes()
    if failure == "check":

        def broken_check(*args, **kwargs):
            raise MediaError("injected failure")

        monkeypatch.setattr(mux_module, "check_copy", broken_check)
        expected = MediaError
    else:

        def interrupted_replace(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(safe_write.os, "replace", interrupted_replace)
        expected = KeyboardInterrupt
    with pytest.raises(expected):
        mux(video, [SubtitleTrack(captions, "en")], video, in_place=True)
    assert video.read_bytes() == original
    assert not leftovers(tmp_path)


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_audio_only_input_is_refused(media, tmp_path):
    captions = write_srt(tmp_path / "talk.srt")
    with pytest.raises(MediaError, match="audio-only"):
        mux(media["audio"], [SubtitleTrack(captions)], tmp_path / "talk.captioned.m4a")
    with pytest.raises(MediaError, match="audio-only"):
        burn(media["audio"], captions, tmp_path / "talk.burned.m4a")
    assert not leftovers(tmp_path)


@pytest.mark.slow
def test_avi_cannot_hold_text_subtitles(media, tmp_path):
    captions = write_srt(tmp_path / "clip.srt")
    with pytest.raises(MediaError) as err:
        mux(media["avi"], [SubtitleTrack(captions)], default_output(media["avi"], burn=False))
    assert ".avi" in err.value.cause and ".mkv" in err.value.cause
    # The same video does go into Matroska.
    out = tmp_path / "clip.captioned.mkv"
    mux(media["avi"], [SubtitleTrack(captions)], out)
    assert [s.kind for s in probe(out).streams] == ["video", "subtitle"]


@pytest.mark.slow
def test_ffmpeg_failure_is_one_line(video, tmp_path):
    captions = write_srt(tmp_path / "talk.srt")
    with pytest.raises(MediaError) as err:  # H.264 and AAC cannot go into WebM
        mux(video, [SubtitleTrack(captions)], tmp_path / "talk.captioned.webm")
    message = str(err.value)
    assert "\n" not in message and "ffmpeg could not mux" in message
    assert "webm" in message.lower() and len(message) < 400
    assert not leftovers(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("status", [1, 0])  # ffmpeg 5.1 exits 0 after "No space left on device"
def test_full_disk_is_an_output_error(video, tmp_path, monkeypatch, status):
    fake = tmp_path / "fake-ffmpeg"
    fake.write_text(
        '#!/bin/sh\nfor last; do :; done\nhead -c 4096 /dev/zero > "$last"\n'
        f'echo "[out#0/mp4 @ 0x1] Error writing trailer: No space left on device" >&2\nexit {status}\n'
    )
    fake.chmod(0o755)
    monkeypatch.setattr("captioner.media.ffmpeg.ffmpeg_exe", lambda: str(fake))
    captions = write_srt(tmp_path / "talk.srt")
    output = tmp_path / "talk.captioned.mp4"
    with pytest.raises(OutputError) as err:
        mux(video, [SubtitleTrack(captions)], output)
    assert str(err.value) == f"{output}: disk full (no space left on device)"
    assert not output.exists()
    assert not leftovers(tmp_path)


@pytest.fixture
def small_disk(tmp_path):
    """A 600 kB file system (tmpfs; root only), with the 418 kB video in it: no room for a copy."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.slow
def test_a_disk_filling_up_during_an_in_place_mux_says_so(small_disk):
    # With ffmpeg 5.1 the error named a temp file already removed: ".../.v.bloy5_uf.part.mp4: not
    # a readable media file".
    video = small_disk / "v.mp4"
    video.write_bytes(BUNNY.read_bytes())
    captions = write_srt(small_disk / "v.srt", [(0.25, 1.5, "Short clip.")])  # 5.1 then exits 0
    with pytest.raises(OutputError) as err:
        mux(video, [SubtitleTrack(captions, "en")], video, in_place=True)
    assert str(err.value) == f"{video}: disk full (no space left on device)"
    assert video.read_bytes() == BUNNY.read_bytes()
    assert sorted(p.name for p in small_disk.iterdir()) == ["v.mp4", "v.srt"]


@pytest.mark.slow
def test_a_result_that_fails_its_check_is_not_named_by_its_temp_name(video, tmp_path, monkeypatch):
    captions = write_srt(tmp_path / "talk.srt")

    def unreadable(path):
        raise MediaError("not a readable media file (invalid or truncated data)", str(path))

    monkeypatch.setattr(mux_module, "check_copy", lambda original, result, **kw: unreadable(result))
    with pytest.raises(MediaError) as err:
        mux(video, [SubtitleTrack(captions)], tmp_path / "talk.captioned.mp4")
    assert err.value.path is None and ".part" not in str(err.value)
    assert err.value.cause == "ffmpeg wrote an unusable result (not a readable media file (invalid or truncated data))"


@pytest.mark.slow
def test_stale_parts_of_killed_runs_are_removed_and_no_others(video, tmp_path):
    # A kill -9 during --mux/--burn left a full-size hidden .part file that no later run removed.
    gone = _finished_pid()
    host = safe_write._host_tag()
    other_host = f"{(int(host, 16) + 1) % 2**32:08x}"
    names = {
        f".talk.captioned.abcd1234.{host}-{gone}.part.mp4": False,  # ours, its run gone: removed
        f".talk.captioned.abcd1234.{host}-{os.getppid()}.part.mp4": True,  # a live process's
        f".talk.captioned.abcd1234.{other_host}-{gone}.part.mp4": True,  # another machine's (shared folder)
        ".talk.captioned.bloy5_uf.part.mp4": True,  # no pid recorded: cannot be told
        f".talk.captioned.abcd1234.{host}-{gone}.part.mkv": True,  # another output's
        f".talk.abcd1234.{host}-{gone}.part.mp4": True,  # talk.mp4's (--in-place)
        f".other.abcd1234.{host}-{gone}.part.mp4": True,
        f"talk.captioned.abcd1234.{host}-{gone}.part.mp4": True,  # not hidden: not a name we make
    }
    for name in names:
        (tmp_path / name).write_bytes(b"x" * 100)
    captions = write_srt(tmp_path / "talk.srt")
    mux(video, [SubtitleTrack(captions)], tmp_path / "talk.captioned.mp4")
    assert {name: (tmp_path / name).exists() for name in names} == names


def test_stale_parts_of_long_names_are_found_though_cut(tmp_path):
    # Near the 255-byte limit the stem in a temp name is cut (output.atomic.temp_affixes), by how much
    # depending on the pid's digits: the stale part of another pid must still be recognised.
    output = tmp_path / ("x" * 230 + ".captioned.mp4")
    host = safe_write._host_tag()
    made = {}
    never = 99_999_999  # above any pid_max: no process ever has it
    for pid, stale in ((_finished_pid(), True), (os.getppid(), False), (never, True)):
        prefix, suffix = safe_write._part_affixes(output, host, pid)
        part = tmp_path / f"{prefix}abcd1234{suffix}"
        assert len(part.name.encode()) <= len(output.name.encode())
        part.write_bytes(b"x")
        made[part] = stale
    removed = safe_write.remove_stale_parts(output)
    assert sorted(removed) == sorted(p for p, stale in made.items() if stale)
    assert [p.exists() for p in made] == [not stale for stale in made.values()]


def _finished_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


# --- burnt-in captions -------------------------------------------------------------------------


def frames(path: Path) -> list[tuple[float, np.ndarray]]:
    with av.open(str(path)) as container:
        return [(float(f.time), f.to_ndarray(format="gray").astype(np.int16)) for f in container.decode(video=0)]


@pytest.mark.slow
def test_burn_draws_text_only_inside_cues(video, tmp_path):
    cue = (1.0, 2.5)
    odd_name = tmp_path / "it's [a] test, 1;2: caption\\s.srt"  # every character the filtergraph escapes
    write_srt(odd_name, [(*cue, "Burnt-in caption")])
    out = default_output(video, burn=True)
    burn(video, odd_name, out, BurnOptions(crf=16, preset="veryfast"))

    info, original = probe(out), probe(video)
    assert [s.codec for s in info.streams] == ["h264", "aac"]
    assert abs(info.duration - original.duration) <= 0.1
    assert packets(out)[1] == packets(video)[1]  # audio copied
    before, after = frames(video), frames(out)
    assert len(before) == len(after)
    height = before[0][1].shape[0]
    inside, outside = [], []
    for (t, a), (_, b) in zip(before, after, strict=True):
        band = np.abs(a[int(height * 0.7) :] - b[int(height * 0.7) :])  # the bottom 30%: caption area
        if cue[0] + 0.1 < t < cue[1] - 0.1:
            inside.append(float((band > 40).mean()))
        elif t < cue[0] - 0.1 or t > cue[1] + 0.1:
            outside.append(float((band > 40).mean()))
    assert inside and outside
    assert min(inside) > 0.01  # text strokes change >1% of the band's pixels strongly
    assert max(outside) < 0.002  # re-encoding noise alone does not
    assert not leftovers(tmp_path)


def test_burn_styles_scale_with_the_frame():
    small = force_style(BurnOptions(), 640, 360, "Noto Sans")
    large = force_style(BurnOptions(box=True), 1920, 1080, "Noto Sans")
    assert "PlayResY=360" in small and "FontSize=23" in small and "BorderStyle=1" in small
    assert "PlayResY=1080" in large and "FontSize=70" in large and "BorderStyle=3" in large
    assert escape_filter_value("a'b:c,d[e]\\f") == "a\\\\\\'b\\\\:c\\,d\\[e\\]\\\\\\\\f"
    with pytest.raises(ValueError):
        BurnOptions(colour="white")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.slow
def test_burn_without_system_fonts(video, tmp_path, monkeypatch):
    """A machine without fonts: libass alone would draw nothing and ffmpeg would still succeed."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?>\n<fontconfig><cachedir>{tmp_path / "fc"}</cachedir></fontconfig>\n')
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))  # fontconfig sees no font folder at all
    captions = write_srt(tmp_path / "talk.srt", [(0.0, 5.0, "Bundled font")])
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    with pytest.raises(MediaError, match="no font"):
        burn(video, captions, tmp_path / "none.mp4", BurnOptions(fonts_dir=empty, preset="ultrafast"))
    assert not (tmp_path / "none.mp4").exists() and not leftovers(tmp_path)

    out = tmp_path / "talk.burned.mp4"  # the bundled Noto Sans needs no fontconfig
    burn(video, captions, out, BurnOptions(preset="ultrafast"))
    (_, a), (_, b) = frames(video)[30], frames(out)[30]
    band = np.abs(a[int(a.shape[0] * 0.7) :] - b[int(a.shape[0] * 0.7) :])
    assert (band > 40).mean() > 0.01


@pytest.mark.slow
def test_mux_and_burn_relative_names_with_a_colon(video, tmp_path, monkeypatch):
    # Relative names like "part1:intro.mp4" must not be read as the URL protocol "part1:".
    monkeypatch.chdir(tmp_path)
    odd = Path("part1:intro.mp4")
    video.rename(odd)
    captions = write_srt(Path("part1:intro.srt"))
    muxed = mux(odd, [SubtitleTrack(captions, "en")], default_output(odd))
    assert read_back(tmp_path / muxed, 0, tmp_path, "srt")[0][2] == "Hello there."
    burned = burn(odd, captions, default_output(odd, burn=True), BurnOptions(preset="ultrafast"))
    assert probe(tmp_path / burned).video_streams
    assert not leftovers(tmp_path)
