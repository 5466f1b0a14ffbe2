"""Capex-versus-power Pareto front by the epsilon-constraint method (with lexicographic endpoints).

The front runs between two lexicographic optima (two solves each, so neither is weakly dominated):

    the min-power plan:  P_min = min power, then min capex s.t. power <= P_min   (capex C_max)
    the min-capex plan:  C_min = min capex, then min power s.t. capex <= C_min   (power P_max)

Interior points step the power cap ``eps`` evenly over (P_min, P_max). Each is one AUGMECON-style
solve (Mavrotas 2009: the epsilon-constraint problem with a small reward for the constrained
objective, which breaks ties towards less power):

    min capex + w x power   s.t. power <= eps,   w = 1e-4 x (C_max - C_min) / (P_max - P_min)

so a point costs at most 1e-4 of the capex range more than the cheapest plan under its cap, far
inside the default MIP gap; or, with ``lexicographic=True``, two solves (min capex s.t. power <= eps,
then min power s.t. capex <= that capex). The caps are the plan-wide limits of format v1
(``limits.max_power_w`` / ``limits.max_capex_usd``, constraint 7, family ``limits``) and the weights
of the ``weighted`` objective, set on a copy of the instance (an instance limit that is already
tighter is kept), so the model itself is unchanged.

While fewer than the wanted points are found (steps can land on the same point), the widest
unexplored power interval between neighbouring points A < B is probed: first at its midpoint, and
once (A, mid] is known to hold nothing better, just below B (eps = B - max(1e-7 B, 1e-4 W)), which
returns B's left neighbour on the front or A again (the interval is then empty). Every probe finds
a point or shrinks/closes an interval. Points are then filtered for dominance.

Each point keeps its own ``status`` and ``gap`` (its first or only solve, optimal within
``mip_rel_gap``) and, for two-stage points, ``power_status``/``power_gap`` of the second stage; when
a second stage finds no plan within its limits, the first stage's plan is kept (a valid point that
may be only weakly non-dominated) and ``message`` says so.

``against="interruptions"`` (reliability extension; the instance needs a ``reliability`` section) trades
capex against the expected job interruptions per day instead of power: the cap is
``reliability.max_interruptions_per_day``, "min interruptions" is the ``weighted`` objective with weights
(capex 0, power 0, interruptions_per_day 1), and the AUGMECON reward is put on ``interruptions_per_day``.
Every formula above holds with power replaced by interruptions per day.

No cap is solved twice for the same point: a solve at cap eps that returned a point of power P proves
that point optimal for every cap in [P, eps] (the feasible set only shrank and still holds it), so such
caps are answered without a solve (``skipped``). In process the evenly spaced caps are therefore solved
one at a time from the top down; with workers they are solved in parallel. Every solve gets a MIP start:
the known point with the most power that meets its cap (feasible under it; for a probe between
neighbours A < B that is A), and a second stage the first stage's plan (``optimizer.core.start``).
``ParetoFront.solver_runs`` counts the MILPs solved. (With ``against="interruptions"`` read
interruptions per day for power throughout.)

The solves run through ``optimizer.executor`` (in process, local worker processes or a Dask cluster).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.core.load import as_instance
from optimizer.core.mix import TECHNOLOGIES, plan_mix
from optimizer.core.schema import Instance
from optimizer.core.solve import SolveOptions, SolveStatus
from optimizer.studies.executor import TaskRunner, auto_workers
from optimizer.studies.guards import check_workers_ran, refuse_inside_starting_worker, require_distributed

log = logging.getLogger(__name__)

POINT_COLUMNS = [
    "point",
    "eps_power_w",
    "status",
    "gap",
    "power_status",
    "power_gap",
    "capex_usd",
    "power_w",
    "energy_usd",
    "tco_usd",
    *[f"share_{t}" for t in TECHNOLOGIES],
    "mix",
]  # timings: pareto.json
AXES = {"power": "power_w", "interruptions": "interruptions_per_day"}
"""What a front trades capex against -> the plan total (and row key) of that quantity."""
_REL_TOL = 1e-9
AUGMECON_DELTA = 1e-4
"""Interior points minimise capex + w x power with w = delta x (capex range) / (power range)."""


def _cap(value: float, against: str = "power") -> float:
    """A cap just above a plan's own total, so that plan stays feasible under float tolerances (totals of W
    and USD are stated to 6 decimals; interruptions per day to 12 significant digits, and a small fabric has
    about 1e-4 of them, so that cap gets only the smallest absolute margin a cap may have, 1e-12)."""
    return value * (1 + _REL_TOL) + (1e-12 if against == "interruptions" else 1e-6)


def _options_dict(options: SolveOptions) -> dict[str, Any]:
    fields = dataclasses.asdict(options)
    fields.pop("progress", None)
    return fields


def _with_limits(instance: Instance, max_power_w: float | None = None, max_capex_usd: float | None = None) -> Instance:
    limits = instance.limits
    update: dict[str, float] = {}
    if max_power_w is not None:
        update["max_power_w"] = max_power_w if limits.max_power_w is None else min(limits.max_power_w, max_power_w)
    if max_capex_usd is not None:
        cur = limits.max_capex_usd
        update["max_capex_usd"] = max_capex_usd if cur is None else min(cur, max_capex_usd)
    copy = instance._unchecked_copy(limits=limits._unchecked_copy(**update))
    copy._source = instance.source
    return copy


def _with_cap(instance: Instance, against: str, eps: float) -> Instance:
    """A copy of the instance whose ``against`` quantity is capped at ``eps`` (a tighter cap is kept)."""
    if against == "power":
        return _with_limits(instance, max_power_w=eps)
    rel = instance.reliability
    if rel is None:
        raise ValueError("an interruptions front needs the instance's reliability section")
    cur = rel.max_interruptions_per_day
    update = {"max_interruptions_per_day": eps if cur is None else min(cur, eps)}
    copy = instance._unchecked_copy(reliability=rel._unchecked_copy(**update))
    copy._source = instance.source
    return copy


def _with_weights(instance: Instance, capex: float, other: float, against: str) -> Instance:
    """A copy with the weighted objective set to capex x capex + other x the ``against`` quantity."""
    weights = {"capex_usd": capex, "power_w": 0.0, "interruptions_per_day": 0.0}
    weights[AXES[against]] = other
    copy = instance._unchecked_copy(weights=instance.weights._unchecked_copy(**weights))
    copy._source = instance.source
    return copy


def point_task(task: dict[str, Any], shared: dict[str, Any] | None = None) -> dict[str, Any]:
    """One front solve (runs on a worker). ``task``: instance, mode, eps_power_w, power_weight, options.

    mode ``min_power``: min power (P_min), then min capex s.t. power <= P_min.
    mode ``min_capex``: min capex (C_min), then min power s.t. capex <= C_min.
    mode ``eps``:       min capex s.t. power <= eps, then min power s.t. capex <= C(eps).
    mode ``augmecon``:  min capex + power_weight x power s.t. power <= eps (one solve).
    Never raises: failures come back as a row with status ``error``.
    """
    from optimizer.core.pipeline import solve
    from optimizer.core.start import plan_start

    instance: Instance = shared["instance"] if shared is not None else task["instance"]
    options = SolveOptions(**task["options"])
    against = task.get("against", "power")
    key = AXES[against]
    eps = task.get(f"eps_{key}")
    row: dict[str, Any] = {
        "mode": task["mode"],
        f"eps_{key}": eps,
        "power_weight": task.get("power_weight"),
        "solve_s": 0.0,
        "solver_runs": 0,
        "power_status": None,
    }

    def minimise_other(inst: Instance) -> tuple[Instance, str]:
        if against == "power":
            return inst, "power"
        return _with_weights(inst, 0.0, 1.0, against), "weighted"

    try:
        mode = task["mode"]
        first = instance if eps is None else _with_cap(instance, against, _cap(eps, against))
        objective = "capex"
        if mode == "min_power":
            first, objective = minimise_other(first)
        elif mode == "augmecon":
            first, objective = _with_weights(first, 1.0, task["power_weight"], against), "weighted"
        plan = solve(first, dataclasses.replace(options, objective=objective), mip_start=task.get("start"))
        row["solver_runs"] += 1
        row["solve_s"] += plan.solver.get("solve_s", 0.0) + plan.solver.get("build_s", 0.0)
        row.update(status=str(plan.status), gap=plan.gap, power_gap=None, message="; ".join(plan.diagnostics))
        if plan.status.has_solution and mode != "augmecon":
            assert plan.totals is not None
            if mode == "min_power":  # second stage: the cheapest plan at the least power (interruptions)
                second = _with_cap(first, against, _cap(plan.totals[key], against))
                stage2 = "capex"
            else:
                second = _with_limits(first, max_capex_usd=_cap(plan.totals["capex_usd"]))
                second, stage2 = minimise_other(second)
            plan2 = solve(second, dataclasses.replace(options, objective=stage2), mip_start=plan_start(plan))
            row["solver_runs"] += 1
            row["solve_s"] += plan2.solver.get("solve_s", 0.0) + plan2.solver.get("build_s", 0.0)
            row["power_status"], row["power_gap"] = str(plan2.status), plan2.gap
            if plan2.status.has_solution:
                plan = plan2  # no worse in the first stage's objective (within the cap's slack), no worse in the other
            else:  # keep the first stage's plan: a valid point, perhaps only weakly non-dominated
                row["message"] = f"second stage: {plan2.status}; the first stage's plan is kept"
        if plan.status.has_solution:
            assert plan.totals is not None
            _, share, label = plan_mix(plan, instance.resolved_catalog)
            row.update({k: plan.totals[k] for k in ("capex_usd", "power_w", "energy_usd", "tco_usd")})
            if "interruptions_per_day" in plan.totals:
                row["interruptions_per_day"] = plan.totals["interruptions_per_day"]
            row.update({f"share_{t}": s for t, s in share.items()})
            row["mix"] = label
            row["_start"] = plan_start(plan)  # the MIP start of later neighbours (dropped from the front)
            if task.get("keep_plan"):
                row["plan"] = plan.to_dict()
    except Exception as exc:  # a failed point is data, never an abort
        log.exception("Pareto point failed")
        row.update(status=str(SolveStatus.ERROR), message=f"{type(exc).__name__}: {exc}")
    return row


@dataclass
class ParetoFront:
    """The capex-versus-power front of an instance.

    Attributes:
        instance: instance name.
        points: non-dominated points, by increasing power (min-power plan first).
        removed: solved points that were dominated or duplicated (kept for the record).
        failed: solves without a plan (status other than optimal/feasible), with their messages.
        solves: number of point solves made (endpoints and lexicographic points are two MILPs each).
        against: what capex is traded against: ``power`` or ``interruptions`` (per day).
        solver_runs: number of MILPs HiGHS solved for the front.
        skipped: caps not solved because an earlier solve already proved their point.
    """

    instance: str
    points: list[dict[str, Any]]
    removed: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    solves: int = 0
    against: str = "power"
    solver_runs: int = 0
    skipped: int = 0

    @property
    def key(self) -> str:
        """The row key of the traded quantity (``power_w`` or ``interruptions_per_day``)."""
        return AXES[self.against]

    @property
    def table(self) -> pd.DataFrame:
        """One row per non-dominated point (columns ``POINT_COLUMNS``, plus the interruptions columns)."""
        rows = [{**p, "point": k} for k, p in enumerate(self.points)]
        extra = [] if self.against == "power" else ["eps_interruptions_per_day", "interruptions_per_day"]
        return pd.DataFrame(rows, columns=POINT_COLUMNS + extra)

    def write(self, directory: str | Path, plot: bool = True) -> list[Path]:
        """Write pareto.csv, pareto.json (points, removed, failed) and pareto.png into ``directory``.

        Each file is written atomically (temporary file + rename; ``optimizer.core.results.write_atomic``),
        pareto.json after pareto.csv; a failure raises ``OutputError``.
        """
        from optimizer.core.results import OutputError, write_atomic

        out = Path(directory)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{out}: cannot create the output folder: {exc.strerror or exc}") from exc
        written = [out / "pareto.csv", out / "pareto.json"]
        write_atomic(written[0], self.table.to_csv(index=False))
        strip = [{k: v for k, v in p.items() if k != "plan"} for p in self.points]
        doc = {
            "instance": self.instance,
            "against": self.against,
            "solves": self.solves,
            "solver_runs": self.solver_runs,
            "skipped": self.skipped,
            "points": strip,
            "removed": self.removed,
            "failed": self.failed,
        }
        for k, p in enumerate(self.points):
            if "plan" in p:
                plan_path = out / "plans" / f"point-{k:02d}.json"
                plan_path.parent.mkdir(exist_ok=True)
                written.append(write_atomic(plan_path, json.dumps(p["plan"], indent=2) + "\n"))
        write_atomic(written[1], json.dumps(_clean(doc), indent=2) + "\n")
        if plot and self.points:
            from optimizer.plots import plot_pareto

            plot_pareto(self, out / "pareto.png")
            written.append(out / "pareto.png")
        return written


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _has_plan(row: dict[str, Any], key: str = "power_w") -> bool:
    return row.get("status") in ("optimal", "feasible") and row.get(key) is not None


def non_dominated(
    rows: list[dict[str, Any]], key: str = "power_w"
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split rows with plans into (front by increasing power, removed).

    A row is removed when another row is no worse in both capex and power (relative tolerance 1e-9)
    and better in one, or when it repeats an earlier row's (capex, power). ``key``: the row key of the
    quantity traded against capex (default power).
    """
    ordered = sorted(rows, key=lambda r: (r[key], r["capex_usd"]))
    front: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    for r in ordered:
        # by increasing power: r survives iff its capex is below every earlier survivor's
        if front and r["capex_usd"] >= front[-1]["capex_usd"] * (1 - _REL_TOL) - 1e-9:
            removed.append(r)
            continue
        front.append(r)
    return front, removed


