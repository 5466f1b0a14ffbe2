"""Property test: on random tiny instances the MILP optimum equals exhaustive enumeration.

The enumeration below is written from the format's definition (instances/README.md) and shares no code with
the model: it takes option attributes from the independent verifier and checks every constraint
itself, over every model choice, switch count and link-count vector.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from helpers import E_PER_W, solve_verified, tiny_catalog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optimizer
from optimizer.core.verify import option_attributes

SWITCH_SMALL = {
    "id": "sw-small",
    "capacity_gbps": 1600,
    "max_ports": 4,
    "max_port_gbps": 400,
    "forms": ["pluggable", "cable"],
    "power_w": 100,
    "cost_usd": 4000,
    "latency_ns": 100,
    "source": "test",
}


@st.composite
def instances(draw: st.DrawFn) -> dict[str, Any]:
    catalog = tiny_catalog()
    catalog["switches"].append(SWITCH_SMALL)
    models = draw(st.lists(st.sampled_from(["sw64", "sw-cpo", "sw-small"]), min_size=1, max_size=3, unique=True))
    if draw(st.booleans()):
        count: Any = 1
    else:
        lo = draw(st.integers(0, 1))
        count = {"min": lo, "max": draw(st.integers(max(lo, 1), 2))}
    nic = {
        "id": "gpu",
        "kind": "nic",
        "count": draw(st.integers(1, 3)),
        "max_port_gbps": draw(st.sampled_from([400, 800])),
    }
    if draw(st.booleans()):
        nic["forms"] = ["pluggable", "cable", "cpo"]
    links = [
        {
            "id": "gpu-leaf",
            "a": "gpu",
            "b": "leaf",
            "length_m": draw(st.sampled_from([2, 10, 40])),
            "demand_gbps": draw(st.sampled_from([0, 400, 800, 1200, 1600, 2400])),
            "uniform": draw(st.booleans()),
        }
    ]
    if draw(st.booleans()):
        links.append(
            {
                "id": "leaf-leaf",
                "a": "leaf",
                "b": "leaf",
                "length_m": draw(st.sampled_from([2, 10])),
                "demand_gbps": 0,
                "count": draw(st.integers(0, 2)),
            }
        )
    inst: dict[str, Any] = {
        "schema_version": 1,
        "name": "prop",
        "catalog": catalog,
        "objective": draw(st.sampled_from(["tco", "capex", "power", "weighted"])),
        "weights": {"capex_usd": 1.0, "power_w": draw(st.sampled_from([0.0, 10.0]))},
        "nodes": [nic, {"id": "leaf", "kind": "switch", "count": count, "models": models}],
        "links": links,
    }
    if draw(st.booleans()):
        inst["paths"] = [
            {
                "id": "rt",
                "via": ["gpu", "leaf", "gpu"],
                "max_latency_ns": draw(st.sampled_from([250, 320, 420, 520, 700])),
            }
        ]
    limits: dict[str, Any] = {}
    if draw(st.booleans()):
        limits["supply"] = {draw(st.sampled_from(["aoc-800", "sr-800", "sw64"])): draw(st.integers(0, 3))}
    if draw(st.booleans()):
        limits["max_power_w"] = draw(st.sampled_from([300.0, 700.0, 2000.0]))
    inst["limits"] = limits
    return inst


def _vectors(n_opts: int, total_max: int, exact: int | None) -> list[tuple[int, ...]]:
    out = []
    for v in itertools.product(range(total_max + 1), repeat=n_opts):
        s = sum(v)
        if (exact is None and s <= total_max) or s == exact:
            out.append(v)
    return out


def brute_force(instance: optimizer.Instance) -> float | None:
    """Best objective over every plan, or None when no plan is feasible."""
    cat = instance.resolved_catalog
    switches = {s.id: s for s in cat.switches}
    tx = {t.id: t for t in cat.transceivers}
    nic, leaf = instance.nodes[0], instance.nodes[1]
    candidates = [c.id for c in cat.cables] + [f"{t}+{u}" for t in tx for u in tx]
    per_group = []
    for link in instance.links:
        opts = []
        for oid in candidates:
            if link.a == link.b and "+" in oid and oid.split("+")[1] < oid.split("+")[0]:
                continue
            attrs = option_attributes(instance, link, oid)
            if isinstance(attrs, dict):
                opts.append((oid, attrs))
        per_group.append(opts)
    k_range = [leaf.count] if isinstance(leaf.count, int) else list(range(leaf.count.min, leaf.count.max + 1))
    e = E_PER_W
    best = None
    for model_id in leaf.models:
        sw = switches[model_id]
        for k in k_range:
            choices = []
            for link, opts in zip(instance.links, per_group, strict=True):
                cap = nic.count * nic.ports if link.a == "gpu" else (k * sw.max_ports) // 2
                choices.append(_vectors(len(opts), cap if link.count is None else link.count, link.count))
            for combo in itertools.product(*choices):
                value = _evaluate(instance, per_group, combo, sw, k, e)
                if value is not None and (best is None or value < best - 1e-9):
                    best = value
    return best


def _evaluate(instance: optimizer.Instance, per_group: list, combo: tuple, sw: Any, k: int, e: float) -> float | None:
    nic = instance.nodes[0]
    power = k * sw.power_w
    capex = k * sw.cost_usd
    used_gbps = used_ports = nic_ports = 0.0
    worst: dict[str, float] = {}
    units: dict[str, int] = {sw.id: k}
    for link, opts, vec in zip(instance.links, per_group, combo, strict=True):
        gbps = 0.0
        used = [(o, a, n) for (o, a), n in zip(opts, vec, strict=True) if n > 0]
        if link.uniform and len(used) > 1:
            return None
        ends_here = 2 if link.a == link.b else 1
        for _, a, n in used:
            gbps += a["speed_gbps"] * n
            power += a["power_w"] * n
            capex += a["cost_usd"] * n
            worst[link.id] = max(worst.get(link.id, 0.0), a["latency_ns"])
            leaf_forms = [a["form_a"], a["form_b"]] if link.a == link.b else [a["form_b"]]
            if any(f not in sw.forms for f in leaf_forms) or a["speed_gbps"] > sw.max_port_gbps:
                return None
            used_gbps += ends_here * a["speed_gbps"] * n
            used_ports += ends_here * n
            if link.a == "gpu":
                nic_ports += n
            for item, per in a["items"].items():
                units[item] = units.get(item, 0) + per * n
        if gbps < link.demand_gbps - 1e-9:
            return None
    if used_gbps > k * sw.capacity_gbps + 1e-9 or used_ports > k * sw.max_ports or nic_ports > nic.count * nic.ports:
        return None
    for path in instance.paths:
        if 2 * worst.get("gpu-leaf", 0.0) + sw.latency_ns > path.max_latency_ns + 1e-9:
            return None
    lim = instance.limits
    if lim.max_power_w is not None and power > lim.max_power_w + 1e-9:
        return None
    if any(units.get(item, 0) > cap for item, cap in lim.supply.items()):
        return None
    mode = instance.objective
    if mode == "tco":
        return capex + power * e
    if mode == "capex":
        return capex
    if mode == "power":
        return power
    return instance.weights.capex_usd * capex + instance.weights.power_w * power


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(instances())
def test_milp_matches_enumeration(data: dict[str, Any]) -> None:
    try:
        instance = optimizer.load_instance(data)
    except optimizer.InstanceError as exc:
        # a group with demand and no surviving option is an input error by contract (clarification 8)
        assert all("no option survives" in i.message for i in exc.issues), str(exc)
        return
    expected = brute_force(instance)
    plan = solve_verified(instance)
    if expected is None:
        assert plan.status == "infeasible", f"enumeration found no plan, MILP says {plan.status} {plan.objective}"
    else:
        assert plan.status == "optimal", f"enumeration found {expected}, MILP says {plan.status}"
        assert math.isclose(plan.objective, expected, rel_tol=1e-7, abs_tol=1e-6)


def test_pruning_never_changes_the_optimum() -> None:
    """Dominated-option pruning on vs off gives the same optimum on every bundled-style case above."""
    catalog = tiny_catalog()
    inst = {
        "schema_version": 1,
        "name": "p",
        "catalog": catalog,
        "nodes": [
            {"id": "gpu", "kind": "nic", "count": 3, "max_port_gbps": 800},
            {"id": "leaf", "kind": "switch", "count": 1, "models": ["sw64", "sw-cpo"]},
        ],
        "links": [{"id": "g", "a": "gpu", "b": "leaf", "length_m": 10, "demand_gbps": 2000}],
        "limits": {"supply": {"aoc-800": 1}},
    }
    on = solve_verified(inst)
    off = solve_verified(inst, prune_dominated=False)
    assert on.objective == pytest.approx(off.objective)
    assert on.solver["columns_pruned"] > 0 and off.solver["columns_pruned"] == 0
