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
from dataclasses import dataclass
from typing import Any

import numpy as np

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
    a feasible plan, set as the model's variable values for a MIP start (read and written as value
    arrays: the same on a Pyomo model and an ``ArrayModel``). Returns False (and sets nothing) when the
    model has parts the heuristic does not handle (switch groups, indicators, single-path or
    latency-bounded demands) or the LP has no solution.
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
    x = _values(m.route_x)
    flow = _arc_flows(x, _values(m.route_path), r)
    n = [0.0] * d.n_cols
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
        if counts is None or any(counts.get(i, 0.0) > d.col_ub[i] + 1e-9 for i in g.cols):
            _clear(m)
            return False
        for i in g.cols:
            n[i] = min(float(d.col_ub[i]), counts.get(i, 0.0))
        caps.append(sum(d.col_option[i].speed_gbps * counts.get(i, 0.0) for i in g.cols))
    # symmetric pairs must be ordered by capacity: swap the pairs' columns and flows
    if r.strengthen and any(caps[g] < caps[h] - 1e-9 for g, h in symmetric_pairs(r, d)):
        _swap_symmetric(n, x, d, r, caps)
        flow = _arc_flows(x, _values(m.route_path), r)
        set_var_values(m.route_x, x)
    set_var_values(m.n, n)
    gi_r = [
        gi
        for gi, gr in enumerate(r.groups)
        if gr.routing_cost_usd_per_gbps > 0 and gr.direction == "bidirected" and r.group_arcs[gi]
    ]
    set_var_values(m.route_r, [max(flow[a] for a in r.group_arcs[gi]) for gi in gi_r])
    setup = [gi for gi, gr in enumerate(r.groups) if gr.setup_cost_usd > 0 and gr.installed_gbps <= 0]
    set_var_values(m.route_open, [1.0 if any(n[i] > 1e-9 for i in d.groups[gi].cols) else 0.0 for gi in setup])
    return True


def _values(var: Any) -> list[float]:
    """The values of a variable block (Pyomo or arrays), unset ones as 0."""
    from optimizer.core.model.linear import var_values

    return [0.0 if v is None else float(v) for v in var_values(var)]


def set_var_values(var: Any, values: list[float]) -> None:
    """Set the values of a variable block (Pyomo or arrays), in index order."""
    from optimizer.core.model.linear import set_var_values as put

    put(var, values)


def _x_index(r: RoutingData) -> list[tuple[int, int]]:
    """(commodity, arc) of each aggregated flow column, in the routing family's order."""
    return [(c, a) for c, com in enumerate(r.commodities) for a in range(len(r.arcs)) if r.arcs[a][2] != com.source]


def _arc_flows(x: list[float], path: list[float], r: RoutingData) -> list[float]:
    """Flow per arc from aggregated flow values ``x`` and path flow values ``path``."""
    flow = [0.0] * len(r.arcs)
    for k, (_c, a) in enumerate(_x_index(r)):
        flow[a] += max(0.0, x[k])
    j = 0
    for pd in r.path_demands:
        for p in pd.paths:
            v = max(0.0, path[j])
            for a in p:
                flow[a] += v
            j += 1
    return flow


def _swap_symmetric(n: list[float], x: list[float], d: ModelData, r: RoutingData, caps: list[float]) -> None:
    """Order interchangeable parallel groups by capacity by exchanging their columns ``n`` and arc flows ``x``."""
    arc_pos = {key: k for k, key in enumerate(_x_index(r))}
    changed = True
    pairs = symmetric_pairs(r, d)
    while changed:
        changed = False
        for g, h in pairs:
            if caps[g] < caps[h] - 1e-9:
                changed = True
                caps[g], caps[h] = caps[h], caps[g]
                for i, j in zip(d.groups[g].cols, d.groups[h].cols, strict=True):
                    n[i], n[j] = n[j], n[i]
                for a, b in zip(r.group_arcs[g], r.group_arcs[h], strict=True):
                    for c in range(len(r.commodities)):
                        ka, kb = arc_pos.get((c, a)), arc_pos.get((c, b))
                        if ka is not None and kb is not None:
                            x[ka], x[kb] = x[kb], x[ka]


