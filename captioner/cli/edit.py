"""``captioner edit``: the command that starts the caption studio."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import click

from captioner.cli.options import LocalPath


@click.command(name="edit")
@click.argument("paths", nargs=-1, type=LocalPath(exists=True, path_type=Path))
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The tree's root (lock file, captioner.toml).  [default: found upwards]",
)
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port on 127.0.0.1.  [default: a free one]")
@click.option("--no-browser", is_flag=True, help="Only print the address; do not open a browser.")
@click.option(
    "--audio-stream",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Audio stream (0-based) shown in the waveform and re-transcribed, as the files were captioned with.",
)
def edit_command(paths: tuple[Path, ...], root: Path | None, port: int, no_browser: bool, audio_stream: int) -> None:
    """Review and correct captions in the browser: a local caption studio for the tree.

    Lists every media file with its check state; a media page plays it beside its cues, words
    shaded by Whisper's confidence, doubtful cues and style problems flagged, a waveform to retime
    cues, re-transcription of a stretch, and Save (every caption format, atomically).  PATHS narrow
    the index as for check.  The server listens on 127.0.0.1 only; the first line printed is the
    address to open, with its access token.  Ctrl-C stops it.
    """
    from captioner.cli.ci import open_tree
    from captioner.cli.policy import OneLineError

    scanner, scope = open_tree(paths, root, {}, no_cache=False)
    from captioner.edit.studio import Studio

    studio = Studio(scanner, scope, audio_stream=audio_stream)
    studio.prefetch()  # the index is being computed while the server starts and the browser opens
    from captioner.edit.server import EditServer

    try:
        server = EditServer(studio, port)
    except OSError as exc:
        raise OneLineError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    click.echo(server.url)
    sys.stdout.flush()
    click.echo(f"captioner edit: serving {scanner.root} (Ctrl-C stops)", err=True)
    if not no_browser:
        import webbrowser

        threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    click.echo("captioner edit: stopped", err=True)
