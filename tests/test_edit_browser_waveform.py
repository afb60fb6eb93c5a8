"""The waveform's shot changes and time ruler (issue 27), in a real headless Chromium: ffmpeg's scene
score finds the cuts of a video made with two (computed once, then from the cache), a marker is drawn
at each, a nudged cue edge stops on the cut it passes; the ruler labels the time.  The fixtures are
test_edit_browser's."""

# ruff: noqa: F811 (the fixtures imported from edit_support are used as arguments)

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from edit_support import browser, captioned, serve, tree  # noqa: F401
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from test_edit_browser import open_media, wait

from captioner.edit import captions
from captioner.edit.shots import shots_path
from captioner.media.ffmpeg import ffmpeg_exe
from captioner.media.hashing import file_sha256

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CUTS = (3.0, 6.4)  # on the 10 fps video's frames


def cut_video(root: Path) -> None:
    """cuts.mp4: jfk's audio under a 10 fps picture that is red, then blue from 3.0 s, then green
    from 6.4 s; jfk's captions as its own."""
    graph = (
        f"color=red:s=160x120:r=10:d={CUTS[0]}[a];color=blue:s=160x120:r=10:d={CUTS[1] - CUTS[0]:.1f}[b];"
        "color=green:s=160x120:r=10:d=4.6[c];[a][b][c]concat=n=3:v=1:a=0"
    )
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-f", "lavfi", "-i", graph, "-i", str(root / "jfk.mp4"),
         "-map", "0:v", "-map", "1:a", "-c:a", "copy", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         str(root / "cuts.mp4")],
        check=True,
    )  # fmt: skip
    for ext in ("srt", "vtt"):
        shutil.copyfile(root / f"jfk.{ext}", root / f"cuts.{ext}")


def test_shot_changes_are_drawn_cached_and_snap_a_nudged_edge(browser, tree: Path, serve) -> None:
    cut_video(tree)
    cues, _ = captions.read_cues(tree, "cuts.mp4")
    assert cues[0].end + 0.08 < CUTS[0] - 0.1 and cues[1].end > CUTS[0] + 0.3  # room to nudge over the cut
    cache = shots_path(file_sha256(tree / "cuts.mp4"))
    cache.unlink(missing_ok=True)
    app = serve(tree)
    open_media(browser, app, "cuts.mp4")
    wait(browser, "document.body.dataset.shots === '2'")
    assert browser.execute_script("return studio.shots") == list(CUTS)
    assert cache.read_text("utf-8") == "[3.0, 6.4]"  # kept: the next page reads it
    markers = browser.execute_script(
        "return [...document.querySelector('#waveform > div').shadowRoot.querySelectorAll('[part~=\"marker\"]')]"
        ".map(m => m.getAttribute('part'))"
    )
    assert len(markers) == 2, markers
    labels = browser.execute_script(
        "return [...document.querySelector('#waveform > div').shadowRoot"
        ".querySelectorAll('[part~=\"timeline-notch-primary\"]')].map(n => n.textContent)"
    )
    assert labels[:2] == ["0:00", "0:10"], labels
    # A start typed 0.25 s after the cut, nudged a frame (0.1 s) earlier three times: 0.15, 0.05,
    # then it passes the cut and stops on it (without the rule: 0.05 s before it).
    browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[1].click()
    start = browser.find_element(By.ID, "cue-start")
    wait(browser, "document.getElementById('cue-start').value !== ''")
    start.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    start.send_keys("3.25", Keys.ENTER)
    wait(browser, "studio.cues[1].start === 3.25")
    body = browser.find_element(By.TAG_NAME, "body")
    for expected in (3.15, 3.05, 3.0, 2.9):
        body.send_keys(Keys.ALT, Keys.ARROW_LEFT)
        wait(browser, f"studio.cues[1].start === {expected}")
    cache.write_text("[1.5]", "utf-8")  # served from the cache, not computed again
    open_media(browser, app, "cuts.mp4")
    wait(browser, "document.body.dataset.shots === '1'")
    cache.unlink()
