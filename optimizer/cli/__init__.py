"""The command line: ``optimizer <command>``; ``main(argv)`` runs it in-process and returns the exit code."""

from __future__ import annotations

EXIT_INTERRUPTED = 130
"""Ctrl-C while the command line itself is being imported: 128 + SIGINT (``optimizer.cli.common``)."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code (for tests and embedding)."""
    try:
        from optimizer.cli.root import main as run
    except KeyboardInterrupt:
        return _interrupted()
    return run(argv)


def entry() -> None:
    """Console-script entry point."""
    try:
        from optimizer.cli.root import entry as run
    except KeyboardInterrupt:
        raise SystemExit(_interrupted()) from None
    run()


def _interrupted() -> int:
    import sys

    sys.stderr.write("interrupted\n")
    return EXIT_INTERRUPTED
