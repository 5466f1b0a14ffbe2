"""HiGHS time with and without objective scaling on the same built model, alternating, in one process.

    python -m benchmarks.objective_scaling FILE [FILE ...] [--repeat 3]

Prints one JSON line per file: columns, the scale exponent the planner would pick below its size
limit, and HiGHS's run time per repeat with scaling forced on (the exponent of
``objective_scale_exponent`` for a model of that size) and off. Used to place
``optimizer.core.solve.OBJECTIVE_SCALING_MAX_COLUMNS``.
"""

from __future__ import annotations

import argparse
import json
from unittest import mock

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from optimizer.core import solve
    from optimizer.core.data import build_data
    from optimizer.core.load import load_instance
    from optimizer.core.model import build_model

    for f in args.files:
        m = build_model(build_data(load_instance(f)))
        cost = solve.linear_arrays(m).cost
        exponent = int(min(0, max(-30, 8 - round(float(np.log2(np.abs(cost[cost != 0]).max()))))))
        times: dict[str, list[float]] = {"scaled": [], "unscaled": []}
        for _ in range(args.repeat):
            for label, on in (("scaled", True), ("unscaled", False)):
                with mock.patch.object(solve, "objective_scale_exponent", lambda _c, e=exponent: e):
                    report = solve.solve_model(m, solve.SolveOptions(threads=1, objective_scaling=on, time_limit_s=600))
                times[label].append(round(report.highs_s, 3))
        print(json.dumps({"file": f, "columns": len(cost), "exponent": exponent, **times}), flush=True)


if __name__ == "__main__":
    main()