def _clear(m: Any) -> None:
    """Unset every variable value of the model (no MIP start)."""
    from optimizer.core.model.linear import ArrayModel, ArrayVar, record

    if isinstance(m, ArrayModel):
        for var in record(m).var_components:
            if isinstance(var, ArrayVar):
                var.value[:] = np.nan
        return
    import pyomo.environ as pyo

    for v in m.component_data_objects(ctype=pyo.Var):
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

    x = _values(m.route_x)
    for k, (c, a) in enumerate(_x_index(r)):
        if x[k] > 1e-9:
            arc_row(r.commodity_id(c), a, x[k])
    for c, com in enumerate(r.commodities):
        commodities.append({"id": r.commodity_id(c), "source": r.nodes[com.source], "demands": list(com.demand_ids)})
    u_index = [
        (k, a)
        for k in range(len(r.single_demands))
        for a in range(len(r.arcs))
        if r.arcs[a][2] != r.single_demands[k].src and r.arcs[a][1] != r.single_demands[k].dst
    ]
    u = _values(m.route_u)
    for j, (k, a) in enumerate(u_index):
        if u[j] > 0.5 and r.single_demands[k].gbps > 0:
            arc_row(f"demand:{r.single_demands[k].id}", a, r.single_demands[k].gbps)
    for sd in r.single_demands:
        commodities.append({"id": f"demand:{sd.id}", "source": r.nodes[sd.src], "demands": [sd.id]})
    path = _values(m.route_path)
    j = 0
    for pd in r.path_demands:
        for p in pd.paths:
            v = path[j]
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
    value = objective_value(m)
    return bool(abs(value - report.objective) > 1e-6 * max(1.0, abs(value)))


def objective_value(m: Any) -> float:
    """The objective at the model's current values: from the arrays (``ArrayModel``, or a Pyomo model its
    record still describes), else Pyomo's own evaluation (a model a hook has changed)."""
    from optimizer.core.model.linear import ArrayModel, column_values, current, record

    if isinstance(m, ArrayModel) or current(m):
        rec = record(m)
        assert rec.cost is not None
        x = np.nan_to_num(column_values(m), nan=0.0)
        return float(rec.cost @ x[: len(rec.cost)] + rec.offset)
    import pyomo.environ as pyo

    return float(pyo.value(m.objective))


# ------------------------------------------------------------------------------ cut-set separation

SEPARATION_ROUNDS = 40
"""Most rounds of the root cutting-plane loop (``separate_cutsets``); 0 turns the loop off."""

SUBSET_FLOW_CUTS = False
"""Also separate flow-cutset rows of commodity subsets (``_flow_cutsets``). Off: they raise the loop's LP
bound (germany50 D-B-M 447,768 -> 455,559, U-U-M 614,202 -> 616,829, dfn-gwin U-U-M 30,896 -> 34,329)
but HiGHS's own root cuts reach the same bound on germany50 D-B-M, and their many rows slowed zib54 U-U-E
from proven in 386 s to a 9.0% gap at 600 s (7,846 rows instead of 1,538; benchmarks/sndlib-formulations.md)."""

SEPARATION_TIME_SHARE = 0.1
"""Share of the run's time limit the loop may spend (it stops after the round that passes it)."""

CUTS_PER_ROUND = 500
"""Most violated inequalities added per round (the most violated first)."""

MIN_VIOLATION = 1e-4
"""Least violation, relative to the right-hand side, for an inequality to be added."""

STALL_ROUNDS = 3
"""The loop stops when the LP bound has risen by less than ``STALL_GAIN`` (relative) over this many rounds."""

STALL_GAIN = 1e-5


@dataclass
class Separation:
    """What the root cutting-plane loop did: rounds, inequalities added and the LP bound before and after."""

    rounds: int
    cuts: int
    metric_cuts: int
    lp_before: float | None
    lp_after: float | None
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "cut_rounds": self.rounds,
            "cuts_separated": self.cuts,
            "metric_cuts_separated": self.metric_cuts,
            "root_lp_before_cuts": self.lp_before,
            "root_lp_after_cuts": self.lp_after,
            "cut_loop_s": round(self.seconds, 3),
        }


@dataclass
class _Network:
    """What separation reads of the routing data, as arrays over nodes and groups."""

    n_nodes: int
    usable: list[int]
    """Groups with arcs (the others carry no routed flow)."""
    ends: dict[int, tuple[int, int]]
    undirected: bool
    """Every usable group is undirected (one cut side: demand both ways)."""
    vol: np.ndarray
    """vol[s, t]: demand from s to t."""
    adj: np.ndarray
    cols: list[list[int]]
    """Model columns (indices into ``n``) of each group."""
    speed: list[float]
    max_speed: float
    base: list[float]
    """installed_gbps - demand_gbps of each group (capacity routed flow finds without any module)."""
    directed: set[int]
    ncol: list[int]
    """Model column of each ``n`` index."""
    src: np.ndarray
    """Source node of each aggregated commodity."""
    xcol: np.ndarray
    """xcol[c, a]: model column of commodity c's flow on arc a (-1: none, an arc into c's source)."""
    vol_agg: np.ndarray
    """vol_agg[s, t]: demand from s to t routed as aggregated commodities."""
    side_arc: dict[int, tuple[int, int]]
    """Group -> (arc a -> b, arc b -> a; -1 when the group has none)."""


