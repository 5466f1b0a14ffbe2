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
"""

from __future__ import annotations

import math

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
    _cover_rows(m, d)
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


def _cover_rows(m: Model, d: ModelData) -> None:
    """Model cover rows (see module docstring): per switch group s with a model choice, link group g with
    a lower bound L(g) on its links, and model q of s that does not accept every option of g at s."""
    if d.elastic is not None:  # the elastic copy's counts have slacks: L(g) would not bound them
        return
    row_n: list[list[int]] = []
    row_z: list[int] = []
    row_l: list[float] = []
    for sg in d.switch_groups:
        if len(sg.choices) < 2:
            continue
        accepting: dict[int, frozenset[int]] = {}
        for class_cols, ok, _ in sg.form_classes:
            accepting.update((i, frozenset(ok)) for i in class_cols)
        cols_of: dict[int, list[int]] = {}
        for i, _ in sg.ends:
            cols_of.setdefault(d.col_group[i], []).append(i)
        for gi, cols in cols_of.items():
            least = _least_links(d, gi)
            if least <= 0 or not any(i in accepting for i in cols):
                continue
            for q in sg.choices:
                row_n.append([i for i in cols if q in accepting.get(i, (q,))])
                row_z.append(q)
                row_l.append(float(least))
    if not row_n:
        return
    rows, n_part = flat(row_n)
    r = np.arange(len(row_n), dtype=np.int64)
    cover = Coo(
        np.concatenate([rows, r]),
        np.concatenate([first_column(m, m.n) + n_part, first_column(m, m.z) + np.asarray(row_z, dtype=np.int64)]),
        np.concatenate([np.ones(len(n_part)), -np.asarray(row_l)]),
        np.zeros(len(row_n)),
        np.full(len(row_n), np.inf),
    )
    add_rows(m, "forms_model_cover", cover)


def _least_links(d: ModelData, gi: int) -> int:
    """Fewest links group ``gi`` has in any plan: its exact count, else its demand over its fastest option."""
    g = d.groups[gi]
    if g.count is not None:
        return g.count
    need = g.demand_gbps - g.installed_gbps
    if need <= 0 or not g.cols:
        return 0
    fastest = max(d.col_option[i].speed_gbps for i in g.cols)
    return math.ceil(need / fastest - 1e-9)
