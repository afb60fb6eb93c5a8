"""Click options and parameter checks shared by several commands, defined once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from captioner.cli.policy import OneLineError
from captioner.core.languages import parse_language
from captioner.core.style import LIMITS, PRESETS
from captioner.output.writers import DEFAULT_FORMATS, FORMATS
from captioner.video.burn import BurnOptions

if TYPE_CHECKING:
    from captioner.ci.shard import Shard
    from captioner.transcription.cluster.access import ClusterTrust
    from captioner.transcription.prompting import VocabularyFile


def burn_look_options(func: Any) -> Any:
    """How burnt-in captions look (``--burn`` and ``captioner burn``); defaults: :class:`BurnOptions`'s."""
    look = BurnOptions()
    options = [
        click.option("--font", "burn_font", help="Font family for burnt-in captions.  [default: Noto Sans]"),
        click.option(
            "--font-size", "burn_font_size", type=click.FloatRange(0.01, 0.3), default=look.font_size,
            show_default=True,
            help="Burnt-in font size as a fraction of the frame height.",
        ),
        click.option("--box", "burn_box", is_flag=True, help="Burn captions on a translucent box, not outlined."),
        click.option("--text-colour", "burn_colour", default=look.colour, show_default=True, help="Text colour."),
        click.option(
            "--margin", "burn_margin", type=click.FloatRange(0, 0.4), default=look.margin, show_default=True,
            help="Bottom margin as a fraction of the frame height.",
        ),
        click.option(
            "--crf", "burn_crf", type=click.IntRange(0, 51), default=look.crf, show_default=True,
            help="H.264 quality of the re-encoded video (18 near lossless .. 28 small).",
        ),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def _check_limit(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    problem = None if value is None else LIMITS[param.name].problem(value)
    if problem:
        raise click.BadParameter(problem)
    return value


def style_limit_options(func: Any) -> Any:
    """--max-chars, --max-lines, ...: one option per field of :data:`captioner.core.style.LIMITS`, checked
    against the same range as the configuration's ``style`` table."""
    for name, limit in reversed(LIMITS.items()):
        func = click.option(
            f"--{name.replace('_', '-')}",
            name,
            type=click.INT if limit.kind is int else click.FLOAT,
            callback=_check_limit,
            help=f"{limit.help}  [{limit.low:g}<=x<={limit.high:g}]",
        )(func)
    return func


def burn_options_from(opts: dict[str, Any]) -> BurnOptions:
    try:
        return BurnOptions(
            font=opts["burn_font"],
            font_size=opts["burn_font_size"],
            box=opts["burn_box"],
            colour=opts["burn_colour"].upper(),
            margin=opts["burn_margin"],
            crf=opts["burn_crf"],
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def parse_formats(ctx: click.Context, param: click.Parameter, value: Sequence[str]) -> tuple[str, ...]:
    if not value:
        return DEFAULT_FORMATS
    chosen: list[str] = []
    for item in value:
        for fmt in item.split(","):
            fmt = fmt.strip().lower()
            if fmt not in FORMATS:
                raise click.BadParameter(f"{fmt!r} is not one of {', '.join(FORMATS)}")
            if fmt not in chosen:
                chosen.append(fmt)
    return tuple(chosen)


def parse_language_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A language code (``German`` -> ``de``), or ``auto``; a usage error for one Whisper does not know."""
    if value is None:
        return None
    try:
        return parse_language(value) or "auto"
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def parse_prompt(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--prompt: the text, checked against what Whisper reads (see captioner.transcription.prompting)."""
    if value is None:
        return None
    from captioner.transcription.prompting import PromptError, check_prompt

    try:
        return check_prompt(value)
    except PromptError as exc:
        raise click.BadParameter(str(exc)) from None


def parse_vocabulary(ctx: click.Context, param: click.Parameter, value: Path | None) -> VocabularyFile | None:
    """--vocabulary FILE: its names and terms (and language), checked (see captioner.transcription.prompting)."""
    if value is None:
        return None
    from captioner.cli.policy import OneLineError
    from captioner.transcription.prompting import PromptError, load_vocabulary

    try:
        return load_vocabulary(value)
    except PromptError as exc:  # about a file: one line naming it, as for the configuration's
        raise OneLineError(str(exc)) from None


def parse_speaker_names(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    """--speaker-names A,B: the names, checked (see captioner.core.speakers.check_names)."""
    if value is None:
        return ()
    from captioner.core.speakers import check_names

    try:
        return check_names(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def parse_scheduler(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A Dask scheduler's address, or ``local[:N]``; a usage error for a ``local:`` without a count."""
    if not value:
        return None
    from captioner.transcription.cluster import parse_local

    try:
        parse_local(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def scheduler_option(func: Any) -> Any:
    """``--scheduler``: the local engine on a Dask cluster's workers (``captioner[cluster]``), with
    the certificates that let both ends trust each other (see captioner.transcription.cluster.access)."""
    pem = click.Path(dir_okay=False)
    for decorate in reversed(
        (
            click.option(
                "--scheduler",
                metavar="ADDRESS",
                envvar="DASK_SCHEDULER_ADDRESS",
                callback=parse_scheduler,
                help="Transcribe on a Dask cluster: its scheduler's address (tls://HOST:8786), or local:N for N "
                "worker processes on this machine.  Everything else stays here.  [env: DASK_SCHEDULER_ADDRESS]",
            ),
            click.option(
                "--tls-ca-file",
                type=pem,
                metavar="FILE",
                help="A tls:// cluster's authority certificate (PEM).  [default: Dask's distributed.comm.tls.ca-file]",
            ),
            click.option(
                "--tls-cert",
                type=pem,
                metavar="FILE",
                help="This client's certificate for a tls:// cluster.  "
                "[default: Dask's distributed.comm.tls.client.cert]",
            ),
            click.option(
                "--tls-key",
                type=pem,
                metavar="FILE",
                help="This client's private key for a tls:// cluster.  "
                "[default: Dask's distributed.comm.tls.client.key]",
            ),
            click.option(
                "--insecure-cluster",
                is_flag=True,
                help="Accept an unencrypted scheduler that is not on this machine: whoever reaches it can change "
                "the captions and run code here.",
            ),
        )
    ):
        func = decorate(func)
    return func


def parse_media_map(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> Any:
    """``--workers-read-media LOCAL=WORKER`` (repeatable) as a MediaMap, None when not given."""
    if not value:
        return None
    from captioner.transcription.cluster.media_map import MediaMap

    try:
        return MediaMap.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def cluster_scale_options(func: Any) -> Any:
    """The options of a cluster run at scale: the client's memory bound, and workers that read the media."""
    from captioner.run.backend import CLUSTER_INFLIGHT_MB

    func = click.option(
        "--workers-read-media",
        multiple=True,
        callback=parse_media_map,
        metavar="LOCAL=WORKER",
        help="With --scheduler: the workers read the files under the folder LOCAL themselves, at WORKER (their "
        "path of it, or an s3://, gs:// or http(s):// prefix): only names travel, not audio.  Repeatable.",
    )(func)
    return click.option(
        "--cluster-inflight-mb",
        type=click.FloatRange(min=1),
        default=CLUSTER_INFLIGHT_MB,
        show_default=True,
        metavar="MB",
        help="With --scheduler: the decoded audio the files out on the cluster may hold here at once.",
    )(func)


def cluster_trust_from(opts: dict[str, Any], configured: ClusterTrust | None = None) -> ClusterTrust:
    """The --tls-* and --insecure-cluster options, over what ``configured`` (captioner.toml) says."""
    from captioner.transcription.cluster.access import ClusterTrust

    base = configured or ClusterTrust()
    return ClusterTrust(
        ca_file=opts.get("tls_ca_file") or base.ca_file,
        cert=opts.get("tls_cert") or base.cert,
        key=opts.get("tls_key") or base.key,
        insecure=bool(opts.get("insecure_cluster")) or base.insecure,
    )


def parse_shard(ctx: click.Context, param: click.Parameter, value: str | None) -> Shard | None:
    if value is None:
        return None
    from captioner.ci.config import ConfigError
    from captioner.ci.shard import Shard

    try:
        return Shard.parse(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from None


class LocalPath(click.Path):
    """A ``click.Path`` that refuses a URL in one line naming it without its query string (click's
    "Path '...' does not exist" would print a signed URL's signature into a CI log)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from captioner.media.ffmpeg import redact_url
        from captioner.media.urls import looks_like_url

        if isinstance(value, str) and looks_like_url(value):
            command = f"captioner {ctx.info_name}" if ctx is not None and ctx.info_name else "this command"
            raise OneLineError(f"{redact_url(value)}: {command} takes files and folders, not URLs")
        return super().convert(value, param, ctx)


def tree_options(func: Any) -> Any:
    """Options shared by ``check`` and ``sync``: the tree, its settings and the report."""
    options: list[Callable[[Any], Any]] = [
        click.argument("paths", nargs=-1, type=LocalPath(exists=True, path_type=Path)),
        click.option(
            "--root",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="The tree's root (lock file, captioner.toml).  [default: found upwards]",
        ),
        click.option(
            "-f",
            "--format",
            "formats",
            multiple=True,
            help="Caption formats, comma-separated or repeated.  [default: from config, else srt,vtt]",
        ),
        click.option(
            "-l",
            "--language",
            callback=parse_language_option,
            help="Spoken language for every file, or auto.  [default: from config]",
        ),
        click.option("--style", type=click.Choice(sorted(PRESETS)), help="Style preset (replaces the config's style)."),
        style_limit_options,
        click.option("-m", "--model", help="Whisper model.  [default: from config, else base]"),
        click.option("--backend", type=click.Choice(["local", "aixplain"]), help="[default: from config, else local]"),
        click.option("--include", multiple=True, help="Glob of media to include (replaces the config's).  Repeatable."),
        click.option("--exclude", multiple=True, help="Glob to leave out (added to the config's).  Repeatable."),
        click.option("--shard", callback=parse_shard, metavar="K/N", help="Only shard K of N (stable per path)."),
        click.option("--strict", is_flag=True, help="Captions edited by hand fail too."),
        click.option(
            "--output-format", type=click.Choice(["text", "github", "json"]), default="text", show_default=True
        ),
        click.option(
            "--report",
            "junit",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Also write a JUnit XML report there.",
        ),
        click.option(
            "--no-cache",
            is_flag=True,
            help="Hash every file again (sync: also transcribe again, ignoring cached transcripts).",
        ),
        click.option("-v", "--verbose", is_flag=True, help="List up-to-date files too."),
    ]
    for option in reversed(options):
        func = option(func)
    return func
