"""Unit tests of the independent plan verifier (optimizer.verify) on small hand-made instances."""

from __future__ import annotations

import ast
import copy
import math
from pathlib import Path
from typing import Any

import pytest

import optimizer
import optimizer.core.verify
from optimizer.core.verify import Violation, check_plan, option_attributes, plan_objective

CATALOG: dict[str, Any] = {
    "media": [
        {"id": "smf", "cost_usd_per_m": 0.5, "latency_ns_per_m": 5.0},
        {"id": "mmf", "cost_usd_per_m": 0.2},  # latency_ns_per_m defaults to 4.9
    ],
    "transceivers": [
        {
            "id": "sr-400",
            "form": "pluggable",
            "media": "mmf",
            "speed_gbps": 400,
            "power_w": 8,
            "cost_usd": 300,
            "reach_m": 50,
            "latency_ns": 10,
            "source": "test",
        },
        {
            "id": "dr-400",
            "form": "pluggable",
            "media": "smf",
            "speed_gbps": 400,
            "power_w": 10,
            "cost_usd": 500,
            "reach_m": 500,
            "latency_ns": 20,
            "source": "test",
        },
        {
            "id": "cpo-400",
            "form": "cpo",
            "media": "smf",
            "speed_gbps": 400,
            "power_w": 4,
            "cost_usd": 200,
            "reach_m": 500,
            "latency_ns": 5,
            "source": "test",
        },
    ],
    "cables": [
        {
            "id": "dac-400",
            "kind": "dac",
            "speed_gbps": 400,
            "power_w": 0.1,
            "cost_usd": 100,
            "cost_usd_per_m": 10,
            "reach_m": 3,
            "latency_ns": 1,
            "source": "test",
        },
        {
            "id": "aoc-400",
            "kind": "aoc",
            "speed_gbps": 400,
            "power_w": 12,
            "cost_usd": 600,
            "reach_m": 30,
            "latency_ns": 2,
            "source": "test",
        },
    ],
    "switches": [
        {
            "id": "sw-plug",
            "capacity_gbps": 12800,
            "max_ports": 32,
            "max_port_gbps": 400,
            "forms": ["pluggable", "cable"],
            "power_w": 500,
            "cost_usd": 20000,
            "latency_ns": 300,
            "source": "test",
        },
        {
            "id": "sw-cpo",
            "capacity_gbps": 25600,
            "max_ports": 64,
            "max_port_gbps": 800,
            "forms": ["cpo"],
            "power_w": 400,
            "cost_usd": 30000,
            "latency_ns": 250,
            "source": "test",
        },
    ],
}


def base_mapping() -> dict[str, Any]:
    """16 NICs, 2 leaves (fixed model), 1-2 spines (plug or CPO model), a leaf-leaf peer group, one path."""
    return {
        "schema_version": 1,
        "name": "tiny",
        "economics": {"electricity_usd_per_kwh": 0.1, "pue": 1.5, "years": 2},
        "catalog": copy.deepcopy(CATALOG),
        "nodes": [
            {"id": "nic", "kind": "nic", "count": 16, "max_port_gbps": 400},
            {"id": "leaf", "kind": "switch", "count": 2, "models": ["sw-plug"]},
            {"id": "spine", "kind": "switch", "count": {"min": 1, "max": 2}, "models": ["sw-plug", "sw-cpo"]},
        ],
        "links": [
            {"id": "nic-leaf", "a": "nic", "b": "leaf", "length_m": 2, "demand_gbps": 6400, "count": 16},
            {"id": "leaf-spine", "a": "leaf", "b": "spine", "length_m": 40, "demand_gbps": 3200, "uniform": True},
            {"id": "peer", "a": "leaf", "b": "leaf", "length_m": 1, "demand_gbps": 800},
        ],
        "paths": [{"id": "cross", "via": ["nic", "leaf", "spine", "leaf", "nic"], "max_latency_ns": 2000}],
        "bandwidth": [{"id": "up", "links": ["leaf-spine", "leaf-spine"], "min_gbps": 3200}],
    }


