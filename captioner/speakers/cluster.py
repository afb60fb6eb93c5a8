"""Who speaks when, from one signal: voice embeddings of 1.6 s windows over the speech, grouped by
SciPy's hierarchical clustering (average linkage on cosine distance).

SciPy, not scikit-learn: the same agglomerative clustering without scikit-learn's extra packages
(scikit-learn needs SciPy anyway), and a dendrogram cut by a distance (unknown number of
speakers) or by a count (``--num-speakers``) from one linkage.

A single speaker is never split by chance: a voice needs :data:`MIN_VOICE_SECONDS` of windows of
its own (a smaller cluster joins its nearest), and two voices whose centroids are more alike than
:data:`SAME_VOICE` are one.  When the closest pair of voices kept is within
:data:`UNSURE_MARGIN` of that limit, the result is marked unsure (the review list says so).
Windows are :data:`HOP` apart (the cost is a window's LSTM, ~15 ms of one core: the 3.7-minute
reading takes ~260); where the voice changes from one window to the next, :data:`BISECTIONS`
rounds of windows halfway between place the change within 0.1 s.  Windows end to end (1.6 s
apart) halve the cost but split en_mfa_acoustic_corpus, a single speaker, in two (similarity
0.68) and found 3 voices in en_mfa_two_speakers_stereo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from captioner.speakers.encoder import PARTIAL_SAMPLES, SAMPLE_RATE, embed_windows, louder

WINDOW = PARTIAL_SAMPLES / SAMPLE_RATE  # 1.6 s
HOP = 0.8  # seconds between windows
BISECTIONS = 3  # 0.8 s / 2**3 = 0.1 s
CUT = 0.40  # cosine distance at which the dendrogram is cut (unknown number of speakers)
SAME_VOICE = 0.75  # centroids at least this similar are one voice
UNSURE_MARGIN = 0.05
WORD_JOIN = 0.3  # s: a word this close to speech or another word joins its region (see with_words)
MIN_VOICE_SECONDS = 3.0  # of speech, counted in windows (HOP each): a smaller cluster joins its nearest


@dataclass
class Voices:
    """The windows (their centres, seconds), the voice each was given (0, 1, ... in order of
    first appearance), each voice's centroid (L2-normed), the similarity of the two closest
    voices and whether the count is in doubt."""

    centres: np.ndarray
    labels: np.ndarray
    centroids: np.ndarray
    closest: float = -1.0
    unsure: bool = False

    @property
    def count(self) -> int:
        return len(self.centroids)


Span = tuple[float, float]


def with_words(speech: Sequence[Span], words: Sequence[Span]) -> list[Span]:
    """The speech regions joined with the spans of the words heard (as regions :data:`WORD_JOIN`
    apart or closer, merged): a quiet voice the VAD misses is still speech where Whisper heard its
    words (en_mfa_two_speakers_stereo's second speaker, another room: the VAD kept 2 of its 26 s)."""
    merged: list[Span] = []
    for a, b in sorted([*speech, *words]):
        if merged and a <= merged[-1][1] + WORD_JOIN:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def window_starts(speech: Sequence[tuple[float, float]], duration: float, hop: float = HOP) -> np.ndarray:
    """Window starts (seconds) every ``hop`` over each speech region; a region shorter than a
    window gets one window centred on it."""
    starts: list[float] = []
    last = max(0.0, duration - WINDOW)
    for a, b in speech:
        if b - a <= WINDOW:
            starts.append(min(max(0.0, (a + b - WINDOW) / 2), last))
            continue
        run = [*np.arange(a, b - WINDOW, hop), b - WINDOW]
        starts.extend(min(float(s), last) for s in run)
    return np.array(sorted({round(s, 2) for s in starts}))


def find_voices(
    audio: np.ndarray,
    speech: Sequence[tuple[float, float]],
    num_speakers: int | None = None,
    max_speakers: int | None = None,
) -> Voices:
    """The voices of 16 kHz ``audio`` over its ``speech`` regions (seconds)."""
    duration = len(audio) / SAMPLE_RATE
    starts = window_starts(speech, duration)
    spoken = [audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)] for a, b in speech]
    audio = louder(audio, np.concatenate(spoken) if spoken else None)
    embeddings = embed_windows(audio, (starts * SAMPLE_RATE).astype(int))
    labels, closest, unsure = cluster(embeddings, num_speakers, max_speakers)
    keys, centroids = centroids_of(embeddings, labels)
    labels = np.searchsorted(keys, labels)
    centres, labels = _place_changes(audio, starts + WINDOW / 2, labels, centroids)
    return _ordered(Voices(centres, labels, centroids, closest, unsure))


