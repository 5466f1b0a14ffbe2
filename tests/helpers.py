"""Shared test helpers: every plan a test produces goes through the independent verifier."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import optimizer
from optimizer.core.verify import check_plan

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"


def solve_verified(instance: optimizer.Instance | Mapping[str, Any], **options: Any) -> optimizer.Plan:
    """Solve deterministically (1 thread, gap 0) and assert the verifier accepts the plan."""
    if not isinstance(instance, optimizer.Instance):
        instance = optimizer.load_instance(instance)
    opts = {"threads": 1, "mip_rel_gap": 0.0, "time_limit_s": 60.0, **options}
    plan = optimizer.solve(instance, optimizer.SolveOptions(**opts))
    violations = check_plan(instance, plan.to_dict())
    assert violations == [], "\n".join(f"{v.where}: {v.message}" for v in violations)
    return plan


def tiny_catalog() -> dict[str, Any]:
    """A small inline catalogue with round numbers (independent of the built-in figures)."""
    src = "test figures"
    return {
        "media": [
            {"id": "mmf", "cost_usd_per_m": 1.0, "latency_ns_per_m": 5.0, "source": src},
            {"id": "smf", "cost_usd_per_m": 0.5, "latency_ns_per_m": 5.0, "source": src},
        ],
        "transceivers": [
            {
                "id": "sr-400",
                "form": "pluggable",
                "media": "mmf",
                "speed_gbps": 400,
                "power_w": 8,
                "cost_usd": 500,
                "reach_m": 50,
                "latency_ns": 1,
                "source": src,
            },
            {
                "id": "sr-800",
                "form": "pluggable",
                "media": "mmf",
                "speed_gbps": 800,
                "power_w": 14,
                "cost_usd": 900,
                "reach_m": 50,
                "latency_ns": 1,
                "source": src,
            },
            {
                "id": "dr-800",
                "form": "pluggable",
                "media": "smf",
                "speed_gbps": 800,
                "power_w": 16,
                "cost_usd": 1200,
                "reach_m": 500,
                "latency_ns": 50,
                "source": src,
            },
            {
                "id": "cpo-800",
                "form": "cpo",
                "media": "smf",
                "speed_gbps": 800,
                "power_w": 5,
                "cost_usd": 800,
                "reach_m": 500,
                "latency_ns": 1,
                "source": src,
            },
        ],
        "cables": [
            {
                "id": "dac-400",
                "kind": "dac",
                "speed_gbps": 400,
                "power_w": 0.2,
                "cost_usd": 100,
                "reach_m": 3,
                "latency_ns": 0,
                "source": src,
            },
            {
                "id": "aoc-800",
                "kind": "aoc",
                "speed_gbps": 800,
                "power_w": 12,
                "cost_usd": 1200,
                "reach_m": 30,
                "latency_ns": 100,
                "source": src,
            },
        ],
        "switches": [
            {
                "id": "sw64",
                "capacity_gbps": 25600,
                "max_ports": 64,
                "max_port_gbps": 800,
                "forms": ["pluggable", "cable"],
                "power_w": 500,
                "cost_usd": 20000,
                "latency_ns": 200,
                "source": src,
            },
            {
                "id": "sw-cpo",
                "capacity_gbps": 51200,
                "max_ports": 64,
                "max_port_gbps": 800,
                "forms": ["cpo"],
                "power_w": 600,
                "cost_usd": 30000,
                "latency_ns": 200,
                "source": src,
            },
        ],
    }


def tiny_instance(**overrides: Any) -> dict[str, Any]:
    """8 GPUs at 800G on one switch, 10 m (the instances/tiny.yaml shape with the test catalogue)."""
    inst: dict[str, Any] = {
        "schema_version": 1,
        "name": "tiny-test",
        "catalog": tiny_catalog(),
        "nodes": [
            {"id": "gpu", "kind": "nic", "count": 8, "max_port_gbps": 800},
            {"id": "leaf", "kind": "switch", "count": 1, "models": ["sw64"]},
        ],
        "links": [{"id": "gpu-leaf", "a": "gpu", "b": "leaf", "length_m": 10, "demand_gbps": 6400}],
    }
    inst.update(copy.deepcopy(overrides))
    return inst


E_PER_W = 8766 / 1000 * 5 * 1.3 * 0.08  # default economics: $ of energy per W over the horizon