def load(mapping: dict[str, Any] | None = None) -> optimizer.Instance:
    return optimizer.load_instance(mapping or base_mapping())


# Hand-computed optimum of base_mapping() (objective tco, energy 8766/1000 x 2 x 1.5 x 0.1 = 2.6298 USD/W):
#   nic-leaf   dac-400 (2 m):       cost 100 + 10x2 = 120, power 0.1, latency 1 + 4.5x2 = 10;   x16
#   leaf-spine sr-400+sr-400 (40 m): cost 600 + 0.2x40 = 608, power 16, latency 20 + 4.9x40 = 216; x8
#   peer       dac-400 (1 m):       cost 110, power 0.1, latency 5.5;                            x2
#   leaf: 2 x sw-plug, ends 16 + 8 + 2x2 = 28 ports, 11200 Gb/s; spine: 1 x sw-plug, 8 ports, 3200 Gb/s
#   path: 10 + 300 + 216 + 300 + 216 + 300 + 10 = 1352 ns
GOOD_PLAN: dict[str, Any] = {
    "format": "optimizer-plan/1",
    "instance": "tiny",
    "status": "optimal",
    "objective_mode": "tco",
    "objective": 71290.04804,
    "bound": 71290.04804,
    "gap": 0.0,
    "totals": {
        "capex_usd": 67004,
        "power_w": 1629.8,
        "energy_usd": 4286.04804,
        "tco_usd": 71290.04804,
        "optics_power_w": 129.8,
        "switch_power_w": 1500,
        "optics_capex_usd": 7004,
        "switch_capex_usd": 60000,
    },
    "links": [
        {
            "group": "nic-leaf",
            "option": "dac-400",
            "speed_gbps": 400,
            "count": 16,
            "power_w": 1.6,
            "capex_usd": 1920,
            "latency_ns": 10,
            "a": "nic",
            "b": "leaf",
            "length_m": 2,
            "kind": "cable",
        },
        {
            "group": "leaf-spine",
            "option": "sr-400+sr-400",
            "speed_gbps": 400,
            "count": 8,
            "power_w": 128,
            "capex_usd": 4864,
            "latency_ns": 216,
            "a": "leaf",
            "b": "spine",
            "length_m": 40,
            "kind": "pair",
        },
        {
            "group": "peer",
            "option": "dac-400",
            "speed_gbps": 400,
            "count": 2,
            "power_w": 0.2,
            "capex_usd": 220,
            "latency_ns": 5.5,
        },
    ],
    "nodes": [
        {
            "group": "leaf",
            "model": "sw-plug",
            "count": 2,
            "used_gbps": 11200,
            "used_ports": 28,
            "capacity_gbps": 25600,
            "ports": 64,
            "power_w": 1000,
            "capex_usd": 40000,
        },
        {"group": "spine", "model": "sw-plug", "count": 1, "used_gbps": 3200, "used_ports": 8},
    ],
    "paths": [{"id": "cross", "latency_ns": 1352, "max_latency_ns": 2000, "slack_ns": 648}],
    "solver": {"name": "highs", "mip_rel_gap": 1e-4},
}


def plan() -> dict[str, Any]:
    return copy.deepcopy(GOOD_PLAN)


def wheres(violations: list[Violation]) -> set[str]:
    return {v.where for v in violations}


def flagged(violations: list[Violation], where: str, word: str = "") -> bool:
    return any(v.where.startswith(where) and word in v.message for v in violations)


def set_link(p: dict[str, Any], i: int, **fields: Any) -> None:
    p["links"][i].update(fields)