def cluster(embeddings: np.ndarray, num: int | None, most: int | None) -> tuple[np.ndarray, float, bool]:
    """A voice for each embedding, the similarity of the two closest voices (-1 for one voice),
    and whether the number of voices is in doubt."""
    from scipy.cluster.hierarchy import fcluster, linkage

    if len(embeddings) < 2 or num == 1:
        return np.zeros(len(embeddings), dtype=int), -1.0, False
    tree = linkage(embeddings, method="average", metric="cosine")
    if num is not None:
        labels = fcluster(tree, t=min(num, len(embeddings)), criterion="maxclust") - 1
        return labels, _closest(embeddings, labels), False
    labels = _absorb_small(embeddings, fcluster(tree, t=CUT, criterion="distance") - 1)
    labels, closest = _merge_same(embeddings, labels)
    if most is not None and len(set(labels.tolist())) > most:
        labels = _absorb_small(embeddings, fcluster(tree, t=most, criterion="maxclust") - 1)
        closest = _closest(embeddings, labels)
    return labels, closest, closest > SAME_VOICE - UNSURE_MARGIN


def centroids_of(embeddings: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The labels present and each one's mean embedding, L2-normed."""
    keys = np.unique(labels)
    if not len(keys):
        return keys, np.zeros((0, embeddings.shape[1]), dtype=np.float32)
    means = np.stack([embeddings[labels == k].mean(axis=0) for k in keys])
    return keys, means / np.linalg.norm(means, axis=1, keepdims=True)


def _closest(embeddings: np.ndarray, labels: np.ndarray) -> float:
    _, means = centroids_of(embeddings, labels)
    if len(means) < 2:
        return -1.0
    sims = means @ means.T
    np.fill_diagonal(sims, -np.inf)
    return float(sims.max())


def _absorb_small(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Clusters of less than :data:`MIN_VOICE_SECONDS` given to the most similar other cluster."""
    labels = labels.copy()
    least = max(1, int(np.ceil(MIN_VOICE_SECONDS / HOP)))
    while True:
        keys, counts = np.unique(labels, return_counts=True)
        if len(keys) < 2 or counts.min() >= least:
            return labels
        small = int(np.argmin(counts))
        _, means = centroids_of(embeddings, labels)
        sims = means @ means[small]
        sims[small] = -np.inf
        labels[labels == keys[small]] = keys[int(np.argmax(sims))]


def _merge_same(embeddings: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
    """Clusters whose centroids are at least :data:`SAME_VOICE` alike merged; the similarity of
    the closest pair left (-1 with one cluster)."""
    labels = labels.copy()
    while True:
        keys, means = centroids_of(embeddings, labels)
        if len(keys) < 2:
            return labels, -1.0
        sims = means @ means.T
        np.fill_diagonal(sims, -np.inf)
        a, b = np.unravel_index(int(np.argmax(sims)), sims.shape)
        if sims[a, b] < SAME_VOICE:
            return labels, float(sims[a, b])
        labels[labels == keys[b]] = keys[a]


def _place_changes(
    audio: np.ndarray, centres: np.ndarray, labels: np.ndarray, centroids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Between neighbouring windows of different voices (at most two hops apart), windows halfway,
    then halfway between the two nearest of different voices, :data:`BISECTIONS` times (all the
    changes' windows of a round embedded at once); every window kept, in time order."""
    pairs = [
        [centres[k - 1], centres[k], labels[k - 1]]
        for k in range(1, len(centres))
        if labels[k] != labels[k - 1] and centres[k] - centres[k - 1] <= 2 * HOP + 1e-6
    ]
    extra_c: list[float] = []
    extra_l: list[int] = []
    for _ in range(BISECTIONS if pairs else 0):
        mids = np.array([(a + b) / 2 for a, b, _ in pairs])
        fine = embed_windows(audio, ((mids - WINDOW / 2).clip(0) * SAMPLE_RATE).astype(int))
        heard = np.argmax(fine @ centroids.T, axis=1)
        for pair, mid, voice in zip(pairs, mids, heard, strict=True):
            pair[0 if voice == pair[2] else 1] = mid
        extra_c.extend(mids.tolist())
        extra_l.extend(int(v) for v in heard)
    if not extra_c:
        return centres, labels
    all_c = np.concatenate([centres, extra_c])
    all_l = np.concatenate([labels, np.array(extra_l, dtype=int)])
    order = np.argsort(all_c, kind="stable")
    return all_c[order], all_l[order]


def _ordered(voices: Voices) -> Voices:
    """The voices renumbered in order of first appearance."""
    order: list[int] = []
    for k in voices.labels.tolist():
        if k not in order:
            order.append(k)
    order += [k for k in range(voices.count) if k not in order]
    new = np.array([order.index(k) for k in voices.labels.tolist()], dtype=int)
    return Voices(voices.centres, new, voices.centroids[order], voices.closest, voices.unsure)
