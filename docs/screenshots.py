"""The caption studio's screenshots in docs/images, taken in headless Chromium on a sample tree.

The tree: samples/jfk.mp4 captioned by ``captioner sync`` (the real model; the transcript cache makes
a second run fast), and ``talk.mp4``, jfk's audio under a picture with two shot changes (ffmpeg's
test patterns), its captions given two speakers.  The studio runs in this process on 127.0.0.1; the
browser is the system's chromium through chromedriver, as in the tests.

    python docs/screenshots.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from captioner.ci.config import load_config  # noqa: E402
from captioner.ci.status import Scanner  # noqa: E402
from captioner.edit import captions  # noqa: E402
from captioner.edit.server import EditServer  # noqa: E402
from captioner.edit.studio import Studio  # noqa: E402
from captioner.media.ffmpeg import ffmpeg_exe  # noqa: E402

WINDOW = (1280, 860)


def make_tree(root: Path) -> None:
    root.mkdir(parents=True)
    shutil.copyfile(ROOT / "samples" / "jfk.mp4", root / "jfk.mp4")
    (root / "captioner.toml").write_text('formats = ["srt", "vtt"]\n', "utf-8")
    subprocess.run([sys.executable, "-m", "captioner", "sync", "--root", str(root), "-q"], check=True, cwd=ROOT)
    graph = (
        "smptebars=s=640x360:r=25:d=3[a];testsrc=s=640x360:r=25:d=3.4[b];rgbtestsrc=s=640x360:r=25:d=4.6[c];"
        "[a][b][c]concat=n=3:v=1:a=0"
    )
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-f", "lavfi", "-i", graph, "-i", str(root / "jfk.mp4"),
         "-map", "0:v", "-map", "1:a", "-c:a", "copy", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         str(root / "talk.mp4")],
        check=True,
    )  # fmt: skip
    cues, _ = captions.read_cues(root, "jfk.mp4")
    voiced = [replace(c, voices=("Ann",) if k % 3 == 0 else ("Bob",)) for k, c in enumerate(cues)]
    captions.write_all(root, "talk.mp4", captions.render_all(voiced, ["srt", "vtt"], "en"))
    adopt = [sys.executable, "-m", "captioner", "sync", "--root", str(root), "--adopt", "-q", "talk.mp4"]
    subprocess.run(adopt, check=True, cwd=root)


def wait(driver, script: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not driver.execute_script(f"return ({script});"):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {script}")
        time.sleep(0.05)


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--mute-audio", "--hide-scrollbars",
                 f"--window-size={WINDOW[0]},{WINDOW[1]}"):  # fmt: skip
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def shoot(driver, base: str, token: str, out: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/?token={token}")
    wait(driver, "document.body.dataset.ready")
    driver.find_element(By.CSS_SELECTOR, "#tree-find-bar summary").click()
    driver.find_element(By.ID, "tree-find").send_keys("country")
    driver.find_element(By.ID, "tree-replace").send_keys("nation")
    driver.find_element(By.ID, "tree-word").click()
    wait(driver, "Number(document.body.dataset.treeFind) > 0")
    driver.save_screenshot(str(out / "edit-index.png"))

    driver.get(f"{base}/edit?path=talk.mp4&token={token}")
    wait(driver, "document.body.dataset.cues === 'painted' && document.body.dataset.shots === '2'")
    driver.find_elements(By.CSS_SELECTOR, "#cues li.cue")[1].click()
    wait(driver, "document.getElementById('cue-speaker').value !== ''")
    driver.execute_script("document.getElementById('player').currentTime = 3.6")
    wait(driver, "!document.getElementById('player').seeking")
    driver.save_screenshot(str(out / "edit-media.png"))
    driver.find_element(By.ID, "find").send_keys("ask")
    driver.find_element(By.ID, "replace-with").send_keys("Ask")
    driver.find_element(By.ID, "find-case").click()
    wait(driver, "document.querySelector('#find-results li')")
    driver.find_element(By.CSS_SELECTOR, ".cue-pane").screenshot(str(out / "edit-find.png"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="captioner-screens-") as tmp:
        root = Path(tmp) / "talks"
        make_tree(root)
        server = EditServer(Studio(Scanner(root, load_config(root)))).start()
        driver = browser()
        try:
            shoot(driver, server.base, server.token, args.out)
        finally:
            driver.quit()
            server.stop()
    for name in ("edit-index.png", "edit-media.png", "edit-find.png"):
        print(f"{args.out / name}: {(args.out / name).stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