# ------------------------------------------------------------------------------------ option attributes
def test_option_attributes_cable_and_pair() -> None:
    inst = load()
    dac = option_attributes(inst, "nic-leaf", "dac-400")
    assert isinstance(dac, dict)
    assert dac["cost_usd"] == pytest.approx(120) and dac["latency_ns"] == pytest.approx(10)
    assert dac["items"] == {"dac-400": 1} and dac["form_a"] == dac["form_b"] == "cable"
    pair = option_attributes(inst, "leaf-spine", "dr-400+cpo-400")
    assert isinstance(pair, dict)
    assert pair["power_w"] == pytest.approx(14)
    assert pair["cost_usd"] == pytest.approx(500 + 200 + 0.5 * 40)
    assert pair["latency_ns"] == pytest.approx(20 + 5 + 5.0 * 40)
    assert pair["items"] == {"dr-400": 1, "cpo-400": 1}
    assert (pair["form_a"], pair["form_b"]) == ("pluggable", "cpo")
    same = option_attributes(inst, "leaf-spine", "sr-400+sr-400")
    assert isinstance(same, dict) and same["items"] == {"sr-400": 2}
    aoc = option_attributes(load(_with(lambda m: m["links"][1].update(length_m=20))), "leaf-spine", "aoc-400")
    assert isinstance(aoc, dict) and aoc["latency_ns"] == pytest.approx(2 + 4.9 * 20)


def _with(change: Any) -> dict[str, Any]:
    m = base_mapping()
    change(m)
    return m


@pytest.mark.parametrize(
    ("group", "option", "word"),
    [
        ("nic-leaf", "nope", "unknown"),
        ("nic-leaf", "sr-400+nope", "transceiver"),
        ("nic-leaf", "dac-400+dac-400", "transceiver"),
        ("leaf-spine", "sr-400+dr-400", "media"),
        ("leaf-spine", "aoc-400", "reach"),
        ("leaf-spine", "dac-400", "reach"),
        ("leaf-spine", "cpo-400+cpo-400", "form"),  # the leaf (sw-plug only) takes no cpo end
        ("leaf-spine", "cpo-400+dr-400", "form"),  # t+u order matters when a != b
        ("nic-leaf", "cpo-400+dr-400", "NIC"),
    ],
)
def test_option_attributes_rejects(group: str, option: str, word: str) -> None:
    reason = option_attributes(load(), group, option)
    assert isinstance(reason, str) and word in reason


def test_option_attributes_filters() -> None:
    inst = load(
        _with(lambda m: m["links"][1].update(exclude=["sr-400"], allowed=["dr-400", "sr-400"], min_link_gbps=100))
    )
    assert "excluded" in option_attributes(inst, "leaf-spine", "sr-400+sr-400")
    assert "allowed" in option_attributes(inst, "leaf-spine", "dr-400+cpo-400")
    assert isinstance(option_attributes(inst, "leaf-spine", "dr-400+dr-400"), dict)
    spare = {"id": "spare", "a": "nic", "b": "spine", "length_m": 2, "demand_gbps": 0, "min_link_gbps": 800}
    slow = load(_with(lambda m: m["links"].append(spare)))  # no option survives, allowed without demand
    assert "min_link_gbps" in option_attributes(slow, "spare", "dac-400")
    assert check_plan(slow, plan()) == []

    def slow_nic(m: dict[str, Any]) -> None:
        m["nodes"].append({"id": "nic200", "kind": "nic", "count": 4, "max_port_gbps": 200})
        m["links"].append({"id": "slow", "a": "nic200", "b": "leaf", "length_m": 1, "demand_gbps": 0})

    nic = load(_with(slow_nic))
    assert "max_port_gbps" in option_attributes(nic, "slow", "dac-400")
    assert check_plan(nic, plan()) == []


