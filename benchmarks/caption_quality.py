"""Caption quality benchmark: transcribe the developer corpus, segment, score.

For every speech item of ``shared/corpus/manifest.json`` with a reference text, run captioner
itself (one call over all of them: language detection, filters, retiming, segmentation, writers;
``--cache`` keeps the transcripts for re-runs), and score each .srt with the project's independent
scorer ``shared/tools/caption_score.py``.  Prints one row per file and an aggregate; ``rawwer`` is
the WER of the transcript's words before formatting (formatting must not change it).

    python benchmarks/caption_quality.py [--corpus DIR] [--cache DIR] [--only ID ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from captioner.core.transcript import Transcript  # noqa: E402

DEFAULT_SHARED = REPO.parent / "shared"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "captioner-bench-transcripts"


def run_captioner(items: list[dict], corpus: Path, out_dir: Path, cache: Path) -> None:
    """Caption every item with the real captioner, in one call (one model load), as a user would.

    The transcript cache in ``cache`` makes re-runs re-format without transcribing again.
    """
    media = out_dir / "media"
    media.mkdir(parents=True, exist_ok=True)
    for it in items:
        target = media / it["file"]
        if not target.exists():
            shutil.copyfile(corpus / it["file"], target)
    env = {**os.environ, "PYTHONPATH": str(REPO), "CAPTIONER_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "captioner", str(media), "-o", str(out_dir), "-f", "srt,json", "--overwrite", "-q"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"captioner failed:\n{proc.stderr[-2000:]}")


def _load_scorer(path: Path):
    spec = importlib.util.spec_from_file_location("caption_score", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["caption_score"] = mod  # dataclasses look their module up here
    spec.loader.exec_module(mod)
    return mod


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_SHARED, help="the shared directory (corpus/, tools/)")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="transcript and model cache")
    ap.add_argument("--out", type=Path, default=None, help="keep the .srt files here")
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--verbose", "-v", action="store_true", help="print bad-break examples")
    args = ap.parse_args(argv)
    shared = args.corpus
    manifest = json.loads((shared / "corpus" / "manifest.json").read_text("utf-8"))
    scorer_path = shared / "tools" / "caption_score.py"
    scorer = _load_scorer(scorer_path)
    out_dir = args.out or Path(tempfile.mkdtemp(prefix="captioner-bench-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    items = [
        it
        for it in manifest["items"]
        if it.get("kind") == "speech" and it.get("reference_text") and (not args.only or it["id"] in args.only)
    ]
    run_captioner(items, shared / "corpus", out_dir, args.cache)
    rows = []
    for it in items:
        stem = Path(it["file"]).stem
        srt_path = out_dir / f"{stem}.srt"
        tr = Transcript.from_json((out_dir / f"{stem}.json").read_text("utf-8"))
        ref_path = out_dir / f"{it['id']}.ref.txt"
        ref_path.write_text(it["reference_text"], "utf-8")
        proc = subprocess.run(
            [sys.executable, str(scorer_path), str(srt_path), "--ref-text", str(ref_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        res = json.loads(proc.stdout[: proc.stdout.rindex("\nSUMMARY")])["files"][0]
        raw_text = "".join(w.word for w in tr.words) if tr.words else tr.full_text
        raw_wer = scorer.score_wer([_PlainCue(raw_text)], it["reference_text"]).get("wer")
        res["same_words"] = _same_words(scorer, srt_path, raw_text)
        rows.append((it["id"], res, raw_wer))
        if args.verbose and res["breaks"]["bad_examples"]:
            for ex in res["breaks"]["bad_examples"]:
                print(f"    {it['id']}: {ex}")
    _report(rows)
    print(f"\nsrt files in {out_dir}")
    return 0


def _same_words(scorer, srt_path: Path, raw_text: str) -> bool:
    """Whether the captions hold exactly the transcript's words, in order (normalised as the
    scorer does; spaces ignored, so that Chinese and Japanese, written without them, are compared
    by their characters: the scorer's WER joins cue lines with a space, which splits their "words")."""
    cues = scorer.parse_srt(srt_path.read_text("utf-8"), [])
    for c in cues:
        c.lines = scorer.plain_lines(c.raw_lines)
    captions = "".join(scorer.normalise_text(scorer.hypothesis_text(cues)[0]).split())
    return captions == "".join(scorer.normalise_text(raw_text).split())


