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


def test_latency_budget_decides_linear_optics() -> None:
    # The 2,700 ns budget rules out DSP-retimed ends; of the linear ones, a CPO engine is priced at parity
    # with the DR8 module it replaces ($1,250) against $800 for LPO, and th5-cpo costs 10% more than th5,
    # so the linear optics are LPO pairs in pluggable th5 cages on both tiers.
    inst = optimizer.load_instance(INSTANCES / "latency-cpo-1k.yaml")
    tight = solve_verified(inst)
    assert set(tight.nodes.model) == {"th5"}
    assert set(tight.links.option) == {"lpo-dr-800+lpo-dr-800"}
    loose = inst.model_copy(update={"paths": [p.model_copy(update={"max_latency_ns": 4000}) for p in inst.paths]})
    loose._source = inst.source
    free = solve_verified(loose)
    assert free.nodes.set_index("group").loc["leaf", "model"] == "th5"
    assert "aoc-800" in set(free.links.option)
    assert free.objective < tight.objective


def _premium_doc(premium: float) -> dict[str, object]:
    """8 NICs on one switch, pluggable (sw) or CPO (sw-cpo, the same price plus a premium)."""
    part = {"speed_gbps": 800, "reach_m": 100, "latency_ns": 1, "power_w": 0.0, "source": "hand-made test part"}
    switch = {"capacity_gbps": 51200, "max_ports": 64, "max_port_gbps": 800, "power_w": 0.0, "cost_usd": 10000}
    return {
        "schema_version": 1,
        "name": "cpo-premium",
        "objective": "capex",
        "catalog": {
            "media": [{"id": "fib", "cost_usd_per_m": 0.0}],
            "transceivers": [
                {"id": "plug", "form": "pluggable", "media": "fib", "cost_usd": 100, **part},
                {"id": "eng", "form": "cpo", "media": "fib", "cost_usd": 50, **part},
            ],
            "switches": [
                {"id": "sw", "forms": ["pluggable"], "latency_ns": 100, "source": "hand-made test switch", **switch},
                {
                    "id": "sw-cpo",
                    "forms": ["cpo"],
                    "twin": "sw",
                    "cpo_premium_fraction": premium,
                    "latency_ns": 100,
                    "source": "hand-made test switch",
                    **switch,
                },
            ],
        },
        "nodes": [
            {"id": "gpu", "kind": "nic", "count": 8, "ports": 1, "max_port_gbps": 800},
            {"id": "leaf", "kind": "switch", "count": 1, "models": ["sw", "sw-cpo"]},
        ],
        "links": [{"id": "gpu-leaf", "a": "gpu", "b": "leaf", "length_m": 5, "demand_gbps": 6400, "count": 8}],
    }


@pytest.mark.parametrize(
    ("premium", "model", "capex"),
    [
        # CPO: 10,000 x 1.01 + 8 x (100 + 50) = 10,100 + 1,200 = 11,300 < pluggable 10,000 + 8 x 200 = 11,600
        (0.01, "sw-cpo", 11300.0),
        # break-even at 8 x 50 / 10,000 = 0.04; at 0.05 CPO costs 10,500 + 1,200 = 11,700 > 11,600
        (0.05, "sw", 11600.0),
    ],
)
def test_cpo_premium_decides_the_switch(premium: float, model: str, capex: float) -> None:
    plan = solve_verified(_premium_doc(premium))
    assert plan.nodes.model.tolist() == [model]
    assert plan.objective == pytest.approx(capex, rel=1e-9)
    assert plan.totals["capex_usd"] == pytest.approx(capex, rel=1e-9)


def test_verifier_prices_the_premium() -> None:
    # The plan of premium 0.01 (one sw-cpo, 10,100 USD) read against the same instance at premium 0.05:
    # the verifier recomputes 10,500 USD of switch capex, so the plan's 10,100 is wrong.
    from optimizer.core.verify import check_plan

    plan = solve_verified(_premium_doc(0.01))
    other = optimizer.load_instance(_premium_doc(0.05))
    wheres = {v.where for v in check_plan(other, plan.to_dict())}
    assert "totals.switch_capex_usd" in wheres