def test_same_group_accepts_either_order() -> None:
    inst = load(_with(lambda m: m["nodes"][1].update(models=["sw-plug", "sw-cpo"])))
    tu = option_attributes(inst, "peer", "dr-400+cpo-400")
    ut = option_attributes(inst, "peer", "cpo-400+dr-400")
    assert isinstance(tu, dict) and isinstance(ut, dict)
    assert tu["cost_usd"] == pytest.approx(ut["cost_usd"]) and tu["items"] == ut["items"]


# ------------------------------------------------------------------------------------ check_plan
def test_good_plan_has_no_violation() -> None:
    inst = load()
    assert check_plan(inst, plan()) == []
    assert plan_objective(inst, plan()) == pytest.approx(71290.04804)
    assert plan_objective(inst, plan(), "capex") == pytest.approx(67004)
    assert plan_objective(inst, plan(), "power") == pytest.approx(1629.8)


def test_peer_option_named_in_reverse_order_is_accepted() -> None:
    m = _with(lambda m: m["nodes"][1].update(models=["sw-plug", "sw-cpo"]))
    p = plan()
    # dac peer -> 2 dr+cpo links needs a model taking both forms: none does, so the form rule fires
    set_link(p, 2, option="cpo-400+dr-400", power_w=28, capex_usd=2 * 700.5, latency_ns=30)
    v = check_plan(load(m), p)
    assert flagged(v, "nodes.leaf", "does not take")
    assert not any(v_.where == "links[2]" for v_ in v)
    p["links"].append(dict(p["links"][2], option="dr-400+cpo-400"))  # the same option, named the other way
    assert flagged(check_plan(load(m), p), "links[3]", "duplicate")


def test_wrong_count_sum() -> None:
    p = plan()
    set_link(p, 0, count=15, power_w=1.5, capex_usd=1800)
    assert flagged(check_plan(load(), p), "links.nic-leaf", "count requires 16")


def test_duplicate_rows_and_bad_count() -> None:
    p = plan()
    p["links"].append(dict(p["links"][2]))
    p["links"][0]["count"] = 2.5
    v = check_plan(load(), p)
    assert flagged(v, "links[3]", "duplicate") and flagged(v, "links[0]", "positive integer")


def test_demand_not_met() -> None:
    p = plan()
    set_link(p, 1, count=7, power_w=112, capex_usd=7 * 608)
    v = check_plan(load(), p)
    assert flagged(v, "links.leaf-spine", "below demand") and flagged(v, "bandwidth.up", "below min_gbps")


def test_over_switch_capacity() -> None:
    p = plan()
    set_link(p, 1, count=40, power_w=640, capex_usd=40 * 608)
    p["nodes"][1].update(used_gbps=16000, used_ports=40)
    v = check_plan(load(), p)
    assert flagged(v, "nodes.spine", "exceeds 1 x max_ports 32")
    assert flagged(v, "nodes.spine", "exceeds 1 x capacity_gbps")
    assert not flagged(v, "nodes.spine.used")


def test_switch_count_and_model() -> None:
    p = plan()
    p["nodes"][1].update(count=3)
    p["nodes"][0].update(model="sw-cpo")
    v = check_plan(load(), p)
    assert flagged(v, "nodes.spine", "[1, 2]") and flagged(v, "nodes.leaf", "not one of")
    p = plan()
    del p["nodes"][1]
    assert flagged(check_plan(load(), p), "nodes.spine", "no row")


def test_nic_ports_exceeded() -> None:
    inst = load(_with(lambda m: m["links"][0].update(count=None, demand_gbps=0)))
    p = plan()
    set_link(p, 0, count=17, power_w=1.7, capex_usd=17 * 120)
    p["nodes"][0].update(used_gbps=11600, used_ports=29)
    assert flagged(check_plan(inst, p), "nodes.nic", "exceed count x ports 16")


def test_wrong_totals() -> None:
    p = plan()
    p["totals"]["power_w"] += 1
    p["totals"]["energy_usd"] *= 1.001
    assert wheres(check_plan(load(), p)) == {"totals.power_w", "totals.energy_usd"}


