"""TTML: an IMSC 1.1 Text Profile document (what streaming services and broadcasters take).

Written by hand with the standard library's escaping: the document is small and fixed in shape,
and a hand-built one is byte-for-byte stable (the lock file hashes it).  ttconv, the IMSC authors'
library, is the independent reader the tests and benchmarks/formats.py parse it with.

What the IMSC 1.1 Text Profile asks of it, and how it is met:

- one ``tt`` root with ``xml:lang``, ``ttp:timeBase="media"`` and the profile designator in
  ``ttp:contentProfiles``; times are clock times with milliseconds (no frames, so no frame rate);
- every paragraph is in a region declared in ``head/layout`` (one region above the bottom margin,
  ``displayAlign="after"``: the lines sit at the bottom, as ``--burn`` draws them);
- the lines are the cue's lines, joined by ``<br/>``, with ``wrapOption="noWrap"`` so that a
  player never re-breaks what captioner broke;
- sizes in cells (``ttp:cellResolution``), white proportional sans-serif text with an outline,
  or on a translucent box (the ``--burn`` look, see :class:`captioner.output.ass.Look`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from captioner.core.cues import Cue
from captioner.core.timestamps import timestamp
from captioner.output.ass import Look
from captioner.output.text import shown

IMSC11_TEXT = "http://www.w3.org/ns/ttml/profile/imsc1.1/text"
CELL_ROWS = 15  # cellResolution "32 15": the CEA-608 grid most IMSC tools default to
CELL_COLUMNS = 32
# Characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def ttml_timestamp(seconds: float) -> str:
    return timestamp(seconds)


def _percent(fraction: float) -> str:
    return f"{round(fraction * 100, 2):g}%"


def _cells(fraction_of_height: float) -> str:
    return f"{round(fraction_of_height * CELL_ROWS, 3):g}c"


def _rgba(colour: str, opacity: float = 1.0) -> str:
    return f"#{colour.lstrip('#').upper()}{round(opacity * 255):02X}"


def xml_text(line: str) -> str:
    return escape(_NOT_XML.sub("", line))


def render_ttml(cues: Sequence[Cue], language: str | None = None, look: Look | None = None) -> str:
    look = look or Look()
    style = {
        "tts:fontFamily": "proportionalSansSerif",
        "tts:fontSize": _cells(look.font_size),
        "tts:lineHeight": "125%",
        "tts:color": _rgba(look.colour),
        "tts:textAlign": "center",
        "tts:wrapOption": "noWrap",
    }
    if look.box:
        style["tts:backgroundColor"] = _rgba(look.box_colour, look.box_opacity)
    else:  # the outline's thickness as a share of the font size (IMSC: at most 10%)
        thickness = min(0.1, look.outline / look.font_size)
        style["tts:textOutline"] = f"{_rgba(look.outline_colour)} {round(thickness * 100, 1):g}%"
    top = 0.1
    region = {
        "tts:origin": f"{_percent(look.side_margin)} {_percent(top)}",
        "tts:extent": f"{_percent(1 - 2 * look.side_margin)} {_percent(1 - top - look.margin)}",
        "tts:displayAlign": "after",
        "tts:textAlign": "center",
        "tts:showBackground": "whenActive",
    }
    lang = (language or "").strip()

    def attrs(values: dict[str, str]) -> str:
        return "".join(f" {name}={quoteattr(value)}" for name, value in values.items())

    agents = _agents(cues)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"'
        ' xmlns:tts="http://www.w3.org/ns/ttml#styling"'
        + (' xmlns:ttm="http://www.w3.org/ns/ttml#metadata"' if agents else "")
        + f' ttp:timeBase="media" ttp:cellResolution="{CELL_COLUMNS} {CELL_ROWS}"'
        f' ttp:contentProfiles="{IMSC11_TEXT}" xml:lang={quoteattr(lang)}>\n',
        "  <head>\n",
        *_agent_metadata(agents),
        "    <styling>\n",
        f'      <style xml:id="caption"{attrs(style)}/>\n',
        "    </styling>\n",
        "    <layout>\n",
        f'      <region xml:id="bottom"{attrs(region)}/>\n',
        "    </layout>\n",
        "  </head>\n",
        '  <body region="bottom" style="caption">\n',
        "    <div>\n",
    ]
    for cue, lines in shown(list(cues)):
        text = "<br/>".join(xml_text(ln) for ln in lines)
        begin, end = ttml_timestamp(cue.start), ttml_timestamp(max(cue.start, cue.end))
        who = " ".join(dict.fromkeys(agents[v] for v in cue.voices))
        said = f" ttm:agent={quoteattr(who)}" if who else ""
        out.append(f'      <p begin="{begin}" end="{end}"{said}>{text}</p>\n')
    out += ["    </div>\n", "  </body>\n", "</tt>\n"]
    return "".join(out)


def _agents(cues: Sequence[Cue]) -> dict[str, str]:
    """The speakers the cues name (``voices``), each with its ``ttm:agent`` id, in order of appearance."""
    out: dict[str, str] = {}
    for cue in cues:
        for name in cue.voices:
            out.setdefault(name, f"speaker{len(out) + 1}")
    return out


def _agent_metadata(agents: dict[str, str]) -> list[str]:
    """The head's ``metadata``: a ``ttm:agent`` (a person, with ``ttm:name``) for each speaker."""
    if not agents:
        return []
    people = [
        f'      <ttm:agent xml:id="{ident}" type="person">'
        f'<ttm:name type="full">{xml_text(name)}</ttm:name></ttm:agent>\n'
        for name, ident in agents.items()
    ]
    return ["    <metadata>\n", *people, "    </metadata>\n"]
