"""Command line root: the ``optimizer`` group, its commands, and ``main``. The CLI is the only layer that prints.

Exit codes: 0 plan found (optimal or feasible), 1 internal error, 2 invalid input or usage,
3 infeasible or unbounded, 4 no solution within the limits (or solver error), 5 output files not written.
Each command lives in its own module of this package; they share helpers through ``optimizer.cli.common``.
"""

from __future__ import annotations

import errno
import os
import sys

import click
from rich.text import Text

from optimizer.cli.catalog import catalog, schema
from optimizer.cli.common import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_OUTPUT, err_console
from optimizer.cli.generate import generate
from optimizer.cli.pareto import pareto
from optimizer.cli.sndlib import import_group
from optimizer.cli.solve import solve
from optimizer.cli.sweep import breakeven, sweep
from optimizer.cli.validate import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="optimizer")
def cli() -> None:
    """Plan optics, port speeds and switch models of an AI cluster network (MILP, HiGHS).

    Exit codes: 0 plan found, 2 invalid input, 3 infeasible/unbounded, 4 no solution within the
    limits (or solver error), 5 output files could not be written, 1 internal error.
    """


for _command in (validate, solve, schema, catalog, generate, pareto, sweep, breakeven, import_group):
    cli.add_command(_command)


OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EFBIG})
"""Write failures that are the environment's, not the program's: exit ``EXIT_OUTPUT`` with a clean message."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code (for tests and embedding)."""
    debug = os.environ.get("OPTIMIZER_DEBUG") == "1"
    try:
        result = cli.main(args=argv, prog_name="optimizer", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_INPUT
    except click.exceptions.Abort:
        err_console().print("aborted")
        return EXIT_INTERNAL
    except Exception as exc:
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
    sys.exit(main())
