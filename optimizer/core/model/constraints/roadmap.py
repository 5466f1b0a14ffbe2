"""Roadmap linking rows: what ties the copies of one roadmap (one copy per period) together.

Data: ``optimizer.core.roadmap.RoadmapData`` (r); copy t is ``copies[t]`` (its ``n``, ``k``), built from
``r.data[t]`` with the same column layout in every period. Variables (integer >= 0, on the shared model):

- ``buy[t, i]``  links of column i bought in period t (upper bound 0 where a part of it cannot be bought
  in year y_t or its lead time brings it in after the last period);
- ``buyk[t, q]`` switches of choice q bought in period t (likewise);
- ``lay[t, f]``  links' worth of fibre laid in period t for fibre key f = (link group, medium);
- ``sell[t, i]``, ``sellk[t, q]`` links of column i and switches of choice q taken out of stock and sold
  in period t (upper bound 0 where they return nothing: no part of them has a ``resale_fraction``).

Rows (A(t', i) is the period a link of column i bought in period t' enters service):

    stock_links[t, i]:   n_t[i] - sum_{t' <= t, A(t', i) <= t} buy[t', i] + sum_{t' <= t} sell[t', i]
                           <= installed_n[i]
    stock_switches[t, q]: k_t[q] - sum_{t' <= t, A(t', q) <= t} buyk[t', q] + sum_{t' <= t} sellk[t', q]
                           <= installed_k[q]
    fibre[t, f]:         sum_{i over medium f.medium in group f.group} n_t[i] - sum_{t' <= t} lay[t', f]
                           <= installed_fibre[f]
    supply[t, item]:     sum_i units(item, i) buy[t, i] + sum_{q of model item} buyk[t, q] <= supply_t(item)
    budget[t]:           sum_i p_t(i) buy[t, i] + sum_q p_t(q) buyk[t, q] + sum_f c(f) lay[t, f] <= max_capex_t

A unit bought stays in stock until it is sold (installed equipment keeps working until it is replaced; a
unit out of service costs nothing and may return), so the stock is the installed base plus what has
arrived less what was sold. The
fibre plant persists: changing optics over laid fibre buys only the modules (p_t(i) is the link's capex
less its fibre), while an option over another medium lays that medium again.

Objective terms (``objective_dense``): df_t x p_t(i) on buy[t, i], df_t x p_t(q) on buyk[t, q],
df_t x c(f) on lay[t, f], - df_t x v_t(i) on sell[t, i] and - df_t x v_t(q) on sellk[t, q] (v: the
resale value; v <= p at every later year, so buying to sell never pays); and on n_t, k_t: - w_t x capex_t,
which with the copy's own objective weighted w_t = A_t / s_t (``combine_objective``) leaves
w_t x (tco_t - capex_t), the period's running cost (energy, and downtime and displaced GPU capacity when
present) discounted.

Elastic copy (``elastic=True``, explaining an infeasible roadmap): supply[t, item] and budget[t] get a
priced slack each (``optimizer.core.model.elastic.slacks``: body - s <= L, price 1 / max(|L|, 1)), recorded
in ``m.roadmap_slacks`` as (period, item or None for the budget, limit, slack column); the stock, fibre
and availability rows stay hard.
"""

from __future__ import annotations

import numpy as np

from optimizer.core.model.elastic import slacks
from optimizer.core.model.linear import Coo, CopyView, Model, add_rows, first_column, new_var
from optimizer.core.roadmap import RoadmapData

FAMILY = "roadmap"


