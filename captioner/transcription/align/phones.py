"""English word times from a phone-level forced alignment (PocketSphinx).

Whisper's cross-attention finds which stretch of a window a word is in, but its word starts are
0.1-0.2 s early and a word after a pause often starts inside the pause (benchmarks/align.py).
A phone-level aligner times words to the sound itself: PocketSphinx's wheel carries CMU's en-us
acoustic model and pronouncing dictionary (BSD licences), and aligns a known text with an HMM
at 10 ms frames, as the Montreal Forced Aligner that made the corpus' references does.  It is
only for English: the wheel has no other acoustic model.

A stretch of audio (a window the Whisper aligner timed) is aligned with its words.  A word the
dictionary lacks is given a pronunciation made of its parts' (split at hyphens and apostrophes),
or else one spelt out by :func:`spelt` (rough, but of about the word's length: the HMM's
durations then keep its neighbours in place), or spoken noise for a word in another alphabet.
Digits are said one by one ("1455": one four five five).  Where the search cannot reach the end
of the text, the stretch keeps Whisper's times.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# This module is also what a phone worker process imports (phone_workers.py): nothing heavier than
# PocketSphinx.  16 kHz is captioner.media.audio's rate, the one the en-us model was trained at.
SAMPLE_RATE = 16_000

FRAME_SECONDS = 0.01  # PocketSphinx's frame rate: 100 a second
# Beams for a stretch the default ones lose (the corpus' speaker with a cold): 5 times slower.
WIDE_BEAMS = {"beam": 1e-100, "wbeam": 1e-80, "pbeam": 1e-100, "maxhmmpf": -1}
SPOKEN_NOISE = "+SPN+"  # the en-us model's filler phone for speech it cannot transcribe
_FILLERS = re.compile(r"^(?:<s>|</s>|<sil>|\[[A-Z]+\])$")
_PARTS = re.compile(r"[-'\u2019]")
_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# Letters to CMU phones, longest spelling first: a rough reading of an English-looking word the
# dictionary lacks (a name, a coinage), for its length more than its sounds.
_SPELLINGS = {
    "tch": "CH", "sch": "S K", "igh": "AY",
    "ch": "CH", "sh": "SH", "th": "TH", "ph": "F", "gh": "G", "ck": "K", "ng": "NG", "qu": "K W",
    "wh": "W", "ee": "IY", "ea": "IY", "oo": "UW", "ou": "AW", "ow": "OW", "oi": "OY", "oy": "OY",
    "ai": "EY", "ay": "EY", "ei": "AY", "ey": "EY", "ie": "IY", "au": "AO", "aw": "AO", "oa": "OW",
    "ue": "UW", "ew": "UW", "er": "ER", "ar": "AA R", "or": "AO R",
    "a": "AE", "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH", "i": "IH",
    "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "o": "AA", "p": "P", "q": "K", "r": "R",
    "s": "S", "t": "T", "u": "AH", "v": "V", "w": "W", "x": "K S", "y": "IY", "z": "Z",
}  # fmt: skip


@dataclass(frozen=True)
class PhoneTimed:
    """A word's start and end in seconds, from the stretch's start."""

    start: float
    end: float


def available() -> bool:
    """Whether PocketSphinx (and its en-us model) can be imported."""
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return False
    return True


def dictionary_form(word: str) -> str:
    """A script word as the CMU dictionary spells it: lower case, apostrophes straight, the
    punctuation around it dropped ("Printing," -> "printing", "I’m" -> "i'm")."""
    text = unicodedata.normalize("NFKC", word).replace("\u2019", "'").casefold()
    kept = "".join(ch for ch in text if ch in "-'" or unicodedata.category(ch)[0] in "LN")
    return kept.strip("-'")


def _decoder(**beams: float) -> Any:
    from pocketsphinx import Decoder

    # topn 2 (Gaussians scored per frame; 4 by default): a fifth faster, the same times on the
    # corpus' MFA readings.  (Scoring every other frame, ds 2, is a third faster again but lets
    # words start inside pauses: JFK's "what" 0.5 s early.)
    return Decoder(samprate=SAMPLE_RATE, lm=None, topn=2, loglevel="FATAL", **beams)


def spelt(word: str) -> str:
    """A rough pronunciation of a lower-case word from its letters (see _SPELLINGS): accents
    dropped, a doubled consonant said once, a final silent e dropped; "" when it has no Latin
    letters."""
    letters = "".join(ch for ch in unicodedata.normalize("NFKD", word) if "a" <= ch <= "z")
    if len(letters) > 3 and letters.endswith("e") and letters[-2] not in "aeiou":
        letters = letters[:-1]
    phones: list[str] = []
    k = 0
    while k < len(letters):
        for size in (3, 2, 1):
            spelling = letters[k : k + size]
            if len(spelling) == size and spelling in _SPELLINGS:
                said = _SPELLINGS[spelling]
                if not phones or said != phones[-1]:
                    phones.append(said)
                k += size
                break
    return " ".join(phones)


def pcm16(audio: np.ndarray) -> bytes:
    """Float samples in [-1, 1] as the 16-bit little-endian PCM PocketSphinx reads."""
    import numpy as np

    return (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()


class PhoneAligner:
    """One PocketSphinx decoder (its dictionary loaded once, 0.1 s), used by one thread at a time
    (the others wait)."""

    def __init__(self) -> None:
        self._decoder = _decoder()
        self._wide: Any = None  # the same with WIDE_BEAMS, made when a stretch first needs it
        self._lock = threading.Lock()
        self._added: dict[str, str] = {}

    def time(self, audio: np.ndarray, words: Sequence[str]) -> list[PhoneTimed | None] | None:
        """Each of ``words`` timed in ``audio`` (float32 16 kHz; the stretch that holds them, with
        silence or other sound around them allowed); a word without letters or digits is not
        timed (None).  None when the alignment fails (the search did not reach the text's end)."""
        return self.time_pcm(pcm16(audio), words)

    def time_pcm(self, pcm: bytes, words: Sequence[str]) -> list[PhoneTimed | None] | None:
        """:meth:`time` of 16-bit little-endian 16 kHz samples (see :func:`pcm16`)."""
        with self._lock:
            names = [self._name(dictionary_form(w)) for w in words]
            said = [n for n in names if n]
            if not said:
                return [None] * len(words)
            found = self._align(self._decoder, " ".join(said), pcm)
            if found is None:  # the search lost the path (noisy or disfluent speech): wider beams
                if self._wide is None:
                    self._wide = _decoder(**WIDE_BEAMS)
                    for name in self._added.values():
                        self._wide.add_word(name, self._decoder.lookup_word(name), False)
                found = self._align(self._wide, " ".join(said), pcm)
        if found is None or len(found) != len(said):
            return None
        timed = iter(found)
        return [next(timed) if n else None for n in names]

    def _align(self, decoder: Any, text: str, pcm: bytes) -> list[PhoneTimed] | None:
        try:
            # The feature front end adapts to what it heard (its cepstral mean, its noise floor):
            # started afresh, a stretch's times do not depend on the stretches before it, nor on
            # which worker process timed it.
            decoder.reinit_feat()
            decoder.set_align_text(text)
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
        except RuntimeError:
            return None
        segments = decoder.seg()
        if segments is None:
            return None
        out = []
        for segment in segments:
            if _FILLERS.match(segment.word):
                continue
            out.append(PhoneTimed(segment.start_frame * FRAME_SECONDS, (segment.end_frame + 1) * FRAME_SECONDS))
        return out

    def _name(self, form: str) -> str:
        """The dictionary entry ``form`` is aligned as (added when the dictionary lacks it);
        "" for a word with nothing to say."""
        if not form:
            return ""
        if form in self._added:
            return self._added[form]
        decoder = self._decoder
        if decoder.lookup_word(form) is not None:
            return form
        name = "captioner-" + re.sub(r"[^0-9a-z'-]", "_", form.encode("ascii", "backslashreplace").decode())
        phones = []
        for part in (p for p in _PARTS.split(form) if p):
            for piece in re.findall(r"\d|\D+", part):
                known = decoder.lookup_word(_DIGITS[int(piece)] if piece.isdigit() else piece)
                phones.append(known or spelt(piece))
        pronunciation = " ".join(p for p in phones if p) or SPOKEN_NOISE
        decoder.add_word(name, pronunciation, False)
        if self._wide is not None:
            self._wide.add_word(name, pronunciation, False)
        self._added[form] = name
        return name
