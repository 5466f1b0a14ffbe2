"""Hand-computed optima and published reference counts on the bundled instances."""

from __future__ import annotations

import pytest
from helpers import E_PER_W, INSTANCES, solve_verified

import optimizer


def test_tiny_hand_computed_optimum() -> None:
    plan = solve_verified(optimizer.load_instance(INSTANCES / "tiny.yaml"))
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(37780.22368, rel=1e-9)
    assert plan.totals["capex_usd"] == pytest.approx(34480)
    assert plan.totals["power_w"] == pytest.approx(724)
    assert plan.links.option.tolist() == ["sr-800+sr-800"] and plan.links["count"].tolist() == [8]
    assert pytest.approx(4.55832) == E_PER_W


def test_tiny_loose_budget_prefers_aoc() -> None:
    inst = optimizer.load_instance(INSTANCES / "tiny.yaml")
    loose = inst.model_copy(update={"paths": [inst.paths[0].model_copy(update={"max_latency_ns": 498})]})
    loose._source = inst.source
    plan = solve_verified(loose)
    assert plan.objective == pytest.approx(32316.75872, rel=1e-9)
    assert plan.links.option.tolist() == ["aoc-800"]


def test_superpod_reference_design_counts() -> None:
    """Restricted to NVIDIA's reference optics the SU needs 384 x 800G twin-port + 256 x 400G modules."""
    plan = solve_verified(optimizer.load_instance(INSTANCES / "superpod-su-256-reference.yaml"))
    bom = plan.bom.set_index("item")
    assert bom.loc["twin-2xsr4-800", "modules"] == 384
    assert bom.loc["sr4-400", "modules"] == 256
    assert bom.loc["qm9700", "units"] == 12
    nodes = plan.nodes.set_index("group")
    assert nodes.loc["leaf", "used_ports"] == 512 and nodes.loc["spine", "used_ports"] == 256


@pytest.mark.parametrize("name", sorted(p.name for p in INSTANCES.glob("*.yaml")))
def test_bundled_instances_solve_and_verify(name: str) -> None:
    plan = solve_verified(optimizer.load_instance(INSTANCES / name))
    assert plan.status == "optimal"
    assert plan.gap is not None and plan.gap <= 1e-9


def test_latency_budget_decides_cpo() -> None:
    inst = optimizer.load_instance(INSTANCES / "latency-cpo-1k.yaml")
    tight = solve_verified(inst)
    assert tight.nodes.set_index("group").loc["leaf", "model"] == "th5-cpo"
    assert "aoc-800" not in set(tight.links.option)
    loose = inst.model_copy(update={"paths": [p.model_copy(update={"max_latency_ns": 4000}) for p in inst.paths]})
    loose._source = inst.source
    free = solve_verified(loose)
    assert free.nodes.set_index("group").loc["leaf", "model"] == "th5"
    assert "aoc-800" in set(free.links.option)
    assert free.objective < tight.objective