def separate_cutsets(m: Any, d: ModelData, options: Any, deadline: float | None = None) -> Separation | None:
    """Root cutting-plane loop: separate violated cut-set and metric inequalities from the LP relaxation.

    Every routing satisfies, for lengths mu >= 0 on the arcs (one length per undirected group), the
    metric inequality sum_a mu_a cap(g(a)) >= sum_{s,t} d(s,t) dist_mu(s, t), cap(g) = installed_gbps(g)
    - demand_gbps(g) + sum_{i in g} speed_i n[i] (flow on a is at most cap(g(a)); the demand from s to t
    uses paths no shorter than dist_mu(s, t)). A node set S gives the cut-set case: mu = 1 on the arcs
    leaving S (D(S) the demand leaving S; likewise into S; with D(S) + D(V \\ S) when every group is
    undirected). Written as sum_i a_i n[i] >= b with the constants moved right (b > 0), a coefficient may
    be lowered to min(a_i, b) (one such link meets the row alone), and for a divisor C, with a_i and b
    divided by C and f = b - floor(b) > 0, the mixed-integer rounding (MIR) inequality

        sum_i (floor(a_i) + min(f_i, f) / f) n[i] >= ceil(b),    f_i = a_i - floor(a_i)

    holds for every integer n >= 0 (Nemhauser and Wolsey, "Integer and Combinatorial Optimization",
    II.1.7; for network design: Bienstock and Guenluek, "Capacitated network design -- polyhedral
    structure and computation", 1996; Avella, Mattia and Sassano, "Metric inequalities and the network
    loading problem", 2007; Raack, Koster, Orlowski and Wessaely, "On cut-based inequalities for
    capacitated network design polyhedra", Networks 57, 2011). The LP relaxation implies the unrounded
    rows; the rounded ones cut off its fractional capacities. When b is integral (f = 0) the MIR is void and
    the lowered row itself is used (the MIR formula with f = 1): sum_i a_i n[i] >= b with every a_i <= b;
    it is stronger than the LP's row wherever a coefficient was lowered. Rows with a ``divisible`` group
    are skipped (its counts are not integer).

    Separation, each round, at the LP optimum: (1) cut-sets: connected node sets grown from every node,
    each step adding the neighbour that leaves the least slack (cut capacity less demand); each set met
    with slack below the largest module speed, with every distinct (lowered) module speed as divisor, and
    the flow-cutset rows of subsets K of the commodities crossing the cut (``_flow_cutsets``: a small
    D_K gives "a module on this link or K's flow on the others"); (2) metric: mu = the duals of the
    capacity rows, with the speeds times mu of the columns the LP uses as divisors. The most violated
    inequalities (at least ``MIN_VIOLATION`` of the right-hand side, at most ``CUTS_PER_ROUND``) are
    added and the LP is solved again (dual simplex from the last basis);
    the loop ends when none is violated, the bound stalls (``STALL_ROUNDS``, ``STALL_GAIN``), after
    ``SEPARATION_ROUNDS`` rounds or ``SEPARATION_TIME_SHARE`` of the time limit. The inequalities found
    are added to the model (``routing_cutset_separated``) before HiGHS branches: through highspy 1.16 a
    callback reads the cut pool, sets a solution or interrupts, but its input has no rows, so it can add
    neither lazy constraints nor user cuts during branch and bound; hence the root loop.

    Returns None (and adds nothing) when the loop does not apply (no routing, plain formulation, rounds
    set to 0) or the LP has no optimum.
    """
    import time

    import highspy

    from optimizer.core.model.linear import add_rows, columns, record
    from optimizer.core.solve import _new_highs, linear_arrays, pass_arrays

    r = d.routing
    if r is None or not r.strengthen or SEPARATION_ROUNDS <= 0 or not r.arcs:
        return None
    start = time.perf_counter()
    budget = SEPARATION_TIME_SHARE * float(options.time_limit_s)
    if deadline is not None:
        budget = min(budget, 0.5 * max(0.0, deadline - time.monotonic()))
    n_col = columns(m, m.n)
    net = _network(r, d, n_col, columns(m, m.route_x))
    if net is None:
        return None
    cap_rows = _capacity_row_arcs(r)
    cap_first = _block_start(record(m), "routing_capacity", len(cap_rows))

    arrays = linear_arrays(m)
    h = _new_highs()
    h.setOptionValue("threads", 1)
    h.setOptionValue("presolve", "off")
    if pass_arrays(h, arrays) != highspy.HighsStatus.kOk:
        return None
    h.changeColsIntegrality(
        arrays.n_cols, np.arange(arrays.n_cols, dtype=np.int32), np.zeros(arrays.n_cols, dtype=np.int32)
    )

    def lp() -> tuple[np.ndarray, np.ndarray] | None:
        h.setOptionValue("time_limit", max(1.0, budget - (time.perf_counter() - start)))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        sol = h.getSolution()
        return np.asarray(sol.col_value, dtype=np.float64), np.asarray(sol.row_dual, dtype=np.float64)

    got = lp()
    if got is None:
        return None
    lp_before = lp_after = float(h.getInfo().objective_function_value)
    history = [lp_before]
    seen: set[tuple[Any, ...]] = set()
    rows: list[tuple[float, list[tuple[float, int]]]] = []
    metric = 0
    rounds = 0
    while rounds < SEPARATION_ROUNDS and time.perf_counter() - start < budget:
        rounds += 1
        x, duals = got
        n_val = x[n_col]
        found: list[tuple[float, tuple[Any, ...], list[tuple[float, int]], float]] = []
        for s_set in _grown_sets(net, n_val):
            found += _cutset_cuts(net, r, s_set, x, n_val)
        if cap_first is not None:
            weights_m, demand_m = _metric(net, r, cap_rows, np.abs(duals[cap_first : cap_first + len(cap_rows)]))
            if demand_m > 0:
                used = [(weights_m[g] * net.speed[i]) for g in weights_m for i in net.cols[g] if n_val[i] > 1e-6]
                cut = _mir_row(net, r, weights_m, demand_m, n_val, sorted(set(used))[-12:])
                if cut is not None and cut[0] >= MIN_VIOLATION:
                    key = ("metric", tuple(sorted((g, round(w, 9)) for g, w in weights_m.items())), cut[3])
                    found.append((cut[0], key, cut[1], cut[2]))
        found = [c for c in found if c[1] not in seen]
        if not found:
            break
        found.sort(key=lambda c: -c[0])
        new = found[:CUTS_PER_ROUND]
        starts: list[int] = []
        index: list[int] = []
        value: list[float] = []
        for _, key, terms, rhs in new:
            seen.add(key)
            metric += key[0] == "metric"
            starts.append(len(index))
            index += [j for _, j in terms]
            value += [c for c, _ in terms]
            rows.append((rhs, terms))
        h.addRows(
            len(new),
            np.array([rhs for *_, rhs in new], dtype=np.float64),
            np.full(len(new), np.inf),
            len(index),
            np.array(starts, dtype=np.int32),
            np.array(index, dtype=np.int32),
            np.array(value, dtype=np.float64),
        )
        got = lp()
        if got is None:
            break
        lp_after = float(h.getInfo().objective_function_value)
        log.debug("cut loop round %d: %d inequalities, LP %.6g", rounds, len(new), lp_after)
        history.append(lp_after)
        if len(history) > STALL_ROUNDS:
            old = history[-1 - STALL_ROUNDS]
            if lp_after - old <= STALL_GAIN * max(1.0, abs(old)):
                break
    if rows:
        add_rows(m, "routing_cutset_separated", [(rhs, terms, None) for rhs, terms in rows])
    sep = Separation(rounds, len(rows), metric, lp_before, lp_after, time.perf_counter() - start)
    log.info("cut-set separation: %s", sep)
    return sep


