"""The house plan holds: imports flow one way between the stage packages (every import form read:
``import captioner.x``, ``from captioner import x``, ``from captioner.x import y``, relative ones,
and those inside functions), no two packages import each other, no module grows into a second
flat folder, and docs/architecture.md draws the very layers held here."""

from __future__ import annotations

import ast
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "captioner"
ARCHITECTURE = ROOT.parent / "docs" / "architecture.md"

# Higher imports lower, never the other way.  Same rank: no imports between them.
RANK = {
    "errors": 0,
    "interrupt": 0,
    "paths": 0,
    "version": 0,
    "core": 1,
    "media": 2,
    "captions": 2,
    "refine": 3,
    "speakers": 3,  # --speakers voices: the voice encoder on NumPy and the clustering (SciPy)
    "output": 3,  # -f scc lays cues out again in 608's 32 columns with captions' line breaking
    "transcription": 4,
    "video": 4,
    "resync": 4,  # the format table's files and the fit; the command transcribes (through api) and calls it
    "run": 5,
    "ci": 6,
    "api": 7,
    "edit": 7,
    "testing": 7,
    "cli": 8,
    "__init__": 9,
    "__main__": 9,
}
# The layer diagram's names for the top (the package itself) and the plumbing are left out of it.
UNDRAWN = {"__init__", "__main__"}


def _module_name(path: Path) -> str:
    """``captioner.a.b`` for captioner/a/b.py, ``captioner.a`` for captioner/a/__init__.py."""
    parts = ("captioner", *path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> list[str]:
    """The captioner modules ``source`` (the text of ``module``) imports, absolute, in every form:
    ``from captioner import x`` names ``captioner.x``; relative imports are resolved."""
    found = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(a.name for a in node.names if a.name == "captioner" or a.name.startswith("captioner."))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            if base == "captioner" or (node.level and not node.module):  # names of a package: its modules
                found.extend(f"{base}.{a.name}" if _is_module(f"{base}.{a.name}") else base for a in node.names)
            elif base.startswith("captioner."):
                found.append(base)
    return found


def _is_module(name: str) -> bool:
    """Whether ``captioner.x.y`` is a module or package (else a name defined in its parent)."""
    path = ROOT.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _top(module: str) -> str:
    """The package (or top-level module) of ``captioner.x...``; ``captioner`` itself is __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _graph() -> dict[str, set[str]]:
    """Each top-level package's imports of the others, and the offending lines' files."""
    graph: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        mine = path.relative_to(ROOT).parts[0].removesuffix(".py")
        source = path.read_text("utf-8")
        for module in imported_modules(source, _module_name(path), path.name == "__init__.py"):
            theirs = _top(module)
            if theirs != mine:
                graph.setdefault(mine, set()).add(theirs)
    return graph


def test_imports_flow_one_way() -> None:
    against = []
    for path in ROOT.rglob("*.py"):
        mine = path.relative_to(ROOT).parts[0].removesuffix(".py")
        assert mine in RANK, f"{mine}: a new top-level package or module needs its place in RANK"
        source = path.read_text("utf-8")
        for module in imported_modules(source, _module_name(path), path.name == "__init__.py"):
            theirs = _top(module)
            if theirs != mine and RANK.get(theirs, 99) >= RANK[mine]:
                against.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not against, "imports against the layers:\n" + "\n".join(sorted(against))


def test_no_two_packages_import_each_other() -> None:
    try:
        tuple(TopologicalSorter(_graph()).static_order())
    except CycleError as exc:
        raise AssertionError(f"packages import each other in a circle: {' -> '.join(exc.args[1])}") from None


def test_every_import_form_is_read() -> None:
    source = "\n".join(
        [
            "import captioner.core.cues",
            "from captioner import interrupt, paths, __version__",
            "from captioner.media.audio import SAMPLE_RATE",
            "from . import speech, speech_regions_of_nothing",
            "from .. import errors",
            "from ..output.writers import render",
            "from .refine import refine",
            "def later():",
            "    from captioner.run import jobs",
            "    import os, captioner.api",
        ]
    )
    assert imported_modules(source, "captioner.refine.refine") == [
        "captioner.core.cues",
        "captioner.interrupt",
        "captioner.paths",
        "captioner",  # a name the package's __init__ defines
        "captioner.media.audio",
        "captioner.refine.speech",
        "captioner.refine",
        "captioner.errors",
        "captioner.output.writers",
        "captioner.refine.refine",
        "captioner.run",
        "captioner.api",
    ]
    assert imported_modules("from . import audio", "captioner.media", is_package=True) == ["captioner.media.audio"]


def drawn_layers(markdown: str) -> dict[int, set[str]]:
    """The layers of architecture.md's import-rule diagram: ``L5[run]`` ... by number."""
    section = markdown.split("## The import rule", 1)[1].split("```mermaid", 1)[1].split("```", 1)[0]
    layers: dict[int, set[str]] = {}
    for number, names in re.findall(r"L(\d+)\[([^\]]*)\]", section):
        layers[int(number)] = {name.strip() for name in names.split("·")}
    return layers


def held_layers() -> dict[int, set[str]]:
    layers: dict[int, set[str]] = {}
    for name, rank in RANK.items():
        if name not in UNDRAWN:
            layers.setdefault(rank, set()).add(name)
    return layers


def test_the_architecture_page_draws_these_layers() -> None:
    drawn, held = drawn_layers(ARCHITECTURE.read_text("utf-8")), held_layers()
    top = max(held)
    want = "\n".join(
        f"    L{r}[{' · '.join(sorted(held[r]))}] --> L{r - 1}" + (f"[{' · '.join(sorted(held[0]))}]" if r == 1 else "")
        for r in range(top, 0, -1)
    )
    assert drawn == held, f"docs/architecture.md's import-rule diagram should read (names in any order):\n{want}"


def test_the_top_level_holds_only_packages_and_plumbing() -> None:
    modules = {p.stem for p in ROOT.glob("*.py")}
    assert modules <= {"__init__", "__main__", "api", "errors", "interrupt", "paths", "version"}, modules
