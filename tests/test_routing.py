"""Routed demands: hand-checkable optima of each rule, and the verifier's routed checks."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers import solve_verified

import optimizer
from optimizer.core.verify import check_plan
from optimizer.errors import InstanceError


def net(links: list[dict[str, Any]], demands: list[dict[str, Any]], names: str = "ABC", **extra: Any) -> dict[str, Any]:
    """Triangle A-B-C; cables c100 (100 Gb/s, 10 USD, 1000 ns) and c400 (400 Gb/s, 30 USD, 10 ns)."""
    src = "test figures"
    cables = [
        {
            "id": "c100",
            "kind": "dac",
            "speed_gbps": 100,
            "power_w": 0,
            "cost_usd": 10,
            "reach_m": 100,
            "latency_ns": 1000,
            "latency_ns_per_m": 0,
            "source": src,
        },
        {
            "id": "c400",
            "kind": "dac",
            "speed_gbps": 400,
            "power_w": 0,
            "cost_usd": 30,
            "reach_m": 100,
            "latency_ns": 10,
            "latency_ns_per_m": 0,
            "source": src,
        },
    ]
    nodes = [{"id": v, "kind": "nic", "count": 1, "ports": 64, "max_port_gbps": 400, "forms": ["cable"]} for v in names]
    full = []
    for link in links:
        entry = {"length_m": 1, "demand_gbps": 0, **link}
        full.append(entry)
    return {
        "schema_version": 1,
        "name": "routed",
        "objective": "capex",
        "catalog": {"cables": cables},
        "nodes": nodes,
        "links": full,
        "demands": demands,
        **extra,
    }


TRIANGLE = [
    {"id": "AB", "a": "A", "b": "B", "allowed": ["c400"]},
    {"id": "BC", "a": "B", "b": "C", "allowed": ["c400"]},
    {"id": "AC", "a": "A", "b": "C", "allowed": ["c100"]},
]


def test_direct_route_is_cheapest() -> None:
    plan = solve_verified(net(TRIANGLE, [{"id": "d", "src": "A", "dst": "C", "gbps": 300}]))
    assert plan.objective == pytest.approx(30.0)  # 3 x c100 on AC beats 2 x c400 via B (60)
    assert set(plan.flows["group"]) == {"AC"}


def test_latency_budget_forces_the_fast_path() -> None:
    plan = solve_verified(net(TRIANGLE, [{"id": "d", "src": "A", "dst": "C", "gbps": 300, "max_latency_ns": 100}]))
    assert plan.objective == pytest.approx(60.0)
    routes = plan.to_dict()["routes"]
    assert [r["links"] for r in routes] == [["AB", "BC"]]


def test_latency_and_hop_limit_together_infeasible() -> None:
    inst = net(TRIANGLE, [{"id": "d", "src": "A", "dst": "C", "gbps": 300, "max_latency_ns": 100, "max_hops": 1}])
    plan = optimizer.solve(optimizer.load_instance(inst), optimizer.SolveOptions(threads=1))
    assert str(plan.status) == "infeasible"


def test_admissible_paths_restrict_routing() -> None:
    dem = {"id": "d", "src": "A", "dst": "C", "gbps": 300, "paths": [["AB", "BC"]]}
    plan = solve_verified(net(TRIANGLE, [dem]))
    assert plan.objective == pytest.approx(60.0)


@pytest.mark.parametrize(("direction", "expected"), [("bidirected", 30.0), ("undirected", 60.0)])
def test_bidirected_capacity_per_direction_undirected_summed(direction: str, expected: float) -> None:
    links = [{"id": "AB", "a": "A", "b": "B", "allowed": ["c100"], "direction": direction}]
    demands = [{"id": "ab", "src": "A", "dst": "B", "gbps": 300}, {"id": "ba", "src": "B", "dst": "A", "gbps": 300}]
    assert solve_verified(net(links, demands)).objective == pytest.approx(expected)


def test_directed_link_carries_one_direction_only() -> None:
    links = [
        {"id": "AB", "a": "A", "b": "B", "allowed": ["c100"], "direction": "directed"},
        {"id": "BA", "a": "B", "b": "A", "allowed": ["c400"], "direction": "directed"},
    ]
    demands = [{"id": "ab", "src": "A", "dst": "B", "gbps": 100}, {"id": "ba", "src": "B", "dst": "A", "gbps": 100}]
    assert solve_verified(net(links, demands)).objective == pytest.approx(40.0)  # c100 on AB, c400 on BA


def test_installed_capacity_and_its_constant_cost() -> None:
    links = [{"id": "AB", "a": "A", "b": "B", "allowed": ["c100"], "installed_gbps": 200, "installed_cost_usd": 5}]
    plan = solve_verified(net(links, [{"id": "d", "src": "A", "dst": "B", "gbps": 300}]))
    assert plan.objective == pytest.approx(15.0)
    assert plan.totals["installed_capex_usd"] == pytest.approx(5.0)


def test_setup_cost_moves_the_route() -> None:
    links = copy.deepcopy(TRIANGLE)
    links[2]["setup_cost_usd"] = 100
    plan = solve_verified(net(links, [{"id": "d", "src": "A", "dst": "C", "gbps": 300}]))
    assert plan.objective == pytest.approx(60.0)
    assert plan.totals["setup_capex_usd"] == 0.0


@pytest.mark.parametrize(("direction", "expected"), [("bidirected", 110.0), ("undirected", 170.0)])
def test_routing_cost_larger_direction_or_sum(direction: str, expected: float) -> None:
    links = [
        {"id": "AB", "a": "A", "b": "B", "allowed": ["c100"], "direction": direction, "routing_cost_usd_per_gbps": 1.0}
    ]
    demands = [{"id": "ab", "src": "A", "dst": "B", "gbps": 100}, {"id": "ba", "src": "B", "dst": "A", "gbps": 50}]
    assert solve_verified(net(links, demands)).objective == pytest.approx(expected)


def test_single_path_cannot_split() -> None:
    links = [
        {"id": "AB", "a": "A", "b": "B", "allowed": ["c400"], "max_count": 1},
        {"id": "BC", "a": "B", "b": "C", "allowed": ["c400"], "max_count": 1},
        {"id": "AC", "a": "A", "b": "C", "allowed": ["c400"], "max_count": 1},
    ]
    demands = [{"id": "d", "src": "A", "dst": "C", "gbps": 500}]
    assert solve_verified(net(links, demands)).objective == pytest.approx(90.0)  # split 400 + 100
    plan = optimizer.solve(
        optimizer.load_instance(net(links, demands, routing="single_path")), optimizer.SolveOptions(threads=1)
    )
    assert str(plan.status) == "infeasible"
    demands[0]["gbps"] = 300
    single = solve_verified(net(links, demands, routing="single_path"))
    assert single.objective == pytest.approx(30.0)
    assert len(single.flows) == 1


def test_own_demand_adds_to_routed_flow() -> None:
    links = [{"id": "AB", "a": "A", "b": "B", "allowed": ["c100"], "demand_gbps": 100}]
    plan = solve_verified(net(links, [{"id": "d", "src": "A", "dst": "B", "gbps": 300}]))
    assert plan.objective == pytest.approx(40.0)


def test_plain_and_strengthened_agree() -> None:
    links = copy.deepcopy(TRIANGLE)
    links[2]["allowed"] = ["c100", "c400"]
    demands = [
        {"id": f"d{i}", "src": s, "dst": t, "gbps": g}
        for i, (s, t, g) in enumerate([("A", "C", 350), ("C", "B", 520), ("B", "A", 130), ("C", "A", 90)])
    ]
    strong = solve_verified(net(links, demands), warm_start=True)
    plain = solve_verified(net(links, demands), routing_cuts=False)
    assert strong.objective == pytest.approx(plain.objective)


def test_verifier_catches_broken_flows_and_capacity() -> None:
    inst = optimizer.load_instance(net(TRIANGLE, [{"id": "d", "src": "A", "dst": "C", "gbps": 300}]))
    plan = solve_verified(inst).to_dict()
    broken = copy.deepcopy(plan)
    broken["flows"][0]["gbps"] = 200.0
    assert any("net outflow" in v.message for v in check_plan(inst, broken))
    broken = copy.deepcopy(plan)
    broken["links"][0]["count"] = 2
    broken["links"][0]["capex_usd"] = 20.0
    assert any("exceeds capacity" in v.message for v in check_plan(inst, broken))
    broken = copy.deepcopy(plan)
    broken["commodities"][0]["demands"] = []
    assert any("routes carry 0" in v.message for v in check_plan(inst, broken))


def test_bad_demand_references_reported_together() -> None:
    bad = net(
        TRIANGLE,
        [
            {"id": "d", "src": "A", "dst": "Z", "gbps": 1},
            {"id": "e", "src": "A", "dst": "C", "gbps": 1, "paths": [["BC"]]},
        ],
    )
    with pytest.raises(InstanceError) as info:
        optimizer.load_instance(bad)
    wheres = {i.where for i in info.value.issues}
    assert {"demands[0].dst", "demands[1].paths[0][0]"} <= wheres


def test_latency_budget_counts_the_switch_model_passed() -> None:
    inst = net(TRIANGLE, [{"id": "d", "src": "A", "dst": "C", "gbps": 300, "max_latency_ns": 100}])
    switch = {
        "capacity_gbps": 12800,
        "max_ports": 32,
        "max_port_gbps": 400,
        "forms": ["cable"],
        "power_w": 0,
        "source": "test figures",
    }
    inst["catalog"]["switches"] = [
        {"id": "slow", "cost_usd": 100, "latency_ns": 500, **switch},
        {"id": "fast", "cost_usd": 1000, "latency_ns": 50, **switch},
    ]
    inst["nodes"][1] = {"id": "B", "kind": "switch", "count": 1, "models": ["slow", "fast"]}
    plan = solve_verified(inst)
    assert plan.objective == pytest.approx(1060.0)  # via B (2 x c400) with the fast model
    assert plan.nodes.iloc[0]["model"] == "fast"
    del inst["demands"][0]["max_latency_ns"]
    assert solve_verified(inst).objective == pytest.approx(130.0)  # direct 3 x c100, slow model


def test_grown_cut_sets_keep_the_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    import optimizer.core.routed as routed

    pairs = ("AB", "BC", "CD", "DE", "EF", "FA", "AD")
    links = [{"id": f"{a}{b}", "a": a, "b": b, "allowed": ["c100", "c400"]} for a, b in pairs]
    demands = [
        {"id": f"d{i}", "src": s, "dst": t, "gbps": g}
        for i, (s, t, g) in enumerate([("A", "C", 350), ("C", "E", 520), ("B", "F", 130), ("D", "A", 90)])
    ]
    base = solve_verified(net(links, demands, "ABCDEF"), routing_cuts=False).objective
    monkeypatch.setattr(routed, "GROWN_CUTS", True)
    inst = optimizer.load_instance(net(links, demands, "ABCDEF"))
    data = optimizer.build_data(inst)
    assert any(len(s) == 3 for s, _, _ in routed.cut_sets(data.routing, data))
    assert solve_verified(inst).objective == pytest.approx(base)


def test_cheapest_cover_skips_dominated_options() -> None:
    from optimizer.core.routed import cheapest_cover

    # (column, speed, cost): column 0 is dominated by column 1 (4x the speed at the same cost)
    options = [(0, 100.0, 10.0), (1, 400.0, 10.0), (2, 1000.0, 40.0)]
    assert cheapest_cover(350.0, options, None, False) == {1: 1.0}
    assert cheapest_cover(900.0, options, None, False) == {1: 3.0}
    assert cheapest_cover(900.0, options, 1, False) == {2: 1.0}
    assert cheapest_cover(2500.0, options, 1, False) is None
    assert cheapest_cover(0.0, options, None, False) == {}


def test_start_misread_detects_a_wrong_solver_objective() -> None:
    from types import SimpleNamespace

    from optimizer.core.data import build_data
    from optimizer.core.model import build_model
    from optimizer.core.routed import start_misread
    from optimizer.core.solve import SolveOptions, SolveStatus, solve_model

    inst = optimizer.load_instance(net(TRIANGLE, [{"id": "d", "src": "A", "dst": "C", "gbps": 300}]))
    d = build_data(inst)
    m = build_model(d)
    report = solve_model(m, SolveOptions(threads=1))
    assert not start_misread(m, d, report)
    wrong = SimpleNamespace(status=SolveStatus.OPTIMAL, objective=report.objective - 5.0)
    assert start_misread(m, d, wrong)


def test_cli_solve_of_a_routed_instance_prints_network_costs_and_writes_flows(tmp_path, capsys) -> None:
    import json

    from optimizer.cli import main

    inst = net(TRIANGLE, [{"id": "d", "src": "A", "dst": "C", "gbps": 300}])
    inst["links"][2]["routing_cost_usd_per_gbps"] = 0.01  # 300 Gb/s on AC: 3 USD of routing cost
    path = tmp_path / "routed.json"
    path.write_text(json.dumps(inst), encoding="utf-8")
    assert main(["solve", str(path), "-q", "--threads", "1", "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "network costs: installed 0.00, setup 0.00, routing 3.00 USD" in printed
    assert "flow rows" in printed
    assert (tmp_path / "out" / "flows.csv").read_text(encoding="utf-8").count("\n") >= 2


def test_cut_loop_adds_the_rounded_cut_of_three_nodes() -> None:
    """Six-node ring A-B-C-D-E-F of c100 links; demands A->D 150, B->E 150, C->F 50 Gb/s. The set {A, B, C}
    sends 350 Gb/s out over CD and FA: the LP relaxation (8.5 modules, 85 USD) buys 3.5 modules there;
    the cut-set row rounds it to n[CD] + n[FA] >= 4. The single-node and link-end rows built up front do
    not contain that set, so the loop separates it; the optimum (9 modules, 90 USD) is unchanged."""
    import numpy as np

    from optimizer.core.data import build_data
    from optimizer.core.model import build_arrays
    from optimizer.core.model.linear import record
    from optimizer.core.routed import separate_cutsets
    from optimizer.core.solve import SolveOptions

    pairs = ("AB", "BC", "CD", "DE", "EF", "FA")
    links = [{"id": f"{a}{b}", "a": a, "b": b, "allowed": ["c100"]} for a, b in pairs]
    demands = [
        {"id": f"d{i}", "src": s, "dst": t, "gbps": g}
        for i, (s, t, g) in enumerate([("A", "D", 150), ("B", "E", 150), ("C", "F", 50)])
    ]
    inst = optimizer.load_instance(net(links, demands, "ABCDEF"))
    d = build_data(inst)
    m = build_arrays(d)
    sep = separate_cutsets(m, d, SolveOptions(threads=1))
    assert sep is not None and sep.lp_before == pytest.approx(85.0) and sep.lp_after == pytest.approx(90.0)
    block = next(b for b in record(m).blocks if b.component == "routing_cutset_separated")
    starts = np.concatenate(([0], np.cumsum(block.lengths)))
    rows = {
        (
            float(block.lower[k]),
            tuple(
                zip(
                    block.indices[starts[k] : starts[k + 1]].tolist(),
                    block.values[starts[k] : starts[k + 1]].tolist(),
                    strict=True,
                )
            ),
        )
        for k in range(len(block.lower))
    }
    cd, fa = (d.groups[pairs.index(p)].cols[0] for p in ("CD", "FA"))
    assert (4.0, ((cd, 1.0), (fa, 1.0))) in rows
    assert solve_verified(inst).objective == pytest.approx(90.0)
    assert solve_verified(inst, routing_cuts=False).objective == pytest.approx(90.0)


def test_cut_loop_counts_installed_capacity_of_groups_without_options() -> None:
    """A link group with installed capacity and no option still carries flow across a cut: A-B has 300
    Gb/s installed and nothing to buy, A-C and C-B c100 only; demand A->B 350 Gb/s needs one c100 on each
    of A-C and C-B (20 USD). A cut {A} that left A-B out would ask for 4 modules on A-C alone."""
    links = [
        {"id": "AB", "a": "A", "b": "B", "allowed": [], "installed_gbps": 300},
        {"id": "AC", "a": "A", "b": "C", "allowed": ["c100"]},
        {"id": "CB", "a": "C", "b": "B", "allowed": ["c100"]},
    ]
    plan = solve_verified(net(links, [{"id": "d", "src": "A", "dst": "B", "gbps": 350}]))
    assert plan.objective == pytest.approx(20.0)


def test_cut_loop_counts_modules_of_a_tiny_speed_without_listing_them() -> None:
    """A mutated SNDlib file (abilene, splittable) whose module on HSTNng-LOSAng carries 4e-05 Gb/s against
    demands up to 424,969 Gb/s: the cardinality form of a cut needs about 10^10 such modules, which the cut
    loop counts per group (it once listed them, and the process ran out of time and memory before the solve).
    The module is useless, so the plan is the one of the original file's other modules: 123,999 by HiGHS."""
    from pathlib import Path

    path = Path(__file__).parent / "data" / "routed" / "slow-module-cut.json"
    plan = solve_verified(optimizer.load_instance(path))
    assert plan.status == "optimal" and plan.objective == pytest.approx(123999.0)


