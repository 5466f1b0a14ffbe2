"""The floor: the planner's MILP built straight into highspy from numpy arrays (no modelling layer).

Benchmark-only. ``floor_arrays(d)`` derives the same columns and rows as ``optimizer.core.model.build_model``
(same variable order n, y, z, k, lat; same row blocks in the order of ``optimizer.core.model.FAMILIES``)
directly from the planner's ``ModelData`` with numpy, independently of Pyomo. The harness times it
against the planner's Pyomo build + hand-off and checks that both reach the same optimum.

Families it covers are listed in ``FLOOR_FAMILIES``; a model with any other family (for example a
routing family added later) is reported as "floor n/a" rather than compared against a smaller MILP.
"""

from __future__ import annotations

import highspy
import numpy as np

from optimizer.core.data import ModelData

FLOOR_FAMILIES = frozenset(
    {"capacity", "switch_model", "forms", "switch_capacity", "nic_capacity", "latency", "bandwidth", "limits"}
)
INF = highspy.kHighsInf


class _Rows:
    """Row blocks, each put into CSR order when added; the matrix is their concatenation (no global sort)."""

    def __init__(self) -> None:
        self.lengths: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.n = 0
        self.n_cols = 0

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Add a block: ``rows`` are block-local row numbers 0..len(lower)-1 (any order)."""
        n = len(lower)
        if n == 0:
            return
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        vals = np.asarray(vals, dtype=np.float64)
        if len(rows) > 1 and np.any(rows[1:] < rows[:-1]):
            # blocks are concatenations of a few row-sorted parts: a stable sort merges those runs in linear time
            order = np.argsort(rows, kind="stable")
            rows, cols, vals = rows[order], cols[order], vals[order]
        if len(rows) > 1:
            same = rows[1:] == rows[:-1]
            if np.any(same & (cols[1:] <= cols[:-1])):  # columns out of order or repeated within a row
                order = np.lexsort((cols, rows))
                rows, cols, vals = rows[order], cols[order], vals[order]
                first = np.ones(len(rows), dtype=bool)
                first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
                if not first.all():
                    starts = np.flatnonzero(first)
                    vals = np.add.reduceat(vals, starts)
                    rows, cols = rows[starts], cols[starts]
        self.lengths.append(np.bincount(rows, minlength=n))
        self.cols.append(cols)
        self.vals.append(vals)
        self.lower.append(np.asarray(lower, dtype=np.float64))
        self.upper.append(np.asarray(upper, dtype=np.float64))
        self.n += n

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """indptr, indices, values, row lower, row upper."""
        indptr = np.zeros(self.n + 1, dtype=np.int32)
        if self.lengths:
            np.cumsum(np.concatenate(self.lengths), out=indptr[1:])
        indices = np.concatenate(self.cols).astype(np.int32) if self.cols else np.zeros(0, np.int32)
        values = np.concatenate(self.vals) if self.vals else np.zeros(0)
        lower = np.concatenate(self.lower) if self.lower else np.zeros(0)
        upper = np.concatenate(self.upper) if self.upper else np.zeros(0)
        return indptr, indices, values, lower, upper


class _Blocks(_Rows):
    """The row blocks as given (block-local COO), for other modelling layers fed the same data."""

    def __init__(self) -> None:
        super().__init__()
        self.raw: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        if len(lower):
            f8 = np.float64
            self.raw.append(
                (
                    np.asarray(rows, dtype=np.int64),
                    np.asarray(cols, dtype=np.int64),
                    np.asarray(vals, dtype=f8),
                    np.asarray(lower, dtype=f8),
                    np.asarray(upper, dtype=f8),
                )
            )


def block_arrays(d: ModelData) -> tuple[list[tuple[np.ndarray, ...]], dict[str, np.ndarray | int | float]]:
    """The floor's row blocks (rows, cols, values, lower, upper; block-local rows) and its column arrays."""
    blocks = _Blocks()
    columns = floor_arrays(d, blocks)
    return blocks.raw, columns