def _network(r: RoutingData, d: ModelData, ncol: list[int], xcols: list[int]) -> _Network | None:
    usable = [gi for gi, arcs in enumerate(r.group_arcs) if arcs]  # with or without options: installed capacity
    if not any(d.groups[gi].cols for gi in usable):
        return None
    n = len(r.nodes)
    ends = {gi: (r.arcs[r.group_arcs[gi][0]][1], r.arcs[r.group_arcs[gi][0]][2]) for gi in usable}
    vol = np.zeros((n, n))
    for (s, t), v in routed_volume(r).items():
        vol[s, t] += v
    adj = np.zeros((n, n), dtype=bool)
    for a, b in ends.values():
        adj[a, b] = adj[b, a] = True
    cols = [list(g.cols) for g in d.groups]
    speed = [d.col_option[i].speed_gbps for i in range(d.n_cols)]
    xcol = np.full((len(r.commodities), len(r.arcs)), -1, dtype=np.int64)
    x_index = [(c, a) for c, com in enumerate(r.commodities) for a in range(len(r.arcs)) if r.arcs[a][2] != com.source]
    for k, (c, a) in enumerate(x_index):
        xcol[c, a] = xcols[k]
    vol_agg = np.zeros((n, n))
    for com in r.commodities:
        for t, v in com.sinks.items():
            vol_agg[com.source, t] += v
    side_arc = {}
    for gi in usable:
        fwd = [a for a in r.group_arcs[gi] if r.arcs[a][3] == 0]
        back = [a for a in r.group_arcs[gi] if r.arcs[a][3] == 1]
        side_arc[gi] = (fwd[0] if fwd else -1, back[0] if back else -1)
    return _Network(
        n,
        usable,
        ends,
        all(r.groups[gi].direction == "undirected" for gi in usable),
        vol,
        adj,
        cols,
        speed,
        max((speed[i] for gi in usable for i in cols[gi]), default=0.0),
        [gr.installed_gbps - gr.own_gbps for gr in r.groups],
        {gi for gi in usable if r.groups[gi].direction == "directed"},
        ncol,
        np.array([com.source for com in r.commodities], dtype=np.int64),
        xcol,
        vol_agg,
        side_arc,
    )


