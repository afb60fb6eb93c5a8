"""``captioner check`` and ``captioner sync``: a tree's captions against its lock file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from captioner.cli.console import ConsoleReporter, error_line
from captioner.cli.options import cluster_scale_options, cluster_trust_from, scheduler_option, tree_options
from captioner.cli.policy import (
    EXIT_FAILED,
    EXIT_OK,
    OneLineError,
    OneLineFailure,
    chosen_scheduler,
    configure_cluster_logging,
    configure_logging,
    released,
    require_aixplain,
    require_ffmpeg,
    require_voices,
    run_to_the_end,
)
from captioner.errors import CaptionerError
from captioner.run.backend import make_backend
from captioner.run.cache import TranscriptCache
from captioner.run.recipe import BackendSpec

if TYPE_CHECKING:
    from captioner.ci.shard import Shard
    from captioner.ci.status import Report, Scanner
    from captioner.ci.sync import SyncResult
    from captioner.transcription.cluster.media_map import MediaMap

CI_EXAMPLES = """\b
Examples:
  captioner check                         every media file under the current folder's tree
  captioner check --output-format github  GitHub Actions annotations
  captioner check --report junit.xml      a JUnit report for any CI
  captioner check --shard 2/4             the second quarter of the tree (CI matrix jobs)
  captioner sync                          caption what is missing or stale, update captions.lock
  captioner sync --force talks/           also regenerate captions edited by hand under talks/
