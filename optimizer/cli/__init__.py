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


BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")
"""The environment variables that set how many threads OpenBLAS (numpy's linear algebra) starts, in the order
it reads them."""


def entry() -> None:
    """Console-script entry point.

    Unless the environment sets a BLAS thread count (``BLAS_THREAD_VARIABLES``), the process's OpenBLAS (loaded
    with numpy) runs one thread: OpenBLAS otherwise starts a thread per core when it loads, and starting them
    and their waiting for work cost more CPU time than a short solve's own work (about a third of a small
    ``optimizer solve``). The commands do no linear algebra that a second thread would speed up (products of
    vectors at most); HiGHS's threads (``--threads``) are its own. Processes the command starts (study
    workers) inherit the setting.
    """
    import os

    if not any(name in os.environ for name in BLAS_THREAD_VARIABLES):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        from optimizer.cli.root import entry as run
    except KeyboardInterrupt:
        raise SystemExit(_interrupted()) from None
    run()


def _interrupted() -> int:
    import sys

    sys.stderr.write("interrupted\n")
    return EXIT_INTERRUPTED
