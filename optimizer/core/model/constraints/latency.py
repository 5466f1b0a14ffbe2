"""Latency (format v1 constraint 5).

For a link group g on some path, lat[g] is the largest latency among the options it uses:

    n[i] <= n_max(g) y[j(i)]                      y = 1 when column i carries links
    lat[g] >= latency_i y[j(i)]                   for every column i of g

and for each path p with steps g_1..g_r and interior switch groups s_1..s_t (repeats count):

    sum_r lat[g_r] + sum_t sum_{q in s_t} latency_ns(q) z[q] <= max_latency_ns(p)

A step whose group uses no links adds 0 (lat may fall to 0); NIC groups inside ``via`` add 0.
Big-M: n_max(g) as in the capacity family. Elastic model: each budget row gets a priced slack
(optimizer.core.model.elastic).

Only the paths that some plan could exceed get a row (``ModelData.binding_paths``: the slowest columns
and switch models of a left-out path fit its budget), and only the groups on those paths get indicator
and worst-option rows: elsewhere y and lat are free, costless and read by no row, so the feasible plans
and the optimum are unchanged. This spares the solver the weak big-M rows n[i] <= n_max(g) y[j(i)]
where they decide nothing: their fractional y keep an otherwise integral LP relaxation fractional.
"""

from __future__ import annotations

from optimizer.core.data import ModelData
from optimizer.core.model import elastic
from optimizer.core.model.linear import Model, Row, add_rows, columns

FAMILY = "latency"


def add(m: Model, d: ModelData) -> None:
    """Add indicator, worst-option and path-budget rows (see module docstring)."""
    n, y, z, lat = columns(m, m.n), columns(m, m.y), columns(m, m.z), columns(m, m.lat)
    uniform = set(d.uniform_groups)
    paths = d.binding_paths()
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
