"""Form and port speed at switch groups (format v1 constraint 2).

An end of form f and speed v at switch group s may be used only if the chosen model takes f and
v <= its max_port_gbps. For each group g, switch group s and set A of accepting models of s
(only when A is not every model of s; for a == b, the models accepting both ends):

    sum_{i in g with accepting set A at s} n[i] <= n_max(g) sum_{q in s, model(q) in A} z[q]

Big-M: n_max(g) bounds every n[i] of g, so the row is inactive when an accepting model is chosen.
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.data import ModelData
from optimizer.model.linear import Row, add_rows

FAMILY = "forms"


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Add the form/speed compatibility rows (see module docstring)."""
    n, z = list(m.n.values()), list(m.z.values())  # plain lists: no indexed look-ups
    rows: list[Row] = []
    for sg in d.switch_groups:
        for cols, accepting, big_m in sg.form_classes:
            terms = [(1.0, n[i]) for i in cols] + [(-float(big_m), z[q]) for q in accepting]
            rows.append((None, terms, 0.0))
    add_rows(m, "forms_accepting_model", rows)
