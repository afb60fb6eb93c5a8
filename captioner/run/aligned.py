"""What a run says about a script it aligned, and the script's lines kept as cue breaks."""

from __future__ import annotations

from captioner.captions.review import timestamp
from captioner.core.transcript import Transcript

SHOWN = 5  # times listed in a note before "and N more"


def script_notes(transcript: Transcript, keep_lines: bool) -> list[str]:
    """Notes on the script's words the audio lacks and the speech the script lacks; with
    ``keep_lines``, the script's line starts become the transcript's forced cue starts."""
    aligned = transcript.meta.get("aligned") or {}
    if keep_lines:
        transcript.meta["cue_starts"] = list(aligned.get("line_starts") or [])
    notes = []
    unheard = aligned.get("unheard") or []
    if unheard:
        at = ", ".join(timestamp(float(u["start"])) for u in unheard[:SHOWN])
        more = f" and {len(unheard) - SHOWN} more" if len(unheard) > SHOWN else ""
        notes.append(
            f"{len(unheard)} script word(s) not heard in the audio (at {at}{more}): kept, timed between "
            "their neighbours, listed in the review (probability 0)"
        )
    unscripted = aligned.get("unscripted") or []
    if unscripted:
        spans = ", ".join(f"{timestamp(float(a))}-{timestamp(float(b))}" for a, b in unscripted[:SHOWN])
        more = f" and {len(unscripted) - SHOWN} more" if len(unscripted) > SHOWN else ""
        notes.append(f"speech the script lacks (not captioned): {spans}{more}")
    return notes
