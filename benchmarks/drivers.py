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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--extend", type=float, default=1.0)
    parser.add_argument("--no-confirm", action="store_true")
    parser.add_argument("--no-starts", action="store_true", help="solve every point from scratch (no MIP start)")
    parser.add_argument("--full-solves", action="store_true", help="no figure model: every solve in full")
    args = parser.parse_args()
    from optimizer.core.io import read_document
    from optimizer.core.load import load_instance
    from optimizer.core.pipeline import solve
    from optimizer.core.solve import SolveOptions
    from optimizer.studies.drivers import plan_drivers

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
            one_model=not args.full_solves,
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
            "one_model": not args.full_solves,
            "figures": result.figures,
            "screened": len(result.screened),
            "solves": result.solves,
            "drivers": len(result.drivers),
            "flip_within_range": sum(not d.robust for d in result.drivers),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
