"""Caption segmentation: a transcript's words into timed, line-broken cues.

``segment`` is the only entry point.  It works in three steps:

1. words (Whisper's, or spread over each segment when the backend gave none) are grouped into
   units that never split (see :mod:`captioner.captions.words`);
2. a dynamic programme picks cue boundaries between units minimising a cost that rewards cuts at
   sentence ends, clause punctuation and pauses, and penalises bad breaks, reading speeds over
   the target, too-short display times and pauses kept inside a cue.  Hard limits (lines,
   characters per line, speech span <= max duration) make a candidate cue impossible;
3. timing: each cue starts at its first word and ends at its last, is extended into the
   following silence for the minimum duration and the reading speed, small gaps are closed to
   the minimum gap, and a final pass in whole milliseconds guarantees no overlaps, gaps of 0 or
   >= ``min_gap``, and durations <= ``max_duration``.  No cue runs past the end of the media (the
   transcript's duration, when known): a short last cue takes its minimum duration from the
   silence before it instead.

Hard limits hold for every cue: at most ``max_lines`` lines of at most ``max_chars`` characters.
A single word longer than a line is the one exception the guides do not cover: it is cut into
line-sized pieces (no hyphen added) as a last resort, and those pieces become :class:`Word`\\ s of
their own in ``Cue.words`` (their texts concatenate back to the original word).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from captioner.captions.linebreak import break_cost, layout
from captioner.captions.words import Unit, build_units, words_from_segments
from captioner.core.cues import Cue
from captioner.core.speakers import speakers_of
from captioner.core.style import Style
from captioner.core.transcript import Transcript

# Cost weights (dimensionless); tuned on the developer corpus.
CUE_COST = 2.5  # every cue: prefer fewer, fuller cues
PAUSE_INSIDE = 5.0  # a pause over ``pause_split`` kept inside a cue
PAUSE_AFTER = 2.5  # a cut at such a pause
SHORT_CUE = 30.0  # a cue that cannot be shown for ``min_duration``
OVER_TARGET_CPS = 1.0  # per cps above ``target_cps``
OVER_MAX_CPS = 25.0  # a cue above ``max_cps`` ...
OVER_MAX_CPS_SLOPE = 4.0  # ... plus this per cps above it
HARD_PAUSE = 2.0  # seconds: a silence this long always ends a cue
LABEL_GLUE = 1000.0  # a speaker's label never ends a line or cue on its own


@dataclass(frozen=True)
class _CueText:
    units: tuple[Unit, ...]
    lines: tuple[str, ...]

    @property
    def speech_end(self) -> float:
        return max(u.end for u in self.units)


def segment(transcript: Transcript, style: Style) -> list[Cue]:
    """Cues for ``transcript`` following ``style`` (adjusted to the transcript's language).

    A transcript of several speakers (see :mod:`captioner.core.speakers`) is laid out as dialogue
    by :func:`captioner.captions.dialogue.dialogue_cues`: a turn at a time, no two cues on screen
    at once."""
    if len(speakers_of(transcript)) > 1:
        from captioner.captions.dialogue import dialogue_cues

        return dialogue_cues(transcript, style, segment_voice)
    return segment_voice(transcript, style)


def segment_voice(transcript: Transcript, style: Style, speaker: str | None = None, labelled: bool = True) -> list[Cue]:
    """Cues for one voice's words.  With ``speaker``, the cues carry it as their voice, and (when
    ``labelled``) the first cue its label, with room for it kept on the first line (see :class:`Cue`)."""
    style = style.for_language(transcript.language)
    lang = (transcript.language or "").split("-")[0].lower()
    words = list(transcript.words) if transcript.words else words_from_segments(transcript)
    units = build_units(words, style.max_chars, transcript.language or "", style.max_duration, HARD_PAUSE)
    if not units:
        return []
    if speaker is not None and labelled:
        units = [_label_unit(speaker, units[0]), replace(units[0], space_before=True, cut_cost=LABEL_GLUE)] + units[1:]
    end_of_media = transcript.duration if transcript.duration and transcript.duration > 0 else math.inf
    plans = _choose_cues(units, style, lang, end_of_media, _forced_starts(transcript, units))
    cues = _time_cues(plans, style, end_of_media)
    return cues if speaker is None else _voiced(cues, speaker, labelled)


def _forced_starts(transcript: Transcript, units: list[Unit]) -> frozenset[int]:
    """The units a cue must start with: those beginning with a word listed (by its index in
    ``transcript.words``) in ``meta["cue_starts"]`` (an aligned script's lines kept as cue breaks)."""
    listed = transcript.meta.get("cue_starts")
    if not listed or not transcript.words:
        return frozenset()
    firsts = {id(transcript.words[k]) for k in listed if isinstance(k, int) and 0 < k < len(transcript.words)}
    return frozenset(i for i, unit in enumerate(units) if i and unit.words and id(unit.words[0]) in firsts)


def _label_unit(speaker: str, first: Unit) -> Unit:
    """The room a speaker's label takes on the first line: ``Name:`` glued to the first word."""
    return Unit(words=(), text=f"{speaker}:", space_before=False, start=first.start, end=first.start)


def _voiced(cues: list[Cue], speaker: str, labelled: bool) -> list[Cue]:
    """Cues of one speaker: each line's voice set; the first cue's label taken out of its text."""
    out = [replace(c, voices=(speaker,) * len(c.lines)) for c in cues]
    if not labelled or not out:
        return out
    first = out[0]
    head = first.lines[0][len(speaker) + 1 :].lstrip()  # the label kept room, never its own line
    lines = (head, *first.lines[1:]) if head else first.lines[1:]
    out[0] = replace(first, lines=lines, voices=(speaker,) * len(lines), label=speaker)
    return out


def _chars(lines: tuple[str, ...]) -> int:
    return sum(len(line) for line in lines)


def _choose_cues(
    units: list[Unit], style: Style, lang: str, end_of_media: float, forced: frozenset[int] = frozenset()
) -> list[_CueText]:
    n = len(units)
    max_cue_chars = style.max_chars * style.max_lines
    best = [math.inf] * (n + 1)
    back: list[tuple[int, tuple[str, ...]]] = [(0, ())] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] == math.inf:
            continue
        chars_est = -1
        pauses = 0.0
        for j in range(i + 1, n + 1):
            if j - 1 > i and j - 1 in forced:
                break  # a cue never runs over a forced start
            if j - 1 > i:
                gap = units[j - 1].start - units[j - 2].end
                if gap >= HARD_PAUSE:
                    break
                if gap > style.pause_split:
                    pauses += PAUSE_INSIDE + 2.0 * gap
            chars_est += len(units[j - 1].text) + 1
            if chars_est > max_cue_chars:
                break
            start, speech_end = units[i].start, units[j - 1].end
            if j - 1 > i and speech_end - start > style.max_duration:
                break
            laid = layout(units[i:j], style.max_chars, style.max_lines, lang)
            if laid is None:
                break
            line_cost, lines = laid
            cost = CUE_COST + line_cost + pauses
            if j < n:
                nxt = units[j].start
            else:  # the last cue: until the end of the media
                nxt = speech_end + style.max_duration if end_of_media == math.inf else end_of_media
            avail = min(nxt - start, style.max_duration)
            cost += _speed_cost(_chars(lines), avail, style)
            if j < n:
                after = units[j]
                cost += break_cost(lines[-1], after.text, lang) + after.cut_cost
                gap_after = after.start - speech_end
                if gap_after > style.pause_split:
                    cost -= PAUSE_AFTER + min(gap_after, 2.0)
                elif gap_after > 0.25:
                    cost -= 0.8
            total = best[i] + cost
            if total < best[j]:
                best[j] = total
                back[j] = (i, lines)
    plans: list[_CueText] = []
    j = n
    while j > 0:
        i, lines = back[j]
        plans.append(_CueText(tuple(units[i:j]), lines))
        j = i
    plans.reverse()
    return plans


