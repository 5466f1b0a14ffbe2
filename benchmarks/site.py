"""Solve time of an instance with a ``site`` section against the same instance without it, alternating, in one
process, at one or several values of a GPU-hour.

    python -m benchmarks.site [FILE ...] [--sweep] [--repeat 9] [--threads 1] [--gpu-w 1400]
                              [--gpu-hour-usd 2.5 | --gpu-hour-usd 1,2.5,5,10]
                              [--headroom-w-per-gpu 247.802734375] [--feasibility-jump on|off]

For each file, variants each loaded once and then solved ``--repeat`` times, alternating so that the
machine's load falls on all alike (after one untimed warm-up solve of each):

- ``without``: the instance without ``site`` (the file's own section, if any, removed);
- ``with`` at each value v of ``--gpu-hour-usd``: the same instance with ``site: {gpu_w, gpu_hour_usd: v,
  it_power_w}`` (``it_power_w`` = the GPUs' power plus ``--headroom-w-per-gpu`` per GPU: 4.06 MW at 16,384
  GPUs, twice that for the 3200G what-if, ``HEADROOM_W_PER_GPU_BY_FILE``; a file that has a site section
  keeps its own, with only ``gpu_hour_usd`` set to v when more than one value is swept). Its objective
  prices each watt at e + s instead of e, so its optimum, and HiGHS's search, differ from ``without``;
- ``same_prices`` at each v: ``without`` with the electricity price raised until a watt costs e + s (price
  + 1,000 v / (gpu_w x pue) USD/kWh): the objective coefficients of ``with`` without the section, so
  ``with`` / ``same_prices`` is the cost of the section itself (its cap row, its report);
- ``cap_only``: ``with`` at gpu_hour_usd 0 (the cap, no value): the objective of ``without`` plus the cap.

Each solve is ``optimizer.solve`` from the loaded instance (data, model build, hand-off, HiGHS, results),
with the planner's default solve options except threads (``--threads``), gap 1e-4 and, if given,
``--feasibility-jump``: the same options on both sides of every ratio. ``cpu_s`` is the process CPU time a
solve takes (HiGHS runs one thread), ``solve_s`` its wall time and ``highs_s`` HiGHS's own wall time.
Prints one JSON line per file and value with the medians, the ratios of each variant to ``without`` (the
target: ``with/without`` at most 1.2 in CPU seconds) and of ``with`` to ``same_prices``, the load average
before and after the file, and every time measured; ``--table`` prints a markdown table of the CPU
medians instead. Default files: the library's 16k NVIDIA site file and the 16k 800G and 400G Broadcom
fabrics; ``--sweep``: the library's 4k, 16k and 128k files (``SWEEP_FILES``, 18 files).
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
#: The library's files of 4k, 16k and 128k GPUs (their names say so).
SWEEP_FILES = tuple(
    str(f.relative_to(ROOT))
    for f in sorted((ROOT / "instances/library").glob("*.yaml"))
    if any(size in f.stem.split("-") for size in ("4k", "16k", "128k"))
)
#: Network headroom per GPU: 4.06 MW at 16,384 GPUs.
HEADROOM_W_PER_GPU = 4.06e6 / 16384
#: Files whose network alone draws more than that get their own: the 3200G what-if's plan draws 6.8 MW.
HEADROOM_W_PER_GPU_BY_FILE = {"rail-fat-tree-16k-3200g-whatif": 8.12e6 / 16384}
TIMED = ("cpu_s", "solve_s", "highs_s")


def variants(
    path: Path, gpu_w: float, gpu_hour_usd: float | list[float], headroom_w_per_gpu: float = HEADROOM_W_PER_GPU
) -> dict[str, Any]:
    """The instances of the module docstring, by name (``with@v`` and ``same_prices@v`` for each value v
    when ``gpu_hour_usd`` is a list; ``with`` and ``same_prices`` when it is one number)."""
    import optimizer
    from optimizer.core.edit import instance_document

    values = gpu_hour_usd if isinstance(gpu_hour_usd, list) else [gpu_hour_usd]
    instance = optimizer.load_instance(path)
    if instance.site is not None:
        document = instance_document(instance)
        document.pop("site")
        without, base = optimizer.load_instance(document, name=str(path)), instance
        own = isinstance(gpu_hour_usd, float | int)
    else:
        gpus = sum(n.count for n in instance.nodes if n.kind == "nic")
        headroom_w_per_gpu = max(headroom_w_per_gpu, HEADROOM_W_PER_GPU_BY_FILE.get(path.stem, 0.0))
        site = {"gpu_w": gpu_w, "gpu_hour_usd": values[0], "it_power_w": gpus * (gpu_w + headroom_w_per_gpu)}
        without, base = instance, instance.with_changes({"site": site})
        own = False
    result: dict[str, Any] = {"without": without, "cap_only": base.with_changes({"site.gpu_hour_usd": 0.0})}
    economics = without.economics
    for v in values:
        with_site = base if own else base.with_changes({"site.gpu_hour_usd": v})
        site_doc = with_site.site.model_dump(exclude_none=True)
        price = economics.electricity_usd_per_kwh + 1000 * site_doc["gpu_hour_usd"] / (
            site_doc["gpu_w"] * economics.pue
        )
        suffix = "" if not isinstance(gpu_hour_usd, list) else f"@{v:g}"
        result["with" + suffix] = with_site
        result["same_prices" + suffix] = without.with_changes({"economics.electricity_usd_per_kwh": price})
    return result


def measure(path: Path, args: argparse.Namespace, values: list[float]) -> list[dict[str, Any]]:
    """Solve the variants of one file alternating; one record per value of a GPU-hour."""
    import optimizer

    options = optimizer.SolveOptions(threads=args.threads, mip_rel_gap=1e-4, time_limit_s=600.0)
    if args.feasibility_jump is not None:
        options = optimizer.SolveOptions(
            threads=args.threads, mip_rel_gap=1e-4, time_limit_s=600.0, feasibility_jump=args.feasibility_jump == "on"
        )
    sweep = len(values) > 1
    instances = variants(path, args.gpu_w, values if sweep else values[0], args.headroom_w_per_gpu)
    times: dict[str, dict[str, list[float]]] = {k: {m: [] for m in TIMED} for k in instances}
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
            assert plan.status == "optimal", (path, label, plan.status)
            objective[label] = float(plan.objective)
    load = [round(x, 2) for x in (*load_before, *os.getloadavg())]
    median = {k: {m: statistics.median(v) for m, v in t.items()} for k, t in times.items()}
    records = []
    for v in values:
        suffix = f"@{v:g}" if sweep else ""
        keys = {"without": "without", "cap_only": "cap_only", "with": "with" + suffix}
        keys["same_prices"] = "same_prices" + suffix
        med = {name: median[key] for name, key in keys.items()}
        records.append(
            {
                "file": path.name,
                "gpu_hour_usd": instances[keys["with"]].site.gpu_hour_usd,
                "repeat": args.repeat,
                "site": instances[keys["with"]].site.model_dump(exclude_none=True),
                "median": med,
                "ratio": {
                    f"{a}/{b}": {m: round(med[a][m] / med[b][m], 3) for m in TIMED}
                    for a, b in (("with", "without"), ("with", "same_prices"), ("cap_only", "without"))
                },
                "load_average": load,
                "objective": {name: objective[key] for name, key in keys.items()},
                "times": {name: times[key] for name, key in keys.items()},
            }
        )
    return records


def table(records: list[dict[str, Any]]) -> str:
    """Markdown rows of the CPU medians (ms) and the ratio with / without, one row per file and value."""
    lines = [
        "| file | USD/GPU-h | without ms | with ms | same_prices ms | cap_only ms | **with / without** | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        m = {k: 1000 * v["cpu_s"] for k, v in r["median"].items()}
        ratio = r["ratio"]["with/without"]["cpu_s"]
        load = f"{r['load_average'][0]:.1f}-{r['load_average'][3]:.1f}"
        lines.append(
            f"| `{r['file'].removesuffix('.yaml')}` | {r['gpu_hour_usd']:g} | {m['without']:.1f} | {m['with']:.1f} "
            f"| {m['same_prices']:.1f} | {m['cap_only']:.1f} | **{ratio:.2f}** | {load} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--sweep", action="store_true", help="the library's 4k, 16k and 128k files")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--gpu-w", type=float, default=1400.0)
    parser.add_argument("--gpu-hour-usd", default="2.5", help="one value or a comma-separated list")
    parser.add_argument("--headroom-w-per-gpu", type=float, default=HEADROOM_W_PER_GPU)
    parser.add_argument("--feasibility-jump", choices=("on", "off"), default=None)
    parser.add_argument("--table", action="store_true")
    args = parser.parse_args()
    values = [float(x) for x in args.gpu_hour_usd.split(",")]
    files = args.files or [str(ROOT / f) for f in (SWEEP_FILES if args.sweep else FILES)]
    records = []
    for f in files:
        for record in measure(Path(f), args, values):
            records.append(record)
            if not args.table:
                print(json.dumps(record), flush=True)
    if args.table:
        print(table(records))


if __name__ == "__main__":
    main()
