"""Whisper hosted on aiXplain (the optional ``aixplain`` extra).

The defaults below are importable without the SDK (the command line shows them in its help).
"""

DEFAULT_TIMEOUT = 600.0  # seconds one piece of audio may take, upload, run and retries included
DEFAULT_JOBS = 2  # requests in flight
