"""Stage 4: solving the model (a Pyomo model, or the ``ArrayModel`` of ``build_arrays``) with HiGHS.

The only module that names HiGHS. It never raises for solver outcomes: infeasible, limit and error
outcomes come back as a ``SolveReport`` with a ``SolveStatus``. Solutions are loaded only when HiGHS
reports a feasible primal solution.

Two hand-offs from Pyomo to HiGHS (``SolveOptions.interface``):

- ``"direct"`` (default): ``linear_arrays`` gives the model as CSR arrays: concatenated from the rows
  ``build_model`` recorded as arrays while that record still describes the model
  (``optimizer.core.model.linear``), else by walking every active linear row of the Pyomo model once
  (generic over any linear model: ``LinearExpression`` bodies directly, Pyomo's standard repn for any
  other linear body); ``highspy.Highs.passModel`` then takes the whole model at once from the numpy
  arrays; the solution is written back into the Pyomo variables. The walk alone is about 10x faster
  than APPSI's per-row canonicalisation at 10^5 rows (see benchmarks/README.md, "hand-off candidates").
  An ``ArrayModel`` is its record: its arrays go to HiGHS as they are, and the solution into its
  ``ArrayVar`` values (Pyomo is not imported).
- ``"appsi"``: Pyomo's persistent APPSI HiGHS interface (kept for comparison and as a fallback).
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

from optimizer.core.gcpause import paused_gc
from optimizer.core.outcome import SolveReport as SolveReport
from optimizer.core.outcome import SolveStatus as SolveStatus

if TYPE_CHECKING:
    import pyomo.environ as pyo

    from optimizer.core.model.linear import Model

log = logging.getLogger(__name__)


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
        time_limit_s: wall-clock limit in seconds (> 0, finite). ``optimizer.solve`` counts deriving the data
            and building the model against it and hands HiGHS the time left; the direct hand-off cancels
            HiGHS at the limit if it has not stopped (HiGHS checks its own limit coarsely) and abandons it
            ``GRACE_S`` later with its last incumbent. The APPSI hand-off has only HiGHS's own limit.
        mip_rel_gap: relative gap at which HiGHS stops and the plan counts as optimal.
        threads: HiGHS threads, 1 to ``MAX_THREADS`` (None: the machine's core count, at most ``MAX_THREADS``).
        seed: HiGHS random_seed.
        objective: override the instance's objective mode (``tco``, ``capex``, ``power``, ``weighted``).

    Invalid values raise ``ValueError`` naming each of them.
        prune_dominated: drop dominated link options before building (optimum unchanged).
        progress: called with ``Progress`` events from the solver thread; must not print to fd 1/2.
        solver_log: stream HiGHS's own log to stdout.
        interface: the Pyomo -> HiGHS hand-off: ``"direct"`` (CSR arrays + passModel) or ``"appsi"``.
        objective_scaling: direct hand-off: scale the objective by a power of two for HiGHS
            (``objective_scale_exponent``); results are unscaled.
        warm_start: hand the variable values set on the model to HiGHS as a MIP start (routed demands:
            the pipeline first sets them with ``optimizer.core.routed.rounding_start``).
        relaxation: solve the LP relaxation only (integrality dropped).
        feasibility_jump: run HiGHS's feasibility-jump heuristic before the root LP (True, HiGHS's own
            default) or skip it (False). It only looks for a first incumbent: the optimum and the proof of
            it are the same either way. None (the default) lets ``optimizer.solve`` decide: off for the
            link-count model (no routed demands), whose root LP HiGHS solves in a few milliseconds and
            which it mostly closes at the root; when the heuristic finds the optimum first, the root LP's
            integral solution no longer improves on the incumbent and HiGHS runs its root reduced-cost
            fixing, quadratic in up to 1,024 bounds per link count (3-4 x the whole solve of the 16k
            NVIDIA fabric under a site value, see ``benchmarks/README.md``); on for routed demands (hard
            MILPs) and for ``solve_model`` called directly.
        routing_cuts: routed demands: add the cut-set and symmetry rows (the strengthened formulation).
        solver: ``highs`` (default: the array hand-off above) or another MILP solver reached through Pyomo's
            interfaces on the Pyomo model (``scip``, ``cbc``, ``gurobi``, ``cplex``: see
            ``optimizer.core.solvers``, which maps their answers to the same ``SolveReport``). The time
            limit, gap, threads and seed go to each as its own options; ``progress`` is called by HiGHS
            only, and ``relaxation`` always solves with HiGHS. ``optimizer.solve`` raises
            ``SolverUnavailableError`` (naming how to install it) for a solver that is not installed.
    """

    time_limit_s: float = 60.0
    mip_rel_gap: float = 1e-4
    threads: int | None = None
    seed: int = 0
    objective: str | None = None
    prune_dominated: bool = True
    progress: Callable[[Progress], None] | None = None
    solver_log: bool = False
    interface: str = "direct"
    objective_scaling: bool = True
    warm_start: bool = False
    relaxation: bool = False
    feasibility_jump: bool | None = None
    routing_cuts: bool = True
    solver: str = "highs"

    def __post_init__(self) -> None:
        problems = option_problems(self)
        if problems:
            raise ValueError("invalid solve options: " + "; ".join(problems))


