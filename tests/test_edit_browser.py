"""``captioner edit`` in a real headless Chromium (Debian's, driven by Selenium): the index, a media
page playing jfk.mp4 with its captions made by the real pipeline, editing and saving, a stale save,
caption markup shown as text, and cues retimed on the waveform."""

# ruff: noqa: F811 (the fixtures imported from edit_support are used as arguments)

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import srt
import webvtt
from edit_support import browser, captioned, check_states, serve, tree  # noqa: F401
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

pytestmark = [pytest.mark.slow, pytest.mark.browser]  # the studio server and a browser, on captions the model made


def wait(driver, script: str, timeout: float = 120.0):
    """Poll a JavaScript expression until it is truthy; its value (``timeout``: a safety net)."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(f"return ({script});")
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {script}")
        time.sleep(0.05)


def seconds(stamp: str) -> float:
    """A WebVTT timestamp in seconds (webvtt-py's ``start_in_seconds`` drops the milliseconds)."""
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def open_media(driver, app, rel: str = "jfk.mp4") -> None:
    driver.get(f"{app.base}/edit?path={rel}&token={app.token}")
    wait(driver, "document.body.dataset.cues === 'painted'")


def test_index_lists_media_with_their_state(browser, tree: Path, serve) -> None:
    app = serve(tree)
    browser.get(app.server.url)
    wait(browser, "document.body.dataset.ready")
    rows = browser.find_elements(By.CSS_SELECTOR, "#files tbody tr")
    assert [r.get_attribute("data-path") for r in rows] == ["jfk.mp4"]
    cells = [c.text for c in rows[0].find_elements(By.TAG_NAME, "td")]
    assert cells[:5] == ["jfk.mp4", "ok", "en", "0:11", "4"]
    browser.find_element(By.ID, "filter").send_keys("nothing-like-this")
    assert not browser.find_elements(By.CSS_SELECTOR, "#files tbody tr")
    browser.find_element(By.ID, "filter").send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    wait(browser, "document.querySelectorAll('#files tbody tr').length === 1")
    browser.find_element(By.LINK_TEXT, "jfk.mp4").click()
    wait(browser, "document.body.dataset.cues === 'painted'")
    assert browser.find_element(By.ID, "title").text == "jfk.mp4"


def test_player_track_playback_and_click_to_seek(browser, tree: Path, serve) -> None:
    app = serve(tree)
    open_media(browser, app)
    vtt = webvtt.read(str(tree / "jfk.vtt")).captions
    assert browser.execute_script("return document.getElementById('player').textTracks[0].cues.length") == len(vtt)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")) == len(vtt)
    # Playing advances time, and the cue being spoken is highlighted.
    second = (seconds(vtt[1].start) + seconds(vtt[1].end)) / 2
    browser.execute_script(f"const v = document.getElementById('player'); v.currentTime = {second - 0.4}; v.play();")
    wait(browser, f"document.getElementById('player').currentTime > {second}")
    wait(browser, "document.querySelector('#cues li.current')")
    current = browser.execute_script("return document.querySelector('#cues li.current').dataset.index")
    assert current == "1"
    browser.execute_script("document.getElementById('player').pause()")
    # Clicking the third cue seeks the player to its start (within a frame or two).
    frame = browser.execute_script("return studio.doc.frame")
    assert frame == pytest.approx(0.1)  # jfk.mp4 is 10 frames a second
    browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[2].click()
    wait(browser, "!document.getElementById('player').seeking")
    now = browser.execute_script("return document.getElementById('player').currentTime")
    assert abs(now - seconds(vtt[2].start)) <= 2 * frame
    assert browser.execute_script("return studio.selected") == 2


def test_edit_save_and_check_says_edited(browser, tree: Path, serve) -> None:
    app = serve(tree)
    open_media(browser, app)
    browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[0].click()
    editor = browser.find_element(By.CSS_SELECTOR, "#cues li.selected textarea.cue-edit")
    editor.send_keys(Keys.END, " indeed")
    wait(browser, "studio.dirty")
    editor.send_keys(Keys.CONTROL, "s")
    wait(browser, "document.getElementById('status').textContent.startsWith('Saved')")
    subs = list(srt.parse((tree / "jfk.srt").read_text("utf-8")))
    assert subs[0].content == "And so my fellow Americans, indeed"
    assert webvtt.read(str(tree / "jfk.vtt")).captions[0].text == "And so my fellow Americans, indeed"
    assert check_states(tree) == {"jfk.mp4": "edited"}
    assert not browser.execute_script("return studio.dirty")
    # The word typed has no confidence; the others keep theirs.
    wait(browser, "document.querySelector('#cues li.cue .w-none')")
    typed = browser.find_elements(By.CSS_SELECTOR, "#cues li.cue[data-index='0'] .w-none")
    assert [t.text for t in typed] == ["indeed"]


def test_a_stale_save_is_refused_and_the_text_is_kept(browser, tree: Path, serve) -> None:
    app = serve(tree)
    open_media(browser, app)
    browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[1].click()
    editor = browser.find_element(By.CSS_SELECTOR, "#cues li.selected textarea.cue-edit")
    editor.send_keys(Keys.END, ", never")
    theirs = (tree / "jfk.srt").read_text("utf-8").replace("ask not", "ask not (sync)")
    (tree / "jfk.srt").write_text(theirs, "utf-8")
    browser.find_element(By.ID, "save").click()
    wait(browser, "document.getElementById('status').className === 'error'")
    assert "changed on disk" in browser.find_element(By.ID, "status").text
    assert editor.get_attribute("value") == "ask not, never"
    assert browser.execute_script("return studio.dirty && studio.cues[1].text") == "ask not, never"
    assert (tree / "jfk.srt").read_text("utf-8") == theirs


def test_caption_markup_is_shown_as_text(browser, tree: Path, serve) -> None:
    subs = list(srt.parse((tree / "jfk.srt").read_text("utf-8")))
    subs[0].content = "<b>x</b><script>window.pwned = 1</script>"
    (tree / "jfk.srt").write_text(srt.compose(subs), "utf-8")
    app = serve(tree)
    open_media(browser, app)
    first = browser.find_element(By.CSS_SELECTOR, "#cues li.cue .cue-words")
    assert first.text == "<b>x</b><script>window.pwned = 1</script>"
    assert not browser.find_elements(By.CSS_SELECTOR, "#cues b, #cues script")
    assert browser.execute_script("return window.pwned") is None
    shown = browser.execute_script(
        "return document.getElementById('player').textTracks[0].cues[0].getCueAsHTML().textContent"
    )
    assert shown == "<b>x</b><script>window.pwned = 1</script>"


def test_waveform_regions_retime_cues_with_undo(browser, tree: Path, serve) -> None:
    app = serve(tree)
    open_media(browser, app)
    wait(browser, "document.body.dataset.waveform === 'ready' && studio.regions().length")
    assert browser.execute_script("return studio.regions().length") == 4
    before = browser.execute_script("return studio.cues[2].end")
    host = browser.find_element(By.CSS_SELECTOR, "#waveform > div")
    handle = host.shadow_root.find_element(By.CSS_SELECTOR, "[part~='cue-2'] [part~='region-handle-right']")
    ActionChains(browser).click_and_hold(handle).move_by_offset(25, 0).move_by_offset(25, 0).release().perform()
    wait(browser, f"studio.cues[2].end > {before + 0.2}")
    assert browser.execute_script("return studio.dirty")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.CONTROL, "z")
    wait(browser, f"Math.abs(studio.cues[2].end - {before}) < 0.001")
    region_end = browser.execute_script("return studio.regions().find(r => r.id === 'cue-2').end")
    assert abs(region_end - before) < 0.001


