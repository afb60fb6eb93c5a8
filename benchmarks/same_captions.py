"""Whether two checkouts write byte-identical captions (a refactor's check, #26).

Captions samples/ and ``--count`` corpus files (every few by name, so several formats, languages and
lengths) in every format ``-f`` offers, in a few styles, with ``--speakers channels`` and with
``--highlight-words``, once per checkout given with ``--source`` (e.g. main's code exported with
``git archive``), all against one transcript cache: a first run of the first checkout fills it
(the model runs once, its captions are not compared), then every checkout formats from it.  Prints
the files that differ; exit status 1 when any does.

    python benchmarks/same_captions.py --source OLD --source NEW [--corpus DIR] [--count 8]
"""

from __future__ import annotations

import argparse
import filecmp
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import DEFAULT_CORPUS, ROOT, run_child  # noqa: E402
from captioner.media.probe import is_media_file  # noqa: E402
from captioner.output.writers import FORMATS  # noqa: E402

RUNS: dict[str, list[str]] = {
    "netflix": ["--style", "netflix"],
    "bbc": ["--style", "bbc", "--highlight-words"],
    "cea608": ["--style", "cea608"],
    "channels": ["--speakers", "channels", "--style", "ted"],
}


def media_files(corpus: Path, count: int) -> list[Path]:
    """samples/ and ``count`` corpus files, every few by name."""
    samples = sorted(p for p in (ROOT / "samples").iterdir() if is_media_file(p))
    found = sorted(p for p in corpus.iterdir() if is_media_file(p)) if corpus.is_dir() else []
    step = max(1, len(found) // max(1, count))
    return samples + found[::step][:count]


def caption(source: Path, media: list[Path], out: Path, cache: Path, extra: list[str]) -> None:
    env = {"CAPTIONER_CACHE_DIR": str(cache), "PYTHONPATH": str(source)}
    cmd = [sys.executable, "-m", "captioner", *map(str, media), "-o", str(out), "-f", ",".join(FORMATS), "-q"]
    run = run_child([*cmd, *extra], env)
    if run.returncode not in (0, 1):  # 1: some file failed (SCC has no characters for Japanese): compared too
        raise SystemExit(f"{source}: captioner {' '.join(extra)} failed: {run.stderr.strip()[-2000:]}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "stderr.txt").write_text(f"exit {run.returncode}\n{run.stderr}", "utf-8")  # compared too


def assert_runs(source: Path) -> None:
    """That a child given ``source`` on its path imports captioner from there."""
    code = "import captioner; print(captioner.__file__)"
    run = run_child([sys.executable, "-c", code], {"PYTHONPATH": str(source)})
    if not Path(run.stdout.strip()).is_relative_to(source):
        raise SystemExit(f"{source}: its code is not what runs ({run.stdout.strip() or run.stderr.strip()})")


def differences(left: Path, right: Path) -> list[str]:
    names = {p.relative_to(left) for p in left.rglob("*") if p.is_file()}
    names |= {p.relative_to(right) for p in right.rglob("*") if p.is_file()}
    return sorted(
        str(name)
        for name in names
        if not (left / name).is_file()
        or not (right / name).is_file()
        or not filecmp.cmp(left / name, right / name, shallow=False)
    )


def failures(out: Path) -> int:
    """Caption sets with a format missing (a file that failed in some format)."""
    return sum(1 for srt in out.rglob("*.srt") if not srt.with_suffix(".scc").exists())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, action="append", required=True, help="a checkout (twice or more)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--count", type=int, default=8, help="corpus files besides samples/")
    args = parser.parse_args()
    sources = [s.resolve() for s in args.source]
    media = media_files(args.corpus, args.count)
    print(f"{len(media)} media files, formats {','.join(FORMATS)}, runs {', '.join(RUNS)}")
    with tempfile.TemporaryDirectory(prefix="same-captions-") as tmp:
        work, cache = Path(tmp), Path(tmp) / "cache"
        os.chdir(work)  # python -m puts the current folder first on the path: --source's code runs, not this one
        for source in sources:
            assert_runs(source)
        for name, extra in RUNS.items():  # fills the cache: the model runs here, once
            caption(sources[0], media, work / "warm" / name, cache, extra)
        for index, source in enumerate(sources):
            for name, extra in RUNS.items():
                caption(source, media, work / str(index) / name, cache, extra)
        written = sum(1 for p in (work / "0").rglob("*") if p.is_file())
        failed = False
        print(f"failures (the same for every checkout, or they differ below): {failures(work / '0')}")
        for index, source in enumerate(sources[1:], 1):
            differ = differences(work / "0", work / str(index))
            print(f"{source} against {sources[0]}: {written} files, {len(differ)} differ")
            for name in differ:
                print(f"  differs: {name}")
            failed = failed or bool(differ)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
