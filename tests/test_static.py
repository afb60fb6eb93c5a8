"""Static checks, run with the tests so that the README's ``pytest`` and CI both run them: mypy on the
package (settings in pyproject.toml's [tool.mypy]: no untyped definitions) and ruff on all the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_mypy_finds_no_errors() -> None:
    result = run_module("mypy", "captioner")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_ruff_finds_nothing() -> None:
    result = run_module("ruff", "check", "captioner", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr
