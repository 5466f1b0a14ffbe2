"""The planner-side reductions leave the optimum unchanged and make the model smaller.

- options no plan can use at their group's exact count are dropped (``optimizer.core.data.usable_at_count``);
- the latency test of dominance pruning applies only to groups on a latency path (``prune_dominated``);
- demand rows implied by exact-count rows, NIC port rows implied by exact counts and the forms big-M rows
  implied by the tightening rows are left out (``ModelData.demand_implied``, ``nic_ports_implied``,
  ``form_class_rows``).

Test catalogue of helpers.tiny_catalog() at 10 m on sw64 (e = energy $ per W over the horizon, about 4.56):
  sr-400+sr-400  400G  1010 $  16 W  52 ns   -> 1010 + 16 e ~ 1082.9 per link
  sr-800+sr-800  800G  1810 $  28 W  52 ns
  dr-800+dr-800  800G  2405 $  32 W 150 ns
  aoc-800        800G  1200 $  12 W 149 ns   -> 1200 + 12 e ~ 1254.7 per link
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from helpers import E_PER_W, solve_verified, tiny_instance

import optimizer
from optimizer.core.data import ModelData, build_data, usable_at_count
from optimizer.core.model import build_arrays, build_for_solve
from optimizer.core.model.linear import record
from optimizer.core.options import Option, prune_dominated
from optimizer.core.solve import SolveOptions, solve_model

E = E_PER_W
SW64 = 20000 + 500 * E
AOC = 1200 + 12 * E
SR400 = 1010 + 16 * E


def counted(demand_gbps: float, count: int, uniform: bool = False, **extra: Any) -> dict[str, Any]:
    link = {"id": "gpu-leaf", "a": "gpu", "b": "leaf", "length_m": 10, "demand_gbps": demand_gbps, "count": count}
    return tiny_instance(links=[{**link, "uniform": uniform}], **extra)


def data_of(inst: dict[str, Any], **kw: Any) -> ModelData:
    return build_data(optimizer.load_instance(inst), **kw)


def option_ids(d: ModelData) -> set[str]:
    return {o.id for o in d.col_option}


def row_blocks(d: ModelData) -> Counter[str]:
    out: Counter[str] = Counter()
    for block in record(build_arrays(d)).blocks:
        out[str(getattr(block.component, "name", block.component))] += len(block.lengths)
    return out


def test_usable_at_count_by_hand() -> None:
    speeds = [800.0, 400.0, 100.0]
    # mixed, 8 links for 6000 Gb/s: 800 + 7 x 800 = 6400 ok; 400 + 5600 = 6000 ok; 100 + 5600 = 5700 < 6000
    assert usable_at_count(speeds, 8, 6000.0, uniform=False) == [0, 1]
    # uniform: 8 x 800 = 6400 ok; 8 x 400 = 3200 < 6000; 8 x 100 = 800 < 6000
    assert usable_at_count(speeds, 8, 6000.0, uniform=True) == [0]
    # one link: only options at least as fast as the demand
    assert usable_at_count(speeds, 1, 400.0, uniform=False) == [0, 1]
    # nothing reaches the demand: nothing is usable (build_data then keeps every option)
    assert usable_at_count(speeds, 2, 1700.0, uniform=False) == []


def test_a_slow_option_that_helps_a_mix_is_kept() -> None:
    # 3 links for 2000 Gb/s: 2 x 800 + 1 x 400 = 2000 meets it, so sr-400 stays; the mix is the optimum:
    # 2 AOC + 1 SR-400 = 2 x 1254.7 + 1082.9 beats 3 AOC = 3 x 1254.7
    d = data_of(counted(2000, 3))
    assert "sr-400+sr-400" in option_ids(d) and d.unreachable_options == 0
    plan = solve_verified(counted(2000, 3))
    assert dict(zip(plan.links.option, plan.links["count"], strict=True)) == {"aoc-800": 2, "sr-400+sr-400": 1}
    assert plan.objective == pytest.approx(2 * AOC + SR400 + SW64)
    # the demand row stays: 3 x 400 = 1200 < 2000, so the count row alone does not imply it
    assert row_blocks(d)["capacity_demand"] == 1


def test_an_option_no_plan_can_use_is_dropped_and_the_optimum_is_unchanged() -> None:
    # 3 links for 2001 Gb/s: 400 + 2 x 800 = 2000 < 2001, so no plan uses sr-400: only 800G options remain
    inst = counted(2001, 3)
    d = data_of(inst)
    assert "sr-400+sr-400" not in option_ids(d) and d.unreachable_options == 1
    assert "sr-400+sr-400" in option_ids(data_of(inst, reduce=False))
    plan = solve_verified(inst)
    assert plan.objective == pytest.approx(3 * AOC + SW64)  # 3 AOC: the only plan shape left
    full = solve_verified(inst, prune_dominated=False)
    assert full.objective == pytest.approx(plan.objective)
    # uniform: 3 x 400 = 1200 meets 1200 (sr-400 kept, three of them are optimal), 1201 does not
    assert "sr-400+sr-400" in option_ids(data_of(counted(1200, 3, uniform=True)))
    assert solve_verified(counted(1200, 3, uniform=True)).objective == pytest.approx(3 * SR400 + SW64)
    assert "sr-400+sr-400" not in option_ids(data_of(counted(1201, 3, uniform=True)))
    assert solve_verified(counted(1201, 3, uniform=True)).objective == pytest.approx(3 * AOC + SW64)


def test_implied_demand_and_nic_rows_are_left_out() -> None:
    # 3 links of 800G carry 2400 >= 2001: the demand row is implied; the 8 GPU ports hold the 3 links: so is
    # the NIC row. Without a count both rows are needed.
    d = data_of(counted(2001, 3))
    assert d.demand_implied().tolist() == [True] and d.nic_ports_implied().tolist() == [True]
    blocks = row_blocks(d)
    assert blocks["capacity_demand"] == 0 and blocks["nic_capacity_ports"] == 0 and blocks["capacity_count"] == 1
    free = data_of(tiny_instance())
    assert free.demand_implied().tolist() == [False] and free.nic_ports_implied().tolist() == [False]
    assert row_blocks(free)["capacity_demand"] == 1 and row_blocks(free)["nic_capacity_ports"] == 1
    # 9 links on 8 GPU ports: the NIC row is not implied (and the instance is infeasible, as diagnosed)
    over = counted(2001, 9)
    assert data_of(over).nic_ports_implied().tolist() == [False]
    plan = solve_verified(over)
    assert plan.status == "infeasible"
    assert any("NIC group 'gpu'" in r for r in plan.diagnostics)


def test_forms_big_m_rows_implied_by_the_tightening_rows() -> None:
    # two models: cpo ends need sw-cpo, pluggable and cable ends sw64, so each class gets a big-M row;
    # with an exact count equal to n_max and the tightening rows those rows are implied
    nodes = [
        {"id": "gpu", "kind": "nic", "count": 8, "max_port_gbps": 800, "forms": ["pluggable", "cable", "cpo"]},
        {"id": "leaf", "kind": "switch", "count": 1, "models": ["sw64", "sw-cpo"]},
    ]
    inst = counted(6400, 8, nodes=nodes)
    d = data_of(inst)
    classes = [fc for sg in d.switch_groups for fc in sg.form_classes]
    assert classes and d.form_class_rows() == []
    d.tighten = False  # without the tightening rows every big-M row stays
    assert d.form_class_rows() == classes
    loose = data_of(tiny_instance(nodes=nodes))  # no count: rows stay
    assert loose.form_class_rows() == [fc for sg in loose.switch_groups for fc in sg.form_classes]
    # the optimum with the big-M rows left out equals that of the model with every big-M row and no tightening
    plan = solve_verified(inst)
    loose_model = data_of(inst)
    loose_model.tighten = False
    report = solve_model(build_for_solve(loose_model), SolveOptions(threads=1, mip_rel_gap=0.0))
    assert report.objective == pytest.approx(plan.objective)


def test_infeasible_explanation_sees_the_dropped_options() -> None:
    # a power cap no plan meets: the explanation (which relaxes counts) is the same with the reductions on or off
    inst = counted(2001, 3, limits={"max_power_w": 100})
    on, off = solve_verified(inst), solve_verified(inst, prune_dominated=False)
    assert on.status == off.status == "infeasible"
    assert [r.to_dict() for r in on.relaxations] == [r.to_dict() for r in off.relaxations]
    assert on.relaxations


def _option(oid: str, latency_ns: float, cost_usd: float = 100.0) -> Option:
    return Option(oid, "cable", 800, 10.0, cost_usd, latency_ns, "cable", "cable", ((oid, 1),))


def test_latency_only_matters_for_dominance_on_a_path() -> None:
    fast, cheap = _option("fast", 10.0, cost_usd=200.0), _option("cheap", 100.0)
    none: tuple[None, None] = (None, None)
    assert prune_dominated([fast, cheap], [none, none], frozenset()) == [0, 1]  # a trade-off on a path
    assert prune_dominated([fast, cheap], [none, none], frozenset(), latency=False) == [1]
    # in an instance: off a path aoc-800 (cheaper, less power) dominates sr-800 (lower latency); on one it does not
    assert "sr-800+sr-800" not in option_ids(data_of(tiny_instance()))
    path = [{"id": "rt", "via": ["gpu", "leaf", "gpu"], "max_latency_ns": 450}]
    on_path = data_of(tiny_instance(paths=path))
    assert "sr-800+sr-800" in option_ids(on_path)
    assert solve_verified(tiny_instance(paths=path)).objective == pytest.approx(
        solve_verified(tiny_instance(paths=path), prune_dominated=False).objective
    )
