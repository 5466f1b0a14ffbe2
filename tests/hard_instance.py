"""A routed network-design instance that HiGHS takes minutes to prove optimal (finds incumbents in seconds).

Shaped like SNDlib's germany50 D-B-M (single 40 Gb/s module per link, cost by distance, splittable
routing of demands between most node pairs), generated from a seed so tests need no data files.
"""

from __future__ import annotations

import math
import random
from typing import Any


def hard_routed_instance(nodes: int = 40, seed: int = 7, neighbours: int = 3) -> dict[str, Any]:
    rng = random.Random(seed)
    pts = {f"n{i}": (rng.uniform(0, 100), rng.uniform(0, 100)) for i in range(nodes)}
    names = list(pts)
    edges: set[tuple[str, str]] = set()
    for a in names:
        near = sorted((math.dist(pts[a], pts[b]), b) for b in names if b != a)[:neighbours]
        for _, b in near:
            edges.add((min(a, b), max(a, b)))
    for i in range(1, nodes):  # a path through all nodes keeps the network connected
        edges.add((min(names[i - 1], names[i]), max(names[i - 1], names[i])))
    cables, links = [], []
    for k, (a, b) in enumerate(sorted(edges)):
        cost = round(500 + 40 * math.dist(pts[a], pts[b]))
        cables.append(
            {
                "id": f"L{k}.m0",
                "kind": "dac",
                "speed_gbps": 40.0,
                "power_w": 0.0,
                "cost_usd": float(cost),
                "reach_m": 1e6,
                "latency_ns": 0.0,
                "latency_ns_per_m": 0.0,
                "source": "generated",
            }
        )
        links.append(
            {
                "id": f"L{k}",
                "a": a,
                "b": b,
                "length_m": 1.0,
                "demand_gbps": 0.0,
                "allowed": [f"L{k}.m0"],
                "direction": "bidirected",
            }
        )
    demands = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if rng.random() < 0.8:
                demands.append({"id": f"{a}_{b}", "src": a, "dst": b, "gbps": float(rng.randint(1, 30))})
    return {
        "schema_version": 1,
        "name": f"hard-routed-{nodes}-{seed}",
        "objective": "capex",
        "catalog": {"cables": cables},
        "nodes": [
            {"id": n, "kind": "nic", "count": 1, "ports": 400, "max_port_gbps": 40.0, "forms": ["cable"]} for n in names
        ],
        "links": links,
        "demands": demands,
        "routing": "splittable",
    }