def _speed_cost(chars: int, avail: float, style: Style) -> float:
    cost = 0.0
    if avail < style.min_duration:
        cost += SHORT_CUE
    avail = max(avail, 1e-3)
    cps = chars / avail
    if cps > style.target_cps:
        cost += OVER_TARGET_CPS * (cps - style.target_cps)
    if cps > style.max_cps:
        cost += OVER_MAX_CPS + OVER_MAX_CPS_SLOPE * (cps - style.max_cps)
    return cost


def _time_cues(plans: list[_CueText], style: Style, end_of_media: float) -> list[Cue]:
    """Display times for the chosen cues (see the module docstring, step 3)."""
    starts = [p.units[0].start for p in plans]
    ends: list[float] = []
    for k, p in enumerate(plans):
        start, speech_end = starts[k], p.speech_end
        nxt = starts[k + 1] if k + 1 < len(plans) else math.inf
        chars = _chars(p.lines)
        need = max(style.min_duration, chars / style.target_cps + 0.001)  # + 1 ms: rounding keeps it
        want = min(max(speech_end + style.linger, start + need), start + style.max_duration, end_of_media)
        end = min(want, nxt - style.min_gap)
        if nxt - end < style.chain_gap:  # close a small gap to exactly min_gap (style option)
            end = nxt - style.min_gap
        if nxt - end < style.min_gap + 1e-9 and (
            end - start < style.min_duration
            or chars / max(end - start, 1e-9) > style.target_cps
            or end < speech_end  # the next cue's speech follows within min_gap: no cue ends before its words
        ):
            end = nxt  # chain (gap 0) when the two frames are needed for the words, minimum duration or reading speed
        ends.append(min(end, start + style.max_duration))
    _lead_fast_cues(plans, starts, ends, style)
    _lag_fast_runs(plans, starts, ends, style, end_of_media)
    _lead_last_cue(plans, starts, ends, style, end_of_media)
    return _settle_ms(plans, starts, ends, style, end_of_media)


