"""Soft subtitles: add caption files to a video as subtitle tracks, every original stream copied.

``mux`` runs ffmpeg with ``-map 0 -c copy`` (video, every audio track, existing subtitle tracks,
chapters and metadata kept bit for bit) and adds one track per caption file, in the codec the
container needs: mov_text for MP4/MOV/M4V, SubRip, WebVTT or ASS (as the file is) for Matroska,
WebVTT for WebM.  A TTML file goes into MP4/MOV as it is (an ISO 14496-30 ``stpp`` track, one
sample holding the whole document): ffmpeg cannot read TTML, so PyAV first writes the document
into a temporary MP4 of its own, whose track ffmpeg then copies.

Every output is written atomically (see :func:`captioner.video.safe_write.write_atomically`):
ffmpeg writes a hidden temp file in the output's folder, the result is probed and checked, then renamed into place.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from captioner.errors import MediaError, OutputError
from captioner.media.ffmpeg import ffmpeg_command, ffmpeg_path
from captioner.media.probe import MediaInfo, probe
from captioner.video.copy_check import check_copy
from captioner.video.safe_write import write_atomically

# ISO 639-1 (as Whisper reports languages) -> ISO 639-2/B, the three-letter tag Matroska and
# ffmpeg's MP4 muxer store. Whisper's "jw" (Javanese) and "haw"/"yue" (no two-letter code) included.
ISO639_2: dict[str, str] = {
    "af": "afr", "am": "amh", "ar": "ara", "as": "asm", "az": "aze", "ba": "bak", "be": "bel", "bg": "bul",
    "bn": "ben", "bo": "tib", "br": "bre", "bs": "bos", "ca": "cat", "cs": "cze", "cy": "wel", "da": "dan",
    "de": "ger", "el": "gre", "en": "eng", "es": "spa", "et": "est", "eu": "baq", "fa": "per", "fi": "fin",
    "fo": "fao", "fr": "fre", "gl": "glg", "gu": "guj", "ha": "hau", "haw": "haw", "he": "heb", "hi": "hin",
    "hr": "hrv", "ht": "hat", "hu": "hun", "hy": "arm", "id": "ind", "is": "ice", "it": "ita", "ja": "jpn",
    "jv": "jav", "jw": "jav", "ka": "geo", "kk": "kaz", "km": "khm", "kn": "kan", "ko": "kor", "la": "lat",
    "lb": "ltz", "ln": "lin", "lo": "lao", "lt": "lit", "lv": "lav", "mg": "mlg", "mi": "mao", "mk": "mac",
    "ml": "mal", "mn": "mon", "mr": "mar", "ms": "may", "mt": "mlt", "my": "bur", "ne": "nep", "nl": "dut",
    "nn": "nno", "no": "nor", "nb": "nob", "oc": "oci", "pa": "pan", "pl": "pol", "ps": "pus", "pt": "por",
    "ro": "rum", "ru": "rus", "sa": "san", "sd": "snd", "si": "sin", "sk": "slo", "sl": "slv", "sn": "sna",
    "so": "som", "sq": "alb", "sr": "srp", "su": "sun", "sv": "swe", "sw": "swa", "ta": "tam", "te": "tel",
    "tg": "tgk", "th": "tha", "tk": "tuk", "tl": "tgl", "tr": "tur", "tt": "tat", "uk": "ukr", "ur": "urd",
    "uz": "uzb", "vi": "vie", "yi": "yid", "yo": "yor", "yue": "yue", "zh": "chi",
}  # fmt: skip

UNDETERMINED = "und"

# Container (by output suffix) -> subtitle codec per caption format.
_MP4_LIKE = {".mp4", ".m4v", ".mov"}
TTML_CONTAINERS = {".mp4", ".mov"}  # ffmpeg's ipod muxer (.m4v) has no tag for TTML
TTML_COPY = "copy"  # a TTML track's "codec": the document is copied as it is
_SUBTITLE_CODECS: dict[str, dict[str, str]] = {
    **{ext: {".srt": "mov_text", ".vtt": "mov_text", ".ass": "mov_text"} for ext in _MP4_LIKE},
    ".mkv": {".srt": "srt", ".vtt": "webvtt", ".ass": "ass"},
    ".webm": {".srt": "webvtt", ".vtt": "webvtt", ".ass": "webvtt"},
}
for _ext in TTML_CONTAINERS:
    _SUBTITLE_CODECS[_ext] = {**_SUBTITLE_CODECS[_ext], ".ttml": TTML_COPY}
# The video's own text subtitle tracks, copied as they are unless the output container cannot hold
# their codec (a re-mux into another container with -o): then converted to the container's codec.
_TEXT_CODECS = frozenset({"srt", "subrip", "mov_text", "webvtt", "ass", "ssa", "text"})
_CONTAINER_TEXT_CODEC = {**{ext: "mov_text" for ext in _MP4_LIKE}, ".mkv": "srt", ".webm": "webvtt"}
_CONTAINER_HOLDS = {
    **{ext: {"mov_text"} for ext in _MP4_LIKE},
    ".mkv": _TEXT_CODECS - {"mov_text"},
    ".webm": {"webvtt"},
}
# What a caption file holds once it has a cue (a file of no speech has none; ffmpeg cannot read an empty SubRip).
_CUE_MARKS = {".srt": "-->", ".vtt": "-->", ".ass": "\nDialogue:", ".ttml": "<p ", ".sbv": ",", ".scc": "\t"}
CAPTION_SUFFIXES = tuple(_CUE_MARKS)


def iso639_2(language: str | None) -> str:
    """The ISO 639-2 tag for a Whisper/ISO 639-1 language code; three-letter codes pass through."""
    if not language:
        return UNDETERMINED
    code = language.strip().lower().replace("_", "-").split("-")[0]
    if code in ISO639_2:
        return ISO639_2[code]
    if re.fullmatch(r"[a-z]{3}", code):
        return code
    raise ValueError(f"unknown language code {language!r} (use an ISO 639-1 code such as 'en')")


def language_from_filename(path: Path) -> str | None:
    """The language a caption file's name gives, as in ``talk.de.srt`` -> ``de``; None without one."""
    parts = Path(path).name.split(".")
    if len(parts) < 3:
        return None
    tag = parts[-2].lower()
    base = tag.replace("_", "-").split("-")[0]
    if base in ISO639_2 or (len(base) == 3 and base in ISO639_2.values()):
        return tag
    return None


