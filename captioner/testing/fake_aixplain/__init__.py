"""A loopback fake of the aiXplain service, written from the protocol reference.

It serves what the aiXplain SDK talks to when captioner transcribes with the Whisper Large
model: the model record (``GET /v2/models/{id}``), runs (``POST /api/v2/execute/{id}`` and the
legacy ``/api/v1/execute/{id}``), polls (``GET /api/v1/data/{requestId}``), and the temporary
upload flow (``POST /sdk/file/upload/temp-url`` -> ``PUT`` to a presigned URL -> a download link,
both served by the fake itself under ``/storage/``).  The transcript it answers with is made
from the uploaded audio: by a local faster-whisper model when one is given (real timestamps),
else from a scripted ``rawData``.

Every request is recorded (credential headers redacted).  :class:`Scenario` switches on the
failure modes a client has to survive.  Use it from tests as a context manager::

    with FakeAixplain(api_key="k", transcriber=WhisperTranscriber(model)) as fake:
        monkeypatch.setenv(...)  # fake.env()
        ...
        fake.requests  # what the client sent

or run it by hand: ``python -m captioner.testing.fake_aixplain [--port N] [--model DIR]``.

Modules: ``server`` (:class:`FakeAixplain`: state, lifecycle, the HTTP server), ``handler`` (the
route table and one method per route), ``jobs`` (a run's final answer), ``scenarios`` (:class:`Fault`,
:class:`Scenario`), ``errors`` (error bodies), ``log`` (:class:`Recorded`), ``transcribers``, ``data``
(the model record and the JFK fixture), ``__main__`` (the command line).
"""

from captioner.testing.fake_aixplain.data import (
    DEFAULT_MODEL_ID,
    JFK_RAW,
    JFK_TEXT,
    JFK_WORDS,
    MODEL_RECORD,
    PRICE_PER_MINUTE,
)
from captioner.testing.fake_aixplain.errors import ERRORS, STATUS_ERRORS
from captioner.testing.fake_aixplain.log import Recorded
from captioner.testing.fake_aixplain.scenarios import NEVER, ROUTES, Fault, Scenario
from captioner.testing.fake_aixplain.server import FakeAixplain
from captioner.testing.fake_aixplain.transcribers import Transcriber, WhisperTranscriber, scripted

__all__ = [
    "DEFAULT_MODEL_ID",
    "ERRORS",
    "JFK_RAW",
    "JFK_TEXT",
    "JFK_WORDS",
    "MODEL_RECORD",
    "NEVER",
    "PRICE_PER_MINUTE",
    "ROUTES",
    "STATUS_ERRORS",
    "FakeAixplain",
    "Fault",
    "Recorded",
    "Scenario",
    "Transcriber",
    "WhisperTranscriber",
    "scripted",
]
