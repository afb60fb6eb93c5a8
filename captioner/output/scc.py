"""SCC: CEA-608 pop-on captions (Scenarist), 29.97 fps drop-frame timecodes.

Written by captioner's own encoder.  pycaption's writer (2.3) sends the extended characters
(É, ü, ß, “ ”) without the standard stand-in a 608 decoder erases as the extended one arrives,
so the letter before each one is lost, writes characters outside the set as "£", and places its
EOC codes up to three frames early; ttconv's writer (1.2) writes the extended characters as
spaces and drops a caption whose codes do not fit before it.  This encoder is checked against
ttconv's and pycaption's readers (tests/test_formats_scc.py, benchmarks/formats.py).

How a caption is sent (CEA-608 pop-on):

- at most 4 rows of 32 characters, centred, at the bottom of the screen (rows 12-15);
- its codes load the hidden caption memory: RCL, ENM, then per row a preamble address code
  (row and indent), tab offsets for the last 1-3 columns, the characters; every control code is
  sent twice (a decoder ignores the repeat), special and extended characters too;
- EOC swaps the memories: the caption appears on the frame its first EOC is sent on; EDM clears
  the screen when a gap follows.  One word (two bytes) goes out per frame, so a caption's codes go
  out in the frames before it appears, after the previous caption appeared (the hidden memory is
  free only then).  A caption whose codes do not fit in that time appears late; the notes say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from captioner.captions.linebreak import layout
from captioner.captions.words import build_units
from captioner.core.cues import Cue
from captioner.core.transcript import Word
from captioner.errors import CaptionerError
from captioner.output.cea608 import EXTENDED, SPECIAL, STANDARD, dropped, fallback, to_608
from captioner.output.text import shown

COLUMNS = 32
ROWS = 4
FPS_NUM, FPS_DEN = 30000, 1001  # 29.97 frames a second
HEADER = "Scenarist_SCC V1.0"

# Channel 1 control codes (first byte, second byte).
RCL, ENM, EOC, EDM = (0x14, 0x20), (0x14, 0x2E), (0x14, 0x2F), (0x14, 0x2C)
TAB_OFFSET = {1: (0x17, 0x21), 2: (0x17, 0x22), 3: (0x17, 0x23)}
# Preamble address codes: row -> (first byte, second-byte base).
_PAC_ROW = {
    1: (0x11, 0x40), 2: (0x11, 0x60), 3: (0x12, 0x40), 4: (0x12, 0x60), 5: (0x15, 0x40),
    6: (0x15, 0x60), 7: (0x16, 0x40), 8: (0x16, 0x60), 9: (0x17, 0x40), 10: (0x17, 0x60),
    11: (0x10, 0x40), 12: (0x13, 0x40), 13: (0x13, 0x60), 14: (0x14, 0x40), 15: (0x14, 0x60),
}  # fmt: skip


class SccError(CaptionerError):
    """The captions cannot be written as CEA-608 (text outside its character set)."""


def frame_of(seconds: float) -> int:
    """The 29.97 fps frame shown at ``seconds`` (nearest)."""
    return max(0, round(seconds * FPS_NUM / FPS_DEN))


def seconds_of(frame: int) -> float:
    return frame * FPS_DEN / FPS_NUM


def timecode(frame: int) -> str:
    """SMPTE drop-frame timecode ``HH:MM:SS;FF`` of a frame count (frames 0 and 1 of every minute
    but each tenth are skipped, so the timecode keeps to the clock)."""
    tens, rest = divmod(frame, 17982)
    label = frame + 18 * tens + (2 * ((rest - 2) // 1798) if rest > 1 else 0)
    ff = label % 30
    ss = label // 30 % 60
    mm = label // 1800 % 60
    hh = label // 108000
    return f"{hh:02d}:{mm:02d}:{ss:02d};{ff:02d}"


def _parity(byte: int) -> int:
    """``byte`` with its odd-parity bit (bit 7) set as 608 requires."""
    return byte | (0x80 if bin(byte).count("1") % 2 == 0 else 0)


def pac(row: int, column: int) -> tuple[int, int]:
    """The preamble address code for white text at ``row`` (1-15), indented ``column`` (0, 4 .. 28)."""
    first, base = _PAC_ROW[row]
    return (first, base) if column == 0 else (first, base + 0x10 + (column // 4) * 2)


Code = tuple[int, int]  # a word of two bytes, sent on one frame
Unit = tuple[Code, ...]  # words that must go out on consecutive frames (a control code and its repeat)


class _Words:
    """Builds a caption's units of words; control codes start on a word boundary."""

    def __init__(self) -> None:
        self.units: list[Unit] = []
        self._half: int | None = None

    def _flush(self) -> None:
        if self._half is not None:
            self.units.append(((self._half, 0x00),))
            self._half = None

    def control(self, code: Code) -> None:
        """A control code, sent twice on consecutive frames (a decoder ignores the repeat)."""
        self._flush()
        self.units.append((code, code))

    def char(self, char: str) -> None:
        if char in STANDARD:
            byte = STANDARD[char]
            if self._half is None:
                self._half = byte
            else:
                self.units.append(((self._half, byte),))
                self._half = None
        elif char in SPECIAL:
            self.control(SPECIAL[char])
        else:  # extended: its stand-in first, which the extended character replaces
            self.char(fallback(char))
            self.control(EXTENDED[char])

    def done(self) -> list[Unit]:
        self._flush()
        return self.units