@dataclass(frozen=True)
class SubtitleTrack:
    """A caption file to add as a subtitle track. ``language`` is ISO 639-1 (or 639-2), None = und."""

    path: Path
    language: str | None = None
    title: str | None = None

    @property
    def language_tag(self) -> str:
        return iso639_2(self.language)

    @property
    def format(self) -> str:
        return Path(self.path).suffix.lower()


def default_output(video: Path, burn: bool = False) -> Path:
    """``talk.mp4`` -> ``talk.captioned.mp4`` (soft subtitles) or ``talk.burned.mp4`` (burnt in).

    A burnt-in H.264 video cannot go into WebM, so that one becomes ``.mkv``.
    """
    video = Path(video)
    suffix = video.suffix
    if burn and suffix.lower() == ".webm":
        suffix = ".mkv"
    return video.with_name(f"{video.stem}.{'burned' if burn else 'captioned'}{suffix}")


def has_cues(path: Path) -> bool:
    """Whether a caption file holds a cue (the captions of a file without speech hold none, and
    ffmpeg cannot read an empty SubRip file).  Other files, or one that cannot be read, count as having cues."""
    path = Path(path)
    mark = _CUE_MARKS.get(path.suffix.lower())
    if mark is None:
        return True
    try:
        return mark in path.read_text("utf-8", errors="replace")
    except OSError:
        return True


def require_cues(path: Path) -> None:
    """Raise :class:`MediaError` for a caption file without any cue."""
    if not has_cues(path):
        raise MediaError(f"{Path(path).name} holds no cues (no speech?): nothing to put into the video")


class NoVideoError(MediaError):
    """The file has no picture to put subtitles on (an audio file)."""


def require_video(info: MediaInfo) -> None:
    """Raise :class:`NoVideoError` unless the file has a picture to put subtitles on."""
    if not info.video_streams:
        raise NoVideoError(
            "no video stream (audio-only input): subtitles can only be added to a video; "
            "write .srt/.vtt caption files instead"
        )


def subtitle_codec(container_suffix: str, caption_suffix: str) -> str:
    """The subtitle codec for a caption file in a container, or a :class:`MediaError` naming one that fits."""
    codecs = _SUBTITLE_CODECS.get(container_suffix.lower())
    if codecs is None:
        name = container_suffix.lower().lstrip(".") or "this"
        raise MediaError(f"a .{name} file cannot hold text subtitles: write to .mkv (any video) or .mp4/.mov instead")
    codec = codecs.get(caption_suffix.lower())
    if codec is None:
        held = ", ".join(codecs)
        if caption_suffix.lower() == ".ttml":
            raise MediaError(f"a {container_suffix.lower()} file cannot hold TTML: write .mp4 or .mov, or mux {held}")
        what = caption_suffix or "suffix-less"
        raise MediaError(f"cannot mux a {what} caption file into {container_suffix}: use {held}")
    return codec


