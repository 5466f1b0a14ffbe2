"""Routing of traffic demands (format extension ``demands``; data from ``optimizer.routing``).

Capacity of link group g: cap(g) = installed_gbps(g) + sum_{i in g} speed_i n[i]. Flow f(a) on arc a is
the sum of every commodity's flow on a. Arc-flow, aggregated by source (splittable demands without
latency/hop/path restriction; one commodity per source s with sinks d(s, t)):

    sum_{a out of v} x[s,a] - sum_{a into v} x[s,a] = sum_t d(s,t) (v = s), -d(s,v) (v != s)   all s, v
    (arcs into s carry no x[s, .]; any such flow is a cycle through s and can be cancelled)

Path-based (a demand with max_latency_ns, max_hops or admissible paths; candidates P(k)):

    sum_{p in P(k)} flow[p] = gbps(k);   flow[p] <= gbps(k) w[p]   (w binary, only with a latency budget)
    sum_{e in p} lat[e] + sum_{switch groups s inside p} latency(z_s) <= max_latency_ns(k) + M_p (1 - w[p])
    lat[e] >= latency_i used[i],  n[i] <= ub_i used[i]   (used binary: column i carries links)
    M_p = sum of the largest option latency of every group on p plus the largest switch latencies

Single path (``routing: single_path``): path-based with flow[p] = gbps(k) w[p], sum_p w[p] = 1; without
a path restriction, a binary u[k,a] per arc with unit flow conservation and f(a) += gbps(k) u[k,a].

Capacity (each group's own demand_gbps in addition to the routed flow):

    bidirected:  f(a->b) + demand_gbps(g) <= cap(g)  and  f(b->a) + demand_gbps(g) <= cap(g)
    undirected:  f(a->b) + f(b->a) + demand_gbps(g) <= cap(g)
    directed:    f(a->b) + demand_gbps(g) <= cap(g)        (no b->a arc)

Network costs (added to capex): installed_cost_usd (constant), setup_cost_usd x open[g] with
n[i] <= ub_i open[g] (a constant when installed_gbps > 0), routing_cost_usd_per_gbps x r[g] with
r[g] >= f(a->b), r[g] >= f(b->a) on bidirected groups (SNDlib: cost x the larger direction), x (f(a->b) +
f(b->a)) on undirected ones. ``max_count``: sum_i n[i] <= max_count. ``divisible``: n[i] continuous.

Strengthened formulation (``RoutingData.strengthen``; the plain one omits these rows):

- cut-set / capacity covering, Chvatal-Gomory rounded: for node sets S (every node and both ends of
  every group) and divisor C (up to four module speeds crossing S), with D(S) the demand leaving S and
  delta(S) the groups usable out of S:  sum_{g in delta(S)} sum_i ceil(speed_i / C) n[i]
  >= ceil((D(S) + sum_g demand_gbps(g) - sum_g installed_gbps(g)) / C); likewise into S, and with
  D(S) + D(V \\ S) when every crossing group is undirected. Valid because n is integer and any
  routing crosses the cut; the LP relaxation of the arc-flow model only implies the unrounded form.
- symmetry: for interchangeable parallel groups g < h: sum_i speed_i n[g,i] >= sum_i speed_i n[h,i].
- separated at the root (``optimizer.core.routed.separate_cutsets``, after the build): mixed-integer
  rounded cut-set, flow-cutset, cardinality and metric rows violated by the LP relaxation, added in
  rounds (block ``routing_cutset_separated``).

Why this formulation: aggregating by source keeps |sources| x |arcs| flow variables instead of
|demands| x |arcs| with the same LP bound for capacity design (no per-demand path restriction);
hop, latency and explicit-path restrictions are not expressible on aggregated arc flows, so those
demands alone use generated candidate paths. Big-M values are the column bounds ub_i (n_max) and
the latency sums above, which no feasible plan exceeds.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from optimizer.core.data import ModelData
from optimizer.core.model.linear import Model, Row, add_rows, columns, new_var, set_continuous
from optimizer.core.routed import cut_sets, symmetric_pairs
from optimizer.core.routing import RoutingData

FAMILY = "routing"


def capex_weight(d: ModelData) -> float:
    """Weight of capex in the objective mode of ``d``."""
    return {"tco": 1.0, "capex": 1.0, "power": 0.0, "weighted": d.weights_capex}[d.objective]


def add(m: Model, d: ModelData) -> None:
    """Add routing variables and rows (see module docstring); no-op without demands. The same rows on a
    Pyomo model (``build_model``) and an ``ArrayModel`` (``build_arrays``)."""
    r: RoutingData | None = getattr(d, "routing", None)
    if r is None:
        return
    n = columns(m, m.n)  # column indices
    arcs = r.arcs
    arc_terms: list[list[tuple[float, Any]]] = [[] for _ in arcs]
    obj: list[tuple[float, Any]] = []
    constant = 0.0

    # source-aggregated arc flows
    x_index = [(c, a) for c, com in enumerate(r.commodities) for a in range(len(arcs)) if arcs[a][2] != com.source]
    rx = columns(m, new_var(m, "route_x", len(x_index), "real"))
    conserve: list[Row] = []
    by_com: dict[int, list[int]] = defaultdict(list)
    for k, (c, _a) in enumerate(x_index):
        by_com[c].append(k)
    for c, com in enumerate(r.commodities):
        out_t: dict[int, list[tuple[float, Any]]] = defaultdict(list)
        for k in by_com[c]:
            a = x_index[k][1]
            _, tail, head, _ = arcs[a]
            out_t[tail].append((1.0, rx[k]))
            out_t[head].append((-1.0, rx[k]))
            arc_terms[a].append((1.0, rx[k]))
        total = sum(com.sinks.values())
        for v in range(len(r.nodes)):
            rhs = float(total) if v == com.source else -com.sinks.get(v, 0.0)
            if out_t[v] or rhs:
                conserve.append((rhs, out_t[v], rhs))
    add_rows(m, "routing_conservation", conserve)

    # single-path demands on arcs
    u_index = [
        (k, a)
        for k in range(len(r.single_demands))
        for a in range(len(arcs))
        if arcs[a][2] != r.single_demands[k].src and arcs[a][1] != r.single_demands[k].dst
    ]
    ru = columns(m, new_var(m, "route_u", len(u_index), "binary"))
    single_rows: list[Row] = []
    by_dem: dict[int, list[int]] = defaultdict(list)
    for j, (k, _a) in enumerate(u_index):
        by_dem[k].append(j)
    for k, sd in enumerate(r.single_demands):
        net: dict[int, list[tuple[float, Any]]] = defaultdict(list)
        for j in by_dem[k]:
            a = u_index[j][1]
            _, tail, head, _ = arcs[a]
            net[tail].append((1.0, ru[j]))
            net[head].append((-1.0, ru[j]))
            arc_terms[a].append((sd.gbps, ru[j]))
        for v in range(len(r.nodes)):
            rhs = 1.0 if v == sd.src else (-1.0 if v == sd.dst else 0.0)
            if net[v] or rhs:
                single_rows.append((rhs, net[v], rhs))
    add_rows(m, "routing_single_conservation", single_rows)

    # path-based demands
    p_index = [(k, p) for k, pd in enumerate(r.path_demands) for p in range(len(pd.paths))]
    w_needed = [
        j
        for j, (k, _p) in enumerate(p_index)
        if r.path_demands[k].single or r.path_demands[k].max_latency_ns is not None
    ]
    w_of = {j: t for t, j in enumerate(w_needed)}
    rp = columns(m, new_var(m, "route_path", len(p_index), "real"))
    rw = columns(m, new_var(m, "route_w", len(w_needed), "binary"))
    demand_rows: list[Row] = []
    link_rows: list[Row] = []
    by_pd: dict[int, list[int]] = defaultdict(list)
    for j, (k, p) in enumerate(p_index):
        by_pd[k].append(j)
        for a in r.path_demands[k].paths[p]:
            arc_terms[a].append((1.0, rp[j]))
    for k, pd in enumerate(r.path_demands):
        demand_rows.append((pd.gbps, [(1.0, rp[j]) for j in by_pd[k]], pd.gbps))
        for j in by_pd[k]:
            if j in w_of:
                w = rw[w_of[j]]
                if pd.single:
                    link_rows.append((0.0, [(1.0, rp[j]), (-pd.gbps, w)], 0.0))
                else:
                    link_rows.append((None, [(1.0, rp[j]), (-pd.gbps, w)], 0.0))
        if pd.single:
            demand_rows.append((1.0, [(1.0, rw[w_of[j]]) for j in by_pd[k]], 1.0))
    add_rows(m, "routing_path_demand", demand_rows)
    add_rows(m, "routing_path_use", link_rows)
    _latency(m, d, r, p_index, w_of)

    # capacity per group and direction, routing and setup costs
    cap_rows: list[Row] = []
    rcost_rows: list[Row] = []
    count_rows: list[Row] = []
    setup_rows: list[Row] = []
    bidir_cost = [
        gi
        for gi, gr in enumerate(r.groups)
        if gr.routing_cost_usd_per_gbps > 0 and gr.direction == "bidirected" and r.group_arcs[gi]
    ]
    rr = columns(m, new_var(m, "route_r", len(bidir_cost), "real"))
    setup_groups = [gi for gi, gr in enumerate(r.groups) if gr.setup_cost_usd > 0 and gr.installed_gbps <= 0]
    ro = columns(m, new_var(m, "route_open", len(setup_groups), "binary"))
    r_of = {gi: t for t, gi in enumerate(bidir_cost)}
    open_of = {gi: t for t, gi in enumerate(setup_groups)}
    continuous: list[int] = []
    for gi, gr in enumerate(r.groups):
        g = d.groups[gi]
        cap = [(-d.col_option[i].speed_gbps, n[i]) for i in g.cols]
        rhs = float(gr.installed_gbps - gr.own_gbps)
        dirs = [[a] for a in r.group_arcs[gi]] if gr.direction != "undirected" else [r.group_arcs[gi]]
        for arc_list in dirs:
            flow = [t for a in arc_list for t in arc_terms[a]]
            if flow:
                cap_rows.append((None, flow + cap, rhs))
        constant += gr.installed_cost_usd
        route_cost = gr.routing_cost_usd_per_gbps
        if route_cost > 0:
            if gi in r_of:
                rv = rr[r_of[gi]]
                obj.append((route_cost, rv))
                for a in r.group_arcs[gi]:
                    rcost_rows.append((0.0, [(1.0, rv)] + [(-cf, v) for cf, v in arc_terms[a]], None))
            else:
                obj += [(route_cost * cf, v) for a in r.group_arcs[gi] for cf, v in arc_terms[a]]
        if gr.max_count is not None and g.cols:
            count_rows.append((None, [(1.0, n[i]) for i in g.cols], float(gr.max_count)))
        if gr.setup_cost_usd > 0:
            if gi in open_of:
                ov = ro[open_of[gi]]
                obj.append((gr.setup_cost_usd, ov))
                for i in g.cols:
                    setup_rows.append((None, [(1.0, n[i]), (-float(d.col_ub[i]), ov)], 0.0))
            else:
                constant += gr.setup_cost_usd
        if gr.divisible:
            continuous += g.cols
    set_continuous(m.n, continuous)
    add_rows(m, "routing_capacity", cap_rows)
    add_rows(m, "routing_cost_larger_direction", rcost_rows)
    add_rows(m, "routing_max_count", count_rows)
    add_rows(m, "routing_setup", setup_rows)
    if r.strengthen:
        add_rows(m, "routing_cutset", _cut_rows(m, d, r))
        add_rows(
            m,
            "routing_symmetry",
            [
                (
                    0.0,
                    [(d.col_option[i].speed_gbps, n[i]) for i in d.groups[g].cols]
                    + [(-d.col_option[i].speed_gbps, n[i]) for i in d.groups[h].cols],
                    None,
                )
                for g, h in symmetric_pairs(r, d)
            ],
        )
    weight = capex_weight(d)
    m.extra_objective_terms = [(weight * c, v) for c, v in obj if c]
    m.extra_objective_constant = weight * constant


def _latency(m: Model, d: ModelData, r: RoutingData, p_index: list[tuple[int, int]], w_of: dict[int, int]) -> None:
    """Latency budgets of latency-bounded path demands (see module docstring)."""
    n, z, rw = columns(m, m.n), columns(m, m.z), columns(m, m.route_w)  # column indices
    bounded = [j for j, (k, _p) in enumerate(p_index) if r.path_demands[k].max_latency_ns is not None]
    groups = sorted({r.arcs[a][0] for j in bounded for a in r.path_demands[p_index[j][0]].paths[p_index[j][1]]})
    cols = [i for gi in groups for i in d.groups[gi].cols]
    rused = columns(m, new_var(m, "route_used", len(cols), "binary"))
    rlat = columns(m, new_var(m, "route_lat", len(groups), "real"))
    lat_of = {gi: t for t, gi in enumerate(groups)}
    rows: list[Row] = []
    for t, i in enumerate(cols):
        gi = d.col_group[i]
        rows.append((None, [(1.0, n[i]), (-float(d.col_ub[i]), rused[t])], 0.0))
        rows.append((0.0, [(1.0, rlat[lat_of[gi]]), (-d.col_option[i].latency_ns, rused[t])], None))
    for j in bounded:
        k, p = p_index[j]
        pd = r.path_demands[k]
        path = pd.paths[p]
        terms: list[tuple[float, Any]] = [(1.0, rlat[lat_of[r.arcs[a][0]]]) for a in path]
        big_m = sum(max((d.col_option[i].latency_ns for i in d.groups[r.arcs[a][0]].cols), default=0.0) for a in path)
        for a in path[1:]:
            si = r.node_switch.get(r.arcs[a][1])
            if si is not None:
                choices = d.switch_groups[si].choices
                terms += [(d.choice_latency_ns[q], z[q]) for q in choices]
                big_m += max(d.choice_latency_ns[q] for q in choices)
        budget = float(pd.max_latency_ns or 0.0)
        terms.append((big_m, rw[w_of[j]]))
        rows.append((None, terms, budget + big_m))
    add_rows(m, "routing_latency", rows)


def _cut_rows(m: Model, d: ModelData, r: RoutingData) -> list[Row]:
    n = columns(m, m.n)  # column indices
    rows: list[Row] = []
    for s_set, d_out, d_in in cut_sets(r, d):
        crossing = []
        for gi, arcs in enumerate(r.group_arcs):
            if not arcs:
                continue
            _, a, b, _ = r.arcs[arcs[0]]
            if (a in s_set) != (b in s_set):
                crossing.append((gi, a in s_set))
        if not crossing or any(r.groups[gi].divisible for gi, _ in crossing):
            continue
        sides = []
        out_groups = [gi for gi, a_in in crossing if r.groups[gi].direction != "directed" or a_in]
        in_groups = [gi for gi, a_in in crossing if r.groups[gi].direction != "directed" or not a_in]
        if all(r.groups[gi].direction == "undirected" for gi, _ in crossing):
            sides.append((out_groups, d_out + d_in))
        else:
            sides += [(out_groups, d_out), (in_groups, d_in)]
        for groups, demand in sides:
            if demand <= 0 or not groups:
                continue
            need = demand + sum(r.groups[gi].own_gbps - r.groups[gi].installed_gbps for gi in groups)
            cols = [i for gi in groups for i in d.groups[gi].cols]
            if need <= 1e-9 or not cols:
                continue
            for c in _divisors(sorted({d.col_option[i].speed_gbps for i in cols})):
                rhs = math.ceil(need / c - 1e-9)
                rows.append(
                    (
                        float(rhs),
                        [(float(math.ceil(d.col_option[i].speed_gbps / c - 1e-9)), n[i]) for i in cols],
                        None,
                    )
                )
    return rows


def _divisors(speeds: list[float]) -> list[float]:
    """Up to four module speeds used as rounding divisors (all of them when there are few)."""
    if len(speeds) <= 4:
        return speeds
    picks = {speeds[0], speeds[-1], speeds[len(speeds) // 3], speeds[(2 * len(speeds)) // 3]}
    return sorted(picks)
