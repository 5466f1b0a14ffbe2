"""Stage 4: solving a Pyomo model with HiGHS through Pyomo's in-process HiGHS interface (APPSI).

The only module that names HiGHS. It never raises for solver outcomes: infeasible, limit and error
outcomes come back as a ``SolveReport`` with a ``SolveStatus``. Solutions are loaded only when HiGHS
reports a feasible primal solution (guarding against Pyomo's raise-on-no-solution loaders).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import highspy
import pyomo.environ as pyo
from pyomo.contrib.appsi.solvers.highs import Highs

log = logging.getLogger(__name__)


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
class Progress:
    """A solver progress event (MIP log line or new incumbent)."""

    elapsed_s: float
    incumbent: float | None
    bound: float | None
    gap: float | None
    nodes: int


@dataclass(frozen=True)
class SolveOptions:
    """How to solve.

    Attributes:
        time_limit_s: wall-clock limit handed to HiGHS (HiGHS checks it coarsely in presolve).
        mip_rel_gap: relative gap at which HiGHS stops and the plan counts as optimal.
        threads: HiGHS threads (None: the machine's core count).
        seed: HiGHS random_seed.
        objective: override the instance's objective mode.
        prune_dominated: drop dominated link options before building (optimum unchanged).
        progress: called with ``Progress`` events from the solver thread; must not print to fd 1/2.
        solver_log: stream HiGHS's own log to stdout.
        warm_start: hand the variable values set on the model to HiGHS as a MIP start (routed demands:
            the pipeline first sets them with ``optimizer.routing.rounding_start``).
        relaxation: solve the LP relaxation only (integrality dropped).
        routing_cuts: routed demands: add the cut-set and symmetry rows (the strengthened formulation).
    """

    time_limit_s: float = 60.0
    mip_rel_gap: float = 1e-4
    threads: int | None = None
    seed: int = 0
    objective: str | None = None
    prune_dominated: bool = True
    progress: Callable[[Progress], None] | None = None
    solver_log: bool = False
    warm_start: bool = False
    relaxation: bool = False
    routing_cuts: bool = True


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
    message: str = ""


def _finite(value: float) -> float | None:
    return value if value is not None and math.isfinite(value) and abs(value) < 1e300 else None


_threads_in_use: int | None = None


def _set_threads(threads: int) -> None:
    """HiGHS's thread pool is process-global: reset it when a solve asks for a different size."""
    global _threads_in_use
    if _threads_in_use is not None and _threads_in_use != threads:
        highspy.Highs.resetGlobalScheduler(True)
    _threads_in_use = threads


def highs_version() -> str:
    """The HiGHS version string."""
    h = highspy.Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def solve_model(m: pyo.ConcreteModel, options: SolveOptions) -> SolveReport:
    """Solve ``m`` (objective ``m.objective``) and load its incumbent if there is one."""
    threads = options.threads or os.cpu_count() or 1
    n_vars = sum(len(v) for v in m.component_objects(pyo.Var, active=True))
    if n_vars == 0:
        return SolveReport(SolveStatus.OPTIMAL, 0.0, 0.0, 0.0, threads, 0, "empty model", "model has no variables")
    _set_threads(threads)
    opt = Highs()
    opt.config.load_solution = False
    opt.config.time_limit = options.time_limit_s
    opt.config.mip_gap = options.mip_rel_gap
    opt.config.stream_solver = options.solver_log
    opt.config.warmstart = options.warm_start
    opt.highs_options = {"threads": threads, "random_seed": options.seed, "presolve": "on"}
    if options.relaxation:
        opt.highs_options["solve_relaxation"] = True
    for flag in ("check_for_new_or_removed_constraints", "check_for_new_or_removed_vars",
                 "check_for_new_or_removed_params", "check_for_new_objective", "update_constraints",
                 "update_vars", "update_params", "update_named_expressions", "update_objective"):
        setattr(opt.update_config, flag, False)
    start = time.perf_counter()
    try:
        opt.set_instance(m)
        h = opt._solver_model  # the highspy.Highs object Pyomo built the model in
        if options.progress is not None:
            _subscribe(h, options.progress)
        opt.solve(m)
        status = h.getModelStatus()
        info = h.getInfo()
    except Exception as exc:  # solver failure must come back as data
        log.exception("HiGHS failed")
        return SolveReport(SolveStatus.ERROR, None, None, time.perf_counter() - start, threads, 0,
                           "exception", f"{type(exc).__name__}: {exc}")
    solve_s = time.perf_counter() - start
    has_primal = info.primal_solution_status == 2
    mapped = _map_status(status, has_primal)
    objective = bound = None
    if mapped.has_solution:
        opt.load_vars()
        objective = _finite(info.objective_function_value)
        bound = _finite(info.mip_dual_bound)
        if not h.getLp().integrality_ or options.relaxation:  # an LP: the optimum is its own bound
            bound = objective if mapped == SolveStatus.OPTIMAL else None
    return SolveReport(mapped, objective, bound, solve_s, threads, int(info.mip_node_count),
                       h.modelStatusToString(status))


def _map_status(status: highspy.HighsModelStatus, has_primal: bool) -> SolveStatus:
    s = highspy.HighsModelStatus
    if status in (s.kOptimal, s.kModelEmpty):
        return SolveStatus.OPTIMAL if has_primal or status == s.kModelEmpty else SolveStatus.ERROR
    if status in (s.kInfeasible, s.kUnboundedOrInfeasible):
        # every decision is bounded in format v1, so "unbounded or infeasible" means infeasible
        return SolveStatus.INFEASIBLE
    if status == s.kUnbounded:
        return SolveStatus.UNBOUNDED
    limits = (s.kTimeLimit, s.kIterationLimit, s.kSolutionLimit, s.kInterrupt, s.kObjectiveBound,
              s.kObjectiveTarget, s.kMemoryLimit, s.kHighsInterrupt)
    if status in limits:
        return SolveStatus.FEASIBLE if has_primal else SolveStatus.NO_SOLUTION
    return SolveStatus.ERROR


def _subscribe(h: highspy.Highs, progress: Callable[[Progress], None]) -> None:
    def relay(event: object) -> None:
        data = event.data_out  # type: ignore[attr-defined]
        try:
            progress(Progress(
                elapsed_s=float(data.running_time),
                incumbent=_finite(data.mip_primal_bound),
                bound=_finite(data.mip_dual_bound),
                gap=_finite(data.mip_gap),
                nodes=int(data.mip_node_count),
            ))
        except Exception:  # a broken progress display must not kill the solve
            log.exception("progress callback failed")

    h.cbMipLogging.subscribe(relay)
    h.cbMipImprovingSolution.subscribe(relay)
