"""The studio's cue operations (captioner/edit/static/cueops.js, a module without DOM access) under
Node's own test runner, so that the README's test command runs tests/js too.  Skipped without Node,
except in CI (CI=true; .ci/run installs Debian's nodejs), where a missing Node fails."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

JS_TESTS = sorted((Path(__file__).parent / "js").glob("*.test.mjs"))


def test_cue_operations_under_node() -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the cue operations' tests need Node in CI (apt-get install nodejs)")
        pytest.skip("no node (apt-get install nodejs)")
    assert JS_TESTS, "tests/js holds the cue operations' tests"
    done = subprocess.run([node, "--test", *map(str, JS_TESTS)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    counts = dict(re.findall(r"^# (tests|pass|fail) (\d+)$", done.stdout, re.M))
    assert counts.get("fail") == "0" and counts.get("pass") == counts.get("tests") != "0", done.stdout[-4000:]