def test_wrong_row_numbers() -> None:
    p = plan()
    set_link(p, 1, power_w=129, latency_ns=215, speed_gbps=800, capex_usd=4800)
    p["nodes"][0].update(used_ports=27, used_gbps=11600)
    assert wheres(check_plan(load(), p)) == {
        "links[1].power_w",
        "links[1].latency_ns",
        "links[1].speed_gbps",
        "links[1].capex_usd",
        "nodes.leaf.used_ports",
        "nodes.leaf.used_gbps",
    }


def test_wrong_latency() -> None:
    p = plan()
    p["paths"][0]["latency_ns"] = 1342
    p["paths"][0]["slack_ns"] = 658
    assert wheres(check_plan(load(), p)) == {"paths.cross.latency_ns", "paths.cross.slack_ns"}


def test_latency_budget_exceeded() -> None:
    inst = load(_with(lambda m: m["paths"][0].update(max_latency_ns=1300)))
    p = plan()
    p["paths"][0].update(max_latency_ns=1300, slack_ns=-52)
    assert wheres(check_plan(inst, p)) == {"paths.cross"}


def test_latency_counts_repeated_switch_and_named_links() -> None:
    def change(m: dict[str, Any]) -> None:
        m["paths"].append(
            {
                "id": "peer-hop",
                "via": ["nic", "leaf", "leaf", "spine"],
                "links": [None, "peer", "leaf-spine"],
                "max_latency_ns": 5000,
            }
        )

    p = plan()
    # 10 + leaf 300 + peer 5.5 + leaf 300 + 216 = 831.5 (the last via element adds nothing)
    p["paths"].append({"id": "peer-hop", "latency_ns": 831.5, "max_latency_ns": 5000})
    assert check_plan(load(_with(change)), p) == []


def test_invalid_option_id() -> None:
    p = plan()
    set_link(p, 1, option="sr-400+xx-400")
    v = check_plan(load(), p)
    assert flagged(v, "links[1]", "not a candidate") and flagged(v, "links.leaf-spine", "below demand")


def test_reach_violation() -> None:
    p = plan()
    set_link(p, 1, option="aoc-400", power_w=96, capex_usd=4800, latency_ns=2 + 4.9 * 40)
    assert flagged(check_plan(load(), p), "links[1]", "reach_m 30 below length_m 40")


def test_supply_exceeded() -> None:
    enough = load(_with(lambda m: m.update(limits={"supply": {"sr-400": 16, "sw-plug": 3}})))
    assert check_plan(enough, plan()) == []
    v = check_plan(
        load(_with(lambda m: m.update(limits={"supply": {"sr-400": 15, "sw-plug": 2, "dac-400": 17}}))), plan()
    )
    assert wheres(v) == {"limits.supply.sr-400", "limits.supply.sw-plug", "limits.supply.dac-400"}


def test_power_and_capex_limits() -> None:
    inst = load(_with(lambda m: m.update(limits={"max_power_w": 1600, "max_capex_usd": 60000})))
    assert wheres(check_plan(inst, plan())) == {"limits.max_power_w", "limits.max_capex_usd"}


def test_form_not_accepted_by_chosen_model() -> None:
    p = plan()
    p["nodes"][1].update(model="sw-cpo")
    v = check_plan(load(), p)
    assert flagged(v, "nodes.spine", "model 'sw-cpo' does not take the pluggable")


def test_uniform_violated() -> None:
    p = plan()
    set_link(p, 1, count=4, power_w=64, capex_usd=4 * 608)
    p["links"].insert(
        2,
        {
            "group": "leaf-spine",
            "option": "dr-400+dr-400",
            "speed_gbps": 400,
            "count": 4,
            "power_w": 80,
            "capex_usd": 4 * 1020,
            "latency_ns": 240,
        },
    )
    v = check_plan(load(), p)
    assert flagged(v, "links.leaf-spine", "uniform")
    assert not flagged(v, "links[")


