"""Routed traffic demands: arcs, source-aggregated commodities and candidate paths. Plain Python.

``build_routing(instance, d)`` derives, from an instance with a ``demands`` section and its model
data ``d``, everything the ``routing`` constraint family needs (see its module docstring for the
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

Also here: ``cut_sets`` (capacity-covering cut inequalities of the strengthened formulation),
``symmetric_pairs`` (interchangeable parallel groups) and ``rounding_start`` (LP-rounding warm start).
"""

from __future__ import annotations

import heapq
import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from optimizer.errors import Issue
from optimizer.schema import Instance, SwitchNode

if TYPE_CHECKING:
    from optimizer.data import ModelData

log = logging.getLogger(__name__)

GROWN_CUTS = False
"""Also use grown connected node sets as cut sets (see ``cut_sets``). Off: on germany50 U-U-M (40 s) and
dfn-gwin U-U-M (30 s) they raised the bound by < 0.1% and did not help the incumbent."""

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
                    issues.append(Issue(file, f"demands[{i}].paths[{j}][{k}]",
                                        f"link group '{ref}' does not leave node '{at}' "
                                        f"(path from '{dem.src}' to '{dem.dst}')"))
                    break
            else:
                if at != dem.dst:
                    issues.append(Issue(file, f"demands[{i}].paths[{j}]",
                                        f"ends at '{at}', not at the demand's dst '{dem.dst}'"))
    return issues


def build_routing(instance: Instance, d: ModelData) -> RoutingData | None:
    """Routing data of an instance (None when it has no demands)."""
    if not instance.demands:
        return None
    nodes = [n.id for n in instance.nodes]
    node_ix = {v: i for i, v in enumerate(nodes)}
    link_ix = {g.id: gi for gi, g in enumerate(instance.links)}
    arcs: list[tuple[int, int, int, int]] = []
    group_arcs: list[list[int]] = []
    groups: list[GroupRouting] = []
    for gi, link in enumerate(instance.links):
        groups.append(GroupRouting(link.direction, link.installed_gbps, link.installed_cost_usd, link.demand_gbps,
                                   link.max_count, link.divisible, link.setup_cost_usd,
                                   link.routing_cost_usd_per_gbps))
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
    arc_min_lat = []
    for gi, *_ in arcs:
        lats = [d.col_option[i].latency_ns for i in d.groups[gi].cols]
        arc_min_lat.append(min(lats) if lats else 0.0)
    switch_ix: dict[int, int] = {}
    sgi = 0
    for node in instance.nodes:
        if isinstance(node, SwitchNode):
            switch_ix[node_ix[node.id]] = sgi
            sgi += 1
    node_min_lat = [0.0] * len(nodes)
    for v, si in switch_ix.items():
        node_min_lat[v] = min(d.choice_latency_ns[q] for q in d.switch_groups[si].choices)

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
                cands = [p for p in cands
                         if _fits(p, dem.max_hops, dem.max_latency_ns, arc_min_lat, node_min_lat, arcs)]
                capped = False
            else:
                cands, capped = _enumerate_paths(s, t, out_arcs, arcs, dem.max_hops, dem.max_latency_ns,
                                                 arc_min_lat, node_min_lat)
            if capped:
                notes.append(f"demand '{dem.id}': candidate paths capped at {MAX_PATHS} (shortest first)")
            path_demands.append(PathDemand(dem.id, s, t, dem.gbps, cands, dem.max_latency_ns, single, capped))
        elif single:
            single_demands.append(SingleDemand(dem.id, s, t, dem.gbps))
        else:
            c = by_source.setdefault(s, Commodity(s, {}, []))
            c.sinks[t] = c.sinks.get(t, 0.0) + dem.gbps
            c.demand_ids.append(dem.id)
    return RoutingData(nodes, arcs, group_arcs, groups, list(by_source.values()), path_demands, single_demands,
                       all_demands, switch_ix, True, notes)


