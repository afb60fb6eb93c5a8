"""The shipped CI integrations: the pre-commit hook through the real pre-commit, the GitHub Action's script.

The pre-commit test installs the hook's environment the way users get it: pre-commit pip-installs
this repository (with faster-whisper and the embedded model) into a virtualenv of its own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SAMPLES
from test_check import lock_up

pytestmark = pytest.mark.slow  # pre-commit and the GitHub action run captioner in processes of their own

GITHUB = re.compile(r"^::(error|warning) file=([^,:]+),title=([^,:]+)::(.+)$")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture()
def pre_commit_home(tmp_path: Path) -> Path:
    """A private PRE_COMMIT_HOME.  try-repo keeps its hook environment in a temporary store of its
    own anyway, so each call installs it afresh (about 30 s here with a local package index)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    return tmp_path / "pre-commit-home"


def try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "captioner-check", "--all-files", "--verbose"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_pre_commit_hook_fails_on_missing_captions_and_passes_when_up_to_date(
    tmp_path: Path, pre_commit_home: Path
) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert [h["id"] for h in hooks] == ["captioner-check"]
    repo = tmp_path / "media-repo"
    (repo / "clips").mkdir(parents=True)
    git(repo, "init", "-q")
    shutil.copyfile(SAMPLES / "ja_picovoice_test.flac", repo / "clips" / "ja.flac")
    git(repo, "add", ".")

    failed = try_repo(repo, pre_commit_home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"FAIL missing\s+clips/ja\.flac", failed.stdout), failed.stdout

    lock_up(repo, "clips/ja.flac")
    git(repo, "add", ".")
    passed = try_repo(repo, pre_commit_home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout and "1 ok; all good" in passed.stdout


def action_script() -> tuple[dict, str]:
    action = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"command", "paths", "args"}
    return action, action["runs"]["steps"][-1]["run"]


def run_action(tmp_path: Path, workspace: Path, command: str, paths: str, args: str) -> subprocess.CompletedProcess:
    """The action's last step as GitHub would run it, with ``captioner`` being this checkout."""
    _, script = action_script()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "captioner"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m captioner "$@"\n', "utf-8")
    shim.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "CAPTIONER_COMMAND": command,
        "CAPTIONER_PATHS": paths,
        "CAPTIONER_ARGS": args,
    }
    return subprocess.run(["bash", "-e", "-c", script], cwd=workspace, env=env, capture_output=True, text=True)


def test_github_action_runs_check_with_annotations(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "a").mkdir(parents=True)
    (workspace / "b").mkdir()
    (workspace / ".git").mkdir()  # the checkout's root
    shutil.copyfile(SAMPLES / "ja_picovoice_test.flac", workspace / "a" / "one.flac")
    shutil.copyfile(SAMPLES / "de_picovoice_test.flac", workspace / "b" / "two.flac")
    result = run_action(tmp_path, workspace, "check", "a b", f"--report {tmp_path / 'junit.xml'}")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert [GITHUB.match(line)[2] for line in lines[:-1]] == ["a/one.flac", "b/two.flac"]
    assert (tmp_path / "junit.xml").is_file()
    only_a = run_action(tmp_path, workspace, "check", "a", "")
    assert [GITHUB.match(line)[2] for line in only_a.stdout.splitlines()[:-1]] == ["a/one.flac"]
    bad = run_action(tmp_path, workspace, "rm -rf", ".", "")
    assert bad.returncode == 2 and "::error" in bad.stdout


def test_github_annotations_name_files_from_the_checkout_when_the_tree_is_a_folder_of_it(tmp_path: Path) -> None:
    # Found with media/captioner.toml in a checkout: the annotations said file=talks/one.flac, a file
    # GitHub looks for at the checkout's top, so they were attached to nothing.
    workspace = tmp_path / "ws"
    (workspace / "media" / "talks").mkdir(parents=True)
    (workspace / ".git").mkdir()
    (workspace / "media" / "captioner.toml").write_text("", "utf-8")
    shutil.copyfile(SAMPLES / "ja_picovoice_test.flac", workspace / "media" / "talks" / "one.flac")
    result = run_action(tmp_path, workspace, "check", "media", "")
    assert result.returncode == 1, result.stderr
    assert [GITHUB.match(line)[2] for line in result.stdout.splitlines()[:-1]] == ["media/talks/one.flac"]
