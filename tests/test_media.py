from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLES, run_ffmpeg

from captioner.errors import MediaError
from captioner.media.audio import SAMPLE_RATE, extract_audio
from captioner.media.ffmpeg import find_ffmpeg
from captioner.media.probe import probe

pytestmark = pytest.mark.ffmpeg


@pytest.mark.slow
def test_probe_sees_the_streams_and_duration() -> None:
    info = probe(SAMPLES / "jfk.mp4")
    assert [s.kind for s in info.streams] == ["video", "audio"]
    assert info.duration == pytest.approx(11.0, abs=0.1)
    assert info.video_streams[0].width == 640


@pytest.mark.slow
def test_extract_gives_16khz_mono_float32() -> None:
    audio = extract_audio(probe(SAMPLES / "jfk.mp4"))
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) / SAMPLE_RATE == pytest.approx(11.0, abs=0.05)
    assert 0.01 < float(np.abs(audio).max()) <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["video_big_buck_bunny_clip.mp4", "nonspeech_music_vibe_ace.ogg"])
def test_samples_are_those_whispers_own_loader_gives(name: str) -> None:
    # faster-whisper's decode_audio (and openai-whisper's load_audio) hand the model 16-bit
    # samples / 32768: captioner's words must not differ from theirs because of the decoding.
    # (Not jfk.mp4: ffmpeg honours its AAC edit list and PyAV does not, 100 samples apart.)
    from faster_whisper.audio import decode_audio

    expected = decode_audio(str(SAMPLES / name))
    got = extract_audio(probe(SAMPLES / name))
    assert got.dtype == np.float32 and len(got) == len(expected)
    if find_ffmpeg().source.startswith("bundled"):
        assert np.array_equal(got, expected)
    else:  # another ffmpeg's Vorbis decoder rounds some samples the other way (5.1: 132 of 983342, 1 LSB)
        assert np.abs(got - expected).max() <= 1 / 32768
        assert np.count_nonzero(got != expected) <= 0.001 * len(got)


def test_a_long_stream_is_read_past_the_size_announced() -> None:
    from captioner.media.pcm import read_samples as _read_samples

    class Pipe:
        def __init__(self, data: bytes) -> None:
            self.data, self.pos = data, 0

        def readinto(self, view: memoryview) -> int:
            n = min(len(view), 3, len(self.data) - self.pos)  # odd sizes split samples between reads
            view[:n] = self.data[self.pos : self.pos + n]
            self.pos += n
            return n

    values = np.array([0, 1, -1, 32767, -32768, 1234] * 50, dtype="<i2")
    got = _read_samples(Pipe(values.tobytes()), 7)
    assert np.array_equal(got, values.astype(np.float32) / 32768)


@pytest.mark.slow
def test_second_audio_stream_is_chosen_on_request(tmp_path: Path) -> None:
    # Stream 0: the German sample; stream 1: silence.  Each stream must be what was asked for.
    two = tmp_path / "two.mka"
    run_ffmpeg(
        "-i", str(SAMPLES / "de_picovoice_test.flac"), "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono",
        "-map", "0:a", "-map", "1:a", "-t", "5", "-c:a", "flac", str(two),
    )  # fmt: skip
    info = probe(two)
    assert len(info.audio_streams) == 2
    speech, silence = extract_audio(info, 0), extract_audio(info, 1)
    assert float(np.abs(speech).max()) > 0.05
    assert float(np.abs(silence).max()) == 0.0
    with pytest.raises(MediaError, match="audio stream 2 does not exist"):
        extract_audio(info, 2)


def test_zero_byte_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(MediaError, match=r"empty\.mp4: empty file"):
        probe(empty)


def test_text_file_named_mp4(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("these are my notes, not a video\n" * 20)
    with pytest.raises(MediaError, match="not a readable media file"):
        probe(fake)


@pytest.mark.slow
def test_video_without_audio(tmp_path: Path) -> None:
    silent = tmp_path / "silent.mp4"
    run_ffmpeg("-i", str(SAMPLES / "jfk.mp4"), "-an", "-c", "copy", str(silent))
    info = probe(silent)
    with pytest.raises(MediaError, match="no audio stream"):
        extract_audio(info)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["jfk.mp4", "de_picovoice_test.flac"])
def test_truncated_files_are_reported(tmp_path: Path, name: str) -> None:
    data = (SAMPLES / name).read_bytes()
    cut = tmp_path / name
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(MediaError, match="truncated|not a readable media file"):
        extract_audio(probe(cut))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no such file"):
        probe(tmp_path / "nope.wav")