def pareto(
    instance: Instance | str | os.PathLike[str],
    points: int = 10,
    options: SolveOptions | None = None,
    *,
    workers: int | None = 1,
    scheduler: str | None = None,
    max_solves: int | None = None,
    keep_plans: bool = False,
    lexicographic: bool = False,
    on_point: Callable[[dict[str, Any]], None] | None = None,
    against: str = "power",
) -> ParetoFront:
    """Compute the capex-versus-power Pareto front of ``instance``.

    Args:
        instance: a loaded instance (``load_instance``) or the path of an instance file.
        points: the number of front points wanted (at least 2): eps steps evenly between the
            min-power and min-capex plans, then gaps are bisected until ``points`` distinct
            non-dominated points exist, no interval is left to explore, or ``max_solves`` is used up.
        options: solve options of every stage (objective is set per stage; default threads=1).
        workers, scheduler: where the solves run (see ``optimizer.studies.executor``); default in this process;
            None: by the size of the run (``auto_workers`` of the number of points).
        max_solves: budget of point tasks (endpoints 2 MILPs each, interior points 1, or 2 when
            lexicographic); default 3 x points.
        keep_plans: keep each point's full plan (``point["plan"]``, written to ``plans/``).
        lexicographic: solve interior points in two stages (capex, then power at that capex)
            instead of one AUGMECON solve (min capex + a small power weight).
        on_point: called with each finished point row (for progress displays).
        against: ``power`` (default) or ``interruptions`` (expected job interruptions per day; needs the
            instance's ``reliability`` section).
    """
    instance = as_instance(instance)
    if against not in AXES:
        raise ValueError(f"unknown axis {against!r} (one of: {', '.join(AXES)})")
    if against == "interruptions" and instance.reliability is None:
        raise ValueError("an interruptions front needs the instance's reliability section")
    key = AXES[against]
    eps_key = f"eps_{key}"
    if points < 2:
        raise ValueError("a front needs at least 2 points")
    refuse_inside_starting_worker("optimizer.pareto")
    if scheduler:
        require_distributed()
    options = options or SolveOptions(threads=1)
    opts = _options_dict(options)
    budget = max_solves if max_solves is not None else 3 * points
    results: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []

    def run(specs: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
        tasks = [{"options": opts, "keep_plan": keep_plans, "against": against, **s} for s in specs]
        out: list[dict[str, Any] | None] = [None] * len(tasks)

        def got(i: int, row: dict[str, Any]) -> None:
            out[i] = row
            (results if _has_plan(row, key) else failed).append(row)
            if on_point is not None:
                on_point(row)

        def lost(i: int, message: str) -> None:
            row = {**specs[i], "status": "error", "message": message}
            failed.append(row)
            if on_point is not None:
                on_point(row)

        runner.run(point_task, tasks, got, lost)
        return out

    if workers is None:  # by size: the points (the largest round of solves is the evenly spaced grid)
        workers = auto_workers(points)
    runner = TaskRunner(workers, scheduler, shared={"instance": instance})
    # (eps, row) of every capped solve: a cap eps' <= eps that row's point meets has that point as its optimum
    # (the feasible set only shrank and the point is still in it), so it is not solved again
    answered: list[tuple[float, dict[str, Any]]] = []
    skipped = 0

    def finish(solves: int) -> ParetoFront:
        front, removed = non_dominated(results, key)
        runs = sum(int(r.get("solver_runs", 0)) for r in results + failed)
        for r in results + failed:
            r.pop("_start", None)
        return ParetoFront(
            instance.name, front, removed, failed, solves, against=against, solver_runs=runs, skipped=skipped
        )

    def known(eps: float) -> dict[str, Any] | None:
        """The point an earlier solve proved optimal under cap ``eps``, if any."""
        for at, row in answered:
            if at >= eps and _has_plan(row, key) and row[key] <= eps:
                return row
        return None

    def start_for(eps: float) -> dict[str, Any] | None:
        """The MIP start for cap ``eps``: the known point with the most power that still meets the cap."""
        below = [r for r in results if r[key] <= eps and "_start" in r]
        return max(below, key=lambda r: r[key])["_start"] if below else None

    try:
        lo, hi = run([{"mode": "min_power", eps_key: None}, {"mode": "min_capex", eps_key: None}])
        solves = 2
        if lo is None or hi is None or not _has_plan(lo, key) or not _has_plan(hi, key):
            if not results:
                check_workers_ran("optimizer.pareto", workers, scheduler, (str(f.get("message", "")) for f in failed))
            return finish(solves)
        p_min, p_max = lo[key], hi[key]
        if p_max <= p_min * (1 + _REL_TOL):
            return finish(solves)
        # AUGMECON tie-break weight: a plan may cost at most AUGMECON_DELTA x (capex range) more for less power
        weight = AUGMECON_DELTA * max(lo["capex_usd"] - hi["capex_usd"], 0.0) / (p_max - p_min)

        def spec(eps: float) -> dict[str, Any]:
            base = {"start": start_for(eps)}
            if lexicographic:
                return {**base, "mode": "eps", eps_key: eps}
            return {**base, "mode": "augmecon", eps_key: eps, "power_weight": weight}

        def solve_caps(caps: list[float]) -> list[dict[str, Any] | None]:
            """Rows for the caps: proven points without a solve, the others solved (in parallel)."""
            nonlocal skipped, solves
            out: list[dict[str, Any] | None] = [known(eps) for eps in caps]
            todo = [j for j, row in enumerate(out) if row is None]
            skipped += len(caps) - len(todo)
            for j, row in zip(todo, run([spec(caps[j]) for j in todo]), strict=True):
                out[j] = row
                if row is not None:
                    answered.append((caps[j], row))
            solves += len(todo)
            return out

        # the evenly spaced caps from the top down, one at a time when solving in process (each answer can prove
        # the caps below it down to its own power), in parallel batches otherwise
        grid = [p_min + (p_max - p_min) * k / (points - 1) for k in range(points - 2, 0, -1)]
        if scheduler or workers > 1:
            solve_caps(grid)
        else:
            for eps in grid:
                solve_caps([eps])

        # fill the widest unexplored power intervals between neighbouring points (A, B): first probe the
        # midpoint; once (A, low] is known empty, probe just below B, which yields B's left neighbour or
        # proves the interval empty. explored[(A, B)] = low; closed: intervals proven empty.
        explored: dict[tuple[float, float], float] = {}
        closed: set[tuple[float, float]] = set()
        while solves < budget:
            front, _ = non_dominated(results, key)
            if len(front) >= points:
                break
            gaps = []
            for a, b in zip(front, front[1:], strict=False):
                gap_key = (a[key], b[key])
                if gap_key not in closed:
                    low = explored.get(gap_key, gap_key[0])
                    gaps.append((gap_key[1] - low, gap_key, low))
            if not gaps:
                break
            gaps.sort(reverse=True)
            batch = gaps[: max(1, min(points - len(front), budget - solves))]
            probes = []
            for _, (pa, pb), low in batch:
                below = low > pa
                eps = pb - max(1e-7 * pb, 1e-4 if key == "power_w" else 1e-9) if below else (pa + pb) / 2
                probes.append((below, eps))
            rows = solve_caps([eps for _, eps in probes])
            front, _ = non_dominated(results, key)
            for (_, pair, low), (below, eps), row in zip(batch, probes, rows, strict=True):
                new = row is not None and any(r is row for r in front) and row[key] > pair[0] * (1 + _REL_TOL)
                if new:
                    assert row is not None
                    explored[(pair[0], row[key])] = low
                    if below:
                        closed.add((row[key], pair[1]))  # the new point is B's left neighbour
                    else:
                        explored[(row[key], pair[1])] = eps  # (new point, eps] holds nothing better
                elif below:
                    closed.add(pair)
                else:
                    explored[pair] = eps
        return finish(solves)
    finally:
        runner.close()
