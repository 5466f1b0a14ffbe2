"""Solver comparison: one suite through several MILP solvers, each run in a fresh process with a time limit.

    python -m benchmarks run --suite solvers --solvers highs,scip,cbc --time-limit 20 \\
        --out benchmarks/results/solvers.jsonl --png benchmarks/solver-profile.png
    python -m benchmarks solvers benchmarks/results/solvers.jsonl --png benchmarks/solver-profile.png

Every run builds the planner's model (``optimizer.core.model.build_for_solve``: the array model for HiGHS,
the Pyomo model for the others) and solves it with ``SolveOptions.solver``; each plan with a solution
is re-checked by ``optimizer.verify.check_plan``. The table reports per solver, as in MIPLIB practice
(Mittelmann's benchmarks):

- solved: runs proven optimal (within ``mip_rel_gap``), feasible at the limit, and without a plan;
- the shifted geometric mean of the time, shift 10 s (``SGM_SHIFT_S``), a run not proven optimal
  counting as the time limit; the time is the solver's own (``solve_s``: HiGHS's run time, SCIP's
  solving time, CBC's wall time as Pyomo reports it), and, beside it, the whole solve call (hand-off
  through Pyomo's interface, solve, loading the solution: ``solve_call_s``);
- the gap at the limit: mean and largest relative gap of the runs that ended feasible;
- the plans the verifier rejected (none expected);
- a Dolan-More performance profile of the solver time (unsolved runs never within any tau).

Disagreements: two solvers that both claim optimality with objectives further apart than the gap
tolerance (``mip_rel_gap`` of each, relative to the larger objective), or one solver's proven bound
above another's feasible objective, are listed: one of them is wrong.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.harness import _fmt as _f  # one number format for every benchmark table

SGM_SHIFT_S = 10.0
"""Shift of the shifted geometric mean of times (seconds), as in MIPLIB benchmark practice."""


def shifted_geomean(values: list[float], shift: float = SGM_SHIFT_S) -> float:
    """exp(mean(log(t + shift))) - shift: the shifted geometric mean (nan for no values)."""
    if not values:
        return math.nan
    return math.exp(sum(math.log(v + shift) for v in values) / len(values)) - shift


def run_solvers(
    entries: list[dict[str, Any]],
    solvers: list[str],
    settings: dict[str, Any],
    out: Path,
    *,
    suite: str = "",
    cache_dir: Path | None = None,
    log: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every entry with every solver (one fresh process per run); append one JSON line per run to ``out``."""
    from benchmarks.harness import _git_commit, run_variant, versions
    from benchmarks.suite import ROOT, materialise
    from optimizer.core.solve import highs_version
    from optimizer.core.solvers import solver_version

    cache_dir = cache_dir or ROOT / "benchmarks" / ".cache"
    common = {
        "suite": suite,
        "label": "solvers",
        "commit": _git_commit(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **versions(),
        "solver_versions": {s: highs_version() if s == "highs" else solver_version(s) for s in solvers},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    for entry in entries:
        path = materialise(entry, cache_dir)
        for solver in solvers:
            run_settings = {**settings, **entry.get("solve", {}), "solver": solver}
            timeout = 3 * float(run_settings["time_limit_s"]) + 300
            record = {
                "instance": entry["name"],
                "file": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
                **common,
                "variant": "planner",
                "solver": solver,
                "seed": run_settings["seed"],
                "time_limit_s": run_settings["time_limit_s"],
                "mip_rel_gap": run_settings["mip_rel_gap"],
                "threads_requested": run_settings["threads"],
                **run_variant(path, "planner", run_settings, timeout),
            }
            with out.open("a", encoding="utf-8") as f:
                f.write(json.dumps(record, default=float) + "\n")
            records.append(record)
            if log:
                log(
                    f"{entry['name']} / {solver}: {record.get('status')} obj {record.get('solver_objective')} "
                    f"bound {record.get('bound')} solver {_f(record.get('solve_s'))} s "
                    f"(call {_f(record.get('solve_call_s'))} s) verified {record.get('verified')}"
                    + (f" [{record['message']}]" if record.get("message") else "")
                )
    return records


def latest_runs(records: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """{solver: {instance: the last record}} of the records that name a solver, solvers in first-seen order."""
    runs: dict[str, dict[str, dict[str, Any]]] = {}
    for r in records:
        if r.get("solver") and r.get("variant", "planner") == "planner":
            runs.setdefault(r["solver"], {})[r["instance"]] = r
    return runs


def solved_time(r: dict[str, Any] | None, key: str = "solve_s") -> float:
    """The time of a run proven optimal, else its time limit (the SGM convention for unsolved runs)."""
    if r is None:
        return math.nan
    limit = float(r.get("time_limit_s") or math.nan)
    if r.get("status") != "optimal" or r.get(key) is None:
        return limit
    return min(float(r[key]), limit)


def disagreements(runs: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """Instances where solvers contradict each other (see the module docstring)."""
    out = []
    instances = list(dict.fromkeys(i for per in runs.values() for i in per))
    names = list(runs)
    for inst in instances:
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                ra, rb = runs[a].get(inst), runs[b].get(inst)
                if ra is None or rb is None:
                    continue
                oa, ob = ra.get("solver_objective"), rb.get("solver_objective")
                tol = max(float(ra.get("mip_rel_gap") or 0), float(rb.get("mip_rel_gap") or 0)) + 1e-9
                both = ra.get("status") == rb.get("status") == "optimal" and oa is not None and ob is not None
                if both and abs(oa - ob) > tol * max(1.0, abs(oa), abs(ob)):
                    out.append(f"{inst}: {a} optimal at {oa:,.6g} but {b} optimal at {ob:,.6g}")
                for x, rx, y, ry in ((a, ra, b, rb), (b, rb, a, ra)):
                    bound, obj = rx.get("bound"), ry.get("solver_objective")
                    if (
                        bound is not None
                        and obj is not None
                        and ry.get("status") in ("optimal", "feasible")
                        and bound > obj + tol * max(1.0, abs(obj))
                    ):
                        out.append(f"{inst}: {x}'s bound {bound:,.6g} is above {y}'s plan {obj:,.6g}")
    return out


def solver_table(records: list[dict[str, Any]]) -> str:
    """Markdown: the per-solver summary, then one row per instance, then the disagreements."""
    runs = latest_runs(records)
    if not runs:
        return "(no solver records)"
    instances = list(dict.fromkeys(i for per in runs.values() for i in per))
    limits = sorted({r.get("time_limit_s") for per in runs.values() for r in per.values()})
    lines = [
        f"{len(instances)} instances, time limit {', '.join(f'{x:g}' for x in limits)} s; a run not proven "
        f"optimal counts as the time limit in the shifted geometric means (shift {SGM_SHIFT_S:g} s).",
        "",
        "| solver | version | optimal | feasible at limit | no plan | error | SGM solver time s | SGM solve call s "
        "| mean gap at limit | max gap at limit | plans verified | verifier rejected |",
        "|" + "---|" * 12,
    ]
    versions = next((r.get("solver_versions") for per in runs.values() for r in per.values()), None) or {}
    for solver, per in runs.items():
        rs = [per.get(i) for i in instances]
        status = [None if r is None else r.get("status") for r in rs]
        gaps = [r["gap"] for r in rs if r is not None and r.get("status") == "feasible" and r.get("gap") is not None]
        verified = [r.get("verified") for r in rs if r is not None and r.get("verified") is not None]
        lines.append(
            "| "
            + " | ".join(
                [
                    solver,
                    str(versions.get(solver, "-")),
                    str(status.count("optimal")),
                    str(status.count("feasible")),
                    str(sum(s in ("no_solution", "infeasible", "unbounded") for s in status)),
                    str(sum(s in ("error", None) for s in status)),
                    _f(shifted_geomean([solved_time(r) for r in rs if r is not None])),
                    _f(shifted_geomean([solved_time(r, "solve_call_s") for r in rs if r is not None])),
                    "-" if not gaps else f"{100 * sum(gaps) / len(gaps):.2f}%",
                    "-" if not gaps else f"{100 * max(gaps):.2f}%",
                    str(sum(1 for v in verified if v)),
                    str(sum(1 for v in verified if not v)),
                ]
            )
            + " |"
        )
    names = list(runs)
    lines += [
        "",
        "| instance | " + " | ".join(f"{n} status | {n} objective | {n} gap | {n} s" for n in names) + " |",
        "|" + "---|" * (1 + 4 * len(names)),
    ]
    for inst in instances:
        cells = [inst]
        for n in names:
            r = runs[n].get(inst) or {}
            gap = r.get("gap")
            cells += [
                str(r.get("status", "-")),
                _f(r.get("solver_objective")),
                "-" if gap is None else f"{100 * gap:.3f}%",
                _f(r.get("solve_s")),
            ]
        lines.append("| " + " | ".join(cells) + " |")
    found = disagreements(runs)
    lines += ["", "Disagreements between solvers: " + ("none." if not found else "")]
    lines += [f"- {d}" for d in found]
    return "\n".join(lines)


def profile_ratios(runs: dict[str, dict[str, dict[str, Any]]]) -> dict[str, list[float]]:
    """Per solver, each instance's solver time over the best solver's (inf when not proven optimal)."""
    instances = list(dict.fromkeys(i for per in runs.values() for i in per))
    floor_s = 0.01  # times below this are timer noise
    ratios: dict[str, list[float]] = {s: [] for s in runs}
    for inst in instances:
        times = {}
        for s, per in runs.items():
            r = per.get(inst)
            ok = r is not None and r.get("status") == "optimal" and r.get("solve_s") is not None
            times[s] = max(float(r["solve_s"]), floor_s) if ok and r is not None else math.inf
        best = min(times.values())
        for s, t in times.items():
            ratios[s].append(t / best if math.isfinite(t) and math.isfinite(best) else math.inf)
    return ratios


def plot_profile(records: list[dict[str, Any]], png: Path) -> Path:
    """Draw the Dolan-More performance profile of the solver times into ``png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = latest_runs(records)
    ratios = profile_ratios(runs)
    finite = [x for r in ratios.values() for x in r if math.isfinite(x)]
    tau_max = max(2.0, max(finite, default=2.0) * 1.2)
    limits = sorted({r.get("time_limit_s") for per in runs.values() for r in per.values()})
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for name, rs in ratios.items():
        xs = sorted(x for x in rs if math.isfinite(x))
        n = len(rs) or 1
        steps_x = [1.0] + [x for x in xs for _ in (0, 1)] + [tau_max]
        steps_y = [0.0] + [v for i in range(len(xs)) for v in (i / n, (i + 1) / n)] + [len(xs) / n]
        ax.plot(steps_x, steps_y, label=f"{name} ({len(xs)}/{len(rs)} optimal)")
    ax.set_xscale("log")
    ax.set_xlim(1.0, tau_max)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("tau: solver time / best solver's time on the instance (log scale)")
    ax.set_ylabel("fraction of instances solved within tau")
    n_inst = len(next(iter(ratios.values()), []))
    ax.set_title(f"Performance profile (Dolan-More), {n_inst} instances, limit {', '.join(f'{x:g}' for x in limits)} s")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=120)
    plt.close(fig)
    return png
