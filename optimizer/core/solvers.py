"""Solvers other than HiGHS, through Pyomo's own interfaces, mapped to the same ``SolveReport`` contract.

HiGHS is the default and keeps its array hand-off (``optimizer.core.solve``). Every other solver
(``SolveOptions.solver``) is reached through the Pyomo model of ``build_model`` and one of Pyomo's
interfaces:

====== ======================================== ============================================================
name   Pyomo interface                          options passed (the solver's own names)
====== ======================================== ============================================================
scip   ``scip_direct`` (``pyomo.contrib.solver``, limits/time, limits/gap, randomization/randomseedshift
       needs the ``pyscipopt`` package)         (SCIP solves on one thread: ``threads`` is not passed)
cbc    ``cbc`` (the ``cbc`` executable, through sec (with timeMode elapsed), ratioGap, threads,
       an LP file)                              randomCbcSeed (only for a seed > 0: CBC takes 0 as "use
                                                the clock")
gurobi ``gurobi_direct`` (needs ``gurobipy``; TimeLimit, MIPGap, Threads, Seed
       its pip licence is size-limited)
cplex  ``cplex_direct`` (needs the ``cplex``    timelimit, mip.tolerances.mipgap, threads, randomseed
       package)
====== ======================================== ============================================================

Each solver's answer is mapped to ``SolveStatus``: proven optimal within the gap -> ``optimal``;
infeasible (or "infeasible or unbounded": every decision is bounded) -> ``infeasible``; unbounded ->
``unbounded``; stopped by a limit or an interrupt -> ``feasible`` with the incumbent, or
``no_solution``; anything else -> ``error`` with the solver's message. ``objective`` is the incumbent's
objective and ``bound`` the solver's proven bound (equal to the objective at an optimum the solver
reports without a separate bound). A solver that is not installed raises ``SolverUnavailableError``
naming how to install it (``require``), before any model is built.

Not available through these interfaces: progress callbacks (``SolveOptions.progress`` is not called),
the stop request of ``optimizer.core.solve.request_stop`` while the solver runs (each solver gets the
time left as its own limit; Ctrl-C reaches SCIP and CBC directly, which stop and keep their incumbent if
they have one), and
the LP relaxation (``SolveOptions.relaxation`` solves with HiGHS whatever the solver).
"""

from __future__ import annotations

import importlib.util
import logging
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from optimizer.core.outcome import SolveReport, SolveStatus
from optimizer.errors import SolverUnavailableError

SolveOptions = Any
"""``optimizer.core.solve.SolveOptions`` (not imported: that module imports this one)."""

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SolverSpec:
    """A solver reached through Pyomo: its interface, how to tell it is installed, how to install it."""

    name: str
    interface: str
    """Pyomo's name of the interface (``pyomo.contrib.solver`` factory for ``api == "contrib"``, else
    ``pyomo.environ.SolverFactory``)."""
    api: str
    """``contrib`` (Pyomo's new solver interfaces: results with incumbent and bound) or ``legacy``."""
    install: str
    """How to install it (printed when it is missing)."""
    options: Callable[[SolveOptions, float, int], dict[str, Any]]
    """The solver's own options for a solve: (options, time limit in s, threads) -> {name: value}."""
    threads: bool = True
    """True when the solver uses the threads it is given."""


def _scip_options(o: SolveOptions, limit_s: float, threads: int) -> dict[str, Any]:
    out: dict[str, Any] = {"limits/time": limit_s, "limits/gap": float(o.mip_rel_gap)}
    if o.seed:
        out["randomization/randomseedshift"] = int(o.seed)
    return out


def _cbc_options(o: SolveOptions, limit_s: float, threads: int) -> dict[str, Any]:
    out: dict[str, Any] = {"sec": limit_s, "timeMode": "elapsed", "ratioGap": float(o.mip_rel_gap), "threads": threads}
    if o.seed:
        out["randomCbcSeed"] = int(o.seed)
    return out


def _gurobi_options(o: SolveOptions, limit_s: float, threads: int) -> dict[str, Any]:
    return {"TimeLimit": limit_s, "MIPGap": float(o.mip_rel_gap), "Threads": threads, "Seed": int(o.seed)}


def _cplex_options(o: SolveOptions, limit_s: float, threads: int) -> dict[str, Any]:
    return {
        "timelimit": limit_s,
        "mip_tolerances_mipgap": float(o.mip_rel_gap),
        "threads": threads,
        "randomseed": int(o.seed),
    }


