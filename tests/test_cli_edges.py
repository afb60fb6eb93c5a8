"""The command line at its edges: a missing extra, a bad language, usage lines, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import AIX_KEY, ROOT, SAMPLES, captioner, run_ffmpeg, wait_for_marker, wait_until

from captioner.cli.caption import settings_from_options
from captioner.cli.main import main
from captioner.core.languages import parse_language
from captioner.testing.fake_aixplain import NEVER, Fault, Scenario

# Makes `import aixplain` and `import requests` fail as on a machine without the aixplain extra
# (requests comes with the SDK; faster-whisper's huggingface_hub uses httpx).
BLOCKER = """
import sys

class _NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("aixplain", "requests"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NotInstalled())
"""


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "sync", "review"])
def test_aixplain_without_the_extra_is_one_line_naming_the_install(tmp_path, command) -> None:
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCKER, "utf-8")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "jfk.mp4").write_bytes((SAMPLES / "jfk.mp4").read_bytes())
    env = {"PYTHONPATH": os.pathsep.join([str(blocker), str(ROOT)]), "AIXPLAIN_API_KEY": "k"}
    if command == "run":
        proc = captioner(tree / "jfk.mp4", "--backend", "aixplain", env=env)
    elif command == "review":  # the cached transcript of a file captioned on aiXplain
        proc = captioner("review", tree / "jfk.mp4", "--backend", "aixplain", env=env)
    else:
        (tree / "captioner.toml").write_text('backend = "aixplain"\n', "utf-8")
        proc = captioner("sync", env=env, cwd=tree)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "captioner: error: the aiXplain backend needs the aiXplain SDK (aixplain is not installed): "
        "pip install 'captioner[aixplain]'"
    ]
    assert sorted(p.name for p in tree.iterdir()) == sorted(["jfk.mp4", *(["captioner.toml"] * (command == "sync"))])


@pytest.mark.parametrize("command", [["jfk.mp4"], ["check"], ["sync"], ["review", "jfk.mp4"]])
def test_an_unknown_language_is_a_usage_error_naming_it(tmp_path, monkeypatch, command) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jfk.mp4").write_bytes((SAMPLES / "jfk.mp4").read_bytes())
    result = CliRunner().invoke(main, [*command, "-l", "xx"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '-l' / '--language': 'xx' is not a language Whisper knows" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jfk.mp4"], "nothing was transcribed or written"


def test_an_unknown_language_in_the_config_is_one_line(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "captioner.toml").write_text('language = "english please"\n', "utf-8")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        "captioner: error: captioner.toml: language: 'english please' is not a language Whisper knows; "
        "use a code such as en or de, a name such as German, or auto"
    ]


def test_languages_are_given_as_codes_names_or_tags() -> None:
    assert [parse_language(v) for v in ("de", " German ", "de-AT", "EN", "auto", "Mandarin")] == [
        "de", "de", "de", "en", None, "zh",
    ]  # fmt: skip
    settings = settings_from_options(_run_options("-l", "German"))
    assert settings.options.language == "de"
    assert settings_from_options(_run_options("-l", "auto")).options.language is None
    assert settings_from_options(_run_options()).options.language is None


def _run_options(*args: str) -> dict:
    """The main command's options, parsed from ``args`` as the command line would."""
    command = main.commands["run"]
    with command.make_context("captioner", ["x.mp4", *args]) as ctx:
        return dict(ctx.params)


@pytest.mark.parametrize("args", [["--style", "foo", "x.mp4"], [], ["x.mp4", "-l", "xx"]])
def test_usage_errors_show_the_command_as_typed(args) -> None:
    """The main job is the hidden `run` command; its usage lines say `captioner`, as it is typed."""
    result = CliRunner().invoke(main, args, prog_name="captioner")
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: captioner [OPTIONS] PATHS...\nTry 'captioner --help' for help.\n")
    assert "captioner run" not in result.stderr
    help_text = CliRunner().invoke(main, ["--help"], prog_name="captioner").output
    assert help_text.startswith("Usage: captioner [OPTIONS] PATHS...") and "captioner run" not in help_text
    # the subcommands keep their names
    check = CliRunner().invoke(main, ["check", "--bogus"], prog_name="captioner")
    assert check.exit_code == 2 and "Usage: captioner check [OPTIONS] [PATHS]..." in check.stderr


