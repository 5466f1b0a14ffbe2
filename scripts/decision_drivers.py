"""Measure which catalogue figures decide the optics technology of the library's 16k fabrics.

    python scripts/decision_drivers.py [--out optimizer/core/catalog/drivers.json]

For each instance of ``INSTANCES`` the script solves the file as it is and records the technology of
every link group (the set of end technologies: cpo, lpo, lro, dsp, or a cable kind). Then it moves one
figure at a time away from its value, outwards in both directions over the steps of ``SCAN`` (a price
factor, a CPO switch premium or an electricity price), and stops at the first step where some link
group's technology changes. That bracket is bisected by ``optimizer.breakeven`` (the same call as the
``optimizer breakeven`` command, with its defaults: 5 scanned values, tolerance 1e-3 of the range,
threads 1, gap 1e-4, 60 s per solve), watching the group that changed. The figures moved:

- ``catalog.<id>.cost_usd`` of every transceiver and cable that some link option of the instance uses
  (options before dominance pruning), as a factor of its value (x0.5 .. x2);
- ``catalog.cpo-*.cost_usd``: every CPO engine at once, as a factor (x0.1 .. x2);
- ``catalog.<id>.cpo_premium_fraction`` of every CPO switch some switch group may take (-0.9 .. 1);
- ``economics.electricity_usd_per_kwh`` (0 .. 3.2), the price of a watt under electricity-only economics.

Every break-even found is written to the data file that ``optimizer catalog`` reads (its ``decides``
column marks a figure whose break-even lies within a factor of 2 of its value, or within 0.5 of a
premium), with the ``optimizer breakeven`` command that reproduces it. A figure with no step that
changes a technology is recorded with ``value: null`` (nothing flips within the scanned band).
Takes several minutes on one core.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import optimizer  # noqa: E402
from optimizer.core.catalog import CatalogIndex, technology  # noqa: E402
from optimizer.core.data import build_data  # noqa: E402
from optimizer.core.io import read_document  # noqa: E402
from optimizer.studies.sweep import apply_overrides, breakeven  # noqa: E402

INSTANCES = [
    "instances/library/rail-fat-tree-16k-400g.yaml",
    "instances/library/rail-fat-tree-16k-800g.yaml",
    "instances/library/rail-only-16k-800g.yaml",
    "instances/library/latency-critical-16k-800g.yaml",
    "instances/library/rail-fat-tree-16k-3200g-whatif.yaml",
    "instances/library/superpod-x800-4608-800g.yaml",
    "instances/library/rail-fat-tree-16k-800g-nvidia.yaml",
]
OUT = ROOT / "optimizer" / "core" / "catalog" / "drivers.json"
OPTIONS = optimizer.SolveOptions(threads=1, mip_rel_gap=1e-4, time_limit_s=60.0)

#: Steps outwards from the base value, nearest first: (relative?, steps up, steps down).
SCAN: dict[str, tuple[bool, list[float], list[float]]] = {
    "cost_usd": (True, [1.1, 1.25, 1.5, 2.0], [0.9, 0.8, 0.67, 0.5]),
    "engines": (True, [1.25, 1.5, 2.0], [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]),
    "cpo_premium_fraction": (False, [0.2, 0.5, 1.0], [0.05, 0.0, -0.1, -0.2, -0.3, -0.5, -0.7, -0.9]),
    "electricity_usd_per_kwh": (False, [0.12, 0.2, 0.4, 0.8, 1.6, 3.2], [0.04, 0.0]),
}


def _tech_of(index: CatalogIndex, option_id: str) -> frozenset[str]:
    if option_id in index.cables:
        return frozenset([index.cables[option_id].kind])
    return frozenset(technology(index.transceivers[part]) for part in option_id.split("+"))


def signature(document: Mapping[str, Any], base_dir: Path) -> tuple[dict[str, str], float | None]:
    """(technologies per link group, objective) of the optimal plan of a document."""
    inst = optimizer.load_instance(dict(document), base_dir=base_dir)
    plan = optimizer.solve(inst, OPTIONS)
    index = CatalogIndex.of(inst.resolved_catalog)
    techs: dict[str, set[str]] = {}
    for r in plan.links.itertuples():
        if float(r.count) > 0:
            techs.setdefault(str(r.group), set()).update(_tech_of(index, str(r.option)))
    return {g: "/".join(sorted(t)) for g, t in techs.items()}, plan.objective


def parameters(document: Mapping[str, Any], base_dir: Path) -> list[tuple[str, str, float, list[str]]]:
    """(path, scan kind, base value, catalogue ids it moves that the instance can use) of every figure the
    script moves for this instance."""
    inst = optimizer.load_instance(dict(document), base_dir=base_dir)
    data = build_data(inst, prune=False)
    index = CatalogIndex.of(inst.resolved_catalog)
    items = sorted({item for opt in data.col_option for item, _ in opt.items})
    out: list[tuple[str, str, float, list[str]]] = []
    for item in items:
        entry = index.transceivers.get(item) or index.cables.get(item)
        if entry is not None:
            out.append((f"catalog.{item}.cost_usd", "cost_usd", entry.cost_usd, [item]))
    engines = [i for i in items if i in index.transceivers and i.startswith("cpo-")]
    if engines:
        out.append(("catalog.cpo-*.cost_usd", "engines", 1.0, engines))
    for model in sorted(set(data.choice_model)):
        switch = index.switches[model]
        if "cpo" in switch.forms:
            path = f"catalog.{model}.cpo_premium_fraction"
            out.append((path, "cpo_premium_fraction", switch.cpo_premium_fraction, [model]))
    price = inst.economics.electricity_usd_per_kwh
    out.append(("economics.electricity_usd_per_kwh", "electricity_usd_per_kwh", price, []))
    return out


def _changed(base: dict[str, str], other: dict[str, str]) -> list[str]:
    """The link groups whose technology differs."""
    return [g for g in sorted(set(base) | set(other)) if base.get(g) != other.get(g)]


def _range(lo: float, hi: float, relative: bool) -> str:
    return f"{'x' if relative else ''}{lo:g}:{hi:g}"


def measure(file: str) -> list[dict[str, Any]]:
    path = ROOT / file
    document, issues = read_document(path)
    if issues or not isinstance(document, dict):
        raise SystemExit(f"{file}: cannot read")
    base_dir = path.parent
    base, _ = signature(document, base_dir)
    index = CatalogIndex.of(optimizer.load_instance(dict(document), base_dir=base_dir).resolved_catalog)
    rows: list[dict[str, Any]] = []
    for param, kind, value, moved in parameters(document, base_dir):
        relative, ups, downs = SCAN[kind]
        start = 1.0 if relative else value
        found: list[dict[str, Any]] = []
        for direction, steps in (("up", [s for s in ups if s > start]), ("down", [s for s in downs if s < start])):
            previous = start
            for step in steps:
                doc = apply_overrides(document, {param: step}, {param: relative}, base_dir)
                techs, _ = signature(doc, base_dir)
                groups = _changed(base, techs)
                if not groups:
                    previous = step
                    continue
                lo, hi = sorted((previous, step))
                nearest: dict[str, Any] | None = None
                for group in groups:  # each changed group's own break-even; the nearest to the base is kept
                    result = breakeven(
                        document, param, lo, hi, group, relative=relative, base_dir=base_dir, options=OPTIONS
                    )
                    crossing = [
                        f
                        for f in result.flips
                        if _techs_of_choice(index, f.choice_below) != _techs_of_choice(index, f.choice_above)
                    ]
                    if not crossing:
                        continue
                    flip = crossing[0] if direction == "up" else crossing[-1]
                    if nearest is not None and abs(flip.value - start) >= abs(nearest["value"] - start):
                        continue
                    nearest = {
                        "direction": direction,
                        "value": round(flip.value, 6),
                        "below": round(flip.below, 6),
                        "above": round(flip.above, 6),
                        "group": group,
                        "from": _label(index, flip.choice_below if direction == "up" else flip.choice_above),
                        "to": _label(index, flip.choice_above if direction == "up" else flip.choice_below),
                        "choice_below": flip.choice_below,
                        "choice_above": flip.choice_above,
                        # the catalogue ids the figure moves that the plans on either side use (a glob
                        # moves every engine; only those in the flip decide it)
                        "items": [i for i in moved if i in _parts(flip.choice_below) | _parts(flip.choice_above)]
                        if len(moved) > 1
                        else moved,
                        "command": (
                            f"optimizer breakeven {file} --param '{param}' --range {_range(lo, hi, relative)} "
                            f"--group {group}"
                        ),
                    }
                if nearest is not None:
                    found.append(nearest)
                break
        item = param.split(".")[1] if param.startswith("catalog.") else None
        row = {
            "instance": file,
            "parameter": param,
            "item": item,
            "items": moved,
            "field": param.rsplit(".", 1)[1],
            "relative": relative,
            "base": value,
            "breakevens": found,
        }
        rows.append(row)
        summary = ", ".join(f"{b['direction']} {b['value']:g} ({b['group']}: {b['from']} -> {b['to']})" for b in found)
        print(f"{file}: {param}: {summary or 'no technology change in the scanned band'}", flush=True)
    return rows


def _techs_of_choice(index: CatalogIndex, choice: str) -> frozenset[str]:
    """Technologies of a break-even choice text such as 'aoc-800 x12 | lpo-dr-800+cpo-dr-800 x1024'."""
    techs: set[str] = set()
    for part in choice.split(" | "):
        option = part.rsplit(" x", 1)[0].strip()
        if option in index.cables or "+" in option:
            techs |= _tech_of(index, option)
    return frozenset(techs)


def _parts(choice: str) -> set[str]:
    """Catalogue ids in a break-even choice text."""
    return {p for part in choice.split(" | ") for p in part.rsplit(" x", 1)[0].strip().split("+")}


def _label(index: CatalogIndex, choice: str) -> str:
    return "/".join(sorted(_techs_of_choice(index, choice)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", default=None, help="Only instances whose path contains this text.")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for file in INSTANCES:
        if args.only and args.only not in file:
            continue
        rows += measure(file)
    payload = {
        "description": (
            "Measured break-evens of catalogue figures on library fabrics: the value at which a link group's "
            "optics technology changes, each with the optimizer breakeven command that reproduces it. "
            "Regenerate with: python scripts/decision_drivers.py"
        ),
        "solve": {"threads": 1, "mip_rel_gap": 1e-4, "time_limit_s": 60.0},
        "instances": [f for f in INSTANCES if not args.only or args.only in f],
        "figures": rows,
    }
    args.out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(rows)} figures, {sum(len(r['breakevens']) for r in rows)} break-evens")


if __name__ == "__main__":
    main()