def _capacity_row_arcs(r: RoutingData) -> list[list[int]]:
    """The arcs of each ``routing_capacity`` row, in the routing family's row order (a row per arc, one
    per undirected group; only arcs that carry a flow variable)."""
    carried = [False] * len(r.arcs)
    for a, (_, _, head, _) in enumerate(r.arcs):
        carried[a] = any(com.source != head for com in r.commodities)
    for sd in r.single_demands:
        for a, (_, tail, head, _) in enumerate(r.arcs):
            if head != sd.src and tail != sd.dst:
                carried[a] = True
    for pd in r.path_demands:
        for p in pd.paths:
            for a in p:
                carried[a] = True
    rows = []
    for gi, gr in enumerate(r.groups):
        dirs = [[a] for a in r.group_arcs[gi]] if gr.direction != "undirected" else [r.group_arcs[gi]]
        for arc_list in dirs:
            if any(carried[a] for a in arc_list):
                rows.append(arc_list)
    return rows


def _block_start(rec: Any, name: str, n_rows: int) -> int | None:
    """First row of row block ``name`` in the model's record (None when absent or of another size)."""
    first = 0
    for b in rec.blocks:
        label = b.component if isinstance(b.component, str) else getattr(b.component, "name", None)
        if label == name:
            return first if len(b.lower) == n_rows else None
        first += len(b.lower)
    return None


def _metric(
    net: _Network, r: RoutingData, cap_rows: list[list[int]], mu_rows: np.ndarray
) -> tuple[dict[int, float], float]:
    """Metric inequality of row lengths ``mu_rows`` (one per capacity row): (weight of each group's
    capacity, sum_{s,t} d(s,t) dist_mu(s,t))."""
    n = net.n_nodes
    dist = np.full((n, n), np.inf)
    np.fill_diagonal(dist, 0.0)
    weights: dict[int, float] = defaultdict(float)
    scale = float(mu_rows.max()) if len(mu_rows) else 0.0
    if scale <= 0:
        return {}, 0.0
    for arc_list, mu in zip(cap_rows, (mu_rows / scale).tolist(), strict=True):
        if mu < 1e-9:
            mu = 0.0
        gi = r.arcs[arc_list[0]][0]
        weights[gi] += mu
        for a in arc_list:
            _, tail, head, _ = r.arcs[a]
            dist[tail, head] = min(dist[tail, head], mu)
    for k in range(n):
        np.minimum(dist, dist[:, k : k + 1] + dist[k : k + 1, :], out=dist)
    mask = net.vol > 0
    if not np.isfinite(dist[mask]).all():
        return {}, 0.0
    weights = {g: w for g, w in weights.items() if w > 0}
    return weights, float((net.vol[mask] * dist[mask]).sum())