def add(m: Model, copies: list[CopyView], r: RoadmapData, elastic: bool = False) -> dict[int, np.ndarray]:
    """Add the linking variables and rows; return the linking objective costs as ``{first column: costs}``
    (``elastic``: the period caps get priced slacks, see the module docstring)."""
    n_t = len(copies)
    n_cols = r.data[0].n_cols
    n_q = len(r.data[0].choice_model)
    n_f = len(r.fibre)
    buy = new_var(
        m,
        "buy",
        n_t * n_cols,
        "integer",
        [np.inf if b is None else b for ub in r.buy_ub for b in ub] if n_cols else None,
    )
    buyk = new_var(
        m, "buyk", n_t * n_q, "integer", [np.inf if b is None else b for ub in r.buyk_ub for b in ub] if n_q else None
    )
    lay = new_var(m, "lay", n_t * n_f, "integer")
    sell = new_var(m, "sell", n_t * n_cols, "integer", [np.inf if v > 0 else 0.0 for vs in r.sell_usd for v in vs])
    sellk = new_var(m, "sellk", n_t * n_q, "integer", [np.inf if v > 0 else 0.0 for vs in r.sellk_usd for v in vs])
    b0, k0, f0 = first_column(m, buy), first_column(m, buyk), first_column(m, lay)
    s0, sk0 = first_column(m, sell), first_column(m, sellk)
    n_first = [first_column(m, c.n) for c in copies]
    k_first = [first_column(m, c.k) for c in copies]

    def stock(
        name: str, size: int, use_first: list[int], start: int, sold: int, arrive: list[list[int]], base: list[int]
    ) -> None:
        rows, cols, vals = [], [], []
        for t in range(n_t):
            for i in range(size):
                row = t * size + i
                rows.append(row)
                cols.append(use_first[t] + i)
                vals.append(1.0)
                for u in range(t + 1):
                    if arrive[u][i] <= t:
                        rows.append(row)
                        cols.append(start + u * size + i)
                        vals.append(-1.0)
                    rows.append(row)
                    cols.append(sold + u * size + i)
                    vals.append(1.0)
        upper = np.array([float(base[i]) for _ in range(n_t) for i in range(size)])
        add_rows(m, name, _coo(rows, cols, vals, np.full(n_t * size, -np.inf), upper))

    stock("roadmap_stock_links", n_cols, n_first, b0, s0, r.arrive, r.installed_n)
    stock("roadmap_stock_switches", n_q, k_first, k0, sk0, r.arrivek, r.installed_k)

    rows, cols, vals = [], [], []
    for t in range(n_t):
        for i, f in enumerate(r.col_fibre):
            if f >= 0:
                rows.append(t * n_f + f)
                cols.append(n_first[t] + i)
                vals.append(1.0)
        for f in range(n_f):
            for u in range(t + 1):
                rows.append(t * n_f + f)
                cols.append(f0 + u * n_f + f)
                vals.append(-1.0)
    upper = np.array([float(r.installed_fibre[f]) for _ in range(n_t) for f in range(n_f)])
    add_rows(m, "roadmap_fibre", _coo(rows, cols, vals, np.full(n_t * n_f, -np.inf), upper))

    caps: list[tuple[int, str | None, float, list[tuple[float, int]]]] = []
    for t in range(n_t):
        for item, limit, col_units, choices in r.supply[t]:
            terms = [(float(u), b0 + t * n_cols + i) for i, u in col_units]
            terms += [(1.0, k0 + t * n_q + q) for q in choices]
            caps.append((t, item, float(limit), terms))
    for t in range(n_t):
        cap = r.max_capex_usd[t]
        if cap is None:
            continue
        terms = [(p, b0 + t * n_cols + i) for i, p in enumerate(r.buy_usd[t]) if p]
        terms += [(p, k0 + t * n_q + q) for q, p in enumerate(r.buyk_usd[t]) if p]
        terms += [(c, f0 + t * n_f + f) for f, c in enumerate(r.fibre_usd) if c]
        caps.append((t, None, float(cap), terms))
    if elastic and caps:
        slack = slacks(m, "roadmap_caps", [limit for _, _, limit, _ in caps])
        m.roadmap_slacks = [(t, item, limit, s) for (t, item, limit, _), s in zip(caps, slack, strict=True)]
        caps = [(t, item, limit, [*terms, (-1.0, s)]) for (t, item, limit, terms), s in zip(caps, slack, strict=True)]
    add_rows(m, "roadmap_supply", [(None, terms, limit) for _, item, limit, terms in caps if item is not None])
    add_rows(m, "roadmap_budget", [(None, terms, limit) for _, item, limit, terms in caps if item is None])

    dense: dict[int, np.ndarray] = {}
    if n_cols:
        dense[b0] = np.concatenate([r.discount[t] * np.array(r.buy_usd[t]) for t in range(n_t)])
    if n_q:
        dense[k0] = np.concatenate([r.discount[t] * np.array(r.buyk_usd[t]) for t in range(n_t)])
    if n_f:
        dense[f0] = np.concatenate([r.discount[t] * np.array(r.fibre_usd) for t in range(n_t)])
    if n_cols:
        dense[s0] = np.concatenate([-r.discount[t] * np.array(r.sell_usd[t]) for t in range(n_t)])
    if n_q:
        dense[sk0] = np.concatenate([-r.discount[t] * np.array(r.sellk_usd[t]) for t in range(n_t)])
    for t, view in enumerate(copies):  # the capex part of each copy's objective is paid on purchases instead
        capex_col, capex_choice = r.data[t].capex_coefficients()
        if n_cols:
            dense[n_first[t]] = -view.weight * np.array(capex_col, dtype=np.float64)
        if n_q:
            dense[k_first[t]] = -view.weight * np.array(capex_choice, dtype=np.float64)
    return dense


def _coo(rows: list[int], cols: list[int], vals: list[float], lower: np.ndarray, upper: np.ndarray) -> Coo:
    return Coo(
        np.array(rows, dtype=np.int64),
        np.array(cols, dtype=np.int64),
        np.array(vals, dtype=np.float64),
        lower,
        upper,
    )
