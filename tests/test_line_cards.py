"""Modular chassis with line cards: catalogue fields and checks, and the line card as a failure domain of its own
(a card's failure takes down only its ports, and stops the job as the loss of one of its links would)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers import solve_verified, tiny_instance

from optimizer.core.catalog import builtin_catalog
from optimizer.core.load import load_instance
from optimizer.errors import InstanceError

H = 8766.0
SRC = "test figures for a hand-computed case"
CHASSIS = {
    "id": "chassis4",
    "capacity_gbps": 51200,
    "max_ports": 64,
    "max_port_gbps": 800,
    "forms": ["pluggable", "cable"],
    "power_w": 1000,
    "cost_usd": 80000,
    "latency_ns": 500,
    "line_cards": 4,
    "line_card_capacity_gbps": 12800,
    "line_card_power_w": 200,
    "source": SRC,
}
MODES = [
    {"id": "sr-800.module", "item": "sr-800", "mode": "module", "fit": 1000, "repair": "module", "mttr_h": 0.5},
    {"id": "sw64.switch", "item": "sw64", "mode": "switch", "fit": 5000, "repair": "switch", "mttr_h": 4},
    {"id": "chassis4.card", "item": "chassis4", "mode": "line card", "fit": 2000, "repair": "line_card", "mttr_h": 1},
    {"id": "chassis4.chassis", "item": "chassis4", "mode": "chassis", "fit": 500, "repair": "switch", "mttr_h": 4},
]
RELIABILITY = {
    "gpu_hour_usd": 3.0,
    "restart_h": 0.5,
    "idle_gpus_per_lost_link": 1.0,
    "spares_lead_time_h": 1000.0,
    "spares_factor": 2.0,
}


def chassis_instance(card: dict[str, Any] | None = None) -> dict[str, Any]:
    """32 GPUs at 800G on 4 sw64 leaves (8 down, 8 up each) under 2 chassis4 spines, SR-800 everywhere."""
    inst = tiny_instance()
    cat = inst["catalog"]
    cat["switches"].append(copy.deepcopy(CHASSIS))
    rows = [dict(r, source=SRC) for r in MODES]
    if card is not None:
        rows = [dict(r, **card) if r["id"] == "chassis4.card" else r for r in rows]
    cat["reliability"] = rows
    inst["nodes"] = [
        {"id": "gpu", "kind": "nic", "count": 32, "max_port_gbps": 800},
        {"id": "leaf", "kind": "switch", "count": 4, "models": ["sw64"]},
        {"id": "spine", "kind": "switch", "count": 2, "models": ["chassis4"]},
    ]
    inst["links"] = [
        {"id": "gpu-leaf", "a": "gpu", "b": "leaf", "length_m": 10, "demand_gbps": 25600, "allowed": ["sr-800"]},
        {"id": "leaf-spine", "a": "leaf", "b": "spine", "length_m": 10, "demand_gbps": 25600, "allowed": ["sr-800"]},
    ]
    inst["reliability"] = dict(RELIABILITY)
    return inst


def _row(plan: Any, group: str) -> dict[str, Any]:
    return next(r for r in plan.reliability["rows"] if r["group"] == group)


def test_a_line_card_failure_takes_down_its_ports_and_stops_the_job_as_a_link_would() -> None:
    """Per chassis: 4 cards at 2,000 FIT, each losing its 16 ports (64 / 4) for 1 h, and the chassis common
    parts at 500 FIT, losing all 64 ports for 4 h. A card's failure stops the job as a leaf-spine link's does:
    1 / P with P = min(4 leaves, 2 spines) = 2; the chassis's always. For the 2 spines per year:
    failures 2 x (4 x 2000 + 500) x 1e-9 x 8766 = 0.149022; interruptions 2 x (0.5 x 0.070128 + 0.004383) =
    0.078894; links down 2 x (0.070128 x 16 + 0.004383 x 64) = 2.80512; down link-hours 2 x (0.070128 x 16 x 1
    + 0.004383 x 64 x 4) = 4.488192; GPU-hours lost 0.078894 x 32 GPUs x 0.5 h + 4.488192 x 1 idle GPU =
    5.750496. Spares (factor 2, lead time 1,000 h): 2 x 8 cards x 2e-6 x 1000 = 0.032 cards at
    80,000 / 4 = 20,000 USD (a card's share of the chassis price) = 640 USD; 2 x 2 x 5e-7 x 1000 =
    0.002 chassis at 80,000 USD = 160 USD."""
    plan = solve_verified(chassis_instance())
    assert plan.status == "optimal"
    card = 4 * 2000e-9 * H
    chassis = 500e-9 * H
    assert card == pytest.approx(0.070128) and chassis == pytest.approx(0.004383)
    row = _row(plan, "spine")
    assert row["failures_per_year"] == pytest.approx(0.149022, rel=1e-9)
    assert row["interruptions_per_day"] == pytest.approx(0.078894 / 365.25, rel=1e-9)
    assert row["links_down_per_year"] == pytest.approx(2.80512, rel=1e-9)
    assert row["lost_gpu_hours_per_year"] == pytest.approx(5.750496, rel=1e-9)
    assert "chassis4.card: 16 links, line_card repair, 1 h" in row["failure_domains"]
    spares = {s["mode"]: (s["units"], s["spares_needed"], s["capex_usd"]) for s in plan.reliability["spares"]}
    assert spares["chassis4.card"] == (8, pytest.approx(0.032), pytest.approx(640.0))
    assert spares["chassis4.chassis"] == (2, pytest.approx(0.002), pytest.approx(160.0))


def test_the_same_rate_as_a_whole_switch_failure_stops_the_job_every_time() -> None:
    """The counter-check: the card's row read as a whole-switch mode (repair switch, its 16 ports) is one
    failing unit per switch that always stops the job: 2 x (2000 + 500) x 1e-9 x 8766 = 0.04383 failures and
    as many interruptions a year, against 0.149022 failures but 0.078894 interruptions with line cards."""
    plan = solve_verified(chassis_instance({"repair": "switch", "domain_ends": 16}))
    row = _row(plan, "spine")
    assert row["failures_per_year"] == pytest.approx(0.04383, rel=1e-9)
    assert row["interruptions_per_day"] == pytest.approx(0.04383 / 365.25, rel=1e-9)


def test_a_line_card_of_a_top_of_rack_chassis_stops_the_job() -> None:
    """A chassis whose group has host links: the host link's job stop fraction is 1, so is its cards'."""
    inst = chassis_instance()
    inst["nodes"] = [
        {"id": "gpu", "kind": "nic", "count": 32, "max_port_gbps": 800},
        {"id": "leaf", "kind": "switch", "count": 1, "models": ["chassis4"]},
    ]
    inst["links"] = [inst["links"][0]]
    row = _row(solve_verified(inst), "leaf")
    assert row["interruptions_per_day"] == pytest.approx((4 * 2000 + 500) * 1e-9 * H / 365.25, rel=1e-9)


def test_line_card_fields_and_modes_are_checked() -> None:
    bad = chassis_instance()
    bad["catalog"]["switches"][-1].update(line_card_capacity_gbps=10000, line_cards=3)
    with pytest.raises(InstanceError) as exc:
        load_instance(bad)
    text = str(exc.value)
    assert "max_ports (64) is not a multiple of line_cards (3)" in text
    assert "line_cards x line_card_capacity_gbps (30000) != capacity_gbps" in text
    fixed = chassis_instance()
    fixed["catalog"]["reliability"].append(
        {"id": "sw64.card", "item": "sw64", "mode": "card", "fit": 1, "repair": "line_card", "mttr_h": 1, "source": SRC}
    )
    with pytest.raises(InstanceError, match="repair line_card needs a modular switch"):
        load_instance(fixed)


def test_builtin_modular_chassis() -> None:
    """The built-in 16-slot chassis: 16 cards of 36 x 400G (14.4T, 600 W each) make 576 ports, 230.4T and
    9.6 kW of its 12 kW; its cards and its common parts fail as separate modes."""
    chassis = {s.id: s for s in builtin_catalog().switches}["7816r3"]
    assert chassis.line_cards == 16 and chassis.ports_per_line_card == 36
    assert chassis.line_card_capacity_gbps == 14400 and chassis.capacity_gbps == 16 * 14400 == 576 * 400
    assert chassis.line_card_power_w is not None and chassis.line_card_power_w * 16 <= chassis.power_w
    repairs = {r.repair for r in builtin_catalog().reliability if r.item == "7816r3"}
    assert repairs == {"line_card", "switch"}
