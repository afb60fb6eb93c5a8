"""Content hashes of media, for the transcript cache and the lock file.

The hash covers what the captions are made from: the chosen audio stream's codec parameters and
its compressed packets, read by demuxing (no decoding, memory flat whatever the file's size).  A
re-mux that only changes metadata, cover art, the container or other streams keeps the hash, so
it does not make captions stale; a re-encode of the audio, a cut or any changed sample does.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import av
import numpy as np

from captioner.errors import MediaError
from captioner.media.audio import audio_lead
from captioner.media.ffmpeg import ffmpeg_path
from captioner.media.probe import check_file, stream_info

_CHUNK = 1 << 20
HASH_SCHEME = "audio-packets-sha256/1"

log = logging.getLogger(__name__)


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def audio_hash(path: Path, audio_stream: int = 0) -> str:
    """sha256 of one audio stream's codec parameters and packets (see the module docstring)."""
    digest = hashlib.sha256(HASH_SCHEME.encode())
    check_file(path)
    log.debug("hashing the audio of %s (stream %d)", path, audio_stream)  # --debug: what a run reads
    try:
        with av.open(ffmpeg_path(path), mode="r", metadata_errors="ignore") as container:
            streams = container.streams.audio
            if not 0 <= audio_stream < len(streams):
                raise MediaError(f"no audio stream {audio_stream}", str(path))
            stream = streams[audio_stream]
            ctx = stream.codec_context
            header = f"{ctx.name}|{ctx.sample_rate}|{ctx.channels}|{stream.time_base}|"
            infos = [stream_info(s) for s in container.streams]
            lead = audio_lead(infos, infos[stream.index])
            if lead:  # the audio starts after the video: captions made before this was honoured are stale
                header += f"lead={lead}|"
            digest.update(header.encode())
            digest.update(bytes(ctx.extradata or b""))
            for packet in container.demux(stream):
                if packet.size:
                    digest.update(f"{packet.pts}|".encode())
                    digest.update(bytes(packet))
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError) as exc:  # strerror: without the errno and the path again
        raise MediaError(f"cannot read media: {exc.strerror or exc}", str(path)) from None
    return digest.hexdigest()


SAMPLES_HASH_SCHEME = "url-samples-sha256/1"


def samples_hash(samples: np.ndarray, audio_stream: int = 0) -> str:
    """sha256 of decoded 16 kHz samples: the cache key's audio for media read from a URL.

    A URL is read once, decoding as it streams; hashing its packets too would read it twice (a
    second download).  Another decoder build may change the last bits of some samples: such a
    change costs a transcription, never wrong captions.
    """
    digest = hashlib.sha256(f"{SAMPLES_HASH_SCHEME}|{audio_stream}|".encode())
    digest.update(np.ascontiguousarray(samples, dtype=np.float32).data)  # no copy of the samples
    return digest.hexdigest()
