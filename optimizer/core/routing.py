"""Routed traffic demands: arcs, source-aggregated commodities and candidate paths. Plain Python.

``build_routing(instance, ...)`` derives, from an instance with a ``demands`` section and the fastest
option of each group, everything the ``routing`` constraint family needs (see its module docstring for the
math and instances/README.md "Routed demands" for the format):

- arcs: each link group a -> b gives arc (a, b) [direction 0] and, unless ``directed``, arc (b, a)
  [direction 1]; groups with a == b carry no routed flow.
- commodities (splittable demands without a latency, hop or path restriction): aggregated by source
  node, one continuous flow per (source, arc); arcs entering the source are left out (a flow into the
  source can always be cancelled).
- path demands (a latency budget, a hop limit or explicit admissible paths): one flow per candidate
  path; candidates are the admissible paths given, else every simple path within the hop limit whose
  fastest possible latency fits the budget (enumerated shortest-first, at most ``MAX_PATHS`` per
  demand; when the cap is hit the demand is flagged ``capped`` and the restriction is stated).
- single-path demands without such a restriction (``routing: single_path``): a binary choice per
  (demand, arc) that forms one path.

Cut sets, symmetric pairs, the warm start and plan rows, which need the model data, are in ``routed``.
"""

from __future__ import annotations

import heapq
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from optimizer.core.schema import Instance, SwitchNode
from optimizer.errors import Issue

log = logging.getLogger(__name__)

MAX_PATHS = 500
"""Candidate paths generated per latency- or hop-limited demand (shortest first)."""


@dataclass
class Commodity:
    """Splittable demands of one source, routed as one aggregated flow."""

    source: int
    sinks: dict[int, float]
    demand_ids: list[str]


@dataclass
class PathDemand:
    """A demand routed on candidate paths (lists of arc indices)."""

    id: str
    src: int
    dst: int
    gbps: float
    paths: list[list[int]]
    max_latency_ns: float | None
    single: bool
    capped: bool = False


@dataclass
class SingleDemand:
    """An unrestricted single-path demand: one binary per arc."""

    id: str
    src: int
    dst: int
    gbps: float


@dataclass
class GroupRouting:
    """Per link group: how routed flow uses its capacity, and its network costs."""

    direction: str
    installed_gbps: float
    installed_cost_usd: float
    own_gbps: float
    max_count: int | None
    divisible: bool
    setup_cost_usd: float
    routing_cost_usd_per_gbps: float


@dataclass
class RoutingData:
    """Routing index sets (indices into ``nodes``, ``arcs`` and ``ModelData.groups``)."""

    nodes: list[str]
    arcs: list[tuple[int, int, int, int]]
    """(group, tail node, head node, direction 0 = a->b / 1 = b->a)."""
    group_arcs: list[list[int]]
    groups: list[GroupRouting]
    commodities: list[Commodity]
    path_demands: list[PathDemand]
    single_demands: list[SingleDemand]
    demands: list[tuple[str, int, int, float]]
    """Every demand as (id, src, dst, gbps)."""
    node_switch: dict[int, int] = field(default_factory=dict)
    """Node index -> switch group index (for switch latency on latency-bounded paths)."""
    strengthen: bool = True
    """Add cut-set inequalities and symmetry-breaking rows (the strengthened formulation)."""
    notes: list[str] = field(default_factory=list)

    def commodity_id(self, c: int) -> str:
        """Plan id of aggregated commodity c."""
        return f"source:{self.nodes[self.commodities[c].source]}"


