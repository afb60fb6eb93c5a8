"""A job made ready for transcription (see :mod:`captioner.run.prepare`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from captioner.core.transcript import Transcript
from captioner.media.channels import ChannelReport
from captioner.media.probe import MediaInfo
from captioner.media.urls import MediaURL
from captioner.run.budget import Held
from captioner.transcription.cluster.media_map import MediaRef


@dataclass
class Prepared:
    """A job made ready for transcription: its transcript from the cache, or its decoded audio, or
    (``--speakers channels`` on channels carrying different sound) the channel groups to decode
    and transcribe one by one."""

    info: MediaInfo
    cache_key: str | None = None
    transcript: Transcript | None = None
    audio: np.ndarray | None = None
    channels: ChannelReport | None = None  # how the channels relate (files of two channels or more)
    groups: tuple[tuple[int, ...], ...] = ()  # transcribed each on its own (audio is None then)
    url: MediaURL | None = None  # sent to the backend as it is (audio is None then)
    notes: tuple[str, ...] = ()  # what the run should say about how the job was prepared
    held: Held | None = None  # the share of the run's byte budget the decoded audio holds
    reference: MediaRef | None = None  # where the cluster's workers read the file (audio is None then)
    audio_hash: str | None = None  # this machine's hash of its audio, for the workers' to match

    def release(self) -> None:
        """Drop the decoded audio and give its share of the byte budget back."""
        self.audio = None
        if self.held is not None:
            self.held.release()