def _path_arcs(path: list[str], s: int, instance: Instance, link_ix: dict[str, int], node_ix: dict[str, int],
               group_arcs: list[list[int]], arcs: list[tuple[int, int, int, int]]) -> list[int]:
    at, out = s, []
    for ref in path:
        for ai in group_arcs[link_ix[ref]]:
            if arcs[ai][1] == at:
                out.append(ai)
                at = arcs[ai][2]
                break
    return out


def _fits(p: list[int], max_hops: int | None, max_lat: float | None, arc_lat: list[float],
          node_lat: list[float], arcs: list[tuple[int, int, int, int]]) -> bool:
    if max_hops is not None and len(p) > max_hops:
        return False
    if max_lat is not None:
        lat = sum(arc_lat[a] for a in p) + sum(node_lat[arcs[a][1]] for a in p[1:])
        return lat <= max_lat + 1e-9
    return True


def _enumerate_paths(s: int, t: int, out_arcs: dict[int, list[int]], arcs: list[tuple[int, int, int, int]],
                     max_hops: int | None, max_lat: float | None, arc_lat: list[float],
                     node_lat: list[float]) -> tuple[list[list[int]], bool]:
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


def cut_sets(r: RoutingData, d: ModelData) -> list[tuple[frozenset[int], float, float]]:
    """Node sets S with the demand out of and into S.

    S = every single node, both ends of every link group, and (``GROWN_CUTS``) the connected sets grown
    from every node by repeatedly adding the neighbour with the most links into S, up to half the nodes.
    S and its complement give the same cut, so only one of them is kept.
    """
    vol = routed_volume(r)
    n = len(r.nodes)
    sets: set[frozenset[int]] = {frozenset([v]) for v in range(n)}
    adj: dict[int, list[int]] = defaultdict(list)
    for arcs in r.group_arcs:
        if arcs:
            _, a, b, _ = r.arcs[arcs[0]]
            sets.add(frozenset((a, b)))
            adj[a].append(b)
            adj[b].append(a)
    if GROWN_CUTS:
        for v in range(n):
            grown = {v}
            while len(grown) < n // 2:
                links_in: dict[int, int] = defaultdict(int)
                for u in grown:
                    for w in adj[u]:
                        if w not in grown:
                            links_in[w] += 1
                if not links_in:
                    break
                grown.add(max(sorted(links_in), key=lambda w: links_in[w]))
                sets.add(frozenset(grown))
    canonical = set()
    for s_set in sets:
        other = frozenset(range(n)) - s_set
        canonical.add(min(s_set, other, key=lambda x: (len(x), sorted(x))))
    out = []
    for s_set in sorted(canonical, key=lambda x: (len(x), sorted(x))):
        if not s_set or len(s_set) >= n:
            continue
        d_out = sum(v for (s, t), v in vol.items() if s in s_set and t not in s_set)
        d_in = sum(v for (s, t), v in vol.items() if t in s_set and s not in s_set)
        if d_out > 0 or d_in > 0:
            out.append((s_set, d_out, d_in))
    return out


def symmetric_pairs(r: RoutingData, d: ModelData) -> list[tuple[int, int]]:
    """Pairs (g, h) of interchangeable parallel groups: same ends, direction, options and costs (g < h)."""
    key_groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for gi, arcs in enumerate(r.group_arcs):
        if not arcs:
            continue
        g = d.groups[gi]
        opts = tuple((d.col_option[i].speed_gbps, d.col_option[i].cost_usd, d.col_option[i].power_w,
                      d.col_option[i].latency_ns, d.col_ub[i]) for i in g.cols)
        gr = r.groups[gi]
        key = (g.a, g.b, gr.direction, gr.installed_gbps, gr.own_gbps, gr.max_count, gr.divisible,
               gr.setup_cost_usd, gr.routing_cost_usd_per_gbps, g.count, g.uniform, opts)
        key_groups[key].append(gi)
    restricted = {r.arcs[a][0] for pd in r.path_demands for p in pd.paths for a in p}
    pairs = []
    for members in key_groups.values():
        members = [gi for gi in members if gi not in restricted]
        pairs += list(zip(members, members[1:], strict=False))
    return pairs