def test_review_html_page_plays_offline_and_shows_markup_as_text(browser, tree: Path) -> None:
    from click.testing import CliRunner

    from captioner.cli.main import main

    subs = list(srt.parse((tree / "jfk.srt").read_text("utf-8")))
    subs[0].content = "<b>x</b></script><script>window.pwned = 1</script>"
    (tree / "jfk.srt").write_text(srt.compose(subs), "utf-8")
    result = CliRunner().invoke(main, ["review", "--html", str(tree / "out"), str(tree / "jfk.mp4")])
    assert result.exit_code == 0, result.stderr
    browser.get((tree / "out" / "jfk.mp4.html").as_uri())
    wait(browser, "document.getElementById('player').readyState >= 1")  # the media beside the tree plays
    assert len(browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")) == len(subs)
    assert browser.execute_script("return document.getElementById('player').textTracks[0].cues.length") == len(subs)
    assert browser.find_element(By.CSS_SELECTOR, "#cues li.cue .cue-words").text == subs[0].content
    assert browser.execute_script("return window.pwned") is None
    browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[2].click()
    wait(browser, "!document.getElementById('player').seeking")
    assert (
        abs(
            browser.execute_script("return document.getElementById('player').currentTime")
            - subs[2].start.total_seconds()
        )
        < 0.2
    )


def test_split_merge_add_delete_undo_and_a_retranscribed_proposal(browser, tree: Path, serve) -> None:
    app = serve(tree)
    open_media(browser, app)
    original = browser.execute_script("return studio.cues.map(c => [c.start, c.end, c.text])")

    def click(button_id: str) -> None:
        browser.find_element(By.ID, button_id).click()

    def texts() -> list[str]:
        return browser.execute_script("return studio.cues.map(c => c.text)")

    browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[3].click()  # "ask what you can do for your country."
    wait(browser, "!document.getElementById('player').seeking")
    browser.execute_script(f"document.getElementById('player').currentTime = {(original[3][0] + original[3][1]) / 2}")
    click("split")
    assert len(texts()) == 5
    assert " ".join(texts()[3:5]) == original[3][2] and all(texts()[3:5])
    click("merge")
    wait(browser, "studio.cues.length === 4")
    assert texts()[3] == original[3][2]
    click("delete")
    assert len(texts()) == 3
    browser.execute_script("document.getElementById('player').currentTime = 10.7")
    click("add")
    wait(browser, "studio.cues.length === 4 && studio.cues[3].text === ''")
    assert browser.execute_script("return studio.cues[3].errors.length") > 0  # an empty cue cannot be saved
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(5):
        body.send_keys(Keys.ESCAPE)
        body.send_keys(Keys.CONTROL, "z")
    assert browser.execute_script("return studio.cues.map(c => [c.start, c.end, c.text])") == original
    # Re-transcribe the third cue with the local engine; the proposal replaces it once accepted.
    browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[2].click()
    click("retranscribe")
    wait(browser, "!document.getElementById('proposal').hidden", timeout=120)
    proposed = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#proposal-cues li.cue .cue-words")]
    assert proposed and all(proposed)
    # The proposal against the text it replaces, word by word: what is not struck is the proposal,
    # what is not marked new is the current text.
    diff = "const box = document.getElementById('proposal-diff'); return [...box.childNodes]"
    kept = browser.execute_script(f"{diff}.filter(n => n.nodeName !== 'DEL').map(n => n.textContent).join('')")
    old = browser.execute_script(f"{diff}.filter(n => n.nodeName !== 'INS').map(n => n.textContent).join('')")
    assert kept.split() == " ".join(proposed).split()
    assert old.split() == original[2][2].split()
    click("accept")
    wait(browser, "document.getElementById('proposal').hidden")
    assert " ".join(texts()[2 : 2 + len(proposed)]) == " ".join(proposed)
    body.send_keys(Keys.CONTROL, "s")
    wait(browser, "document.getElementById('status').textContent.startsWith('Saved')")
    assert [s.content for s in srt.parse((tree / "jfk.srt").read_text("utf-8"))] == texts()


def test_split_at_the_player_time_cuts_between_the_words_heard_there(browser, tree: Path, serve) -> None:
    """Issue 27, defect 1: the cut was placed by the share of time, not at the words: splitting at
    the end of a long first word put the next words in the first half too."""
    from captioner.ci.config import load_config
    from captioner.ci.status import Scanner
    from captioner.edit.transcripts import Transcripts

    app = serve(tree)
    open_media(browser, app)
    start, end, text = browser.execute_script("const c = studio.cues[3]; return [c.start, c.end, c.text]")
    transcript, _ = Transcripts(Scanner(tree.resolve(), load_config(tree))).find("jfk.mp4")
    heard = [w for w in transcript.words if start - 0.05 <= (w.start + w.end) / 2 <= end + 0.05]
    assert [w.text for w in heard] == text.split()  # "ask what you can do for your country."
    # The boundary where the share of time (main's rule) points at another word than the one heard.
    n = len(heard)

    def by_share(k: int) -> int:
        return min(n - 1, max(1, round(n * ((heard[k - 1].end + heard[k].start) / 2 - start) / (end - start))))

    cut = max(range(1, n), key=lambda k: abs(by_share(k) - k))
    assert by_share(cut) != cut
    first, second = heard[cut - 1], heard[cut]
    at = (first.end + second.start) / 2
    browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[3].click()
    wait(browser, "!document.getElementById('player').seeking")
    browser.execute_script(f"document.getElementById('player').currentTime = {at}")
    wait(browser, f"Math.abs(document.getElementById('player').currentTime - {at}) < 0.01")
    browser.find_element(By.ID, "split").click()
    halves = browser.execute_script("return studio.cues.slice(3, 5).map(c => [c.start, c.end, c.text])")
    assert [h[2] for h in halves] == [" ".join(text.split()[:cut]), " ".join(text.split()[cut:])]
    assert halves[0][0] == start and halves[0][1] == pytest.approx(first.end, abs=0.001)
    assert halves[1][0] == pytest.approx(second.start, abs=0.001) and halves[1][1] == end


def test_marking_cues_reviewed_survives_a_reload_and_shows_in_the_index(browser, tree: Path, serve) -> None:
    app = serve(tree)
    open_media(browser, app)
    browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[2].click()
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys("v")
    wait(browser, "studio.cues[2].reviewed && document.querySelector('#cues li.cue[data-index=\"2\"].reviewed')")
    assert browser.execute_script("return studio.cues.map(c => !!c.reviewed)") == [False, False, True, False]
    body.send_keys(Keys.CONTROL, "s")
    wait(browser, "document.getElementById('status').textContent.startsWith('Saved')")
    assert "jfk.reviewed" in browser.find_element(By.ID, "status").text
    open_media(browser, app)  # a reload: the mark comes from the file beside the media
    assert browser.execute_script("return studio.cues.map(c => !!c.reviewed)") == [False, False, True, False]
    assert browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[2].find_elements(By.CSS_SELECTOR, ".flag-reviewed")
    browser.get(app.server.url)
    wait(browser, "document.body.dataset.ready")
    cells = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#files tbody tr td")]
    assert cells[-1] == "1/4"


def test_space_on_the_focused_player_toggles_once(browser, tree: Path, serve) -> None:
    """Issue 27, defect 8: with the video element focused, Space paused and played again at once
    (the player's own key and the page's)."""
    app = serve(tree)
    open_media(browser, app)
    browser.execute_script(
        "const v = document.getElementById('player'); window.toggles = [];"
        "v.addEventListener('play', () => toggles.push('play'));"
        "v.addEventListener('pause', () => toggles.push('pause'));"
        "v.focus();"
    )
    assert browser.execute_script("return document.activeElement.id") == "player"
    ActionChains(browser).send_keys(" ").perform()
    wait(browser, "document.getElementById('player').currentTime > 0.5")  # it plays on (a double toggle stops it)
    browser.execute_script("document.getElementById('player').pause()")
    wait(browser, "toggles.length >= 2")
    assert browser.execute_script("return toggles") == ["play", "pause"]


def test_the_counts_follow_edits(browser, tree: Path, serve) -> None:
    """Issue 27, defect 8: the cue counts were written once, when the page loaded."""
    app = serve(tree)
    open_media(browser, app)
    counts = browser.find_element(By.ID, "counts")
    assert counts.text.startswith("4 cues")
    browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[1].click()
    browser.find_element(By.ID, "delete").click()
    wait(browser, "document.getElementById('counts').textContent.startsWith('3 cues')")
    browser.find_element(By.TAG_NAME, "body").send_keys("v")
    wait(browser, "document.getElementById('counts').textContent.includes('1/3 reviewed')")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "z")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "z")
    wait(browser, "document.getElementById('counts').textContent.startsWith('4 cues')")
    assert "0/4 reviewed" in counts.text