SOLVERS: dict[str, SolverSpec] = {
    "scip": SolverSpec(
        "scip",
        "scip_direct",
        "contrib",
        "pip install pyscipopt (its wheels bundle SCIP; or pip install 'optics-planner[scip]')",
        _scip_options,
        threads=False,
    ),
    "cbc": SolverSpec(
        "cbc",
        "cbc",
        "legacy",
        "install the cbc executable and put it on PATH: apt-get install coinor-cbc (Debian, Ubuntu), "
        "brew install cbc (macOS) or conda install -c conda-forge coin-or-cbc",
        _cbc_options,
    ),
    "gurobi": SolverSpec(
        "gurobi",
        "gurobi_direct",
        "legacy",
        "pip install gurobipy (its bundled licence takes models up to 2,000 variables and constraints; "
        "larger ones need a Gurobi licence)",
        _gurobi_options,
    ),
    "cplex": SolverSpec(
        "cplex",
        "cplex_direct",
        "legacy",
        "pip install cplex (the Community Edition takes models up to 1,000 variables and constraints; "
        "larger ones need a CPLEX installation)",
        _cplex_options,
    ),
}
"""The solvers besides HiGHS, by name."""

SOLVER_NAMES = ("highs", *SOLVERS)
"""Every ``SolveOptions.solver`` value (``highs`` first: the default)."""


