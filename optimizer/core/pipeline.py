"""``solve(instance, options) -> Plan``: data -> model -> HiGHS -> plan, with timings."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pyomo.environ as pyo

from optimizer.core.catalog import CatalogIndex
from optimizer.core.data import build_data
from optimizer.core.diagnose import presolve_reasons
from optimizer.core.model import build_model
from optimizer.core.results import Plan, extract_plan
from optimizer.core.schema import Instance
from optimizer.core.solve import SolveOptions, SolveReport, SolveStatus, highs_version, solve_model


def solve(instance: Instance, options: SolveOptions | None = None, mip_start: Mapping[str, Any] | None = None) -> Plan:
    """Plan an instance: derive options, build the MILP, solve it with HiGHS, read the plan.

    ``mip_start``: a MIP start from an earlier plan of the same network (``optimizer.core.start.plan_start``;
    instances without routed demands). Never raises for solver outcomes: check ``plan.status``.
    """
    options = options or SolveOptions()
    start = time.perf_counter()
    data = build_data(instance, objective=options.objective, prune=options.prune_dominated)  # type: ignore[arg-type]
    data_s = time.perf_counter() - start
    if data.routing is not None:
        data.routing.strengthen = options.routing_cuts
    model = build_model(data)
    if mip_start is not None and data.routing is None:
        from optimizer.core.start import apply_start

        applied = apply_start(model, data, mip_start)
        options = replace(options, warm_start=options.warm_start or applied)
    if options.warm_start and data.routing is not None:
        from optimizer.core.routed import rounding_start

        options = replace(options, warm_start=rounding_start(model, data, options))
    build_s = time.perf_counter() - start
    report = solve_model(model, options)
    if options.warm_start and data.routing is not None:
        from optimizer.core.routed import start_misread

        if start_misread(model, data, report):  # guard against HiGHS misreading the MIP start: solve again
            model = build_model(data)
            options = replace(options, warm_start=False)
            report = solve_model(model, options)
    diagnostics: list[str] = []
    if report.status in (SolveStatus.INFEASIBLE, SolveStatus.NO_SOLUTION):
        diagnostics = presolve_reasons(data)
        if report.status == SolveStatus.INFEASIBLE and not diagnostics:
            diagnostics = ["no single constraint explains it: the combination of constraints has no solution"]
    n_vars, n_int = _model_size(model, report)
    solver = {
        "name": "highs",
        "version": highs_version(),
        "interface": f"pyomo-{options.interface}",
        "time_limit_s": options.time_limit_s,
        "mip_rel_gap": options.mip_rel_gap,
        "threads": report.threads,
        "seed": options.seed,
        "build_s": round(build_s, 4),
        "data_s": round(data_s, 4),
        "solve_s": round(report.solve_s, 4),
        "handoff_s": round(report.handoff_s, 4),
        "highs_s": round(report.highs_s, 4),
        "highs_status": report.highs_status,
        "nodes": report.nodes,
        "solver_objective": report.objective,
        "variables": n_vars,
        "integer_variables": n_int,
        "constraints": model.nconstraints(),
        "columns_pruned": data.pruned_options,
    }
    if report.size is not None:
        solver["nonzeros"] = report.size["nonzeros"]
    if report.message:
        solver["message"] = report.message
    plan = extract_plan(model, data, CatalogIndex.of(instance.resolved_catalog), report, solver, diagnostics)
    if plan.objective_mode == "weighted":  # the plan says which weights its objective used
        plan.objective_weights = instance.weights.model_dump()
    return plan


def _model_size(model: pyo.ConcreteModel, report: SolveReport) -> tuple[int, int]:
    """(variables, integer variables): as handed to HiGHS when the solve got that far, else counted on the
    Pyomo model (every family's variables, whatever their names)."""
    if report.size is not None:
        return report.size["columns"], report.size["integers"]
    n_vars = n_int = 0
    for var in model.component_data_objects(pyo.Var, active=True):
        n_vars += 1
        n_int += var.is_integer() or var.is_binary()
    return n_vars, n_int