def _cutset_cuts(
    net: _Network, r: RoutingData, s_set: frozenset[int], x: np.ndarray, n_val: np.ndarray
) -> list[tuple[float, tuple[Any, ...], list[tuple[float, int]], float]]:
    """The most violated cut-set inequality of each side of the cut of S at LP point ``x`` (see
    ``separate_cutsets``): (violation relative to the right-hand side, key, terms, right-hand side).

    Flow-cutset form (Atamtuerk, "On capacitated network design cut-set polyhedra", 2002): the flow F_g
    that the commodities crossing the cut put on group g's arc across it is at most cap(g) and the F_g
    sum to at least the aggregated demand D across the cut, so for any set Q of the crossing groups,
    sum_{g in Q} cap(g) + sum_{g not in Q} F_g >= D; its MIR with continuous F
    (coefficient 1 / (f C)) cuts off more than the capacity-only row (Q = every group). Q is chosen
    per divisor as the groups whose rounded capacity term is below their flow term at the LP point.
    """
    inside = np.zeros(net.n_nodes, dtype=bool)
    inside[list(s_set)] = True
    src_in = inside[net.src]
    out_groups, in_groups = [], []
    for gi in net.usable:
        a, b = net.ends[gi]
        a_in, b_in = bool(inside[a]), bool(inside[b])
        if a_in == b_in:
            continue
        if gi not in net.directed or a_in:
            out_groups.append(gi)
        if gi not in net.directed or b_in:
            in_groups.append(gi)
    d_out = float(net.vol[np.ix_(inside, ~inside)].sum())
    d_in = float(net.vol[np.ix_(~inside, inside)].sum())
    agg_out = float(net.vol_agg[np.ix_(inside, ~inside)].sum())
    agg_in = float(net.vol_agg[np.ix_(~inside, inside)].sum())

    def crossing_arc(gi: int, leaving: bool) -> int:
        """Group gi's arc leaving S (``leaving``) or entering it (-1: none)."""
        fwd, back = net.side_arc[gi]
        a_in = bool(inside[net.ends[gi][0]])
        return (fwd if a_in else back) if leaving else (back if a_in else fwd)

    sides: list[tuple[list[int], float, float, list[tuple[np.ndarray, bool]]]]
    if net.undirected:
        sides = [(out_groups, d_out + d_in, agg_out + agg_in, [(src_in, True), (~src_in, False)])]
    else:
        sides = [(out_groups, d_out, agg_out, [(src_in, True)]), (in_groups, d_in, agg_in, [(~src_in, False)])]
    found: list[tuple[float, tuple[Any, ...], list[tuple[float, int]], float]] = []
    for side, (groups, demand, agg, parts) in enumerate(sides):
        if not groups or any(r.groups[gi].divisible for gi in groups):
            continue
        divisors = sorted({net.speed[i] for gi in groups for i in net.cols[gi]})
        if demand > 0:
            cut = _mir_row(net, r, dict.fromkeys(groups, 1.0), demand, n_val, divisors)
            if cut is not None and cut[0] >= MIN_VIOLATION:
                found.append((cut[0], ("cut", s_set, side, cut[3]), cut[1], cut[2]))
            count = _cardinality_row(net, r, groups, demand, n_val)
            if count is not None and count[0] >= MIN_VIOLATION:
                found.append((count[0], ("count", s_set, side), count[1], count[2]))
        if agg <= 1e-9 or any(abs(net.base[gi]) > 1e-12 for gi in groups):
            continue
        # per crossing commodity: its demand across the cut and its flow column on each group's crossing arc
        coms: list[tuple[float, dict[int, int]]] = []
        for mask, leaving in parts:
            for c in np.nonzero(mask)[0].tolist():
                src = int(net.src[c])
                dem_c = float(net.vol_agg[src, ~inside].sum() if leaving else net.vol_agg[src, inside].sum())
                if dem_c <= 1e-9:
                    continue
                arcs_c = {}
                for gi in groups:
                    arc = crossing_arc(gi, leaving)
                    if arc >= 0 and net.xcol[c, arc] >= 0:
                        arcs_c[gi] = int(net.xcol[c, arc])
                coms.append((dem_c, arcs_c))
        for best in _flow_cutsets(net, groups, coms, x, n_val, divisors):
            found.append((best[0], ("flow", s_set, side, *best[1]), best[2], best[3]))
    return found