SIGINT_DURING_IMPORT = """
import importlib.abc, os, signal, sys, time

class CtrlCWhileImporting(importlib.abc.MetaPathFinder):
    # A Ctrl-C while the command line's modules import, where native module set-up code can clear
    # the KeyboardInterrupt (a run interrupted 0.24 s in finished and exited 0): cleared here too.
    def find_spec(self, name, path, target=None):
        if name == "captioner.cli.main":
            sys.meta_path.remove(self)
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(600)  # a Ctrl-C that waited for the import would wait for this
            except BaseException:
                pass
        return None

sys.meta_path.insert(0, CtrlCWhileImporting())
"""


def test_ctrl_c_while_the_command_imports_ends_it_at_once(tmp_path) -> None:
    """Exit 130 and one line, whatever the importing code does with the KeyboardInterrupt."""
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(SIGINT_DURING_IMPORT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "hook"), str(ROOT)])}
    command = [sys.executable, "-m", "captioner", str(tmp_path / "missing.flac"), "-o", str(tmp_path / "out")]
    try:
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        raise AssertionError("the Ctrl-C waited for the import (its 10 minutes)") from None
    assert (proc.returncode, proc.stderr) == (130, "captioner: interrupted\n")
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def talk(tmp_path_factory) -> Path:
    """297 s of speech (jfk 27 times, joined by ffmpeg): no run gets to its end before a Ctrl-C."""
    media = tmp_path_factory.mktemp("talk") / "talk.flac"
    run_ffmpeg("-v", "error", "-stream_loop", "26", "-i", str(SAMPLES / "jfk.mp4"), "-vn", "-c:a", "flac", str(media))
    return media


def stalled_model(folder: Path) -> Path:
    """The embedded model with its vocabulary a named pipe nobody writes to: CTranslate2's load
    (one native call) blocks in it for ever, as on a network mount that stopped answering."""
    from captioner.transcription.local.model_files import embedded_model_dir

    source = embedded_model_dir()
    folder.mkdir()
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (folder / name).symlink_to(source / name)
    os.mkfifo(folder / "vocabulary.txt")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("during", ["captioner-model-load", "generate"])
