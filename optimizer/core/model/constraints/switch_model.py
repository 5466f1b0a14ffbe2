"""Switch model choice and count (the decisions of format v1 section 2; linearises k[s] x model).

    sum_{q in s} z[q] = 1                                     one model per switch group s
    k_min(s) z[q] <= k[q] <= k_max(s) z[q]                    switches only of the chosen model
    (fixed count: k[q] = count(s) z[q])

so k[s] = sum_{q in s} k[q] is the group's switch count and every product "k[s] x attribute of
the chosen model" becomes the linear sum_{q in s} attribute(q) k[q].
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.core.data import ModelData
from optimizer.core.model.linear import Row, add_rows, columns

FAMILY = "switch_model"


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Add the model-choice and count-linking rows (see module docstring)."""
    z, k = columns(m, m.z), columns(m, m.k)  # column indices
    one: list[Row] = []
    upper: list[Row] = []
    lower: list[Row] = []
    for sg in d.switch_groups:
        one.append((1.0, [(1.0, z[q]) for q in sg.choices], 1.0))
        for q in sg.choices:
            upper.append((None, [(1.0, k[q]), (-float(sg.k_max), z[q])], 0.0))
            if sg.k_min > 0:
                lower.append((0.0, [(1.0, k[q]), (-float(sg.k_min), z[q])], None))
    add_rows(m, "switch_model_one", one)
    add_rows(m, "switch_model_count_max", upper)
    add_rows(m, "switch_model_count_min", lower)
