"""What the hosted model takes as a URL as it is: the provider's size limit and containers.

Groq's Whisper reads flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav and webm files of 25 MB at most
(its speech-to-text documentation).  The container is told from the first bytes the URL served
(captioner.media.remote), not from the name or Content-Type a server may get wrong.
"""

from __future__ import annotations

PROVIDER_MAX_BYTES = 25_000_000


def sniff_container(head: bytes) -> str | None:
    """The container of media starting with ``head``, as the provider names its formats; None
    when it is none it takes (Matroska other than WebM, MPEG-TS, AVI, ...) or unknown."""
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head[:64] else None
    return None


def why_not_direct(size: int, head: bytes) -> str | None:
    """Why the provider cannot take the URL as it is (then captioner downloads, cuts and uploads
    the audio); None when it can."""
    if size > PROVIDER_MAX_BYTES:
        return f"{size / 1e6:.1f} MB is over the provider's 25 MB limit"
    if sniff_container(head) is None:
        return "the provider does not take this format"
    return None
