"""MkDocs hooks (mkdocs.yml: ``hooks``).

The CLI reference: the main command (click's ``run``) names itself ``captioner``, as it is typed
(``captioner.cli.main``'s context gives it the group's command path), so mkdocs-click titles its
section ``captioner`` with the group's anchor: two headings with one id, and the table of
contents' "run" entry jumping to the group.  Its section becomes ``captioner run`` (both forms
work) with an anchor of its own.
"""

from __future__ import annotations

import re
from typing import Any

CLI_PAGE = "reference/cli.md"
GROUP_ID = "captioner"
RUN_ID = "captioner-run"


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    if page.file.src_uri != CLI_PAGE:
        return html
    headings = list(re.finditer(rf'<h(\d) id="{GROUP_ID}">{GROUP_ID}<a class="headerlink" href="#{GROUP_ID}"', html))
    if len(headings) != 2:  # mkdocs-click or the CLI changed: tests/test_docs.py says what is missing
        return html
    run = headings[1]
    level = run.group(1)
    html = (
        html[: run.start()]
        + f'<h{level} id="{RUN_ID}">captioner run<a class="headerlink" href="#{RUN_ID}"'
        + html[run.end() :]
    )
    html = html.replace(f'<a href="#{GROUP_ID}">run</a>', f'<a href="#{RUN_ID}">run</a>')
    for item in _walk(page.toc):
        if item.id == GROUP_ID and item.title == "run":
            item.id = RUN_ID
    return html


def _walk(items: Any) -> Any:
    for item in items:
        yield item
        yield from _walk(item.children)