def test_ctrl_c_does_not_wait_for_a_native_call(tmp_path, talk, during) -> None:
    """Ctrl-C while the model loads (in the background) and while a beam search runs: the native
    calls (CTranslate2, onnxruntime) used to end first.  The Ctrl-C is sent once the call's marker
    is there; the marker still there after the process ended is the call it did not wait for.
    The load is one that never ends (a stalled model file): the embedded model loads in under a
    second, and a busy machine could let it end before the Ctrl-C is handled."""
    cache, out, markers = tmp_path / "cache", tmp_path / "out", tmp_path / "markers"
    markers.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CAPTIONER_CACHE_DIR": str(cache)}
    env["CAPTIONER_TEST_MARKERS"] = str(markers)
    command = [sys.executable, "-m", "captioner", str(talk), "-o", str(out), "--threads", "1"]
    if during == "generate":
        # Over 120 s the windows are decoded 3 at a time: with --beam-size 30 on one thread that
        # beam search is one native call of about 7 s on an idle machine, longer on a busy one.
        command += ["--beam-size", "30"]
    else:
        command += ["--model", str(stalled_model(tmp_path / "model"))]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        running = wait_for_marker(markers, f"running-{during}.*", proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err and "Aborted" not in err, err
    assert running.exists(), f"the Ctrl-C waited for {during} to return"
    assert not out.exists() or not list(out.iterdir())
    assert not [p for p in cache.rglob("*") if p.name.endswith(".tmp")], "no partial file in the cache"


WITNESS = """
import functools, sys, threading, time
from captioner import interrupt

class Witness:
    def __del__(self) -> None:
        sys.stderr.write("finalised\\n")

witness = Witness()
if sys.argv[1] == "running":
    # not a lambda: its globals (this script's, the witness's) would outlive a finalisation
    interrupt.in_background(functools.partial(time.sleep, 600), "captioner-model-load")
else:
    interrupt.in_background(lambda: None, "captioner-model-load")
    for thread in threading.enumerate():
        if thread.name == "captioner-model-load":
            thread.join()  # done, and taken off the count of running work
interrupt.finish(130)
"""


@pytest.mark.parametrize("work", ["running", "done"])
def test_ctrl_c_never_finalises_the_interpreter_under_a_background_load(work) -> None:
    """The model loads in a background thread; a Ctrl-C during the load once ended in sys.exit,
    whose finalisation tore CTranslate2 down under the load: "terminate called without an active
    exception", exit -6 (seen in CI).  While such work runs, the process must end with os._exit
    (no finalisation: the witness's __del__ never runs); once it is done, as usual."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", WITNESS, work], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 130, proc.stderr
    assert ("finalised" in proc.stderr) == (work == "done"), proc.stderr


HALF_WRITTEN = """
import sys, threading, time
from pathlib import Path
from captioner import interrupt
from captioner.output.atomic import atomic_writer

inside = threading.Event()

def join() -> None:
    with atomic_writer(Path(sys.argv[1]), binary=True) as out:
        out.write(b"half of a model")
        inside.set()
        time.sleep(600)

interrupt.in_background(join, "captioner-model-load")
inside.wait()
interrupt.finish(130)
"""


def test_ctrl_c_during_a_background_write_leaves_no_partial_file(tmp_path) -> None:
    """The embedded model is joined into the cache in the background thread that loads it; a
    Ctrl-C then ends the process with os._exit (see above), which never gets back to that thread's
    clean-up: its temporary file was left in the cache (seen in CI, 1 s into a run)."""
    target = tmp_path / "models" / "model.bin"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", HALF_WRITTEN, str(target)], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 130, proc.stderr
    assert list(target.parent.iterdir()) == []


@pytest.mark.slow
def test_ctrl_c_removes_the_models_temporary_folder(tmp_path, talk) -> None:
    """A cache that cannot hold the model: it is joined in a temporary folder removed at exit,
    also when Ctrl-C ends the process in the middle of a native call (a beam search)."""
    (tmp_path / "not-a-folder").write_text("", "utf-8")
    temp, markers = tmp_path / "tmp", tmp_path / "markers"
    temp.mkdir()
    markers.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CAPTIONER_CACHE_DIR": str(tmp_path / "not-a-folder")}
    env.update(TMPDIR=str(temp), CAPTIONER_TEST_MARKERS=str(markers))
    command = [sys.executable, "-m", "captioner", str(talk), "-o", str(tmp_path / "out"), "--beam-size", "30"]
    proc = subprocess.Popen([*command, "--threads", "1"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        running = wait_for_marker(markers, "running-generate.*", proc)  # the model loaded, a beam search running
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert running.exists(), "the Ctrl-C came in the middle of the beam search"
    assert proc.returncode == 130, err
    assert "joined in a temporary folder" in err
    assert list(temp.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("files", [1, 2])
def test_ctrl_c_does_not_wait_for_aixplain_requests(fake, tmp_path, files) -> None:
    """Requests the service never answers, from the main thread (one file) or from a thread per
    file (two): the command stops at once and its temporary files go with it."""
    fake.scenario = Scenario(faults=[Fault("record", 503, count=99, delay=NEVER)])
    temp = tmp_path / "tmp"
    temp.mkdir()
    media = []
    for index in range(files):
        media.append(tmp_path / f"talk{index}.mp4")
        media[-1].write_bytes((SAMPLES / "jfk.mp4").read_bytes())
    env = {**os.environ, **fake.env(), "AIXPLAIN_API_KEY": AIX_KEY, "TMPDIR": str(temp), "PYTHONPATH": str(ROOT)}
    env["CAPTIONER_CACHE_DIR"] = str(tmp_path / "cache")
    env.pop("TEAM_API_KEY", None)
    command = [sys.executable, "-m", "captioner", *map(str, media), "--backend", "aixplain", "--jobs", "2"]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        # every file's request for the model record in flight (held unanswered)
        wait_until(lambda: len(fake.calls("GET", "/v2/models/")) >= files, "the model record requests", proc)
        proc.send_signal(signal.SIGINT)
        # The requests are never answered: a Ctrl-C that waited for them would wait for
        # --aixplain-timeout (600 s), which this safety net cuts short.
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert list(temp.iterdir()) == [], "the encoded audio went with the run"
    assert sorted(p.name for p in tmp_path.glob("talk*")) == sorted(p.name for p in media), "no captions"