OBJECTIVES = ("tco", "capex", "power", "weighted")
INTERFACES = ("direct", "appsi")
MAX_THREADS = 256
"""Most HiGHS threads a solve may ask for (HiGHS aborts the process on absurd pool sizes)."""


def option_problems(options: SolveOptions) -> list[str]:
    """What is wrong with ``options`` (empty when they are valid); ``SolveOptions`` raises on any."""
    out = []
    t = options.time_limit_s
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t <= 0:
        out.append(f"time_limit_s must be a finite number of seconds > 0, got {t!r}")
    g = options.mip_rel_gap
    if isinstance(g, bool) or not isinstance(g, int | float) or not math.isfinite(g) or g < 0:
        out.append(f"mip_rel_gap must be a finite number >= 0, got {g!r}")
    n = options.threads
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_THREADS):
        out.append(f"threads must be an integer from 1 to {MAX_THREADS} (or None: all cores), got {n!r}")
    if isinstance(options.seed, bool) or not isinstance(options.seed, int) or not 0 <= options.seed < 2**31:
        out.append(f"seed must be an integer from 0 to 2**31 - 1, got {options.seed!r}")
    if options.feasibility_jump not in (None, True, False):
        out.append(
            f"feasibility_jump must be True, False or None (the planner decides), got {options.feasibility_jump!r}"
        )
    if options.objective is not None and options.objective not in OBJECTIVES:
        out.append(
            f"objective must be one of {', '.join(OBJECTIVES)} (or None: the instance's), got {options.objective!r}"
        )
    if options.interface not in INTERFACES:
        out.append(f"interface must be one of {', '.join(INTERFACES)}, got {options.interface!r}")
    from optimizer.core.solvers import SOLVER_NAMES

    if options.solver not in SOLVER_NAMES:
        out.append(f"solver must be one of {', '.join(SOLVER_NAMES)}, got {options.solver!r}")
    return out


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
    h = _new_highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


_banner_shown = False


def _new_highs() -> highspy.Highs:
    """A silent ``highspy.Highs`` (HiGHS prints its banner to fd 1 on the first construction)."""
    global _banner_shown
    if _banner_shown:
        h = highspy.Highs()
    else:
        _banner_shown = True
        try:
            saved = os.dup(1)
        except OSError:
            saved = None
        if saved is None:
            h = highspy.Highs()
        else:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, 1)
                h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(devnull)
    h.setOptionValue("output_flag", False)
    return h


# ------------------------------------------------------------------------------ stopping a solve
GRACE_S = 3.0
"""Seconds HiGHS gets to stop after a cancel (stop request or deadline) before the solve is abandoned.

HiGHS checks its interrupt flag only at certain points (coarsely in presolve); past the grace the
solve returns the last incumbent HiGHS reported through its callbacks and leaves HiGHS's thread
running (``solver_threads_running``): a command then ends the process once its files are written."""


class _StopRequest:
    """The process-wide stop request (a plain attribute: safe to set from a signal handler)."""

    reason: str | None = None


_stop = _StopRequest()
_abandoned: list[threading.Thread] = []


def request_stop(reason: str = "stop requested") -> None:
    """Stop the running solve (and any solve started until ``clear_stop``), keeping its incumbent.

    Safe from a signal handler or another thread. The solve returns status ``feasible`` with the
    incumbent, bound and gap it has, or ``no_solution``; its message names ``reason``.
    """
    if _stop.reason is None:
        _stop.reason = reason


def stop_reason() -> str | None:
    """The pending stop request's reason (None when no stop was requested)."""
    return _stop.reason


def clear_stop() -> None:
    """Forget a stop request (the next solve runs normally)."""
    _stop.reason = None


def solver_threads_running() -> bool:
    """True while a HiGHS thread abandoned after a cancel is still running (see ``GRACE_S``)."""
    _abandoned[:] = [t for t in _abandoned if t.is_alive()]
    return bool(_abandoned)


@dataclass
class _Run:
    """What a guarded HiGHS run left: HiGHS's return status, why it was cancelled, its last incumbent."""

    status: highspy.HighsStatus | None = None
    abandoned: bool = False
    reason: str = ""
    values: np.ndarray | None = None
    objective: float | None = None
    bound: float | None = None
    errors: list[str] = field(default_factory=list)


