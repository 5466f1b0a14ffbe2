"""Facility: fibres per cable path between halls (facility extension; ``facility.fibre_paths``).

For each cable path P with link groups G(P) and limit ``max_fibres``:

    sum_{i in columns of G(P)} F_i n[i] <= max_fibres(P)

F_i: the fibres of one link of column i (its transceiver's ``fibres``; 0 for a cable;
``optimizer.core.facility``). Elastic model: each row gets a priced slack (optimizer.core.model.elastic).
"""

from __future__ import annotations

from optimizer.core.data import ModelData
from optimizer.core.model import elastic
from optimizer.core.model.linear import Model, Row, add_rows, columns

FAMILY = "facility_fibres"


def add(m: Model, d: ModelData) -> None:
    """Add one fibre row per cable path (see module docstring)."""
    f = d.facility
    if f is None or not f.fibre_paths:
        return
    n = columns(m, m.n)  # column indices
    rows: list[Row] = []
    for _, cols, limit in f.fibre_paths:
        rows.append((None, [(float(f.col_fibres[i]), n[i]) for i in cols if f.col_fibres[i]], float(limit)))
    if elastic.active(d):
        for row, s in zip(rows, elastic.slacks(m, "fibre_paths", [r[2] or 0.0 for r in rows]), strict=True):
            row[1].append((-1.0, s))
    add_rows(m, "facility_fibres", [r for r in rows if r[1]])
