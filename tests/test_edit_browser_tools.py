"""The caption studio's everyday tools in a real headless Chromium (issue 27): playback from the
text box, typed times, several cues shifted, the keys for split/merge/add/delete, the live meter,
the draft kept in the browser and find and replace.  The fixtures are test_edit_browser's."""

# ruff: noqa: F811 (the fixtures imported from edit_support are used as arguments)

from __future__ import annotations

import json
from pathlib import Path

import pytest
from edit_support import browser, captioned, serve, tree  # noqa: F401
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from test_edit_browser import open_media, wait

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PLAYER = "document.getElementById('player')"


def test_play_pause_and_seek_from_inside_the_text_box(browser, tree: Path, serve) -> None:
    app = serve(tree)
    open_media(browser, app)
    browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[0].click()
    wait(browser, f"!{PLAYER}.seeking")
    editor = browser.find_element(By.CSS_SELECTOR, "#cues li.selected textarea.cue-edit")
    editor.click()
    text = editor.get_attribute("value")
    at = browser.execute_script(f"return {PLAYER}.currentTime")
    editor.send_keys(Keys.CONTROL, " ")
    wait(browser, f"{PLAYER}.currentTime > {at + 0.3}")  # it plays
    editor.send_keys(Keys.CONTROL, " ")
    wait(browser, f"{PLAYER}.paused")
    assert browser.execute_script("return document.activeElement.classList.contains('cue-edit')")
    assert editor.get_attribute("value") == text  # no space typed
    now = browser.execute_script(f"return {PLAYER}.currentTime")
    editor.send_keys(Keys.CONTROL, ".")
    wait(browser, f"Math.abs({PLAYER}.currentTime - {now + 1}) < 0.01")
    editor.send_keys(Keys.CONTROL, Keys.SHIFT, ",")
    wait(browser, f"{PLAYER}.currentTime === 0")  # 5 s back, from under 5 s: the start
    editor.send_keys(Keys.CONTROL, Keys.SHIFT, ".")
    wait(browser, f"Math.abs({PLAYER}.currentTime - 5) < 0.01")
    assert editor.get_attribute("value") == text
    # Speed, outside the text box: < and >, and the list follows.
    editor.send_keys(Keys.ESCAPE)
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.SHIFT, ".")
    wait(browser, f"{PLAYER}.playbackRate === 1.25 && document.getElementById('speed').value === '1.25'")
    for _ in range(6):
        body.send_keys(Keys.SHIFT, ",")
    wait(browser, f"{PLAYER}.playbackRate === 0.5")
    body.send_keys(Keys.ARROW_RIGHT)
    wait(browser, f"Math.abs({PLAYER}.currentTime - 6) < 0.01")


def test_typed_times_and_several_cues_shifted(browser, tree: Path, serve) -> None:
    app = serve(tree)
    open_media(browser, app)
    before = browser.execute_script("return studio.cues.map(c => [c.start, c.end])")
    rows = browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")
    rows[1].click()
    start = browser.find_element(By.ID, "cue-start")
    wait(browser, "document.getElementById('cue-start').value !== ''")
    start.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    start.send_keys(f"00:00:0{int(before[1][0])},900", Keys.ENTER)
    wait(browser, f"studio.cues[1].start === {int(before[1][0]) + 0.9}")
    assert browser.execute_script("return studio.cues[1].end") == before[1][1]
    duration = browser.find_element(By.ID, "cue-duration")
    duration.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    duration.send_keys("1.5", Keys.ENTER)
    wait(browser, f"studio.cues[1].end === {int(before[1][0]) + 0.9 + 1.5}")
    end = browser.find_element(By.ID, "cue-end")
    assert end.get_attribute("value") == browser.execute_script("return CueView.time(studio.cues[1].end)")
    end.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    end.send_keys("soon", Keys.ENTER)
    wait(browser, "document.getElementById('status').className === 'error'")
    assert "not a time" in browser.find_element(By.ID, "status").text
    # Cues 1 and 3 (Ctrl+click) shifted 0.25 s earlier; the others stay.
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.CONTROL, "z")
    body.send_keys(Keys.CONTROL, "z")
    wait(browser, f"studio.cues[1].start === {before[1][0]} && studio.cues[1].end === {before[1][1]}")
    rows = browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")
    rows[0].click()
    ActionChains(browser).key_down(Keys.CONTROL).click(rows[2]).key_up(Keys.CONTROL).perform()
    wait(browser, "document.querySelectorAll('#cues li.marked').length === 2")
    offset = browser.find_element(By.ID, "shift-by")
    offset.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    offset.send_keys("-00:00:00,250")
    browser.find_element(By.ID, "shift-selected").click()
    wait(browser, f"studio.cues[2].start === {round(before[2][0] - 0.25, 3)}")
    after = browser.execute_script("return studio.cues.map(c => [c.start, c.end])")
    assert after[0] == [round(t - 0.25, 3) for t in before[0]] and after[2] == [round(t - 0.25, 3) for t in before[2]]
    assert after[1] == before[1] and after[3] == before[3]
    # Shift+click selects the run; "from here on" moves the selected cue and every later one.
    rows = browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")
    rows[1].click()
    ActionChains(browser).key_down(Keys.SHIFT).click(rows[3]).key_up(Keys.SHIFT).perform()
    wait(browser, "document.querySelectorAll('#cues li.marked').length === 3")
    rows[2].click()
    offset.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    offset.send_keys("1")
    browser.find_element(By.ID, "shift-rest").click()
    wait(browser, f"studio.cues[3].start === {round(before[3][0] + 1, 3)}")
    assert browser.execute_script("return studio.cues[1].start") == before[1][0]


