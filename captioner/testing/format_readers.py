"""Independent readers of captioner's broadcast formats, and their rule checks.

Used by the tests and by benchmarks/formats.py: each file captioner writes is read back by a
library that did not write it (captioner's own readers, :mod:`captioner.output.readers`, are
libraries too: ttconv for TTML and SCC, pysubs2 for ASS; here pycaption for SCC and ffmpeg's
demuxers for ASS and SBV), and checked against its format's rules.  The readers' libraries are
in the ``test`` extra; nothing here is imported by captioner itself.
"""

from __future__ import annotations

import logging
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import srt

from captioner.media.ffmpeg import ffmpeg_exe
from captioner.output.cea608 import EXTENDED, SPECIAL, STANDARD
from captioner.output.readers import ReadCue, read_ass, read_scc, read_ttml

TT = "{http://www.w3.org/ns/ttml}"
TTP = "{http://www.w3.org/ns/ttml#parameter}"
TTS = "{http://www.w3.org/ns/ttml#styling}"
XML = "{http://www.w3.org/XML/1998/namespace}"
IMSC11_TEXT = "http://www.w3.org/ns/ttml/profile/imsc1.1/text"
SCC_FPS = 30000 / 1001


@contextmanager
def _logged(name: str) -> Iterator[list[str]]:
    """The warnings and errors ``name``'s loggers emit inside the block."""
    found: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                found.append(record.getMessage())

    logger = logging.getLogger(name)
    handler = Catch()
    logger.addHandler(handler)
    try:
        yield found
    finally:
        logger.removeHandler(handler)


# --- TTML ---------------------------------------------------------------------------------------


_CLOCK = re.compile(r"\d{2,}:\d{2}:\d{2}(\.\d+)?")
_PERCENT_PAIR = re.compile(r"-?\d+(\.\d+)?% -?\d+(\.\d+)?%")
# The tts: attributes the IMSC 1.1 Text Profile permits (those a caption document may carry).
_IMSC_TEXT_STYLES = {
    "backgroundColor", "color", "direction", "disparity", "display", "displayAlign", "extent", "fontFamily",
    "fontSize", "fontStyle", "fontWeight", "lineHeight", "opacity", "origin", "overflow", "padding",
    "showBackground", "textAlign", "textDecoration", "textOutline", "unicodeBidi", "visibility", "wrapOption",
    "writingMode", "zIndex", "textCombine", "textEmphasis", "textShadow", "rubyReserve", "ruby", "rubyAlign",
    "rubyPosition", "fontVariant", "luminanceGain", "position", "shear", "textOrientation", "lineShear",
}  # fmt: skip


def ttml_violations(text: str) -> list[str]:
    """Where a TTML document breaks the IMSC 1.1 Text Profile rules captioner's writer follows,
    plus every warning ttconv's IMSC reader logs reading it (empty when it is valid)."""
    problems: list[str] = []
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        return [f"not well-formed XML: {exc}"]
    if root.tag != f"{TT}tt":
        problems.append(f"root element is {root.tag}, not tt")
    if root.get(f"{TTP}timeBase") != "media":
        problems.append('ttp:timeBase is not "media"')
    if IMSC11_TEXT not in (root.get(f"{TTP}contentProfiles") or "").split():
        problems.append("ttp:contentProfiles does not name the IMSC 1.1 Text Profile")
    if root.get(f"{XML}lang") is None:
        problems.append("xml:lang missing on tt")
    if root.get(f"{TTP}frameRate") is None and re.search(r'(begin|end)="[^"]*:\d+:\d+:\d+"', text):
        problems.append("frame time expressions without ttp:frameRate")
    if len(root.findall(f".//{TT}tt")):
        problems.append("a tt element inside the document")
    regions = {r.get(f"{XML}id"): r for r in root.iter(f"{TT}region")}
    for rid, region in regions.items():
        for name in ("origin", "extent"):
            value = region.get(f"{TTS}{name}")
            if value is None or not _PERCENT_PAIR.fullmatch(value):
                problems.append(f"region {rid}: tts:{name} {value!r} is not two percentages")
    styles = {s.get(f"{XML}id") for s in root.iter(f"{TT}style")}
    for element in root.iter():
        for name, value in element.attrib.items():
            if name.startswith(TTS) and name[len(TTS) :] not in _IMSC_TEXT_STYLES:
                problems.append(f"tts:{name[len(TTS) :]} is not in the IMSC 1.1 Text Profile")
            if name == "style" and any(s not in styles for s in value.split()):
                problems.append(f"style {value!r} is not declared")
            if name == "region" and value not in regions:
                problems.append(f"region {value!r} is not declared")
    body = root.find(f"{TT}body")
    for p in root.iter(f"{TT}p"):
        for name in ("begin", "end"):
            value = p.get(name)
            if value is None or not _CLOCK.fullmatch(value):
                problems.append(f"p {name}={value!r} is not a clock time")
        in_region = p.get("region") or (body is not None and body.get("region"))
        if not in_region:
            problems.append("a paragraph in no region")
    with _logged("ttconv") as logged:
        try:
            read_ttml(text)
        except Exception as exc:  # ttconv's reader raises on what it cannot accept
            problems.append(f"ttconv cannot read it: {exc}")
    problems += [f"ttconv: {message}" for message in logged]
    return problems


