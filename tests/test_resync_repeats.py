"""resync on long media whose captions say the same things again and again (a chorus, an intro, a
talk's recurring questions): an hour of 30 sentences in 16 rounds, each round in another order,
timed at 23.976 fps and played at 25, 3.7 s late, 12 s inserted and 8 s cut.  The media is heard in
sparse windows; each must be placed at its own round's occurrence of what it says, not at the first
occurrence in the captions (one difflib pass over the whole file did that, and refused the fit)."""

from __future__ import annotations

import random

from captioner.resync.anchors import Heard, match
from captioner.resync.judge import find
from captioner.resync.sampling import listen

RATE = 25 / (24000 / 1001)
INSERT_AT, INSERTED = 1234.5, 12.0  # original time where 12 s of other material was inserted
REMOVE_AT, REMOVED = 2718.0, 8.0  # original time where 8 s were cut
_VOCABULARY = (
    "the of and to in that it was for on as with he be at by his had from this not but which or were "
    "are an they one all their has been have we would who more when there so if no out up what about "
    "into than them only other its new some time could these two may then do first any my now such like "
    "our over man me even most made after also did many before must through back years where much your "
    "way well down should because each just those people how too little state good very make world still"
).split()


def _media(t: float) -> float | None:
    """Where original time ``t`` is in the edited media (None: cut)."""
    if REMOVE_AT <= t < REMOVE_AT + REMOVED:
        return None
    return RATE * (t + (INSERTED if t >= INSERT_AT else 0.0) - (REMOVED if t >= REMOVE_AT + REMOVED else 0.0)) + 3.7


def _sentences(rng: random.Random) -> list[list[str]]:
    """30 sentences of 12-24 common words: they share many a 2- and 3-word run, as speech does."""
    return [[rng.choice(_VOCABULARY) for _ in range(rng.randint(12, 24))] for _ in range(30)]


def _hour(seed: int):
    """The cues (original times: a cue a sentence, 16 shuffled rounds) and a ``hear`` returning the
    words said in a stretch of the edited media, jittered, one in 30 dropped and one in 30 misheard."""
    rng = random.Random(seed)
    sentences = _sentences(rng)
    cues, spoken, t = [], [], 0.5
    for _ in range(16):
        order = list(range(len(sentences)))
        rng.shuffle(order)
        for k in order:
            words = sentences[k]
            cues.append((t, t + 0.4 * len(words), " ".join(words)))
            for i, word in enumerate(words):
                where = _media(t + 0.4 * i)
                if where is None or rng.random() < 1 / 30:
                    continue
                said = "mumble" if rng.random() < 1 / 30 else word
                jitter = rng.gauss(0, 0.04)
                spoken.append(Heard(said, where + jitter, where + jitter + 0.3))
            t += 0.4 * len(words) + rng.uniform(0.3, 1.5)
    spoken.sort(key=lambda w: w.start)

    def hear(start: float, end: float) -> list[Heard]:
        return [w for w in spoken if start <= w.start and w.end <= end]

    return cues, hear, _media(t) or t


def test_repeated_sentences_are_placed_in_their_own_round() -> None:
    cues, hear, duration = _hour(28)
    heard = listen(cues, duration, hear)
    found = find(cues, heard.words, heard.spans)
    assert abs(found.fit.rate - RATE) < 1e-9
    assert sorted(round(s, 1) for _, s in found.fit.splits) == [round(-REMOVED * RATE, 1), round(INSERTED * RATE, 1)]
    truth = [(start, _media(start)) for start, _, _ in cues]
    close = [abs(found.fit.at(start) - where) <= 0.10 for start, where in truth if where is not None]
    assert sum(close) >= 0.95 * len(close), f"{sum(close)} of {len(close)}"


def test_a_window_heard_late_is_not_paired_with_the_first_round() -> None:
    """Every anchor of a few sparse windows lands on the occurrence its media time belongs to."""
    cues, hear, duration = _hour(5)
    spans = [(k * 400.0 + 100.0, k * 400.0 + 120.0) for k in range(8)]
    words = [w for a, b in spans for w in hear(a, b)]
    anchors = match(cues, words, spans).anchors
    assert len(anchors) >= 8 * 3
    starts = {start: _media(start) for start, _, _ in cues}
    wrong = [a for a in anchors if a.is_start and abs((starts[a.caption] or -1e9) - a.media) > 1.0]
    assert not wrong, wrong[:3]
