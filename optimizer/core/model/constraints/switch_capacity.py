"""Switch capacity (format v1 constraint 3).

For switch group s (e(i) = ends per link at s: 1, or 2 when the group joins s to itself):

    sum_i e(i) speed_i n[i] <= sum_{q in s} capacity_gbps(q) k[q]
    sum_i e(i) n[i]         <= sum_{q in s} max_ports(q) k[q]

The right-hand sides equal k[s] x capacity(m) and k[s] x max_ports(m) for the chosen model m
(see the switch_model family).
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.core.data import ModelData
from optimizer.core.model.linear import Row, add_rows, columns

FAMILY = "switch_capacity"


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Add the bandwidth and port rows of every switch group (see module docstring)."""
    n, k = columns(m, m.n), columns(m, m.k)  # column indices
    gbps: list[Row] = []
    ports: list[Row] = []
    for sg in d.switch_groups:
        if not sg.ends:
            continue
        gbps.append(
            (
                None,
                [(mult * d.col_option[i].speed_gbps, n[i]) for i, mult in sg.ends]
                + [(-d.choice_capacity_gbps[q], k[q]) for q in sg.choices],
                0.0,
            )
        )
        ports.append(
            (
                None,
                [(float(mult), n[i]) for i, mult in sg.ends]
                + [(-float(d.choice_max_ports[q]), k[q]) for q in sg.choices],
                0.0,
            )
        )
    add_rows(m, "switch_capacity_gbps", gbps)
    add_rows(m, "switch_capacity_ports", ports)
