"""The command line: ``optimizer <command>``; ``main(argv)`` runs it in-process and returns the exit code."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code (for tests and embedding)."""
    from optimizer.cli.root import main as run

    return run(argv)


def entry() -> None:
    """Console-script entry point."""
    from optimizer.cli.root import entry as run

    run()
