"""The documentation: the site builds without a warning, and what the pages name exists.

``mkdocs build --strict`` fails on a broken link or anchor, a page left out of the nav, or a
reference the API page cannot resolve; the checks after it make sure the generated references
really hold every command and every public name (a directive that renders nothing is no error).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").rglob("*.md"))
README = ROOT / "README.md"


def command_paths(command: click.Command, path: str = "captioner") -> list[str]:
    """``captioner``, ``captioner burn``, ``captioner cache clear``, ...: every command's full name."""
    paths = [path]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            paths += command_paths(sub, f"{path} {name}")
    return paths


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr[-4000:]}"
    return out


def test_site_builds_with_every_page(site: Path) -> None:
    for page in PAGES:
        relative = page.relative_to(ROOT / "docs").with_suffix("")
        built = site / ("index.html" if relative.name == "index" else relative / "index.html")
        assert built.is_file(), f"{page.name} was not built"


def test_cli_reference_documents_every_command(site: Path) -> None:
    from captioner.cli.main import main

    html = (site / "reference" / "cli" / "index.html").read_text()
    headings = re.findall(r'<h\d id="([^"]+)">([^<]+)<', html)
    for path in command_paths(main):
        assert (path.replace(" ", "-"), path) in headings, f"no section {path!r} in the CLI reference"
    ids = [anchor for anchor, _ in headings]
    assert len(ids) == len(set(ids)), f"headings share an anchor: {sorted(ids)}"


def test_api_reference_documents_every_public_name(site: Path) -> None:
    import captioner

    html = (site / "reference" / "api" / "index.html").read_text()
    documented = set(re.findall(r'id="(captioner\.\w+)"', html))
    missing = sorted(f"captioner.{name}" for name in captioner.__all__ if name != "__version__")
    missing = [name for name in missing if name not in documented]
    assert not missing, f"docs/reference/api.md does not document {missing}"
    assert ":func:" not in html and ":class:" not in html  # Sphinx roles became Markdown (docs/griffe_roles.py)


def test_changelog_is_part_of_the_site(site: Path) -> None:
    html = (site / "changelog" / "index.html").read_text()
    assert "Keep a Changelog" in html and "Unreleased" in html


def mentioned_files(text: str) -> set[str]:
    """Repository files a page names in code spans: ``captioner/...``, ``benchmarks/...``, ..."""
    pattern = r"`((?:captioner|benchmarks|tests|samples|docs)/[\w./-]+\.(?:py|json|md|png|mp4|flac|ogg))`"
    return set(re.findall(pattern, text))


@pytest.mark.parametrize("page", [README, ROOT / "CHANGELOG.md", *PAGES], ids=lambda p: p.name)
def test_files_named_in_the_docs_exist(page: Path) -> None:
    text = page.read_text()
    named = mentioned_files(text) | {
        link for link in re.findall(r"\]\(([^)#\s]+)", text) if "://" not in link and page == README
    }
    missing = sorted(name for name in named if not (ROOT / name).exists())
    assert not missing, f"{page.name} names files that do not exist: {missing}"


def test_readme_is_a_short_front_page() -> None:
    text = README.read_text()
    assert len(text.splitlines()) <= 150
    assert "pip install . && captioner samples/jfk.mp4" in text
    assert "pip install -e '.[test]' && pytest" in text