def test_keys_split_merge_add_delete_and_the_live_meter(browser, tree: Path, serve) -> None:
    app = serve(tree)
    open_media(browser, app)
    original = browser.execute_script("return studio.cues.map(c => c.text)")
    browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[3].click()
    wait(browser, f"!{PLAYER}.seeking")
    browser.execute_script(f"{PLAYER}.currentTime = (studio.cues[3].start + studio.cues[3].end) / 2")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys("s")
    wait(browser, "studio.cues.length === 5")
    assert browser.execute_script("return studio.cues[3].text + ' ' + studio.cues[4].text") == original[3]
    body.send_keys("m")
    wait(browser, f"studio.cues.length === 4 && studio.cues[3].text === {original[3]!r}")
    body.send_keys(Keys.DELETE)
    wait(browser, "studio.cues.length === 3")
    browser.execute_script(f"{PLAYER}.currentTime = 10.5")
    body.send_keys("a")
    wait(browser, "studio.cues.length === 4 && document.activeElement.classList.contains('cue-edit')")
    # The meter counts the line and the reading speed as the text is typed, and warns before the limit.
    editor = browser.switch_to.active_element
    editor.send_keys("Hello")
    wait(browser, "document.getElementById('meter').textContent.includes('line 1: 5/')")
    limit, cps_max = browser.execute_script("return [studio.doc.style.max_chars, studio.doc.style.max_cps]")
    span = browser.execute_script("const c = studio.cues[3]; return c.end - c.start")
    assert f"{5 / span:.1f}/{cps_max:g} chars/s" in browser.find_element(By.ID, "meter").text
    near = int(limit * 0.9) + 1
    editor.send_keys("x" * (near - 5))
    wait(browser, f"document.querySelector('#meter span').textContent === 'line 1: {near}/{limit}'")
    assert browser.execute_script("return document.querySelector('#meter span').className") == "meter-near"
    assert near <= limit
    editor.send_keys("x" * (limit + 1 - near))
    wait(browser, "document.querySelector('#meter span').className === 'meter-over'")
    assert browser.execute_script("return studio.cues[3].text.length") == limit + 1


def test_a_draft_kept_in_the_browser_is_offered_back_and_dropped_on_save(browser, tree: Path, serve) -> None:
    """Typing survives a closed tab: the draft is in localStorage, offered on reopening; a save drops it."""
    app = serve(tree)
    open_media(browser, app)
    browser.find_elements(By.CSS_SELECTOR, "#cues li.cue")[0].click()
    editor = browser.find_element(By.CSS_SELECTOR, "#cues li.selected textarea.cue-edit")
    editor.send_keys(Keys.END, " (draft)")
    key = "captioner-draft:jfk.mp4"
    wait(browser, f"(localStorage.getItem({key!r}) || '').includes('(draft)')")
    edited = browser.execute_script("return studio.cues[0].text")
    # The tab is closed unsaved (no prompt: WebDriver closes without one); another one opens the page.
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    second = browser.current_window_handle
    browser.switch_to.window(first)
    browser.close()
    browser.switch_to.window(second)
    open_media(browser, app)
    assert browser.execute_script("return studio.cues[0].text") != edited
    wait(browser, "!document.getElementById('draft').hidden")
    assert "kept in this browser." in browser.find_element(By.ID, "draft-text").text
    browser.find_element(By.ID, "draft-restore").click()
    wait(browser, f"studio.cues[0].text === {edited!r} && studio.dirty")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "s")
    wait(browser, "document.getElementById('status').textContent.startsWith('Saved')")
    assert browser.execute_script(f"return localStorage.getItem({key!r})") is None
    assert (tree / "jfk.srt").read_text("utf-8").count("(draft)") == 1
    open_media(browser, app)  # saved: nothing to offer
    assert browser.execute_script("return document.getElementById('draft').hidden")