def test_objective_gap_and_mode() -> None:
    p = plan()
    p["objective"] += 10
    p["gap"] = 0.5
    v = check_plan(load(), p)
    assert {"objective", "gap"} <= wheres(v)
    p = plan()
    p.update(objective_mode="capex", objective=67004, bound=67000, gap=4 / 67004, status="feasible")
    assert check_plan(load(), p) == []
    p["status"] = "optimal"  # a gap of 6e-5 is within the default mip_rel_gap 1e-4
    assert check_plan(load(), p) == []
    p.update(bound=66000, gap=1004 / 67004)
    assert wheres(check_plan(load(), p)) == {"gap"}
    p.update(bound=68000, gap=996 / 67004, status="feasible")
    assert wheres(check_plan(load(), p)) == {"bound"}


def test_weighted_objective() -> None:
    inst = load(_with(lambda m: m.update(objective="weighted", weights={"power_w": 2.0})))
    p = plan()
    p.update(objective_mode="weighted", objective=67004 + 2 * 1629.8, bound=67004 + 2 * 1629.8)
    assert check_plan(inst, p) == []
    assert plan_objective(inst, p) == pytest.approx(70263.6)


def test_non_finite_numbers() -> None:
    p = plan()
    p["totals"]["capex_usd"] = math.nan
    p["solver"]["solve_s"] = math.inf
    assert {"totals.capex_usd", "solver.solve_s"} <= wheres(check_plan(load(), p))


def test_no_incumbent_statuses() -> None:
    empty = {
        "format": "optimizer-plan/1",
        "instance": "tiny",
        "status": "infeasible",
        "objective": None,
        "bound": None,
        "gap": None,
        "totals": None,
        "links": [],
        "nodes": [],
        "paths": [],
    }
    assert check_plan(load(), empty) == []
    bad = dict(empty, status="no_solution", totals={}, links=[{}], gap=0.0)
    assert wheres(check_plan(load(), bad)) == {"totals", "links", "gap"}
    assert wheres(check_plan(load(), dict(empty, status="done"))) == {"status"}


def test_plan_objective_rejects_invalid_decisions() -> None:
    p = plan()
    set_link(p, 0, option="nope")
    with pytest.raises(ValueError, match="not a candidate"):
        plan_objective(load(), p)
    with pytest.raises(ValueError, match="mode"):
        plan_objective(load(), plan(), "fastest")


# ------------------------------------------------------------------------------------ against the solver
def test_solver_plan_verifies() -> None:
    inst = load()
    solved = optimizer.solve(inst, optimizer.SolveOptions(threads=1)).to_dict()
    assert solved["status"] == "optimal"
    assert check_plan(inst, solved) == []
    assert solved["objective"] == pytest.approx(GOOD_PLAN["objective"], rel=1e-6)


@pytest.mark.parametrize("objective", ["capex", "power"])
def test_solver_plan_verifies_other_objectives_and_supply(objective: str) -> None:
    # sr-400 limited to 8 ends: at most 4 sr+sr links, so leaf-spine (uniform) must use another option
    inst = load(_with(lambda m: m.update(objective=objective, limits={"supply": {"sr-400": 8}})))
    solved = optimizer.solve(inst, optimizer.SolveOptions(threads=1)).to_dict()
    assert solved["status"] == "optimal"
    assert check_plan(inst, solved) == []
    assert {r["option"] for r in solved["links"] if r["group"] == "leaf-spine"} != {"sr-400+sr-400"}


def test_verifier_is_independent_of_the_planner() -> None:
    tree = ast.parse(Path(optimizer.verify.__file__).read_text(encoding="utf-8"))
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    planner = {m for m in modules if m.startswith(("optimizer", "pyomo", "highspy"))}
    assert planner <= {"optimizer.core.schema", "optimizer.core.load"}
