"""Roadmap extension: build, solve and read a roadmap (instances/README.md, "Roadmaps over several periods").

``solve_roadmap(instance, options) -> RoadmapPlan``: the periods' data on one layout
(``optimizer.core.roadmap``), one copy of the single-period MILP per period on one shared ``ArrayModel``
(``optimizer.core.model.add_copy``, tag = the period's year, weight A_t / s_t), the linking family
(``constraints/roadmap.py``), the combined objective, one HiGHS solve, and per period an ordinary
``Plan`` read from its copy plus the roadmap summary (purchases, retirements, technology mix, capex, NPV).
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from optimizer.core.catalog import CatalogIndex
from optimizer.core.mix import Classifier, port_counts, shares
from optimizer.core.model import add_copy
from optimizer.core.model.constraints import roadmap as roadmap_rows
from optimizer.core.model.linear import ArrayModel, CopyView, column_values, combine_objective, var_values
from optimizer.core.pipeline import solver_info
from optimizer.core.results import Plan, extract_plan, write_all_atomic
from optimizer.core.roadmap import RoadmapData, build_roadmap_data
from optimizer.core.schema import Instance, Objective
from optimizer.core.solve import SolveOptions, SolveReport, SolveStatus, solve_model

ROADMAP_FORMAT = "optimizer-roadmap/1"


@dataclass
class RoadmapPlan:
    """A solved roadmap: its status, NPV objective, bound and gap, one ``Plan`` per period and the summary."""

    instance: str
    status: SolveStatus
    objective: float | None
    bound: float | None
    gap: float | None
    years: list[int]
    plans: list[Plan]
    periods: list[dict[str, Any]] = field(default_factory=list)
    """Per period: year, discount factor, annuity, purchases, fibre laid, retirements, mix, capex, NPV parts."""
    solver: dict[str, Any] = field(default_factory=dict)
    discount_rate: float = 0.0
    objective_mode: str = "tco"
    """tco or capex: what the NPV sums (running costs count only under tco)."""
    diagnostics: list[str] = field(default_factory=list)
    """Infeasible roadmaps: per period, the single-period limits that must move (``<year>: ...``)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": ROADMAP_FORMAT,
            "instance": self.instance,
            "status": str(self.status),
            "objective_mode": self.objective_mode,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "discount_rate": self.discount_rate,
            "npv_usd": self.objective,
            "periods": self.periods,
            "diagnostics": list(self.diagnostics),
            "solver": self.solver,
        }

    def to_json(self) -> str:
        """roadmap.json text."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def write(self, directory: str | Path) -> list[Path]:
        """Write ``roadmap.json``, ``roadmap.csv`` (one row per period) and each period's plan files in
        ``<directory>/<year>/``."""
        out = Path(directory)
        written: list[Path] = []
        for year, plan in zip(self.years, self.plans, strict=True):
            written += plan.write(out / str(year))
        buf = io.StringIO()
        cols = ["year", "capex_usd", "npv_capex_usd", "npv_running_usd", "links_bought", "switches_bought"]
        cols += ["links_retired", "cpo_share", "lpo_share", "dsp_share", "copper_share"]
        w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for p in self.periods:
            w.writerow({**p, **{f"{k}_share": v for k, v in p["share"].items()}})
        files = [(out / "roadmap.csv", buf.getvalue()), (out / "roadmap.json", self.to_json() + "\n")]
        return written + write_all_atomic(files)


def build_roadmap(r: RoadmapData) -> tuple[ArrayModel, list[CopyView]]:
    """The roadmap MILP: one copy per period (tag: its year) plus the linking rows, one objective."""
    m = ArrayModel(r.name)
    copies = [
        add_copy(m, d, str(y), r.annuity[t] / r.spans[t]) for t, (d, y) in enumerate(zip(r.data, r.years, strict=True))
    ]
    dense = roadmap_rows.add(m, copies, r)
    combine_objective(m, "objective", copies, dense=dense)
    return m, copies


def _ints(var: Any) -> list[int]:
    return [round(x or 0.0) for x in var_values(var)]


def stopped_roadmap(instance: Instance, options: SolveOptions, reason: str) -> RoadmapPlan:
    """The roadmap of a run stopped before HiGHS had a model: status ``no_solution``, no plans."""
    report = SolveReport(SolveStatus.NO_SOLUTION, None, None, 0.0, 0, 0, "not started", f"stopped: {reason}")
    assert instance.periods is not None
    return RoadmapPlan(
        instance.name,
        SolveStatus.NO_SOLUTION,
        None,
        None,
        None,
        [],
        [],
        solver=solver_info(options, report),
        discount_rate=instance.periods.discount_rate,
        objective_mode=options.objective or instance.objective,
    )


def solve_roadmap(
    instance: Instance, options: SolveOptions | None = None, *, deadline: float | None = None
) -> RoadmapPlan:
    """Plan a roadmap in one MILP. Never raises for solver outcomes: check ``status``.

    ``deadline`` (a ``time.monotonic()`` value; default ``options.time_limit_s`` from now) bounds the call;
    the status, bound and gap follow the single-period contract. An infeasible roadmap is explained per
    period by the elastic copy (``explain_roadmap``)."""
    options = options or SolveOptions()
    if options.objective not in (None, "tco", "capex"):  # the file's objective is checked on input
        from optimizer.errors import InstanceError, Issue

        message = f"a roadmap (periods) plans tco or capex, not {options.objective}"
        raise InstanceError([Issue(instance.source, "objective", message)])
    mode: Objective = options.objective or instance.objective  # type: ignore[assignment]
    start = time.perf_counter()
    if deadline is None:
        deadline = time.monotonic() + options.time_limit_s
    assert instance.periods is not None
    r = build_roadmap_data(instance, mode)
    if time.monotonic() >= deadline:
        return stopped_roadmap(instance, options, "time limit")
    m, copies = build_roadmap(r)
    build_s = time.perf_counter() - start
    if time.monotonic() >= deadline:
        return stopped_roadmap(instance, options, "time limit")
    report = solve_model(m, options, deadline)
    solver = solver_info(options, report, m)
    solver["build_s"] = round(build_s, 4)
    if report.size is not None:
        solver.update({"variables": report.size["columns"], "constraints": report.size["rows"]})
    objective = report.objective
    bound = report.bound
    gap = None
    if objective is not None and bound is not None:
        if report.status == SolveStatus.OPTIMAL and bound > objective:
            bound = objective
        gap = abs(objective - bound) / max(abs(objective), 1e-9)
    period_report = replace(report, bound=None)  # a period's plan has no bound of its own
    plans = []
    for t, (view, d) in enumerate(zip(copies, r.data, strict=True)):
        index = CatalogIndex.of(r.instances[t].resolved_catalog)
        plan = extract_plan(view, d, index, period_report, dict(solver, period=r.years[t]), [])
        period = r.instances[t]
        if period.compatibility is not None and plan.totals is not None:  # the protocol each fabric runs
            from optimizer.core.compat import plan_fabrics

            links = list(zip(plan.links["group"], plan.links["option"], strict=True))
            nodes = list(zip(plan.nodes["group"], plan.nodes["model"], strict=True))
            plan.fabrics = plan_fabrics(period, index, links, nodes)
        plans.append(plan)
    out = RoadmapPlan(
        instance.name,
        report.status,
        None if objective is None else round(objective, 6),
        bound,
        gap,
        r.years,
        plans,
        solver=solver,
        discount_rate=instance.periods.discount_rate,
        objective_mode=mode,
    )
    if report.status.has_solution:  # the NPV of the rounded decisions (as a plan's objective is)
        out.periods = _summary(instance, r, m, copies, plans)
        npv = sum(p["npv_capex_usd"] + p["npv_running_usd"] for p in out.periods)
        out.objective = round(npv, 6)
        if bound is not None:
            if report.status == SolveStatus.OPTIMAL and bound > npv:
                bound = npv  # HiGHS's bound can exceed the rounded roadmap's value by float noise
            out.bound, out.gap = bound, abs(npv - bound) / max(abs(npv), 1e-9)
    if report.status == SolveStatus.INFEASIBLE:
        out.diagnostics = explain_roadmap(r, options, deadline)
    return out


def explain_roadmap(r: RoadmapData, options: SolveOptions, deadline: float) -> list[str]:
    """Why a roadmap has no plan: the elastic copy of every period (``elastic_data``: priced slacks on the
    single-period limits) with the linking rows kept hard, solved for the least change; each period's
    relaxations read from its copy as ``<year>: <what must move>``, and the roadmap's own caps (a period's
    ``supply`` and ``max_capex_usd``, slacks of the linking family) likewise. The stock, fibre,
    availability and lead-time rows stay hard: when only they bind, the note says so."""
    from optimizer.core.elastic import MIN_TIME_S, elastic_data, read_relaxations

    if deadline - time.monotonic() < MIN_TIME_S:
        return ["no time left to search for the least change of the limits"]
    elastic = [elastic_data(d) for d in r.data]
    m = ArrayModel(f"{r.name}-elastic")
    copies = [add_copy(m, e, str(y), 1.0) for e, y in zip(elastic, r.years, strict=True)]
    roadmap_rows.add(m, copies, r, elastic=True)
    combine_objective(m, "objective", copies, terms=list(getattr(m, "elastic_terms", [])))
    report = solve_model(m, replace(options, warm_start=False, progress=None, relaxation=False), deadline)
    if report.status == SolveStatus.INFEASIBLE:
        return [
            "no change of the periods' limits alone admits a roadmap: the installed stock, the availability "
            "of parts or their lead times rule out every plan"
        ]
    if not report.status.has_solution:
        return [f"no change of the limits found in the time left ({report.status})"]
    notes = []
    values = column_values(m)
    for t, (view, e, d) in enumerate(zip(copies, elastic, r.data, strict=True)):
        notes += [f"{r.years[t]}: {x.text}" for x in read_relaxations(view, e, d, r.instances[t])]
        for u, item, limit, col in getattr(m, "roadmap_slacks", []):
            extra = float(values[col])
            if u != t or extra <= 1e-6 * max(1.0, abs(limit)):
                continue
            if item is None:
                need = limit + extra
                notes.append(
                    f"{r.years[t]}: purchase budget {limit:,.2f} USD: raise max_capex_usd to at least {need:,.2f}"
                )
            else:
                units = math.ceil(limit + extra - 1e-6)
                notes.append(f"{r.years[t]}: supply of {item} {limit:g} units: raise to at least {units}")
    return notes or [
        "the elastic roadmap found a plan within every limit: the infeasibility proof may be numerical noise"
    ]


def _summary(
    instance: Instance, r: RoadmapData, m: ArrayModel, copies: list[CopyView], plans: list[Plan]
) -> list[dict[str, Any]]:
    """Per period: purchases (links per group and option, switches per group and model, fibre per group and
    medium), links taken out of service, the technology mix of link ends, capex and its NPV parts."""
    d0 = r.data[0]
    n_cols, n_q, n_f = d0.n_cols, len(d0.choice_model), len(r.fibre)
    buy, buyk, lay, sell, sellk = (_ints(getattr(m, name)) for name in ("buy", "buyk", "lay", "sell", "sellk"))
    classifier = Classifier(instance.resolved_catalog)
    rows = []
    previous = list(r.installed_n)
    for t, (view, plan) in enumerate(zip(copies, plans, strict=True)):
        n = _ints(view.n)
        k = _ints(view.k)
        bought: list[dict[str, Any]] = [
            {
                "group": d0.groups[d0.col_group[i]].id,
                "option": d0.col_option[i].id,
                "count": buy[t * n_cols + i],
                "cost_usd": round(buy[t * n_cols + i] * r.buy_usd[t][i], 6),
                "in_service_from": r.years[r.arrive[t][i]],
            }
            for i in range(n_cols)
            if buy[t * n_cols + i]
        ]
        switches: list[dict[str, Any]] = [
            {
                "group": d0.switch_groups[d0.choice_group[q]].id,
                "model": d0.choice_model[q],
                "count": buyk[t * n_q + q],
                "cost_usd": round(buyk[t * n_q + q] * r.buyk_usd[t][q], 6),
                "in_service_from": r.years[r.arrivek[t][q]],
            }
            for q in range(n_q)
            if buyk[t * n_q + q]
        ]
        fibre: list[dict[str, Any]] = [
            {
                "group": d0.groups[r.fibre[f][0]].id,
                "media": r.fibre[f][1],
                "count": lay[t * n_f + f],
                "cost_usd": round(lay[t * n_f + f] * r.fibre_usd[f], 6),
            }
            for f in range(n_f)
            if lay[t * n_f + f]
        ]
        retired: list[dict[str, Any]] = [
            {"group": d0.groups[d0.col_group[i]].id, "option": d0.col_option[i].id, "count": previous[i] - n[i]}
            for i in range(n_cols)
            if previous[i] > n[i]
        ]
        previous = n
        sold: list[dict[str, Any]] = [
            {
                "group": d0.groups[d0.col_group[i]].id,
                "option": d0.col_option[i].id,
                "count": sell[t * n_cols + i],
                "value_usd": round(sell[t * n_cols + i] * r.sell_usd[t][i], 6),
            }
            for i in range(n_cols)
            if sell[t * n_cols + i]
        ]
        sold += [
            {
                "group": d0.switch_groups[d0.choice_group[q]].id,
                "model": d0.choice_model[q],
                "count": sellk[t * n_q + q],
                "value_usd": round(sellk[t * n_q + q] * r.sellk_usd[t][q], 6),
            }
            for q in range(n_q)
            if sellk[t * n_q + q]
        ]
        resale = sum(x["value_usd"] for x in sold)
        capex = sum(x["cost_usd"] for x in bought + switches + fibre)
        capex_col, capex_choice = r.data[t].capex_coefficients()
        tco_col, tco_choice = r.data[t].objective_coefficients()
        running = sum((a - b) * x for a, b, x in zip(tco_col, capex_col, n, strict=True))
        running += sum((a - b) * x for a, b, x in zip(tco_choice, capex_choice, k, strict=True))
        share = shares(port_counts(plan.links, classifier))
        rows.append(
            {
                "year": r.years[t],
                "years": r.spans[t],
                "discount_factor": r.discount[t],
                "annuity": r.annuity[t],
                "capex_usd": round(capex, 6),
                "running_usd": round(running, 6),
                "resale_usd": round(resale, 6),
                "npv_capex_usd": round(r.discount[t] * (capex - resale), 6),
                "npv_running_usd": round(r.annuity[t] / r.spans[t] * running, 6),
                "links_bought": sum(x["count"] for x in bought),
                "switches_bought": sum(x["count"] for x in switches),
                "links_retired": sum(x["count"] for x in retired),
                "purchases": {"links": bought, "switches": switches, "fibre": fibre},
                "retired": retired,
                "sold": sold,
                "share": {
                    "cpo": share.get("cpo", 0.0),
                    "lpo": share.get("lpo", 0.0) + share.get("lro", 0.0),
                    "dsp": share.get("dsp", 0.0),
                    "copper": share.get("dac", 0.0) + share.get("acc", 0.0) + share.get("aec", 0.0),
                    "aoc": share.get("aoc", 0.0),
                },
                "plan": f"{r.years[t]}/plan.json",
            }
        )
    return rows
