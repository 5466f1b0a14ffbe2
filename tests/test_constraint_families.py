"""One test per constraint family: the family binds, and breaking its data changes the outcome as predicted.

All instances use the test catalogue of helpers.tiny_catalog(). At 10 m the options are
(e = energy $ per W over the horizon):
  sr-400+sr-400  400G  1010 $  16 W  52 ns       sr-800+sr-800  800G  1810 $  28 W   52 ns
  dr-800+dr-800  800G  2405 $  32 W 150 ns       aoc-800        800G  1200 $  12 W  149 ns
"""

from __future__ import annotations

import pytest
from helpers import E_PER_W, solve_verified, tiny_instance

import optimizer
from optimizer.core.model import FAMILIES

E = E_PER_W
SW64 = 20000 + 500 * E
AOC = 1200 + 12 * E
SR800 = 1810 + 28 * E
SR400 = 1010 + 16 * E


def options_used(plan: optimizer.Plan, group: str | None = None) -> dict[str, int]:
    rows = plan.links if group is None else plan.links[plan.links.group == group]
    return dict(zip(rows.option, rows["count"], strict=True))


def test_capacity_demand_count_uniform() -> None:
    base = solve_verified(tiny_instance())
    assert options_used(base) == {"aoc-800": 8}
    assert base.objective == pytest.approx(8 * AOC + SW64)
    # one Gb/s more than 8 ports x 800G can carry: infeasible, with the reason
    over = solve_verified(
        tiny_instance(links=[{"id": "gpu-leaf", "a": "gpu", "b": "leaf", "length_m": 10, "demand_gbps": 6401}])
    )
    assert over.status == "infeasible"
    assert any("needs at least 9 links" in r for r in over.diagnostics)
    # exact count
    counted = solve_verified(
        tiny_instance(links=[{"id": "gpu-leaf", "a": "gpu", "b": "leaf", "length_m": 10, "demand_gbps": 0, "count": 3}])
    )
    assert sum(options_used(counted).values()) == 3
    # 6000 Gb/s: mixing 7 AOC + 1 SR-400 is cheapest; uniform forces 8 AOC
    mixed_links = [{"id": "gpu-leaf", "a": "gpu", "b": "leaf", "length_m": 10, "demand_gbps": 6000}]
    mixed = solve_verified(tiny_instance(links=mixed_links))
    assert options_used(mixed) == {"aoc-800": 7, "sr-400+sr-400": 1}
    uniform = solve_verified(tiny_instance(links=[{**mixed_links[0], "uniform": True}]))
    assert options_used(uniform) == {"aoc-800": 8}
    assert uniform.objective - mixed.objective == pytest.approx(AOC - SR400)


def test_switch_model_choice_and_count() -> None:
    nodes = [
        {"id": "gpu", "kind": "nic", "count": 40, "max_port_gbps": 800},
        {"id": "leaf", "kind": "switch", "count": {"min": 0, "max": 3}, "models": ["sw64", "sw-cpo"]},
    ]
    links = [{"id": "gpu-leaf", "a": "gpu", "b": "leaf", "length_m": 10, "demand_gbps": 32000}]
    plan = solve_verified(tiny_instance(nodes=nodes, links=links))
    # 32,000 Gb/s exceeds one sw64 (25,600): two pluggable switches beat one CPO switch plus CPO optics
    assert plan.nodes.iloc[0]["model"] == "sw64" and plan.nodes.iloc[0]["count"] == 2
    capped = solve_verified(
        tiny_instance(nodes=[nodes[0], {**nodes[1], "count": {"min": 0, "max": 1}, "models": ["sw64"]}], links=links)
    )
    assert capped.status == "infeasible"
    assert any("switch group 'leaf'" in r for r in capped.diagnostics)


