"""How every command ends: exit codes, one-line errors, logging, and Ctrl-C."""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from captioner import interrupt
from captioner.cli.console import error_line
from captioner.errors import CaptionerError

if TYPE_CHECKING:
    from captioner.transcription.cluster.access import ClusterTrust

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class OneLineError(click.ClickException):
    """An error about a file (configuration, lock file, report): ``captioner: error: <path>: <cause>``,
    without click's usage lines (a CI log shows one line per problem).  Exits 2, a usage error."""

    exit_code = EXIT_USAGE

    def show(self, file: Any = None) -> None:
        click.echo(error_line(self.format_message()), err=True)


class OneLineFailure(OneLineError):
    """A one-line error about the run itself (no ffmpeg, no aiXplain extra, an unwritable report): exits 1."""

    exit_code = EXIT_FAILED


def require_ffmpeg() -> None:
    """Stop with one line (exit 1) unless a usable ffmpeg is there, before any work is done."""
    from captioner.media.ffmpeg import find_ffmpeg

    try:
        found = find_ffmpeg()
    except CaptionerError as exc:
        raise OneLineFailure(str(exc)) from None
    logging.getLogger("captioner").info("%s", found.describe())


def configure_logging(debug: bool, verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if verbose and not debug:
        logging.getLogger("captioner").setLevel(logging.INFO)
    if not debug:
        logging.getLogger("faster_whisper").setLevel(logging.ERROR)


def fail(exc: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    click.echo(error_line(str(exc)), err=True)


@contextlib.contextmanager
def run_to_the_end(
    debug: bool,
    *,
    about: str | None = None,
    interrupted: str = "no partial files were left",
    before_exit: Callable[[], None] | None = None,
) -> Iterator[None]:
    """The one way a command's work ends early: Ctrl-C (or SIGTERM) says ``captioner: interrupted;
    <interrupted>`` and exits 130 within a second (see :func:`captioner.interrupt.finish`); an
    error that concerns the whole run is one line naming ``about`` (a file, when the error does not
    already name one; a traceback with ``--debug``) and exit 1.
    ``before_exit`` runs first in both cases (a progress display to close, say)."""
    try:
        yield
    except KeyboardInterrupt:
        if before_exit is not None:
            before_exit()
        click.echo(f"captioner: interrupted; {interrupted}", err=True)
        interrupt.finish(EXIT_INTERRUPTED)
    except CaptionerError as exc:
        if before_exit is not None:
            before_exit()
        fail(exc.with_path(about) if about is not None else exc, debug)
        sys.exit(EXIT_FAILED)


def require_aixplain() -> None:
    """The aiXplain extra is optional: without it, one line saying how to install it, before any work."""
    from captioner.transcription.aixplain.sdk import missing_sdk

    problem = missing_sdk()
    if problem is not None:
        raise OneLineFailure(problem)


def require_voices(speakers: str) -> None:
    """``--speakers voices``/``auto`` need the voices extra (SciPy): without it, one line naming the
    install, exit 2 (the option cannot be used as it is), before any work."""
    if speakers not in ("voices", "auto"):
        return
    from captioner.speakers import missing_dependency

    problem = missing_dependency()
    if problem is not None:
        raise OneLineError(problem)


def require_distributed() -> None:
    """Dask distributed is optional (``--scheduler``): without it, one line saying how to install it."""
    from captioner.transcription.cluster import missing_distributed

    problem = missing_distributed()
    if problem is not None:
        raise OneLineFailure(problem)


def chosen_scheduler(
    ctx: click.Context, scheduler: str | None, backend: str, trust: ClusterTrust | None = None
) -> str | None:
    """The cluster to transcribe on: ``--scheduler`` (or DASK_SCHEDULER_ADDRESS, which aiXplain
    runs ignore); a usage error with ``--backend aixplain``, and a one-line one (exit 2) for a
    cluster ``trust`` does not cover (see :func:`check_cluster_access`)."""
    if scheduler is None:
        return None
    if backend != "local":
        if ctx.get_parameter_source("scheduler") is click.core.ParameterSource.ENVIRONMENT:
            return None
        raise click.UsageError("--scheduler runs the local engine on a Dask cluster, not --backend aixplain")
    require_distributed()
    check_cluster_access(scheduler, trust)
    return scheduler


def check_cluster_access(scheduler: str, trust: ClusterTrust | None) -> None:
    """Refuse, before any connection, a cluster captioner cannot trust (an unencrypted one off this
    machine without --insecure-cluster, a tls:// one without certificates); warn, in one line, of
    one the user accepted unencrypted."""
    from captioner.transcription.cluster.access import ClusterRefused, ClusterTrust, check_access

    try:
        warning = check_access(scheduler, trust or ClusterTrust())
    except ClusterRefused as exc:
        raise OneLineError(str(exc)) from None
    if warning is not None:
        click.echo(f"captioner: {warning}", err=True)


def configure_cluster_logging(debug: bool, verbose: bool) -> None:
    """With ``--scheduler``: Dask's own log lines only with ``--debug``; ``-v`` says which worker
    decoded which file and piece."""
    import distributed  # noqa: F401  (its import sets its loggers up: they are set here after it)

    if not debug:
        # Dask's own errors (a lost scheduler's failed reconnects) are told in captioner's one line.
        # Dask gives some of its loggers their own level and handler (distributed.client), so
        # each is silenced, not only their parent.
        # Tornado, Dask's event loop, logs the errors of Dask's own callbacks under its name (after
        # a lost scheduler: "Exception in callback ... cannot schedule new futures after shutdown",
        # a traceback seen in CI); captioner uses tornado for nothing else.
        for name in ("tornado.application", "tornado.general"):
            logging.getLogger(name)
        for name, logger in list(logging.root.manager.loggerDict.items()):
            if isinstance(logger, logging.Logger) and name.split(".")[0] in ("distributed", "tornado"):
                logger.setLevel(logging.CRITICAL + 1)
    if verbose or debug:
        logging.getLogger("captioner.cluster").setLevel(logging.DEBUG if debug else logging.INFO)


@contextlib.contextmanager
def released(backend: Any) -> Iterator[None]:
    """``backend.close()`` when the work ends (a cluster's client disconnects, a ``local:N`` cluster
    stops), except on Ctrl-C: then the process exits at once and its workers go with it."""
    interrupted = False
    try:
        yield
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        if not interrupted:
            backend.close()
