"""Share of CPO link ends in the 16k and 131k library plans, under electricity-only economics and under a
site envelope (each network watt also priced at the GPU capacity it displaces).

    python scripts/cpo_share.py [--gpu-hour-usd 2.5] [--gpu-w 1400] [--threads 1]

Per file: the plan's link ends per technology (``optimizer.core.mix``), the CPO share of the optical ends
(DSP, LPO, LRO and CPO transceivers and AOC cables; copper ends are not optical) and of all ends, once as the
file is and once with ``site: {gpu_w, gpu_hour_usd}`` added (no IT power cap: the value only; a file that
already has a site section keeps it for the first solve). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import optimizer  # noqa: E402
from optimizer.core.mix import plan_mix  # noqa: E402

LIBRARY = ROOT / "instances" / "library"
OPTICAL = ("dsp", "lpo", "lro", "cpo", "aoc")
FILES = (
    "rail-fat-tree-16k-400g",
    "rail-fat-tree-16k-800g",
    "rail-fat-tree-16k-800g-nvidia",
    "rail-only-16k-800g",
    "latency-critical-16k-800g",
    "cpo-capped-16k-400g",
    "power-capped-hall-16k-800g",
    "rail-fat-tree-16k-3200g-whatif",
    "rail-fat-tree-128k-400g",
    "rail-fat-tree-128k-800g",
)


def cpo_share(instance: optimizer.Instance, threads: int) -> tuple[str, float, float, str]:
    """(status, CPO share of optical ends, CPO share of all ends, mix label) of the instance's optimal plan."""
    plan = optimizer.solve(instance, optimizer.SolveOptions(threads=threads, mip_rel_gap=1e-4, time_limit_s=120.0))
    if plan.status != "optimal":
        return plan.status, float("nan"), float("nan"), "-"
    counts, _, label = plan_mix(plan, instance.resolved_catalog)
    optical = sum(counts[t] for t in OPTICAL)
    total = sum(counts.values())
    return plan.status, counts["cpo"] / optical if optical else 0.0, counts["cpo"] / total if total else 0.0, label


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu-hour-usd", type=float, default=2.5)
    parser.add_argument("--gpu-w", type=float, default=1400.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    site = {"gpu_w": args.gpu_w, "gpu_hour_usd": args.gpu_hour_usd}
    print(
        f"| file | electricity only: CPO of optical ends (of all ends) | mix | site {args.gpu_hour_usd:g} USD/GPU-h, "
        f"{args.gpu_w:g} W/GPU: CPO of optical ends (of all ends) | mix |"
    )
    print("|---|---|---|---|---|")
    for name in FILES:
        instance = optimizer.load_instance(LIBRARY / f"{name}.yaml")
        cells = []
        for inst in (instance, instance.with_changes({"site": site})):
            status, optical, total, label = cpo_share(inst, args.threads)
            cells += [f"{100 * optical:.1f} % ({100 * total:.1f} %)" if status == "optimal" else status, label]
        print(f"| `{name}` | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