"""


def open_tree(
    paths: tuple[Path, ...], root: Path | None, overrides: dict[str, Any], no_cache: bool
) -> tuple[Scanner, tuple[Path, ...]]:
    from captioner.ci.config import ConfigError, find_root, load_config
    from captioner.ci.lockfile import LockError
    from captioner.ci.status import Scanner

    if root is None:
        start = paths[0] if paths else Path.cwd()
        root = find_root(start if start.is_dir() else start.parent)
    root = root.resolve()
    for path in paths:
        try:
            path.resolve().relative_to(root)
        except ValueError:
            raise click.UsageError(f"{path} is outside the tree's root {root}") from None
    if not paths:  # the current folder, when it is inside the tree (else the whole tree)
        cwd = Path.cwd().resolve()
        paths = (cwd,) if cwd == root or root in cwd.parents else ()
    if overrides.get("formats"):
        overrides["formats"] = tuple(overrides["formats"])
    try:
        config = load_config(root, overrides)
        scanner = Scanner(root, config, use_cache=not no_cache)
        scanner.read_lock()  # a damaged lock, or one reaching outside the tree, is a usage error before any work
    except (ConfigError, LockError) as exc:
        raise OneLineError(str(exc)) from None
    return scanner, paths


def emit_report(report: Report, output_format: str, junit: Path | None, verbose: bool) -> None:
    from captioner.ci.reports import render, write_junit

    click.echo(render(report, output_format, verbose), nl=False)
    if junit is not None:
        try:
            write_junit(report, junit)
        except CaptionerError as exc:
            raise OneLineFailure(str(exc)) from None


@click.command(name="check", epilog=CI_EXAMPLES)
@tree_options
def check_command(
    paths: tuple[Path, ...],
    root: Path | None,
    formats: tuple[str, ...],
    strict: bool,
    output_format: str,
    junit: Path | None,
    no_cache: bool,
    verbose: bool,
    shard: Shard | None,
    **overrides: Any,
) -> None:
    """List media files whose captions are missing or stale; exit 1 if there is any.

    Never transcribes: it compares each media file's audio hash, the settings and the caption
    files' hashes with the lock file (captions.lock) at the tree's root.  PATHS (default: the
    current folder) narrow the tree.  Exit status: 0 all captions up to date (edited ones
    included, unless --strict), 1 some missing/stale/settings-changed/orphan/lock-entry-missing,
    2 usage or configuration errors.
    """
    scanner, paths = open_tree(paths, root, {"formats": formats, **overrides}, no_cache)
    try:
        report = scanner.scan(paths, shard, strict=strict)
    except CaptionerError as exc:
        raise OneLineError(str(exc)) from None
    report.reviewed = reviewed_counts(scanner, report)
    emit_report(report, output_format, junit, verbose)
    sys.exit(EXIT_FAILED if not report.ok else EXIT_OK)


def reviewed_counts(scanner: Scanner, report: Report) -> dict[str, tuple[int, int]]:
    """The studio's reviewed marks of the report's media (see :func:`captioner.edit.reviewed.review_counts`)."""
    from captioner.ci.status import ORPHAN
    from captioner.edit.reviewed import review_counts

    media = [f.path for f in report.files if f.state != ORPHAN and not scanner.guard.outside(f.path)]
    return review_counts(scanner.root.resolve(), media, scanner.config.speaker_names)


@click.command(name="sync", epilog=CI_EXAMPLES)
@tree_options
@click.option("--force", is_flag=True, help="Also regenerate captions edited by hand or without a lock entry.")
@click.option("--adopt", is_flag=True, help="Record existing captions without a lock entry as they are.")
@click.option("--prune", is_flag=True, help="Drop lock entries of gone media (and delete their unedited captions).")
@click.option("--threads", type=click.IntRange(min=1), help="CPU threads for the local engine.  [default: all cores]")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Files transcribed at once (as for the main command).  [default: one per thread; aiXplain: 2]",
)
@click.option("--api-key-file", type=click.Path(dir_okay=False, path_type=Path), help="aiXplain API key file.")
@scheduler_option
@cluster_scale_options
@click.option("-q", "--quiet", is_flag=True, help="Errors only; no progress bars.")
@click.option("--debug", is_flag=True, help="Tracebacks and library logs.")
def sync_command(
    paths: tuple[Path, ...],
    root: Path | None,
    formats: tuple[str, ...],
    strict: bool,
    output_format: str,
    junit: Path | None,
    no_cache: bool,
    verbose: bool,
    shard: Shard | None,
    force: bool,
    adopt: bool,
    prune: bool,
    threads: int | None,
    jobs: int | None,
    api_key_file: Path | None,
    quiet: bool,
    scheduler: str | None,
    tls_ca_file: str | None,
    tls_cert: str | None,
    tls_key: str | None,
    insecure_cluster: bool | None,
    cluster_inflight_mb: float,
    workers_read_media: MediaMap | None,
    debug: bool,
    **overrides: Any,
) -> None:
    """Caption media whose captions are missing or stale and update the lock file.

    Runs the ordinary pipeline (one model load for the whole call).  Up-to-date captions are left
    alone, and so are captions edited by hand (unless --force).  The lock file is rewritten
    atomically after each captioned file; a file that fails keeps its old entry.  Exit status:
    0 when everything is up to date afterwards, 1 otherwise, 2 for usage errors.
    """
    from captioner.ci.sync import sync

    configure_logging(debug)
    scanner, paths = open_tree(paths, root, {"formats": formats, **overrides}, no_cache)
    require_ffmpeg()
    config = scanner.config
    if config.backend == "aixplain":
        require_aixplain()
    require_voices(config.speakers)
    given = {"tls_ca_file": tls_ca_file, "tls_cert": tls_cert, "tls_key": tls_key, "insecure_cluster": insecure_cluster}
    trust = cluster_trust_from(given, config.cluster)
    scheduler = chosen_scheduler(click.get_current_context(), scheduler, config.backend, trust)
    if scheduler is not None:
        configure_cluster_logging(debug, verbose)
    elif workers_read_media is not None:
        raise click.UsageError("--workers-read-media goes with --scheduler (a Dask cluster's workers)")
    spec = BackendSpec.cluster(scheduler, config.model, trust) if scheduler is not None else None
    backend = make_backend(
        spec or BackendSpec.named(config.backend, config.model),
        threads=threads,
        jobs=jobs,
        api_key_file=api_key_file,
        cluster_inflight_mb=cluster_inflight_mb,
        workers_read_media=workers_read_media,
    )
    transcripts = None if no_cache else TranscriptCache()

    held = "the lock file holds the files finished so far"
    with run_to_the_end(debug, interrupted=held), released(backend):
        result = sync(
            scanner,
            backend,
            scope=paths,
            cache=transcripts,
            shard=shard,
            force=force,
            adopt=adopt,
            prune=prune,
            make_reporter=lambda total: ConsoleReporter(total, quiet=quiet),
        )
    _say_what_sync_did(result, quiet)
    assert result.final is not None
    result.final.strict = strict
    emit_report(result.final, output_format, junit, verbose)
    sys.exit(EXIT_FAILED if result.failed or not result.final.ok else EXIT_OK)


def _say_what_sync_did(result: SyncResult, quiet: bool) -> None:
    """One line per file sync changed (unless quiet), left alone, or failed on."""
    if not quiet:
        for verb, files in (
            ("captioned", result.generated),
            ("adopted", result.adopted),
            ("dropped the lock entry of", result.pruned),
            ("deleted", result.deleted),
        ):
            for rel in files:
                click.echo(f"captioner sync: {verb} {rel}", err=True)
    for rel, why in result.left:
        click.echo(f"captioner sync: left {rel}: {why}", err=True)
    for rel, cause in result.failed:
        click.echo(error_line(f"{rel}: {cause}"), err=True)