def _flow_cutsets(
    net: _Network,
    groups: list[int],
    coms: list[tuple[float, dict[int, int]]],
    x: np.ndarray,
    n_val: np.ndarray,
    divisors: list[float],
) -> list[tuple[float, tuple[Any, ...], list[tuple[float, int]], float]]:
    """The most violated flow-cutset inequality of one side of a cut at LP point ``x`` for K = every
    commodity, and the most violated one over smaller commodity subsets K, each over the divisors (see
    ``_cutset_cuts``): (violation, key part, terms, right-hand side) of each found.

    ``coms``: the commodities crossing the side, each as (its demand across the cut, group -> its flow
    column on the group's crossing arc). For any subset K of them, the K-flow across the cut is at least
    D_K (their demand across it) and the K-flow on group g is at most cap(g), so sum_{g in Q} cap(g) +
    sum_{g not in Q} F_g^K >= D_K for every Q; its MIR is the one for K = every commodity with D_K in
    place of the cut's demand. A small D_K (below a module's speed) makes the strong form "a module on
    one of the groups in Q, or the K-flow on the others": sum_{g in Q} n_g + sum_{g not in Q} F_g^K / D_K
    >= 1 for single-module groups. Subsets tried: every commodity, and with ``SUBSET_FLOW_CUTS`` the
    largest-demand-first prefixes and each commodity alone. Evaluated for all subsets at once (arrays:
    subsets x groups).
    """
    if not coms:
        return []
    order = sorted(range(len(coms)), key=lambda k: -coms[k][0])
    subsets = [order]
    if SUBSET_FLOW_CUTS:
        subsets += [order[: k + 1] for k in range(len(order) - 1)] + [[k] for k in order[1:]]
    member = np.zeros((len(subsets), len(coms)))
    for row, subset in enumerate(subsets):
        member[row, subset] = 1.0
    flow = np.array([[float(x[arcs[gi]]) if gi in arcs else 0.0 for gi in groups] for _, arcs in coms])
    dem = np.array([dem_c for dem_c, _ in coms])
    agg = member @ dem  # D_K per subset
    flow_val = member @ flow  # F_g^K per subset and group
    col_list = [i for gi in groups for i in net.cols[gi]]
    if not col_list:
        return []
    col_group = np.zeros((len(col_list), len(groups)))
    k = 0
    for g_pos, gi in enumerate(groups):
        for _ in net.cols[gi]:
            col_group[k, g_pos] = 1.0
            k += 1
    speeds = np.array([net.speed[i] for i in col_list])
    n_cols = np.array([float(n_val[i]) for i in col_list])
    best_of: list[tuple[float, int, float] | None] = [None, None]  # (violation, subset row, speed)
    for speed in divisors:
        divisor = np.minimum(speed, agg)
        ratio = agg / divisor
        f = ratio - np.floor(ratio)
        rhs = np.ceil(ratio)
        whole = (f < 1e-6) | (f > 1 - 1e-6)  # integral: the (lowered) row itself, the MIR with f = 1
        f = np.where(whole, 1.0, f)
        rhs = np.where(whole, ratio, rhs)
        a = np.minimum(speeds[None, :], agg[:, None]) / divisor[:, None]
        fl = np.floor(a + 1e-9)
        coef = fl + np.minimum(np.maximum(0.0, a - fl), f[:, None]) / f[:, None]
        cap_term = (coef * n_cols[None, :]) @ col_group
        flow_term = flow_val / (f * divisor)[:, None]
        violation = (rhs - np.minimum(cap_term, flow_term).sum(axis=1)) / rhs
        for part, rows in ((0, slice(0, 1)), (1, slice(1, None))):
            v = violation[rows]
            if len(v) == 0:
                continue
            at = int(np.argmax(v))
            if v[at] >= MIN_VIOLATION and (best_of[part] is None or v[at] > best_of[part][0]):  # type: ignore[index]
                best_of[part] = (float(v[at]), at + rows.start, float(speed))
    found = []
    for part, chosen in enumerate(best_of):
        if chosen is None:
            continue
        violation_k, row, speed = chosen
        subset = subsets[row]
        d_k = float(agg[row])
        divisor_k = min(speed, d_k)
        f_k, rhs_k = _mir_rhs(d_k / divisor_k)
        terms: list[tuple[float, int]] = []
        q_groups = set()
        for g_pos, gi in enumerate(groups):
            coefs = []
            for i in net.cols[gi]:
                coefs.append((_mir_coef(min(net.speed[i], d_k) / divisor_k, f_k), i))
            cap_k = sum(c * float(n_val[i]) for c, i in coefs)
            if cap_k <= float(flow_val[row, g_pos]) / (f_k * divisor_k):
                q_groups.add(gi)
                terms += [(c, net.ncol[i]) for c, i in coefs if c > 1e-12]
            else:
                terms += [(1.0 / (f_k * divisor_k), coms[k][1][gi]) for k in subset if gi in coms[k][1]]
        key = (divisor_k, frozenset(q_groups), frozenset(subset) if part else None)
        found.append((violation_k, key, terms, rhs_k))
    return found


def _cardinality_row(
    net: _Network, r: RoutingData, groups: list[int], demand: float, n_val: np.ndarray
) -> tuple[float, list[tuple[float, int]], float] | None:
    """Cardinality form of a cut: at least k links cross it, k the fewest modules (each group's fastest,
    at most ``max_count`` of them per group) whose speeds reach the demand less the groups' base
    capacity: sum_{g} sum_{i in g} n[i] >= k (see ``separate_cutsets``). (violation relative to k,
    terms, k), or None."""
    need = demand - sum(net.base[g] for g in groups)
    if need <= 1e-9:
        return None
    # (speed, how many) per group, fastest first; counted, not listed: a slow module against a large demand
    # would otherwise make a list of millions of entries
    modules: list[tuple[float, int]] = []
    for g in groups:
        if not net.cols[g]:
            continue
        fastest = max(net.speed[i] for i in net.cols[g])
        if fastest <= 0:
            continue
        cap = r.groups[g].max_count
        enough = math.ceil(need / fastest)
        modules.append((fastest, enough if cap is None else min(cap, enough)))
    modules.sort(reverse=True)
    total, k = 0.0, 0
    for speed, count in modules:
        if total >= need - 1e-9:
            break
        take = min(count, max(1, math.ceil((need - 1e-9 - total) / speed)))
        total += take * speed
        k += take
    if total < need - 1e-9 or k <= 1:
        return None
    terms = [(1.0, i) for g in groups for i in net.cols[g]]
    violation = (k - sum(float(n_val[i]) for _, i in terms)) / k
    return violation, [(c, net.ncol[i]) for c, i in terms], float(k)