def _flatten(pairs_per_row: list[list[tuple[int, int]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row numbers, first and second elements of per-row (a, b) pair lists."""
    counts = np.fromiter((len(p) for p in pairs_per_row), dtype=np.int64, count=len(pairs_per_row))
    flat = np.array([x for p in pairs_per_row for x in p], dtype=np.int64).reshape(-1, 2)
    return np.repeat(np.arange(len(pairs_per_row)), counts), flat[:, 0], flat[:, 1]


def floor_arrays(d: ModelData, r: _Rows | None = None) -> dict[str, np.ndarray | int | float]:
    """The MILP of ``d`` as arrays for ``highspy.HighsLp`` (columns n, y, z, k, lat); rows collected in ``r``."""
    n_cols, n_ind, n_q, n_lat = d.n_cols, len(d.ind_col), len(d.choice_model), len(d.lat_group)
    oy, oz = n_cols, n_cols + n_ind
    ok, olat = oz + n_q, oz + 2 * n_q
    n_var = olat + n_lat
    speed = np.fromiter((o.speed_gbps for o in d.col_option), dtype=np.float64, count=n_cols)
    power = np.fromiter((o.power_w for o in d.col_option), dtype=np.float64, count=n_cols)
    cost = np.fromiter((o.cost_usd for o in d.col_option), dtype=np.float64, count=n_cols)
    latency = np.fromiter((o.latency_ns for o in d.col_option), dtype=np.float64, count=n_cols)
    col_group = np.asarray(d.col_group, dtype=np.int64)
    n_groups = len(d.groups)
    demand = np.fromiter((g.demand_gbps - g.installed_gbps for g in d.groups), dtype=np.float64, count=n_groups)
    count = np.fromiter((-1 if g.count is None else g.count for g in d.groups), dtype=np.float64, count=n_groups)
    n_max = np.fromiter((g.n_max for g in d.groups), dtype=np.float64, count=n_groups)
    col_ind = np.full(n_cols, -1, dtype=np.int64)
    col_ind[np.asarray(d.ind_col, dtype=np.int64)] = np.arange(n_ind)
    choice_group = np.asarray(d.choice_group, dtype=np.int64)
    k_max = np.array([sg.k_max for sg in d.switch_groups], dtype=np.float64)[choice_group] if n_q else np.zeros(0)
    k_min = np.array([sg.k_min for sg in d.switch_groups], dtype=np.float64)[choice_group] if n_q else np.zeros(0)
    cols = np.arange(n_cols)

    lower = np.zeros(n_var)
    upper = np.concatenate(
        [np.asarray(d.col_ub, dtype=np.float64), np.ones(n_ind), np.ones(n_q), k_max, np.full(n_lat, INF)]
    )
    integrality = np.ones(n_var, dtype=np.int8)
    integrality[olat:] = 0

    r = _Rows() if r is None else r
    # capacity: demand, count, uniform link, uniform one
    has_row = (demand > 0) & ~d.demand_implied()  # rows the count rows imply are left out, as in the planner
    row_of = np.cumsum(has_row) - 1
    sel = has_row[col_group]
    r.add(row_of[col_group[sel]], cols[sel], speed[sel], demand[has_row], np.full(int(has_row.sum()), INF))
    row_of = np.cumsum(count >= 0) - 1
    sel = count[col_group] >= 0
    r.add(row_of[col_group[sel]], cols[sel], np.ones(int(sel.sum())), count[count >= 0], count[count >= 0])
    uniform = np.zeros(n_groups, dtype=bool)
    uniform[np.asarray(d.uniform_groups, dtype=np.int64)] = True
    ucols = cols[uniform[col_group]]
    nu = len(ucols)
    r.add(
        np.repeat(np.arange(nu), 2),
        np.column_stack([ucols, oy + col_ind[ucols]]).ravel(),
        np.column_stack([np.ones(nu), -n_max[col_group[ucols]]]).ravel(),
        np.full(nu, -INF),
        np.zeros(nu),
    )
    ugroups = np.unique(col_group[ucols])
    row_of = np.full(n_groups, -1)
    row_of[ugroups] = np.arange(len(ugroups))
    r.add(
        row_of[col_group[ucols]], oy + col_ind[ucols], np.ones(nu), np.full(len(ugroups), -INF), np.ones(len(ugroups))
    )
    # switch_model: one model, count max, count min
    n_sg = len(d.switch_groups)
    r.add(choice_group, oz + np.arange(n_q), np.ones(n_q), np.ones(n_sg), np.ones(n_sg))
    q = np.arange(n_q)
    r.add(
        np.repeat(q, 2),
        np.column_stack([ok + q, oz + q]).ravel(),
        np.column_stack([np.ones(n_q), -k_max]).ravel(),
        np.full(n_q, -INF),
        np.zeros(n_q),
    )
    qm = q[k_min > 0]
    r.add(
        np.repeat(np.arange(len(qm)), 2),
        np.column_stack([ok + qm, oz + qm]).ravel(),
        np.column_stack([np.ones(len(qm)), -k_min[qm]]).ravel(),
        np.zeros(len(qm)),
        np.full(len(qm), INF),
    )
    # forms: sum n[cols] - big_m sum z[accepting] <= 0
    classes = d.form_class_rows()  # the big-M rows the tightening rows imply are left out, as in the planner
    if classes:
        row_n = np.repeat(np.arange(len(classes)), [len(c) for c, _, _ in classes])
        n_part = np.fromiter((i for c, _, _ in classes for i in c), dtype=np.int64, count=len(row_n))
        row_z = np.repeat(np.arange(len(classes)), [len(a) for _, a, _ in classes])
        z_part = np.fromiter((qq for _, a, _ in classes for qq in a), dtype=np.int64, count=len(row_z))
        big_m = np.array([bm for _, _, bm in classes], dtype=np.float64)
        r.add(
            np.concatenate([row_n, row_z]),
            np.concatenate([n_part, oz + z_part]),
            np.concatenate([np.ones(len(n_part)), -big_m[row_z]]),
            np.full(len(classes), -INF),
            np.zeros(len(classes)),
        )
    if d.tighten:  # forms tightening: per switch group and accepting set, ports and gbps into k of that set
        cap = np.asarray(d.choice_capacity_gbps, dtype=np.float64)
        ports = np.asarray(d.choice_max_ports, dtype=np.float64)
        t_len: list[int] = []
        t_acc: list[tuple[int, ...]] = []
        cn_parts: list[np.ndarray] = []
        en_parts: list[np.ndarray] = []
        for sg in d.switch_groups:
            if not sg.form_classes:
                continue
            by_set: dict[tuple[int, ...], list[int]] = {}
            for c, a, _ in sg.form_classes:
                by_set.setdefault(tuple(a), []).extend(c)
            sg_cols = [i for c in by_set.values() for i in c]
            ends = np.asarray(sg.ends, dtype=np.int64).reshape(-1, 2)
            order = np.argsort(ends[:, 0])
            end_cols, end_mult = ends[order, 0], ends[order, 1]
            c_arr = np.asarray(sg_cols, dtype=np.int64)
            cn_parts.append(c_arr)
            en_parts.append(end_mult[np.searchsorted(end_cols, c_arr)].astype(np.float64))
            t_len += [len(c) for c in by_set.values()]
            t_acc += by_set.keys()
        nt = len(t_acc)
        if nt:
            rn = np.repeat(np.arange(nt), t_len)
            cn = np.concatenate(cn_parts)
            en = np.concatenate(en_parts)
            rq = np.repeat(np.arange(nt), [len(a) for a in t_acc])
            cq = np.fromiter((qq for a in t_acc for qq in a), dtype=np.int64, count=len(rq))
            r.add(
                np.concatenate([rn, rq]),
                np.concatenate([cn, ok + cq]),
                np.concatenate([en, -ports[cq]]),
                np.full(nt, -INF),
                np.zeros(nt),
            )
            r.add(
                np.concatenate([rn, rq]),
                np.concatenate([cn, ok + cq]),
                np.concatenate([en * speed[cn], -cap[cq]]),
                np.full(nt, -INF),
                np.zeros(nt),
            )
    cover = d.cover_rows()  # forms model cover: sum n[cols] - L z[q] >= 0
    if cover:
        row_n = np.repeat(np.arange(len(cover)), [len(c) for c, _, _ in cover])
        n_part = np.fromiter((i for c, _, _ in cover for i in c), dtype=np.int64, count=len(row_n))
        nc = len(cover)
        r.add(
            np.concatenate([row_n, np.arange(nc)]),
            np.concatenate([n_part, oz + np.array([qq for _, qq, _ in cover], dtype=np.int64)]),
            np.concatenate([np.ones(len(n_part)), -np.array([float(x) for _, _, x in cover])]),
            np.zeros(nc),
            np.full(nc, INF),
        )
    # switch_capacity: gbps rows for every group with ends, then port rows
    with_ends = [sg for sg in d.switch_groups if sg.ends]
    if with_ends:
        er, ec, em = _flatten([sg.ends for sg in with_ends])
        qr = np.repeat(np.arange(len(with_ends)), [len(sg.choices) for sg in with_ends])
        qc = np.array([qq for sg in with_ends for qq in sg.choices], dtype=np.int64)
        cap = np.asarray(d.choice_capacity_gbps, dtype=np.float64)
        ports = np.asarray(d.choice_max_ports, dtype=np.float64)
        ne = len(with_ends)
        r.add(
            np.concatenate([er, qr]),
            np.concatenate([ec, ok + qc]),
            np.concatenate([em * speed[ec], -cap[qc]]),
            np.full(ne, -INF),
            np.zeros(ne),
        )
        r.add(
            np.concatenate([er, qr]),
            np.concatenate([ec, ok + qc]),
            np.concatenate([em.astype(float), -ports[qc]]),
            np.full(ne, -INF),
            np.zeros(ne),
        )
    # nic_capacity
    implied = d.nic_ports_implied().tolist()  # rows the count rows imply are left out, as in the planner
    nics = [v for v, skip in zip(d.nic_groups, implied, strict=True) if v.ends and not skip]
    if nics:
        er, ec, em = _flatten([v.ends for v in nics])
        r.add(er, ec, em.astype(float), np.full(len(nics), -INF), np.array([v.ports for v in nics], dtype=float))
    # latency: used (non-uniform path groups), worst option, path budget; paths that cannot bind left out
    uniform_set = set(d.uniform_groups)
    paths = d.binding_paths()
    on_path = {s for p in paths for s in p.step_slots}
    used_c: list[int] = []
    worst_slot: list[int] = []
    worst_c: list[int] = []
    for slot, gi in enumerate(d.lat_group):
        if slot not in on_path:
            continue
        for i in d.groups[gi].cols:
            if gi not in uniform_set:
                used_c.append(i)
            worst_slot.append(slot)
            worst_c.append(i)
    uc = np.asarray(used_c, dtype=np.int64)
    nuc = len(uc)
    r.add(
        np.repeat(np.arange(nuc), 2),
        np.column_stack([uc, oy + col_ind[uc]]).ravel(),
        np.column_stack([np.ones(nuc), -n_max[col_group[uc]]]).ravel(),
        np.full(nuc, -INF),
        np.zeros(nuc),
    )
    wc, ws = np.asarray(worst_c, dtype=np.int64), np.asarray(worst_slot, dtype=np.int64)
    nw = len(wc)
    r.add(
        np.repeat(np.arange(nw), 2),
        np.column_stack([olat + ws, oy + col_ind[wc]]).ravel(),
        np.column_stack([np.ones(nw), -latency[wc]]).ravel(),
        np.zeros(nw),
        np.full(nw, INF),
    )
    b_rows, b_cols, b_vals = [], [], []
    for pr, p in enumerate(paths):
        for s in p.step_slots:
            b_rows.append(pr)
            b_cols.append(olat + s)
            b_vals.append(1.0)
        for si in p.switch_visits:
            for qq in d.switch_groups[si].choices:
                b_rows.append(pr)
                b_cols.append(oz + qq)
                b_vals.append(d.choice_latency_ns[qq])
    r.add(
        np.asarray(b_rows),
        np.asarray(b_cols),
        np.asarray(b_vals),
        np.full(len(paths), -INF),
        np.array([p.max_latency_ns for p in paths], dtype=float),
    )
    # bandwidth
    if d.bandwidth:
        br = np.repeat(np.arange(len(d.bandwidth)), [len(c) for _, c, _ in d.bandwidth])
        bc = np.array([i for _, c, _ in d.bandwidth for i in c], dtype=np.int64)
        r.add(br, bc, speed[bc], np.array([b for _, _, b in d.bandwidth], dtype=float), np.full(len(d.bandwidth), INF))
    # limits: power, capex, supply
    qpow, qcost = np.asarray(d.choice_power_w, dtype=float), np.asarray(d.choice_cost_usd, dtype=float)
    for limit, col_coef, q_coef in ((d.max_power_w, power, qpow), (d.max_capex_usd, cost, qcost)):
        if limit is not None:
            nz, qz = np.flatnonzero(col_coef), np.flatnonzero(q_coef)
            r.add(
                np.zeros(len(nz) + len(qz), dtype=np.int64),
                np.concatenate([nz, ok + qz]),
                np.concatenate([col_coef[nz], q_coef[qz]]),
                np.array([-INF]),
                np.array([float(limit)]),
            )
    supply = [(limit, ct, ch) for _, limit, ct, ch in d.supply if ct or ch]
    for s_row, (limit, col_terms, choices) in enumerate(supply):
        del s_row
        ct = np.asarray(col_terms, dtype=np.int64).reshape(-1, 2)
        ch = np.asarray(choices, dtype=np.int64)
        r.add(
            np.zeros(len(ct) + len(ch), dtype=np.int64),
            np.concatenate([ct[:, 0], ok + ch]),
            np.concatenate([ct[:, 1].astype(float), np.ones(len(ch))]),
            np.array([-INF]),
            np.array([float(limit)]),
        )

    indptr, indices, values, row_lower, row_upper = r.csr()
    col_obj, choice_obj = d.objective_coefficients()
    obj = np.zeros(n_var)
    obj[:n_cols] = col_obj
    obj[ok : ok + n_q] = choice_obj
    return {
        "n_var": n_var,
        "cost": obj,
        "col_lower": lower,
        "col_upper": upper,
        "integrality": integrality,
        "row_lower": row_lower,
        "row_upper": row_upper,
        "indptr": indptr,
        "indices": indices,
        "values": values,
    }


def floor_highs(a: dict, threads: int, time_limit_s: float, mip_rel_gap: float, seed: int) -> highspy.Highs:
    """A ``highspy.Highs`` holding the floor arrays (``passModel`` straight from numpy), options set, not yet run."""
    h = _quiet_highs()
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("presolve", "on")
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    status = h.passModel(
        int(a["n_var"]),
        len(a["row_lower"]),
        len(a["values"]),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMinimize),
        0.0,
        a["cost"],
        a["col_lower"],
        a["col_upper"],
        a["row_lower"],
        a["row_upper"],
        a["indptr"],
        a["indices"],
        a["values"],
        a["integrality"].astype(np.int32),
    )
    if status == highspy.HighsStatus.kError:
        raise ValueError("HiGHS rejected the floor model")
    return h


def _quiet_highs() -> highspy.Highs:
    """A silent ``highspy.Highs`` without importing the planner's solver module (and Pyomo with it)."""
    import os

    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)  # HiGHS prints its banner to fd 1 on the first construction
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    h.setOptionValue("output_flag", False)
    return h
