"""Limits (format v1 constraint 7).

    sum_i power_i n[i] + sum_q power_w(q) k[q] <= max_power_w
    sum_i cost_i n[i]  + sum_q cost_usd(q) k[q] <= max_capex_usd
    sum_i units_i(x) n[i] + sum_{q: model(q) = x} k[q] <= supply(x)     for every supply entry x

(with a ``reliability`` section cost_i and cost_usd(q) include the spare stock per link / switch)

units_i(x): ends of one link using transceiver x (1 or 2), or 1 for cable x.
Elastic model: every row gets a priced slack (optimizer.core.model.elastic).
"""

from __future__ import annotations

from optimizer.core.data import ModelData
from optimizer.core.model import elastic
from optimizer.core.model.linear import Model, Row, add_rows, columns

FAMILY = "limits"


def add(m: Model, d: ModelData) -> None:
    """Add power, capex and supply rows for the limits that are set."""
    n, k = columns(m, m.n), columns(m, m.k)  # column indices
    n_q = len(d.choice_model)
    if d.max_power_w is not None:
        terms = [(o.power_w, n[i]) for i, o in enumerate(d.col_option) if o.power_w]
        terms += [(d.choice_power_w[q], k[q]) for q in range(n_q) if d.choice_power_w[q]]
        if elastic.active(d):
            terms.append((-1.0, elastic.slacks(m, "power", [d.max_power_w])[0]))
        add_rows(m, "limits_power", [(None, terms, d.max_power_w)])
    if d.max_capex_usd is not None:
        col_cost, choice_cost = d.capex_coefficients()  # with the reliability extension: spares are capex
        terms = [(c, n[i]) for i, c in enumerate(col_cost) if c]
        terms += [(c, k[q]) for q, c in enumerate(choice_cost) if c]
        if elastic.active(d):
            terms.append((-1.0, elastic.slacks(m, "capex", [d.max_capex_usd])[0]))
        add_rows(m, "limits_capex", [(None, terms, d.max_capex_usd)])
    supply: list[Row] = []
    for _, limit, col_terms, choices in d.supply:
        terms = [(float(u), n[i]) for i, u in col_terms] + [(1.0, k[q]) for q in choices]
        if terms:
            supply.append((None, terms, float(limit)))
    if elastic.active(d) and supply:
        for row, s in zip(supply, elastic.slacks(m, "supply", [r[2] or 0.0 for r in supply]), strict=True):
            row[1].append((-1.0, s))
    add_rows(m, "limits_supply", supply)
