"""Find and replace across the tree from the studio's index page (issue 27), in a real headless
Chromium: a preview of every cue that would change, by file; Replace all saves file by file with each
file's stale-save check (a file changed on disk since the search read it is refused, the others
saved); Undo puts back exactly the bytes replaced.  The fixtures are test_edit_browser's."""

# ruff: noqa: F811 (the fixtures imported from edit_support are used as arguments)

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import srt
from edit_support import browser, captioned, serve, tree  # noqa: F401
from selenium.webdriver.common.by import By
from test_edit_browser import wait

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_find_and_replace_across_the_tree_with_a_preview_and_an_exact_undo(browser, tree: Path, serve) -> None:
    (tree / "sub").mkdir()
    for ext in ("mp4", "srt", "vtt"):
        shutil.copyfile(tree / f"jfk.{ext}", tree / "sub" / f"speech.{ext}")
    said = (tree / "jfk.srt").read_text("utf-8")
    per_file = said.count("country")
    assert per_file >= 1 and "Country" not in said
    app = serve(tree)
    browser.get(app.server.url)
    wait(browser, "document.body.dataset.ready")
    browser.find_element(By.CSS_SELECTOR, "#tree-find-bar summary").click()
    browser.find_element(By.ID, "tree-case").click()
    browser.find_element(By.ID, "tree-find").send_keys("Country")
    wait(browser, "document.body.dataset.treeFind === '0' && document.getElementById('tree-count').textContent")
    browser.find_element(By.ID, "tree-case").click()  # any case: both files
    wait(browser, f"document.body.dataset.treeFind === '{2 * per_file}'")
    browser.find_element(By.ID, "tree-word").click()
    browser.find_element(By.ID, "tree-replace").send_keys("land")
    wait(
        browser,
        "document.querySelector('#tree-results ins') && "
        "document.querySelector('#tree-results ins').textContent.includes('land')",
    )
    paths = {li.get_attribute("data-path") for li in browser.find_elements(By.CSS_SELECTOR, "#tree-results li")}
    assert paths == {"jfk.mp4", "sub/speech.mp4"}
    # Changed on disk after the search read it: refused, while jfk.mp4's captions are replaced.
    changed = (tree / "sub" / "speech.srt").read_text("utf-8").replace("Americans", "citizens")
    (tree / "sub" / "speech.srt").write_text(changed, "utf-8")
    before = snapshot(tree)
    browser.find_element(By.ID, "tree-replace-all").click()
    wait(browser, "document.body.dataset.treeDone === '1'")
    message = browser.find_element(By.ID, "tree-status").text
    assert "Replaced in 1 file(s)" in message and "sub/speech.mp4" in message and "changed on disk" in message
    assert all("country" not in s.content for s in srt.parse((tree / "jfk.srt").read_text("utf-8")))
    assert "land" in (tree / "jfk.srt").read_text("utf-8") and "land" in (tree / "jfk.vtt").read_text("utf-8")
    assert (tree / "sub" / "speech.srt").read_text("utf-8") == changed  # not overwritten
    browser.find_element(By.ID, "tree-undo").click()
    wait(browser, "document.body.dataset.treeDone === '2'")
    assert "Undone in 1 file(s)" in browser.find_element(By.ID, "tree-status").text
    after = snapshot(tree)
    assert {k: v for k, v in after.items() if not k.startswith(".")} == {
        k: v for k, v in before.items() if not k.startswith(".")
    }