# --- SCC ----------------------------------------------------------------------------------------


# ttconv draws a few 608 characters with other code points than captioner's table.
def read_scc_pycaption(text: str) -> list[ReadCue]:
    """The captions of an SCC file as pycaption's SCC reader decodes them.  Its times take the
    drop-frame timecode for clock time (off by up to 2 frames within a minute): text only."""
    from pycaption import SCCReader
    from pycaption.exceptions import CaptionReadNoCaptions

    try:
        captions = SCCReader().read(text)
    except CaptionReadNoCaptions:
        return []
    out = []
    for caption in captions.get_captions(captions.get_languages()[0]):
        lines = tuple(ln.replace("\xa0", " ").strip() for ln in caption.get_text().split("\n"))
        out.append(ReadCue(caption.start / 1e6, caption.end / 1e6, lines))
    return out


_TIMECODE = re.compile(r"(\d\d):(\d\d):(\d\d);(\d\d)")
_CONTROL_FIRST = range(0x10, 0x20)
_CHARS_608 = set(STANDARD) | set(SPECIAL) | set(EXTENDED)
_POP_ON_ONLY = {(0x14, 0x25), (0x14, 0x26), (0x14, 0x27), (0x14, 0x29)}  # RU2, RU3, RU4, RDC


def df_frames(label: str) -> int:
    """The frame count of a drop-frame timecode (ValueError for a label drop-frame skips)."""
    m = _TIMECODE.fullmatch(label)
    if not m:
        raise ValueError(f"{label!r} is not a drop-frame timecode HH:MM:SS;FF")
    hh, mm, ss, ff = (int(g) for g in m.groups())
    if ff > 29 or ss > 59 or mm > 59:
        raise ValueError(f"{label!r} is out of range")
    if ss == 0 and ff < 2 and mm % 10:
        raise ValueError(f"{label!r} is a label drop-frame skips")
    minutes = hh * 60 + mm
    return (hh * 3600 + mm * 60 + ss) * 30 + ff - 2 * (minutes - minutes // 10)


# Over 60 lines: a validator that walks the file once, checking each rule where its bytes are.
def scc_violations(text: str) -> list[str]:
    """Where an SCC file breaks the rules of CEA-608 pop-on captions as captioner writes them:
    Scenarist header, valid drop-frame timecodes in order with no two lines' words on one frame,
    odd parity on every byte, control codes sent twice, pop-on codes only, characters of the 608
    set, and (decoded by ttconv) at most 4 rows of at most 32 characters."""
    problems: list[str] = []
    lines = text.split("\n")
    if lines[0] != "Scenarist_SCC V1.0":
        problems.append("no Scenarist_SCC V1.0 header")
    next_free = 0
    for raw in lines[1:]:
        if not raw.strip():
            continue
        label, _, words = raw.partition("\t")
        try:
            frame = df_frames(label)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if frame < next_free:
            problems.append(f"{label}: starts on a frame the line before still uses")
        codes = words.split()
        next_free = frame + len(codes)
        pairs = []
        for code in codes:
            if not re.fullmatch(r"[0-9a-f]{4}", code):
                problems.append(f"{label}: {code!r} is not a word")
                continue
            pair = (int(code[:2], 16), int(code[2:], 16))
            if any(bin(b).count("1") % 2 == 0 for b in pair):
                problems.append(f"{label}: {code} lacks odd parity")
            pairs.append((pair[0] & 0x7F, pair[1] & 0x7F))
        k = 0
        while k < len(pairs):
            a, b = pairs[k]
            if a in _CONTROL_FIRST:
                if (a, b) in _POP_ON_ONLY:
                    problems.append(f"{label}: a roll-up or paint-on code {a:02x}{b:02x}")
                if k + 1 >= len(pairs) or pairs[k + 1] != (a, b):
                    problems.append(f"{label}: control code {a:02x}{b:02x} not sent twice")
                    k += 1
                else:
                    k += 2
                continue
            for byte in (a, b):
                if byte and not 0x20 <= byte < 0x7F:
                    problems.append(f"{label}: byte {byte:02x} is not a 608 character")
            k += 1
    try:
        decoded = read_scc(text)
    except Exception as exc:
        return [*problems, f"ttconv cannot read it: {exc}"]
    for cue in decoded:
        if len(cue.lines) > 4:
            problems.append(f"caption at {cue.start:.3f} s has {len(cue.lines)} rows")
        for line in cue.lines:
            if len(line) > 32:
                problems.append(f"caption at {cue.start:.3f} s has a row of {len(line)} characters")
            outside = {c for c in line if c not in _CHARS_608}
            if outside:
                problems.append(f"caption at {cue.start:.3f} s shows {''.join(sorted(outside))}")
    return problems


# --- ASS and SBV (ffmpeg's demuxers) ---------------------------------------------------------------


_FONT_TAG = re.compile(r"</?font[^>]*>")


def read_with_ffmpeg(text: str, demuxer: str, suffix: str) -> list[ReadCue]:
    """A subtitle file as ffmpeg's ``demuxer`` reads it (converted to SubRip and parsed by srt)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"captions{suffix}"
        path.write_text(text, "utf-8")
        result = subprocess.run(
            [ffmpeg_exe(), "-nostdin", "-v", "error", "-f", demuxer, "-i", str(path), "-f", "srt", "-"],
            capture_output=True,
            check=True,
        )
    # ffmpeg's SubRip encoder wraps an ASS style's font in <font> tags: not part of the text.
    return [
        ReadCue(s.start.total_seconds(), s.end.total_seconds(), tuple(_FONT_TAG.sub("", s.content).split("\n")))
        for s in srt.parse(result.stdout.decode("utf-8"))
    ]


def read_sbv_ffmpeg(text: str) -> list[ReadCue]:
    """An SBV file as ffmpeg's subviewer demuxer reads it."""
    return read_with_ffmpeg(text, "subviewer", ".sbv")


def read_ass_ffmpeg(text: str) -> list[ReadCue]:
    """An ASS file as ffmpeg's ASS demuxer and decoder read it (events, in time order)."""
    return read_with_ffmpeg(text, "ass", ".ass")


def ass_violations(text: str) -> list[str]:
    """Where an ASS file breaks what players need: script info with PlayResX/Y, a Default style
    every event uses, events that ffmpeg's reader reads as pysubs2 does."""
    import pysubs2

    problems: list[str] = []
    subs = pysubs2.SSAFile.from_string(text)
    for key in ("PlayResX", "PlayResY"):
        if not str(subs.info.get(key, "")).isdigit():
            problems.append(f"Script Info has no {key}")
    if "Default" not in subs.styles:
        problems.append("no Default style")
    problems += [f"event at {e.start} ms uses style {e.style!r}" for e in subs.events if e.style not in subs.styles]
    ours = sorted((c.start, c.end, c.lines) for c in read_ass(text))
    theirs = sorted((c.start, c.end, c.lines) for c in read_ass_ffmpeg(text))
    if ours != theirs:
        problems.append("ffmpeg's reader and pysubs2 read different events")
    return problems
