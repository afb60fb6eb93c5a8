"""The transcript cache: hits, misses, damaged entries, concurrent writers, no secrets."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import srt
from click.testing import CliRunner
from conftest import AIX_KEY, SAMPLES, invoke

from captioner.cli.main import main
from captioner.core.transcript import Segment, Transcript, Word
from captioner.run.backend import LazyBackend
from captioner.run.cache import TranscriptCache
from captioner.run.jobs import make_jobs
from captioner.run.recipe import cache_key
from captioner.run.scheduler import run
from captioner.run.settings import Settings
from captioner.transcription.base import TranscribeOptions


def entries(cache_root: Path) -> list[Path]:
    return sorted(cache_root.glob("transcripts/*/*.json"))


@pytest.fixture()
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("CAPTIONER_CACHE_DIR", str(root))
    return root


@pytest.mark.slow
def test_style_change_reformats_from_cache_without_a_model(local_backend, sample_copy, cache_root) -> None:
    audio = sample_copy("de_picovoice_test.flac")
    code, _, err = invoke(audio, "-f", "srt,json")
    assert code == 0 and "from the cache" not in err
    assert len(entries(cache_root)) == 1
    first = json.loads(audio.with_suffix(".json").read_text("utf-8"))

    # A style change hits the cache: prove no backend is even created.
    settings = Settings(formats=("srt", "json"), overwrite=True, style=Settings().style.with_overrides(max_chars=20))
    jobs, _ = make_jobs([audio], settings)

    def no_model():
        raise AssertionError("the model must not be loaded on a cache hit")

    results = run(jobs, LazyBackend(no_model, local_backend.identity()), settings, cache=TranscriptCache())
    assert results[0].status == "done" and results[0].from_cache
    assert json.loads(audio.with_suffix(".json").read_text("utf-8"))["segments"] == first["segments"]
    subs = list(srt.parse(audio.with_suffix(".srt").read_text("utf-8")))
    assert subs and all(len(line) <= 20 for sub in subs for line in sub.content.splitlines())


@pytest.mark.slow
def test_options_that_change_words_miss(local_backend, sample_copy, cache_root) -> None:
    audio = sample_copy("de_picovoice_test.flac")
    assert invoke(audio, "-f", "srt")[0] == 0
    code, _, err = invoke(audio, "-f", "srt", "--overwrite", "--max-chars", "30")
    assert code == 0 and "from the cache" in err
    code, _, err = invoke(audio, "-f", "srt", "--overwrite", "--beam-size", "1")
    assert code == 0 and "from the cache" not in err
    code, _, err = invoke(audio, "-f", "srt", "--overwrite", "--language", "de")
    assert code == 0 and "from the cache" not in err
    assert len(entries(cache_root)) == 3
    code, _, err = invoke(audio, "-f", "srt", "--overwrite", "--no-cache")
    assert code == 0 and "from the cache" not in err


@pytest.mark.slow
def test_a_damaged_entry_is_rebuilt(local_backend, sample_copy, cache_root) -> None:
    audio = sample_copy("de_picovoice_test.flac")
    assert invoke(audio, "-f", "json")[0] == 0
    (entry,) = entries(cache_root)
    good = entry.read_text("utf-8")
    entry.write_text(good[: len(good) // 2], "utf-8")  # truncated
    code, _, err = invoke(audio, "-f", "json", "--overwrite")
    assert code == 0 and "from the cache" not in err
    assert json.loads(entry.read_text("utf-8"))["segments"] == json.loads(good)["segments"]


@pytest.mark.slow
def test_an_entry_past_the_media_or_in_an_unknown_language_is_rebuilt(
    local_backend, sample_copy, cache_root, caplog
) -> None:
    # issue 25: a word ending at 1e308 s in a 5 s file, and language "zz", were served from the cache.
    audio = sample_copy("de_picovoice_test.flac")
    assert invoke(audio, "-f", "srt")[0] == 0
    clean = audio.with_suffix(".srt").read_text("utf-8")
    (entry,) = entries(cache_root)
    good = json.loads(entry.read_text("utf-8"))
    crafted = json.loads(entry.read_text("utf-8"))
    crafted["words"][-1]["end"] = 1e308
    crafted["language"] = "zz"
    entry.write_text(json.dumps(crafted), "utf-8")
    caplog.set_level("INFO", logger="captioner.run.cache")
    code, _, err = invoke(audio, "-f", "srt", "--overwrite", "-v")
    assert code == 0, err
    assert "from the cache" not in err and "zz" not in err and "detected language: de" in err
    assert "damaged cache entry" in caplog.text
    assert audio.with_suffix(".srt").read_text("utf-8") == clean
    assert json.loads(entry.read_text("utf-8"))["language"] == good["language"] == "de"  # stored again


@pytest.mark.slow
def test_remuxed_media_hits_the_same_entry(local_backend, sample_copy, cache_root, tmp_path) -> None:
    from conftest import run_ffmpeg

    audio = sample_copy("de_picovoice_test.flac")
    assert invoke(audio, "-f", "srt")[0] == 0
    tagged = tmp_path / "tagged.flac"
    run_ffmpeg("-i", str(audio), "-c", "copy", "-metadata", "title=Renamed", str(tagged))
    assert tagged.read_bytes() != audio.read_bytes()
    code, _, err = invoke(tagged, "-f", "srt")
    assert code == 0 and "from the cache" in err


@pytest.mark.slow
def test_concurrent_writers_never_leave_a_broken_entry(tmp_path: Path) -> None:
    cache = TranscriptCache(tmp_path)
    key = cache_key("0" * 64, 0, {"backend": "local"}, TranscribeOptions())
    words = [Word(f" w{i}", i * 0.1, i * 0.1 + 0.05, 0.9) for i in range(3000)]
    versions = [Transcript("en", 300.0, [Segment(0, 0, 0.0, 300.0, f" version {n}")], words=words) for n in range(4)]
    seen: list[str | None] = []
    stop = threading.Event()

    def writer(transcript: Transcript) -> None:
        for _ in range(15):
            cache.put(key, transcript)

    def reader() -> None:
        while not stop.is_set():
            got = cache.get(key)
            seen.append(None if got is None else got.segments[0].text)

    threads = [threading.Thread(target=writer, args=(v,)) for v in versions]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    final = cache.get(key)
    assert final is not None and final.segments[0].text in {v.segments[0].text for v in versions}
    assert all(s is None or s.startswith(" version") for s in seen)
    assert len([s for s in seen if s is not None]) > 0
    assert not list(tmp_path.glob("*/.*.tmp")), "no temporary files left"


@pytest.mark.slow
def test_cache_commands(local_backend, sample_copy, cache_root) -> None:
    audio = sample_copy("de_picovoice_test.flac")
    assert invoke(audio, "-f", "srt")[0] == 0
    info = CliRunner().invoke(main, ["cache", "info"]).output
    assert "transcripts: 1" in info and str(cache_root) in info
    assert "removed 1" in CliRunner().invoke(main, ["cache", "clear"]).output
    assert entries(cache_root) == []


@pytest.mark.slow
def test_no_secret_reaches_the_cache(fake, cache_root, tmp_path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(AIX_KEY)
    args = [SAMPLES / "jfk.mp4", "--backend", "aixplain", "--api-key-file", key_file, "-o", tmp_path / "out"]
    code, _, err = invoke(*args, "-f", "json", "--aixplain-timeout", "30")
    assert code == 0, err
    stored = entries(cache_root)
    assert len(stored) == 1
    assert AIX_KEY not in stored[0].read_text("utf-8")
    code, _, err = invoke(*args, "-f", "json", "--overwrite", "--aixplain-timeout", "30")
    assert code == 0 and "from the cache" in err


class _OneLineBackend:
    """A fixed transcript, so the pipeline runs without a model."""

    name = "fake"

    def identity(self) -> dict[str, str]:
        return {"backend": "fake"}

    def transcribe(self, audio, options, progress=None) -> Transcript:
        words = [Word(" Hello", 0.5, 0.9, 0.9), Word(" there.", 0.9, 1.5, 0.9)]
        return Transcript("en", 5.0, [Segment(0, 0, 0.5, 1.5, " Hello there.")], words=words)


def test_an_unusable_cache_folder_costs_the_cache_not_the_file(sample_copy, tmp_path: Path, caplog) -> None:
    # Found with CAPTIONER_CACHE_DIR naming a file: every run ended in a NotADirectoryError traceback.
    audio = sample_copy("de_picovoice_test.flac")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", "utf-8")
    cache = TranscriptCache(blocker / "transcripts")
    assert cache.get("ab" * 32) is None
    cache.put("ab" * 32, _OneLineBackend().transcribe(None, None))  # no error: the cache is advisory
    settings = Settings(formats=("srt",))
    jobs, _ = make_jobs([audio], settings)
    backend = _OneLineBackend()
    results = run(jobs, LazyBackend(lambda: backend, backend.identity()), settings, cache=cache)
    assert results[0].status == "done", results[0].error
    assert "Hello there." in audio.with_suffix(".srt").read_text("utf-8")
    assert "transcript cache" in caplog.text


@pytest.mark.parametrize("damage", ['{"segments": ["x"]}', "[1, 2]", '{"segments": [], "words": [3]}'])
def test_an_entry_of_the_wrong_shape_is_a_miss(tmp_path: Path, damage: str) -> None:
    # Valid JSON that is no transcript raised AttributeError out of the run (a traceback).
    cache = TranscriptCache(tmp_path)
    key = cache_key("0" * 64, 0, {"backend": "local"}, TranscribeOptions())
    cache.put(key, _OneLineBackend().transcribe(None, None))
    (entry,) = tmp_path.glob("*/*.json")
    entry.write_text(damage, "utf-8")
    assert cache.get(key) is None
    assert not entry.exists()


class _CountingBackend(_OneLineBackend):
    def __init__(self) -> None:
        self.calls = 0

    def transcribe(self, audio, options, progress=None) -> Transcript:
        self.calls += 1
        return super().transcribe(audio, options, progress)


def _damage_word(field: str, value: object):
    def damage(data: dict) -> None:
        data["words"][1][field] = value

    return damage


def _damage_meta(field: str, value: object):
    def damage(data: dict) -> None:
        data["captioner"][field] = value

    return damage


def _damage_segment(field: str, value: object):
    def damage(data: dict) -> None:
        data["segments"][0][field] = value

    return damage


@pytest.mark.parametrize(
    "damage",
    [
        _damage_meta("speech", [[1]]),  # "internal error: ValueError" on every later run
        _damage_meta("speech", [[2.0, 1.0]]),
        _damage_meta("utterances", [["a", "b"]]),
        _damage_meta("speech", {"0": 1}),
        _damage_word("start", -1.0),  # accepted: a caption before the media starts
        _damage_word("start", float("nan")),  # json writes NaN, and reads it back
        _damage_word("end", 0.1),  # ends before it starts
        _damage_word("end", float("inf")),
        _damage_word("start", "0.9"),
        _damage_word("probability", 1.5),
        _damage_segment("end", float("nan")),
        _damage_segment("start", 9.0),
        _damage_segment("tokens", ["x"]),
        lambda data: data.update(duration=-5),
        lambda data: data.update(text=None),
        # issue 25: accepted, and a word "ending" at 1e308 s in a 5 s file moved a cue
        _damage_word("end", 1e308),
        lambda data: data.update(duration=1e308, words=[{**w, "end": 300.0} for w in data["words"]]),
        lambda data: data.update(language="zz"),  # "detected language: zz"
        lambda data: data.update(language=""),  # words, but no language
        _damage_meta("languages", ["en", "zz"]),
        _damage_segment("start", -1.0),
        lambda data: data["words"][0].update(start=3.0, end=3.5),  # out of time order (by 2.1 s)
        _damage_segment("no_speech_prob", 1.5),
        _damage_meta("language_probability", -0.5),
    ],
)
def test_an_entry_with_untrustworthy_values_is_rebuilt(sample_copy, tmp_path: Path, damage, caplog) -> None:
    import jsonschema

    from captioner.core.transcript import load_schema

    audio = sample_copy("de_picovoice_test.flac")
    backend = _CountingBackend()
    cache = TranscriptCache(tmp_path / "cache")
    settings = Settings(formats=("srt",), overwrite=True)
    jobs, _ = make_jobs([audio], settings)
    assert run(jobs, LazyBackend(lambda: backend, backend.identity()), settings, cache=cache)[0].status == "done"
    (entry,) = (tmp_path / "cache").glob("*/*.json")
    clean = audio.with_suffix(".srt").read_text("utf-8")
    good = json.loads(entry.read_text("utf-8"))
    jsonschema.validate(good, load_schema())  # what the pipeline stores is the schema's
    assert good["captioner"]["speech"] and good["captioner"]["utterances"]  # from the real audio's VAD
    damaged = json.loads(entry.read_text("utf-8"))
    damage(damaged)
    entry.write_text(json.dumps(damaged), "utf-8")

    caplog.set_level("INFO", logger="captioner.run.cache")
    (result,) = run(jobs, LazyBackend(lambda: backend, backend.identity()), settings, cache=cache)
    assert result.status == "done", result.error
    assert not result.from_cache and backend.calls == 2
    assert "damaged cache entry" in caplog.text
    assert json.loads(entry.read_text("utf-8")) == good  # rebuilt
    assert audio.with_suffix(".srt").read_text("utf-8") == clean  # the captions of a clean run
    subs = list(srt.parse(clean))
    assert [s.content for s in subs] == ["Hello there."] and subs[0].start.total_seconds() >= 0


def test_a_transcript_the_cache_would_refuse_is_not_stored(tmp_path: Path, caplog) -> None:
    cache = TranscriptCache(tmp_path)
    bad = Transcript("en", 5.0, [Segment(0, 0, 0.5, 1.5, " Hi.")], words=[Word(" Hi.", 1.5, 0.5, 0.9)])
    caplog.set_level("INFO", logger="captioner.run.cache")
    cache.put("ab" * 32, bad)
    assert not list(tmp_path.rglob("*.json"))
    assert "not cached: word 0: ends (0.5) before it starts (1.5)" in caplog.text


def test_what_a_transcription_makes_is_trusted(tmp_path: Path) -> None:
    """The bounds leave room for what decoders do: a last word a little past the media's end, words a
    little out of order, no language where nothing was said, "und" from a hosted service."""
    from captioner.core.transcript_check import transcript_problem

    words = [Word(" Hi", 0.5, 0.9, 0.9), Word(" there.", 0.4, 5.6, 1.0)]
    spoken = Transcript("und", 5.3, [Segment(0, 0, 0.5, 5.6, " Hi there.", no_speech_prob=0.0)], words=words)
    assert transcript_problem(spoken.to_dict(), media_duration=5.256) is None
    assert transcript_problem(Transcript("", 5.3, []).to_dict(), media_duration=5.256) is None
    assert transcript_problem(spoken.to_dict(), media_duration=4.2) == "duration 5.3 is past the media's end (4.200 s)"
    spoken.duration = 4.2
    assert transcript_problem(spoken.to_dict(), media_duration=4.2) == (
        "segment 0: times 0.5..5.6 run past the media's end (4.200 s)"
    )


def test_keys_made_before_new_options_existed_stay_valid() -> None:
    """A user's cache survives an upgrade that adds an option: this key was made by captioner
    before --vocabulary (hotwords) existed, for the default options."""
    key = cache_key("0" * 64, 0, {"backend": "local", "model": "base"}, TranscribeOptions())
    assert key == "fc835e476f0ca23831c7e1b794da5da24518383563154e09b7e9fe95722c9365"
