"""Form and port speed at switch groups (format v1 constraint 2).

An end of form f and speed v at switch group s may be used only if the chosen model takes f and
v <= its max_port_gbps. For each group g, switch group s and set A of accepting models of s
(only when A is not every model of s; for a == b, the models accepting both ends):

    sum_{i in g with accepting set A at s} n[i] <= n_max(g) sum_{q in s, model(q) in A} z[q]

Big-M: n_max(g) bounds every n[i] of g, so the row is inactive when an accepting model is chosen.

Tightening (valid inequalities, added unless ``d.tighten`` is False): ends whose accepting set at s
is A must terminate on switches of a model in A, so for every switch group s and accepting set A

    sum_{i: A(i,s) = A} e(i) n[i]          <= sum_{q in s, model(q) in A} max_ports(q) k[q]
    sum_{i: A(i,s) = A} e(i) speed_i n[i]  <= sum_{q in s, model(q) in A} capacity_gbps(q) k[q]

(e(i) = ends per link at s). Valid: one model q* is chosen and k[q] = 0 for q != q*; if q* is not
in A, the rows above force those n[i] to 0; otherwise the left side is part of the switch_capacity
row of s, whose right side is the same single term. They replace the weak big-M coupling through
z by the costed switch count k in the LP relaxation (measured effect: benchmarks/README.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyomo.environ as pyo

from optimizer.core.data import ModelData
from optimizer.core.model.linear import Coo, Rows, add_rows, at, columns, first_column, flat

FAMILY = "forms"


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Add the form/speed compatibility rows (see module docstring)."""
    n, k = columns(m, m.n), columns(m, m.k)  # column indices
    classes = [fc for sg in d.switch_groups for fc in sg.form_classes]
    if classes:
        row_n, n_part = flat([c for c, _, _ in classes])
        row_z, z_part = flat([a for _, a, _ in classes])
        big_m = np.array([bm for _, _, bm in classes], dtype=np.float64)
        rows = Coo(
            np.concatenate([row_n, row_z]),
            np.concatenate([first_column(m, m.n) + n_part, first_column(m, m.z) + z_part]),
            np.concatenate([np.ones(len(n_part)), -big_m[row_z]]),
            np.full(len(classes), -np.inf),
            np.zeros(len(classes)),
        )
        add_rows(m, "forms_accepting_model", rows)
    if not getattr(d, "tighten", True):
        return
    ports = Rows()
    gbps = Rows()
    speed = [o.speed_gbps for o in d.col_option]
    for sg in d.switch_groups:
        if not sg.form_classes:
            continue
        mult = dict(sg.ends)
        by_set: dict[tuple[int, ...], list[int]] = {}
        for class_cols, accepting, _ in sg.form_classes:
            by_set.setdefault(tuple(accepting), []).extend(class_cols)
        for accepts, cols in by_set.items():
            ends = [float(mult[i]) for i in cols]
            k_cols = at(k, accepts)
            ports.add(None, 0.0, (ends, at(n, cols)), ([-float(d.choice_max_ports[q]) for q in accepts], k_cols))
            gbps.add(
                None,
                0.0,
                ([e * speed[i] for e, i in zip(ends, cols, strict=True)], at(n, cols)),
                ([-d.choice_capacity_gbps[q] for q in accepts], k_cols),
            )
    add_rows(m, "forms_model_ports", ports)
    add_rows(m, "forms_model_gbps", gbps)