@pytest.mark.slow
def test_relative_names_with_a_colon_are_files_not_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # "10:30 standup.flac" given as a relative path: ffmpeg and PyAV read "10:" as a protocol
    # ("Protocol not found") unless the path is handed over in a form that cannot be a URL.
    from captioner.media.hashing import audio_hash

    monkeypatch.chdir(tmp_path)
    (tmp_path / "10:30 standup.flac").write_bytes((SAMPLES / "de_picovoice_test.flac").read_bytes())
    relative = Path("10:30 standup.flac")
    info = probe(relative)
    assert len(extract_audio(info)) > SAMPLE_RATE
    assert audio_hash(relative) == audio_hash(tmp_path / relative)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".mkv", ".webm"])
def test_audio_shorter_than_the_video_is_no_truncation(tmp_path: Path, suffix: str) -> None:
    # Matroska keeps no per-stream duration in its header, only the file's (the video's here): a
    # recording whose audio stops before the picture was refused as "truncated or damaged".
    clip = tmp_path / f"screen{suffix}"
    codecs = ["-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus"] if suffix == ".webm" else ["-c:a", "flac"]
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc=s=160x120:r=10:d=8", "-i", str(SAMPLES / "de_picovoice_test.flac"),
        "-t", "8", "-af", "atrim=0:3", "-map", "0:v", "-map", "1:a", *codecs, str(clip),
    )  # fmt: skip
    info = probe(clip)
    assert info.duration == pytest.approx(8.0, abs=0.1)
    assert len(extract_audio(info)) / SAMPLE_RATE == pytest.approx(3.0, abs=0.05)
    # ... while a Matroska file cut short, which ffmpeg complains about, still is one.
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size // 4])
    with pytest.raises(MediaError, match="truncated or damaged"):
        extract_audio(probe(cut))


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_audio_that_starts_after_the_picture_keeps_its_place(tmp_path: Path, suffix: str) -> None:
    # The audio track begins 3 s into the video (a recording whose sound came late): the samples
    # must start at the video's start, or every caption is 3 s early against the picture.
    late = tmp_path / f"late{suffix}"
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc=s=160x120:r=10:d=10", "-itsoffset", "3",
        "-i", str(SAMPLES / "de_picovoice_test.flac"), "-map", "0:v", "-map", "1:a", "-t", "10",
        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(late),
    )  # fmt: skip
    audio = extract_audio(probe(late))
    lead = round(3.0 * SAMPLE_RATE)
    assert not np.any(audio[: lead - 800])  # silence up to the audio's start (AAC priming aside)
    assert float(np.abs(audio[lead : lead + 2 * SAMPLE_RATE]).max()) > 0.05
    speech = len(extract_audio(probe(SAMPLES / "de_picovoice_test.flac"))) / SAMPLE_RATE
    assert len(audio) / SAMPLE_RATE == pytest.approx(3.0 + speech, abs=0.1)


@pytest.mark.slow
def test_cover_art_does_not_delay_the_audio(tmp_path: Path) -> None:
    # An MP3 with a cover picture: the picture is no timeline, the audio starts at once.
    mp3, cover = tmp_path / "song.mp3", tmp_path / "cover.jpg"
    run_ffmpeg("-f", "lavfi", "-i", "color=red:s=64x64", "-frames:v", "1", str(cover))
    run_ffmpeg(
        "-i", str(SAMPLES / "de_picovoice_test.flac"), "-i", str(cover), "-map", "0:a", "-map", "1:v",
        "-c:v", "copy", "-disposition:v", "attached_pic", "-c:a", "libmp3lame", str(mp3),
    )  # fmt: skip
    info = probe(mp3)
    assert [s.kind for s in info.streams] == ["audio", "video"] and info.streams[1].attached_pic
    assert info.video_streams == []  # no picture to put captions on: --mux/--burn say it is audio-only
    assert info.duration > 3.0
    from faster_whisper.audio import decode_audio

    assert np.array_equal(extract_audio(info), decode_audio(str(mp3)))


@pytest.mark.slow
def test_a_named_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    # ffmpeg opens a FIFO and waits for a writer forever: "captioner folder/" hung without a word.
    import threading

    from captioner.media.hashing import audio_hash

    fifo = tmp_path / "stream.wav"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        for call in (probe, audio_hash):
            try:
                call(fifo)
                outcome.append(None)
            except MediaError as exc:
                outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(10)
    assert len(outcome) == 2, "blocked on the pipe"
    assert all(isinstance(e, MediaError) and "not a regular file" in str(e) for e in outcome)
