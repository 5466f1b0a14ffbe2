"""NIC capacity (format v1 constraint 4).

sum_i e(i) n[i] <= count(v) x ports(v)      for every NIC group v (e(i) = 2 when a == b == v)

Elastic model: each row gets a priced slack (optimizer.core.model.elastic).
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.core.data import ModelData
from optimizer.core.model import elastic
from optimizer.core.model.linear import Row, add_rows, columns

FAMILY = "nic_capacity"


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Add one port row per NIC group with link ends."""
    n = columns(m, m.n)  # column indices
    rows: list[Row] = [
        (None, [(float(mult), n[i]) for i, mult in v.ends], float(v.ports)) for v in d.nic_groups if v.ends
    ]
    if elastic.active(d) and rows:
        for row, s in zip(
            rows, elastic.slacks(m, "nic_ports", [float(v.ports) for v in d.nic_groups if v.ends]), strict=True
        ):
            row[1].append((-1.0, s))
    add_rows(m, "nic_capacity_ports", rows)