def test_forms_restrict_ends_to_the_chosen_model() -> None:
    nodes = [
        {"id": "gpu", "kind": "nic", "count": 8, "max_port_gbps": 800},
        {"id": "leaf", "kind": "switch", "count": 1, "models": ["sw64", "sw-cpo"]},
    ]
    links = [
        {
            "id": "gpu-leaf",
            "a": "gpu",
            "b": "leaf",
            "length_m": 10,
            "demand_gbps": 6400,
            "allowed": ["dr-800", "cpo-800"],
        }
    ]
    plan = solve_verified(tiny_instance(nodes=nodes, links=links))
    # cpo ends need sw-cpo (30k $): pluggable DR on sw64 is cheaper overall
    assert options_used(plan) == {"dr-800+dr-800": 8}
    assert plan.nodes.iloc[0]["model"] == "sw64"
    # break the data: let sw64 take cpo ends too -> the cheaper dr-800+cpo-800 runs on sw64
    inst = tiny_instance(nodes=nodes, links=links)
    inst["catalog"]["switches"][0]["forms"] = ["pluggable", "cable", "cpo"]
    broken = solve_verified(inst)
    assert options_used(broken) == {"dr-800+cpo-800": 8}
    assert broken.objective == pytest.approx(8 * (2005 + 21 * E) + SW64)
    # port speed: sw64 limited to 400G ports -> 800G options only on sw-cpo
    inst = tiny_instance(nodes=nodes, links=links)
    inst["catalog"]["switches"][0]["max_port_gbps"] = 400
    slow = solve_verified(inst)
    assert slow.nodes.iloc[0]["model"] == "sw-cpo"


def test_switch_capacity_gbps_and_ports() -> None:
    nodes = [
        {"id": "gpu", "kind": "nic", "count": 8, "max_port_gbps": 800},
        {"id": "leaf", "kind": "switch", "count": {"min": 1, "max": 2}, "models": ["sw64"]},
    ]
    base = solve_verified(tiny_instance(nodes=nodes))
    assert base.nodes.iloc[0]["count"] == 1 and base.nodes.iloc[0]["used_gbps"] == 6400
    inst = tiny_instance(nodes=nodes)
    inst["catalog"]["switches"][0]["capacity_gbps"] = 6000
    assert solve_verified(inst).nodes.iloc[0]["count"] == 2
    inst = tiny_instance(nodes=nodes)
    inst["catalog"]["switches"][0]["max_ports"] = 6
    assert solve_verified(inst).nodes.iloc[0]["count"] == 2
    inst["nodes"][1]["count"] = 1
    assert solve_verified(inst).status == "infeasible"


def test_nic_capacity_ports() -> None:
    seven = tiny_instance(
        nodes=[
            {"id": "gpu", "kind": "nic", "count": 7, "max_port_gbps": 800},
            {"id": "leaf", "kind": "switch", "count": 1, "models": ["sw64"]},
        ]
    )
    plan = solve_verified(seven)
    assert plan.status == "infeasible"
    assert any("NIC group 'gpu'" in r or "ports" in r for r in plan.diagnostics)
    seven["nodes"][0]["ports"] = 2
    assert options_used(solve_verified(seven)) == {"aoc-800": 8}


def test_latency_budget_excludes_slow_options() -> None:
    def with_budget(ns: float) -> optimizer.Plan:
        return solve_verified(tiny_instance(paths=[{"id": "rt", "via": ["gpu", "leaf", "gpu"], "max_latency_ns": ns}]))

    assert options_used(with_budget(600)) == {"aoc-800": 8}  # 2 x 149 + 200 = 498 fits
    tight = with_budget(450)  # AOC out, SR-800 (52 ns) in
    assert options_used(tight) == {"sr-800+sr-800": 8}
    assert tight.objective == pytest.approx(8 * SR800 + SW64)
    assert tight.paths.iloc[0]["latency_ns"] == pytest.approx(2 * 52 + 200)
    impossible = with_budget(250)
    assert impossible.status == "infeasible"
    assert any("latency lower bound 304" in r for r in impossible.diagnostics)


def test_aggregate_bandwidth() -> None:
    links = [{"id": "gpu-leaf", "a": "gpu", "b": "leaf", "length_m": 10, "demand_gbps": 0}]
    plan = solve_verified(
        tiny_instance(links=links, bandwidth=[{"id": "bw", "links": ["gpu-leaf", "gpu-leaf"], "min_gbps": 3200}])
    )
    assert options_used(plan) == {"aoc-800": 4}
    too_much = solve_verified(
        tiny_instance(links=links, bandwidth=[{"id": "bw", "links": ["gpu-leaf"], "min_gbps": 7000}])
    )
    assert too_much.status == "infeasible"
    assert any("bandwidth 'bw'" in r for r in too_much.diagnostics)


