"""Benchmark harness: run a suite (planner and floor, each run in a fresh process), tables, comparisons.

    python -m benchmarks run --suite full --threads 1 --out benchmarks/results/full.jsonl
    python -m benchmarks table benchmarks/results/full.jsonl
    python -m benchmarks compare A.jsonl B.jsonl --png profile.png
    python -m benchmarks list
    python -m benchmarks run --suite solvers --solvers highs,scip,cbc --time-limit 20 --png profile.png
    python -m benchmarks solvers RESULTS.jsonl --png profile.png     # see benchmarks.solvers

Each run record (one JSON line) holds the stage times in seconds (load_s, options_s, build_s,
handoff_s, solve_s, extract_s), peak_mb, model size (columns, integers, rows, nonzeros), status,
objective, bound, gap, nodes, versions, threads and seed. A planner record also carries its
ratio to the floor measured in the same run and whether both reached the same optimum.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from benchmarks.suite import ROOT, load_suites, materialise

PLANNER_STAGES = ("load_s", "options_s", "build_s", "handoff_s", "solve_s", "extract_s")


def versions() -> dict[str, str]:
    """HiGHS, Pyomo, highspy, numpy and Python versions of this environment."""
    from importlib.metadata import version

    import numpy
    import pyomo.version

    from optimizer.core.solve import highs_version

    return {
        "highs": highs_version(),
        "highspy": version("highspy"),
        "pyomo": pyomo.version.version_info_str
        if hasattr(pyomo.version, "version_info_str")
        else pyomo.version.version,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def run_variant(instance: Path, variant: str, settings: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """Run one variant of one instance in a fresh Python process; the result record (never raises)."""
    spec = {"instance": str(instance), "variant": variant, **settings}
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.run_one", json.dumps(spec)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    except subprocess.TimeoutExpired:
        return {"status": "error", "message": f"run exceeded {timeout_s:.0f} s", "wall_s": timeout_s}
    wall = time.perf_counter() - start
    marker = proc.stdout.rfind("@@RESULT@@")
    if marker < 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"status": "error", "message": f"exit {proc.returncode}: {' | '.join(tail)}", "wall_s": wall}
    record = json.loads(proc.stdout[marker + len("@@RESULT@@") :].strip())
    record["wall_s"] = wall
    return record


def same_optimum(planner: dict[str, Any], floor: dict[str, Any], gap: float) -> bool | None:
    """Both optimal and their objectives within the relative gap tolerance (None when not comparable)."""
    if planner.get("status") != "optimal" or floor.get("status") != "optimal":
        return None
    a, b = planner.get("solver_objective"), floor.get("solver_objective")
    if a is None or b is None:
        return False
    return abs(a - b) <= (gap + 1e-9) * max(1.0, abs(a), abs(b))


def run_suite(
    entries: list[dict[str, Any]],
    settings: dict[str, Any],
    out: Path,
    *,
    floor: bool = True,
    label: str = "",
    suite: str = "",
    cache_dir: Path | None = None,
    log: Any = None,
) -> list[dict]:
    """Run every entry (planner, then floor) and append one JSON line per run to ``out``."""
    cache_dir = cache_dir or ROOT / "benchmarks" / ".cache"
    common = {
        "suite": suite,
        "label": label or settings.get("interface", "direct"),
        "commit": _git_commit(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **versions(),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    for entry in entries:
        path = materialise(entry, cache_dir)
        run_settings = {**settings, **entry.get("solve", {})}
        timeout = 3 * float(run_settings["time_limit_s"]) + 900
        planner = run_variant(path, "planner", run_settings, timeout)
        base = {
            "instance": entry["name"],
            "file": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
            **common,
            "seed": run_settings["seed"],
            "time_limit_s": run_settings["time_limit_s"],
            "mip_rel_gap": run_settings["mip_rel_gap"],
            "threads_requested": run_settings["threads"],
            "tighten": run_settings.get("tighten", True),
            "objective_scaling": run_settings.get("objective_scaling", True),
        }
        planner = {**base, "variant": "planner", "interface": run_settings.get("interface", "direct"), **planner}
        batch = [planner]
        if floor and entry.get("floor", True):
            fl = {
                **base,
                "variant": "floor",
                "interface": "highspy-arrays",
                **run_variant(path, "floor", run_settings, timeout),
            }
            batch.append(fl)
            p_bh, f_bh = _bh(planner), _bh(fl)
            if p_bh is not None and f_bh:
                planner["floor_ratio"] = p_bh / f_bh
            if planner.get("peak_mb") and fl.get("peak_mb"):
                planner["floor_mem_ratio"] = planner["peak_mb"] / fl["peak_mb"]
            planner["same_optimum_as_floor"] = same_optimum(planner, fl, run_settings["mip_rel_gap"])
        with out.open("a", encoding="utf-8") as f:
            for r in batch:
                f.write(json.dumps(r, default=float) + "\n")
        records += batch
        if log:
            log(_progress_line(planner, batch[1] if len(batch) > 1 else None))
    return records


def _bh(r: dict[str, Any]) -> float | None:
    if r.get("build_s") is None or r.get("handoff_s") is None:
        return None
    return r["build_s"] + r["handoff_s"]


def _total(r: dict[str, Any]) -> float | None:
    if any(r.get(k) is None for k in PLANNER_STAGES):
        return None
    return sum(r[k] for k in PLANNER_STAGES)


def _progress_line(p: dict[str, Any], f: dict[str, Any] | None) -> str:
    line = (
        f"{p['instance']}: {p.get('status')} obj {p.get('objective')} total {_fmt(_total(p))} s "
        f"(build+hand-off {_fmt(_bh(p))} s, solve {_fmt(p.get('solve_s'))} s) peak {_fmt(p.get('peak_mb'), 0)} MB"
    )
    if f is not None:
        line += (
            f"; floor {f.get('status')} build+hand-off {_fmt(_bh(f))} s peak {_fmt(f.get('peak_mb'), 0)} MB; "
            f"ratio {_fmt(p.get('floor_ratio'), 1)}x, same optimum {p.get('same_optimum_as_floor')}"
        )
    if p.get("message"):
        line += f" [{p['message']}]"
    return line


def _fmt(x: Any, digits: int = 2) -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and not math.isfinite(x):
        return "inf"
    if isinstance(x, int | float):
        return f"{x:,.{digits}f}"
    return str(x)


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """All records of a results file (JSON lines)."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def _latest(records: Iterable[dict[str, Any]], variant: str) -> dict[str, dict[str, Any]]:
    """The last record per instance for a variant (a file may hold several runs), smallest instances first."""
    out: dict[str, dict[str, Any]] = {}
    for r in records:
        if r.get("variant") == variant:
            out[r["instance"]] = r
    return dict(sorted(out.items(), key=lambda kv: (kv[1].get("link_groups") or 0, kv[1].get("columns") or 0)))