def caption_units(lines: Sequence[str]) -> list[Unit]:
    """The words that load ``lines`` (608 characters, at most 4 of 32) into the hidden memory."""
    out = _Words()
    out.control(RCL)
    out.control(ENM)
    first_row = 16 - len(lines)
    for k, line in enumerate(lines):
        indent = (COLUMNS - len(line)) // 2
        out.control(pac(first_row + k, indent // 4 * 4))
        if indent % 4:
            out.control(TAB_OFFSET[indent % 4])
        for char in line:
            out.char(char)
    return out.done()


@dataclass
class _Caption:
    lines: tuple[str, ...]
    show: int  # frame the caption should appear on
    clear: int  # frame it should go on
    units: list[Unit] = field(default_factory=list)


@dataclass
class SccResult:
    text: str
    notes: list[str]
    shown: list[tuple[float, float, tuple[str, ...]]]  # when each caption is on screen, and its lines
    wanted: list[tuple[float, float]]  # when each caption should be (a re-laid out cue's parts: theirs)


def _fits(lines: Sequence[str]) -> bool:
    return len(lines) <= ROWS and all(len(ln) <= COLUMNS for ln in lines)


def relayout(cue: Cue, lines: list[str], language: str) -> list[tuple[float, float, tuple[str, ...]]]:
    """``cue``'s text in rows of at most 32 characters, by captioner's line breaking: in up to 4 rows
    (as few as fit), else split at word times into several captions that do."""
    words = [w for w in cue.words if w.word.strip()]
    if " ".join(w.word.strip() for w in words).split() != " ".join(lines).split():
        tokens = " ".join(lines).split()  # no word times (or words edited): spread evenly
        step = (cue.end - cue.start) / max(1, len(tokens))
        words = [Word((" " if k else "") + t, cue.start + k * step, cue.start + (k + 1) * step)
                 for k, t in enumerate(tokens)]  # fmt: skip
    units = build_units(words, COLUMNS, language)
    for parts in range(1, len(units) + 1):
        size = -(-len(units) // parts)
        chunks = [units[k : k + size] for k in range(0, len(units), size)]
        laid = [layout(chunk, COLUMNS, ROWS, language) for chunk in chunks]
        if all(x is not None for x in laid):
            break
    out = []
    for k, (chunk, result) in enumerate(zip(chunks, laid)):
        start = cue.start if k == 0 else max(cue.start, chunk[0].start)
        end = cue.end if k == len(chunks) - 1 else max(start, chunks[k + 1][0].start)
        assert result is not None  # the loop above ends with every chunk laid out
        out.append((start, end, result[1]))
    return out


def render_scc(cues: Sequence[Cue], language: str | None = None, style_name: str | None = None) -> SccResult:
    """The SCC file for ``cues``: text, notes for the user, and the captions as a decoder shows them."""
    notes: list[str] = []
    lang = (language or "").split("-")[0].lower()
    pieces: list[tuple[float, float, tuple[str, ...]]] = []
    relaid = 0
    missing: set[str] = set()
    left_out: list[str] = []  # as a reader sees them, in order (see cea608.dropped)
    for cue, raw in shown(list(cues)):
        lines = []
        for line in raw:
            text, lost = to_608(line)
            missing.update(lost)
            if lost:
                left_out.extend(c for c in dropped(line) if c not in left_out)
            if text.strip():
                lines.append(" ".join(text.split()))
        if not lines:
            continue
        if _fits(lines):
            pieces.append((cue.start, cue.end, tuple(lines)))
        else:
            relaid += 1
            pieces.extend(relayout(cue, lines, lang))
    letters = sorted(c for c in missing if c.isalnum())
    if letters:
        shown_chars = "".join(letters[:10]) + ("..." if len(letters) > 10 else "")
        raise SccError(f"SCC (CEA-608) has no characters for this text ({shown_chars}): its set is Latin only")
    if left_out:
        noun = "character" if len(left_out) == 1 else "characters"
        notes.append(f"scc: left out {len(left_out)} {noun} CEA-608 cannot show: {' '.join(left_out)}")
    if relaid:
        style = f" (style {style_name})" if style_name else ""
        notes.append(
            f"scc: {relaid} cues re-laid out to 32 characters a row for CEA-608{style}; "
            "--style cea608 makes captions for 608 from the start"
        )
    timeline, captions = _schedule(pieces)
    late = [c for c, (start, _, _) in zip(captions, pieces) if c.show > frame_of(start) + 1]
    if late:
        worst = max(seconds_of(c.show) - start for c, (start, _, _) in zip(captions, pieces))
        notes.append(
            f"scc: {len(late)} captions appear up to {worst:.2f} s after their speech: CEA-608 sends "
            "2 characters a frame and a caption loads while the one before is shown"
        )
    return SccResult(
        text=_serialise(timeline),
        notes=notes,
        shown=[(seconds_of(c.show), seconds_of(c.clear), c.lines) for c in captions],
        wanted=[(start, end) for start, end, _ in pieces],
    )


def _schedule(pieces: list[tuple[float, float, tuple[str, ...]]]) -> tuple[dict[int, Code], list[_Caption]]:
    """Every word on its frame: a caption's EOC on its show frame, its loading units before it
    (after the previous EOC, around the previous caption's EDM, a control code and its repeat on
    consecutive frames), EDM on its clear frame when a gap follows (else the next EOC replaces
    it).  A caption whose codes do not fit in time appears late."""
    captions = [_Caption(lines, frame_of(a), frame_of(b), caption_units(lines)) for a, b, lines in pieces]
    timeline: dict[int, Code] = {}
    low = 0  # the hidden memory is free from here on (after the previous EOC)
    prev: _Caption | None = None
    for cap in captions:
        chained = prev is not None and prev.clear >= cap.show
        if prev is not None and not chained:
            timeline[prev.clear] = timeline[prev.clear + 1] = EDM
        show = max(cap.show, low + sum(len(u) for u in cap.units))
        while not _place(cap.units, show, low, timeline):
            show += 1
        if prev is not None and chained:
            prev.clear = show
        cap.show = show
        cap.clear = max(cap.clear, show + 2)
        low = show + 2
        prev = cap
    if prev is not None:
        timeline[prev.clear] = timeline[prev.clear + 1] = EDM
    return timeline, captions


def _place(units: list[Unit], show: int, low: int, timeline: dict[int, Code]) -> bool:
    """Put EOC on ``show`` and ``units`` in the free frames from ``low`` up to it; False (and
    ``timeline`` unchanged) when they do not fit."""
    if show in timeline or show + 1 in timeline:
        return False
    placed: dict[int, Code] = {show: EOC, show + 1: EOC}
    end = show  # the next unit must end before this frame
    for unit in reversed(units):
        start = end - len(unit)
        while start >= low and any(f in timeline for f in range(start, start + len(unit))):
            start -= 1
        if start < low:
            return False
        placed.update(zip(range(start, start + len(unit)), unit))
        end = start
    timeline.update(placed)
    return True


def _serialise(timeline: dict[int, Code]) -> str:
    """The Scenarist file: a line per run of consecutive frames, ``timecode<TAB>words``."""
    lines: list[str] = []
    run: list[str] = []
    run_start = previous = -2
    for frame in sorted(timeline):
        if frame != previous + 1 and run:
            lines.append(f"{timecode(run_start)}\t{' '.join(run)}")
            run = []
        if not run:
            run_start = frame
        a, b = timeline[frame]
        run.append(f"{_parity(a):02x}{_parity(b):02x}")
        previous = frame
    if run:
        lines.append(f"{timecode(run_start)}\t{' '.join(run)}")
    return HEADER + "\n\n" + "".join(f"{line}\n\n" for line in lines)