def check_demands(instance: Instance) -> list[Issue]:
    """References of the demands section (nodes, link groups of admissible paths, duplicates)."""
    file = instance.source
    issues: list[Issue] = []
    nodes = {n.id for n in instance.nodes}
    links = {g.id: g for g in instance.links}
    seen: dict[str, int] = {}
    for i, dem in enumerate(instance.demands):
        if dem.id in seen:
            issues.append(Issue(file, f"demands[{i}].id", f"duplicate id '{dem.id}' (also demands[{seen[dem.id]}])"))
        seen.setdefault(dem.id, i)
        for end in ("src", "dst"):
            ref = getattr(dem, end)
            if ref not in nodes:
                issues.append(Issue(file, f"demands[{i}].{end}", f"unknown node '{ref}'"))
        if dem.src == dem.dst:
            issues.append(Issue(file, f"demands[{i}]", f"src and dst are the same node '{dem.src}'"))
        for j, path in enumerate(dem.paths or []):
            at = dem.src
            for k, ref in enumerate(path):
                g = links.get(ref)
                if g is None:
                    issues.append(Issue(file, f"demands[{i}].paths[{j}][{k}]", f"unknown link group '{ref}'"))
                    break
                if g.a == at and g.b != at:
                    at = g.b
                elif g.b == at and g.a != at and g.direction != "directed":
                    at = g.a
                else:
                    issues.append(
                        Issue(
                            file,
                            f"demands[{i}].paths[{j}][{k}]",
                            f"link group '{ref}' does not leave node '{at}' (path from '{dem.src}' to '{dem.dst}')",
                        )
                    )
                    break
            else:
                if at != dem.dst:
                    issues.append(
                        Issue(file, f"demands[{i}].paths[{j}]", f"ends at '{at}', not at the demand's dst '{dem.dst}'")
                    )
    return issues


def build_routing(
    instance: Instance, group_min_latency_ns: list[float], switch_min_latency_ns: list[float]
) -> RoutingData | None:
    """Routing data of an instance (None when it has no demands).

    ``group_min_latency_ns[g]``: the fastest option of link group g (0 when it has none);
    ``switch_min_latency_ns[s]``: the fastest model choice of switch group s (instance order).
    """
    if not instance.demands:
        return None
    nodes = [n.id for n in instance.nodes]
    node_ix = {v: i for i, v in enumerate(nodes)}
    link_ix = {g.id: gi for gi, g in enumerate(instance.links)}
    arcs: list[tuple[int, int, int, int]] = []
    group_arcs: list[list[int]] = []
    groups: list[GroupRouting] = []
    for gi, link in enumerate(instance.links):
        groups.append(
            GroupRouting(
                link.direction,
                link.installed_gbps,
                link.installed_cost_usd,
                link.demand_gbps,
                link.max_count,
                link.divisible,
                link.setup_cost_usd,
                link.routing_cost_usd_per_gbps,
            )
        )
        mine: list[int] = []
        a, b = node_ix[link.a], node_ix[link.b]
        if a != b:
            mine.append(len(arcs))
            arcs.append((gi, a, b, 0))
            if link.direction != "directed":
                mine.append(len(arcs))
                arcs.append((gi, b, a, 1))
        group_arcs.append(mine)
    out_arcs: dict[int, list[int]] = defaultdict(list)
    for ai, (_, tail, _, _) in enumerate(arcs):
        out_arcs[tail].append(ai)

    # fastest possible latency of each arc (for candidate-path generation)
    arc_min_lat = [group_min_latency_ns[gi] for gi, *_ in arcs]
    switch_ix: dict[int, int] = {}
    sgi = 0
    for node in instance.nodes:
        if isinstance(node, SwitchNode):
            switch_ix[node_ix[node.id]] = sgi
            sgi += 1
    node_min_lat = [0.0] * len(nodes)
    for v, si in switch_ix.items():
        node_min_lat[v] = switch_min_latency_ns[si]

    by_source: dict[int, Commodity] = {}
    path_demands: list[PathDemand] = []
    single_demands: list[SingleDemand] = []
    all_demands: list[tuple[str, int, int, float]] = []
    notes: list[str] = []
    single = instance.routing == "single_path"
    for dem in instance.demands:
        s, t = node_ix[dem.src], node_ix[dem.dst]
        all_demands.append((dem.id, s, t, dem.gbps))
        restricted = dem.paths is not None or dem.max_hops is not None or dem.max_latency_ns is not None
        if restricted:
            if dem.paths is not None:
                cands = [_path_arcs(p, s, instance, link_ix, node_ix, group_arcs, arcs) for p in dem.paths]
                cands = [
                    p for p in cands if _fits(p, dem.max_hops, dem.max_latency_ns, arc_min_lat, node_min_lat, arcs)
                ]
                capped = False
            else:
                cands, capped = _enumerate_paths(
                    s, t, out_arcs, arcs, dem.max_hops, dem.max_latency_ns, arc_min_lat, node_min_lat
                )
            if capped:
                notes.append(f"demand '{dem.id}': candidate paths capped at {MAX_PATHS} (shortest first)")
            path_demands.append(PathDemand(dem.id, s, t, dem.gbps, cands, dem.max_latency_ns, single, capped))
        elif single:
            single_demands.append(SingleDemand(dem.id, s, t, dem.gbps))
        else:
            c = by_source.setdefault(s, Commodity(s, {}, []))
            c.sinks[t] = c.sinks.get(t, 0.0) + dem.gbps
            c.demand_ids.append(dem.id)
    return RoutingData(
        nodes,
        arcs,
        group_arcs,
        groups,
        list(by_source.values()),
        path_demands,
        single_demands,
        all_demands,
        switch_ix,
        True,
        notes,
    )


