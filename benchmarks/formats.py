"""Broadcast formats benchmark: every speech item of the corpus written as TTML, SCC, ASS and SBV
and read back by an independent reader.

captioner transcribes the items once (one call, the transcript cache in ``--cache`` makes re-runs
free) and writes each one's refined transcript as JSON; here each transcript is segmented with a
style, written in every new format, read back and compared with the cues:

- same words: the reader's text, word for word, is the cues' (for SCC: the cues' text mapped to
  the CEA-608 set, laid out in rows of 32 where the style is wider, compared without the spaces:
  a word longer than a row is cut over two);
- times: within the format's precision (TTML and SBV: 1 ms, ASS: 1 cs; SCC: one 29.97 fps frame,
  except captions CEA-608's bandwidth makes late, counted separately);
- 0 rule violations: ttconv's IMSC reader plus the IMSC 1.1 Text Profile checks (TTML), ttconv's
  SCC decoder plus the 608 checks (SCC), ffmpeg's ASS demuxer against pysubs2 (ASS), ffmpeg's
  subviewer demuxer (SBV): see captioner/testing/format_readers.py.

    python benchmarks/formats.py [--corpus DIR] [--cache DIR] [--only ID ...] [--style cea608 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from captioner.captions.segmentation import segment  # noqa: E402
from captioner.core.style import get_style  # noqa: E402
from captioner.core.transcript import Transcript  # noqa: E402
from captioner.output.ass import render_ass  # noqa: E402
from captioner.output.cea608 import to_608  # noqa: E402
from captioner.output.readers import read_scc, read_ttml  # noqa: E402
from captioner.output.sbv import render_sbv  # noqa: E402
from captioner.output.scc import SccError, render_scc  # noqa: E402
from captioner.output.text import shown  # noqa: E402
from captioner.output.ttml import render_ttml  # noqa: E402
from captioner.testing import format_readers as fr  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "captioner-bench-transcripts"
FRAME = 1001 / 30000
VALIDATORS = {
    "ttml": "ttconv IMSC reader + IMSC 1.1 Text checks",
    "scc": "ttconv SCC decoder (+ pycaption text) + 608 checks",
    "ass": "ffmpeg ASS demuxer vs pysubs2",
    "sbv": "ffmpeg subviewer demuxer",
}
PRECISION = {"ttml": 0.0005 + 1e-9, "sbv": 0.0005 + 1e-9, "ass": 0.005 + 1e-9, "scc": FRAME}


def transcripts(items: list[dict], corpus: Path, cache: Path) -> dict[str, Transcript]:
    """Every item's refined transcript, by one captioner run (``-f json``)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        media = [str(corpus / it["file"]) for it in items]
        env = {**os.environ, "PYTHONPATH": str(REPO), "CAPTIONER_CACHE_DIR": str(cache)}
        cmd = [sys.executable, "-m", "captioner", *media, "-o", str(out), "-f", "json", "--overwrite", "-q"]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"captioner failed:\n{proc.stderr[-2000:]}")
        return {
            it["id"]: Transcript.from_json((out / f"{Path(it['file']).stem}.json").read_text("utf-8")) for it in items
        }


def words_of(lines) -> list[str]:
    return " ".join(lines).split()