def _capture_errors(h: highspy.Highs, run: _Run, to_console: bool) -> None:
    """Keep HiGHS's ERROR log lines (for the report's message); the log reaches the console only if asked."""
    h.setOptionValue("output_flag", True)
    h.setOptionValue("log_to_console", bool(to_console))

    def keep(event: object) -> None:
        message = str(getattr(event, "message", ""))
        if message.lstrip().startswith("ERROR"):
            run.errors.append(" ".join(message.split()))

    h.cbLogging.subscribe(keep)


def _run_guarded(h: highspy.Highs, run: _Run, deadline: float | None, unscale: float) -> _Run:
    """``h.run()`` in a worker thread, watched from this one.

    A stop request (``request_stop``) or the deadline (``time.monotonic()`` value) sets HiGHS's user
    interrupt; if HiGHS has not returned ``GRACE_S`` later, the run is abandoned with the last incumbent
    its callbacks reported. A ``KeyboardInterrupt`` (or any exception raised here by a signal handler)
    cancels HiGHS, waits up to ``GRACE_S`` for it, and propagates (a second one propagates at once).
    """
    cancel = threading.Event()

    def interrupt(event: Any) -> None:
        if cancel.is_set():
            event.interrupt()

    def improving(event: Any) -> None:
        data = event.data_out
        try:
            run.values = np.array(data.mip_solution, dtype=np.float64)
            run.objective = (
                None if _finite(data.objective_function_value) is None else data.objective_function_value * unscale
            )
            bound = _finite(data.mip_dual_bound)
            run.bound = None if bound is None else bound * unscale
        except Exception:  # a failed copy must not kill the solve
            log.exception("incumbent capture failed")

    def logging_event(event: Any) -> None:
        bound = _finite(event.data_out.mip_dual_bound)
        if bound is not None:
            run.bound = bound * unscale

    for callback in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
        callback.subscribe(interrupt)
    h.cbMipImprovingSolution.subscribe(improving)
    h.cbMipLogging.subscribe(logging_event)
    result: list[highspy.HighsStatus] = []
    thread = threading.Thread(target=lambda: result.append(h.run()), name="highs", daemon=True)
    thread.start()
    cancelled_at: float | None = None
    try:
        while True:
            thread.join(0.05)
            if not thread.is_alive():
                break
            now = time.monotonic()
            if cancelled_at is None:
                why = _stop.reason or ("time limit" if deadline is not None and now >= deadline else None)
                if why is not None:
                    run.reason = why
                    cancel.set()
                    cancelled_at = now
            elif now - cancelled_at >= GRACE_S:
                run.abandoned = True
                _abandoned.append(thread)
                log.warning("HiGHS did not stop within %.1f s of the cancel; keeping its last incumbent", GRACE_S)
                return run
    except BaseException:  # KeyboardInterrupt, or an exception a signal handler raised: stop HiGHS first
        cancel.set()
        thread.join(GRACE_S)
        if thread.is_alive():
            _abandoned.append(thread)
        raise
    run.status = result[0] if result else None
    return run


@dataclass
class LinearArrays:
    """A linear Pyomo model as arrays: columns, objective and rows in CSR form.

    ``columns[j]`` is the Pyomo variable of column j; rows are the model's active constraint rows
    in component order (``row_names`` keeps the component and index of each block of rows).
    """

    columns: list[Any]
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray
    cost: np.ndarray
    offset: float
    sense: int
    """1 minimise, -1 maximise."""
    row_lower: np.ndarray
    row_upper: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray

    @property
    def n_cols(self) -> int:
        return len(self.col_lower)

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)

    @property
    def n_integer(self) -> int:
        return int(np.count_nonzero(self.integrality))

    @property
    def nnz(self) -> int:
        return len(self.values)


class NonlinearModelError(ValueError):
    """The model has a nonlinear row or objective (the direct hand-off takes linear models only)."""


def _terms(expr: Any, where: Any) -> tuple[list[tuple[float, Any]], float]:
    """(coefficient, variable) terms and the constant of a linear expression (fixed variables folded)."""
    from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
    from pyomo.core.expr.numvalue import value as pyo_value
    from pyomo.repn import generate_standard_repn

    if expr.__class__ is LinearExpression:
        out: list[tuple[float, Any]] = []
        const = 0.0
        for t in expr.args:
            cls = t.__class__
            if cls is MonomialTermExpression:
                c, v = t.args
                if c.__class__ is not float and c.__class__ is not int:
                    c = pyo_value(c)
            elif cls is float or cls is int:
                const += t
                continue
            elif getattr(t, "is_variable_type", lambda: False)():
                c, v = 1.0, t
            else:
                break  # an unusual argument: use the generic path
            if v.fixed:
                const += c * v.value
            else:
                out.append((c, v))
        else:
            return out, const
    repn = generate_standard_repn(expr, compute_values=True, quadratic=False)
    if repn.nonlinear_expr is not None or not repn.is_linear():
        raise NonlinearModelError(f"{where.ctype.__name__.lower()} {where.name} is not linear")
    return list(zip(repn.linear_coefs, repn.linear_vars, strict=True)), float(repn.constant)


