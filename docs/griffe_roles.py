"""A Griffe extension for the API reference (mkdocs.yml: mkdocstrings' ``extensions``).

captioner's docstrings are written for reading in the source and with ``help()``: Sphinx roles
(:func:`caption`, :class:`Style`) and ``::`` before literal blocks.  mkdocstrings renders
Markdown, where those show as they are typed.  Here a role becomes code, linked to its entry on
the API page when it names one of ``captioner.__all__`` (or a member of one), and ``::`` a colon.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:func|meth|class|data|attr|mod|exc|obj):`~?([\w.]+)`")
LITERAL = re.compile(r"(\S)::$", re.M)


def public_names() -> set[str]:
    import captioner

    return set(captioner.__all__)


class RolesToMarkdown(griffe.Extension):
    def __init__(self) -> None:
        self.public = public_names()

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = LITERAL.sub(r"\1:", ROLE.sub(self._role, obj.docstring.value))

    def _role(self, match: re.Match[str]) -> str:
        target = match.group(1)
        parts = target.removeprefix("captioner.").split(".")
        if parts[0] in self.public and (target.startswith("captioner.") or len(parts) == 1):
            return f"[`{target}`][captioner.{'.'.join(parts)}]"
        return f"`{target}`"
