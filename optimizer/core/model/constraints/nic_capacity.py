"""NIC capacity (format v1 constraint 4).

sum_i e(i) n[i] <= count(v) x ports(v)      for every NIC group v (e(i) = 2 when a == b == v)

The row of a NIC group is left out where exact-count rows imply it: every link group ending there has
an exact count and sum_g e(g) count(g) <= count(v) x ports(v) (``ModelData.nic_ports_implied``; the
count rows fix the left side at that sum, so the feasible set is unchanged). Not on the elastic copy.

Elastic model: each row gets a priced slack (optimizer.core.model.elastic).
"""

from __future__ import annotations

import numpy as np

from optimizer.core.data import ModelData
from optimizer.core.model import elastic
from optimizer.core.model.linear import Coo, Model, add_rows, first_column, flat_pairs

FAMILY = "nic_capacity"


def add(m: Model, d: ModelData) -> None:
    """Add one port row per NIC group with link ends."""
    implied = d.nic_ports_implied().tolist()
    used = [v for v, skip in zip(d.nic_groups, implied, strict=True) if v.ends and not skip]
    if not used:
        return
    ports = np.array([float(v.ports) for v in used])
    row, col, ends = flat_pairs([v.ends for v in used])  # (column, ends) pairs per row
    col, val = first_column(m, m.n) + col, ends.astype(np.float64)
    if elastic.active(d):
        slack = np.array(elastic.slacks(m, "nic_ports", ports.tolist()), dtype=np.int64)
        r = np.arange(len(used))
        row, col, val = np.concatenate([row, r]), np.concatenate([col, slack]), np.concatenate([val, -np.ones(len(r))])
    add_rows(m, "nic_capacity_ports", Coo(row, col, val, np.full(len(used), -np.inf), ports))
