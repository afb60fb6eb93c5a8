"""``captioner cache``: the transcript cache."""

from __future__ import annotations

import click

from captioner.run.cache import TranscriptCache


@click.group(name="cache")
def cache_group() -> None:
    """The transcript cache: transcripts kept per media content, backend, model and decoding options."""


@cache_group.command(name="info")
def cache_info() -> None:
    """Where the cache is, how many transcripts it holds and their size."""
    stats = TranscriptCache().stats()
    click.echo(f"folder: {stats.folder}")
    click.echo(f"transcripts: {stats.entries}")
    click.echo(f"size: {stats.bytes / 1e6:.1f} MB")


@cache_group.command(name="clear")
def cache_clear() -> None:
    """Delete every cached transcript (the model is kept)."""
    removed = TranscriptCache().clear()
    click.echo(f"removed {removed} cached transcripts")