def test_a_drag_starting_inside_a_cue_selects_a_range(browser, tree: Path, serve) -> None:
    """Issue 27, defect 8: a drag that started on a cue's region moved the cue; it selects a range
    (a cue moves with Alt held, or by its edges)."""
    app = serve(tree)
    open_media(browser, app)
    wait(browser, "document.body.dataset.waveform === 'ready' && studio.regions().length")
    before = browser.execute_script("return studio.cues.map(c => [c.start, c.end])")
    host = browser.find_element(By.CSS_SELECTOR, "#waveform > div")
    region = host.shadow_root.find_element(By.CSS_SELECTOR, "[part~='cue-1']")
    drag = ActionChains(browser).move_to_element(region).click_and_hold()
    drag.move_by_offset(20, 0).move_by_offset(30, 0).release().perform()
    wait(browser, "studio.range || studio.dirty")
    assert browser.execute_script("return studio.cues.map(c => [c.start, c.end])") == before  # main moved the cue
    start, end = browser.execute_script("return [studio.range.start, studio.range.end]")
    assert before[1][0] < start < before[1][1] and end > start + 0.2
    assert not browser.execute_script("return studio.dirty")
    # Clicking inside a region (off the range's edges) still selects its cue.
    ActionChains(browser).move_to_element_with_offset(region, -8, 0).click().perform()
    wait(browser, "studio.selected === 1")
    # With Alt held, a drag moves the cue.
    move = ActionChains(browser).key_down(Keys.ALT).move_to_element_with_offset(region, -8, 0).click_and_hold()
    move.move_by_offset(10, 0).move_by_offset(10, 0).release().key_up(Keys.ALT).perform()
    wait(browser, f"studio.cues[1].start > {before[1][0] + 0.05}")
    # Shift does as Alt (some desktops take Alt+drag to move windows).
    moved = browser.execute_script("return studio.cues[1].start")
    move = ActionChains(browser).key_down(Keys.SHIFT).move_to_element_with_offset(region, -8, 0).click_and_hold()
    move.move_by_offset(10, 0).move_by_offset(10, 0).release().key_up(Keys.SHIFT).perform()
    wait(browser, f"studio.cues[1].start > {moved + 0.05}")