class _PlainCue:
    """Just enough of the scorer's cue for its WER function."""

    def __init__(self, text: str) -> None:
        self.lines = [text] if text else []
        self.text = text


def _num(v: float | None) -> float:
    return float("nan") if v is None else v


def _report(rows) -> None:
    head = (
        f"{'file':40} {'cues':>4} {'compl%':>6} {'cpl%':>5} {'lines%':>6} {'cps17%':>6} {'cps20%':>6} "
        f"{'dur%':>5} {'gap%':>5} {'ovl':>3} {'bad':>7} {'wer':>6} {'rawwer':>6}"
    )
    print(head)
    tot = dict(
        cues=0,
        compl=0.0,
        cpl=0.0,
        lines=0.0,
        c17=0.0,
        c20=0.0,
        dur=0.0,
        gapok=0.0,
        pairs=0,
        ovl=0,
        bad=0,
        brk=0,
    )
    wer_same = same = empty = syntax = 0
    for name, r, raw_wer in rows:
        n = r["cue_count"]
        wer = r["wer"].get("wer") if r.get("wer") else None
        if not n:
            blank = "n/a: no cues (no speech kept)"
            print(f"{name[:40]:40} {n:>4} {blank:>44} {_num(wer):>26.3f} {_num(raw_wer):>6.3f}")
            empty += 1
            wer_same += wer == raw_wer
            same += r["same_words"]
            syntax += r["syntax"]["error_count"]
            continue
        print(
            f"{name[:40]:40} {n:>4} {r['compliance_pct'] or 0:>6.1f} {r['cpl']['pct_ok'] or 0:>5.1f} "
            f"{r['lines']['pct_ok'] or 0:>6.1f} {r['cps']['pct_le_17'] or 0:>6.1f} "
            f"{r['cps']['pct_le_20'] or 0:>6.1f} {r['duration']['pct_ok'] or 0:>5.1f} "
            f"{r['gaps']['pct_ok'] if r['gaps']['pct_ok'] is not None else 100:>5.1f} "
            f"{r['gaps']['overlaps']:>3} {r['breaks']['bad']:>3}/{r['breaks']['total']:<3} "
            f"{_num(wer):>6.3f} {_num(raw_wer):>6.3f}"
        )
        tot["cues"] += n
        for key, path in (
            ("compl", ("compliance_pct",)),
            ("cpl", ("cpl", "pct_ok")),
            ("lines", ("lines", "pct_ok")),
            ("c17", ("cps", "pct_le_17")),
            ("c20", ("cps", "pct_le_20")),
            ("dur", ("duration", "pct_ok")),
        ):
            v = r
            for p in path:
                v = v[p]
            tot[key] += (v or 0) * n / 100
        pairs = r["gaps"]["pairs"]
        tot["pairs"] += pairs
        tot["gapok"] += (r["gaps"]["pct_ok"] or 0) * pairs / 100
        tot["ovl"] += r["gaps"]["overlaps"]
        tot["bad"] += r["breaks"]["bad"]
        tot["brk"] += r["breaks"]["total"]
        wer_same += wer == raw_wer
        same += r["same_words"]
        syntax += r["syntax"]["error_count"]
    n = tot["cues"] or 1
    worst = min((r["compliance_pct"] or 0 for _, r, _ in rows if r["cue_count"]), default=0)
    print(
        f"\nAGGREGATE files={len(rows)} cues={tot['cues']} compliance={100 * tot['compl'] / n:.1f}% "
        f"(worst file with cues {worst:.1f}%; files without cues {empty}) cpl_ok={100 * tot['cpl'] / n:.1f}% "
        f"lines_ok={100 * tot['lines'] / n:.1f}% cps17={100 * tot['c17'] / n:.1f}% "
        f"cps20={100 * tot['c20'] / n:.1f}% dur_ok={100 * tot['dur'] / n:.1f}% "
        f"gap_ok={100 * tot['gapok'] / max(tot['pairs'], 1):.1f}% overlaps={tot['ovl']} "
        f"bad_breaks={tot['bad']}/{tot['brk']} ({100 * tot['bad'] / max(tot['brk'], 1):.1f}%) "
        f"wer_identical={wer_same}/{len(rows)} same_words={same}/{len(rows)} syntax_errors={syntax}"
    )


if __name__ == "__main__":
    sys.exit(main())
