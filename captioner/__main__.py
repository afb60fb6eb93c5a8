"""The ``captioner`` command (and ``python -m captioner``).

The command line's modules take a second or two to import on a busy machine (numpy,
faster-whisper).  A Ctrl-C meanwhile ends the command as it does later, exit 130 and one line:
the import is abandoned on the spot (nothing has been written yet), rather than raising
KeyboardInterrupt inside libraries' import code, where some swallow it or leave the interpreter
to exit with the signal instead of 130.
"""

from __future__ import annotations

import os
import signal
from types import FrameType

# cli.policy.EXIT_INTERRUPTED and the commands' line, not imported: importing is what is interrupted
EXIT_INTERRUPTED = 130
INTERRUPTED_LINE = b"captioner: interrupted\n"


def _exit_at_once(signum: int, frame: FrameType | None) -> None:
    os.write(2, INTERRUPTED_LINE)
    os._exit(EXIT_INTERRUPTED)


def main() -> None:
    previous = signal.getsignal(signal.SIGINT)
    watched = previous not in (signal.SIG_IGN, None)  # an ignored Ctrl-C (nohup, a job started with &) stays so
    if watched:
        signal.signal(signal.SIGINT, _exit_at_once)
    try:
        from captioner.cli.malloc_arenas import limit_arenas

        limit_arenas()  # before any thread starts: see captioner.cli.malloc_arenas
        from captioner.cli.closed_pipes import survive_closed_pipes
        from captioner.cli.main import main as cli
    finally:
        if watched:
            signal.signal(signal.SIGINT, previous)
    survive_closed_pipes()  # `captioner ... 2>&1 | head -1` neither stops nor fails the work
    cli()


if __name__ == "__main__":
    main()