def linear_arrays(m: Model) -> LinearArrays:
    """A linear Pyomo model as column, objective and CSR row arrays.

    A model from ``build_model`` carries its rows as arrays (``optimizer.core.model.linear``): while that
    record still describes the model, the arrays are concatenated from it; otherwise the model is walked
    once (``_linear_arrays``).
    """
    from optimizer.core.model import linear

    with paused_gc():  # millions of short-lived lists: no cyclic-GC passes while walking
        if linear.current(m):
            return LinearArrays(**linear.recorded_arrays(m))
        return _linear_arrays(m)


def _linear_arrays(m: pyo.ConcreteModel) -> LinearArrays:
    """Walk a linear Pyomo model once into column, objective and CSR row arrays.

    Generic over the model's components: every active ``Var`` becomes a column (in component
    order), every active constraint row a row, and the single active objective the cost vector.

    Raises:
        NonlinearModelError: a row or the objective is not linear.
        ValueError: the model has more than one active objective.
    """
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
    from pyomo.core.expr.numvalue import value as pyo_value

    columns: list[Any] = []
    col_lower: list[float] = []
    col_upper: list[float] = []
    integrality: list[int] = []
    col_of: dict[int, int] = {}
    inf = highspy.kHighsInf

    def add_column(v: Any) -> int:
        j = len(columns)
        col_of[id(v)] = j
        columns.append(v)
        if v.fixed:
            lb = ub = float(v.value)
        else:
            lb, ub = v.bounds
            lb = -inf if lb is None else float(lb)
            ub = inf if ub is None else float(ub)
        col_lower.append(lb)
        col_upper.append(ub)
        integrality.append(1 if v.is_integer() else 0)
        return j

    for comp in m.component_objects(pyo.Var, active=True, descend_into=True):
        for v in comp.values():
            add_column(v)

    row_lower: list[float] = []
    row_upper: list[float] = []
    indptr: list[int] = [0]
    indices: list[int] = []
    values: list[float] = []
    fixed = {id(v) for v in columns if v.fixed}
    linear_expr, monomial, number = LinearExpression, MonomialTermExpression, (float, int)
    for comp in m.component_objects(pyo.Constraint, active=True, descend_into=True):
        for con in comp.values():
            if not con.active:
                continue
            lb, body, ub = con.to_bounded_expression(evaluate_bounds=True)
            const = 0.0
            row_idx: list[int | None] = []
            row_val: list[float] = []
            generic = body.__class__ is not linear_expr or bool(fixed)
            if not generic:  # fast path: the LinearExpression bodies build_model creates
                for t in body.args:
                    if t.__class__ is monomial:
                        c, v = t.args
                        if c.__class__ not in number:
                            c = pyo_value(c)
                    elif t.__class__ in number:
                        const += t
                        continue
                    elif t.is_variable_type():
                        c, v = 1.0, t
                    else:
                        generic = True
                        break
                    row_idx.append(col_of.get(id(v)))
                    row_val.append(c)
            if generic:
                terms, const = _terms(body, con)
                row_idx = [col_of.get(id(v)) for _, v in terms]
                row_val = [c for c, _ in terms]
            if None in row_idx:
                vs = [v for _, v in _terms(body, con)[0]]
                row_idx = [col_of[id(v)] if id(v) in col_of else add_column(v) for v in vs]
            if len(row_idx) > 1 and len(set(row_idx)) < len(row_idx):  # a variable repeated in a row
                merged: dict[int, float] = {}
                for j, c in zip(row_idx, row_val, strict=True):
                    merged[j] = merged.get(j, 0.0) + c  # type: ignore[index, arg-type]
                row_idx, row_val = list(merged), list(merged.values())
            indices.extend(row_idx)  # type: ignore[arg-type]
            values.extend(row_val)
            indptr.append(len(indices))
            row_lower.append(-inf if lb is None else float(lb) - const)
            row_upper.append(inf if ub is None else float(ub) - const)

    objectives = list(m.component_data_objects(pyo.Objective, active=True, descend_into=True))
    if len(objectives) > 1:
        raise ValueError(f"the model has {len(objectives)} active objectives")
    cost = np.zeros(len(columns))
    offset = 0.0
    sense = 1
    if objectives:
        obj = objectives[0]
        terms, offset = _terms(obj.expr, obj)
        for c, v in terms:
            j = col_of.get(id(v))
            if j is None:
                j = add_column(v)
                cost = np.append(cost, 0.0)
            cost[j] += c
        sense = 1 if obj.sense == pyo.minimize else -1
    indptr_a = np.asarray(indptr, dtype=np.int64)
    indices_a = np.asarray(indices, dtype=np.int64)
    values_a = np.asarray(values, dtype=np.float64)
    if len(indices_a) > 1:  # canonical order: columns ascending within each row (same matrix, same solve path)
        key = np.repeat(np.arange(len(row_lower), dtype=np.int64), np.diff(indptr_a)) * max(1, len(columns))
        key += indices_a
        if np.any(key[1:] < key[:-1]):
            order = np.argsort(key, kind="stable")
            indices_a, values_a = indices_a[order], values_a[order]
    return LinearArrays(
        columns=columns,
        col_lower=np.asarray(col_lower, dtype=np.float64),
        col_upper=np.asarray(col_upper, dtype=np.float64),
        integrality=np.asarray(integrality, dtype=np.int8),
        cost=cost,
        offset=float(offset),
        sense=sense,
        row_lower=np.asarray(row_lower, dtype=np.float64),
        row_upper=np.asarray(row_upper, dtype=np.float64),
        indptr=indptr_a.astype(np.int32),
        indices=indices_a.astype(np.int32),
        values=values_a,
    )


