"""A worker's answer as compact JSON bytes, and the client's refusal of anything else.

Dask serialises a task's result with the serializers the receiving end asks for.  The client asks
for one family only, ``captioner-json`` (:data:`DESERIALIZERS`), which carries plain ``bytes``
and nothing else: a worker that returns any other object (a pickled one, a dict) cannot serialise
it that way, and the client gets an error in its place, never the object.  So the client
unpickles no result of a worker; the bytes are then read as JSON (bounded by the audio the
worker was sent) and checked by :mod:`captioner.transcription.cluster.answers` like any answer.

A task that raised is told to the client by the scheduler with the exception pickled inside;
:func:`refuse_pickled_errors` makes the client record such a task as failed without unpickling it.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from distributed.protocol.serialize import register_serialization_family

from captioner.core.transcript import Segment, Transcript, Word
from captioner.transcription.local.piecewise import PieceResult, PieceStart

FAMILY = "captioner-json"
DESERIALIZERS = [FAMILY]  # the client's Client(deserializers=...): plain bytes only
BYTES_PER_SECOND = 4000  # of JSON, per second of audio: 20 words a second at ~100 bytes each, and segments
SLACK_BYTES = 1 << 16


class AnswerRefused(ValueError):
    """A worker's answer that is not transcript JSON: one line, never quoting the answer."""


def _dumps(value: Any) -> tuple[dict[str, Any], list[bytes]]:
    if type(value) is not bytes:
        raise TypeError(f"{FAMILY} carries bytes only, not a {type(value).__name__}")
    return {"type": "bytes"}, [value]


def _loads(header: dict[str, Any], frames: list[Any]) -> bytes:
    if header.get("type") != "bytes":
        raise TypeError(f"{FAMILY} carries bytes only")
    return b"".join(bytes(frame) for frame in frames)


register_serialization_family(FAMILY, _dumps, _loads)


def refuse_pickled_errors(client: Any) -> None:
    """Record a failed task on ``client`` without unpickling the worker's exception (see the module doc)."""

    def erred(key: Any = None, exception: Any = None, traceback: Any = None, **_: Any) -> None:
        state = client.futures.get(key)
        if state is not None:
            state.status = "error"
            state.exception = TaskFailed("the task failed on every worker that took it (see the workers' logs)")
            state.traceback = None
            state._get_event().set()

    client._stream_handlers["task-erred"] = erred


class AnswerLost(Exception):
    """A finished task whose answer could not be fetched (its worker went away, a connection
    failed): the task may be run again; the exception's type names the cause."""


def fetch(future: Any) -> Any:
    """A finished task's result as the client received it: bytes, or :class:`AnswerRefused` when
    Dask refused it on the way in (serialised another way than ``captioner-json``: Dask's
    TypeError), or :class:`AnswerLost` when it could not be fetched at all."""
    try:
        return future.result()
    except TypeError:
        raise AnswerRefused("not transcript JSON bytes (refused unread)") from None
    except Exception as exc:
        raise AnswerLost(type(exc).__name__) from None


class TaskFailed(Exception):
    """A task Dask gave up on (its workers died or it raised there): the worker's exception unread."""


# -- the worker's side ---------------------------------------------------------------------------
def _compact(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_plain).encode()


def _plain(value: Any) -> Any:
    """A NumPy scalar (the decoder's scores) as the Python number it holds."""
    item = getattr(value, "item", None)
    if item is None:
        raise TypeError(f"{type(value).__name__} is not JSON")
    return item()


def encode_piece(result: PieceResult) -> bytes:
    """A decoded piece as JSON (times and scores exact: Python writes floats that read back equal)."""
    start = result.start
    prompt = list(start.prompt) if isinstance(start.prompt, tuple) else start.prompt
    return _compact(
        {
            "index": result.index,
            "start": [start.language, start.gate_language, start.gate_sure, prompt, start.batched],
            "segments": [
                [
                    s.id,
                    s.seek,
                    s.start,
                    s.end,
                    s.text,
                    list(s.tokens),
                    s.temperature,
                    s.avg_logprob,
                    s.compression_ratio,
                    s.no_speech_prob,
                    s.speaker,
                ]
                for s in result.segments
            ],  # fmt: skip
            "words": [[w.word, w.start, w.end, w.probability, w.speaker] for w in result.words],
            "speech": [list(r) for r in result.speech],
            "detected": list(result.detected),
            "heard": [list(h) for h in result.heard],
            "gate_after": list(result.gate_after),
            "repaired": dict(result.repaired),
            "silence": result.silence,
            "vocabulary": dict(result.vocabulary),
            "worker": result.worker,
            "seconds": result.seconds,
            "utterances": None if result.utterances is None else [list(r) for r in result.utterances],
        }
    )