def test_captions_made_for_an_uncaptioned_file_say_how_to_record_them(browser, tree: Path, serve) -> None:
    """Issue 27, defect 8: captions created in the studio left check failing (lock entry missing)
    without a word; the studio says which command records them, and that command does."""
    from click.testing import CliRunner

    from captioner.cli.main import main

    shutil.copyfile(tree / "jfk.mp4", tree / "new.mp4")
    app = serve(tree)
    open_media(browser, app, "new.mp4")
    browser.execute_script("document.getElementById('player').currentTime = 1")
    browser.find_element(By.ID, "add").click()
    editor = browser.find_element(By.CSS_SELECTOR, "#cues li.selected textarea.cue-edit")
    editor.send_keys("Hello there")
    editor.send_keys(Keys.CONTROL, "s")
    wait(browser, "document.getElementById('status').textContent.startsWith('Saved')")
    message = browser.find_element(By.ID, "status").text
    assert "captioner sync --adopt new.mp4" in message
    assert check_states(tree)["new.mp4"] == "lock-entry-missing"
    result = CliRunner().invoke(main, ["sync", "--adopt", "--root", str(tree), str(tree / "new.mp4"), "-q"])
    assert result.exit_code == 0, result.stderr
    assert check_states(tree)["new.mp4"] in ("ok", "edited")
