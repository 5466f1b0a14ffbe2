"""Reliability (reliability extension; only with the instance's ``reliability`` section).

Figures per link of column i and per switch of choice q come from ``optimizer.core.reliability``:
interruptions per year ``f_i`` / ``f_q`` (failures and flaps) and GPU-hours lost per year ``L_i`` / ``L_q``.
For each failure mode m that some column or choice uses, an integer spares variable

    s[m] >= a x fit(m) / 1e9 x (sum_i u_i(m) n[i] + sum_q u_q(m) k[q]),   s[m] >= 0 integer,

with a = spares_factor x spares_lead_time_h

(u: failing units of m per link or per switch), so s[m] is the expected number of failures of m while a
used spare is replenished, times the service factor, rounded up. Optional caps:

    sum_i f_i n[i] + sum_q f_q k[q] <= 365.25 x max_interruptions_per_day
    sum_i L_i n[i] + sum_q L_q k[q] <= (1 - min_availability) x gpus x 8766

Objective terms: spare_cost(m) s[m] enter capex (tco, capex, and weighted with the capex weight); the
downtime cost ``years x gpu_hour_usd x L`` enters the tco coefficients of n and k
(``ModelData.objective_coefficients``), and ``weights.interruptions_per_day / 365.25 x f`` the weighted ones.
The spares' capex also counts in ``limits.max_capex_usd`` (family ``limits``). Everything is linear in the
counts: one integer variable and one row per failure mode, plus at most two cap rows.
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.core.data import ModelData
from optimizer.core.model.linear import Row, add_rows
from optimizer.core.reliability import DAYS_PER_YEAR, HOURS_PER_YEAR, PER_FIT

FAMILY = "reliability"


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Add spares variables and rows and the optional caps (see module docstring)."""
    r = d.reliability
    if r is None:
        return
    n, k = list(m.n.values()), list(m.k.values())  # plain lists: no indexed look-ups
    p = r.params
    m.spares = pyo.Var(range(len(r.modes)), within=pyo.NonNegativeIntegers)
    spares = list(m.spares.values())
    rows: list[Row] = []
    a = p.spares_factor * p.spares_lead_time_h
    for j, (mode, (cols, choices)) in enumerate(zip(r.modes, r.mode_terms, strict=True)):
        rate = a * mode.fit * PER_FIT
        terms = [(-rate * u, n[i]) for i, u in cols if rate * u] + [(-rate * u, k[q]) for q, u in choices if rate * u]
        if terms:
            rows.append((0.0, [(1.0, spares[j]), *terms], None))
    add_rows(m, "reliability_spares", rows)
    caps: list[Row] = []
    if p.max_interruptions_per_day is not None:
        terms = [(f, n[i]) for i, f in enumerate(r.col_interruptions) if f]
        terms += [(f, k[q]) for q, f in enumerate(r.choice_interruptions) if f]
        if terms:
            caps.append((None, terms, DAYS_PER_YEAR * p.max_interruptions_per_day))
    if p.min_availability is not None:
        terms = [(x, n[i]) for i, x in enumerate(r.col_lost_gpu_h) if x]
        terms += [(x, k[q]) for q, x in enumerate(r.choice_lost_gpu_h) if x]
        if terms:
            caps.append((None, terms, (1.0 - p.min_availability) * p.gpus * HOURS_PER_YEAR))
    add_rows(m, "reliability_caps", caps)
    m.reliability_capex_terms = [(mode.spare_cost_usd, spares[j]) for j, mode in enumerate(r.modes)]
    m.reliability_objective_terms = [
        (c, spares[j]) for j, mode in enumerate(r.modes) if (c := d.spares_objective_coefficient(mode.spare_cost_usd))
    ]