def _module_found(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def unavailable(name: str) -> str | None:
    """Why solver ``name`` cannot run here, with how to install it; None when it can (HiGHS always can)."""
    if name == "highs":
        return None
    spec = SOLVERS.get(name)
    if spec is None:
        return f"unknown solver {name!r} (known: {', '.join(SOLVER_NAMES)})"
    missing = f"solver {name!r} is not installed: {spec.install}"
    if name == "scip" and not _module_found("pyscipopt"):
        return missing
    if name == "gurobi" and not _module_found("gurobipy"):
        return missing
    if name == "cplex" and not _module_found("cplex"):
        return missing
    if name == "cbc" and shutil.which("cbc") is None:
        return missing
    try:
        ok, detail = _available(spec)
    except Exception as exc:  # an installed but broken package: say so, with the install hint
        return f"solver {name!r} cannot be used ({type(exc).__name__}: {exc}): {spec.install}"
    return None if ok else f"solver {name!r} cannot be used ({detail}): {spec.install}"


def _available(spec: SolverSpec) -> tuple[bool, str]:
    if spec.api == "contrib":
        state = _contrib_solver(spec).available()
        return bool(state), str(state)
    import pyomo.environ as pyo

    return bool(pyo.SolverFactory(spec.interface).available(exception_flag=False)), "not available"


def _contrib_solver(spec: SolverSpec) -> Any:
    """A fresh ``pyomo.contrib.solver`` interface object for ``spec``."""
    import pyomo.environ  # noqa: F401  (registers Pyomo's solver plugins)
    from pyomo.contrib.solver.common.factory import SolverFactory

    return SolverFactory(spec.interface)


def require(name: str) -> None:
    """Raise ``SolverUnavailableError`` (naming how to install it) unless solver ``name`` can run here."""
    problem = unavailable(name)
    if problem is not None:
        raise SolverUnavailableError(problem)


def solver_version(name: str) -> str:
    """The version of solver ``name``, one of ``SOLVERS`` (``unknown`` when it cannot be read)."""
    try:
        if name == "scip":
            from importlib.metadata import version as package_version

            import pyscipopt

            return f"{pyscipopt.Model().version()} (pyscipopt {package_version('pyscipopt')})"
        if name == "gurobi":
            import gurobipy

            return ".".join(str(x) for x in gurobipy.gurobi.version())
        import pyomo.environ as pyo

        version = pyo.SolverFactory(SOLVERS[name].interface).version()
        return ".".join(str(x) for x in version) if version else "unknown"
    except Exception:  # a version is informative only
        return "unknown"


# ------------------------------------------------------------------------------ solving


def solve_pyomo(m: Any, options: SolveOptions, deadline: float, threads: int) -> SolveReport:
    """Solve Pyomo model ``m`` with ``options.solver`` and load its incumbent; never raises for outcomes.

    The solver gets the time left until ``deadline`` (a ``time.monotonic()`` value) as its own limit.
    """
    from optimizer.core.model.linear import ArrayModel

    spec = SOLVERS[options.solver]
    used_threads = threads if spec.threads else 1
    start = time.perf_counter()
    if isinstance(m, ArrayModel):
        return SolveReport(
            SolveStatus.ERROR,
            None,
            None,
            0.0,
            used_threads,
            0,
            "not started",
            f"solver {spec.name!r} takes the Pyomo model (build_model), not the array model",
        )
    limit_s = max(1e-3, min(float(options.time_limit_s), deadline - time.monotonic()))
    native = spec.options(options, limit_s, threads)
    try:
        if spec.api == "contrib":
            outcome = _solve_contrib(m, spec, options, native)
        else:
            outcome = _solve_legacy(m, spec, options, native)
    except Exception as exc:  # solver failure must come back as data
        log.error("%s failed", spec.name, exc_info=exc)
        return SolveReport(
            SolveStatus.ERROR,
            None,
            None,
            time.perf_counter() - start,
            used_threads,
            0,
            "exception",
            f"{spec.name}: {type(exc).__name__}: {exc}",
        )
    status, objective, bound = outcome.status, outcome.objective, outcome.bound
    extract_s = 0.0
    if status.has_solution:
        t = time.perf_counter()
        try:
            outcome.load()
        except Exception as exc:  # a solution the interface cannot load is no plan
            log.error("%s: loading the solution failed", spec.name, exc_info=exc)
            return SolveReport(
                SolveStatus.ERROR,
                None,
                None,
                time.perf_counter() - start,
                used_threads,
                outcome.nodes,
                outcome.text,
                f"{spec.name}: the solution could not be loaded: {type(exc).__name__}: {exc}",
            )
        extract_s = time.perf_counter() - t
        if objective is None:  # the interface did not report it: the loaded values' objective
            import pyomo.environ as pyo

            objective = float(pyo.value(m.objective))
        if bound is None and status == SolveStatus.OPTIMAL:
            bound = objective
    else:
        objective = None
        bound = outcome.bound if status == SolveStatus.NO_SOLUTION else None
    end = time.perf_counter()
    solver_s = outcome.solver_s if outcome.solver_s is not None else outcome.call_s
    return SolveReport(
        status,
        objective,
        bound,
        end - start,
        used_threads,
        outcome.nodes,
        outcome.text,
        message=outcome.message,
        handoff_s=max(0.0, outcome.call_s - solver_s),
        extract_s=extract_s,
        highs_s=solver_s,
    )


@dataclass
class _Outcome:
    status: SolveStatus
    objective: float | None
    bound: float | None
    nodes: int
    text: str
    message: str
    call_s: float
    solver_s: float | None
    load: Callable[[], None]


def _number(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) and abs(v) < 1e300 else None


def _first_number(info: Any, keys: tuple[str, ...]) -> float | None:
    """The first of ``keys`` that holds a finite number in a results info section (a Pyomo ``ConfigDict``)."""
    for key in keys:
        try:
            value = _number(getattr(info, key, None))
        except Exception:  # an unset entry of a ConfigDict
            value = None
        if value is not None:
            return value
    return None


def _solve_contrib(m: Any, spec: SolverSpec, options: SolveOptions, native: dict[str, Any]) -> _Outcome:
    """A solve through ``pyomo.contrib.solver`` (SCIP): results carry incumbent and bound."""
    from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

    opt = _contrib_solver(spec)
    kwargs: dict[str, Any] = {
        "tee": bool(options.solver_log),
        "load_solutions": False,
        "raise_exception_on_nonoptimal_result": False,
        "solver_options": native,
    }
    if options.warm_start:
        kwargs["warmstart_discrete_vars"] = True
    t = time.perf_counter()
    res = opt.solve(m, **kwargs)
    call_s = time.perf_counter() - t
    tc = res.termination_condition
    has = res.solution_status in (SolutionStatus.feasible, SolutionStatus.optimal)
    T = TerminationCondition
    if tc == T.convergenceCriteriaSatisfied:
        status = SolveStatus.OPTIMAL if has else SolveStatus.ERROR
    elif tc in (T.provenInfeasible, T.locallyInfeasible, T.infeasibleOrUnbounded):
        status = SolveStatus.INFEASIBLE
    elif tc == T.unbounded:
        status = SolveStatus.UNBOUNDED
    elif tc in (T.maxTimeLimit, T.iterationLimit, T.objectiveLimit, T.minStepLength, T.interrupted):
        status = SolveStatus.FEASIBLE if has else SolveStatus.NO_SOLUTION
    else:
        status = SolveStatus.FEASIBLE if has and tc == T.unknown else SolveStatus.ERROR
    nodes = int(_first_number(res.extra_info, ("NNodes", "NodeCount", "mip_node_count")) or 0)
    solver_s = _first_number(res.timing_info, ("scip_time", "gurobi_time", "solver_wall_time"))
    message = "" if status != SolveStatus.ERROR else f"{spec.name} ended with {tc.name}"
    if status == SolveStatus.FEASIBLE or (status == SolveStatus.NO_SOLUTION and tc == T.maxTimeLimit):
        message = "stopped: time limit" if tc == T.maxTimeLimit else f"stopped: {tc.name}"
    return _Outcome(
        status,
        _number(res.incumbent_objective) if has else None,
        _number(res.objective_bound),
        nodes,
        tc.name,
        message,
        call_s,
        solver_s,
        lambda: res.solution_loader.load_vars(),
    )


def _solve_legacy(m: Any, spec: SolverSpec, options: SolveOptions, native: dict[str, Any]) -> _Outcome:
    """A solve through ``pyomo.environ.SolverFactory`` (CBC, Gurobi, CPLEX): bounds from ``results.problem``."""
    import pyomo.environ as pyo
    from pyomo.opt import SolutionStatus as SolStat
    from pyomo.opt import TerminationCondition as TC

    opt = pyo.SolverFactory(spec.interface)
    opt.options.update(native)
    kwargs: dict[str, Any] = {"load_solutions": False, "tee": bool(options.solver_log)}
    if options.warm_start and opt.warm_start_capable():
        kwargs["warmstart"] = True
    t = time.perf_counter()
    res = opt.solve(m, **kwargs)
    call_s = time.perf_counter() - t
    tc = res.solver.termination_condition
    has = len(res.solution) > 0 and res.solution(0).status in (
        SolStat.optimal,
        SolStat.feasible,
        SolStat.stoppedByLimit,
        SolStat.bestSoFar,
        SolStat.globallyOptimal,
        SolStat.locallyOptimal,
    )
    if tc in (TC.optimal, TC.globallyOptimal, TC.locallyOptimal):
        status = SolveStatus.OPTIMAL if has else SolveStatus.ERROR
    elif tc in (TC.infeasible, TC.infeasibleOrUnbounded, TC.invalidProblem) and not has:
        status = SolveStatus.INFEASIBLE
    elif tc == TC.unbounded:
        status = SolveStatus.UNBOUNDED
    elif tc in (
        TC.maxTimeLimit,
        TC.maxIterations,
        TC.maxEvaluations,
        TC.minStepLength,
        TC.userInterrupt,
        TC.resourceInterrupt,
        TC.intermediateNonInteger,
    ):
        status = SolveStatus.FEASIBLE if has else SolveStatus.NO_SOLUTION
    else:
        status = SolveStatus.ERROR
    minimise = m.objective.sense == pyo.minimize
    upper, lower = _number(res.problem.upper_bound), _number(res.problem.lower_bound)
    incumbent, bound = (upper, lower) if minimise else (lower, upper)
    stats = res.solver.statistics.branch_and_bound
    nodes = int(_number(getattr(stats, "number_of_created_subproblems", None)) or 0)
    wall = _number(getattr(res.solver, "wallclock_time", None))
    message = ""
    if status == SolveStatus.ERROR:
        message = f"{spec.name} ended with {tc}: {res.solver.message or res.solver.termination_message or ''}".strip()
    elif status in (SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION) and tc != TC.infeasible:
        message = "stopped: time limit" if tc == TC.maxTimeLimit else f"stopped: {tc}"
    return _Outcome(
        status,
        incumbent if has else None,
        bound,
        nodes,
        str(tc),
        message,
        call_s,
        wall if wall is not None and wall > 0 else None,
        lambda: _load_legacy(m, res),
    )


def _load_legacy(m: Any, res: Any) -> None:
    """Load a legacy results object's solution (quietly: a time-limit stop is an "aborted" solve to Pyomo)."""
    import io

    from pyomo.common.log import LoggingIntercept

    with LoggingIntercept(io.StringIO(), "pyomo.core"):
        m.solutions.load_from(res)
