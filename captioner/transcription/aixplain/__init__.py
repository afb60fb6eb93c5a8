"""Whisper hosted on aiXplain (the optional ``aixplain`` extra).

The defaults below are importable without the SDK (the command line shows them in its help).
"""

DEFAULT_TIMEOUT = 600.0  # seconds one piece of audio may take, upload, run and retries included
DEFAULT_JOBS = 2  # requests in flight
KEY_ENV_VARS = ("AIXPLAIN_API_KEY", "TEAM_API_KEY")  # where the SDK looks for the key
# The model's only inputs are the audio and a language (docs: its params): no prompt, no hotwords.
TAKES_PROMPT = False