def highs_lp(a: LinearArrays) -> highspy.HighsLp:
    """A ``highspy.HighsLp`` (row-wise matrix) holding the arrays."""
    lp = highspy.HighsLp()
    lp.num_col_ = a.n_cols
    lp.num_row_ = a.n_rows
    lp.col_cost_ = a.cost
    lp.col_lower_ = a.col_lower
    lp.col_upper_ = a.col_upper
    lp.row_lower_ = a.row_lower
    lp.row_upper_ = a.row_upper
    lp.offset_ = a.offset
    lp.sense_ = highspy.ObjSense.kMinimize if a.sense == 1 else highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = a.n_cols
    lp.a_matrix_.num_row_ = a.n_rows
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.values
    if a.n_integer:
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[i] for i in a.integrality.tolist()]
    return lp


def pass_arrays(h: highspy.Highs, a: LinearArrays) -> highspy.HighsStatus:
    """``h.passModel`` straight from the numpy arrays (no ``HighsLp`` copy, no per-column Python objects)."""
    i32 = np.int32
    return h.passModel(
        a.n_cols,
        a.n_rows,
        a.nnz,
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMinimize if a.sense == 1 else highspy.ObjSense.kMaximize),
        float(a.offset),
        np.ascontiguousarray(a.cost, dtype=np.float64),
        np.ascontiguousarray(a.col_lower, dtype=np.float64),
        np.ascontiguousarray(a.col_upper, dtype=np.float64),
        np.ascontiguousarray(a.row_lower, dtype=np.float64),
        np.ascontiguousarray(a.row_upper, dtype=np.float64),
        np.ascontiguousarray(a.indptr, dtype=i32),
        np.ascontiguousarray(a.indices, dtype=i32),
        np.ascontiguousarray(a.values, dtype=np.float64),
        np.ascontiguousarray(a.integrality, dtype=i32),
    )


OBJECTIVE_SCALING_MAX_COLUMNS = 2**18
"""Largest model (columns) whose objective is scaled (see ``objective_scale_exponent``)."""


def objective_scale_exponent(cost: np.ndarray) -> int:
    """Power of two that brings the largest objective coefficient near 2**8 (0 when it is already small).

    Planner objectives are money: coefficients up to ~1e6 USD per unit and optima of ~1e9 USD. HiGHS's
    MIP cut and heuristic tolerances are absolute, and at that scale its root separation loop can spend
    seconds on a few hundred columns (measured: the CPO-capped 16k instance 9.6 s unscaled, 0.7 s at
    2**-10; see benchmarks/README.md). HiGHS reports objective, bound and gap unscaled.

    Only up to ``OBJECTIVE_SCALING_MAX_COLUMNS`` columns: measured on the generated fat trees
    (threads 1, same model both ways), scaling made HiGHS 1.6x faster at 158,318 columns and 1.3-1.5x
    slower at 525,864; the limit sits between the two (benchmarks/README.md, "Objective scaling").
    """
    if cost.size > OBJECTIVE_SCALING_MAX_COLUMNS:
        return 0
    nonzero = np.abs(cost[cost != 0])
    if nonzero.size == 0:
        return 0
    return int(min(0, max(-30, 8 - round(float(np.log2(nonzero.max()))))))


