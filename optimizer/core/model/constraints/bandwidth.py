"""Aggregate bandwidth (format v1 constraint 6).

sum_{g in B} sum_{i in g} speed_i n[i] >= min_gbps(B)     for every entry B (a group listed twice counts once)
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.core.data import ModelData
from optimizer.core.model.linear import Row, add_rows, columns

FAMILY = "bandwidth"


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Add one row per aggregate bandwidth entry."""
    n = columns(m, m.n)  # column indices
    rows: list[Row] = [
        (min_gbps, [(d.col_option[i].speed_gbps, n[i]) for i in cols], None) for _, cols, min_gbps in d.bandwidth
    ]
    add_rows(m, "bandwidth_min", rows)
