"""Solve every instance in instances/ and rewrite the table in instances/README.md from the real results.

    python scripts/instance_table.py [--threads 1] [--time-limit 120] [--dry-run]

The table sits between the markers ``<!-- instance-table:begin -->`` and ``<!-- instance-table:end -->``.
Per instance: size (GPUs, node / link groups, paths), status, optimum (the instance's objective), solve
time, the technology mix (share of link ends per technology: dsp, lpo, lro, cpo, and the cable kinds
aoc, aec, acc, dac), the rule that decides between DSP, LPO, CPO and copper, and what decides the plan:
the chosen option per link tier, the chosen switch model per tier, and any constraint that binds: the
latency budgets, power or capex ceiling and supply limits are each dropped in turn and the instance
re-solved; a constraint "binds" when dropping it lowers the optimum.
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


COPPER = ("dac", "acc", "aec")


def technology(item: object) -> str:
    """A catalogue part's technology: a cable's kind; a transceiver's ``technology`` field when the catalogue
    gives one, else cpo for a co-packaged engine, lpo / lro when its id says so, else dsp."""
    kind = getattr(item, "kind", None)
    if kind is not None:
        return str(kind)
    given = getattr(item, "technology", None)
    if given:
        return str(given)
    if getattr(item, "form", None) == "cpo":
        return "cpo"
    ident = str(getattr(item, "id", ""))
    for tech in ("lpo", "lro"):
        if ident.startswith(tech) or f"-{tech}-" in ident:
            return tech
    return "dsp"


def _catalog_items(instance: optimizer.Instance) -> dict[str, object]:
    cat = instance.catalog
    return {i.id: i for section in (cat.transceivers, cat.cables) for i in section}


def mix(instance: optimizer.Instance, plan: optimizer.Plan) -> dict[str, float]:
    """Share of link ends per technology (a cable counts both of its ends)."""
    items = _catalog_items(instance)
    ends: dict[str, float] = defaultdict(float)
    for r in plan.links.itertuples():
        item = items.get(r.option)
        if item is not None and getattr(item, "kind", None):  # a cable: both ends
            ends[technology(item)] += 2 * float(r.count)
            continue
        a, _, b = r.option.partition("+")
        for part in (a, b or a):
            ends[technology(items[part])] += float(r.count)
    total = sum(ends.values()) or 1.0
    return {t: n / total for t, n in sorted(ends.items(), key=lambda kv: (-kv[1], kv[0]))}


def _rules_of(instance: optimizer.Instance, plan: optimizer.Plan) -> dict[str, list[str]]:
    """Support lists of the chosen switch models and named NIC models, when the instance applies them."""
    if getattr(instance, "compatibility", None) is None:
        return {}
    cat = instance.catalog
    models: dict[str, object] = {s.id: s for s in cat.switches}
    models.update({n.id: n for n in getattr(cat, "nics", [])})
    chosen = [r.model for r in plan.nodes.itertuples()]
    chosen += [m for n in instance.nodes if n.kind == "nic" and (m := getattr(n, "model", None))]
    return {m: list(sup) for m in dict.fromkeys(chosen) if (sup := getattr(models.get(m), "supports", None))}


def technology_rule(instance: optimizer.Instance, plan: optimizer.Plan, shares: dict[str, float], why: str) -> str:
    """Which rule decides between DSP, LPO, CPO and copper in this plan: the copper reach, the support lists
    of the chosen switches and NICs (compatibility rules), the LPO reach, twin-port DSP modules in switch cages,
    and the binding constraints found by ``decides``; otherwise price and power (the objective)."""
    items = _catalog_items(instance)
    used = set(shares)
    parts = []
    rows = list(plan.links.itertuples())

    def ends_of(option: str) -> list[object]:
        item = items.get(option)
        if item is not None and getattr(item, "kind", None):
            return [item]
        return [items[p] for p in option.split("+")]

    copper_len = [float(r.length_m) for r in rows if any(technology(e) in COPPER for e in ends_of(r.option))]
    if copper_len:
        kinds = "/".join(t.upper() for t in COPPER if t in used)
        parts.append(f"copper ({kinds}) on every link its reach covers (up to {max(copper_len):g} m): cheapest")
    supports = _rules_of(instance, plan)
    no_lpo = sorted(m for m, sup in supports.items() if "lpo" not in sup and "cpo" not in sup)
    if no_lpo:
        parts.append(f"support lists: no LPO, AOC or AEC on {', '.join(no_lpo)} ({'/'.join(supports[no_lpo[0]])})")
    lpo_reach = max((float(i.reach_m) for i in items.values() if technology(i) == "lpo"), default=0.0)
    dsp_rows = [r for r in rows if any(technology(e) == "dsp" for e in ends_of(r.option))]
    if dsp_rows:
        reasons = []
        if lpo_reach == 0:
            reasons.append("no LPO part in the catalogue")
        elif any(float(r.length_m) > lpo_reach for r in dsp_rows):
            reasons.append(f"beyond LPO's {lpo_reach:g} m reach")
        if any(getattr(e, "ends_per_module", 1) > 1 for r in dsp_rows for e in ends_of(r.option)):
            reasons.append("twin-port DSP modules in switch cages (half a module per end; no twin-port LPO part)")
        if no_lpo:
            reasons.append("LPO not supported")
        if not reasons:
            reasons.append("the only allowed optics" if "lpo" not in used else "cheaper here")
        parts.append("DSP: " + "; ".join(reasons))
    if "lpo" in used:
        parts.append("LPO over DSP within 500 m: cheaper and lower power, and the chosen switches and NICs take it")
    if "latency budgets bind" in why and used & {"lpo", "cpo", "lro"}:
        parts.append("latency budgets force linear/CPO optics")
    if "power ceiling" in why:
        parts.append("the power ceiling trades capex for watts")
    if "supply limits" in why:
        parts.append("supply limits cap CPO")
    if "facility limits bind" in why:
        parts.append("the hall (switch-rack power, liquid cooling) trades capex for watts in the switch racks")
    if "cpo" in used and "power ceiling" not in why and "facility limits bind" not in why:
        cpo_models = sorted({r.model for r in plan.nodes.itertuples() if "cpo" in str(r.model)})
        parts.append(f"CPO: {', '.join(cpo_models) or 'a CPO switch'} gives the lowest objective in its tier")
    if "aoc" in used:
        parts.append("AOC below any module pair's price up to its 30 m reach")
    return "; ".join(parts) or "-"


def mix_text(shares: dict[str, float]) -> str:
    return ", ".join(f"{t} {100 * v:.0f}%" for t, v in shares.items() if v >= 0.005) or "-"


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
    if instance.facility is not None:
        relaxations.append(("facility limits", {"facility": None}))
    for label, update in relaxations:
        relaxed = instance.model_copy(update=update)
        other = optimizer.solve(relaxed, optimizer.SolveOptions(threads=threads, time_limit_s=time_limit))
        if other.objective is not None and other.objective < plan.objective * (1 - 1e-6):
            verb = "bind" if label.startswith(("latency", "supply", "facility")) else "binds"
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
    shares = mix(instance, plan) if plan.totals is not None else {}
    rule = technology_rule(instance, plan, shares, why) if plan.totals is not None else "-"
    return (
        f"| `{path.relative_to(ROOT / 'instances')}` | {size} | {status} | {optimum} | {wall:.2f} | "
        f"{mix_text(shares)} | {rule} | {why} | {facility_cells(plan)} |"
    )


def facility_cells(plan: optimizer.Plan) -> str:
    """The switch-racks and fibres cells of a plan whose instance has a facility section ("-" otherwise)."""
    f = plan.facility
    if f is None:
        return "- | -"
    racks = f"{f['switch_racks']:,} ({f['switch_racks_by_space']:,} by space, {f['switch_racks_by_power']:,} by power)"
    return f"{racks} | {f['fibres']:,}"


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
    header = (
        "| file | size | status | optimum (objective) | wall s | technology mix (link ends) | "
        "DSP / LPO / CPO / copper decided by | what decides it | switch racks (facility) | fibres (facility) |"
        "\n|---|---|---|---|---|---|---|---|---|---|"
    )
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
