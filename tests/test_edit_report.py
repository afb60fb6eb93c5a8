"""``captioner review --html DIR``: self-contained pages (no server, no network) for a CI artifact."""

# ruff: noqa: F811 (the fixtures imported from edit_support are used as arguments)

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import srt
from click.testing import CliRunner
from edit_support import captioned, tree  # noqa: F401

from captioner.cli.main import main

pytestmark = pytest.mark.slow  # captions made by the model

MARKUP = "<b>x</b></script><script>window.pwned = 1</script>"


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []
        self.scripts: list[tuple[dict, str]] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        self.references += [attrs[k] for k in ("src", "href") if k in attrs]
        if tag == "script":
            self._in_script = attrs

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self.scripts.append((self._in_script, data))
            self._in_script = None


def write(tree: Path, *args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["review", "--html", str(tree / "out"), *map(str, args)])
    return result.exit_code, result.stderr


def test_review_html_writes_a_self_contained_page_per_media(tree: Path) -> None:
    subs = list(srt.parse((tree / "jfk.srt").read_text("utf-8")))
    subs[0].content = MARKUP
    (tree / "jfk.srt").write_text(srt.compose(subs), "utf-8")
    code, err = write(tree, tree / "jfk.mp4", tree / "captioner.toml")
    assert code == 1  # captioner.toml has no media: one failure, the other page written
    assert re.search(r"^captioner: error: .*captioner\.toml: no media file of this name beside it$", err, re.M)
    page = (tree / "out" / "jfk.mp4.html").read_text("utf-8")
    parsed = Page()
    parsed.feed(page)
    assert parsed.references == []  # no stylesheet, script or link to fetch: the player's src is set by the script
    assert all("src" not in attrs for attrs, _ in parsed.scripts)
    assert page.count("<script") == 3 and page.count("</script>") == 3  # the cue's </script> did not end one
    data = json.loads(next(text for attrs, text in parsed.scripts if attrs.get("id") == "captioner-data"))
    assert [c["text"] for c in data["cues"]] == [s.content for s in subs]
    assert data["src"] == "../jfk.mp4"
    assert "http://" not in page and "https://" not in page
    index = (tree / "out" / "index.html").read_text("utf-8")
    assert 'href="jfk.mp4.html"' in index


def test_review_html_from_a_json_transcript(tree: Path) -> None:
    result = CliRunner().invoke(main, [str(tree / "jfk.mp4"), "-f", "json", "-q"])
    assert result.exit_code == 0, result.stderr
    code, err = write(tree, tree / "jfk.json")
    assert code == 0, err
    data = Page()
    data.feed((tree / "out" / "jfk.mp4.html").read_text("utf-8"))
    cues = json.loads(next(text for attrs, text in data.scripts if attrs.get("id") == "captioner-data"))["cues"]
    assert len(cues) == len(list(srt.parse((tree / "jfk.srt").read_text("utf-8"))))
    assert all(w[1] is not None for c in cues for w in c["words"])  # confidences from the .json