def _n_variables(m: Model) -> int:
    """Columns of model ``m`` (every active variable of a Pyomo model)."""
    from optimizer.core.model import linear

    if isinstance(m, linear.ArrayModel):
        return linear.record(m).n_columns
    import pyomo.environ as pyo

    return sum(len(v) for v in m.component_objects(pyo.Var, active=True))


def _start_values(m: Model, arrays: LinearArrays) -> np.ndarray:
    """The values set on the model's columns, in the arrays' column order (nan: not set)."""
    from optimizer.core.model import linear

    if isinstance(m, linear.ArrayModel):
        return linear.column_values(m)
    return np.array([np.nan if v.value is None else v.value for v in arrays.columns], dtype=np.float64)


def _load_solution(m: Model, arrays: LinearArrays, values: np.ndarray) -> None:
    """Set the model's columns to a solution vector in the arrays' column order (fixed variables kept)."""
    from optimizer.core.model import linear

    if isinstance(m, linear.ArrayModel):
        linear.load_columns(m, values)
        return
    for v, x in zip(arrays.columns, values.tolist(), strict=True):
        if not v.fixed:
            v.set_value(x, skip_validation=True)


def _set_start(h: highspy.Highs, values: np.ndarray) -> None:
    """Hand the values set on the model's columns to HiGHS as a MIP start (unset ones, nan, as 0)."""
    if values.size == 0 or np.isnan(values).all():
        return
    solution = highspy.HighsSolution()
    solution.col_value = np.nan_to_num(values, nan=0.0).tolist()
    solution.value_valid = True
    solution.dual_valid = False
    h.setSolution(solution)


