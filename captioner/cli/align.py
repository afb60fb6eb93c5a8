"""``captioner align MEDIA SCRIPT``: the script's words, exactly, timed to the media's speech.

The same run as ``captioner MEDIA --script SCRIPT``, with every option of the main command
(formats, -o, --style, -l, --review, --keep-lines, ...)."""

from __future__ import annotations

import click

ALIGN_HELP = """Write captions of MEDIA with the words of SCRIPT, exactly, timed to the speech.

\b
SCRIPT is plain text, or captions (.srt .vtt .ttml .scc .ass .ssa .sbv, or a Whisper .json transcript)
whose text is kept and whose times are ignored.  The captions are laid out by the style as
usual; --keep-lines makes each line of SCRIPT (each cue of a caption script) start a cue.
Script words the audio lacks are kept, timed between their neighbours and listed for review;
speech the script lacks is reported as time ranges, never invented.  A script that is not what
the media says (another language, another text) fails with exit 1, nothing written.

\b
Options: those of the main command (captioner --help), e.g.
  captioner align talk.mp4 talk.txt -f srt,vtt,json -o out/ --style bbc -l en --review
"""


@click.command(
    name="align",
    help=ALIGN_HELP,
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("media", required=False)
@click.argument("script", required=False)
@click.pass_context
def align_command(ctx: click.Context, media: str | None, script: str | None) -> None:
    if media in ("-h", "--help") or script in ("-h", "--help") or "--help" in ctx.args or "-h" in ctx.args:
        click.echo(ctx.get_help())
        ctx.exit()
    if media is None or script is None or media.startswith("-") or script.startswith("-"):
        raise click.UsageError("give MEDIA and SCRIPT: captioner align MEDIA SCRIPT [OPTIONS]")
    if "--script" in ctx.args:
        raise click.UsageError("SCRIPT is the second argument: no --script with align")
    from captioner.cli.caption import run_command

    args = [media, "--script", script, *ctx.args]
    with run_command.make_context("captioner align", args, parent=ctx.parent) as sub:
        run_command.invoke(sub)
