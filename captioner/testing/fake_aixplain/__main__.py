"""``python -m captioner.testing.fake_aixplain``: run the fake by hand."""

from __future__ import annotations

import argparse

from captioner.testing import fake_aixplain
from captioner.testing.fake_aixplain.scenarios import Scenario
from captioner.testing.fake_aixplain.server import FakeAixplain
from captioner.testing.fake_aixplain.transcribers import Transcriber, WhisperTranscriber


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m captioner.testing.fake_aixplain", description=(fake_aixplain.__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--key", default="fake-key", help="the API key the fake accepts (default: fake-key)")
    parser.add_argument("--model", help="faster-whisper model directory or name to transcribe uploads with")
    parser.add_argument("--async", dest="answer_async", action="store_true", help="answer runs asynchronously")
    args = parser.parse_args(argv)
    transcriber: Transcriber | None = None
    if args.model:
        from faster_whisper import WhisperModel

        transcriber = WhisperTranscriber(WhisperModel(args.model, device="cpu", compute_type="int8"))
    fake = FakeAixplain(
        api_key=args.key,
        transcriber=transcriber,
        port=args.port,
        scenario=Scenario(answer="async" if args.answer_async else "sync"),
    )
    print("# fake aiXplain listening; export these, then run captioner --backend aixplain:")
    for name, value in {**fake.env(), "AIXPLAIN_API_KEY": args.key}.items():
        print(f"export {name}={value}")
    print("# unset TEAM_API_KEY if it holds a different key", flush=True)
    fake.serve()


if __name__ == "__main__":
    main()
