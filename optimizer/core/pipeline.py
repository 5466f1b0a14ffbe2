"""``solve(instance, options) -> Plan``: data -> model -> HiGHS -> plan, with timings.

``options.time_limit_s`` bounds the whole call (deriving data and building count against it; HiGHS gets
what is left). The deadline and a stop request are checked between the stages: a run out of time after
deriving the data or building the model ends there with status ``no_solution`` and the message
``stopped: time limit`` (HiGHS is never handed a model it has no time for). When HiGHS proves the model
infeasible, the plan also says which limits must move and by how much, and which compatibility rule
(whole modules, one protocol per fabric) is a cause and what fixes it (``optimizer.core.elastic``),
within the time left.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from optimizer.core.catalog import CatalogIndex
from optimizer.core.data import ModelData, build_data
from optimizer.core.load import as_instance
from optimizer.core.model import build_for_solve, build_model
from optimizer.core.model.linear import ArrayModel, Model, record
from optimizer.core.results import Plan, empty_plan, extract_plan
from optimizer.core.schema import Instance
from optimizer.core.solve import SolveOptions, SolveReport, SolveStatus, highs_version, solve_model

_stage = ["idle"]

if TYPE_CHECKING:
    from optimizer.core.elastic import Relaxation


def current_stage() -> str:
    """The stage ``solve`` is in: ``data``, ``build``, ``solve`` (HiGHS), ``explain`` (elastic model),
    ``extract``, or ``idle`` (between calls). A command's signal handler uses it to decide whether a stop
    can wait for HiGHS (``solve``, ``explain``) or must end the run at once (``data``, ``build``)."""
    return _stage[0]


Extend = Callable[[Any, ModelData], None]
"""A user hook ``fn(model, data)``: adds variables, constraints or objective terms to the Pyomo model."""


def solve(
    instance: Instance | str | os.PathLike[str],
    options: SolveOptions | None = None,
    mip_start: Mapping[str, Any] | None = None,
    *,
    deadline: float | None = None,
    extend: Extend | None = None,
) -> Plan:
    """Plan an instance: derive options, build the MILP, solve it with HiGHS, read the plan.

    ``instance``: a loaded ``Instance`` or a path to an instance file (loaded with ``load_instance``).
    ``mip_start``: a MIP start from an earlier plan of the same network (``optimizer.core.start.plan_start``;
    instances without routed demands). Never raises for solver outcomes: check ``plan.status``.
    ``deadline`` (a ``time.monotonic()`` value) ends the call early; by default it is
    ``options.time_limit_s`` from now. ``options.solver`` picks the MILP solver (HiGHS by default); one
    that is not installed raises ``optimizer.errors.SolverUnavailableError`` naming how to install it.

    ``extend``: ``fn(model, data)``, called on the Pyomo model (``build_model``) after every family is built
    and before HiGHS solves it, with the ``ModelData`` whose index sets the model's variables follow
    (``model.n[i]``: links of column ``i``, that is ``data.col_group[i]``, ``data.col_option[i]``;
    ``model.k[q]``, ``model.z[q]``: switches of choice ``q``, ``data.choice_model[q]``). It may add
    variables, constraints and objective terms (linear ones). The plan is a normal ``Plan``: its totals and
    objective are the instance's figures for the decisions taken (an objective term the hook adds is in
    ``plan.solver["solver_objective"]`` only), and ``plan.solver["extend"]`` names the hook. An infeasible
    plan's relaxations are those of the instance's own limits (the hook's rows are not relaxed). Without a
    hook the MILP is built as arrays only (``build_arrays``), the faster path.

    Raises:
        InstanceError: ``instance`` is a path to an invalid file.
    """
    instance = as_instance(instance)
    options = options or SolveOptions()
    if instance.periods is not None:  # a roadmap is one MILP over its periods, with its own result
        from optimizer.errors import InstanceError, Issue

        message = "a roadmap is planned by optimizer.solve_roadmap (the solve command does so)"
        raise InstanceError([Issue(instance.source, "periods", message)])
    if options.solver != "highs":  # a solver that is not installed is a usage error, before any work
        from optimizer.core.solvers import require

        require(options.solver)
    start = time.perf_counter()
    if deadline is None:
        deadline = time.monotonic() + options.time_limit_s
    try:
        return _solve(instance, options, start, deadline, mip_start, extend)
    finally:
        _stage[0] = "idle"


def _build(data: ModelData, options: SolveOptions, extend: Extend | None) -> Model:
    """The model to solve: with a hook, the Pyomo model the hook has extended; else ``build_for_solve``."""
    if extend is None:
        return build_for_solve(data, options.interface, options.solver)
    model = build_model(data)
    extend(model, data)
    return model


def _solve(
    instance: Instance,
    options: SolveOptions,
    start: float,
    deadline: float,
    mip_start: Mapping[str, Any] | None,
    extend: Extend | None = None,
) -> Plan:
    _stage[0] = "data"
    data = build_data(instance, objective=options.objective, prune=options.prune_dominated)  # type: ignore[arg-type]
    data_s = time.perf_counter() - start
    if (why := _stop_between_stages(deadline)) is not None:  # no build for a run out of time
        return stopped_plan(instance, options, why, data_s=data_s)
    if data.routing is not None:
        data.routing.strengthen = options.routing_cuts
    if options.feasibility_jump is None:  # the planner's choice: see SolveOptions.feasibility_jump
        options = replace(options, feasibility_jump=data.routing is not None)
    _stage[0] = "build"
    model = _build(data, options, extend)
    if mip_start is not None and data.routing is None:
        from optimizer.core.start import apply_start

        applied = apply_start(model, data, mip_start)
        options = replace(options, warm_start=options.warm_start or applied)
    separation = None
    if data.routing is not None and options.routing_cuts:  # root cutting-plane loop (strengthened form)
        from optimizer.core.routed import separate_cutsets

        separation = separate_cutsets(model, data, options, deadline)
    if options.warm_start and data.routing is not None:
        from optimizer.core.routed import rounding_start

        options = replace(options, warm_start=rounding_start(model, data, options))
    build_s = time.perf_counter() - start
    if (why := _stop_between_stages(deadline)) is not None:  # no hand-off either
        return stopped_plan(instance, options, why, data_s=data_s, build_s=build_s)
    _stage[0] = "solve"
    report = solve_model(model, options, deadline)
    if options.warm_start and data.routing is not None:
        from optimizer.core.routed import start_misread

        if start_misread(model, data, report):  # guard against HiGHS misreading the MIP start: solve again
            options = replace(options, warm_start=False)  # the same model (its cut rows too), no start
            report = solve_model(model, options, deadline)
    diagnostics: list[str] = []
    relaxations: list[Relaxation] = []
    explain_note = ""
    if report.status in (SolveStatus.INFEASIBLE, SolveStatus.NO_SOLUTION):
        from optimizer.core.diagnose import presolve_reasons  # imported where needed: a plan needs none

        diagnostics = presolve_reasons(data)
    if report.status == SolveStatus.INFEASIBLE:
        from optimizer.core.elastic import explain_infeasible, rule_conflicts

        _stage[0] = "explain"
        full = data  # the explanation relaxes exact counts: it needs the options they made unusable
        if data.unreachable_options:
            full = build_data(instance, objective=options.objective, prune=options.prune_dominated, reduce=False)  # type: ignore[arg-type]
        relaxations, explain_note = explain_infeasible(instance, full, options, deadline)
        diagnostics += rule_conflicts(instance, full, options, deadline)  # compatibility: rules, not limits
        if extend is not None:  # the explanation relaxes the instance's limits, never the hook's rows
            name = getattr(extend, "__qualname__", type(extend).__name__)
            diagnostics.append(
                f"the model has rows added by extend={name}: the explanation relaxes only the instance's own "
                "limits (solve without the hook to see whether the instance alone has a plan)"
            )
        if not diagnostics and not relaxations:
            diagnostics = ["no single constraint explains it: the combination of constraints has no solution"]
    _stage[0] = "extract"
    n_vars, n_int = _model_size(model, report)
    solver = solver_info(options, report, model)
    solver.update(
        {
            "build_s": round(build_s, 4),
            "data_s": round(data_s, 4),
            "variables": n_vars,
            "integer_variables": n_int,
            "constraints": model.nconstraints(),
            "columns_pruned": data.pruned_options,
        }
    )
    if separation is not None:
        solver.update(separation.as_dict())
    if report.size is not None:
        solver["nonzeros"] = report.size["nonzeros"]
    if explain_note:
        solver["relaxation_note"] = explain_note
    if extend is not None:
        solver["extend"] = getattr(extend, "__qualname__", type(extend).__name__)
    index = CatalogIndex.of(instance.resolved_catalog)
    plan = extract_plan(model, data, index, report, solver, diagnostics)
    plan.relaxations = relaxations
    return finish_plan(instance, index, plan)


def finish_plan(instance: Instance, index: CatalogIndex, plan: Plan) -> Plan:
    """Add what the instance (not the model) says about an extracted plan: the protocol each fabric runs
    (compatibility section) and the weights of a ``weighted`` objective."""
    if instance.compatibility is not None and plan.totals is not None:  # the protocol each fabric runs
        from optimizer.core.compat import plan_fabrics

        link_rows, node_rows = plan.table("links"), plan.table("nodes")  # plain rows: no DataFrame needed
        assert link_rows is not None and node_rows is not None
        links = list(zip(link_rows["group"], link_rows["option"], strict=True))
        nodes = list(zip(node_rows["group"], node_rows["model"], strict=True))
        plan.fabrics = plan_fabrics(instance, index, links, nodes)
    if plan.objective_mode == "weighted":  # the plan says which weights its objective used
        plan.objective_weights = instance.weights.model_dump()
        if instance.reliability is None:  # the reliability extension's weight only where it applies
            plan.objective_weights.pop("interruptions_per_day", None)
    return plan


def solver_info(options: SolveOptions, report: SolveReport, model: Model | None = None) -> dict[str, Any]:
    """The ``solver`` section of plan.json for a report (timings of the stages before it are added by the caller).

    ``interface`` names the hand-off: ``arrays`` (the array build, ``build_arrays``), ``pyomo-direct``
    (the Pyomo model's rows as arrays) or ``pyomo-appsi``; without a model, the interface asked for; for a
    solver other than HiGHS, ``pyomo-`` and Pyomo's name of its interface (``pyomo-scip_direct``)."""
    if options.solver != "highs":
        from optimizer.core.solvers import SOLVERS, solver_version

        interface = f"pyomo-{SOLVERS[options.solver].interface}"
        version = solver_version(options.solver)
    elif model is None:
        interface, version = options.interface, highs_version()
    else:
        interface = "arrays" if isinstance(model, ArrayModel) else f"pyomo-{options.interface}"
        version = highs_version()
    solver: dict[str, Any] = {
        "name": options.solver,
        "version": version,
        "interface": interface,
        "time_limit_s": options.time_limit_s,
        "mip_rel_gap": options.mip_rel_gap,
        "threads": report.threads,
        "seed": options.seed,
        "solve_s": round(report.solve_s, 4),
        "handoff_s": round(report.handoff_s, 4),
        "highs_s": round(report.highs_s, 4),
        "highs_status": report.highs_status,
        "nodes": report.nodes,
        "solver_objective": report.objective,
    }
    if report.message:
        solver["message"] = report.message
    return solver


def _stop_between_stages(deadline: float) -> str | None:
    """Why the run must end before its next stage (the deadline passed, or a stop was requested), or None."""
    from optimizer.core.solve import stop_reason

    reason = stop_reason()
    if reason is None and time.monotonic() >= deadline:
        reason = "time limit"
    return reason


def stopped_plan(
    instance: Instance,
    options: SolveOptions,
    reason: str,
    *,
    data_s: float | None = None,
    build_s: float | None = None,
) -> Plan:
    """The plan of a run stopped before HiGHS had a model: status ``no_solution``, ``stopped: <reason>`` as its
    message, and the timings of the stages it finished."""
    from optimizer.core.solve import MAX_THREADS

    threads = min(options.threads or 1, MAX_THREADS) if options.threads else 0
    report = SolveReport(SolveStatus.NO_SOLUTION, None, None, 0.0, threads, 0, "not started", f"stopped: {reason}")
    solver = solver_info(options, report)
    solver.update(
        {
            "build_s": None if build_s is None else round(build_s, 4),
            "data_s": None if data_s is None else round(data_s, 4),
            "variables": 0,
            "integer_variables": 0,
            "constraints": 0,
        }
    )
    return empty_plan(instance.name, options.objective or instance.objective, report.status, solver)


def _model_size(model: Model, report: SolveReport) -> tuple[int, int]:
    """(variables, integer variables): as handed to HiGHS when the solve got that far, else counted on the
    model (every family's variables, whatever their names)."""
    if report.size is not None:
        return report.size["columns"], report.size["integers"]
    if isinstance(model, ArrayModel):
        rec = record(model)
        return rec.n_columns, sum(int(v.integrality().sum()) for v in rec.var_components)
    import pyomo.environ as pyo

    n_vars = n_int = 0
    for var in model.component_data_objects(pyo.Var, active=True):
        n_vars += 1
        n_int += var.is_integer() or var.is_binary()
    return n_vars, n_int