def _over_max_cps(chars: int, start: float, end: float, style: Style) -> bool:
    return end > start and chars / (end - start) > style.max_cps


def _lead_fast_cues(plans: list[_CueText], starts: list[float], ends: list[float], style: Style) -> None:
    """Show a cue still over ``max_cps`` up to ``max_lead`` before its first word, taking the time
    from the silence before it (never closer to the previous cue than ``min_gap``) (in place)."""
    for k, p in enumerate(plans):
        s, e = starts[k], ends[k]
        chars = _chars(p.lines)
        if not _over_max_cps(chars, s, e, style):
            continue
        new = max(e - chars / style.max_cps - 0.002, s - style.max_lead, _floor(ends, k, style), e - style.max_duration)
        if new < s:
            starts[k] = new


def _lag_fast_runs(
    plans: list[_CueText], starts: list[float], ends: list[float], style: Style, end_of_media: float
) -> None:
    """Give a cue that is chained to the next and still over ``max_cps`` some of the next cue's
    time, by showing the next cue up to ``max_lag`` after its first word (in place).

    The next cue keeps the time its own reading speed needs by ending later in turn, into the
    pause after it or, chained, into the cue after it, which then lags too: a fast speaker's run
    of cues drifts behind the speech and catches up at the next pause.  Never so late that the
    cues left could not each keep their minimum duration before the end of the media (a long word
    cut into pieces near the end of a file pushed its last piece past it: shown for 1 ms).
    """
    for k in range(len(plans) - 1):
        s, e = starts[k], ends[k]
        chars = _chars(plans[k].lines)
        if not _over_max_cps(chars, s, e, style) or not _chained(starts, ends, k + 1):
            continue
        want = min(s + chars / style.max_cps + 0.002, s + style.max_duration)
        latest = end_of_media - (len(plans) - k - 1) * style.min_duration
        new_next = min(want, plans[k + 1].units[0].start + style.max_lag, latest)
        if new_next <= starts[k + 1]:
            continue
        starts[k + 1] = ends[k] = new_next
        limit = starts[k + 2] if k + 2 < len(plans) else end_of_media
        need = max(style.min_duration, _chars(plans[k + 1].lines) / style.max_cps + 0.002)
        ends[k + 1] = max(ends[k + 1], min(new_next + need, limit, new_next + style.max_duration))


