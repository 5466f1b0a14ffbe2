"""Domain errors. Solver outcomes are data (see ``optimizer.solve``), never exceptions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Issue:
    """One problem found in an input file.

    Attributes:
        file: the file the problem is in (or ``<mapping>`` for in-memory input).
        where: a path to the offending field, e.g. ``links[3].length_m``.
        message: what is wrong, naming the offending value.
    """

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


class InputWarning(UserWarning):
    """Input that is valid but probably not what was meant (it has no effect); carries its ``Issue``."""

    def __init__(self, issue: Issue):
        super().__init__(str(issue))
        self.issue = issue


class OptimizerError(Exception):
    """Base class of every error the package raises on purpose."""


class SchedulerError(OptimizerError):
    """The Dask scheduler a study was pointed at cannot be reached (a usage error, like bad input)."""


class InstanceError(OptimizerError):
    """The instance (or its catalogue) is invalid. Carries every problem found, not just the first."""

    def __init__(self, issues: Iterable[Issue]):
        self.issues: list[Issue] = sorted(set(issues), key=_issue_key)
        super().__init__("\n".join(str(i) for i in self.issues))


def _issue_key(issue: Issue) -> tuple[str, list[object], str]:
    # sort "links[10]" after "links[9]": split indices into numbers
    parts: list[object] = []
    for token in issue.where.replace("]", "").split("["):
        for piece in token.split("."):
            parts.append((0, int(piece), "") if piece.isdigit() else (1, 0, piece))
    return (issue.file, parts, issue.message)


class SolverUnavailableError(OptimizerError):
    """The solver asked for (``SolveOptions.solver``) is not installed here; the message says how to install it.

    A usage error, like bad input: raised before any model is built, never for a solver outcome.
    """
