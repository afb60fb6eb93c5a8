"""docs/edit.md's table of keys names every key the media page answers (captioner/edit/static/keys.js),
so that a key added to the page is a key documented (issue 27: "document the keys")."""

from __future__ import annotations

import re

from conftest import ROOT

ARROWS = {"ArrowLeft": "←", "ArrowRight": "→", "ArrowUp": "↑", "ArrowDown": "↓", " ": "Space", "Escape": "Esc"}


def page_keys() -> set[str]:
    """Every key name of keys.js's tables, as the documentation writes it (Ctrl+S, Alt+←, K)."""
    source = (ROOT / "captioner" / "edit" / "static" / "keys.js").read_text("utf-8")
    tables = re.findall(r"const (?:everywhere|outside) = \{(.*?)\n\};", source, re.S)
    names = [m.group(1) or m.group(2) for t in tables for m in re.finditer(r'"([^"]+)":|(\w+):', t)]
    names.append("Escape")  # leave-text, the one key of the text box outside the tables
    out = set()
    for name in names:
        *mods, key = name.split("+") if name not in ("Ctrl+ ",) else ["Ctrl", " "]
        key = ARROWS.get(key, key.upper() if len(key) == 1 else key)
        out.add("+".join([*mods, key]))
    return out


def documented_keys() -> set[str]:
    text = (ROOT / "docs" / "edit.md").read_text("utf-8").split("### Keys", 1)[1]
    cells = [row.split("|")[1].strip() for row in text.splitlines() if row.startswith("| ") and "---" not in row]
    out = set()
    for cell in cells:
        for part in re.split(r" / | or ", re.sub(r"\s*\(.*?\)", "", cell)):
            out.add(part.strip())
    return out


def test_every_key_of_the_page_is_in_the_documentation() -> None:
    keys = page_keys()
    assert len(keys) > 30 and {"Ctrl+Space", "Alt+Shift+←", "K", "Delete", "Esc"} <= keys
    assert sorted(keys - documented_keys()) == []
