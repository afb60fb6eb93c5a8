"""The command line at its edges: a missing extra, a bad language, usage lines, Ctrl-C."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES

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


def captioner(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "captioner", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        cwd=cwd,
        timeout=300,
    )


@pytest.mark.parametrize("command", ["run", "sync"])
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
