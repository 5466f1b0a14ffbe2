"""Reliability extension, read exactly as instances/README.md ("Reliability") states it: explicit failure
domains of cable and switch modes, the spare price of a cable priced per metre, caps on interruptions far
below 1e-6 per day, and the precision of the reported figures. Every optimum is computed by hand below."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import E_PER_W, solve_verified

import optimizer
from optimizer.core.verify import check_plan
from optimizer.errors import InstanceError

DATA = Path(__file__).resolve().parent / "data" / "extensions"
H = 8766.0
F = 1000e-9 * H  # failures per year of one unit at 1,000 FIT: 0.008766
SRC = "test figures for a hand-computed case"


def plan_of(name: str) -> tuple[optimizer.Instance, optimizer.Plan]:
    inst = optimizer.load_instance(DATA / f"{name}.yaml")
    return inst, solve_verified(inst)


def test_switch_domain_ends_decides_the_switch() -> None:
    """sw-a (64 ports) says a failure takes 8 ports (a line card); sw-b (16 ports) has the default domain."""
    inst, plan = plan_of("rel-switch-domain-ends")
    # sw-a: links down f x 8, down link-hours f x 8 x 10 h; lost GPU-hours f x 1 GPU x 0.25 h + r x 1 idle GPU
    r_a = F * 8 * 10  # 0.70128
    lost_a = F * 0.25 + r_a  # 0.7034715
    down_a = 5 * 1.0 * lost_a  # 3.5173575
    # sw-b: domain 16 (its max_ports): r = 1.40256, downtime 7.0237575, and it costs 2 USD more
    down_b = 5 * 1.0 * (F * 0.25 + F * 16 * 10)
    assert down_a == pytest.approx(3.5173575, rel=1e-12) and down_b == pytest.approx(7.0237575, rel=1e-12)
    # 4 DAC links (100 USD, 1 W) + one switch (500 W): tco = 400 + 10,000 + 504 W x e + downtime
    assert 4 * 100 + 10000 + 504 * E_PER_W + down_a == pytest.approx(12700.9106375, rel=1e-12)
    assert list(plan.nodes["model"]) == ["sw-a"]
    assert plan.objective == pytest.approx(12700.9106375, rel=1e-9)
    rel = plan.reliability
    assert rel is not None and plan.totals is not None
    assert rel["failures_per_year"] == pytest.approx(F, rel=1e-9)
    assert rel["links_down_per_year"] == pytest.approx(F * 8, rel=1e-9)  # 0.070128, not f x 64
    assert rel["lost_gpu_hours_per_year"] == pytest.approx(0.7034715, rel=1e-9)
    assert rel["interruptions_per_day"] == pytest.approx(F / 365.25, rel=1e-9)
    assert rel["downtime_usd"] == pytest.approx(3.5173575, rel=1e-9)
    assert plan.totals["downtime_usd"] == pytest.approx(3.5173575, abs=1e-6)  # USD totals: 6 decimals
    (row,) = [x for x in rel["rows"] if x["kind"] == "switch"]
    assert row["links_down_per_year"] == pytest.approx(0.070128, rel=1e-9)
    assert "sw-a.switch: 8 links" in row["failure_domains"]
    assert check_plan(inst, plan.to_dict()) == []


def test_cable_domain_ends_takes_two_links_down() -> None:
    """A cable mode with domain_ends 2: still one failing unit (one interruption) per link, 2 links down."""
    inst, plan = plan_of("rel-cable-domain-ends")
    failures = 4 * F  # 0.035064 per year
    links_down = failures * 2  # 0.070128
    r = failures * 2 * 10  # 0.70128 down link-hours
    lost = failures * 1 * 0.25 + r * 1  # 0.008766 + 0.70128 = 0.710046
    assert lost == pytest.approx(0.710046, rel=1e-12)
    assert 400 + 10000 + 504 * E_PER_W + 5 * lost == pytest.approx(12700.94351, rel=1e-12)
    assert plan.objective == pytest.approx(12700.94351, rel=1e-9)
    rel = plan.reliability
    assert rel is not None
    assert rel["failures_per_year"] == pytest.approx(0.035064, rel=1e-9)
    assert rel["links_down_per_year"] == pytest.approx(links_down, rel=1e-9)
    assert rel["lost_gpu_hours_per_year"] == pytest.approx(0.710046, rel=1e-9)
    assert rel["interruptions_per_day"] == pytest.approx(0.035064 / 365.25, rel=1e-9)  # 9.6e-5
    assert rel["downtime_usd"] == pytest.approx(3.55023, rel=1e-9)
    assert check_plan(inst, plan.to_dict()) == []
    one_link = copy.deepcopy(plan.to_dict())  # figures of the default domain (1 link): caught
    one_link["reliability"]["links_down_per_year"] = failures  # 0.035064
    one_link["reliability"]["lost_gpu_hours_per_year"] = failures * 0.25 + failures * 10  # 0.359424
    assert {v.where for v in check_plan(inst, one_link)} == {
        "reliability.links_down_per_year",
        "reliability.lost_gpu_hours_per_year",
    }


def test_switch_repair_domain_is_separate_from_the_domain() -> None:
    """domain_ends 8 (links down) and repair_domain_ends 16 (down while repaired) on a 64-port switch."""
    inst, plan = plan_of("rel-switch-repair-domain")
    lost = F * 0.25 + F * 16 * 10  # 0.0021915 + 1.40256 = 1.4047515
    assert 400 + 10000 + 504 * E_PER_W + 5 * lost == pytest.approx(12704.4170375, rel=1e-12)
    assert plan.objective == pytest.approx(12704.4170375, rel=1e-9)
    rel = plan.reliability
    assert rel is not None
    assert rel["links_down_per_year"] == pytest.approx(0.070128, rel=1e-9)  # f x 8
    assert rel["lost_gpu_hours_per_year"] == pytest.approx(1.4047515, rel=1e-9)
    assert rel["downtime_usd"] == pytest.approx(7.0237575, rel=1e-9)
    assert check_plan(inst, plan.to_dict()) == []


def test_verifier_catches_figures_of_the_default_domain() -> None:
    """The plan of rel-switch-domain-ends with its figures computed from max_ports (64) instead of the mode's
    domain_ends (8): what a planner that ignores the field would write."""
    inst, plan = plan_of("rel-switch-domain-ends")
    bad = copy.deepcopy(plan.to_dict())
    lost_64 = F * 0.25 + F * 64 * 10  # 5.6124315
    bad["reliability"]["links_down_per_year"] = F * 64  # 0.561024
    bad["reliability"]["lost_gpu_hours_per_year"] = lost_64
    bad["reliability"]["availability"] = 1 - lost_64 / (4 * H)
    bad["reliability"]["downtime_usd"] = 5 * lost_64  # 28.0621575
    extra = 5 * lost_64 - bad["totals"]["downtime_usd"]
    bad["totals"]["downtime_usd"] = 5 * lost_64
    bad["totals"]["tco_usd"] += extra
    bad["objective"] += extra
    where = {v.where for v in check_plan(inst, bad)}
    assert {
        "reliability.links_down_per_year",
        "reliability.lost_gpu_hours_per_year",
        "reliability.availability",
        "reliability.downtime_usd",
        "totals.downtime_usd",
        "totals.tco_usd",
        "objective",
    } <= where
    only_links_down = copy.deepcopy(plan.to_dict())
    only_links_down["reliability"]["links_down_per_year"] = F * 64
    assert [v.where for v in check_plan(inst, only_links_down)] == ["reliability.links_down_per_year"]


def test_cap_of_1e_9_per_day_is_valid_and_diagnosed() -> None:
    """4 DAC links of 1,000 FIT: 4 x 1e-6 x 8,766 / 365.25 = 9.6e-5 interruptions per day, far above the cap."""
    inst = optimizer.load_instance(DATA / "doc-cap-1e-9.yaml")  # valid input: no error
    assert inst.reliability is not None and inst.reliability.max_interruptions_per_day == 1e-9
    plan = optimizer.solve(inst, optimizer.SolveOptions(threads=1))
    assert str(plan.status) == "infeasible"
    assert "reliability: the plan has at least 9.6e-05 interruptions per day, the cap is 1e-09" in plan.diagnostics
    (relax,) = [r for r in plan.relaxations if r.field == "reliability.max_interruptions_per_day"]
    assert relax.value == pytest.approx(9.6e-5, rel=1e-9)
    assert relax.text == "interruptions cap 1e-09 per day: raise to at least 9.6e-05 per day"


def test_cap_bound_is_its_own() -> None:
    """The cap accepts 1e-12 per day and refuses less (and 0); other positive fields keep 1e-6."""

    def with_cap(cap: float) -> dict[str, Any]:
        inst = yaml_instance("doc-cap-1e-9")
        inst["reliability"]["max_interruptions_per_day"] = cap
        return inst

    for cap in (1e-13, 0.0):
        with pytest.raises(InstanceError) as err:
            optimizer.load_instance(with_cap(cap))
        assert "reliability.max_interruptions_per_day" in str(err.value)
    tiny = optimizer.load_instance(with_cap(1e-12))
    assert tiny.reliability is not None and tiny.reliability.max_interruptions_per_day == 1e-12
    short = yaml_instance("doc-cap-1e-9")
    short["links"][0]["length_m"] = 1e-7
    with pytest.raises(InstanceError) as err:
        optimizer.load_instance(short)
    assert "must be at least 1e-06" in str(err.value)


def test_small_fabric_figures_keep_significant_digits() -> None:
    """A cable of 1,234.567 FIT on 4 links: 4 x 1,234.567e-9 x 8,766 / 365.25 = 4 x 1,234.567 x 24e-9
    = 1.18518432e-4 interruptions per day, reported with (many more than) 6 significant digits."""
    inst = yaml_instance("rel-cable-domain-ends", **{"fit": 1234.567})
    plan = solve_verified(inst)
    expected = 4 * 1234.567 * 24e-9
    assert expected == pytest.approx(1.18518432e-4, rel=1e-12)
    assert plan.totals is not None and plan.reliability is not None
    for stated in (plan.totals["interruptions_per_day"], plan.reliability["interruptions_per_day"]):
        assert stated == pytest.approx(expected, rel=1e-10)  # 6 decimals would say 0.000119 (rel. error 4e-3)
    (row,) = [x for x in plan.reliability["rows"] if x["kind"] == "link"]
    assert row["interruptions_per_day"] == pytest.approx(expected, rel=1e-10)
    # the verifier's tolerance sees an error in the 4th significant digit of so small a figure
    bad = copy.deepcopy(plan.to_dict())
    bad["totals"]["interruptions_per_day"] = round(expected, 6)
    bad["reliability"]["interruptions_per_day"] = round(expected, 6)
    assert {v.where for v in check_plan(optimizer.load_instance(inst), bad)} == {
        "totals.interruptions_per_day",
        "reliability.interruptions_per_day",
    }


def yaml_instance(name: str, **mode: Any) -> dict[str, Any]:
    """A reproducer as a mapping, its first failure mode updated with ``mode``."""
    inst: dict[str, Any] = yaml.safe_load((DATA / f"{name}.yaml").read_text())
    inst["catalog"]["reliability"][0].update(mode)
    return inst


# ------------------------------------------------------------------ spares of a cable priced per metre
def per_metre_instance(lengths: list[float], cables: list[dict[str, Any]], allowed: list[str] | None) -> dict[str, Any]:
    """4 NICs per link group, one 10,000 USD switch without failure modes, objective capex; every cable
    fails at 100,000 FIT, spares for a 1,000 h lead time with factor 1: need 0.1 spare per link."""
    return {
        "schema_version": 1,
        "name": "per-metre-spares",
        "objective": "capex",
        "reliability": {"gpu_hour_usd": 0, "spares_factor": 1, "spares_lead_time_h": 1000},
        "catalog": {
            "media": [{"id": "smf", "cost_usd_per_m": 0, "latency_ns_per_m": 5}],
            "cables": [
                {"kind": "dac", "speed_gbps": 800, "power_w": 1, "reach_m": 5, "latency_ns": 0, "source": SRC, **c}
                for c in cables
            ],
            "switches": [
                {
                    "id": "sw",
                    "capacity_gbps": 51200,
                    "max_ports": 64,
                    "max_port_gbps": 800,
                    "forms": ["cable"],
                    "power_w": 500,
                    "cost_usd": 10000,
                    "latency_ns": 100,
                    "source": SRC,
                }
            ],
            "reliability": [
                {
                    "id": f"{c['id']}.cable",
                    "item": c["id"],
                    "mode": "cable",
                    "fit": 1e5,
                    "repair": "cable",
                    "mttr_h": 1,
                    "source": SRC,
                }
                for c in cables
            ],
        },
        "nodes": [
            *({"id": f"gpu{i}", "kind": "nic", "count": 4, "max_port_gbps": 800} for i in range(len(lengths))),
            {"id": "leaf", "kind": "switch", "count": 1, "models": ["sw"]},
        ],
        "links": [
            {
                "id": f"g{i}",
                "a": f"gpu{i}",
                "b": "leaf",
                "length_m": x,
                "demand_gbps": 3200,
                "count": 4,
                **({"allowed": allowed} if allowed else {}),
            }
            for i, x in enumerate(lengths)
        ],
    }


PER_M = {"id": "dac-m", "cost_usd": 100, "cost_usd_per_m": 50}
FLAT = {"id": "dac-flat", "cost_usd": 290}


def test_spare_of_a_per_metre_cable_costs_its_price_at_the_length() -> None:
    """4 links of 4 m. dac-m costs 100 + 50 x 4 = 300 USD per link, dac-flat 290. Spares: need 0.1 per link
    (1 x 1e5 x 1e-9 x 1,000 h), priced at the spare's price: dac-m 300 (its price at 4 m), dac-flat 290.
      dac-m:    10,000 + 4 x 300 + 0.4 x 300 = 11,320
      dac-flat: 10,000 + 4 x 290 + 0.4 x 290 = 11,276   <- optimum
    (A spare priced at dac-m's cost_usd alone, 100 USD, would give dac-m 11,240 and pick it.)"""
    inst = per_metre_instance([4.0], [PER_M, FLAT], None)
    plan = solve_verified(inst)
    assert list(plan.links["option"]) == ["dac-flat"]
    assert plan.objective == pytest.approx(11276.0, rel=1e-12)
    assert plan.totals is not None and plan.totals["spares_capex_usd"] == pytest.approx(116.0, rel=1e-12)
    forced = solve_verified(per_metre_instance([4.0], [PER_M, FLAT], ["dac-m"]))
    assert forced.objective == pytest.approx(11320.0, rel=1e-12)
    assert forced.reliability is not None
    (row,) = forced.reliability["spares"]
    assert (row["mode"], row["length_m"], row["spare_cost_usd"]) == ("dac-m.cable", 4.0, 300.0)
    assert (row["spares_needed"], row["spares"], row["capex_usd"], row["stock_capex_usd"]) == (
        pytest.approx(0.4),
        1,
        pytest.approx(120.0),
        300.0,
    )


def test_per_metre_cable_spares_are_stocked_per_length() -> None:
    """dac-m on a 1 m and a 3 m group, 4 links each: a 150 USD and a 250 USD spare are different parts.
    Need 0.4 of each (one stocked of each); spares capex 0.4 x 150 + 0.4 x 250 = 160;
    objective (capex) 10,000 + 4 x 150 + 4 x 250 + 160 = 11,760. An explicit spare_cost_usd (80) prices both
    lengths: 10,000 + 1,600 + 0.8 x 80 = 11,664, still one row per length."""
    inst = per_metre_instance([1.0, 3.0], [PER_M], None)
    plan = solve_verified(inst)
    assert plan.objective == pytest.approx(11760.0, rel=1e-12)
    assert plan.reliability is not None
    rows = {(s["length_m"], s["spare_cost_usd"], s["spares"], s["stock_capex_usd"]) for s in plan.reliability["spares"]}
    assert rows == {(1.0, 150.0, 1, 150.0), (3.0, 250.0, 1, 250.0)}
    assert plan.reliability["spares_stock_capex_usd"] == pytest.approx(400.0)
    bom = plan.bom.set_index("item")
    assert bom.loc["dac-m", "spares"] == 2 and bom.loc["dac-m", "spares_stock_usd"] == pytest.approx(400.0)
    # the verifier prices the spares from the doc: a plan that prices them at cost_usd (100) is caught
    instance = optimizer.load_instance(inst)
    bad = copy.deepcopy(plan.to_dict())
    for s in bad["reliability"]["spares"]:
        s["spare_cost_usd"] = 100.0
    bad["reliability"]["spares_capex_usd"] = 80.0
    bad["totals"]["spares_capex_usd"] = 80.0
    bad["totals"]["capex_usd"] -= 80.0
    bad["totals"]["tco_usd"] -= 80.0
    bad["objective"] -= 80.0
    where = {v.where for v in check_plan(instance, bad)}
    assert {
        "reliability.spares.dac-m.cable@1m.spare_cost_usd",
        "reliability.spares.dac-m.cable@3m.spare_cost_usd",
        "reliability.spares_capex_usd",
        "totals.spares_capex_usd",
        "objective",
    } <= where
    merged = copy.deepcopy(plan.to_dict())  # one row for both lengths: the 3 m spares are missing
    merged["reliability"]["spares"] = merged["reliability"]["spares"][:1]
    assert "reliability.spares.dac-m.cable@3m" in {v.where for v in check_plan(instance, merged)}
    explicit = copy.deepcopy(inst)
    explicit["catalog"]["reliability"][0]["spare_cost_usd"] = 80
    priced = solve_verified(explicit)
    assert priced.objective == pytest.approx(11664.0, rel=1e-12)
    assert priced.reliability is not None and len(priced.reliability["spares"]) == 2
