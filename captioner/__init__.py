"""captioner: readable captions (.srt, .vtt) for video and audio with Whisper."""

__version__ = "0.1.0"
