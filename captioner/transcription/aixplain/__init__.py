"""Whisper hosted on aiXplain (the optional ``aixplain`` extra).

The defaults below are importable without the SDK (the command line shows them in its help), and
so is the backend's name and what it takes (:func:`aixplain_identity`, :data:`CAPABILITIES`): a
tree's check names it without importing the backend's HTTP stack.
"""

from __future__ import annotations

import os

from captioner.transcription.base import Capabilities

DEFAULT_TIMEOUT = 600.0  # seconds one piece of audio may take, upload, run and retries included
DEFAULT_JOBS = 2  # requests in flight
KEY_ENV_VARS = ("AIXPLAIN_API_KEY", "TEAM_API_KEY")  # where the SDK looks for the key
# The model's only inputs are the audio and a language (docs: its params): no prompt, no hotwords.
TAKES_PROMPT = False
# It fetches a URL itself (transcribe_url), and takes neither prompt nor vocabulary.
CAPABILITIES = Capabilities(prompt=TAKES_PROMPT, urls=True)
DEFAULT_MODEL_ID = "66311fda6eb563279c574b71"  # Whisper Large on Groq
DEFAULT_MODELS_URL = "https://models.aixplain.com/api/v2/execute"


def aixplain_identity(model_id: str | None = None, models_url: str | None = None) -> dict[str, str]:
    """The backend's name for caches and metadata, known before any request (never the key)."""
    endpoint = (models_url or os.environ.get("MODELS_RUN_URL") or DEFAULT_MODELS_URL).rstrip("/")
    return {"backend": "aixplain", "model": model_id or DEFAULT_MODEL_ID, "endpoint": endpoint}