def _path_arcs(
    path: list[str],
    s: int,
    instance: Instance,
    link_ix: dict[str, int],
    node_ix: dict[str, int],
    group_arcs: list[list[int]],
    arcs: list[tuple[int, int, int, int]],
) -> list[int]:
    at, out = s, []
    for ref in path:
        for ai in group_arcs[link_ix[ref]]:
            if arcs[ai][1] == at:
                out.append(ai)
                at = arcs[ai][2]
                break
    return out


def _fits(
    p: list[int],
    max_hops: int | None,
    max_lat: float | None,
    arc_lat: list[float],
    node_lat: list[float],
    arcs: list[tuple[int, int, int, int]],
) -> bool:
    if max_hops is not None and len(p) > max_hops:
        return False
    if max_lat is not None:
        lat = sum(arc_lat[a] for a in p) + sum(node_lat[arcs[a][1]] for a in p[1:])
        return lat <= max_lat + 1e-9
    return True


def _enumerate_paths(
    s: int,
    t: int,
    out_arcs: dict[int, list[int]],
    arcs: list[tuple[int, int, int, int]],
    max_hops: int | None,
    max_lat: float | None,
    arc_lat: list[float],
    node_lat: list[float],
) -> tuple[list[list[int]], bool]:
    """Simple s-t paths within the limits, best-first by (fastest latency, hops); at most MAX_PATHS."""
    hops_cap = max_hops if max_hops is not None else len(node_lat)
    heap: list[tuple[float, int, int, tuple[int, ...]]] = [(0.0, 0, 0, ())]
    found: list[list[int]] = []
    counter = 0
    while heap:
        lat, hops, _, path = heapq.heappop(heap)
        at = arcs[path[-1]][2] if path else s
        if at == t:
            found.append(list(path))
            if len(found) >= MAX_PATHS:
                return found, bool(heap)
            continue
        if hops >= hops_cap:
            continue
        visited = {s} | {arcs[a][2] for a in path}
        for ai in out_arcs.get(at, []):
            head = arcs[ai][2]
            if head in visited:
                continue
            new_lat = lat + arc_lat[ai] + (node_lat[at] if path else 0.0)
            if max_lat is not None and new_lat > max_lat + 1e-9:
                continue
            counter += 1
            heapq.heappush(heap, (new_lat, hops + 1, counter, (*path, ai)))
        if len(heap) > 200_000:  # guard against explosive enumeration on large graphs
            return found, True
    return found, False


# ------------------------------------------------------------------------------ strengthening


def routed_volume(r: RoutingData) -> dict[tuple[int, int], float]:
    """Total demand volume per (src, dst) node pair."""
    vol: dict[tuple[int, int], float] = defaultdict(float)
    for _, s, t, gbps in r.demands:
        vol[(s, t)] += gbps
    return vol
