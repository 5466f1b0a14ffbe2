"""Latency (format v1 constraint 5).

For a link group g on some path, lat[g] is the largest latency among the options it uses:

    n[i] <= n_max(g) y[j(i)]                      y = 1 when column i carries links
    lat[g] >= latency_i y[j(i)]                   for every column i of g

and for each path p with steps g_1..g_r and interior switch groups s_1..s_t (repeats count):

    sum_r lat[g_r] + sum_t sum_{q in s_t} latency_ns(q) z[q] <= max_latency_ns(p)

A step whose group uses no links adds 0 (lat may fall to 0); NIC groups inside ``via`` add 0.
Big-M: n_max(g) as in the capacity family. Elastic model: each budget row gets a priced slack
(optimizer.core.model.elastic).

Paths that cannot bind are left out: when the slowest column of every step plus the slowest model of
every switch visited fits the budget,

    sum_r max_{i in g_r} latency_i + sum_t max_{q in s_t} latency_ns(q) <= max_latency_ns(p),

every plan meets the budget, so its row cuts off no plan; and a group on no path left in gets no
indicator or worst-option row (its y and lat are then free, costless and read by no row: the feasible
plans are unchanged). Dropping them spares the solver the weak big-M rows n[i] <= n_max(g) y[j(i)],
whose fractional y keeps an otherwise integral LP relaxation fractional. Not on the elastic copy (its
budget rows carry slacks that the explanation reads).
"""

from __future__ import annotations

from optimizer.core.data import ModelData, PathData
from optimizer.core.model import elastic
from optimizer.core.model.linear import Model, Row, add_rows, columns

FAMILY = "latency"


def add(m: Model, d: ModelData) -> None:
    """Add indicator, worst-option and path-budget rows (see module docstring)."""
    n, y, z, lat = columns(m, m.n), columns(m, m.y), columns(m, m.z), columns(m, m.lat)
    uniform = set(d.uniform_groups)
    paths = d.paths if elastic.active(d) else [p for p in d.paths if not _never_binds(d, p)]
    slots = {s for p in paths for s in p.step_slots}
    used: list[Row] = []
    worst: list[Row] = []
    for slot, gi in enumerate(d.lat_group):
        if slot not in slots:
            continue
        g = d.groups[gi]
        for i in g.cols:
            j = d.col_ind[i]
            if gi not in uniform:  # uniform groups already link n and y in the capacity family
                used.append((None, [(1.0, n[i]), (-float(g.n_max), y[j])], 0.0))
            worst.append((0.0, [(1.0, lat[slot]), (-d.col_option[i].latency_ns, y[j])], None))
    budget: list[Row] = []
    for p in paths:
        terms = [(1.0, lat[s]) for s in p.step_slots]
        for si in p.switch_visits:
            terms += [(d.choice_latency_ns[q], z[q]) for q in d.switch_groups[si].choices]
        budget.append((None, terms, p.max_latency_ns))
    if elastic.active(d) and budget:
        for row, s in zip(budget, elastic.slacks(m, "latency", [p.max_latency_ns for p in paths]), strict=True):
            row[1].append((-1.0, s))
    add_rows(m, "latency_used", used)
    add_rows(m, "latency_worst_option", worst)
    add_rows(m, "latency_path_budget", budget)


def _never_binds(d: ModelData, p: PathData) -> bool:
    """True when every plan meets path ``p``'s budget (its slowest columns and switch models fit it)."""
    worst = sum(
        max((d.col_option[i].latency_ns for i in d.groups[d.lat_group[s]].cols), default=0.0) for s in p.step_slots
    )
    worst += sum(max(d.choice_latency_ns[q] for q in d.switch_groups[si].choices) for si in p.switch_visits)
    return worst <= p.max_latency_ns
