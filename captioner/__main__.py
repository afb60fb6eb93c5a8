"""The ``captioner`` command (and ``python -m captioner``).

The command line's modules take a second or two to import (numpy, faster-whisper): a Ctrl-C
meanwhile ends the command as it does later, exit 130 and one line, not a traceback.
"""

from __future__ import annotations

import sys


def main() -> None:
    from captioner.cli.malloc_arenas import limit_arenas

    limit_arenas()  # before any thread starts: see captioner.cli.malloc_arenas
    try:
        from captioner.cli.main import main as cli
    except KeyboardInterrupt:
        sys.stderr.write("captioner: interrupted\n")
        sys.exit(130)
    cli()


if __name__ == "__main__":
    main()
