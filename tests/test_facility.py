"""Facility extension: switch racks, GPU-rack power, liquid cooling, fibres per cable path, structured cabling.

The hand-computed case (instances/README.md, "Facility"): 64 GPUs at 800G, 100 m to a leaf group of 2
switches (``sw64``: 2 U, 500 W, 20,000 USD). At 100 m the options are DR pairs (``dr-800``: 16 W, 1,200 USD,
16 fibres per end), a linear DR-class end (``lp-800``: 8 W, 1,500 USD, 16 fibres) that pairs with DR, and an
FR pair (``fr-800``: 20 W, 1,500 USD, 4 fibres, its own medium). Per link, with e = 4.55832 USD per W:

    dr+dr  2 x 1,200 + 0.5 x 100 = 2,450 USD, 32 W (16 at each end), 16 fibres    -> 2,595.87 tco
    lp+dr  1,500 + 1,200 + 50    = 2,750 USD, 24 W ( 8 at the NIC)                -> 2,859.40
    fr+fr  2 x 1,500 + 1 x 100   = 3,100 USD, 40 W, 4 fibres                      -> 3,282.33

so without limits every link is dr+dr: 64 x 2,450 + 40,000 = 196,800 USD capex, 64 x 32 + 1,000 = 3,048 W.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import E_PER_W, solve_verified, tiny_catalog

import optimizer
from optimizer.cli import main
from optimizer.core.verify import check_plan
from optimizer.errors import InstanceError

SRC = "test figures"


def facility_catalog() -> dict[str, Any]:
    cat = tiny_catalog()
    cat["media"].append({"id": "smf-fr", "cost_usd_per_m": 1.0, "latency_ns_per_m": 5.0, "source": SRC})
    for t in cat["transceivers"]:
        t["fibres"] = 8 if t["speed_gbps"] == 400 else 16
    common = {"form": "pluggable", "speed_gbps": 800, "latency_ns": 1, "source": SRC}
    cat["transceivers"] += [
        {"id": "lp-800", "media": "smf", "power_w": 8, "cost_usd": 1500, "reach_m": 500, "fibres": 16, **common},
        {"id": "fr-800", "media": "smf-fr", "power_w": 20, "cost_usd": 1500, "reach_m": 2000, "fibres": 4, **common},
    ]
    for s in cat["switches"]:
        s["rack_units"] = 2
    cat["switches"][1]["cooling"] = "liquid"  # sw-cpo
    return cat


def hall(facility: dict[str, Any] | None, models: tuple[str, ...] = ("sw64",), **overrides: Any) -> dict[str, Any]:
    inst: dict[str, Any] = {
        "schema_version": 1,
        "name": "facility-test",
        "catalog": facility_catalog(),
        "limits": {"max_power_w": 5000},
        "nodes": [
            {"id": "gpu", "kind": "nic", "count": 64, "max_port_gbps": 800},
            {"id": "leaf", "kind": "switch", "count": 2, "models": list(models)},
        ],
        "links": [{"id": "gpu-leaf", "a": "gpu", "b": "leaf", "length_m": 100, "demand_gbps": 51200, "count": 64}],
    }
    if facility is not None:
        inst["facility"] = facility
    inst.update(copy.deepcopy(overrides))
    return inst


def counts(plan: optimizer.Plan) -> dict[str, int]:
    return {str(r.option): int(r.count) for r in plan.links.itertuples()}


DR_ONLY = 64 * 2450 + 40000 + (64 * 32 + 1000) * E_PER_W


def test_without_limits_nothing_changes_and_the_figures_are_by_hand() -> None:
    plain = solve_verified(hall(None))
    assert counts(plain) == {"dr-800+dr-800": 64}
    assert plain.objective == pytest.approx(DR_ONLY, rel=1e-9)
    assert plain.facility is None
    rule = {"trunk_fibres": 144, "trunk_cost_usd": 300, "trunk_cost_usd_per_m": 2, "cassette_cost_usd": 250}
    plan = solve_verified(hall({"switch_rack_kw": 2.5, "cabling": {**rule, "panel_cost_usd": 150}}))
    assert counts(plan) == {"dr-800+dr-800": 64} and plan.objective == pytest.approx(DR_ONLY, rel=1e-9)
    f = plan.facility
    assert f is not None
    # 2 switches x 2 U = 4 U of 42: 1 rack by space; 2 x 500 + 64 x 16 (switch ends) = 2,024 W of 2.5 kW: 1 rack
    assert (f["rack_units"], f["switch_rack_power_w"], f["switch_racks"]) == (4, 2024, 1)
    assert f["gpu_rack_network_w"] == 64 * 16 and f["liquid_load_w"] == 0
    # 64 links x 16 fibres = 1,024: ceil(1,024 / 144) = 8 trunks, 2 x ceil(1,024 / 24) = 86 cassettes,
    # 2 x ceil(43 / 4) = 22 panels; 8 x (300 + 2 x 100) + 86 x 250 + 22 x 150 = 28,800 USD
    assert f["fibres"] == 1024 and f["link_groups"] == [{"group": "gpu-leaf", "fibres": 1024}]
    assert f["cabling"] == [
        {"group": "gpu-leaf", "fibres": 1024, "trunks": 8, "cassettes": 86, "panels": 22, "capex_usd": 28800.0}
    ]
    assert plan.totals is not None and plan.totals["cabling_capex_usd"] == 28800
    assert plan.totals["capex_usd"] == 64 * 2450 + 40000  # a bill-of-materials rule: not in the capex
    bom = plan.bom.set_index("item")
    assert bom.loc["mpo-trunk-144f", "units"] == 8 and bom.loc["mpo-trunk-144f", "length_m"] == 800
    assert bom.loc["mpo-cassette-24f", "capex_usd"] == 86 * 250 and bom.loc["patch-panel", "units"] == 22


def test_gpu_rack_cap_moves_nic_ends_to_the_low_power_part() -> None:
    """8 GPU racks of 9.9 kW capped at 10 kW leave 8 x 100 W = 800 W for the 64 NIC ends: x dr+dr (16 W at
    the NIC) and 64 - x lp+dr (8 W) fit when 16 x + 8 (64 - x) <= 800, x <= 36."""
    plan = solve_verified(hall({"gpu_racks": 8, "gpu_rack_kw": 10, "gpu_rack_base_kw": 9.9}))
    assert counts(plan) == {"dr-800+dr-800": 36, "lp-800+dr-800": 28}
    assert plan.objective == pytest.approx(36 * 2450 + 28 * 2750 + 40000 + (36 * 32 + 28 * 24 + 1000) * E_PER_W)
    assert plan.facility is not None and plan.facility["gpu_rack_kw"] == pytest.approx(9.9 + 800 / 8 / 1000)


def test_fibre_path_limit_moves_links_to_duplex_optics() -> None:
    """512 fibres on the path: 16 x + 4 (64 - x) <= 512 gives x <= 21 DR links, the other 43 FR."""
    inst = optimizer.load_instance(hall({"fibre_paths": [{"id": "a-b", "links": ["gpu-leaf"], "max_fibres": 512}]}))
    plan = solve_verified(inst)
    assert counts(plan) == {"dr-800+dr-800": 21, "fr-800+fr-800": 43}
    assert plan.facility is not None
    assert plan.facility["fibre_paths"] == [{"id": "a-b", "fibres": 508, "max_fibres": 512}]
    tight = optimizer.solve(inst.with_changes({"facility.fibre_paths.a-b.max_fibres": 200}), optimizer.SolveOptions())
    assert tight.status == "infeasible"  # 64 FR links need 256 fibres: the explanation gives the path's limit
    assert [(r.limit, r.id, r.field, r.value) for r in tight.relaxations] == [
        ("fibre_path", "a-b", "facility.fibre_paths.a-b.max_fibres", 256)
    ]


def test_liquid_cooling_capacity_keeps_the_air_cooled_model() -> None:
    """With the liquid-cooled CPO model (600 W, 30,000 USD) the CPO plan is cheaper; 1 kW of liquid cooling
    cannot take its 2 x 600 W, so the plan stays on the air-cooled model."""
    free = solve_verified(hall({}, models=("sw64", "sw-cpo")))
    assert free.nodes["model"].tolist() == ["sw-cpo"]
    assert free.facility is not None and free.facility["liquid_load_w"] == 1200  # a mixed group: chassis only
    capped = solve_verified(hall({"liquid_cooling_kw": 1.0}, models=("sw64", "sw-cpo")))
    assert capped.nodes["model"].tolist() == ["sw64"] and counts(capped) == {"dr-800+dr-800": 64}
    only_liquid = solve_verified(hall({}, models=("sw-cpo",)))  # every model liquid: the ends count too
    assert only_liquid.facility is not None and only_liquid.facility["liquid_load_w"] == 1200 + 64 * 5


def test_plan_within_the_power_cap_does_not_fit_the_hall_and_the_explanation_says_why() -> None:
    """The network draws at most 3,048 W against a 5,000 W cap, but one 1.4 kW switch rack cannot take the
    switches and their ends: at the least, 2 x 500 W + 64 linear ends of 8 W = 1,512 W (dr+lp links). The
    relaxation names the facility limit and the changes that fit: a second rack, or 1.512 kW per rack."""
    inst = hall({"switch_rack_kw": 1.4, "max_switch_racks": 1})
    plan = optimizer.solve(optimizer.load_instance(inst), optimizer.SolveOptions(threads=1))
    assert plan.status == "infeasible"
    racks = [r for r in plan.relaxations if r.limit == "switch_racks"]
    assert [(r.field, r.current, r.value) for r in racks] == [("facility.max_switch_racks", 1, 2)]
    assert "raise facility.switch_rack_kw to at least 1.512 kW" in racks[0].text
    assert not [r for r in plan.relaxations if r.field == "limits.max_power_w"]  # the power cap is not the cause
    fixed = optimizer.load_instance(inst).with_changes({r.field: r.value for r in plan.relaxations})
    assert solve_verified(fixed).facility["switch_racks"] == 2  # type: ignore[index]
    also = solve_verified(optimizer.load_instance(inst).with_changes({"facility.switch_rack_kw": 1.512}))
    assert counts(also) == {"dr-800+lp-800": 64} and also.facility["switch_rack_power_w"] == 1512  # type: ignore[index]


def test_gpu_rack_power_explained_when_no_part_fits() -> None:
    """At 9.95 kW of base the racks leave 8 x 50 = 400 W: even 64 lp ends (512 W) do not fit; the least change
    is 9.95 + 512 / 8 / 1000 = 10.014 kW per GPU rack."""
    inst = hall({"gpu_racks": 8, "gpu_rack_kw": 10, "gpu_rack_base_kw": 9.95})
    plan = optimizer.solve(optimizer.load_instance(inst), optimizer.SolveOptions(threads=1))
    assert plan.status == "infeasible"
    assert [(r.limit, r.field, r.value) for r in plan.relaxations] == [
        ("gpu_rack_power", "facility.gpu_rack_kw", pytest.approx(10.014))
    ]
    assert "facility: the plan needs at least 512 W of link ends at the NICs" in plan.diagnostics[0]
    fixed = optimizer.load_instance(inst).with_changes({"facility.gpu_rack_kw": 10.014})
    assert counts(solve_verified(fixed)) == {"lp-800+dr-800": 64}


def test_verifier_recomputes_the_facility_figures_and_limits() -> None:
    inst = optimizer.load_instance(hall({"switch_rack_kw": 2.5, "max_switch_racks": 1, "cabling": {}}))
    plan = solve_verified(inst).to_dict()
    wrong = copy.deepcopy(plan)
    wrong["facility"]["switch_racks"] = 2
    wrong["facility"]["cabling"][0]["trunks"] = 7
    where = {v.where for v in check_plan(inst, wrong)}
    assert {"facility.switch_racks", "facility.cabling.gpu-leaf.trunks"} <= where
    tighter = inst.with_changes({"facility.switch_rack_kw": 2.0})
    assert "facility.max_switch_racks" in {v.where for v in check_plan(tighter, plan)}


def test_bad_facility_input_is_reported_at_once() -> None:
    cat = facility_catalog()
    del cat["switches"][0]["rack_units"]
    bad = hall({"gpu_rack_kw": 10, "fibre_paths": [{"id": "p", "links": ["nope"], "max_fibres": 1}]}, catalog=cat)
    with pytest.raises(InstanceError) as err:
        optimizer.load_instance(bad)
    assert "gpu_rack_kw needs gpu_racks" in str(err.value)
    good_fields = hall({"fibre_paths": [{"id": "p", "links": ["nope"], "max_fibres": 1}]}, catalog=cat)
    with pytest.raises(InstanceError) as err:
        optimizer.load_instance(good_fields)
    text = str(err.value)
    assert "switch model 'sw64' has no rack_units" in text and "unknown link group 'nope'" in text


def test_cli_summary_and_files_carry_the_facility(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rule = {"trunk_fibres": 144, "trunk_cost_usd": 300, "trunk_cost_usd_per_m": 2, "cassette_cost_usd": 250}
    file = tmp_path / "hall.yaml"
    file.write_text(yaml.safe_dump(hall({"switch_rack_kw": 2.5, "cabling": rule})), encoding="utf-8")
    assert main(["solve", str(file), "--out", str(tmp_path / "out")]) == 0
    shown = capsys.readouterr().out
    assert "switch racks" in shown and "1 (1 by space, 1 by power)" in shown
    assert "structured cabling: 8 trunks, 86 cassettes, 22 patch panels over 1 link groups, 25,500 USD" in shown
    back = optimizer.Plan.read(tmp_path / "out")
    assert back.facility is not None and back.facility["fibres"] == 1024
    bom = (tmp_path / "out" / "bom.csv").read_text(encoding="utf-8")
    assert "mpo-trunk-144f,cabling,8,8,800.0,0.0,4000.0" in bom


def test_site_priced_pruning_keeps_the_options_a_facility_row_needs() -> None:
    """The fibre-path case under a site envelope: pruning by the site's price of a watt compares the facility
    figures too (fibres per option here), so the duplex FR links the path needs are kept and the optimum is
    the unpruned model's (pruning by the priced coefficient alone left only 16-fibre links: infeasible). At the
    site's price of a watt the linear (LPO) pair takes the DR pair's place: 21 of them, 43 FR."""
    doc = hall({"fibre_paths": [{"id": "a-b", "links": ["gpu-leaf"], "max_fibres": 512}]})
    doc["site"] = {"it_power_w": 10_000_000, "gpu_w": 1000, "gpu_hour_usd": 2.0}
    plan = solve_verified(doc)
    assert counts(plan) == {"lp-800+lp-800": 21, "fr-800+fr-800": 43}
    unpruned = optimizer.solve(
        optimizer.load_instance(doc), optimizer.SolveOptions(threads=1, mip_rel_gap=0.0, prune_dominated=False)
    )
    assert plan.objective == pytest.approx(unpruned.objective, rel=1e-12)
