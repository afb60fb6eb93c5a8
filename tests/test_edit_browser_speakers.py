"""Speakers in the caption studio (issue 27), in a real headless Chromium: each cue shows who says it
(from the caption files), a person changes it, and the save writes it in every format that carries
one, read back by independent readers (srt, webvtt-py, ElementTree for TTML, pysubs2 for ASS).
The fixtures are test_edit_browser's."""

# ruff: noqa: F811 (the fixtures imported from edit_support are used as arguments)

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pysubs2
import pytest
import srt
import webvtt
from edit_support import browser, captioned, serve, tree  # noqa: F401
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from test_edit_browser import open_media, wait

from captioner.edit import captions

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TTML = "{http://www.w3.org/ns/ttml}"
TTM = "{http://www.w3.org/ns/ttml#metadata}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
FORMATS = ["srt", "vtt", "ttml", "ass", "txt"]


def voiced_tree(root: Path) -> list[str]:
    """jfk's captions rewritten with speakers (Ann says the first cue, Bob the rest) in every format;
    the cues' texts."""
    (root / "captioner.toml").write_text(f"formats = {FORMATS!r}\n".replace("'", '"'), "utf-8")
    cues, _ = captions.read_cues(root, "jfk.mp4")
    voiced = [replace(c, voices=("Ann",) if k == 0 else ("Bob",)) for k, c in enumerate(cues)]
    captions.write_all(root, "jfk.mp4", captions.render_all(voiced, FORMATS, "en"))
    return [c.text for c in cues]


def ttml_agents(path: Path) -> list[list[str]]:
    """Each paragraph's speakers, by name, as the TTML's ttm:agent references say."""
    doc = ET.parse(path).getroot()
    names = {a.get(XML_ID): a.find(f"{TTM}name").text for a in doc.iter(f"{TTM}agent")}
    return [[names[ref] for ref in (p.get(f"{TTM}agent") or "").split()] for p in doc.iter(f"{TTML}p")]


def test_a_cues_speaker_is_shown_changed_and_saved_in_every_format(browser, tree: Path, serve) -> None:
    texts = voiced_tree(tree)
    assert len(texts) >= 3
    app = serve(tree)
    open_media(browser, app)
    heads = browser.find_elements(By.CSS_SELECTOR, "#cues li.cue .cue-speaker")
    assert [h.text for h in heads] == ["Ann"] + ["Bob"] * (len(texts) - 1)
    assert browser.execute_script("return studio.cues[0].text") == texts[0]  # the label is not text
    browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[1].click()
    field = browser.find_element(By.ID, "cue-speaker")
    wait(browser, "document.getElementById('cue-speaker').value === 'Bob'")
    assert browser.execute_script(
        "return [...document.querySelectorAll('#speaker-names option')].map(o => o.value)"
    ) == ["Ann", "Bob"]
    field.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    field.send_keys("Cleo", Keys.ENTER)
    wait(browser, "studio.cues[1].voices.join() === 'Cleo' && studio.dirty")
    assert browser.find_elements(By.CSS_SELECTOR, "#cues li.cue .cue-speaker")[1].text == "Cleo"
    field.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    field.send_keys("Tom <b>", Keys.ENTER)  # refused: WebVTT would read it as markup
    wait(browser, "document.getElementById('status').className === 'error'")
    assert browser.execute_script("return studio.cues[1].voices.join()") == "Cleo"
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "s")
    wait(browser, "document.getElementById('status').textContent.startsWith('Saved')")

    said = ["Ann", "Cleo"] + ["Bob"] * (len(texts) - 2)
    subs = list(srt.parse((tree / "jfk.srt").read_text("utf-8")))
    assert [s.content for s in subs[:3]] == [f"Ann: {texts[0]}", f"Cleo: {texts[1]}", f"Bob: {texts[2]}"]
    assert [c.voice for c in webvtt.read(str(tree / "jfk.vtt")).captions] == said
    assert [c.text for c in webvtt.read(str(tree / "jfk.vtt")).captions] == texts
    assert ttml_agents(tree / "jfk.ttml") == [[name] for name in said]
    assert [e.name for e in pysubs2.load(str(tree / "jfk.ass"))] == said
    assert (tree / "jfk.txt").read_text("utf-8").splitlines()[1] == f"Cleo: {texts[1]}"
    # Read back by the studio after a reload: the speakers as saved, the text without labels.
    open_media(browser, app)
    assert browser.execute_script("return studio.cues.map(c => c.voices.join())") == said
    assert browser.execute_script("return studio.cues.map(c => c.text)") == texts
