"""Facility: switch racks (facility extension; only with a ``facility`` section that sets ``max_switch_racks``).

A switch rack offers U = ``switch_rack_units`` rack units and, with ``switch_rack_kw``, W = 1000 x
switch_rack_kw watts. The plan's switches need

    racks = max(ceil(sum_q RU(q) k[q] / U), ceil(P / W))

    P = sum_q power_w(q) k[q] + sum_i sw_i n[i]      (switches and the link ends in their ports)

where RU(q) is the rack units of choice q's model and sw_i the power of the ends of one link of column i
that stand at switch groups (``optimizer.core.facility``). As racks and the cap M = ``max_switch_racks``
are whole numbers, racks <= M holds exactly when both

    sum_q RU(q) k[q]                       <= U x M          (space)
    sum_q power_w(q) k[q] + sum_i sw_i n[i] <= W x M          (power; only with switch_rack_kw)

hold, so the cap needs no rack variable. Racks are counted by space and power in aggregate (each switch
fits one rack: checked on input): a lower bound of a switch-by-switch packing, which reaches it or comes
close when switches are small against a rack, as the built-in models are (1-8 U, at most a few kW against
42-52 U and 15-140 kW racks).
Elastic model: each row gets a priced slack (optimizer.core.model.elastic).
"""

from __future__ import annotations

from optimizer.core.data import ModelData
from optimizer.core.model import elastic
from optimizer.core.model.linear import Model, Row, add_rows, columns

FAMILY = "facility_racks"


def add(m: Model, d: ModelData) -> None:
    """Add the switch-rack space and power rows (see module docstring)."""
    f = d.facility
    if f is None or f.params.max_switch_racks is None:
        return
    n, k = columns(m, m.n), columns(m, m.k)  # column indices
    rows: list[Row] = []
    space_u = f.racks_cap_space_u
    assert space_u is not None
    rows.append((None, [(float(u), k[q]) for q, u in enumerate(f.choice_rack_units) if u], space_u))
    power_w = f.racks_cap_w
    if power_w is not None:
        terms = [(p, k[q]) for q, p in enumerate(d.choice_power_w) if p]
        terms += [(w, n[i]) for i, w in enumerate(f.col_switch_w) if w]
        rows.append((None, terms, power_w))
    if elastic.active(d):
        for row, s in zip(rows, elastic.slacks(m, "switch_racks", [r[2] or 0.0 for r in rows]), strict=True):
            row[1].append((-1.0, s))
    add_rows(m, "facility_racks", [r for r in rows if r[1]])
