"""The robust MILP over K price scenarios against one solve of the same instance.

    python -m benchmarks.robust [FILE] [--scenarios 20] [--seed 0] [--criterion regret] [--repeat 3]
                                [--write-scenarios PATH] [--out DIR]

Draws K price scenarios with a seeded generator (below), then, ``--repeat`` times, alternating: one
``optimizer.solve`` of the base instance, and ``robust_plan`` over the K scenarios (threads 1, workers 1:
everything in this process). Prints one JSON line per repeat: the one-solve time, the robust study's
stages (base plan, the K scenarios solved alone, the robust MILP's build and HiGHS time, the total), the
MILP's size, and the worst regrets of the robust and the base plan with the verifier's verdict.

The generator (seeded ``random.Random``): each scenario draws one factor per figure group, uniform in
its range, and applies it to every figure of the group (figures of one group move together):

    catalog.cpo-*.cost_usd             x0.4 - 1.4   CPO engines (every CPO optical engine)
    catalog.th5-cpo.cost_usd           x0.7 - 1.3   the CPO switch
    catalog.th5.cost_usd               x0.9 - 1.2   the pluggable switch
    catalog.lpo-*.cost_usd             x0.7 - 1.8   LPO modules
    catalog.dr8-800.cost_usd,          x0.6 - 1.2   800G DSP modules (one factor for both)
      catalog.twin-2xdr4-800*.cost_usd
    economics.electricity_usd_per_kwh  0.04 - 0.2   USD/kWh (an absolute value)

The ranges are wide on purpose: the base plan (pluggable switches, LPO on the leaf-spine and spine-core
tiers) must lose in some scenarios (CPO or DSP optics win) for the robust plan to have anything to do.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

DEFAULT_FILE = "instances/library/rail-fat-tree-16k-800g.yaml"
FACTORS: list[tuple[tuple[str, ...], float, float]] = [
    (("catalog.cpo-*.cost_usd",), 0.4, 1.4),
    (("catalog.th5-cpo.cost_usd",), 0.7, 1.3),
    (("catalog.th5.cost_usd",), 0.9, 1.2),
    (("catalog.lpo-*.cost_usd",), 0.7, 1.8),
    (("catalog.dr8-800.cost_usd", "catalog.twin-2xdr4-800*.cost_usd"), 0.6, 1.2),
]
ELECTRICITY = ("economics.electricity_usd_per_kwh", 0.04, 0.2)


def price_scenarios(k: int, seed: int = 0) -> list[dict[str, Any]]:
    """K scenarios ``{name, path: value}`` (factors as ``x<number>`` strings), seeded."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(k):
        scenario: dict[str, Any] = {"name": f"p{i + 1:02d}"}
        for paths, lo, hi in FACTORS:
            factor = round(rng.uniform(lo, hi), 4)
            for path in paths:
                scenario[path] = f"x{factor}"
        path, lo, hi = ELECTRICITY
        scenario[path] = round(rng.uniform(lo, hi), 4)
        out.append(scenario)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=DEFAULT_FILE)
    parser.add_argument("--scenarios", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--criterion", default="regret", choices=("regret", "worst", "expected"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write-scenarios", default=None, help="Also write the scenarios to this YAML file.")
    parser.add_argument("--out", default=None, help="Write the last repeat's robust plan and table here.")
    args = parser.parse_args()

    from optimizer.core.load import load_instance
    from optimizer.core.pipeline import solve
    from optimizer.core.solve import SolveOptions
    from optimizer.studies.robust import robust_plan

    scenarios = price_scenarios(args.scenarios, args.seed)
    if args.write_scenarios:
        import yaml

        header = (
            f"# {args.scenarios} price scenarios drawn by benchmarks/robust.py (seed {args.seed}; the generator and\n"
            "# its ranges are in that file's docstring), for optimizer robust ... --scenarios THIS_FILE.\n"
        )
        text = header + yaml.safe_dump(scenarios, sort_keys=False)
        Path(args.write_scenarios).write_text(text, encoding="utf-8")
    options = SolveOptions(threads=1, time_limit_s=600)
    instance = load_instance(args.file)
    one_solve: list[float] = []
    for rep in range(args.repeat):
        t0 = time.perf_counter()
        plan = solve(instance, options)
        one_solve.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = robust_plan(args.file, scenarios, options, args.criterion)
        total = time.perf_counter() - t0
        s = result.summary
        print(
            json.dumps(
                {
                    "file": args.file,
                    "rep": rep,
                    "k": args.scenarios,
                    "seed": args.seed,
                    "criterion": args.criterion,
                    "one_solve_s": round(one_solve[-1], 4),
                    "one_solve_status": str(plan.status),
                    "robust_total_s": round(total, 4),
                    "ratio_to_one_solve": round(total / one_solve[-1], 1),
                    "base_solve_s": s.get("base_solve_s"),
                    "scenario_solves_s": s.get("scenario_solves_s"),
                    "robust_solve_s": s.get("robust_solve_s"),
                    "robust_highs_s": s.get("robust_highs_s"),
                    "robust_model": s.get("robust_model"),
                    "status": result.status,
                    "worst_regret_usd": s.get("worst_regret_usd"),
                    "base_worst_regret_usd": s.get("base_worst_regret_usd"),
                    "same_as_base": s.get("same_as_base"),
                    "verified": result.verified,
                }
            ),
            flush=True,
        )
        if args.out and rep == args.repeat - 1:
            result.write(args.out)
    print(json.dumps({"median_one_solve_s": round(statistics.median(one_solve), 4)}), flush=True)


if __name__ == "__main__":
    main()
