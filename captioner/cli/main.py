"""The command line: ``captioner PATH...`` and its subcommands."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click

from captioner import interrupt
from captioner.cli.policy import EXIT_INTERRUPTED
from captioner.errors import CaptionerError
from captioner.version import __version__


class CaptionerGroup(click.Group):
    """``captioner PATH...`` runs the main job (the hidden ``run`` command); ``captioner COMMAND ...``
    runs a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--version",)):
            args = ["run", *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        """A Ctrl-C that no command handled (while it looks for files, say): exit 130, as the
        commands do, not click's 'Aborted!' and exit 1."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("captioner: interrupted", err=True)
            interrupt.finish(EXIT_INTERRUPTED)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from captioner.media.ffmpeg import find_ffmpeg

    click.echo(f"captioner, version {__version__}")
    try:
        click.echo(find_ffmpeg().describe())
    except CaptionerError as exc:
        click.echo(f"ffmpeg: {exc}")
    ctx.exit()


@click.group(cls=CaptionerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
    help="Show captioner's version and the ffmpeg it runs, and exit.",
)  # fmt: skip
def main() -> None:
    """captioner: readable captions for video and audio."""
    _stop_on_sigterm()


def _stop_on_sigterm() -> None:
    """SIGTERM (``kill``, ``timeout``, a cancelled CI job) stops a run as Ctrl-C does, so that temporary
    files are removed and ffmpeg is stopped instead of Python dying on the spot."""

    def on_sigterm(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_sigterm)


def _register() -> None:
    """Every command, each defined in the module of its group."""
    from captioner.cli.align import align_command
    from captioner.cli.cache import cache_group
    from captioner.cli.caption import run_command
    from captioner.cli.ci import check_command, sync_command
    from captioner.cli.edit import edit_command
    from captioner.cli.resync import resync_command
    from captioner.cli.review import review_command
    from captioner.cli.video import burn_command, mux_command

    for command in (run_command, mux_command, burn_command, check_command, sync_command, review_command):
        main.add_command(command)
    main.add_command(cache_group)
    main.add_command(edit_command)
    main.add_command(resync_command)
    main.add_command(align_command)


_register()


if __name__ == "__main__":  # pragma: no cover
    main()