def cheapest_cover(need: float, options: list[tuple[int, float, float]], max_count: int | None,
                   divisible: bool) -> dict[int, float] | None:
    """Cheap option counts with sum speed x count >= need: (column, speed, cost) options; None if impossible."""
    if need <= 1e-9:
        return {}
    # leave out options another one dominates (no less speed, no more cost): HiGHS's presolve fixes such
    # columns to 0, and HiGHS 1.16 then misreads a MIP start that uses them (its objective in the reduced
    # space drops their cost, so an infeasible start is taken as the incumbent)
    options = [o for o in options
               if not any(p[1] >= o[1] and p[2] <= o[2] and (p[1] > o[1] or p[2] < o[2]) for p in options)]
    if not options:
        return None
    if divisible:
        col, speed, _ = min(options, key=lambda o: o[2] / o[1])
        return {col: need / speed}
    best: tuple[float, dict[int, float]] | None = None

    def consider(counts: dict[int, int]) -> None:
        nonlocal best
        if max_count is not None and sum(counts.values()) > max_count:
            return
        cost = sum(c * next(o[2] for o in options if o[0] == col) for col, c in counts.items())
        if best is None or cost < best[0] - 1e-9:
            best = (cost, {k: float(v) for k, v in counts.items() if v})

    for col, speed, _ in options:
        consider({col: math.ceil(need / speed - 1e-9)})
    for col_i, speed_i, _ in options:
        k = math.floor(need / speed_i + 1e-9)
        rest = need - k * speed_i
        if k == 0 or rest <= 1e-9:
            continue
        for col_j, speed_j, _ in options:
            extra = math.ceil(rest / speed_j - 1e-9)
            counts = {col_i: k}
            counts[col_j] = counts.get(col_j, 0) + extra
            consider(counts)
    return None if best is None else best[1]


def rounding_start(m: Any, d: ModelData, options: Any) -> bool:
    """LP-rounding heuristic: solve the LP relaxation, keep its flows, round capacities up.

    For every group the capacity needed by the LP flows (larger direction, or the sum when undirected,
    plus its own demand_gbps, less installed_gbps) is covered by the cheapest combination of its options
    found by ``cheapest_cover`` (one option, or k of one plus the remainder of another). The result is
    a feasible plan, set as the model's variable values for a MIP start. Returns False (and sets
    nothing) when the model has parts the heuristic does not handle (switch groups, indicators,
    single-path or latency-bounded demands) or the LP has no solution.
    """
    from dataclasses import replace

    from optimizer.solve import solve_model

    r: RoutingData = d.routing
    if (d.choice_model or d.ind_col or r.single_demands or len(m.route_w) or len(m.route_used)
            or any(g.count is not None for g in d.groups)):
        return False
    lp = replace(options, relaxation=True, warm_start=False, progress=None,
                 time_limit_s=max(1.0, 0.25 * options.time_limit_s))
    report = solve_model(m, lp)
    if not report.status.has_solution:
        _clear(m)
        return False
    flow = _arc_flows(m, r)
    caps = []
    for gi, gr in enumerate(r.groups):
        arcs = r.group_arcs[gi]
        used = sum(flow[a] for a in arcs) if gr.direction == "undirected" else max((flow[a] for a in arcs), default=0.0)
        if not arcs:
            used = 0.0
        need = max(used + gr.own_gbps, d.groups[gi].demand_gbps) - gr.installed_gbps
        g = d.groups[gi]
        opts = [(i, d.col_option[i].speed_gbps, d.col_option[i].cost_usd) for i in g.cols]
        counts = cheapest_cover(need * (1 + 1e-9), opts, gr.max_count, gr.divisible)
        if counts is None:
            _clear(m)
            return False
        for i in g.cols:
            m.n[i].set_value(min(float(d.col_ub[i]), counts.get(i, 0.0)), skip_validation=True)
        caps.append(sum(d.col_option[i].speed_gbps * counts.get(i, 0.0) for i in g.cols))
        if any(counts.get(i, 0.0) > d.col_ub[i] + 1e-9 for i in g.cols):
            _clear(m)
            return False
    # symmetric pairs must be ordered by capacity: otherwise drop the start (swapping is not attempted)
    if r.strengthen and any(caps[g] < caps[h] - 1e-9 for g, h in symmetric_pairs(r, d)):
        _swap_symmetric(m, d, r, caps)
        flow = _arc_flows(m, r)
    gi_r = [gi for gi, gr in enumerate(r.groups)
            if gr.routing_cost_usd_per_gbps > 0 and gr.direction == "bidirected" and r.group_arcs[gi]]
    for t, gi in enumerate(gi_r):
        m.route_r[t].set_value(max(flow[a] for a in r.group_arcs[gi]), skip_validation=True)
    setup = [gi for gi, gr in enumerate(r.groups) if gr.setup_cost_usd > 0 and gr.installed_gbps <= 0]
    for t, gi in enumerate(setup):
        is_open = any((m.n[i].value or 0) > 1e-9 for i in d.groups[gi].cols)
        m.route_open[t].set_value(1.0 if is_open else 0.0, skip_validation=True)
    return True