def check_item(transcript: Transcript, style_name: str) -> dict[str, dict]:
    """Per format: cues, whether the words match, the largest time error, cues off by more than the
    precision (SCC: late captions apart), rule violations."""
    cues = segment(transcript, get_style(style_name))
    kept = [c for c, _ in shown(cues)]
    lines = [tuple(ls) for _, ls in shown(cues)]
    language = transcript.language
    said = [w for ls in lines for w in words_of(ls)]
    out: dict[str, dict] = {}

    def compare(
        fmt: str, read: list, want_words: list[str], want_times: list[tuple[float, float]], skip: set[int] = frozenset()
    ) -> dict:
        got_words = [w for c in read for w in words_of(c.lines)]
        errors = [
            max(abs(c.start - a), abs(c.end - b))
            for k, (c, (a, b)) in enumerate(zip(read, want_times))
            if k not in skip
        ]
        off = sum(e > PRECISION[fmt] for e in errors) + abs(len(read) - len(want_times))
        return {
            "cues": len(want_times),
            "same_words": got_words == want_words,
            "max_error_ms": round(max(errors, default=0) * 1000, 1),
            "off": off,
        }

    times = [(c.start, c.end) for c in kept]
    ttml = render_ttml(cues, language)
    out["ttml"] = compare("ttml", read_ttml(ttml), said, times) | {"violations": fr.ttml_violations(ttml)}
    ass = render_ass(cues)
    ass_times = [(a, max(a + 0.01, b)) for a, b in times]
    out["ass"] = compare("ass", fr.read_ass_ffmpeg(ass), said, ass_times) | {"violations": fr.ass_violations(ass)}
    sbv = render_sbv(cues)
    out["sbv"] = compare("sbv", fr.read_sbv_ffmpeg(sbv), said, times) | {"violations": []}
    try:
        scc = render_scc(cues, language, style_name)
    except SccError as exc:
        out["scc"] = {"refused": str(exc)}
        return out
    decoded = read_scc(scc.text)
    mapped = " ".join(to_608(" ".join(ls))[0] for ls in lines).split()
    want = scc.wanted
    late = {k for k, (s, _, _) in enumerate(scc.shown) if s > want[k][0] + FRAME}
    # a caption replaced by the next one stays up until that one appears: late too when it is late
    held = {k for k in range(len(want) - 1) if k + 1 in late and scc.shown[k][1] > want[k][1] + FRAME}
    row = compare("scc", decoded, mapped, want, skip=late | held)
    # a word longer than a row (32) is cut over two rows: the same characters, one more "word"
    row["same_words"] = "".join(w for c in decoded for w in words_of(c.lines)) == "".join(mapped)
    row["late"] = len(late)
    row["max_late_s"] = round(max((scc.shown[k][0] - want[k][0] for k in late), default=0), 2)
    row["relaid"] = any("re-laid" in n for n in scc.notes)
    row["pycaption_same_text"] = [c.lines for c in fr.read_scc_pycaption(scc.text)] == [c.lines for c in decoded]
    row["violations"] = fr.scc_violations(scc.text)
    out["scc"] = row
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="transcript cache (re-runs skip the model)")
    ap.add_argument("--only", nargs="*", help="item ids")
    ap.add_argument("--style", nargs="*", default=["cea608", "netflix"], help="styles to segment with")
    ap.add_argument("--json", type=Path, help="also write the per-item results here")
    args = ap.parse_args(argv)
    items = json.loads((args.corpus / "manifest.json").read_text("utf-8"))["items"]
    items = [it for it in items if it["kind"] == "speech" and (not args.only or it["id"] in args.only)]
    started = time.perf_counter()
    found = transcripts(items, args.corpus, args.cache)
    print(f"{len(items)} speech items transcribed (or from the cache) in {time.perf_counter() - started:.0f} s")
    results: dict[str, dict] = {}
    for style in args.style:
        totals: dict[str, dict] = defaultdict(lambda: defaultdict(float))
        for it in items:
            row = check_item(found[it["id"]], style)
            results.setdefault(style, {})[it["id"]] = row
            for fmt, r in row.items():
                t = totals[fmt]
                t["items"] += 1
                if "refused" in r:
                    t["refused"] += 1
                    continue
                t["cues"] += r["cues"]
                t["words_differ"] += not r["same_words"]
                t["off"] += r["off"]
                t["violations"] += len(r["violations"])
                t["max_error_ms"] = max(t["max_error_ms"], r["max_error_ms"])
                t["late"] += r.get("late", 0)
                t["max_late_s"] = max(t["max_late_s"], r.get("max_late_s", 0))
                t["relaid"] += r.get("relaid", False)
                t["pycaption_differs"] += not r.get("pycaption_same_text", True)
                for v in r["violations"][:3]:
                    print(f"  {style} {fmt} {it['id']}: {v}")
                if not r["same_words"] or r["off"]:
                    same = "same" if r["same_words"] else "DIFFER"
                    print(f"  {style} {fmt} {it['id']}: words {same}, {r['off']} off")
        print(f"\nstyle {style}:")
        head = f"{'format':6} {'items':>5} {'cues':>6} {'words≠':>6} {'off':>4} {'viol':>5} {'max err':>8}"
        print(f"{head}  extra; validator")
        for fmt in ("ttml", "scc", "ass", "sbv"):
            t = totals[fmt]
            extra = ""
            if fmt == "scc":
                extra = (
                    f"late {int(t['late'])} (max {t['max_late_s']:.2f} s), re-laid items {int(t['relaid'])}, "
                    f"refused {int(t['refused'])}, pycaption text differs {int(t['pycaption_differs'])}; "
                )
            print(
                f"{fmt:6} {int(t['items']):>5} {int(t['cues']):>6} {int(t['words_differ']):>6} {int(t['off']):>4} "
                f"{int(t['violations']):>5} {t['max_error_ms']:>6.1f}ms  {extra}{VALIDATORS[fmt]}"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
