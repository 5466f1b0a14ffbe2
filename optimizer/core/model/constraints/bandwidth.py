"""Aggregate bandwidth (format v1 constraint 6).

sum_{g in B} sum_{i in g} speed_i n[i] >= min_gbps(B)     for every entry B (a group listed twice counts once)

Elastic model: each row gets a priced slack (optimizer.core.model.elastic).
"""

from __future__ import annotations

from optimizer.core.data import ModelData
from optimizer.core.model import elastic
from optimizer.core.model.linear import Model, Row, add_rows, columns

FAMILY = "bandwidth"


def add(m: Model, d: ModelData) -> None:
    """Add one row per aggregate bandwidth entry."""
    n = columns(m, m.n)  # column indices
    rows: list[Row] = [
        (min_gbps, [(d.col_option[i].speed_gbps, n[i]) for i in cols], None) for _, cols, min_gbps in d.bandwidth
    ]
    if elastic.active(d) and rows:
        for row, s in zip(rows, elastic.slacks(m, "bandwidth", [b[2] for b in d.bandwidth]), strict=True):
            row[1].append((1.0, s))
    add_rows(m, "bandwidth_min", rows)
