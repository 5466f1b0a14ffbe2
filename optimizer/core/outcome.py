"""What a solve ends with, whichever solver ran: ``SolveStatus`` and ``SolveReport``.

A leaf module: ``optimizer.core.solve`` (HiGHS) and ``optimizer.core.solvers`` (every other solver, through
Pyomo) both build these, without importing each other; ``optimizer.core.solve`` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SolveStatus(StrEnum):
    """Solver outcome, as written to plan.json."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        """True when a plan (incumbent) exists."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class SolveReport:
    """What the solver said, independent of the domain."""

    status: SolveStatus
    objective: float | None
    bound: float | None
    solve_s: float
    threads: int
    nodes: int
    highs_status: str
    """The solver's own status text (HiGHS's model status, or another solver's termination condition)."""
    message: str = ""
    handoff_s: float = 0.0
    """Seconds spent handing the model to HiGHS (included in ``solve_s``)."""
    extract_s: float = 0.0
    """Seconds spent loading the solution back into the Pyomo variables (included in ``solve_s``)."""
    highs_s: float = 0.0
    """The solver's own run time (HiGHS's, or the one another solver reports; else its call's wall time)."""
    size: dict[str, int] | None = None
    """Model size handed to HiGHS: columns, integers, rows, nonzeros."""
