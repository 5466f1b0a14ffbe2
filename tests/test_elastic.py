"""Infeasible instances are explained by the least change of their limits that admits a plan.

Cases: every bundled and library instance, solved once, then made infeasible by tightening one or two of
its limits below what its optimal plan uses (power and capex caps, supply, path budgets, switch counts,
NIC ports, exact link counts, aggregate bandwidth). For every case the solver proves infeasible, the plan
must name at least one limit with a value, and the instance changed as suggested must solve.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest

from optimizer.core.elastic import elastic_data
from optimizer.core.io import read_document
from optimizer.core.load import load_instance
from optimizer.core.pipeline import solve
from optimizer.core.solve import SolveOptions, SolveStatus
from optimizer.studies.sweep import apply_overrides

ROOT = Path(__file__).resolve().parent.parent


def _instances(folder: Path) -> list[Path]:
    """Instance files of a folder (not the catalogue files some of them name)."""
    return [p for p in sorted(folder.glob("*.yaml")) if "schema_version" in p.read_text(encoding="utf-8")]


BUNDLED = _instances(ROOT / "instances")
LIBRARY = _instances(ROOT / "instances" / "library")
QUICK = ["tiny.yaml", "latency-cpo-1k.yaml", "superpod-su-256.yaml"]
OPTS = SolveOptions(threads=1, time_limit_s=60, mip_rel_gap=1e-6)


def _doc(path: Path) -> dict[str, Any]:
    doc, issues = read_document(path)
    assert not issues
    return doc


def tightened(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(label, document) cases with one or two limits tightened below the instance's optimal plan."""
    doc = _doc(path)
    plan = solve(load_instance(doc, base_dir=path.parent), OPTS)
    assert plan.status == SolveStatus.OPTIMAL, path
    cases: list[tuple[str, dict[str, Any]]] = []

    def case(label: str, change: dict[str, Any]) -> None:
        d = copy.deepcopy(doc)
        for key, value in change.items():
            holder = d
            parts = key.split("/")
            for p in parts[:-1]:
                holder = holder[int(p)] if isinstance(holder, list) else holder.setdefault(p, {})
            holder[parts[-1]] = value
        cases.append((f"{path.stem}:{label}", d))

    t = plan.totals
    assert t is not None
    case("power", {"limits/max_power_w": math.floor(0.6 * t["power_w"])})
    case("capex", {"limits/max_capex_usd": math.floor(0.6 * t["capex_usd"])})
    case(
        "power+capex",
        {
            "limits/max_power_w": math.floor(0.9 * t["power_w"]),
            "limits/max_capex_usd": math.floor(0.9 * t["capex_usd"]),
        },
    )
    transceivers = plan.bom[plan.bom["section"] == "transceivers"].sort_values("units", ascending=False)
    items = list(transceivers["item"])
    if items:
        case("supply", {f"limits/supply/{items[0]}": int(transceivers["units"].iloc[0]) // 2})
    if len(items) >= 2:
        case("supply-two-zero", {f"limits/supply/{items[0]}": 0, f"limits/supply/{items[1]}": 0})
    if items:
        supply = {f"limits/supply/{items[0]}": int(transceivers["units"].iloc[0]) - 1}
        case("supply+power", {**supply, "limits/max_power_w": math.floor(0.95 * t["power_w"])})
    for pi, row in enumerate(plan.paths.itertuples()):
        if pi >= 2:
            break
        index = next(i for i, p in enumerate(doc.get("paths") or []) if p["id"] == row.id)
        case(f"path-{row.id}", {f"paths/{index}/max_latency_ns": round(0.7 * row.latency_ns, 1)})
    for node_row in plan.nodes.itertuples():
        index = next(i for i, n in enumerate(doc["nodes"]) if n["id"] == node_row.group)
        count = doc["nodes"][index]["count"]
        if isinstance(count, dict) and node_row.count >= 2:
            case(
                f"switches-{node_row.group}",
                {f"nodes/{index}/count": {"min": count.get("min", 0), "max": node_row.count // 2}},
            )
            break
    for index, node in enumerate(doc["nodes"]):
        if node.get("kind", "nic") == "nic" and "ports" in node and node["ports"] >= 2:
            case(f"nic-{node['id']}", {f"nodes/{index}/ports": node["ports"] // 2})
            break
    for index, link in enumerate(doc["links"]):
        if link.get("count") and link["count"] >= 2:
            case(f"count-{link['id']}", {f"links/{index}/count": link["count"] * 4})
            break
    for index, bw in enumerate(doc.get("bandwidth") or []):
        case(f"bandwidth-{bw['id']}", {f"bandwidth/{index}/min_gbps": bw["min_gbps"] * 100})
        break
    return cases


def check_case(label: str, doc: dict[str, Any], base_dir: Path) -> bool:
    """Solve a tightened case; if infeasible, check its relaxations restore feasibility. True if infeasible."""
    try:
        instance = load_instance(doc, base_dir=base_dir)
    except Exception:  # a tightening the validator refuses is not a case
        return False
    plan = solve(instance, OPTS)
    if plan.status != SolveStatus.INFEASIBLE:
        return False
    assert plan.relaxations, f"{label}: no relaxation named ({plan.diagnostics}, {plan.solver.get('relaxation_note')})"
    for r in plan.relaxations:
        assert r.text and r.field and r.needed != r.current, (label, r)
    relaxed = apply_overrides(doc, {r.field: r.value for r in plan.relaxations}, {}, base_dir)
    again = solve(load_instance(relaxed, base_dir=base_dir), OPTS)
    assert again.status.has_solution, f"{label}: {[r.text for r in plan.relaxations]} -> {again.status}"
    json_relax = plan.to_dict()["relaxations"]
    assert [x["field"] for x in json_relax] == [r.field for r in plan.relaxations]
    return True


def _run(paths: list[Path]) -> tuple[int, int]:
    tried = infeasible = 0
    for path in paths:
        for label, doc in tightened(path):
            tried += 1
            infeasible += check_case(label, doc, path.parent)
    return tried, infeasible


def test_quick_cases_are_explained_and_the_suggested_change_solves() -> None:
    tried, infeasible = _run([ROOT / "instances" / name for name in QUICK])
    assert infeasible >= 12, (tried, infeasible)


@pytest.mark.slow
def test_bundled_and_library_cases_are_explained_and_the_suggested_change_solves() -> None:
    """At least 50 infeasible cases over every bundled and library instance."""
    tried, infeasible = _run([p for p in BUNDLED if p.name not in QUICK] + LIBRARY)
    print(f"tightened cases: {tried} tried, {infeasible} infeasible (all explained and re-solved)")
    assert infeasible >= 50, (tried, infeasible)


def test_power_cap_names_the_cap_and_the_least_value() -> None:
    """A power cap alone: the relaxation is the cap, at the least power any plan needs (the power optimum)."""
    path = ROOT / "instances" / "superpod-su-256.yaml"
    doc = _doc(path)
    least = solve(load_instance(doc, base_dir=path.parent), SolveOptions(threads=1, objective="power", mip_rel_gap=0))
    assert least.totals is not None
    doc.setdefault("limits", {})["max_power_w"] = 1000
    doc.pop("paths", None)  # the power cap is then the only limit
    plan = solve(load_instance(doc, base_dir=path.parent), SolveOptions(threads=1, mip_rel_gap=0))
    assert plan.status == SolveStatus.INFEASIBLE
    [r] = plan.relaxations
    assert (r.limit, r.field, r.current) == ("max_power_w", "limits.max_power_w", 1000)
    assert r.needed == math.ceil(least.totals["power_w"] - 1e-6)
    assert r.text.startswith("power cap 1,000 W: raise to at least ")


def test_elastic_copy_leaves_the_model_data_alone() -> None:
    from optimizer.core.data import build_data

    d = build_data(load_instance(ROOT / "instances" / "tiny.yaml"))
    before = ([g.n_max for g in d.groups], list(d.col_ub), d.elastic)
    e = elastic_data(d)
    assert e.elastic is not None and d.elastic is None
    assert ([g.n_max for g in d.groups], list(d.col_ub), d.elastic) == before
    assert all(a >= b for a, b in zip(e.col_ub, d.col_ub, strict=True))


def test_feasible_plans_have_no_relaxations() -> None:
    plan = solve(load_instance(ROOT / "instances" / "tiny.yaml"), SolveOptions(threads=1))
    assert plan.status == SolveStatus.OPTIMAL and plan.relaxations == []
    assert "relaxations" not in plan.to_dict()


def test_supply_of_several_items_that_together_cover_a_group() -> None:
    """Supply limits of 0 on every item a group's options use: a pre-solve reason names them together, and
    the relaxation raises at least one of them enough for a plan."""
    doc = _doc(ROOT / "instances" / "tiny.yaml")
    doc.setdefault("limits", {})["supply"] = {"aoc-800": 0, "sr-400": 0, "sr-800": 0}
    plan = solve(load_instance(doc, base_dir=ROOT / "instances"), OPTS)
    assert plan.status == SolveStatus.INFEASIBLE
    assert any("aoc-800, sr-400, sr-800" in r and "together they supply 0" in r for r in plan.diagnostics)
    assert any(r.limit == "supply" and r.needed > 0 for r in plan.relaxations)
    assert check_case("tiny:supply-all-zero", doc, ROOT / "instances")


def test_routed_instance_with_too_few_nic_ports_is_explained() -> None:
    """Routed demands: the routing rows stay hard, the NIC port limits move; the suggested NIC counts solve."""
    from hard_instance import hard_routed_instance

    doc = hard_routed_instance(nodes=8, seed=3)
    for node in doc["nodes"]:
        node["ports"] = 2
    plan = solve(load_instance(doc), OPTS)
    assert plan.status == SolveStatus.INFEASIBLE
    assert plan.relaxations and {r.limit for r in plan.relaxations} == {"nic_ports"}
    assert all(r.field.endswith(".count") and r.value >= 2 for r in plan.relaxations)
    relaxed = apply_overrides(doc, {r.field: r.value for r in plan.relaxations}, {})
    assert solve(load_instance(relaxed), OPTS).status.has_solution
