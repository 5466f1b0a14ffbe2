"""Solve every instance in instances/ and rewrite the table in instances/README.md from the real results.

    python scripts/instance_table.py [--threads 1] [--time-limit 120] [--dry-run]

The table sits between the markers ``<!-- instance-table:begin -->`` and ``<!-- instance-table:end -->``.
Per instance: size (GPUs, node / link groups, paths), status, optimum (the instance's objective), solve
time, and what decides it: the chosen option per link tier, the chosen switch model per tier, and any
constraint that binds: the latency budgets, power or capex ceiling and supply limits are each dropped
in turn and the instance re-solved; a constraint "binds" when dropping it lowers the optimum.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import optimizer  # noqa: E402
from optimizer.core.verify import check_plan  # noqa: E402

README = ROOT / "instances" / "README.md"
BEGIN, END = "<!-- instance-table:begin -->", "<!-- instance-table:end -->"
TIER_OF = (("gpu-", "gpu-leaf"), ("leaf-spine", "leaf-spine"), ("spine-core", "spine-core"))


def _tier(group: str) -> str:
    for prefix, tier in TIER_OF:
        if group.startswith(prefix):
            return tier
    return group


def decides(instance: optimizer.Instance, plan: optimizer.Plan, threads: int, time_limit: float) -> str:
    """One line: options per tier (by links), switch models, binding constraints."""
    if plan.totals is None:
        return "; ".join(plan.diagnostics[:2]) or str(plan.status)
    per_tier: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in plan.links.itertuples():
        per_tier[_tier(r.group)][r.option] += int(r.count)
    parts = []
    for tier, options in per_tier.items():
        total = sum(options.values())
        shown = sorted(options.items(), key=lambda kv: -kv[1])
        text = ", ".join(f"{opt} {100 * n / total:.0f}%" if len(shown) > 1 else opt for opt, n in shown[:3])
        parts.append(f"{tier}: {text}")
    parts.append("switches " + ", ".join(f"{r.group} {r.count} x {r.model}" for r in plan.nodes.itertuples()))
    binding = []
    limits = instance.limits
    relaxations = []
    if instance.paths:
        relaxations.append(("latency budgets", {"paths": []}))
    if limits.max_power_w:
        relaxations.append(
            (
                f"power ceiling {limits.max_power_w / 1e6:.3g} MW",
                {"limits": limits.model_copy(update={"max_power_w": None})},
            )
        )
    if limits.max_capex_usd:
        relaxations.append(("capex ceiling", {"limits": limits.model_copy(update={"max_capex_usd": None})}))
    if limits.supply:
        relaxations.append(
            (
                f"supply limits ({', '.join(f'{k} <= {v}' for k, v in limits.supply.items())})",
                {"limits": limits.model_copy(update={"supply": {}})},
            )
        )
    for label, update in relaxations:
        relaxed = instance.model_copy(update=update)
        other = optimizer.solve(relaxed, optimizer.SolveOptions(threads=threads, time_limit_s=time_limit))
        if other.objective is not None and other.objective < plan.objective * (1 - 1e-6):
            verb = "bind" if label.startswith(("latency", "supply")) else "binds"
            binding.append(
                f"{label} {verb}: without {'them' if verb == 'bind' else 'it'} the optimum is {other.objective:,.2f}"
            )
    parts.append("; ".join(binding) if binding else "no latency budget or limit binds (re-solved without)")
    return "; ".join(parts)


def row(path: Path, threads: int, time_limit: float) -> str:
    instance = optimizer.load_instance(path)
    gpus = sum(n.count for n in instance.nodes if n.kind == "nic")
    start = time.perf_counter()
    plan = optimizer.solve(instance, optimizer.SolveOptions(threads=threads, time_limit_s=time_limit))
    wall = time.perf_counter() - start
    violations = check_plan(instance, plan.to_dict()) if plan.totals is not None else []
    status = str(plan.status) + ("" if not violations else f" (VERIFIER: {len(violations)} violations)")
    optimum = "-" if plan.objective is None else f"{plan.objective:,.2f} ({instance.objective})"
    size = f"{gpus:,} GPUs; {len(instance.nodes)} node / {len(instance.links)} link groups, {len(instance.paths)} paths"
    print(f"{path.name}: {status} {optimum} in {wall:.2f} s", file=sys.stderr)
    why = decides(instance, plan, threads, time_limit)
    return f"| `{path.relative_to(ROOT / 'instances')}` | {size} | {status} | {optimum} | {wall:.2f} | {why} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--dry-run", action="store_true", help="Print the table instead of writing README.md.")
    args = parser.parse_args()
    folder = ROOT / "instances"
    files = sorted(folder.glob("*.yaml")) + sorted(
        p for p in (folder / "library").glob("*.yaml") if not p.name.startswith("catalog-")
    )
    header = "| file | size | status | optimum (objective) | wall s | what decides it |\n|---|---|---|---|---|---|"
    rows = [row(p, args.threads, args.time_limit) for p in files]
    from optimizer.core.solve import highs_version

    stamp = (
        f"Solved by `python scripts/instance_table.py` (HiGHS {highs_version()}, threads={args.threads}, "
        f"time limit {args.time_limit:g} s, gap 1e-4; wall time includes building the model)."
    )
    table = f"{BEGIN}\n{stamp}\n\n{header}\n" + "\n".join(rows) + f"\n{END}"
    if args.dry_run:
        print(table)
        return 0
    text = README.read_text(encoding="utf-8")
    if BEGIN in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: table, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + table + "\n"
    README.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
