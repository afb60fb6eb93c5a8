"""``captioner review --html DIR``: one self-contained HTML page per media file, for a CI artifact.

Each page holds everything inline (styles, scripts, the cues with their word confidences, doubt
and style problems as the studio shows them): no server and no network.  The player points at the
media by a path relative to the page, so it plays where the report sits beside the tree; without
the media the cue list still reads.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from captioner.captions.review import ReviewThresholds
from captioner.ci.config import load_config, tree_file
from captioner.ci.status import Scanner
from captioner.edit.studio import Studio
from captioner.errors import CaptionerError
from captioner.media.probe import MEDIA_EXTENSIONS, is_media_file
from captioner.output.atomic import atomic_write_text

STATIC = resources.files("captioner.edit").joinpath("static")

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; \
style-src 'unsafe-inline'; media-src *; img-src data:">
<title>{title} — captioner review</title>
<style>{css}</style>
</head>
<body>
<header><h1>{title}</h1><span id="summary" class="legend"></span><span class="spacer"></span>
<span class="legend">captioner review</span></header>
<main class="studio">
  <section class="player-pane">
    <video id="player" controls preload="metadata"></video>
    <p id="media-note" class="help"></p>
    <p class="legend">confidence: <span class="w w-high">high</span><span class="w w-mid">medium</span>
      <span class="w w-low">low</span><span class="w w-none">typed</span></p>
  </section>
  <section class="cue-pane">
    <div class="toolbar"><label><input type="checkbox" id="only-doubtful"> only doubtful cues and style
      problems</label></div>
    <ol id="cues" class="cues"></ol>
  </section>
</main>
<script type="application/json" id="captioner-data">{data}</script>
<script>{cueview}</script>
<script>{report}</script>
</body>
</html>
"""


def _script_json(value: object) -> str:
    """JSON that cannot end the <script> element it sits in."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _inline(text: str) -> str:
    return text.replace("</script", "<\\/script").replace("</style", "<\\/style")


def render_page(document: dict, media_src: str | None) -> str:
    data = {key: document[key] for key in ("path", "video", "duration", "language", "cues", "style")}
    data["src"] = media_src
    return PAGE.format(
        title=html.escape(document["path"]),
        css=_inline(STATIC.joinpath("style.css").read_text("utf-8")),
        data=_script_json(data),
        cueview=_inline(STATIC.joinpath("cueview.js").read_text("utf-8")),
        report=_inline(STATIC.joinpath("report.js").read_text("utf-8")),
    )


def media_for(path: Path) -> Path:
    """The media file a review argument names: itself, or the media beside a ``-f json`` transcript."""
    if is_media_file(path):
        return path
    for candidate in sorted(path.parent.glob(f"{path.stem}.*")):
        if candidate.suffix.lower() in MEDIA_EXTENSIONS:
            return candidate
    raise CaptionerError("no media file of this name beside it", str(path))


def page_name(rel: str) -> str:
    return str(PurePosixPath(rel)).replace("/", "__") + ".html"


def write_reports(
    files: Iterable[Path], out_dir: Path, thresholds: ReviewThresholds
) -> tuple[list[Path], list[CaptionerError]]:
    """A page per file in ``out_dir`` (plus ``index.html`` linking them); the pages and the failures."""
    written: list[Path] = []
    failed: list[CaptionerError] = []
    studios: dict[Path, Studio] = {}
    rows: list[tuple[str, dict]] = []
    for path in files:
        try:
            root, rel = tree_file(media_for(Path(path)))  # a media file leading out of its tree: refused
            if root not in studios:
                studios[root] = Studio(Scanner(root, load_config(root)), thresholds=thresholds)
            document = studios[root].document(rel)
            target = out_dir / page_name(rel)
            src = quote(Path(os.path.relpath(root / rel, out_dir.resolve())).as_posix())
            atomic_write_text(target, render_page(document, src))
        except CaptionerError as exc:
            failed.append(exc.with_path(str(path)))
            continue
        except (OSError, ValueError) as exc:
            failed.append(CaptionerError(str(exc), str(path)))
            continue
        written.append(target)
        rows.append((target.name, document))
    if rows:
        items = "".join(
            f'<li><a href="{quote(name)}">{html.escape(doc["path"])}</a>: {len(doc["cues"])} cues, '
            f"{sum(1 for c in doc['cues'] if c['doubtful'])} doubtful, "
            f"{sum(1 for c in doc['cues'] if c['problems'])} with style problems</li>"
            for name, doc in rows
        )
        atomic_write_text(
            out_dir / "index.html",
            f'<!doctype html><meta charset="utf-8"><title>captioner review</title><h1>captioner review</h1>'
            f"<ul>{items}</ul>\n",
        )
    return written, failed