def _arc_flows(m: Any, r: RoutingData) -> list[float]:
    """Flow per arc from the model's current aggregated and path flow values."""
    flow = [0.0] * len(r.arcs)
    x_index = [(c, a) for c, com in enumerate(r.commodities) for a in range(len(r.arcs)) if r.arcs[a][2] != com.source]
    for k, (_c, a) in enumerate(x_index):
        flow[a] += max(0.0, m.route_x[k].value or 0.0)
    j = 0
    for pd in r.path_demands:
        for p in pd.paths:
            v = max(0.0, m.route_path[j].value or 0.0)
            for a in p:
                flow[a] += v
            j += 1
    return flow


def _swap_symmetric(m: Any, d: ModelData, r: RoutingData, caps: list[float]) -> None:
    """Order interchangeable parallel groups by capacity by exchanging their columns and arc flows."""
    changed = True
    pairs = symmetric_pairs(r, d)
    while changed:
        changed = False
        for g, h in pairs:
            if caps[g] < caps[h] - 1e-9:
                changed = True
                caps[g], caps[h] = caps[h], caps[g]
                for i, j in zip(d.groups[g].cols, d.groups[h].cols, strict=True):
                    vi, vj = m.n[i].value, m.n[j].value
                    m.n[i].set_value(vj, skip_validation=True)
                    m.n[j].set_value(vi, skip_validation=True)
                arc_pos = {}
                x_index = [(c, a) for c, com in enumerate(r.commodities) for a in range(len(r.arcs))
                           if r.arcs[a][2] != com.source]
                for k, key in enumerate(x_index):
                    arc_pos[key] = k
                for a, b in zip(r.group_arcs[g], r.group_arcs[h], strict=True):
                    for c in range(len(r.commodities)):
                        ka, kb = arc_pos.get((c, a)), arc_pos.get((c, b))
                        if ka is not None and kb is not None:
                            va, vb = m.route_x[ka].value, m.route_x[kb].value
                            m.route_x[ka].set_value(vb, skip_validation=True)
                            m.route_x[kb].set_value(va, skip_validation=True)


def _clear(m: Any) -> None:
    for v in m.component_data_objects(ctype=__import__("pyomo.environ", fromlist=["Var"]).Var):
        v.set_value(None, skip_validation=True)


