"""Property test: on random tiny instances the MILP optimum equals exhaustive enumeration.

The format-v1 enumeration below is written from the format's definition (instances/README.md) and shares no
code with the model: it takes option attributes from the independent verifier and checks every constraint
itself, over every model choice, switch count and link-count vector.

The compatibility and reliability extensions are enumerated by ``ext_enumeration``, written from the
sections "Compatibility rules" and "Reliability" alone (it reads the instance mapping, never the planner's or
the verifier's code): every random instance is compared in status and objective, and every plan's own
decisions are re-evaluated (objective, every reliability figure, the spares priced and stocked per failure
mode, the protocol its fabric runs), so a field that is accepted but not read shows up as a difference.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
from typing import Any

import pytest
from ext_enumeration import Enumerator, Result, sample
from helpers import E_PER_W, solve_verified, tiny_catalog, tiny_instance
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optimizer
from optimizer.core.verify import check_plan, option_attributes

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


@st.composite
def counted_instances(draw: st.DrawFn) -> dict[str, Any]:
    """As ``instances``, with exact link counts: the reductions that read counts (options no plan can use at
    the count, demand and NIC rows the count rows imply, forms rows the tightening implies) take effect."""
    inst = draw(instances())
    fewest = math.ceil(inst["links"][0]["demand_gbps"] / 800)  # links at the fastest speed of the catalogue
    tight = draw(st.booleans())
    inst["links"][0]["count"] = max(1, fewest + draw(st.integers(0, 1))) if tight else draw(st.integers(1, 4))
    if len(inst["links"]) > 1:
        inst["links"][1]["demand_gbps"] = draw(st.sampled_from([0, 400, 800, 1600]))
    return inst


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(counted_instances())
def test_milp_matches_enumeration_with_exact_counts(data: dict[str, Any]) -> None:
    test_milp_matches_enumeration.hypothesis.inner_test(data)  # type: ignore[attr-defined]


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


# ------------------------------------------------------------------- compatibility and reliability extensions

#: instance families: (compatibility section, reliability section)
FAMILIES = {"compat": (True, False), "reliability": (False, True), "both": (True, True)}
SEEDS_PER_FAMILY = 100
#: explicit failure domains on cable and switch modes, with and without the compatibility section
EXPLICIT = [(kind, compat) for kind in ("cable", "switch") for compat in (False, True)]
SEEDS_EXPLICIT = 40
#: plan.json reliability figures and the enumeration's names for them
FIGURES = {
    "failures_per_year": "failures",
    "flaps_per_year": "flaps",
    "links_down_per_year": "links_down",
    "interruptions_per_day": "interruptions_per_day",
    "lost_gpu_hours_per_year": "lost_gpu_h",
    "availability": "availability",
    "downtime_usd": "downtime",
    "spares_capex_usd": "spares_capex",
}


@functools.cache
def _solved(seed: int, compat: bool, reliability: bool, explicit: str = "") -> tuple[dict, Result, Any, list[str]]:
    """The instance, its enumeration, the plan (None when the loader refuses the instance), and the problems
    found: a refusal the doc does not predict or the reverse, and what the independent verifier finds wrong
    with the plan."""
    data, result = sample(seed, compat=compat, reliability=reliability, explicit=explicit)
    try:
        instance = optimizer.load_instance(copy.deepcopy(data))
    except optimizer.InstanceError as exc:
        problems = [] if result.input_error else [f"input error {exc}, the doc predicts none (best {result.best})"]
        return data, result, None, problems
    if result.input_error:
        return data, result, None, [f"accepted, but the doc predicts an input error: {result.input_error}"]
    plan = optimizer.solve(instance, optimizer.SolveOptions(threads=1, mip_rel_gap=0.0, time_limit_s=60.0))
    violations = check_plan(instance, plan.to_dict())
    return data, result, plan, [f"optimizer.verify: {v.where}: {v.message}" for v in violations]


def _decisions(plan: optimizer.Plan) -> tuple[list[tuple[str, str, int]], str, int]:
    d = plan.to_dict()
    (node,) = d["nodes"]
    return [(r["group"], r["option"], int(r["count"])) for r in d["links"]], node["model"], int(node["count"])


def _check_against_enumeration(data: dict, result: Result, plan: optimizer.Plan | None, problems: list[str]) -> None:
    assert problems == [], "; ".join(problems)
    if plan is None:
        return  # refused at load time, as the doc predicts (checked in _solved)
    if result.best is None:
        assert plan.status == "infeasible", f"no plan meets the rules, the planner says {plan.status} {plan.objective}"
        return
    assert plan.status == "optimal", f"enumeration optimum {result.best}, the planner says {plan.status}"
    assert plan.objective is not None
    assert math.isclose(plan.objective, result.best, rel_tol=1e-6, abs_tol=1e-6), (
        f"enumeration optimum {result.best}, the planner's {plan.objective}"
    )
    enum = Enumerator(data)
    figures, speak = enum.plan_figures(*_decisions(plan))
    assert figures is not None, "the plan's decisions break a rule of the doc"
    assert speak or "compatibility" not in data, "no protocol is spoken by every part of the plan's fabric"
    assert math.isclose(enum.objective(figures), plan.objective, rel_tol=1e-6, abs_tol=1e-6)
    if "reliability" in data:
        assert plan.reliability is not None
        stated = {key: plan.reliability[key] for key in FIGURES}
        expected = {key: figures[name] for key, name in FIGURES.items()}
        for key in FIGURES:
            assert math.isclose(stated[key], expected[key], rel_tol=1e-6, abs_tol=1e-9), (
                f"reliability.{key}: plan {stated[key]}, doc {expected[key]}"
            )
        _check_spares_stock(enum, figures, plan.reliability)


def _check_spares_stock(enum: Enumerator, figures: dict[str, Any], stated: dict[str, Any]) -> None:
    """The bill of materials' spares: one row per failure mode the plan uses, its failing units, the spares
    priced (each group's quantile shared out per link, or the factor rule) and their capex, the whole spares
    stocked (the pooled Poisson quantile at the service level, or the factor rule's need rounded up), their
    price and, under the service level, the chance that they cover one lead time."""
    rows = {r["mode"]: r for r in stated["spares"]}
    assert set(rows) == set(figures["mode_units"]), f"spares rows {sorted(rows)}, modes used {figures['mode_units']}"
    stock_usd = 0.0
    for mode, units in figures["mode_units"].items():
        row, stock = rows[mode], figures["stock"][mode]
        assert math.isclose(row["units"], units, rel_tol=1e-9), f"{mode}: units {row['units']}, doc {units}"
        assert row["spares"] == stock, f"{mode}: {row['spares']} spares stocked, the doc's rule gives {stock}"
        need = figures["mode_need"][mode]
        assert math.isclose(row["spares_needed"], need, rel_tol=1e-6, abs_tol=1e-9), f"{mode}: spares priced"
        assert math.isclose(row["capex_usd"], need * row["spare_cost_usd"], rel_tol=1e-6, abs_tol=1e-9), mode
        assert math.isclose(row["spare_cost_usd"], enum.spare_price[mode], rel_tol=1e-12), f"{mode}: spare price"
        stock_usd += stock * row["spare_cost_usd"]
        if enum.factor is None:
            mu = units * enum.fit(mode) / 1e9 * enum.lead_h
            cover = sum(math.exp(-mu) * mu**j / math.factorial(j) for j in range(stock + 1))
            assert math.isclose(row["service_level"], cover, rel_tol=1e-9), f"{mode}: service level"
            assert cover >= enum.level, f"{mode}: {stock} spares cover a lead time with probability {cover}"
    assert math.isclose(stated["spares_stock_capex_usd"], stock_usd, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("seed", range(SEEDS_PER_FAMILY))
@pytest.mark.parametrize("family", list(FAMILIES))
def test_extensions_match_enumeration(family: str, seed: int) -> None:
    """Random tiny instances with a ``compatibility`` section, a ``reliability`` section (failure modes with
    explicit domains on transceivers), or both: status, optimum and the plan's figures as the doc defines them."""
    compat, reliability = FAMILIES[family]
    _check_against_enumeration(*_solved(seed, compat, reliability))


@pytest.mark.parametrize("seed", range(SEEDS_EXPLICIT))
@pytest.mark.parametrize(("kind", "compat"), EXPLICIT, ids=[f"{k}-{'compat' if c else 'v1'}" for k, c in EXPLICIT])
def test_reliability_explicit_domains_against_enumeration(kind: str, compat: bool, seed: int) -> None:
    """`domain_ends` / `repair_domain_ends` on cable and switch failure modes override the defaults (a cable's
    one link, a switch's max_ports): links down, down link-hours, lost GPU-hours and the optimum follow them."""
    _check_against_enumeration(*_solved(seed, compat, True, kind))


@pytest.mark.parametrize("seed", range(SEEDS_PER_FAMILY))
@pytest.mark.parametrize("family", ["compat", "both"])
def test_fabric_protocol_report_against_enumeration(family: str, seed: int) -> None:
    """plan.json ``fabrics``: the protocol the fabric runs is the one every NIC group, the chosen model and every
    part used speak, within the instance's ``protocol``; both (as a list) only when nothing restricts it."""
    data, _, plan, _ = _solved(seed, *FAMILIES[family])
    if plan is None or plan.status != "optimal":
        return
    _, speak = Enumerator(data).plan_figures(*_decisions(plan))
    assert speak, "the plan's fabric has no protocol that every part of it speaks"
    assert plan.fabrics is not None
    assert [f["protocol"] for f in plan.fabrics] == [speak[0] if len(speak) == 1 else speak]


def test_extension_families_are_varied() -> None:
    """The random instances reach every outcome: optimal, infeasible and refused at load time, and plans that
    use twin-port modules, breakouts, failure modes with explicit domains, NIC port modes (generic and of a
    catalogue NIC), modes that fail in place, a group's own job stop share, and spares to a service level and
    by the factor rule."""
    outcomes: dict[str, int] = {}

    def seen(outcome: str) -> None:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    for compat, reliability in FAMILIES.values():
        for seed in range(SEEDS_PER_FAMILY):
            data, _, plan, _ = _solved(seed, compat, reliability)
            outcome = "refused" if plan is None else plan.status
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if plan is not None and plan.status == "optimal":
                used = set(plan.links.option) if len(plan.links) else set()
                parts = {p for o in used for p in o.split("+")}
                cat = data["catalog"]
                if any(t.get("ends_per_module", 1) > 1 for t in cat["transceivers"] if t["id"] in parts):
                    outcomes["twin-port"] = outcomes.get("twin-port", 0) + 1
                if any(c.get("links_per_cable", 1) > 1 for c in cat["cables"] if c["id"] in parts):
                    outcomes["breakout"] = outcomes.get("breakout", 0) + 1
                rows = cat.get("reliability", []) if reliability else []
                if any("domain_ends" in r and r["item"] in parts for r in rows):
                    outcomes["explicit domain"] = outcomes.get("explicit domain", 0) + 1
                if not reliability:
                    continue
                enum = Enumerator(data)
                figures, _ = enum.plan_figures(*_decisions(plan))
                assert figures is not None
                used = {enum.rows[m]["item"]: enum.rows[m] for m in figures["mode_units"]}
                for item in ("nic", "n0"):
                    if item in used:
                        seen(f"{item} mode")
                if {"nic", "n0"} & set(used) and any(r["group"] == "gpu-gpu" for r in plan.to_dict()["links"]):
                    seen("nic to nic")
                if any(r["repair"] == "fail_in_place" for r in used.values()):
                    seen("fail in place")
                if any("job_stop_fraction" in g for g in data["links"]) and figures["failures"] > 0:
                    seen("own job stop share")
                if any(figures["stock"].values()):
                    seen("factor spares" if enum.factor is not None else "service-level spares")
    wanted = ["optimal", "infeasible", "refused", "twin-port", "breakout", "explicit domain", "nic mode", "n0 mode"]
    wanted += ["fail in place", "own job stop share", "service-level spares", "factor spares", "nic to nic"]
    for outcome in wanted:
        assert outcomes.get(outcome, 0) >= 5, outcomes


def _domain_case(
    models: list[str],
    rows: list[dict[str, Any]],
    reliability: dict[str, Any] | None = None,
    link: dict[str, Any] | None = None,
    nic: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """4 GPUs on one switch (a model of ``models``) over 4 DACs of 2 m (100 USD, 1 W each); one failure costs a
    restart of 1 GPU for 0.25 h, and every link down idles 1 GPU until it is repaired; no spares unless
    ``reliability`` says otherwise. A row's repair defaults to its mode's name; ``link`` adds fields to the link
    group; ``nic`` is a catalogue NIC the NIC group then names (its count: 4 ports over the NIC's ports)."""
    src = "hand-computed case"
    rows = [{"repair": r["mode"], **r, "source": src} for r in rows]
    switches = [
        {"id": "sw-a", "capacity_gbps": 51200, "max_ports": 64, "cost_usd": 10000},
        {"id": "sw-b", "capacity_gbps": 12800, "max_ports": 16, "cost_usd": 10002},
    ]
    return {
        "schema_version": 1,
        "name": "domain-case",
        "objective": "tco",
        "reliability": {
            "gpu_hour_usd": 1.0,
            "restart_h": 0.25,
            "idle_gpus_per_lost_link": 1,
            "spares_factor": 0,
            "gpus_per_interruption": 1,
            **(reliability or {}),
        },
        "catalog": {
            "media": [{"id": "smf", "cost_usd_per_m": 0, "latency_ns_per_m": 5, "source": src}],
            "transceivers": [],
            "cables": [
                {
                    "id": "dac-800",
                    "kind": "dac",
                    "speed_gbps": 800,
                    "power_w": 1,
                    "cost_usd": 100,
                    "reach_m": 3,
                    "latency_ns": 0,
                    "source": src,
                }
            ],
            "switches": [
                {
                    **s,
                    "max_port_gbps": 800,
                    "forms": ["pluggable", "cable"],
                    "power_w": 500,
                    "latency_ns": 100,
                    "source": src,
                }
                for s in switches
                if s["id"] in models
            ],
            "reliability": rows,
            **({"nics": [{**nic, "source": src}]} if nic else {}),
        },
        "nodes": [
            {"id": "gpu", "kind": "nic", "count": 4, "max_port_gbps": 800}
            if nic is None
            else {"id": "gpu", "kind": "nic", "count": 4 // nic["ports"], "model": nic["id"]},
            {"id": "leaf", "kind": "switch", "count": 1, "models": models},
        ],
        "links": [
            {"id": "gpu-leaf", "a": "gpu", "b": "leaf", "length_m": 2, "demand_gbps": 3200, "count": 4, **(link or {})}
        ],
    }


SW_A = {"id": "sw-a.switch", "item": "sw-a", "mode": "switch", "fit": 1000, "mttr_h": 10}
SW_B = {"id": "sw-b.switch", "item": "sw-b", "mode": "switch", "fit": 1000, "mttr_h": 10}
NIC_PORT = {"id": "nic.port", "item": "nic", "mode": "port", "repair": "nic", "fit": 1000, "mttr_h": 10}
NIC_A = {"id": "nic-a", "ports": 2, "max_port_gbps": 800, "power_w": 20, "cost_usd": 1000}
DAC = {"id": "dac-800.cable", "item": "dac-800", "mode": "cable", "fit": 1000, "mttr_h": 10}


@pytest.mark.parametrize(
    ("case", "optimum"),
    [
        # sw-a's mode: a failure takes 8 ports (domain_ends 8), repair domain 8 by default. f = 1,000e-9 x 8,766
        # = 0.008766/yr; down link-hours r = 0.008766 x 8 x 10 h = 0.70128; lost GPU-hours = f x 1 x 0.25 + r x 1
        # = 0.7034715; downtime 5 years x 1 USD x 0.7034715 = 3.5173575. sw-b (16 ports by default): r = 1.40256,
        # downtime 7.0237575 and 2 USD dearer, so sw-a: 4 x 100 + 10,000 + 504 W x 4.55832 + 3.5173575.
        (_domain_case(["sw-a", "sw-b"], [{**SW_A, "domain_ends": 8}, SW_B]), 12700.9106375),
        # the DAC's mode takes 2 links (domain_ends 2), the switch has no mode: per link f = 0.008766, r = 0.008766
        # x 2 x 10 = 0.17532; 4 links: lost = 4 x 0.008766 x 0.25 + 4 x 0.17532 = 0.710046 GPU-hours, downtime
        # 3.55023: 400 + 10,000 + 504 x 4.55832 + 3.55023.
        (
            _domain_case(
                ["sw-a"],
                [
                    {
                        "id": "dac-800.cable",
                        "item": "dac-800",
                        "mode": "cable",
                        "fit": 1000,
                        "domain_ends": 2,
                        "mttr_h": 10,
                    }
                ],
            ),
            12700.94351,
        ),
        # domain 8, repair domain 16: r = 0.008766 x 16 x 10 = 1.40256; lost = 0.0021915 + 1.40256 = 1.4047515,
        # downtime 7.0237575: 400 + 10,000 + 504 x 4.55832 + 7.0237575.
        (_domain_case(["sw-a"], [{**SW_A, "domain_ends": 8, "repair_domain_ends": 16}]), 12704.4170375),
    ],
    ids=["switch-domain", "cable-domain", "switch-repair-domain"],
)
def test_enumeration_reproduces_hand_computed_domains(case: dict[str, Any], optimum: float) -> None:
    """The extension enumeration's reliability arithmetic against optima computed by hand."""
    result = Enumerator(case).run()
    assert result.best == pytest.approx(optimum, rel=1e-12)


# Below: the base plan of ``_domain_case`` costs 4 x 100 + 10,000 + 504 W x 4.55832 USD/W = 12,697.39328 USD;
# every figure is per year, 0.008766 = 1,000e-9 x 8,766 h the failures of one unit at 1,000 FIT.
@pytest.mark.parametrize(
    ("case", "optimum"),
    [
        # the generic NIC port on each of the 4 host links (u = 1): 0.035064 failures, all stopping the job;
        # r = 0.035064 x 1 x 10 h = 0.35064; lost = 0.035064 x 1 GPU x 0.25 h + 0.35064 x 1 = 0.359406 GPU-hours,
        # downtime 5 years x 1 USD x 0.359406 = 1.79703
        (_domain_case(["sw-a"], [NIC_PORT]), 12699.19031),
        # the group's catalogue NIC has its own mode, which replaces the generic one (5,000 FIT, not read): a
        # 2-port NIC fails both ports (domain 2), u = 1/2 per link: 4 x 0.004383 = 0.017532 failures, r =
        # 0.017532 x 2 x 10 = 0.35064; lost = 0.004383 + 0.35064 = 0.355023, downtime 1.775115
        (
            _domain_case(
                ["sw-a"],
                [{**NIC_PORT, "fit": 5000}, {**NIC_PORT, "id": "nic-a.port", "item": "nic-a"}],
                nic=NIC_A,
            ),
            12699.168395,
        ),
        # the NIC port fails in place (window 40 h; the repair domain of 4 is not read): only its port is down,
        # for 20 h: r = 0.035064 x 1 x 20 = 0.70128; job_stop_fraction 0.5 on the group: 0.017532 job stops;
        # lost = 0.017532 x 0.25 + 0.70128 = 0.705663, downtime 3.528315
        (
            _domain_case(
                ["sw-a"],
                [{**NIC_PORT, "repair": "fail_in_place", "window_h": 40, "repair_domain_ends": 4}],
                link={"job_stop_fraction": 0.5},
            ),
            12700.921595,
        ),
        # spares to the default 95 % service level: a DAC fails 1,000e-9 x 100,000 h = 0.1 times per lead time;
        # the group of 4 links: mu = 0.4, P(X <= 1) = e^-0.4 x 1.4 = 0.93845 < 0.95 <= P(X <= 2) = 0.99207, so
        # 2 spares, 1/2 per link: 4 x 1/2 x 100 USD = 200 USD; downtime as the NIC port above, 1.79703
        (_domain_case(["sw-a"], [DAC], reliability={"spares_factor": None, "spares_lead_time_h": 100000}), 12899.19031),
        # the factor rule instead: 1.5 x 0.4 = 0.6 spares priced, 60 USD (the stock: 1 whole spare)
        (_domain_case(["sw-a"], [DAC], reliability={"spares_factor": 1.5, "spares_lead_time_h": 100000}), 12759.19031),
    ],
    ids=["nic-port", "nic-model", "fail-in-place-job-stop", "service-level", "factor"],
)
def test_enumeration_and_planner_reproduce_hand_computed_reliability(case: dict[str, Any], optimum: float) -> None:
    """The NIC failure modes, fail in place, the job stop share and both spares rules, by hand: the enumeration
    and the planner (its plan checked by the verifier) both give the optimum."""
    case["reliability"] = {k: v for k, v in case["reliability"].items() if v is not None}
    assert Enumerator(case).run().best == pytest.approx(optimum, rel=1e-12)
    assert solve_verified(case).objective == pytest.approx(optimum, rel=1e-9)


def _nic_to_nic_case(row: dict[str, Any], reliability: dict[str, Any] | None = None) -> dict[str, Any]:
    """``_domain_case`` with 2 NICs more and 1 DAC from NIC to NIC beside the 4 host links to the switch:
    capex 5 DACs and the switch, 10,500 USD; energy 505 W x 4.55832 = 2,301.9516 USD."""
    case = _domain_case(["sw-a"], [row], reliability=reliability)
    case["reliability"] = {k: v for k, v in case["reliability"].items() if v is not None}
    case["nodes"][0]["count"] = 6
    case["links"].append({"id": "gpu-gpu", "a": "gpu", "b": "gpu", "length_m": 2, "demand_gbps": 800, "count": 1})
    return case


def test_nic_to_nic_link_carries_both_nic_ports() -> None:
    """A link group from a NIC group to itself has a NIC end at both ends ("both ends when a == b"). NIC ports:
    4 x 1 + 1 x 2 = 6 failing units at 1,000 FIT: 6 x 0.008766 = 0.052596 failures, all stopping the job;
    r = 0.052596 x 10 h = 0.52596; lost = 0.052596 x 0.25 + 0.52596 = 0.539109 GPU-hours, downtime
    5 x 0.539109 = 2.695545 USD."""
    case = _nic_to_nic_case(NIC_PORT)
    optimum = 10500 + 2301.9516 + 2.695545
    assert Enumerator(case).run().best == pytest.approx(optimum, rel=1e-12)
    plan = solve_verified(case)  # the verifier counts the two NIC ends too
    assert plan.objective == pytest.approx(optimum, rel=1e-9)
    assert plan.reliability is not None
    assert plan.reliability["failures_per_year"] == pytest.approx(0.052596, rel=1e-12)


def test_nic_to_nic_spares_take_the_quantile_of_both_ends() -> None:
    """Spares to the 95 % level priced per link on u(m) summed over its ends. The NIC port fails both ports of
    a NIC (domain 2; 50 USD a spare), 0.1 failures per unit and lead time of 100,000 h. NIC to NIC: u = 2 x 1/2
    = 1, mu = 0.1, e^-0.1 = 0.905 < 0.95: 1 spare, 50 USD (one end at a time: mu = 0.05, e^-0.05 = 0.951, none).
    Host links: u = 1/2, the group of 4: mu = 0.2, P(X <= 1) = 0.982: 1 spare over 4 links, 50 USD.
    Failures 3 units x 0.008766 = 0.026298; r = 0.026298 x 2 x 10 = 0.52596; lost = 0.026298 x 0.25 + 0.52596
    = 0.5325345, downtime 2.6626725. Stocked: the pooled mu = 0.3, P(X <= 1) = 0.963: 1 spare."""
    row = {**NIC_PORT, "domain_ends": 2, "spare_cost_usd": 50}
    case = _nic_to_nic_case(row, {"spares_factor": None, "spares_lead_time_h": 100000})
    optimum = 10500 + 2301.9516 + 100 + 2.6626725
    assert Enumerator(case).run().best == pytest.approx(optimum, rel=1e-12)
    plan = solve_verified(case)
    assert plan.objective == pytest.approx(optimum, rel=1e-9)
    assert plan.reliability is not None
    (spares,) = plan.reliability["spares"]
    assert (spares["spares_needed"], spares["spares"]) == (pytest.approx(2.0), 1)


def test_failure_mode_of_a_nic_model_is_read_and_an_unknown_item_refused() -> None:
    """A failure mode may name a catalogue NIC ("Reliability": `item`): the NIC group of that NIC takes its
    rows, and the planner's failures follow them (4 host links, 1/2 of a 2-port NIC each at 1,000 FIT:
    4 x 0.5 x 1,000e-9 x 8,766 = 0.017532 per year). A row on an id that is no catalogue item nor `nic` is
    an input error, never a field accepted and ignored."""
    case = _domain_case(["sw-a"], [{**NIC_PORT, "id": "nic-a.port", "item": "nic-a"}], nic=NIC_A)
    plan = solve_verified(copy.deepcopy(case))
    assert plan.reliability is not None
    assert plan.reliability["failures_per_year"] == pytest.approx(0.017532, rel=1e-12)
    case["catalog"]["reliability"][0]["item"] = "nic-b"
    with pytest.raises(optimizer.InstanceError, match=r"catalog\.reliability\[0\]\.item: .*'nic-b'"):
        optimizer.load_instance(case)


def test_switch_group_sized_to_zero_needs_no_spares_row() -> None:
    """A switch group sized to 0 switches uses none of its model's failure modes: the plan stocks no spares
    for them, and the verifier accepts it (the random instances above reach this case). Nothing has to be
    carried (demand 0) and the group may be empty, so the optimum is 0 switches and 0 USD."""
    data = tiny_instance(reliability={"gpu_hour_usd": 1.0})
    data["nodes"][1]["count"] = {"min": 0, "max": 1}
    data["links"][0]["demand_gbps"] = 0
    row = {"id": "sw64.switch", "item": "sw64", "mode": "switch", "fit": 1000, "repair": "switch", "mttr_h": 4}
    data["catalog"]["reliability"] = [{**row, "source": "test figures"}]
    plan = solve_verified(data)
    assert plan.objective == 0.0 and list(plan.nodes["count"]) == [0]
    assert plan.reliability is not None and plan.reliability["spares"] == []