def encode_file(digest: str, transcript: Transcript) -> bytes:
    """A whole file's transcript (``--workers-read-media``) and the hash of the audio it was read from."""
    return _compact(
        {
            "hash": digest,
            "language": transcript.language,
            "duration": transcript.duration,
            "text": transcript.text,
            "task": transcript.task,
            "segments": [_segment(s) for s in transcript.segments],
            "words": None if transcript.words is None else [_word(w) for w in transcript.words],
            "meta": transcript.captioner_block(),  # with the voice regions
        }
    )


def _segment(s: Segment) -> list[Any]:
    return [s.id, s.seek, s.start, s.end, s.text, list(s.tokens), s.temperature, s.avg_logprob,
            s.compression_ratio, s.no_speech_prob, s.speaker]  # fmt: skip


def _word(w: Word) -> list[Any]:
    return [w.word, w.start, w.end, w.probability, w.speaker]


def encode_failure(message: str) -> bytes:
    """A piece that failed for good (see :class:`captioner.transcription.cluster.wire.PieceFailure`)."""
    return _compact({"failure": message})


def encode_guess(guess: tuple[str, float] | None) -> bytes:
    return _compact(None if guess is None else [guess[0], guess[1]])


# -- the client's side ---------------------------------------------------------------------------
def read_json(value: Any, seconds: float) -> Any:
    """The JSON a worker answered for ``seconds`` of audio; :class:`AnswerRefused` for anything else."""
    if type(value) is not bytes:
        raise AnswerRefused(f"a {type(value).__name__}, not transcript JSON bytes")
    if len(value) > BYTES_PER_SECOND * seconds + SLACK_BYTES:
        raise AnswerRefused(f"{len(value)} bytes of JSON for {seconds:.1f} s of audio")
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        raise AnswerRefused("not JSON") from None


def read_piece(data: Any) -> PieceResult | str:
    """The :class:`PieceResult` in a worker's JSON, or the message of a piece that failed for good;
    :class:`AnswerRefused` when the JSON is not shaped as :func:`encode_piece` writes it (the
    values are then checked by :func:`captioner.transcription.cluster.answers.piece_problem`)."""
    if isinstance(data, dict) and set(data) == {"failure"}:
        return data["failure"] if isinstance(data["failure"], str) else "the worker gave no reason"
    try:
        start = data["start"]
        prompt = start[3]
        return PieceResult(
            index=data["index"],
            start=PieceStart(
                start[0], start[1], start[2], tuple(prompt) if isinstance(prompt, list) else prompt, start[4]
            ),  # fmt: skip
            segments=[_read_segment(s) for s in data["segments"]],
            words=[Word(*w) for w in data["words"]],
            speech=_pairs(data["speech"]),
            detected=tuple(data["detected"]),
            heard=_pairs(data["heard"]),
            gate_after=tuple(data["gate_after"]),
            repaired=dict(data["repaired"]),
            silence=data["silence"],
            vocabulary=Counter(dict(data["vocabulary"])),
            worker=data["worker"],
            seconds=data["seconds"],
            utterances=None if data["utterances"] is None else _pairs(data["utterances"]),
        )
    except (KeyError, IndexError, TypeError, ValueError):
        raise AnswerRefused("JSON that is not a decoded piece") from None


def read_file(data: Any) -> tuple[str, Transcript] | str:
    """The audio hash and transcript in a worker's JSON for a whole file, or the message of a file
    that failed there; :class:`AnswerRefused` when it is not shaped as :func:`encode_file` writes
    it (the values are then checked by :func:`captioner.transcription.cluster.answers.file_problem`)."""
    if isinstance(data, dict) and set(data) == {"failure"}:
        return data["failure"] if isinstance(data["failure"], str) else "the worker gave no reason"
    try:
        words = data["words"]
        transcript = Transcript(
            language=data["language"],
            duration=data["duration"],
            segments=[_read_segment(s) for s in data["segments"]],
            words=None if words is None else [Word(*w) for w in words],
            text=data["text"],
            task=data["task"],
            meta=dict(data["meta"]),
        )
        digest = data["hash"]
    except (KeyError, IndexError, TypeError, ValueError):
        raise AnswerRefused("JSON that is not a transcript") from None
    if not isinstance(digest, str) or len(digest) != 64:
        raise AnswerRefused("no audio hash")
    return digest, transcript


def _read_segment(s: Any) -> Segment:
    if not isinstance(s, list) or len(s) != 11:
        raise TypeError("not a segment")
    return Segment(s[0], s[1], s[2], s[3], s[4], tuple(s[5]), *s[6:11])


def _pairs(items: Any) -> list[tuple[Any, Any]]:
    if not isinstance(items, list):
        raise TypeError("not a list")
    return [tuple(item) if isinstance(item, list) else item for item in items]


def read_guess(data: Any) -> Any:
    """A language guess: ``[language, probability]`` as a tuple (checked by ``guess_problem``), or None."""
    return tuple(data) if isinstance(data, list) else data
