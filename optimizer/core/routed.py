"""Routed demands beyond their data: cut sets, symmetric pairs, the LP-rounding warm start and plan rows.

These need the model data (``ModelData``) or a solved model, so they live apart from ``routing`` (which
``data`` imports to build the routing data): ``cut_sets`` (capacity-covering cut inequalities of the
strengthened formulation), ``symmetric_pairs`` (interchangeable parallel groups), ``rounding_start``
(LP-rounding warm start), ``start_misread`` (a solver that misread the start) and ``routed_plan_rows``
(flows and network costs of a solved routed model).
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from typing import Any

from optimizer.core.data import ModelData
from optimizer.core.routing import RoutingData, routed_volume

log = logging.getLogger(__name__)

GROWN_CUTS = False
"""Also use grown connected node sets as cut sets (see ``cut_sets``). Off: on germany50 U-U-M (40 s) and
dfn-gwin U-U-M (30 s) they raised the bound by < 0.1% and did not help the incumbent."""


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
        opts = tuple(
            (
                d.col_option[i].speed_gbps,
                d.col_option[i].cost_usd,
                d.col_option[i].power_w,
                d.col_option[i].latency_ns,
                d.col_ub[i],
            )
            for i in g.cols
        )
        gr = r.groups[gi]
        key = (
            g.a,
            g.b,
            gr.direction,
            gr.installed_gbps,
            gr.own_gbps,
            gr.max_count,
            gr.divisible,
            gr.setup_cost_usd,
            gr.routing_cost_usd_per_gbps,
            g.count,
            g.uniform,
            opts,
        )
        key_groups[key].append(gi)
    restricted = {r.arcs[a][0] for pd in r.path_demands for p in pd.paths for a in p}
    pairs = []
    for members in key_groups.values():
        members = [gi for gi in members if gi not in restricted]
        pairs += list(zip(members, members[1:], strict=False))
    return pairs


def cheapest_cover(
    need: float, options: list[tuple[int, float, float]], max_count: int | None, divisible: bool
) -> dict[int, float] | None:
    """Cheap option counts with sum speed x count >= need: (column, speed, cost) options; None if impossible."""
    if need <= 1e-9:
        return {}
    # leave out options another one dominates (no less speed, no more cost): HiGHS's presolve fixes such
    # columns to 0, and HiGHS 1.16 then misreads a MIP start that uses them (its objective in the reduced
    # space drops their cost, so an infeasible start is taken as the incumbent)
    options = [
        o for o in options if not any(p[1] >= o[1] and p[2] <= o[2] and (p[1] > o[1] or p[2] < o[2]) for p in options)
    ]
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

    from optimizer.core.solve import solve_model

    r = d.routing
    assert r is not None, "routed demands only"
    if (
        d.choice_model
        or d.ind_col
        or r.single_demands
        or len(m.route_w)
        or len(m.route_used)
        or any(g.count is not None for g in d.groups)
    ):
        return False
    lp = replace(
        options, relaxation=True, warm_start=False, progress=None, time_limit_s=max(1.0, 0.25 * options.time_limit_s)
    )
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
    gi_r = [
        gi
        for gi, gr in enumerate(r.groups)
        if gr.routing_cost_usd_per_gbps > 0 and gr.direction == "bidirected" and r.group_arcs[gi]
    ]
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
                x_index = [
                    (c, a)
                    for c, com in enumerate(r.commodities)
                    for a in range(len(r.arcs))
                    if r.arcs[a][2] != com.source
                ]
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


def routed_plan_rows(
    m: Any, d: ModelData, n: list[float]
) -> tuple[dict[str, float], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Network costs and routed flows of a solved model.

    Returns (costs, flows, routes, commodities): costs = installed_capex_usd, setup_capex_usd,
    routing_capex_usd; flows = arc flows per commodity (aggregated sources and single-path demands);
    routes = flow per candidate path of path-based demands; commodities = which demands each flow
    commodity carries.
    """
    r = d.routing
    assert r is not None, "routed demands only"
    flows: list[dict[str, Any]] = []
    routes: list[dict[str, Any]] = []
    commodities: list[dict[str, Any]] = []
    arc_flow = [0.0] * len(r.arcs)

    def arc_row(commodity: str, a: int, value: float) -> None:
        gi, tail, head, _ = r.arcs[a]
        arc_flow[a] += value
        flows.append(
            {
                "commodity": commodity,
                "group": d.groups[gi].id,
                "from": r.nodes[tail],
                "to": r.nodes[head],
                "gbps": _clean(value),
            }
        )

    x_index = [(c, a) for c, com in enumerate(r.commodities) for a in range(len(r.arcs)) if r.arcs[a][2] != com.source]
    for k, (c, a) in enumerate(x_index):
        v = m.route_x[k].value or 0.0
        if v > 1e-9:
            arc_row(r.commodity_id(c), a, v)
    for c, com in enumerate(r.commodities):
        commodities.append({"id": r.commodity_id(c), "source": r.nodes[com.source], "demands": list(com.demand_ids)})
    u_index = [
        (k, a)
        for k in range(len(r.single_demands))
        for a in range(len(r.arcs))
        if r.arcs[a][2] != r.single_demands[k].src and r.arcs[a][1] != r.single_demands[k].dst
    ]
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
                routes.append(
                    {
                        "demand": pd.id,
                        "links": [d.groups[r.arcs[a][0]].id for a in p],
                        "nodes": [r.nodes[pd.src]] + [r.nodes[r.arcs[a][2]] for a in p],
                        "gbps": _clean(v),
                    }
                )
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
    value = float(pyo_value(m.objective))
    return bool(abs(value - report.objective) > 1e-6 * max(1.0, abs(value)))


def pyo_value(expr: Any) -> float:
    """Numeric value of a Pyomo expression (kept here so the routing data module imports Pyomo lazily)."""
    import pyomo.environ as pyo

    return float(pyo.value(expr))
