"""``captioner check`` without a model: states, reports, config, the lock format, the stat cache.

Trees hold copies of the real samples; their lock files are written through the module's API with
the real hashes (caption files are hand-made), so every state can be produced in milliseconds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLES, run_ffmpeg
from hypothesis import given, settings
from hypothesis import strategies as st

import captioner.ci.status as status_module
from captioner.ci.config import ConfigError, load_config, tomllib
from captioner.ci.lockfile import RESERVED, Lock, LockEntry, LockError, dumps, loads, read_lock, write_lock
from captioner.ci.shard import Shard, shard_of
from captioner.ci.status import FAILING, STATES, Scanner, caption_paths
from captioner.ci.tree import glob_match, unsafe_relpath
from captioner.cli.main import main
from captioner.media.hashing import audio_hash, file_sha256

SRT = "1\n00:00:00,000 --> 00:00:01,000\nHello.\n\n"
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello.\n"


def check(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *[str(a) for a in args]], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, result.stdout


def lock_up(root: Path, rel: str, config=None) -> None:
    """Write beside ``rel`` hand-made captions and a lock entry saying they were generated now."""
    config = config or load_config(root)
    captions = {}
    for fmt, cap in caption_paths(rel, config.formats).items():
        (root / cap).write_text(SRT if fmt == "srt" else VTT, "utf-8")
        captions[fmt] = file_sha256(root / cap)
    lock = read_lock(root / config.lock)
    lock.entries[rel] = LockEntry(
        audio=audio_hash(root / rel),
        settings=config.settings_hash(rel),
        summary=config.summary_for(rel),
        captions=captions,
    )
    write_lock(root / config.lock, lock)


def states(root: Path, *args: object) -> dict[str, str]:
    code, out = check("--root", root, "--output-format", "json", "--no-cache", *args)
    data = json.loads(out)
    assert code == (0 if data["ok"] else 1)
    return {f["path"]: f["state"] for f in data["files"]}


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "talks").mkdir(parents=True)
    shutil.copyfile(SAMPLES / "de_picovoice_test.flac", root / "talks" / "de.flac")
    shutil.copyfile(SAMPLES / "ja_picovoice_test.flac", root / "ja.flac")
    (root / "captioner.toml").write_text("", "utf-8")
    return root


def test_every_state_and_exit_status(tree: Path) -> None:
    shutil.copyfile(SAMPLES / "ja_picovoice_test.flac", tree / "edited.flac")
    shutil.copyfile(SAMPLES / "ja_picovoice_test.flac", tree / "unlocked.flac")
    shutil.copyfile(SAMPLES / "ja_picovoice_test.flac", tree / "gone.flac")
    for rel in ("ja.flac", "edited.flac", "gone.flac"):
        lock_up(tree, rel)
    (tree / "edited.srt").write_text(SRT.replace("Hello", "Hallo"), "utf-8")
    (tree / "unlocked.srt").write_text(SRT, "utf-8")
    (tree / "gone.flac").unlink()
    (tree / "stray.vtt").write_text(VTT, "utf-8")
    (tree / "ja.de.srt").write_text(SRT, "utf-8")  # a translation beside its media: not an orphan
    assert states(tree) == {
        "edited.flac": "edited",
        "gone.flac": "orphan",
        "ja.flac": "ok",
        "stray.vtt": "orphan",
        "talks/de.flac": "missing",
        "unlocked.flac": "lock-entry-missing",
    }
    code, out = check("--root", tree)
    assert code == 1
    assert re.search(r"^FAIL missing\s+talks/de\.flac", out, re.M)
    assert re.search(r"^\s+edited\s+edited\.flac", out, re.M)  # reported, not failing
    assert "ja.flac" not in out.replace("ja.de.srt", "")  # ok files are listed only with -v
    # Only the passing states left: exit 0, and --strict makes the edit fail.
    for rel in ("gone.flac",):
        lock = read_lock(tree / "captions.lock")
        del lock.entries[rel]
        write_lock(tree / "captions.lock", lock)
    for name in ("gone.srt", "gone.vtt", "stray.vtt", "unlocked.srt", "unlocked.flac", "talks/de.flac"):
        (tree / name).unlink()
    assert check("--root", tree)[0] == 0
    assert check("--root", tree, "--strict")[0] == 1
    assert FAILING == set(STATES) - {"ok", "edited"}


@pytest.mark.slow
def test_stale_after_re_encode_but_not_after_metadata_remux(tree: Path) -> None:
    lock_up(tree, "ja.flac")
    lock_up(tree, "talks/de.flac")
    assert set(states(tree).values()) == {"ok"}
    de, ja = tree / "talks" / "de.flac", tree / "ja.flac"
    before = de.read_bytes()
    run_ffmpeg(
        "-i",
        str(de),
        "-c",
        "copy",
        "-metadata",
        "title=Retitled",
        "-metadata",
        "artist=Someone",
        str(tree / "remux.flac"),
    )
    os.replace(tree / "remux.flac", de)
    assert de.read_bytes() != before
    run_ffmpeg("-i", str(ja), "-af", "volume=0.8", "-c:a", "flac", str(tree / "enc.flac"))
    os.replace(tree / "enc.flac", ja)
    assert states(tree) == {"ja.flac": "stale", "talks/de.flac": "ok"}


def test_settings_changed_by_config_and_cli_overrides(tree: Path) -> None:
    lock_up(tree, "ja.flac")
    lock_up(tree, "talks/de.flac")
    (tree / "captioner.toml").write_text('style = { preset = "netflix", max_chars = 30 }\n', "utf-8")
    assert states(tree) == {"ja.flac": "settings-changed", "talks/de.flac": "settings-changed"}
    # --style replaces the configured style (preset and limits): back to what the lock says.
    assert set(states(tree, "--style", "netflix").values()) == {"ok"}
    (tree / "captioner.toml").write_text('[languages]\n"talks/**" = "de"\n', "utf-8")
    assert states(tree) == {"ja.flac": "ok", "talks/de.flac": "settings-changed"}
    assert set(states(tree, "--language", "auto").values()) == {"ok"}
    assert set(states(tree, "-f", "srt,vtt,txt").values()) == {"settings-changed"}
    code, out = check("--root", tree, "-l", "de")
    assert code == 1 and "language=de" in out


def test_missing_caption_file_and_unreadable_media(tree: Path) -> None:
    shutil.copyfile(SAMPLES / "jfk.mp4", tree / "v.mp4")
    for rel in ("ja.flac", "talks/de.flac", "v.mp4"):
        lock_up(tree, rel)
    (tree / "ja.vtt").unlink()
    (tree / "v.mp4").write_bytes(b"not media at all" * 100)
    assert states(tree) == {"ja.flac": "missing", "talks/de.flac": "ok", "v.mp4": "error"}


def test_config_in_pyproject_include_exclude_and_scope(tree: Path) -> None:
    (tree / "captioner.toml").unlink()
    (tree / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.captioner]\ninclude = ["*.flac"]\nexclude = ["*.tmp.flac"]\n'
        'formats = ["srt"]\n',
        "utf-8",
    )
    (tree / "ja.captioned.flac").write_bytes((tree / "ja.flac").read_bytes())  # --mux output: never included
    assert states(tree) == {"ja.flac": "missing"}
    (tree / "x.tmp.flac").write_bytes((tree / "ja.flac").read_bytes())
    assert states(tree) == {"ja.flac": "missing"}
    # --include replaces the configured globs, --exclude adds to them.
    assert states(tree, "--include", "**/*.flac") == {"ja.flac": "missing", "talks/de.flac": "missing"}
    assert states(tree, "--include", "**/*.flac", "--exclude", "ja.*") == {"talks/de.flac": "missing"}
    (tree / "x.tmp.flac").unlink()
    config = load_config(tree)
    assert config.formats == ("srt",) and config.source == "pyproject.toml [tool.captioner]"
    lock_up(tree, "ja.flac", config)
    assert not (tree / "ja.vtt").exists()
    assert states(tree) == {"ja.flac": "ok"}
    # PATHS narrow the tree.
    (tree / "other.flac").write_bytes((tree / "ja.flac").read_bytes())
    assert states(tree, tree / "ja.flac") == {"ja.flac": "ok"}
    assert states(tree) == {"ja.flac": "ok", "other.flac": "missing"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 1\n", "unknown keys: colour"),
        ("formats = ['srt', 'docx']\n", "'docx' is not one of"),
        ("style = { preset = 'bbc', width = 3 }\n", "unknown style keys: width"),
        ("style = 'fancy'\n", "unknown style 'fancy'"),
        ("backend = 'cloud'\n", "backend 'cloud'"),
        ("formats = [\n", "captioner.toml"),
    ],
)
def test_bad_config_is_a_usage_error(tree: Path, text: str, message: str) -> None:
    (tree / "captioner.toml").write_text(text, "utf-8")
    result = CliRunner().invoke(main, ["check", "--root", str(tree)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.splitlines() == [f"captioner: error: {result.stderr.split(': ', 2)[2].rstrip()}"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model = 5", "model must be a model name (base, small, ...), not an integer"),  # was exit 1, a list of models
        ("model = { name = 'base' }", "model must be a model name (base, small, ...), not a table"),
        ("model = ''", "model must be a model name (base, small, ...), not empty"),
        ("backend = ['local']", "backend must be local or aixplain, not an array"),
        ("style = { preset = { name = 'bbc' } }", "style.preset must be a preset name, not a table"),
        ("style = 5", "style must be a preset name or a table with preset and limits, not an integer"),
        (
            "vocabularies = { 'a/**' = ['names.txt'] }",
            "vocabularies.a/** must be a file name, not an array",
        ),  # a traceback
        ("vocabulary = 5", "vocabulary must be a file name, not an integer"),
        ("lock = 1979-05-27", "lock must be a file name, not a date or time"),
        ("include = 5", "include must be a list of strings, not an integer"),
        ("formats = [true]", "formats must be a list of strings, not of booleans"),
        ("prompt = ['a']", "prompt must be a string, not an array"),
        ("languages = 'de'", "languages must be a table of glob = language code, not a string"),
    ],
)
def test_a_value_of_the_wrong_type_is_one_line_and_exit_2(tree: Path, text: str, message: str) -> None:
    # issue 25: `model = 5` made sync exit 1 with the list of every Whisper model; configuration errors are exit 2.
    (tree / "captioner.toml").write_text(text + "\n", "utf-8")
    result = CliRunner().invoke(main, ["sync", "--root", str(tree)])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"captioner: error: captioner.toml: {message}\n"
    assert not list(tree.rglob("*.srt")) and not (tree / "captions.lock").exists()  # no work done


def test_a_tool_captioner_that_is_no_table_is_one_line_and_exit_2(tree: Path) -> None:
    (tree / "captioner.toml").unlink()
    (tree / "pyproject.toml").write_text("[tool]\ncaptioner = 5\n", "utf-8")
    result = CliRunner().invoke(main, ["check", "--root", str(tree)])
    assert result.exit_code == 2, result.output
    assert result.stderr == "captioner: error: pyproject.toml: [tool.captioner] must be a table, not an integer\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = 99\n", "lock version 99 was written by a newer captioner"),
        ("version = 'one'\n", "unsupported lock version 'one'"),
        ("version = 1\n[broken\n", "not valid TOML"),
        ('version = 1\n["a.mp4"]\naudio = 1\n', "'a.mp4' needs audio and settings strings"),
    ],
)
def test_damaged_lock_is_one_line_and_exit_2(tree: Path, text: str, message: str) -> None:
    # Found in a CI log: click's "Usage: ... Try --help ... Error:" block, four lines for a bad lock.
    (tree / "captions.lock").write_text(text, "utf-8")
    for command in ("check", "sync"):
        result = CliRunner().invoke(main, [command, "--root", str(tree)])
        assert result.exit_code == 2
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"captioner: error: {tree / 'captions.lock'}: ") and message in line


def test_junit_report_has_one_case_per_file_with_failures(tree: Path) -> None:
    lock_up(tree, "ja.flac")
    (tree / "ja.srt").write_text(SRT.replace("Hello", "Hi"), "utf-8")
    (tree / "lone.srt").write_text(SRT, "utf-8")
    report = tree.parent / "junit.xml"
    code, _ = check("--root", tree, "--report", report)
    assert code == 1
    suites = ET.parse(report).getroot()
    cases = {c.get("name"): c for c in suites.iter("testcase")}
    assert set(cases) == {"ja.flac", "talks/de.flac", "lone.srt"}
    failures = {name: c.find("failure") for name, c in cases.items()}
    assert failures["ja.flac"] is None and "edited" in cases["ja.flac"].find("system-out").text
    assert failures["talks/de.flac"].get("type") == "missing"
    assert failures["lone.srt"].get("type") == "orphan"
    suite = suites.find("testsuite")
    assert suite.get("tests") == "3" and suite.get("failures") == "2"
    check("--root", tree, "--report", report, "--strict")
    assert ET.parse(report).getroot().find("testsuite").get("failures") == "3"


GITHUB = re.compile(r"^::(error|warning) file=([^,:]+),title=([^,:]+)::(.+)$")


def test_github_annotations(tree: Path) -> None:
    lock_up(tree, "ja.flac")
    (tree / "ja.vtt").write_text(VTT + "\n00:00:01.000 --> 00:00:02.000\nMore, 100%: yes\n", "utf-8")
    (tree / "talks" / "a, b: c.flac").write_bytes((tree / "ja.flac").read_bytes())
    code, out = check("--root", tree, "--output-format", "github")
    assert code == 1
    lines = out.splitlines()
    annotations = [GITHUB.match(line) for line in lines[:-1]]
    assert all(annotations), lines
    found = {(m[1], m[2]) for m in annotations}
    assert found == {("warning", "ja.flac"), ("error", "talks/de.flac"), ("error", "talks/a%2C b%3A c.flac")}
    assert any(m[3] == "captions missing" for m in annotations)
    assert lines[-1].startswith("captioner check: 3 files")


def test_json_output(tree: Path) -> None:
    lock_up(tree, "ja.flac")
    code, out = check("--root", tree, "--output-format", "json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False and data["lock"] == "captions.lock"
    assert data["counts"] == {"ok": 1, "missing": 1}
    by_path = {f["path"]: f for f in data["files"]}
    assert by_path["ja.flac"]["captions"] == ["ja.srt", "ja.vtt"] and not by_path["ja.flac"]["failing"]
    assert by_path["talks/de.flac"]["failing"]


@pytest.mark.slow
def test_check_does_not_load_whisper(tree: Path) -> None:
    code = (
        "import sys\n"
        "from captioner.cli.main import main\n"
        "try:\n"
        f"    main(['check', '--root', {str(tree)!r}])\n"
        "except SystemExit as exc:\n"
        "    print('exit', exc.code)\n"
        "print('faster_whisper' in sys.modules, 'ctranslate2' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-2:] == ["exit 1", "False False"]


@pytest.mark.slow
def test_stat_cache_skips_unchanged_media_and_sees_changes(tree: Path, monkeypatch) -> None:
    lock_up(tree, "ja.flac")
    lock_up(tree, "talks/de.flac")
    old = time.time() - 60
    for path in tree.rglob("*"):
        os.utime(path, (old, old))
    calls: list[str] = []

    def counting(path, stream=0):
        calls.append(Path(path).name)
        return audio_hash(path, stream)

    monkeypatch.setattr(status_module, "audio_hash", counting)
    config = load_config(tree)
    assert Scanner(tree, config).scan().ok and sorted(calls) == ["de.flac", "ja.flac"]
    calls.clear()
    assert Scanner(tree, config).scan().ok and calls == []
    # Same size, same mtime, other bytes: the ctime (and inode, after a replace) still tell.
    ja = tree / "ja.flac"
    run_ffmpeg("-i", str(ja), "-af", "volume=0.5", "-c:a", "flac", str(tree / "x.flac"))
    os.replace(tree / "x.flac", ja)
    os.utime(ja, (old, old))
    report = Scanner(tree, config).scan()
    assert calls == ["ja.flac"] and {f.path: f.state for f in report.files}["ja.flac"] == "stale"
    calls.clear()
    Scanner(tree, config, use_cache=False).scan()
    assert sorted(calls) == ["de.flac", "ja.flac"]
    # A whole-tree scan drops the cache entries of files that are gone.
    scanner = Scanner(tree, config)
    assert any("talks/de.flac" in key for key in json.loads(scanner.cache.path.read_text())["entries"])
    shutil.rmtree(tree / "talks")
    scanner.scan()
    assert not any("talks/" in key for key in json.loads(scanner.cache.path.read_text())["entries"])


def test_lock_format_is_sorted_toml_and_round_trips() -> None:
    lock = Lock()
    lock.entries["b/z.mp4"] = LockEntry("a" * 64, "b" * 16, "local/base", {"vtt": "c" * 64, "srt": "d" * 64})
    lock.entries['a/"quoted" \\ ü\t.flac'] = LockEntry("e" * 64, "f" * 16, "x", {"srt": "0" * 64})
    text = dumps(lock)
    assert loads(text) == lock
    data = tomllib.loads(text)
    assert data["version"] == 1 and list(data)[2:] == ['a/"quoted" \\ ü\t.flac', "b/z.mp4"]
    body = text.split('["b/z.mp4"]')[1].splitlines()
    assert [line.split(" =")[0] for line in body if line] == ["audio", "settings", "summary", "srt", "vtt"]
    assert dumps(loads(text)) == text


media_path = st.text(min_size=1, max_size=30).filter(lambda p: p not in RESERVED and unsafe_relpath(p) is None)


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(st.dictionaries(media_path, st.sampled_from(["srt", "vtt", "json", "txt"]), max_size=8))
def test_lock_round_trips_any_path(paths: dict[str, str]) -> None:
    lock = Lock(entries={p: LockEntry("1" * 64, "2" * 16, p[::-1], {fmt: "3" * 64}) for p, fmt in paths.items()})
    assert loads(dumps(lock)) == lock


unsafe_path = st.one_of(
    st.builds("/{}".format, st.text(max_size=10)),
    st.builds("{}/../{}".format, st.text(max_size=10), st.text(max_size=10)),
    st.builds("../{}".format, st.text(max_size=10)),
    st.builds("{}/./{}".format, st.text(max_size=10), st.text(max_size=10)),
    st.builds("{}//{}".format, st.text(max_size=10), st.text(max_size=10)),
    st.builds("{}\x00{}".format, st.text(max_size=10), st.text(max_size=10)),
    st.just(".."),
)


@settings(max_examples=100, deadline=None)
@given(unsafe_path)
def test_a_lock_path_leaving_the_tree_is_neither_read_nor_written(path: str) -> None:
    # A crafted lock's "../outside/victim.mp3" made sync --prune delete ../outside/victim.srt.
    assert unsafe_relpath(path) is not None
    quoted = json.dumps(path, ensure_ascii=False).replace("\x7f", "\\u007f")  # a TOML basic string
    entry = f'[{quoted}]\naudio = "1"\nsettings = "2"\n'
    with pytest.raises(LockError, match="reaches outside the tree"):
        loads(f"version = 1\n{entry}")
    with pytest.raises(LockError, match="cannot be a media path"):
        dumps(Lock(entries={path: LockEntry("1" * 64, "2" * 16)}))


def test_a_reserved_name_is_refused_not_written_unreadable() -> None:
    # hypothesis found it: a media path "version" made a lock TOML cannot read back
    for name in sorted(RESERVED):
        with pytest.raises(LockError, match="reserved name"):
            dumps(Lock(entries={name: LockEntry("1" * 64, "2" * 16)}))


path_segment = st.text(alphabet="abcdefghij-_. 0123", min_size=1, max_size=8)


@settings(max_examples=100, deadline=None)
@given(st.sets(st.lists(path_segment, min_size=1, max_size=4).map("/".join), max_size=60), st.integers(1, 7))
def test_shards_are_disjoint_and_cover_the_tree(paths: set[str], count: int) -> None:
    shards = [Shard(k, count) for k in range(1, count + 1)]
    owners = {p: [s.index for s in shards if p in s] for p in paths}
    assert all(len(o) == 1 for o in owners.values())  # each path in exactly one shard
    assert {p for s in shards for p in paths if p in s} == paths
    assert all(shard_of(p, count) == o[0] for p, o in owners.items())  # by path alone, not by order


def test_shard_option_splits_the_tree(tree: Path) -> None:
    for n in range(6):
        shutil.copyfile(SAMPLES / "ja_picovoice_test.flac", tree / f"clip{n}.flac")
    everything = states(tree)
    parts = [states(tree, "--shard", f"{k}/3") for k in (1, 2, 3)]
    assert sum(len(p) for p in parts) == len(everything) == 8
    assert {k: v for p in parts for k, v in p.items()} == everything
    assert Shard.parse(" 2 / 3 ") == Shard(2, 3)
    for bad in ("0/3", "4/3", "x"):
        with pytest.raises(ConfigError):
            Shard.parse(bad)
    assert CliRunner().invoke(main, ["check", "--root", str(tree), "--shard", "3/2"]).exit_code == 2


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("a.mp4", "**/*.mp4", True),
        ("x/y/a.mp4", "**/*.mp4", True),
        ("x/a.mp4", "*.mp4", False),
        ("x/a.mp4", "x/*", True),
        ("x/y/a.mp4", "x/*", False),
        ("x/y/a.mp4", "x/**", True),
        ("drafts/a.mp4", "drafts/**", True),
        ("a.mp4", "?.mp4", True),
        ("a+b.mp4", "a+b.mp4", True),
        ("talk.captioned.mp4", "**/*.captioned.*", True),
    ],
)
def test_globs(path: str, pattern: str, expected: bool) -> None:
    assert glob_match(path, pattern) is expected


def test_root_is_found_upwards_from_the_current_folder(tree: Path, monkeypatch) -> None:
    monkeypatch.chdir(tree / "talks")
    code, out = check()  # default PATH: the current folder, inside the tree found upwards
    assert code == 1 and "talks/de.flac" in out and "ja.flac" not in out
