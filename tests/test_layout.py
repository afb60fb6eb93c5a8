"""The house plan holds: imports flow one way between the stage packages, and no module grows into a
second flat folder."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "captioner"

# Higher imports lower, never the other way.  Same rank: no imports between them.
RANK = {
    "errors": 0,
    "interrupt": 0,
    "paths": 0,
    "core": 1,
    "media": 2,
    "captions": 2,
    "refine": 3,
    "speakers": 3,  # --speakers voices: the voice encoder on NumPy and the clustering (SciPy)
    "output": 3,  # -f scc lays cues out again in 608's 32 columns with captions' line breaking
    "transcription": 4,
    "video": 4,
    "resync": 4,  # pysubs2's files and the fit; the command transcribes (through api) and calls it
    "run": 5,
    "ci": 6,
    "api": 7,
    "edit": 7,
    "testing": 7,
    "cli": 8,
    "__init__": 9,
    "__main__": 9,
}


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("captioner."):
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(a.name for a in node.names if a.name.startswith("captioner."))
    return found


def test_imports_flow_one_way() -> None:
    against = []
    for path in ROOT.rglob("*.py"):
        mine = path.relative_to(ROOT).parts[0].removesuffix(".py")
        assert mine in RANK, f"{mine}: a new top-level package or module needs its place in RANK"
        for module in _imports(path):
            theirs = module.split(".")[1]
            if theirs != mine and RANK.get(theirs, 99) >= RANK[mine]:
                against.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not against, "imports against the layers:\n" + "\n".join(against)


def test_the_top_level_holds_only_packages_and_plumbing() -> None:
    modules = {p.stem for p in ROOT.glob("*.py")}
    assert modules <= {"__init__", "__main__", "api", "errors", "interrupt", "paths"}, modules