def test_limits_power_capex_supply() -> None:
    base = solve_verified(tiny_instance())
    assert base.totals["power_w"] == pytest.approx(596) and base.totals["capex_usd"] == pytest.approx(29600)
    assert solve_verified(tiny_instance(limits={"max_power_w": 596})).status == "optimal"
    assert solve_verified(tiny_instance(limits={"max_power_w": 595})).status == "infeasible"
    assert solve_verified(tiny_instance(limits={"max_capex_usd": 29599})).status == "infeasible"
    supplied = solve_verified(tiny_instance(limits={"supply": {"aoc-800": 4}}))
    assert options_used(supplied) == {"aoc-800": 4, "sr-800+sr-800": 4}
    assert supplied.objective == pytest.approx(4 * AOC + 4 * SR800 + SW64)
    # a transceiver counts once per end: 6 sr-800 ends allow only 3 sr-800 links, the 8th link
    # falls back to the (otherwise dominated) dr-800 pair
    both = solve_verified(tiny_instance(limits={"supply": {"aoc-800": 4, "sr-800": 6}}))
    assert options_used(both) == {"aoc-800": 4, "sr-800+sr-800": 3, "dr-800+dr-800": 1}
    assert both.bom.set_index("item").loc["sr-800", "units"] == 6


# The registry: every constraint family (optimizer.core.model.FAMILIES) and the tests that prove it binds as
# its docstring says. A new family without an entry here fails test_every_family_has_a_test; an entry naming a
# test that does not exist fails test_registry_names_existing_tests.
TESTS_OF_FAMILY = {
    "capacity": ["test_constraint_families.py::test_capacity_demand_count_uniform"],
    "switch_model": ["test_constraint_families.py::test_switch_model_choice_and_count"],
    "forms": ["test_constraint_families.py::test_forms_restrict_ends_to_the_chosen_model"],
    "switch_capacity": ["test_constraint_families.py::test_switch_capacity_gbps_and_ports"],
    "nic_capacity": ["test_constraint_families.py::test_nic_capacity_ports"],
    "latency": ["test_constraint_families.py::test_latency_budget_excludes_slow_options"],
    "bandwidth": ["test_constraint_families.py::test_aggregate_bandwidth"],
    "limits": ["test_constraint_families.py::test_limits_power_capex_supply"],
    "routing": [
        "test_routing.py::test_direct_route_is_cheapest",
        "test_routing.py::test_latency_budget_forces_the_fast_path",
        "test_routing.py::test_single_path_cannot_split",
        "test_routing.py::test_plain_and_strengthened_agree",
    ],
    "compatibility": [
        "test_compat.py::test_one_protocol_per_fabric",
        "test_compat.py::test_part_protocol_follows_the_fabric",
        "test_compat.py::test_twin_port_halves_come_in_whole_modules",
        "test_compat.py::test_protocol_choice_weighs_parts_against_switches",
    ],
    "reliability": [
        "test_reliability.py::test_hand_computed_case",
        "test_reliability.py::test_downtime_flips_the_choice",
        "test_reliability.py::test_caps_on_interruptions_and_availability",
    ],
    "facility_racks": [
        "test_facility.py::test_plan_within_the_power_cap_does_not_fit_the_hall_and_the_explanation_says_why"
    ],
    "facility_power": [
        "test_facility.py::test_gpu_rack_cap_moves_nic_ends_to_the_low_power_part",
        "test_facility.py::test_liquid_cooling_capacity_keeps_the_air_cooled_model",
    ],
    "facility_fibres": ["test_facility.py::test_fibre_path_limit_moves_links_to_duplex_optics"],
    "roadmap": [  # linking rows of the copies of a roadmap (built after the single-period families)
        "test_roadmap.py::test_single_mode_fibre_bought_early_for_the_next_optics",
        "test_roadmap.py::test_supply_cap_forces_a_mix",
        "test_roadmap.py::test_installed_base_is_kept_rather_than_replaced",
        "test_roadmap.py::test_lead_time_brings_a_purchase_into_a_later_period",
        "test_roadmap.py::test_period_budget_caps_the_purchases",
    ],
}


def test_every_family_has_a_test() -> None:
    from optimizer.core.model.constraints import roadmap

    assert {family.FAMILY for family in (*FAMILIES, roadmap)} == set(TESTS_OF_FAMILY)


def test_registry_names_existing_tests() -> None:
    import ast
    from pathlib import Path

    here = Path(__file__).parent
    for family, tests in TESTS_OF_FAMILY.items():
        assert tests, family
        for test in tests:
            file, name = test.split("::")
            tree = ast.parse((here / file).read_text(encoding="utf-8"))
            names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
            assert name in names, f"{family}: {test} does not exist"