def mux(video: Path, tracks: Sequence[SubtitleTrack], output: Path, *, in_place: bool = False) -> Path:
    """Write ``output``: every stream of ``video`` copied, plus one subtitle track per caption file.

    ``in_place=True`` replaces ``video`` itself (``output`` is then ignored), only once the new
    file has been written and checked. Returns the path written.
    """
    video = Path(video)
    output = video if in_place else Path(output)
    if not tracks:
        raise MediaError("no caption files to mux")
    if output.resolve() == video.resolve() and not in_place:
        raise OutputError("the output would overwrite the input: pass in_place=True to replace it")
    info = probe(video)
    require_video(info)
    codecs = [subtitle_codec(output.suffix, track.format) for track in tracks]
    for track in tracks:
        if not Path(track.path).is_file():
            raise MediaError(f"caption file not found: {track.path}")
        require_cues(track.path)
    tags = [track.language_tag for track in tracks]

    # A track with the title and language of one being added is an earlier version of it (a
    # second run of --mux --in-place --overwrite): replaced, not kept beside the new one.
    replaced = [
        k
        for k, stream in enumerate(info.subtitle_streams)
        if any(
            t.title and stream.title == t.title and (stream.language or UNDETERMINED) == tag
            for t, tag in zip(tracks, tags, strict=True)
        )
    ]
    with ExitStack() as stack:
        inputs = [
            _ttml_in_mp4(track.path, info.duration, stack) if codec == TTML_COPY else Path(track.path)
            for track, codec in zip(tracks, codecs, strict=True)
        ]
        _mux_with_ffmpeg(video, info, tracks, inputs, codecs, tags, replaced, output, in_place)
    return output


def _ttml_in_mp4(document: Path, duration: float | None, stack: ExitStack) -> Path:
    """A temporary MP4 whose one track is ``document`` (a TTML file) as a single ``stpp`` sample
    lasting ``duration`` seconds (the video's): what ffmpeg, which cannot read TTML, copies from."""
    data = Path(document).read_bytes()
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="captioner-ttml-")))
    path = folder / "ttml.mp4"
    millis = Fraction(1, 1000)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("ttml")
        # ffmpeg's TTML encoder must open (it needs an ASS header), then it leaves paragraph-mode
        # extradata that would make the MP4 muxer wrap our document in a <p>: cleared, so the
        # muxer writes each sample as the complete document it is.
        stream.codec_context.subtitle_header = _MINIMAL_ASS_HEADER
        stream.codec_context.open()
        stream.codec_context.extradata = None
        stream.time_base = millis
        packet = av.Packet(data)
        packet.stream = stream
        packet.time_base = millis
        packet.pts = packet.dts = 0
        packet.duration = max(1, round((duration or 0) * 1000))
        container.mux(packet)
    return path


_MINIMAL_ASS_HEADER = (
    b"[Script Info]\nScriptType: v4.00+\nPlayResX: 384\nPlayResY: 288\n\n[V4+ Styles]\n"
    b"Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
    b"Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, "
    b"MarginR, MarginV, Encoding\nStyle: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,"
    b"10,10,10,0\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n\0"
)


def _mux_with_ffmpeg(
    video: Path,
    info: MediaInfo,
    tracks: Sequence[SubtitleTrack],
    inputs: list[Path],
    codecs: list[str],
    tags: list[str],
    replaced: list[int],
    output: Path,
    in_place: bool,
) -> None:
    kept_subs = [s for k, s in enumerate(info.subtitle_streams) if k not in replaced]
    dropped = {info.subtitle_streams[k].index for k in replaced}
    existing_subs = len(kept_subs)
    container = output.suffix.lower()
    mp4_like = container in _MP4_LIKE

    def command(tmp: Path) -> list[str]:
        cmd = [*ffmpeg_command(), "-y", "-i", ffmpeg_path(video)]
        for path in inputs:
            cmd += ["-i", ffmpeg_path(path)]
        cmd += ["-map", "0"]
        for k in replaced:
            cmd += ["-map", f"-0:s:{k}"]
        for i in range(len(tracks)):
            cmd += ["-map", f"{i + 1}:0"]
        cmd += ["-c", "copy", "-map_metadata", "0", "-map_chapters", "0"]
        for k, stream in enumerate(kept_subs):
            if stream.codec in _TEXT_CODECS and stream.codec not in _CONTAINER_HOLDS[container]:
                cmd += [f"-c:s:{k}", _CONTAINER_TEXT_CODEC[container]]
        for i, (track, codec, tag) in enumerate(zip(tracks, codecs, tags, strict=True)):
            k = existing_subs + i
            cmd += [f"-c:s:{k}", codec, f"-metadata:s:s:{k}", f"language={tag}"]
            if track.title:
                cmd += [f"-metadata:s:s:{k}", f"title={track.title}"]
                if mp4_like:  # most MP4 players show the handler name as the track's name
                    cmd += [f"-metadata:s:s:{k}", f"handler_name={track.title}"]
        if mp4_like:
            cmd += ["-movflags", "+faststart"]
        return cmd + [ffmpeg_path(tmp)]

    def check(tmp: Path) -> None:
        check_copy(info, tmp, extra_streams=len(tracks), dropped=dropped)
        result = probe(tmp)
        new_subs = result.subtitle_streams[existing_subs:]
        got = [s.language or UNDETERMINED for s in new_subs]
        if got != tags:
            raise MediaError(f"the new subtitle tracks carry languages {got}, not {tags}")

    try:
        write_atomically(command, output, check, what="mux the captions", mode_from=video if in_place else None)
    except MediaError as exc:
        if TTML_COPY in codecs and "stpp" in exc.cause:
            raise MediaError(
                f"this ffmpeg cannot copy TTML (stpp) tracks ({exc.cause}): "
                "use the bundled one (unset CAPTIONER_FFMPEG) or ffmpeg 7 or later"
            ) from None
        raise