def routed_plan_rows(m: Any, d: ModelData, n: list[float]) -> tuple[dict[str, float], list[dict[str, Any]],
                                                                   list[dict[str, Any]], list[dict[str, Any]]]:
    """Network costs and routed flows of a solved model.

    Returns (costs, flows, routes, commodities): costs = installed_capex_usd, setup_capex_usd,
    routing_capex_usd; flows = arc flows per commodity (aggregated sources and single-path demands);
    routes = flow per candidate path of path-based demands; commodities = which demands each flow
    commodity carries.
    """
    r: RoutingData = d.routing
    flows: list[dict[str, Any]] = []
    routes: list[dict[str, Any]] = []
    commodities: list[dict[str, Any]] = []
    arc_flow = [0.0] * len(r.arcs)

    def arc_row(commodity: str, a: int, value: float) -> None:
        gi, tail, head, _ = r.arcs[a]
        arc_flow[a] += value
        flows.append({"commodity": commodity, "group": d.groups[gi].id, "from": r.nodes[tail],
                      "to": r.nodes[head], "gbps": _clean(value)})

    x_index = [(c, a) for c, com in enumerate(r.commodities) for a in range(len(r.arcs)) if r.arcs[a][2] != com.source]
    for k, (c, a) in enumerate(x_index):
        v = m.route_x[k].value or 0.0
        if v > 1e-9:
            arc_row(r.commodity_id(c), a, v)
    for c, com in enumerate(r.commodities):
        commodities.append({"id": r.commodity_id(c), "source": r.nodes[com.source], "demands": list(com.demand_ids)})
    u_index = [(k, a) for k in range(len(r.single_demands)) for a in range(len(r.arcs))
               if r.arcs[a][2] != r.single_demands[k].src and r.arcs[a][1] != r.single_demands[k].dst]
    for j, (k, a) in enumerate(u_index):
        if (m.route_u[j].value or 0.0) > 0.5 and r.single_demands[k].gbps > 0:
            arc_row(f"demand:{r.single_demands[k].id}", a, r.single_demands[k].gbps)
    for sd in r.single_demands:
        commodities.append({"id": f"demand:{sd.id}", "source": r.nodes[sd.src], "demands": [sd.id]})
    j = 0
    for pd in r.path_demands:
        for p in pd.paths:
            v = m.route_path[j].value or 0.0
            j += 1
            if v > 1e-9:
                for a in p:
                    arc_flow[a] += v
                routes.append({"demand": pd.id, "links": [d.groups[r.arcs[a][0]].id for a in p],
                               "nodes": [r.nodes[pd.src]] + [r.nodes[r.arcs[a][2]] for a in p], "gbps": _clean(v)})
    installed = sum(g.installed_cost_usd for g in r.groups)
    setup = 0.0
    routing = 0.0
    for gi, gr in enumerate(r.groups):
        if gr.setup_cost_usd > 0 and (gr.installed_gbps > 0 or any(n[i] > 1e-9 for i in d.groups[gi].cols)):
            setup += gr.setup_cost_usd
        if gr.routing_cost_usd_per_gbps > 0 and r.group_arcs[gi]:
            fl = [arc_flow[a] for a in r.group_arcs[gi]]
            routing += gr.routing_cost_usd_per_gbps * (max(fl) if gr.direction == "bidirected" else sum(fl))
    costs = {"installed_capex_usd": installed, "setup_capex_usd": setup, "routing_capex_usd": routing}
    return costs, flows, routes, commodities


def _clean(v: float) -> float:
    r = round(v, 9)
    return 0.0 if r == 0 else r


def start_misread(m: Any, d: ModelData, report: Any) -> bool:
    """True when the solver's objective disagrees with the objective of the values it returned.

    Seen with HiGHS 1.16 when a MIP start uses columns its presolve removes: the start is taken as
    the incumbent with a wrong (too low) objective and comes back unchanged. The pipeline then solves
    again without the start.
    """
    if not report.status.has_solution or report.objective is None:
        return False
    value = pyo_value(m.objective)
    return abs(value - report.objective) > 1e-6 * max(1.0, abs(value))


def pyo_value(expr: Any) -> float:
    """Numeric value of a Pyomo expression (kept here so the routing data module imports Pyomo lazily)."""
    import pyomo.environ as pyo

    return float(pyo.value(expr))