def test_cut_loop_flow_cutset_of_a_small_commodity_subset(monkeypatch: pytest.MonkeyPatch) -> None:
    """Triangle, c100 on every link; demands A->C 10 and B->C 90 Gb/s. At the LP point n(AC) = 0.1, n(BC) =
    0.9 with A's flow on A->C and B's on B->C, every cut-set row of S = {C} holds (one module enters C in
    total), but A's 10 Gb/s alone give the flow-cutset row of K = {A}: D_K = 10 is below the module speed,
    so (lowered, integral ratio) n(AC) + x[A, B->C] / 10 >= 1 -- a module on A-C or A's whole demand via
    B. It is violated by 0.9 and holds at every plan (with n(AC) = 0 A's flow must enter C through B-C);
    the optimum (20 USD) is the same with and without the cut loop (subset rows on). Off (the default),
    the same point gives no row of K = {A}."""
    import numpy as np

    import optimizer.core.routed as routed
    from optimizer.core.data import build_data
    from optimizer.core.model import build_arrays
    from optimizer.core.model.linear import columns
    from optimizer.core.routed import _cutset_cuts, _network, _x_index

    links = [{"id": p, "a": p[0], "b": p[1], "allowed": ["c100"]} for p in ("AB", "BC", "AC")]
    demands = [{"id": "a", "src": "A", "dst": "C", "gbps": 10}, {"id": "b", "src": "B", "dst": "C", "gbps": 90}]
    inst = optimizer.load_instance(net(links, demands))
    d = build_data(inst)
    r = d.routing
    assert r is not None
    m = build_arrays(d)
    n_col, x_cols = columns(m, m.n), columns(m, m.route_x)
    network = _network(r, d, n_col, x_cols)
    assert network is not None
    node = {v: k for k, v in enumerate(r.nodes)}
    source = {com.source: c for c, com in enumerate(r.commodities)}
    arc = {(r.nodes[t], r.nodes[h]): a for a, (_, t, h, _) in enumerate(r.arcs)}
    group_col = {d.groups[gi].id: d.groups[gi].cols[0] for gi in range(len(d.groups))}
    x = np.zeros(max([*n_col, *x_cols]) + 1)
    x[n_col[group_col["AC"]]] = 0.1
    x[n_col[group_col["BC"]]] = 0.9
    x_at = {key: x_cols[k] for k, key in enumerate(_x_index(r))}
    x[x_at[(source[node["A"]], arc[("A", "C")])]] = 10.0
    x[x_at[(source[node["B"]], arc[("B", "C")])]] = 90.0
    assert not routed.SUBSET_FLOW_CUTS
    assert all(key[-1] is None for _, key, _, _ in _cutset_cuts(network, r, frozenset([node["C"]]), x, x[n_col]))
    monkeypatch.setattr(routed, "SUBSET_FLOW_CUTS", True)
    cuts = _cutset_cuts(network, r, frozenset([node["C"]]), x, x[n_col])
    assert all(key[0] == "flow" for _, key, _, _ in cuts)
    strong = {(rhs, tuple(sorted(terms))) for _, _, terms, rhs in cuts}
    a_via_b = x_at[(source[node["A"]], arc[("B", "C")])]
    assert (1.0, tuple(sorted([(1.0, n_col[group_col["AC"]]), (0.1, a_via_b)]))) in strong
    assert max(v for v, *_ in cuts) == pytest.approx(0.9)
    assert solve_verified(inst).objective == pytest.approx(20.0)
    assert solve_verified(inst, routing_cuts=False).objective == pytest.approx(20.0)
