"""Capacity (format v1 constraint 1): demand, exact count, uniform.

    installed_gbps(g) + sum_{i in g} speed_i n[i] >= demand_gbps(g)   for every group g with demand > 0
    sum_{i in g} n[i] = count(g)                               for every group g with ``count``
    n[i] <= n_max(g) y[j(i)],  sum_{i in g} y[j(i)] <= 1        for every ``uniform`` group g

The demand row of a group is left out where its exact-count row implies it: count(g) x the slowest
option's speed >= demand - installed (``ModelData.demand_implied``; every point the count row allows
meets the demand, so the feasible set is unchanged). Not on the elastic copy, whose counts have slacks.

Big-M: n_max(g) is the group's exact count if given, else the fewest ports its two ends offer
(NIC count x ports; switch k_max x the largest max_ports of its models; half of it for a == b):
no feasible plan exceeds it, so the bound is valid and as tight as the data allows.
Elastic model: each exact-count row gets two priced slacks (up and down; optimizer.core.model.elastic).
"""

from __future__ import annotations

import numpy as np

from optimizer.core.data import ModelData
from optimizer.core.model import elastic
from optimizer.core.model.linear import Coo, Model, add_rows, first_column, flat

FAMILY = "capacity"


def add(m: Model, d: ModelData) -> None:
    """Add the capacity rows (see module docstring)."""
    speed = d.col_speed_gbps
    implied = d.demand_implied().tolist()
    need = [
        (g.demand_gbps - g.installed_gbps, g.cols)
        for g, skip in zip(d.groups, implied, strict=True)
        if g.demand_gbps - g.installed_gbps > 0 and not skip
    ]
    need_row, need_cols = flat([c for _, c in need])
    need_gbps = np.array([x for x, _ in need], dtype=np.float64)
    demand = Coo(need_row, first_column(m, m.n) + need_cols, speed[need_cols], need_gbps, np.full(len(need), np.inf))
    exact = [g for g in d.groups if g.count is not None]
    row, cols = flat([g.cols for g in exact])
    counts = np.array([float(g.count) for g in exact if g.count is not None], dtype=np.float64)
    cols, val = first_column(m, m.n) + cols, np.ones(len(cols))
    if elastic.active(d) and exact:
        up = np.array(elastic.slacks(m, "count_up", counts.tolist()), dtype=np.int64)
        down = np.array(elastic.slacks(m, "count_down", counts.tolist()), dtype=np.int64)
        r = np.arange(len(exact), dtype=np.int64)
        row, cols = np.concatenate([row, r, r]), np.concatenate([cols, up, down])
        val = np.concatenate([val, -np.ones(len(r)), np.ones(len(r))])
    count = Coo(row, cols, val, counts, counts.copy())
    uniform = [d.groups[gi] for gi in d.uniform_groups if d.groups[gi].cols]
    link_row, link_cols = flat([g.cols for g in uniform])  # one row per column of a uniform group
    n_max = np.array([float(g.n_max) for g in uniform], dtype=np.float64)[link_row]
    ind = np.fromiter(map(d.col_ind.__getitem__, link_cols.tolist()), dtype=np.int64, count=len(link_cols))
    y_cols = first_column(m, m.y) + ind
    rows = np.arange(len(link_cols), dtype=np.int64)
    uniform_link = Coo(
        np.concatenate([rows, rows]),
        np.concatenate([first_column(m, m.n) + link_cols, y_cols]),
        np.concatenate([np.ones(len(rows)), -n_max]),
        np.full(len(rows), -np.inf),
        np.zeros(len(rows)),
    )
    uniform_one = Coo(link_row, y_cols, np.ones(len(link_row)), np.full(len(uniform), -np.inf), np.ones(len(uniform)))
    add_rows(m, "capacity_demand", demand)
    add_rows(m, "capacity_count", count)
    add_rows(m, "capacity_uniform_link", uniform_link)
    add_rows(m, "capacity_uniform_one", uniform_one)
