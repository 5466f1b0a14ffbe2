"""Guards of the parallel studies: a missing ``__main__`` guard or a missing Dask install fail loudly.

Dask (``dask.distributed``) is the optional extra ``[distributed]``: ``require_distributed`` says how to
install it when a scheduler address is given without it.

Studies called from a script without an ``if __name__ == "__main__":`` guard fail loudly too.

Local worker processes start with the ``spawn`` method: each one imports the script's main module
again. Without the guard, that import runs the study a second time inside the starting worker, which
then dies; the study would see every task lost and return an empty result. Instead, the starting
worker raises ``MainGuardError`` at once, and the parent raises it too when every task of a local
pool was lost to dying workers.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable

from optimizer.errors import OptimizerError

HINT = (
    "local worker processes start by importing your script again: put the code that runs the study under "
    "'if __name__ == \"__main__\":' (or use workers=1)"
)
DIED = "worker process died"


class MissingExtraError(OptimizerError):
    """An optional dependency a requested feature needs is not installed."""


def require_distributed() -> None:
    """Raise ``MissingExtraError`` unless ``dask.distributed`` can be imported."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        raise MissingExtraError(
            "a Dask scheduler needs the optional dependencies dask and distributed: "
            "pip install 'optics-planner[distributed]'"
        ) from None


class MainGuardError(OptimizerError):
    """A parallel study was started in a way its worker processes cannot run (see the module docstring)."""


def refuse_inside_starting_worker(what: str) -> None:
    """Raise when ``what`` is called while this process is a spawned worker importing the main module."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise MainGuardError(f"{what} was called while a worker process was starting: {HINT}")


def check_workers_ran(what: str, workers: int | None, scheduler: str | None, messages: Iterable[str]) -> None:
    """Raise when a local pool lost every task to dying workers (the missing-guard symptom)."""
    if scheduler or workers == 1:
        return
    messages = list(messages)
    if messages and all(DIED in m for m in messages):
        raise MainGuardError(
            f"{what}: every task was lost because its worker process died (out of memory, a crash, or a script "
            f"without a main guard); if it runs from a script, {HINT}"
        )
