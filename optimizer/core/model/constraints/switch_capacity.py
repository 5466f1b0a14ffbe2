"""Switch capacity (format v1 constraint 3).

For switch group s (e(i) = ends per link at s: 1, or 2 when the group joins s to itself):

    sum_i e(i) speed_i n[i] <= sum_{q in s} capacity_gbps(q) k[q]
    sum_i e(i) n[i]         <= sum_{q in s} max_ports(q) k[q]

The right-hand sides equal k[s] x capacity(m) and k[s] x max_ports(m) for the chosen model m
(see the switch_model family).
"""

from __future__ import annotations

import numpy as np

from optimizer.core.data import ModelData
from optimizer.core.model.linear import Coo, Model, add_rows, first_column, flat, flat_pairs

FAMILY = "switch_capacity"


def add(m: Model, d: ModelData) -> None:
    """Add the bandwidth and port rows of every switch group (see module docstring)."""
    with_ends = [sg for sg in d.switch_groups if sg.ends]
    if not with_ends:
        return
    speed = d.col_speed_gbps
    row_n, col_n, end_count = flat_pairs([sg.ends for sg in with_ends])  # (column, ends) pairs per row
    ends = end_count.astype(np.float64)
    row_q, q = flat([sg.choices for sg in with_ends])
    row = np.concatenate([row_n, row_q])
    col = np.concatenate([first_column(m, m.n) + col_n, first_column(m, m.k) + q])
    none, zero = np.full(len(with_ends), -np.inf), np.zeros(len(with_ends))
    capacity = np.asarray(d.choice_capacity_gbps, dtype=np.float64)
    max_ports = np.asarray(d.choice_max_ports, dtype=np.float64)
    add_rows(m, "switch_capacity_gbps", Coo(row, col, np.concatenate([ends * speed[col_n], -capacity[q]]), none, zero))
    add_rows(m, "switch_capacity_ports", Coo(row, col, np.concatenate([ends, -max_ports[q]]), none.copy(), zero.copy()))
