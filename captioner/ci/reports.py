"""Check results for people and CI systems: text, JSON, GitHub annotations, JUnit XML."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

from captioner.ci.status import EDITED, OK, STATES, TITLES, FileStatus, Report
from captioner.output.atomic import atomic_write_text


def summary_line(report: Report) -> str:
    counts = report.counts()
    parts = [f"{counts[s]} {s}" for s in STATES if counts.get(s)]
    failing = len(report.failing())
    verdict = f"{failing} failing" if failing else "all good"
    total = len(report.files)
    files = f"{total} file{'s' if total != 1 else ''}"
    return f"captioner check: {files}: {', '.join(parts) or 'nothing to check'}; {verdict}"


def render_text(report: Report, verbose: bool = False) -> str:
    lines = []
    width = max((len(f.state) for f in report.files), default=0)
    for f in report.files:
        if f.state == OK and not verbose:
            continue
        mark = "FAIL" if f.failing(report.strict) else "    "
        lines.append(f"{mark} {f.state:<{width}}  {f.path}" + (f"  ({f.detail})" if f.detail else ""))
    lines += reviewed_lines(report, verbose)
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def reviewed_lines(report: Report, verbose: bool = False) -> list[str]:
    """The studio's reviewed marks: a line per file with marks (every file: ``verbose``) and the tree's."""
    if not report.reviewed:
        return []
    done, total = (sum(n[k] for n in report.reviewed.values()) for k in (0, 1))
    lines = [f"     reviewed {r}/{t}  {path}" for path, (r, t) in report.reviewed.items() if r or verbose]
    return [*lines, f"captioner check: reviewed {done}/{total} cues in the studio ({_percent(done, total)})"]


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "no cues"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_path(report: Report, relpath: str) -> str:
    """A file's path for GitHub, which resolves ``file=`` against the checkout (``$GITHUB_WORKSPACE``,
    else the current folder): the tree's root may be a folder of it (``media/captioner.toml``)."""
    base = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    try:
        return (Path(report.root).resolve() / relpath).relative_to(base).as_posix()
    except ValueError:
        return relpath


def render_github(report: Report) -> str:
    """GitHub Actions workflow commands: ``::error`` per failing file, ``::warning`` per edited one."""
    lines = []
    for f in report.files:
        if f.failing(report.strict):
            level = "error"
        elif f.state == EDITED or f.edited:
            level = "warning"
        else:
            continue
        file = _escape_property(annotation_path(report, f.path))
        lines.append(
            f"::{level} file={file},title={_escape_property(TITLES[f.state])}::"
            f"{_escape_data(f'{f.path}: {f.state}: {f.detail}')}"
        )
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def _file_dict(f: FileStatus, strict: bool) -> dict:
    return {
        "path": f.path,
        "state": f.state,
        "failing": f.failing(strict),
        "detail": f.detail,
        "captions": f.captions,
        "edited": f.edited,
    }


def render_json(report: Report) -> str:
    files = [_file_dict(f, report.strict) for f in report.files]
    data: dict[str, object] = {
        "root": str(report.root),
        "lock": report.lock_path.name,
        "ok": report.ok,
        "strict": report.strict,
        "counts": report.counts(),
        "files": files,
    }
    if report.reviewed:  # the studio's marks: reviewed cues of all cues, by file and for the tree
        for item in files:
            if item["path"] in report.reviewed:
                done, total = report.reviewed[item["path"]]
                item["reviewed"] = {"cues": done, "of": total}
        data["reviewed"] = {k: sum(n[i] for n in report.reviewed.values()) for i, k in enumerate(("cues", "of"))}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render(report: Report, output_format: str, verbose: bool = False) -> str:
    if output_format == "github":
        return render_github(report)
    if output_format == "json":
        return render_json(report)
    return render_text(report, verbose)


def junit_xml(report: Report) -> str:
    """One testcase per media file (or orphan); failing states are ``<failure>`` elements."""
    failing = report.failing()
    suite = ET.Element(
        "testsuite",
        name="captioner check",
        tests=str(len(report.files)),
        failures=str(len(failing)),
        errors="0",
        skipped="0",
    )
    for f in report.files:
        case = ET.SubElement(suite, "testcase", classname="captions", name=f.path, file=f.path)
        if f.failing(report.strict):
            failure = ET.SubElement(case, "failure", message=f"{f.state}: {f.detail}", type=f.state)
            failure.text = f"{f.path}: {TITLES[f.state]}\n{f.detail}"
        elif f.state != OK:
            out = ET.SubElement(case, "system-out")
            out.text = f"{f.state}: {f.detail}"
    suites = ET.Element("testsuites", name="captioner", tests=str(len(report.files)), failures=str(len(failing)))
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def write_junit(report: Report, path: Path) -> None:
    atomic_write_text(Path(path), junit_xml(report))
