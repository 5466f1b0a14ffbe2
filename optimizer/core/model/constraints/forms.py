"""Form and port speed at switch groups (format v1 constraint 2).

An end of form f and speed v at switch group s may be used only if the chosen model takes f and
v <= its max_port_gbps. For each group g, switch group s and set A of accepting models of s
(only when A is not every model of s; for a == b, the models accepting both ends):

    sum_{i in g with accepting set A at s} n[i] <= n_max(g) sum_{q in s, model(q) in A} z[q]

Big-M: n_max(g) bounds every n[i] of g, so the row is inactive when an accepting model is chosen.

The big-M row of a group whose exact count equals n_max(g) is left out when the tightening rows below
are added: they imply it (``ModelData.form_class_rows`` has the argument).

Tightening (valid inequalities, added unless ``d.tighten`` is False): ends whose accepting set at s
is A must terminate on switches of a model in A, so for every switch group s and accepting set A

    sum_{i: A(i,s) = A} e(i) n[i]          <= sum_{q in s, model(q) in A} max_ports(q) k[q]
    sum_{i: A(i,s) = A} e(i) speed_i n[i]  <= sum_{q in s, model(q) in A} capacity_gbps(q) k[q]

(e(i) = ends per link at s). Valid: one model q* is chosen and k[q] = 0 for q != q*; if q* is not
in A, the rows above force those n[i] to 0; otherwise the left side is part of the switch_capacity
row of s, whose right side is the same single term. They replace the weak big-M coupling through
z by the costed switch count k in the LP relaxation (measured effect: benchmarks/README.md).

Model cover (valid inequalities, with the tightening rows; ``ModelData.cover_rows`` has the argument):
for a switch group s with a choice of models, a link group g with ends at s that not every model
accepts, L(g) the fewest links g has in any plan, and each model q of s

    sum_{i in g: q accepts i's end at s} n[i] >= L(g) z[q]

The port rows alone let the LP relaxation choose a fraction of a cheaper model that carries no links
(a model dearer per switch but cheaper per link, e.g. a CPO switch under a high price of a watt, is then
chosen fractionally); the cover rows close that gap (benchmarks/README.md, "site benchmark").
"""

from __future__ import annotations

import numpy as np

from optimizer.core.data import ModelData
from optimizer.core.model.linear import Coo, Model, add_rows, first_column, flat, flat_pairs

FAMILY = "forms"


def add(m: Model, d: ModelData) -> None:
    """Add the form/speed compatibility rows (see module docstring)."""
    classes = d.form_class_rows()
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
    with_classes = [sg for sg in d.switch_groups if sg.form_classes]
    row_cols: list[list[int]] = []  # one tightening row per (switch group, accepting set)
    row_group: list[int] = []  # its switch group (index in with_classes)
    row_accepts: list[list[int]] = []
    for s, sg in enumerate(with_classes):
        by_set: dict[tuple[int, ...], list[int]] = {}
        for class_cols, accepting, _ in sg.form_classes:
            by_set.setdefault(tuple(accepting), []).extend(class_cols)
        row_cols += by_set.values()
        row_accepts += map(list, by_set)
        row_group += [s] * len(by_set)
    if not row_cols:
        return
    row_n, col = flat(row_cols)
    # e(i) at the row's switch group: look up (group, column) among the groups' (column, ends) pairs
    end_group, end_col, end_count = flat_pairs([sg.ends for sg in with_classes])
    end_key = end_group * d.n_cols + end_col
    order = np.argsort(end_key, kind="stable")
    key = np.asarray(row_group, dtype=np.int64)[row_n] * d.n_cols + col
    ends = end_count[order][np.searchsorted(end_key[order], key)].astype(np.float64)
    row_q, q = flat(row_accepts)
    speed = d.col_speed_gbps
    max_ports = np.asarray(d.choice_max_ports, dtype=np.float64)
    capacity = np.asarray(d.choice_capacity_gbps, dtype=np.float64)
    tight_rows = np.concatenate([row_n, row_q])
    cols = np.concatenate([first_column(m, m.n) + col, first_column(m, m.k) + q])
    none, zero = np.full(len(row_cols), -np.inf), np.zeros(len(row_cols))
    add_rows(m, "forms_model_ports", Coo(tight_rows, cols, np.concatenate([ends, -max_ports[q]]), none, zero))
    gbps = np.concatenate([ends * speed[col], -capacity[q]])
    add_rows(m, "forms_model_gbps", Coo(tight_rows, cols, gbps, none.copy(), zero.copy()))
    cover = d.cover_rows()
    if cover:
        row_n, n_part = flat([c for c, _, _ in cover])
        r = np.arange(len(cover), dtype=np.int64)
        z_part = np.array([q for _, q, _ in cover], dtype=np.int64)
        least = np.array([float(x) for _, _, x in cover], dtype=np.float64)
        rows = Coo(
            np.concatenate([row_n, r]),
            np.concatenate([first_column(m, m.n) + n_part, first_column(m, m.z) + z_part]),
            np.concatenate([np.ones(len(n_part)), -least]),
            np.zeros(len(cover)),
            np.full(len(cover), np.inf),
        )
        add_rows(m, "forms_model_cover", rows)
