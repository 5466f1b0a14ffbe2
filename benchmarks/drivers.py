"""Decision drivers against one solve, in one process.

    python -m benchmarks.drivers FILE [FILE ...] [--repeat 3] [--workers 1] [--extend 1.0] [--no-confirm]
                                 [--no-starts] [--full-solves]

Prints one JSON line per file: the median wall time of one solve (load + build + HiGHS, threads 1, after a
warm-up solve), the wall time of ``optimizer.plan_drivers`` given that plan (screen, solves, re-pricing),
their ratio, the same three in CPU time of this process (``time.process_time``: the fair measure on a
loaded machine, and complete with ``--workers 1``, where every solve runs in this process), and the
drivers' counts (figures, screened, solves, drivers, of which flip within range). ``--full-solves`` times
the method without the figure's own model (every solve loads and solves the instance in full), for a
before/after comparison in one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--extend", type=float, default=1.0)
    parser.add_argument("--no-confirm", action="store_true")
    parser.add_argument("--no-starts", action="store_true", help="solve every point from scratch (no MIP start)")
    parser.add_argument("--full-solves", action="store_true", help="no figure model: every solve in full")
    parser.add_argument("--compare", action="store_true", help="both methods, full solves first, one row each")
    args = parser.parse_args()
    from optimizer.core.io import read_document
    from optimizer.core.load import load_instance
    from optimizer.core.pipeline import solve
    from optimizer.core.solve import SolveOptions

    options = SolveOptions(threads=1)
    for f in args.files:
        path = Path(f)
        document, _ = read_document(path)
        plan = solve(load_instance(document, base_dir=path.parent), options)  # warm-up
        times, cpus = [], []
        for _ in range(args.repeat):
            start, cpu = time.perf_counter(), time.process_time()
            plan = solve(load_instance(document, base_dir=path.parent), options)
            times.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
        one, one_cpu = statistics.median(times), statistics.median(cpus)
        methods = [False, True] if args.compare else [not args.full_solves]
        for one_model in methods:
            row = _drivers_row(args, path, document, options, plan, one, one_cpu, one_model)
            print(json.dumps(row), flush=True)


def _drivers_row(
    args: argparse.Namespace,
    path: Path,
    document: dict[str, Any],
    options: Any,
    plan: Any,
    one: float,
    one_cpu: float,
    one_model: bool,
) -> dict[str, Any]:
    """Time ``plan_drivers`` once given the plan; the JSON row of the module docstring."""
    from optimizer.studies.drivers import plan_drivers

    start, cpu = time.perf_counter(), time.process_time()
    result = plan_drivers(
        document,
        base_dir=path.parent,
        options=options,
        plan=plan,
        workers=args.workers,
        extend=args.extend,
        confirm=not args.no_confirm,
        starts=not args.no_starts,
        one_model=one_model,
    )
    took, took_cpu = time.perf_counter() - start, time.process_time() - cpu
    row = {
        "file": path.name,
        "solve_s": round(one, 3),
        "drivers_s": round(took, 3),
        "ratio": round(took / one, 1),
        "solve_cpu_s": round(one_cpu, 3),
        "drivers_cpu_s": round(took_cpu, 3),
        "cpu_ratio": round(took_cpu / one_cpu, 1),
        "workers": args.workers,
        "extend": args.extend,
        "confirm": not args.no_confirm,
        "starts": not args.no_starts,
        "one_model": one_model,
        "figures": result.figures,
        "screened": len(result.screened),
        "solves": result.solves,
        "drivers": len(result.drivers),
        "flip_within_range": sum(not d.robust for d in result.drivers),
    }
    return row


if __name__ == "__main__":
    main()