def configure(h: highspy.Highs, options: SolveOptions, threads: int, cost: np.ndarray | None = None) -> None:
    """Set the HiGHS options of a solve (threads must already be fixed with ``_set_threads``)."""
    if options.relaxation:
        h.setOptionValue("solve_relaxation", True)
    if options.objective_scaling and cost is not None:
        h.setOptionValue("user_objective_scale", objective_scale_exponent(cost))
    h.setOptionValue("output_flag", bool(options.solver_log))
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("random_seed", int(options.seed))
    h.setOptionValue("presolve", "on")
    h.setOptionValue("time_limit", float(options.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    if options.feasibility_jump is False:
        h.setOptionValue("mip_heuristic_run_feasibility_jump", False)


def solve_model(m: Model, options: SolveOptions, deadline: float | None = None) -> SolveReport:
    """Solve ``m`` (objective ``m.objective``) and load its incumbent if there is one.

    ``deadline`` (a ``time.monotonic()`` value; default: ``options.time_limit_s`` from now) bounds the
    whole call: HiGHS gets the time left as its own limit and is cancelled at the deadline if it has not
    stopped (see ``_run_guarded``). A stop request (``request_stop``) cancels it likewise; both keep the
    incumbent (status ``feasible``) or give ``no_solution``. Any error HiGHS reports at hand-off or in
    the run gives status ``error`` with HiGHS's message, never a plan.
    """
    threads = min(options.threads or os.cpu_count() or 1, MAX_THREADS)
    if deadline is None:
        deadline = time.monotonic() + options.time_limit_s
    n_vars = _n_variables(m)
    if n_vars == 0:
        return SolveReport(SolveStatus.OPTIMAL, 0.0, 0.0, 0.0, threads, 0, "empty model", "model has no variables")
    if _stop.reason is not None or time.monotonic() >= deadline:
        why = _stop.reason or "time limit"
        return SolveReport(SolveStatus.NO_SOLUTION, None, None, 0.0, threads, 0, "not started", f"stopped: {why}")
    if options.solver != "highs" and not options.relaxation:
        return _solve_other(m, options, deadline, threads)
    if not solver_threads_running():
        _set_threads(threads)
    if options.interface == "appsi":
        return _solve_appsi(m, options, threads)
    start = time.perf_counter()
    run = _Run()
    try:
        arrays = linear_arrays(m)
        size = {"columns": arrays.n_cols, "integers": arrays.n_integer, "rows": arrays.n_rows, "nonzeros": arrays.nnz}
        h = _new_highs()
        configure(h, options, threads, arrays.cost)
        _capture_errors(h, run, options.solver_log)
        h.setOptionValue("time_limit", max(1e-3, min(float(options.time_limit_s), deadline - time.monotonic())))
        passed = pass_arrays(h, arrays)
        if passed == highspy.HighsStatus.kError:
            return _highs_error("HiGHS rejected the model at hand-off (passModel)", run, start, threads, size)
        if options.warm_start:
            _set_start(h, _start_values(m, arrays))
        handoff_s = time.perf_counter() - start
        if options.progress is not None:
            _subscribe(h, options.progress)
        value = h.getOptionValue("user_objective_scale")  # highspy 1.16 returns (status, value)
        unscale = 2.0 ** -int(value[1] if isinstance(value, tuple) else value)
        _run_guarded(h, run, deadline, unscale)
        if run.abandoned:
            return _abandoned_report(m, arrays, run, start, handoff_s, threads, size)
        if run.status == highspy.HighsStatus.kError:
            status_text = h.modelStatusToString(h.getModelStatus())
            return _highs_error(f"HiGHS failed while solving (model status {status_text})", run, start, threads, size)
        status = h.getModelStatus()
        info = h.getInfo()
        highs_s = h.getRunTime()
    except Exception as exc:  # solver failure must come back as data
        return _failed(exc, start, threads)
    has_primal = info.primal_solution_status == 2
    mapped = _map_status(status, has_primal)
    objective = bound = None
    extract_start = time.perf_counter()
    if mapped.has_solution:
        with paused_gc():
            _load_solution(m, arrays, np.asarray(h.getSolution().col_value, dtype=np.float64))
        objective = _finite(info.objective_function_value)
        bound = _finite(info.mip_dual_bound) if arrays.n_integer and not options.relaxation else objective
    end = time.perf_counter()
    return SolveReport(
        mapped,
        objective,
        bound,
        end - start,
        threads,
        int(info.mip_node_count),
        h.modelStatusToString(status),
        message=f"stopped: {run.reason}" if run.reason and mapped != SolveStatus.OPTIMAL else "",
        handoff_s=handoff_s,
        extract_s=end - extract_start,
        highs_s=highs_s,
        size=size,
    )


def _solve_other(m: Model, options: SolveOptions, deadline: float, threads: int) -> SolveReport:
    """A solve with ``options.solver`` through Pyomo (``optimizer.core.solvers``), as a ``SolveReport``."""
    from optimizer.core.model import linear
    from optimizer.core.solvers import solve_pyomo

    r = solve_pyomo(m, options, deadline, threads)
    message = r.message
    if _stop.reason is not None and r.status in (SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION):
        message = f"stopped: {_stop.reason}"  # a signal the solver saw too (it reports its own reason)
    size = None
    if not isinstance(m, linear.ArrayModel):
        a = linear_arrays(m)
        size = {"columns": a.n_cols, "integers": a.n_integer, "rows": a.n_rows, "nonzeros": a.nnz}
    return replace(r, message=message, size=size)


def _highs_error(what: str, run: _Run, start: float, threads: int, size: dict[str, int]) -> SolveReport:
    """HiGHS reported an error: status ``error`` with its message (never a plan)."""
    detail = "; ".join(run.errors[:3]) or "no message from HiGHS"
    log.error("%s: %s", what, detail)
    return SolveReport(
        SolveStatus.ERROR,
        None,
        None,
        time.perf_counter() - start,
        threads,
        0,
        "error",
        f"{what}: {detail}",
        size=size,
    )


def _abandoned_report(
    m: Model,
    arrays: LinearArrays,
    run: _Run,
    start: float,
    handoff_s: float,
    threads: int,
    size: dict[str, int],
) -> SolveReport:
    """The report of a run HiGHS did not stop within ``GRACE_S`` of its cancel: its last incumbent, if any."""
    message = f"stopped: {run.reason}; HiGHS did not stop within {GRACE_S:g} s, its last incumbent is kept"
    values = run.values
    if values is None or len(values) != arrays.n_cols:
        return SolveReport(
            SolveStatus.NO_SOLUTION,
            None,
            run.bound,
            time.perf_counter() - start,
            threads,
            0,
            "abandoned",
            message,
            handoff_s=handoff_s,
            size=size,
        )
    with paused_gc():
        _load_solution(m, arrays, values)
    return SolveReport(
        SolveStatus.FEASIBLE,
        run.objective,
        run.bound,
        time.perf_counter() - start,
        threads,
        0,
        "abandoned",
        message,
        handoff_s=handoff_s,
        size=size,
    )


def _solve_appsi(m: pyo.ConcreteModel, options: SolveOptions, threads: int) -> SolveReport:
    """The same solve through Pyomo's persistent APPSI HiGHS interface."""
    from pyomo.contrib.appsi.solvers.highs import Highs

    opt = Highs()
    opt.config.load_solution = False
    opt.config.time_limit = options.time_limit_s
    opt.config.mip_gap = options.mip_rel_gap
    opt.config.stream_solver = options.solver_log
    opt.config.warmstart = options.warm_start
    opt.highs_options = {"threads": threads, "random_seed": options.seed, "presolve": "on"}
    if options.relaxation:
        opt.highs_options["solve_relaxation"] = True
    for flag in (
        "check_for_new_or_removed_constraints",
        "check_for_new_or_removed_vars",
        "check_for_new_or_removed_params",
        "check_for_new_objective",
        "update_constraints",
        "update_vars",
        "update_params",
        "update_named_expressions",
        "update_objective",
    ):
        setattr(opt.update_config, flag, False)
    start = time.perf_counter()
    try:
        opt.set_instance(m)
        handoff_s = time.perf_counter() - start
        h = opt._solver_model  # the highspy.Highs object Pyomo built the model in
        if options.progress is not None:
            _subscribe(h, options.progress)
        opt.solve(m)
        status = h.getModelStatus()
        info = h.getInfo()
        highs_s = h.getRunTime()
    except Exception as exc:  # solver failure must come back as data
        return _failed(exc, start, threads)
    has_primal = info.primal_solution_status == 2
    mapped = _map_status(status, has_primal)
    objective = bound = None
    extract_start = time.perf_counter()
    if mapped.has_solution:
        opt.load_vars()
        objective = _finite(info.objective_function_value)
        bound = _finite(info.mip_dual_bound)
        if options.relaxation or not h.getLp().integrality_:  # an LP: the optimum is its own bound
            bound = objective if mapped == SolveStatus.OPTIMAL else None
    end = time.perf_counter()
    lp = h.getLp()
    continuous = highspy.HighsVarType.kContinuous
    size = {
        "columns": lp.num_col_,
        "integers": sum(1 for t in lp.integrality_ if t != continuous),
        "rows": lp.num_row_,
        "nonzeros": h.getNumNz(),
    }
    return SolveReport(
        mapped,
        objective,
        bound,
        end - start,
        threads,
        int(info.mip_node_count),
        h.modelStatusToString(status),
        handoff_s=handoff_s,
        extract_s=end - extract_start,
        highs_s=highs_s,
        size=size,
    )


def _failed(exc: Exception, start: float, threads: int) -> SolveReport:
    """A solver exception as a ``SolveReport`` with status ``error`` (logged with its traceback)."""
    log.error("HiGHS failed", exc_info=exc)
    return SolveReport(
        SolveStatus.ERROR,
        None,
        None,
        time.perf_counter() - start,
        threads,
        0,
        "exception",
        f"{type(exc).__name__}: {exc}",
    )


def _map_status(status: highspy.HighsModelStatus, has_primal: bool) -> SolveStatus:
    s = highspy.HighsModelStatus
    if status in (s.kOptimal, s.kModelEmpty):
        return SolveStatus.OPTIMAL if has_primal or status == s.kModelEmpty else SolveStatus.ERROR
    if status in (s.kInfeasible, s.kUnboundedOrInfeasible):
        # every decision is bounded in format v1, so "unbounded or infeasible" means infeasible
        return SolveStatus.INFEASIBLE
    if status == s.kUnbounded:
        return SolveStatus.UNBOUNDED
    limits = (
        s.kTimeLimit,
        s.kIterationLimit,
        s.kSolutionLimit,
        s.kInterrupt,
        s.kObjectiveBound,
        s.kObjectiveTarget,
        s.kMemoryLimit,
        getattr(s, "kHighsInterrupt", s.kInterrupt),  # not in highspy's type stubs
    )
    if status in limits:
        return SolveStatus.FEASIBLE if has_primal else SolveStatus.NO_SOLUTION
    return SolveStatus.ERROR


def _subscribe(h: highspy.Highs, progress: Callable[[Progress], None]) -> None:
    # callbacks see HiGHS's internal (user-scaled) objective; report it in the model's units
    value = h.getOptionValue("user_objective_scale")  # highspy 1.16 returns (status, value)
    unscale = 2.0 ** -int(value[1] if isinstance(value, tuple) else value)

    def relay(event: object) -> None:
        data = event.data_out  # type: ignore[attr-defined]
        try:
            incumbent, bound = _finite(data.mip_primal_bound), _finite(data.mip_dual_bound)
            progress(
                Progress(
                    elapsed_s=float(data.running_time),
                    incumbent=None if incumbent is None else incumbent * unscale,
                    bound=None if bound is None else bound * unscale,
                    gap=_finite(data.mip_gap),
                    nodes=int(data.mip_node_count),
                )
            )
        except Exception:  # a broken progress display must not kill the solve
            log.exception("progress callback failed")

    h.cbMipLogging.subscribe(relay)
    h.cbMipImprovingSolution.subscribe(relay)
