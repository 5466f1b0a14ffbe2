"""Solve time of an instance with a ``site`` section against the same instance without it, alternating, in one
process.

    python -m benchmarks.site [FILE ...] [--repeat 9] [--threads 1] [--gpu-w 1400] [--gpu-hour-usd 2.5]
                              [--headroom-w 4.06e6]

For each file, four variants, each loaded once and then solved ``--repeat`` times, alternating so that the
machine's load falls on all alike (after one untimed warm-up solve of each):

- ``without``: the instance without ``site`` (the file's own section, if any, removed);
- ``with``: the same instance with ``site: {gpu_w, gpu_hour_usd, it_power_w}`` (``it_power_w`` = the GPUs'
  power plus ``--headroom-w``; a file that has a site section keeps its own). Its objective prices each watt
  at e + s instead of e, so its optimum, and HiGHS's search, differ from ``without``;
- ``same_prices``: ``without`` with the electricity price raised until a watt costs e + s (price +
  1,000 v / (gpu_w x pue) USD/kWh): the objective coefficients of ``with`` without the section, so
  ``with`` / ``same_prices`` is the cost of the section itself (its cap row, its report);
- ``cap_only``: ``with`` at gpu_hour_usd 0 (the cap, no value): the objective of ``without`` plus the cap.
 Each solve is ``optimizer.solve`` from the loaded
instance (data, model build, hand-off, HiGHS, results): ``cpu_s`` is the process CPU time it takes (HiGHS
runs one thread), ``solve_s`` its wall time and ``highs_s`` HiGHS's own wall time. Prints one JSON line per
file with the medians, the ratios of each variant to ``without`` (the target: ``with/without`` at most 1.2
in CPU seconds) and of ``with`` to ``same_prices``, the load average before and after, and every time
measured. Default files: the library's 16k NVIDIA site file and the 16k 800G and 400G Broadcom fabrics.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FILES = (
    "instances/library/site-envelope-16k-800g-nvidia.yaml",
    "instances/library/rail-fat-tree-16k-800g.yaml",
    "instances/library/rail-fat-tree-16k-400g.yaml",
)


def variants(path: Path, gpu_w: float, gpu_hour_usd: float, headroom_w: float) -> dict[str, Any]:
    """The four instances of the module docstring, by name."""
    import optimizer
    from optimizer.core.edit import instance_document

    instance = optimizer.load_instance(path)
    if instance.site is not None:
        document = instance_document(instance)
        document.pop("site")
        without, with_site = optimizer.load_instance(document, name=str(path)), instance
    else:
        gpus = sum(n.count for n in instance.nodes if n.kind == "nic")
        site = {"gpu_w": gpu_w, "gpu_hour_usd": gpu_hour_usd, "it_power_w": gpus * gpu_w + headroom_w}
        without, with_site = instance, instance.with_changes({"site": site})
    site_doc = with_site.site.model_dump(exclude_none=True)
    economics = without.economics
    price = economics.electricity_usd_per_kwh + 1000 * site_doc["gpu_hour_usd"] / (site_doc["gpu_w"] * economics.pue)
    return {
        "without": without,
        "with": with_site,
        "same_prices": without.with_changes({"economics.electricity_usd_per_kwh": price}),
        "cap_only": with_site.with_changes({"site.gpu_hour_usd": 0.0}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=[str(ROOT / f) for f in FILES])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--gpu-w", type=float, default=1400.0)
    parser.add_argument("--gpu-hour-usd", type=float, default=2.5)
    parser.add_argument("--headroom-w", type=float, default=4.06e6)
    args = parser.parse_args()
    import optimizer

    options = optimizer.SolveOptions(threads=args.threads, mip_rel_gap=1e-4, time_limit_s=600.0)
    for f in args.files:
        instances = variants(Path(f), args.gpu_w, args.gpu_hour_usd, args.headroom_w)
        times: dict[str, dict[str, list[float]]] = {k: {"cpu_s": [], "solve_s": [], "highs_s": []} for k in instances}
        load_before = os.getloadavg()
        objective: dict[str, float] = {}
        for instance in instances.values():  # warm-up, not timed: the first solve of a process pays imports
            optimizer.solve(instance, options)
        for _ in range(args.repeat):
            for label, instance in instances.items():
                start, cpu = time.perf_counter(), time.process_time()
                plan = optimizer.solve(instance, options)
                times[label]["cpu_s"].append(round(time.process_time() - cpu, 4))
                times[label]["solve_s"].append(round(time.perf_counter() - start, 4))
                times[label]["highs_s"].append(round(float(plan.to_dict()["solver"]["highs_s"]), 4))
                assert plan.status == "optimal", (f, label, plan.status)
                objective[label] = float(plan.objective)
        median = {k: {m: statistics.median(v) for m, v in t.items()} for k, t in times.items()}
        record = {
            "file": Path(f).name,
            "repeat": args.repeat,
            "site": instances["with"].site.model_dump(exclude_none=True),
            "median": median,
            "ratio": {
                f"{a}/{b}": {m: round(median[a][m] / median[b][m], 3) for m in ("cpu_s", "solve_s", "highs_s")}
                for a, b in (("with", "without"), ("with", "same_prices"), ("cap_only", "without"))
            },
            "load_average": [round(x, 2) for x in (*load_before, *os.getloadavg())],
            "objective": objective,
            "times": times,
        }
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
