"""A path-heavy instance: many NIC groups on one leaf-spine fabric and a latency path between every pair.

``groups`` NIC groups of 8 GPUs each hang off their own leaf group; every leaf group has one uplink group to a
shared spine group. A latency path ``[g_i, leaf_i, spine, leaf_j, g_j]`` joins every ordered pair of NIC groups,
so the file has ``groups * (groups - 1)`` paths (142 groups: 20,022 paths) on only ``2 * groups`` link groups:
the paths, not the links, make its size. Generated, so the tests need no large data files.
"""

from __future__ import annotations

from typing import Any

from helpers import tiny_catalog


def path_heavy_instance(groups: int = 142, budget_ns: float = 2000.0) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [
        {"id": "spine", "kind": "switch", "count": {"min": 0, "max": groups}, "models": ["sw64"]}
    ]
    links: list[dict[str, Any]] = []
    for i in range(groups):
        nodes.append({"id": f"g{i}", "kind": "nic", "count": 8, "max_port_gbps": 800})
        nodes.append({"id": f"leaf{i}", "kind": "switch", "count": {"min": 0, "max": 1}, "models": ["sw64"]})
        links.append({"id": f"g{i}-leaf{i}", "a": f"g{i}", "b": f"leaf{i}", "length_m": 10, "demand_gbps": 3200})
        links.append({"id": f"leaf{i}-spine", "a": f"leaf{i}", "b": "spine", "length_m": 20, "demand_gbps": 1600})
    paths = [
        {"id": f"p{i}-{j}", "via": [f"g{i}", f"leaf{i}", "spine", f"leaf{j}", f"g{j}"], "max_latency_ns": budget_ns}
        for i in range(groups)
        for j in range(groups)
        if i != j
    ]
    return {
        "schema_version": 1,
        "name": f"path-heavy-{len(paths)}",
        "objective": "capex",
        "catalog": tiny_catalog(),
        "nodes": nodes,
        "links": links,
        "paths": paths,
    }
