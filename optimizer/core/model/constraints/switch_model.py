"""Switch model choice and count (the decisions of the model of instances/README.md; linearises k[s] x model).

    sum_{q in s} z[q] = 1                                     one model per switch group s
    k_min(s) z[q] <= k[q] <= k_max(s) z[q]                    switches only of the chosen model
    (fixed count: k[q] = count(s) z[q])

so k[s] = sum_{q in s} k[q] is the group's switch count and every product "k[s] x attribute of
the chosen model" becomes the linear sum_{q in s} attribute(q) k[q].

Elastic model: the count rows of a group share one priced slack per direction, and
k[q] <= U_k(s) z[q] keeps switches on the chosen model only (optimizer.core.model.elastic).
"""

from __future__ import annotations

from optimizer.core.data import ModelData
from optimizer.core.model import elastic
from optimizer.core.model.linear import Model, Row, add_rows, columns

FAMILY = "switch_model"


def add(m: Model, d: ModelData) -> None:
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
    if elastic.active(d):
        _elastic(m, d, upper, lower)
    add_rows(m, "switch_model_one", one)
    add_rows(m, "switch_model_count_max", upper)
    add_rows(m, "switch_model_count_min", lower)


def _elastic(m: Model, d: ModelData, upper: list[Row], lower: list[Row]) -> None:
    """Slacks on the count rows (one per group and direction) and the widened choice link."""
    z, k = columns(m, m.z), columns(m, m.k)
    k_ub = d.elastic.k_ub  # type: ignore[union-attr]
    s_max = elastic.slacks(m, "switch_count_max", [float(sg.k_max) for sg in d.switch_groups])
    with_min = [si for si, sg in enumerate(d.switch_groups) if sg.k_min > 0]
    s_min = dict(
        zip(
            with_min,
            elastic.slacks(m, "switch_count_min", [float(d.switch_groups[si].k_min) for si in with_min]),
            strict=True,
        )
    )
    rows_max = iter(upper)
    rows_min = iter(lower)
    link: list[Row] = []
    for si, sg in enumerate(d.switch_groups):
        for q in sg.choices:
            next(rows_max)[1].append((-1.0, s_max[si]))
            if sg.k_min > 0:
                next(rows_min)[1].append((1.0, s_min[si]))
            link.append((None, [(1.0, k[q]), (-float(k_ub[si]), z[q])], 0.0))
    add_rows(m, "switch_model_elastic_link", link)
