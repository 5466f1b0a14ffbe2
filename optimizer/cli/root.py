"""Command line root: the ``optimizer`` group, its commands, and ``main``. The CLI is the only layer that prints.

Exit codes: 0 plan found (optimal or feasible), 1 internal error, 2 invalid input or usage,
3 infeasible or unbounded, 4 no solution within the limits (or solver error; also a stop of ``solve`` before
its instance is loaded), 5 output files not written, 130 interrupted (Ctrl-C in a command without a stop of
its own, or a second Ctrl-C in ``solve``); a closed output pipe (``optimizer solve ... | head``) ends the
command quietly with 141 (128 + SIGPIPE, what a shell reports for a writer whose reader went away).
Each command lives in its own module of this package; they share helpers through ``optimizer.cli.common``.
Command modules import nothing heavy at module level (pyomo, pandas, numpy, pydantic, matplotlib load
inside the commands), so ``optimizer --help`` and ``--version`` stay fast; the root imports a command's module
only when the command is named (``COMMANDS``).
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import click
from rich.text import Text

from optimizer import __version__
from optimizer.cli.common import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_NO_SOLUTION,
    EXIT_OK,
    EXIT_OUTPUT,
    err_console,
)
from optimizer.errors import InputWarning, OptimizerError

EXIT_PIPE = 141
"""A closed output pipe: 128 + SIGPIPE."""


COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("optimizer.cli.validate", "validate"),
    "solve": ("optimizer.cli.solve", "solve"),
    "schema": ("optimizer.cli.catalog", "schema"),
    "catalog": ("optimizer.cli.catalog", "catalog"),
    "generate": ("optimizer.cli.generate", "generate"),
    "pareto": ("optimizer.cli.pareto", "pareto"),
    "sweep": ("optimizer.cli.sweep", "sweep"),
    "breakeven": ("optimizer.cli.sweep", "breakeven"),
    "robust": ("optimizer.cli.robust", "robust"),
    "robustness": ("optimizer.cli.robustness", "robustness"),
    "envelope": ("optimizer.cli.envelope", "envelope"),
    "import": ("optimizer.cli.sndlib", "import_group"),
    "report": ("optimizer.cli.report", "report"),
}
"""Command name -> (module, attribute): a command's module is imported when the command is named (or listed
by ``--help``), so that ``optimizer solve`` does not import every other command."""


class _Commands(click.Group):
    """The root group, its commands imported on first use (``COMMANDS``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return self.commands.get(cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="optimizer")
def cli() -> None:
    """Plan optics, port speeds and switch models of an AI cluster network (MILP, HiGHS).

    Exit codes: 0 plan found, 2 invalid input, 3 infeasible/unbounded, 4 no solution within the
    limits (or solver error; also solve stopped while loading), 5 output files could not be written,
    130 interrupted, 1 internal error (141: the output pipe was closed).
    """


OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EFBIG})
"""Write failures that are the environment's, not the program's: exit ``EXIT_OUTPUT`` with a clean message."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code (for tests and embedding)."""
    debug = os.environ.get("OPTIMIZER_DEBUG") == "1"
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        with _input_warnings(), _stdout_for_data_only(_wants_json(args)), _pipe_errors_raise():
            result = cli.main(args=args, prog_name="optimizer", standalone_mode=False)
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_PIPE
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_INPUT
    except OptimizerError as exc:  # e.g. an optional extra that a requested feature needs is missing
        err_console().print(Text(f"error: {exc}"))
        return EXIT_INPUT
    except (click.exceptions.Abort, KeyboardInterrupt):  # Ctrl-C outside a solve's own stop handling
        err_console().print("interrupted")
        return EXIT_INTERRUPTED
    except MemoryError:  # the machine's memory is a limit like the time limit: no solution within it
        err_console().print("out of memory: the run needs more memory than this machine has; no plan")
        return EXIT_NO_SOLUTION
    except Exception as exc:
        from optimizer.core.results import OutputError  # loaded by any command that writes files

        if isinstance(exc, OutputError) and not debug:  # a study's files (solve reports its own)
            err_console().print(Text(f"file system error: {exc}"))
            return EXIT_OUTPUT
        if isinstance(exc, OSError) and exc.errno in OUTPUT_ERRNOS and not debug:
            err_console().print(Text(f"file system error: {exc}"))  # any command's files: disk full, no permission
            return EXIT_OUTPUT
        if debug:
            raise
        err_console().print(
            Text(f"internal error: {type(exc).__name__}: {exc} (set OPTIMIZER_DEBUG=1 for a traceback)")
        )
        return EXIT_INTERNAL
    return result if isinstance(result, int) else EXIT_OK


def entry() -> None:
    """Console-script entry point."""
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        code = EXIT_PIPE
    sys.exit(code)


def _wants_json(args: list[str]) -> bool:
    """``--json`` among the options (before a ``--`` that ends them)."""
    options = args[: args.index("--")] if "--" in args else args
    return "--json" in options


@contextlib.contextmanager
def _input_warnings() -> Iterator[None]:
    """Show each ``InputWarning`` once, as ``file: where: warning: message`` on stderr."""
    shown: set[str] = set()
    with warnings.catch_warnings():
        warnings.filterwarnings("always", category=InputWarning)
        original = warnings.showwarning

        def show(message: Any, category: type[Warning], *rest: Any, **kw: Any) -> None:
            if isinstance(message, InputWarning):
                issue = message.issue
                text = f"{issue.file}: {issue.where}: warning: {issue.message}"
                if text not in shown:
                    shown.add(text)
                    click.echo(text, err=True)
            else:
                original(message, category, *rest, **kw)

        warnings.showwarning = show
        yield


@contextlib.contextmanager
def _stdout_for_data_only(active: bool) -> Iterator[None]:
    """While a ``--json`` command runs, file descriptor 1 points at stderr and ``sys.stdout`` at the real stdout.

    What the command prints (through ``sys.stdout``) stays on stdout, and text that a library writes straight
    to the descriptor (HiGHS's own log with ``--solver-log``) goes to stderr, so stdout is pure JSON.
    """
    try:
        if not active:
            raise OSError
        sys.stdout.flush()
        real = os.dup(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (e.g. captured by a test harness)
        yield
        return
    saved = sys.stdout
    fd = saved.fileno()
    data = open(real, "w", encoding=saved.encoding or "utf-8", errors="replace", closefd=False)  # noqa: SIM115
    os.dup2(sys.stderr.fileno(), fd)
    sys.stdout = data
    try:
        yield
    finally:
        try:
            data.flush()
        finally:
            sys.stdout = saved
            os.dup2(real, fd)
            os.close(real)


@contextlib.contextmanager
def _pipe_errors_raise() -> Iterator[None]:
    """rich ends the process with ``SystemExit(1)`` (the internal-error code) on a broken pipe: raise instead."""
    from rich.console import Console

    def on_broken_pipe(self: Console) -> None:
        raise BrokenPipeError

    original = Console.on_broken_pipe
    Console.on_broken_pipe = on_broken_pipe  # type: ignore[method-assign]
    try:
        yield
    finally:
        Console.on_broken_pipe = original  # type: ignore[method-assign]


def _discard_stdout() -> None:
    """After a broken pipe: point stdout at the null device so the interpreter's final flush stays quiet."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