def _lead_last_cue(
    plans: list[_CueText], starts: list[float], ends: list[float], style: Style, end_of_media: float
) -> None:
    """Give the last cue, which cannot run past the end of the media, the time it needs from before
    it, showing it up to ``max_lead`` before its first word (in place).

    From the silence before it (never closer to the cue before than ``min_gap``) for its minimum
    duration and reading speed; and when it is chained to the cue before and still over
    ``max_cps``, from that cue, which in turn starts earlier, up to the first cue with a silence
    before it: a fast speaker whom the media cuts off is caught up with from behind.
    """
    if not plans or end_of_media == math.inf:
        return
    k = len(plans) - 1
    need = max(style.min_duration, _chars(plans[k].lines) / style.target_cps)
    if ends[k] - starts[k] < need - 1e-9 and not _chained(starts, ends, k):
        new = max(ends[k] - need - 0.001, plans[k].units[0].start - style.max_lead, _floor(ends, k, style))
        starts[k] = min(starts[k], new)
    while k >= 0 and _over_max_cps(chars := _chars(plans[k].lines), starts[k], ends[k], style):
        new = max(ends[k] - chars / style.max_cps - 0.002, plans[k].units[0].start - style.max_lead)
        if not _chained(starts, ends, k):
            starts[k] = min(starts[k], max(new, _floor(ends, k, style)))
            return
        new = max(new, starts[k - 1] + style.min_duration, plans[k - 1].speech_end)
        if new >= starts[k]:
            return
        starts[k] = ends[k - 1] = new
        k -= 1


def _floor(ends: list[float], k: int, style: Style) -> float:
    """The earliest cue ``k`` may start when it takes time from the silence before it."""
    return ends[k - 1] + style.min_gap if k else 0.0


def _chained(starts: list[float], ends: list[float], k: int) -> bool:
    """Whether cue ``k`` starts where the cue before it ends."""
    return k > 0 and starts[k] <= ends[k - 1] + 1e-9


def _settle_ms(
    plans: list[_CueText], starts: list[float], ends: list[float], style: Style, end_of_media: float
) -> list[Cue]:
    """Round to whole milliseconds and enforce the hard timing rules on the rounded values, and no
    cue past the end of the media."""
    gap = math.ceil(style.min_gap * 1000 - 1e-6)
    min_dur = math.ceil(style.min_duration * 1000 - 1e-6)
    max_dur = max(math.floor(style.max_duration * 1000 + 1e-6), 1)
    media_ms = round(end_of_media * 1000) if end_of_media != math.inf else math.inf
    s_ms = [round(s * 1000) for s in starts]
    e_ms = [round(e * 1000) for e in ends]
    final: list[tuple[int, int]] = []
    prev_end: int | None = None
    for k in range(len(plans)):
        s = s_ms[k]
        if prev_end is not None and s < prev_end + gap:
            s = prev_end  # chain (only ever moves a start by less than min_gap, or pushes it later)
        e = min(max(e_ms[k], s + 1, s + min_dur), s + max_dur)
        if k + 1 < len(plans):
            ns = s_ms[k + 1]
            if ns <= s:
                pass  # the next cue is pushed after this one
            elif e > ns:
                e = ns  # never into the next cue's speech: chain
            elif 0 < ns - e < gap:  # a gap under min_gap: widened to it, or closed (chained)
                speech_end = round(plans[k].speech_end * 1000)
                # not before the last word is over, unless chaining would exceed max_duration
                wide = (ns - gap >= speech_end or ns - s > max_dur) and ns - gap > s
                e = ns - gap if wide and (ns - gap - s >= min_dur or ns - s > max_dur) else ns
        final.append((s, e))
        prev_end = e
    # Back from the end of the media: cues that minimum durations or lags pushed past it end there,
    # chained (at least 1 ms each; only words crowded into the last milliseconds come to that).
    limit: float = media_ms  # inf without a media length
    for k in range(len(final) - 1, -1, -1):
        s, e = final[k]
        if e <= limit:
            break
        e = max(int(limit), k + 1)  # finite here (e > limit); the cues before need 1 ms each
        s = max(k, min(s, e - 1))
        if k and 0 < s - final[k - 1][1] < gap:
            s = final[k - 1][1]  # chain rather than leave a gap under min_gap
        final[k] = (s, e)
        limit = s
    return [
        Cue(s / 1000, e / 1000, p.lines, tuple(w for u in p.units for w in u.words))
        for (s, e), p in zip(final, plans, strict=True)
    ]


__all__ = ["segment"]