def summary_table(records: list[dict[str, Any]]) -> str:
    """Markdown table of the planner runs (latest per instance)."""
    planner = _latest(records, "planner")
    head = (
        "| instance | link groups | columns | integers | rows | nonzeros | load s | options s | build s | "
        "hand-off s | solve s | extract s | total s | peak MB | status | objective | gap | nodes |"
    )
    lines = [head, "|" + "---|" * 18]
    for name, r in planner.items():
        lines.append(
            "| "
            + " | ".join(
                [
                    name,
                    _fmt(r.get("link_groups"), 0),
                    _fmt(r.get("columns"), 0),
                    _fmt(r.get("integers"), 0),
                    _fmt(r.get("rows"), 0),
                    _fmt(r.get("nonzeros"), 0),
                    _fmt(r.get("load_s")),
                    _fmt(r.get("options_s")),
                    _fmt(r.get("build_s")),
                    _fmt(r.get("handoff_s")),
                    _fmt(r.get("solve_s")),
                    _fmt(r.get("extract_s")),
                    _fmt(_total(r)),
                    _fmt(r.get("peak_mb"), 0),
                    str(r.get("status")),
                    _fmt(r.get("objective")),
                    "-" if r.get("gap") is None else f"{r['gap']:.1e}",
                    _fmt(r.get("nodes"), 0),
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def floor_table(records: list[dict[str, Any]]) -> str:
    """Markdown table: planner build + hand-off and peak memory as ratios to the floor."""
    planner, floor = _latest(records, "planner"), _latest(records, "floor")
    head = (
        "| instance | planner build s | planner hand-off s | floor build s | floor hand-off s | "
        "build+hand-off ratio | planner peak MB | floor peak MB | memory ratio | planner solve s | floor solve s | "
        "same optimum |"
    )
    lines = [head, "|" + "---|" * 12]
    for name, p in planner.items():
        f = floor.get(name)
        if f is None:
            continue
        lines.append(
            "| "
            + " | ".join(
                [
                    name,
                    _fmt(p.get("build_s"), 3),
                    _fmt(p.get("handoff_s"), 3),
                    _fmt(f.get("build_s"), 3),
                    _fmt(f.get("handoff_s"), 3),
                    _fmt(p.get("floor_ratio"), 1) + "x",
                    _fmt(p.get("peak_mb"), 0),
                    _fmt(f.get("peak_mb"), 0),
                    _fmt(p.get("floor_mem_ratio"), 2) + "x",
                    _fmt(p.get("solve_s")),
                    _fmt(f.get("solve_s")),
                    {True: "yes", False: "NO", None: "n/a"}[p.get("same_optimum_as_floor")],
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def run_info(records: list[dict[str, Any]]) -> str:
    """One line naming the versions and settings of a results file."""
    planner = [r for r in records if r.get("variant") == "planner"]
    if not planner:
        return "(no planner records)"
    r = planner[-1]
    started = sorted({x.get("started") for x in planner if x.get("started")})
    commits = sorted({x.get("commit") for x in planner if x.get("commit")})
    return (
        f"HiGHS {r.get('highs')} (highspy {r.get('highspy')}), Pyomo {r.get('pyomo')}, numpy {r.get('numpy')}, "
        f"Python {r.get('python')}; threads {r.get('threads_requested')}, seed {r.get('seed')}, "
        f"mip_rel_gap {r.get('mip_rel_gap')}, interface {r.get('interface')}, tighten {r.get('tighten')}; "
        f"commits {', '.join(commits)}; runs started {', '.join(started)}"
    )


# ---------------------------------------------------------------- comparison and performance profile

METRICS = {
    "total_s": _total,
    "build_handoff_s": _bh,
    "solve_s": lambda r: r.get("solve_s"),
    "peak_mb": lambda r: r.get("peak_mb"),
}


MIN_TIME_S = 0.1
"""Times below this count as this in comparisons: differences there are timer and scheduling noise."""


def _metric(r: dict[str, Any] | None, metric: str, require_optimal: bool) -> float:
    """The metric of a run, or inf when it failed (Dolan-More convention)."""
    if r is None or (require_optimal and r.get("status") != "optimal") or r.get("status") in ("error", "n/a"):
        return math.inf
    value = METRICS[metric](r)
    floor = MIN_TIME_S if metric.endswith("_s") else 1e-6
    return math.inf if value is None else max(float(value), floor)


def performance_profile(
    runs: dict[str, dict[str, dict[str, Any]]], metric: str, taus: list[float], require_optimal: bool = True
) -> dict[str, list[float]]:
    """Dolan-More profile: for each configuration, the fraction of instances within tau x the best."""
    instances = sorted(set().union(*(set(r) for r in runs.values())))
    ratios: dict[str, list[float]] = {c: [] for c in runs}
    for inst in instances:
        values = {c: _metric(runs[c].get(inst), metric, require_optimal) for c in runs}
        best = min(values.values())
        for c, v in values.items():
            ratios[c].append(math.inf if not math.isfinite(best) or not math.isfinite(v) else v / best)
    n = len(instances) or 1
    return {c: [sum(1 for x in ratios[c] if x <= tau * (1 + 1e-12)) / n for tau in taus] for c in runs}, ratios


def compare(
    files: list[str], metric: str, png: Path | None, variant: str = "planner", require_optimal: bool = True
) -> str:
    """Per-instance ratios (each file against the first) and the performance profile (table and PNG)."""
    runs: dict[str, dict[str, dict[str, Any]]] = {}
    for f in files:
        recs = read_records(f)
        label = recs[-1].get("label") if recs else Path(f).stem
        key = f"{label} ({Path(f).name})"
        runs[key] = _latest(recs, variant)
    names = list(runs)
    base = names[0]
    instances = [i for i in dict.fromkeys(i for r in runs.values() for i in r) if all(i in r for r in runs.values())]
    runs = {n: {i: r[i] for i in instances} for n, r in runs.items()}
    lines = [
        f"metric: {metric} ({variant} runs on the {len(instances)} instances present in every file; "
        f"failed or non-optimal runs count as inf; times below {MIN_TIME_S} s count as {MIN_TIME_S} s)",
        "",
    ]
    head = (
        "| instance | "
        + " | ".join(f"{n} {metric}" for n in names)
        + " | "
        + " | ".join(f"{n} / {base}" for n in names[1:])
        + " | statuses |"
    )
    lines += [head, "|" + "---|" * (2 * len(names) + 1)]
    for inst in instances:
        vals = [_metric(runs[n].get(inst), metric, require_optimal) for n in names]
        ratios = [(v / vals[0]) if math.isfinite(v) and math.isfinite(vals[0]) else math.inf for v in vals[1:]]
        statuses = "/".join(str(runs[n].get(inst, {}).get("status")) for n in names)
        lines.append(
            "| " + " | ".join([inst, *(_fmt(v, 3) for v in vals), *(_fmt(x, 2) + "x" for x in ratios), statuses]) + " |"
        )
    taus = [1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0, 100.0]
    prof, _ = performance_profile(runs, metric, taus, require_optimal)
    lines += [
        "",
        "Performance profile (fraction of instances within tau x the best configuration):",
        "",
        "| configuration | " + " | ".join(f"tau={t:g}" for t in taus) + " |",
        "|" + "---|" * (len(taus) + 1),
    ]
    for n in names:
        lines.append("| " + n + " | " + " | ".join(f"{x:.2f}" for x in prof[n]) + " |")
    if png is not None:
        _plot_profile(runs, metric, png, require_optimal)
        lines += ["", f"plot: {png}"]
    return "\n".join(lines)


def _plot_profile(runs: dict[str, dict[str, dict[str, Any]]], metric: str, png: Path, require_optimal: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, ratios = performance_profile(runs, metric, [1.0], require_optimal)
    finite = [x for r in ratios.values() for x in r if math.isfinite(x)]
    tau_max = max(2.0, max(finite, default=2.0) * 1.1)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for name, rs in ratios.items():
        xs = sorted(x for x in rs if math.isfinite(x))
        n = len(rs) or 1
        steps_x = [1.0] + [x for x in xs for _ in (0, 1)] + [tau_max]
        steps_y = [0.0] + [v for i in range(len(xs)) for v in (i / n, (i + 1) / n)] + [len(xs) / n]
        ax.plot(steps_x, steps_y, label=name, drawstyle="default")
    ax.set_xscale("log")
    ax.set_xlim(1.0, tau_max)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"tau (ratio of {metric} to the best configuration, log scale)")
    ax.set_ylabel("fraction of instances within tau")
    ax.set_title(f"Performance profile (Dolan-More): {metric}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=120)
    plt.close(fig)


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a suite (planner and floor) and append JSON lines")
    run.add_argument("--suite", default="quick")
    run.add_argument("--suite-file", type=Path, help="YAML/JSON file with extra suites {name: [entries]}")
    run.add_argument("--only", help="comma-separated entry names to run")
    run.add_argument("--threads", type=int, default=1)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--time-limit", type=float, default=120.0)
    run.add_argument("--gap", type=float, default=1e-4)
    run.add_argument("--interface", default="direct", choices=["direct", "appsi"])
    run.add_argument("--no-floor", action="store_true")
    run.add_argument("--no-tighten", action="store_true", help="leave out the valid tightening rows (forms family)")
    run.add_argument(
        "--no-objective-scaling",
        action="store_true",
        help="hand HiGHS the objective unscaled (SolveOptions.objective_scaling=False)",
    )
    run.add_argument("--no-verify", action="store_true", help="skip the independent plan check")
    run.add_argument("--label", default="")
    run.add_argument(
        "--solvers",
        default=None,
        help="comma-separated solvers (highs,scip,cbc,gurobi,cplex): run every entry with each, no floor, "
        "and print the solver comparison (benchmarks.solvers)",
    )
    run.add_argument("--png", type=Path, default=None, help="with --solvers: draw the performance profile here")
    run.add_argument("--out", type=Path, default=None)
    run.add_argument("--cache-dir", type=Path, default=None)
    table = sub.add_parser("table", help="summary and ratio-to-floor tables of a results file")
    table.add_argument("results", type=Path)
    cmp_ = sub.add_parser("compare", help="per-instance ratios and performance profile of 2+ results files")
    cmp_.add_argument("results", nargs="+")
    cmp_.add_argument("--metric", default="total_s", choices=sorted(METRICS))
    cmp_.add_argument("--variant", default="planner", choices=["planner", "floor"])
    cmp_.add_argument("--png", type=Path, default=None)
    sub.add_parser("list", help="list the suites")
    solvers_ = sub.add_parser("solvers", help="solver comparison table and performance profile of a results file")
    solvers_.add_argument("results", type=Path)
    solvers_.add_argument("--png", type=Path, default=None)
    scale = sub.add_parser("scale", help="planner vs floor vs linopy and CLI vs HiGHS at given sizes, one run")
    scale.add_argument("--sizes", default="10000,100000,300000", help="comma-separated link-group counts")
    scale.add_argument("--repeat", type=int, default=3)
    scale.add_argument("--threads", type=int, default=1)
    scale.add_argument("--seed", type=int, default=0)
    scale.add_argument("--time-limit", type=float, default=600.0)
    scale.add_argument("--gap", type=float, default=1e-4)
    scale.add_argument("--no-linopy", action="store_true")
    scale.add_argument("--no-cli", action="store_true")
    scale.add_argument("--cli-sizes", default=None, help="sizes whose CLI run is repeated (default: all)")
    scale.add_argument("--out", type=Path, default=None)
    scale.add_argument("--cache-dir", type=Path, default=None)
    scale_table = sub.add_parser("scale-table", help="tables of a scale results file")
    scale_table.add_argument("results", type=Path)
    args = parser.parse_args(argv)

    if args.command in ("scale", "scale-table"):
        from benchmarks.scale import run_scale
        from benchmarks.scale import scale_table as table_of

        if args.command == "scale-table":
            print(table_of(read_records(args.results)))
            return 0
        out = args.out or ROOT / "benchmarks" / "results" / f"scale-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
        settings = {
            "threads": args.threads,
            "seed": args.seed,
            "time_limit_s": args.time_limit,
            "mip_rel_gap": args.gap,
        }
        records = run_scale(
            [int(x) for x in args.sizes.split(",")],
            args.repeat,
            settings,
            out,
            linopy=not args.no_linopy,
            cli=not args.no_cli,
            cli_sizes=None if args.cli_sizes is None else [int(x) for x in args.cli_sizes.split(",")],
            cache_dir=args.cache_dir,
            log=lambda s: print(s, flush=True),
        )
        print(f"\nresults: {out}\n")
        print(table_of(records))
        bad = [r for r in records if r.get("status") == "error" or r.get("same_optimum_as_planner") is False]
        return 1 if bad else 0

    if args.command == "solvers":
        from benchmarks.solvers import plot_profile, solver_table

        records = read_records(args.results)
        print(solver_table(records))
        if args.png is not None:
            print(f"\nplot: {plot_profile(records, args.png)}")
        return 0
    if args.command == "list":
        for name, entries in load_suites().items():
            print(f"{name}: {', '.join(e['name'] for e in entries)}")
        return 0
    if args.command == "table":
        records = read_records(args.results)
        print(run_info(records), "\n", sep="")
        print(summary_table(records), "\n", sep="")
        print(floor_table(records))
        return 0
    if args.command == "compare":
        if len(args.results) < 2:
            parser.error("compare needs at least two results files")
        print(compare(args.results, args.metric, args.png, args.variant))
        return 0
    suites = load_suites(args.suite_file)
    if args.suite not in suites:
        parser.error(f"unknown suite '{args.suite}' (known: {', '.join(suites)})")
    entries = suites[args.suite]
    if args.only:
        wanted = set(args.only.split(","))
        entries = [e for e in entries if e["name"] in wanted]
    out = args.out or ROOT / "benchmarks" / "results" / f"{args.suite}-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    if args.solvers:
        return _run_solvers(args, entries, out)
    settings = {
        "threads": args.threads,
        "seed": args.seed,
        "time_limit_s": args.time_limit,
        "mip_rel_gap": args.gap,
        "interface": args.interface,
        "verify": not args.no_verify,
        "tighten": not args.no_tighten,
        "objective_scaling": not args.no_objective_scaling,
    }
    records = run_suite(
        entries,
        settings,
        out,
        floor=not args.no_floor,
        label=args.label,
        suite=args.suite,
        cache_dir=args.cache_dir,
        log=lambda s: print(s, flush=True),
    )
    print(f"\nresults: {out}\n")
    print(summary_table(records), "\n", sep="")
    if not args.no_floor:
        print(floor_table(records))
    bad = [
        r
        for r in records
        if r.get("status") == "error" or r.get("same_optimum_as_floor") is False or r.get("verified") is False
    ]
    return 1 if bad else 0


def _run_solvers(args: argparse.Namespace, entries: list[dict[str, Any]], out: Path) -> int:
    """``run --solvers``: every entry with each solver (benchmarks.solvers); exit 1 on errors, plans the
    verifier rejects or solvers that disagree, 2 when a solver is not installed."""
    from benchmarks.solvers import disagreements, latest_runs, plot_profile, run_solvers, solver_table
    from optimizer.core.solvers import unavailable

    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    missing = [p for p in (unavailable(s) for s in solvers) if p is not None]
    if missing:
        print("\n".join(missing), file=sys.stderr)
        return 2
    settings = {
        "threads": args.threads,
        "seed": args.seed,
        "time_limit_s": args.time_limit,
        "mip_rel_gap": args.gap,
        "verify": not args.no_verify,
        "tighten": not args.no_tighten,
        "objective_scaling": not args.no_objective_scaling,
    }
    records = run_solvers(
        entries, solvers, settings, out, suite=args.suite, cache_dir=args.cache_dir, log=lambda s: print(s, flush=True)
    )
    print(f"\nresults: {out}\n")
    print(solver_table(records))
    if args.png is not None:
        print(f"\nplot: {plot_profile(records, args.png)}")
    bad = [r for r in records if r.get("status") == "error" or r.get("verified") is False]
    return 1 if bad or disagreements(latest_runs(records)) else 0