def test_find_and_replace_with_a_preview_and_one_undo(browser, tree: Path, serve) -> None:
    app = serve(tree)
    open_media(browser, app)
    original = browser.execute_script("return studio.cues.map(c => c.text)")
    assert sum("country" in t for t in original) == 2
    browser.find_element(By.ID, "find").send_keys("COUNTRY")
    browser.find_element(By.ID, "replace-with").send_keys("nation")
    wait(browser, "document.querySelectorAll('#find-results li').length === 2")
    assert browser.find_element(By.ID, "find-count").text == "2 match(es) in 2 cue(s)"
    browser.find_element(By.ID, "find-case").click()  # case: COUNTRY is nowhere
    wait(browser, "document.querySelectorAll('#find-results li').length === 0")
    assert browser.find_element(By.ID, "replace-all").get_attribute("disabled")
    browser.find_element(By.ID, "find-case").click()
    browser.find_element(By.ID, "find-word").click()
    wait(browser, "document.querySelectorAll('#find-results li').length === 2")
    inserted = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#find-results li ins")]
    assert inserted == [t.replace("country", "nation") for t in original if "country" in t]
    assert not browser.execute_script("return studio.dirty")  # a preview changes nothing
    browser.find_element(By.ID, "replace-all").click()
    wait(browser, "studio.dirty")
    replaced = [t.replace("country", "nation") for t in original]
    assert browser.execute_script("return studio.cues.map(c => c.text)") == replaced
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "z")  # one step undoes every replacement
    wait(browser, f"studio.cues[3].text === {json.dumps(original[3])}")
    assert browser.execute_script("return studio.cues.map(c => c.text)") == original
    # A regular expression with a group; a bad one is named.
    find = browser.find_element(By.ID, "find")
    find.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    find.send_keys("(ask) not")
    replace = browser.find_element(By.ID, "replace-with")
    replace.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    replace.send_keys("$1 NOT")
    browser.find_element(By.ID, "find-regex").click()
    wait(
        browser,
        "document.querySelector('#find-results li ins') && "
        "document.querySelector('#find-results li ins').textContent === 'ask NOT'",
    )
    find.send_keys("(")
    wait(browser, "document.getElementById('find-count').textContent.startsWith('not a regular expression')")


def test_a_dragged_edge_snaps_to_the_next_cue_less_the_minimum_gap(browser, tree: Path, serve) -> None:
    app = serve(tree)
    open_media(browser, app)
    wait(browser, "document.body.dataset.waveform === 'ready' && studio.regions().length")
    (s2, e2), (s3, _) = browser.execute_script("return studio.cues.slice(1, 3).map(c => [c.start, c.end])")
    gap = browser.execute_script("return studio.doc.style.min_gap")
    host = browser.find_element(By.CSS_SELECTOR, "#waveform > div")
    region = host.shadow_root.find_element(By.CSS_SELECTOR, "[part~='cue-1']")
    per_second = region.rect["width"] / (e2 - s2)
    target = s3 - gap - 0.08  # short of the snapping point, within its 0.15 s
    assert target > e2 + 0.1, "jfk's second and third cues leave room to drag"
    handle = region.find_element(By.CSS_SELECTOR, "[part~='region-handle-right']")
    step = round((target - e2) * per_second)
    ActionChains(browser).click_and_hold(handle).move_by_offset(step // 2, 0).move_by_offset(
        step - step // 2, 0
    ).release().perform()
    wait(browser, "studio.dirty")
    assert browser.execute_script("return studio.cues[1].end") == pytest.approx(s3 - gap, abs=0.0005)
    # Dragged across the next cue, the edge stops the gap short of it.
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "z")
    wait(browser, f"studio.cues[1].end === {e2}")
    region = host.shadow_root.find_element(By.CSS_SELECTOR, "[part~='cue-1']")  # the regions were drawn again
    handle = region.find_element(By.CSS_SELECTOR, "[part~='region-handle-right']")
    far = round((s3 + 0.5 - e2) * per_second)
    ActionChains(browser).click_and_hold(handle).move_by_offset(far // 2, 0).move_by_offset(
        far - far // 2, 0
    ).release().perform()
    wait(browser, f"studio.cues[1].end !== {e2}")
    assert browser.execute_script("return studio.cues[1].end") == pytest.approx(s3 - gap, abs=0.0005)