def _mir_row(
    net: _Network,
    r: RoutingData,
    weights: dict[int, float],
    demand: float,
    n_val: np.ndarray,
    divisors: list[float],
) -> tuple[float, list[tuple[float, int]], float, float] | None:
    """The most violated MIR inequality of sum_g weight_g cap(g) >= demand at LP point ``n_val`` over the
    divisors (see ``separate_cutsets``): (violation relative to the right-hand side, (coefficient,
    column) terms, right-hand side, divisor), or None."""
    if demand <= 0 or not weights or any(r.groups[g].divisible for g in weights):
        return None
    need = demand - sum(w * net.base[g] for g, w in weights.items())
    cols = [(w * net.speed[i], i) for g, w in weights.items() for i in net.cols[g]]
    if need <= 1e-9 or not cols:
        return None
    lowered = [(min(a, need), i) for a, i in cols if a > 1e-12]
    best = None
    for divisor in divisors:
        divisor = min(divisor, need)
        if divisor <= 1e-12:
            continue
        f, rhs = _mir_rhs(need / divisor)
        terms = []
        for a, i in lowered:
            coef = _mir_coef(a / divisor, f)
            if coef > 1e-12:
                terms.append((coef, i))
        violation = (rhs - sum(c * float(n_val[i]) for c, i in terms)) / rhs
        if best is None or violation > best[0]:
            best = (violation, [(c, net.ncol[i]) for c, i in terms], rhs, divisor)
    return best


def _mir_rhs(b: float) -> tuple[float, float]:
    """(f, right-hand side) of the MIR of a row with right side ``b`` (divided by its divisor): f = b -
    floor(b) and ceil(b); when b is integral (f within 1e-6 of 0 or 1) the MIR is void and the lowered row
    itself is used: f = 1 and b."""
    f = b - math.floor(b)
    if f < 1e-6 or f > 1 - 1e-6:
        return 1.0, b
    return f, float(math.ceil(b))


def _mir_coef(a: float, f: float) -> float:
    """MIR coefficient of a (divided) coefficient ``a`` for fractional part ``f``: floor(a) + min(a - floor(a),
    f) / f (floor taken with a 1e-9 tolerance)."""
    fl = math.floor(a + 1e-9)
    return fl + min(max(0.0, a - fl), f) / f


def _grown_sets(net: _Network, n_val: np.ndarray) -> list[frozenset[int]]:
    """Connected node sets grown from every node, each step adding the neighbour that leaves the least
    slack at the LP capacities: cut capacity less the demand across the cut, and (a second pass) less
    the demand rounded up to whole modules of the largest speed (the rounding a cut-set row gains). The
    distinct sets met with slack below the largest module speed, and every single node (a set and its
    complement are one cut)."""
    n = net.n_nodes
    cap = np.zeros((n, n))  # LP capacity usable u -> v
    for gi in net.usable:
        a, b = net.ends[gi]
        c = net.base[gi] + sum(net.speed[i] * float(n_val[i]) for i in net.cols[gi])
        cap[a, b] += c
        if gi not in net.directed:
            cap[b, a] += c
    vol, adj = net.vol, net.adj
    out: set[frozenset[int]] = set()
    everything = frozenset(range(n))

    def keep(s_set: frozenset[int]) -> None:
        out.add(min(s_set, everything - s_set, key=lambda z: (len(z), sorted(z))))

    big = net.max_speed

    def slack_of(cut: np.ndarray, dem: np.ndarray, rounded: bool) -> np.ndarray:
        return cut - big * np.ceil(dem / big - 1e-9) if rounded else cut - dem

    for rounded in (False, True):
        for seed in range(n):
            x = np.zeros(n)
            x[seed] = 1.0
            members = [seed]
            keep(frozenset(members))
            while len(members) < n - 1:
                xc = 1.0 - x
                # each quantity for S + w, for every w outside S
                cut_out = x @ cap @ xc - (x @ cap) + (cap @ xc)
                cut_in = xc @ cap @ x - (cap @ x) + (xc @ cap)
                d_out = x @ vol @ xc - (x @ vol) + (vol @ xc)
                d_in = xc @ vol @ x - (vol @ x) + (xc @ vol)
                if net.undirected:
                    slack = slack_of(cut_out, d_out + d_in, rounded)
                    plain = cut_out - d_out - d_in
                else:
                    slack = np.minimum(slack_of(cut_out, d_out, rounded), slack_of(cut_in, d_in, rounded))
                    plain = np.minimum(cut_out - d_out, cut_in - d_in)
                candidate = adj[x > 0].any(axis=0) & (x == 0)
                if not candidate.any():
                    break
                w = int(np.argmin(np.where(candidate, slack, np.inf)))
                x[w] = 1.0
                members.append(w)
                if plain[w] < big:
                    keep(frozenset(members))
    return sorted(out, key=lambda z: (len(z), sorted(z)))
