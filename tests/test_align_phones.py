"""English word times from the phone aligner (PocketSphinx), on the JFK sample, checked against
an independent measure of where speech starts and stops (Silero's VAD), and the aligner's
fallback to Whisper's times where the phone aligner fails."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SAMPLES, process_running, run_ffmpeg, wait_for_marker

from captioner.media.audio import SAMPLE_RATE, extract_audio
from captioner.media.probe import probe
from captioner.refine.refine import refine
from captioner.refine.speech import detect_utterances
from captioner.transcription.align import phones
from captioner.transcription.align.aligner import align_script
from captioner.transcription.align.forced import WhisperAligner
from captioner.transcription.align.phone_workers import PhoneWorkers, usable_cores
from captioner.transcription.align.phones import PhoneAligner, dictionary_form, pcm16, spelt
from captioner.transcription.align.script import script_from_lines

JFK = "And so, my fellow Americans, ask not what your country can do for you, ask what you can do for your country."


@pytest.fixture(scope="module")
def jfk_audio() -> np.ndarray:
    return extract_audio(probe(SAMPLES / "jfk.mp4"), 0)


def _words(text: str) -> list[str]:
    return list(script_from_lines([text]).words)


def test_a_word_is_looked_up_as_the_dictionary_spells_it() -> None:
    assert dictionary_form(" Printing,") == "printing"
    assert dictionary_form("I\u2019m") == "i'm"
    assert dictionary_form("“well-known”") == "well-known"
    assert dictionary_form(" \u2014") == ""


def test_a_word_the_dictionary_lacks_is_spelt_out_roughly() -> None:
    assert spelt("pannartz") == "P AE N AA R T Z"  # nn said once
    assert spelt("schoeffer").startswith("S K")
    assert len(spelt("sweynheim").split()) >= 5
    assert spelt("привет") == ""  # no Latin letters: spoken noise instead


def test_words_start_and_end_where_the_vad_hears_speech_start_and_stop(jfk_audio: np.ndarray) -> None:
    words = _words(JFK)
    timed = PhoneAligner().time(jfk_audio, words)
    assert timed is not None and all(t is not None for t in timed)
    starts = [t.start for t in timed if t]
    assert starts == sorted(starts) and 0.0 < starts[0] and timed[-1].end <= len(jfk_audio) / SAMPLE_RATE  # type: ignore[union-attr]
    onsets = [a for a, _ in detect_utterances(jfk_audio)]
    ends = [b for _, b in detect_utterances(jfk_audio)]
    first, americans, ask = timed[0], timed[4], timed[5]
    assert first and americans and ask
    # JFK pauses after "Americans,": the VAD (another model) hears the pause; its edges are the words'
    assert min(abs(first.start - a) for a in onsets) <= 0.1
    assert min(abs(ask.start - a) for a in onsets) <= 0.15  # Silero's frames are 32 ms
    assert min(abs(americans.end - b) for b in ends) <= 0.15
    assert ask.start - americans.end >= 0.5


def test_unknown_words_still_time_their_neighbours(jfk_audio: np.ndarray) -> None:
    aligner = PhoneAligner()
    right = aligner.time(jfk_audio, _words(JFK))
    misspelt = aligner.time(jfk_audio, _words(JFK.replace("Americans", "Amerrricanz").replace("fellow", "fellowe")))
    assert right is not None and misspelt is not None and len(right) == len(misspelt)
    gaps = [abs(r.start - m.start) for r, m in zip(right, misspelt) if r and m]
    assert len(gaps) == len(right) and max(gaps) <= 0.05


def test_digits_are_said_one_by_one_and_other_alphabets_as_spoken_noise() -> None:
    aligner = PhoneAligner()
    lookup = aligner._decoder.lookup_word
    said = [lookup(digit) for digit in ("one", "four", "five", "five")]
    assert lookup(aligner._name("1455")) == " ".join(p for p in said if p)
    assert lookup(aligner._name("covid-19")).endswith(f"{lookup('one')} {lookup('nine')}")
    assert lookup(aligner._name(dictionary_form("Привет"))) == phones.SPOKEN_NOISE


def test_more_words_than_the_audio_can_hold_is_a_failure_not_a_guess(jfk_audio: np.ndarray) -> None:
    assert PhoneAligner().time(jfk_audio[: SAMPLE_RATE // 10], _words(JFK)) is None


@pytest.mark.slow
def test_the_aligner_keeps_whispers_times_where_the_phone_aligner_fails(
    local_backend, jfk_audio: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = script_from_lines([JFK.replace("Americans,", "Americans \u2014")])  # a dash: a word with nothing to say
    with_phones = align_script(WhisperAligner(local_backend._model), jfk_audio, script, "en")
    assert with_phones.meta["aligned"]["phones"] == [[0, len(script.words)]]
    assert with_phones.meta["aligned"]["unheard"] == []
    dash = (with_phones.words or [])[5]
    assert dash.word == " \u2014" and dash.start == dash.end == (with_phones.words or [])[4].end
    timed, refined = with_phones.words or [], refine(with_phones, filters=None).words or []
    assert [w.start for w in refined] == [w.start for w in timed]  # the sound's own times kept
    assert [w.end for w in refined if w.text != "\u2014"] == [w.end for w in timed if w.text != "\u2014"]

    monkeypatch.setattr(PhoneWorkers, "time_all", lambda self, jobs: [None] * len(jobs))
    without = align_script(WhisperAligner(local_backend._model), jfk_audio, script, "en")
    assert without.meta["aligned"]["phones"] == []
    assert "".join(w.word for w in without.words or []) == script.text
    assert all(w.probability is not None and w.probability > 0 for w in without.words or [])
    assert [w.start for w in without.words or []] != [w.start for w in with_phones.words or []]


def test_the_workers_give_the_answers_the_parent_would_and_survive_one_dying(jfk_audio: np.ndarray) -> None:
    words = _words(JFK)
    halves = [(words[:5], pcm16(jfk_audio[: 3 * SAMPLE_RATE])), (words[5:], pcm16(jfk_audio[3 * SAMPLE_RATE :]))]
    jobs = [halves[k % 2] for k in range(6)]
    here = [PhoneAligner().time_pcm(pcm, w) for w, pcm in halves]
    assert all(h is not None for h in here)
    with PhoneWorkers(2) as workers:
        processes = [w.process for w in workers._workers]
        assert len(processes) == 2
        assert workers.time_all(jobs) == [here[k % 2] for k in range(6)]
        processes[0].kill()
        processes[0].wait()
        assert workers.time_all(jobs) == [here[k % 2] for k in range(6)]  # the dead one's share done here
        assert [w.process for w in workers._workers] == processes[1:]
    assert all(p.poll() is not None for p in processes)  # none left running


def test_one_core_or_one_stretch_needs_no_worker(jfk_audio: np.ndarray) -> None:
    with PhoneWorkers(1) as workers:
        assert workers._workers == []
        assert workers.time_all([(_words(JFK), pcm16(jfk_audio))])[0] is not None


@pytest.fixture(scope="module")
def long_talk(tmp_path_factory) -> tuple[Path, Path]:
    """JFK 27 times (297 s, joined by ffmpeg) and its script: a piece of 10 windows to align."""
    folder = tmp_path_factory.mktemp("long")
    media = folder / "talk.flac"
    run_ffmpeg("-v", "error", "-stream_loop", "26", "-i", str(SAMPLES / "jfk.mp4"), "-vn", "-c:a", "flac", str(media))
    script = folder / "talk.txt"
    script.write_text("\n".join([JFK] * 27) + "\n", "utf-8")
    return media, script


@pytest.mark.slow
def test_ctrl_c_while_the_workers_align_ends_the_run_and_them(tmp_path: Path, long_talk: tuple[Path, Path]) -> None:
    media, script = long_talk
    markers, out = tmp_path / "markers", tmp_path / "out"
    markers.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CAPTIONER_CACHE_DIR": str(tmp_path / "cache")}
    env["CAPTIONER_TEST_MARKERS"] = str(markers)
    command = [sys.executable, "-m", "captioner", "align", str(media), str(script), "-o", str(out)]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_marker(markers, "aligning-phones", proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err, err
    workers = [int(m.name.rsplit("-", 1)[1]) for m in markers.glob("phone-worker-*")]
    assert len(workers) == min(2, usable_cores()) >= 1
    deadline = time.monotonic() + 120  # a safety net: a worker whose stdin closed ends at once
    while any(process_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if process_running(pid)], "a phone worker outlived the run"
    assert not out.exists() or not list(out.iterdir())


def test_a_worker_that_cannot_start_leaves_the_work_to_the_parent(
    jfk_audio: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    words = _words(JFK)
    jobs = [(words[:5], pcm16(jfk_audio[: 3 * SAMPLE_RATE])), (words[5:], pcm16(jfk_audio[3 * SAMPLE_RATE :]))]
    with PhoneWorkers(2) as workers:
        assert workers._workers == []
        assert workers.time_all(jobs) == [PhoneAligner().time_pcm(pcm, w) for w, pcm in jobs]
