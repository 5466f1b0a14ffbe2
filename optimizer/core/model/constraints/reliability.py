"""Reliability (reliability extension; only with the instance's ``reliability`` section).

Figures per link of column i and per switch of choice q come from ``optimizer.core.reliability``:
job interruptions per year ``f_i`` / ``f_q`` (failures and flaps times the link group's job stop
fraction s_g; 1 for a switch), GPU-hours lost per year ``L_i`` / ``L_q`` and the capex of the spare stock
they need ``S_i`` / ``S_q``: the sum over failure modes m of spare_cost(m) x need(m), with need(m) =
spares_factor x u(m) x fit(m) / 1e9 x spares_lead_time_h, or under the service-level rule
Q(n x u(m) x fit(m) / 1e9 x spares_lead_time_h) / n (Q the Poisson quantile at spares_service_level,
n the group's size at that option: a constant per column, so S stays linear). Optional caps:

    sum_i f_i n[i] + sum_q f_q k[q] <= 365.25 x max_interruptions_per_day
    sum_i L_i n[i] + sum_q L_q k[q] <= (1 - min_availability) x gpus x 8766

Objective terms (``ModelData.objective_coefficients``): S enters capex (tco, capex, and weighted with the
capex weight), the downtime cost ``years x gpu_hour_usd x L`` enters tco, and
``weights.interruptions_per_day / 365.25 x f`` enters weighted; S also counts in ``limits.max_capex_usd``
(family ``limits``). Everything is a coefficient of the existing counts: no variable is added and at most
two rows, so the model keeps its size. In the elastic copy (``optimizer.core.model.elastic``) both caps
are upper limits with a priced slack, like the other limits.
"""

from __future__ import annotations

from optimizer.core.data import ModelData
from optimizer.core.model import elastic
from optimizer.core.model.linear import Model, Row, add_rows, columns
from optimizer.core.reliability import DAYS_PER_YEAR, HOURS_PER_YEAR

FAMILY = "reliability"


def add(m: Model, d: ModelData) -> None:
    """Add the optional caps on interruptions and availability (see module docstring)."""
    r = d.reliability
    if r is None:
        return
    n, k = columns(m, m.n), columns(m, m.k)  # column indices
    p = r.params
    caps: list[Row] = []
    if p.max_interruptions_per_day is not None:
        terms = [(f, n[i]) for i, f in enumerate(r.col_interruptions) if f]
        terms += [(f, k[q]) for q, f in enumerate(r.choice_interruptions) if f]
        if terms:
            cap = DAYS_PER_YEAR * p.max_interruptions_per_day
            if elastic.active(d):
                terms.append((-1.0, elastic.slacks(m, "interruptions", [cap])[0]))
            caps.append((None, terms, cap))
    if p.min_availability is not None:
        terms = [(x, n[i]) for i, x in enumerate(r.col_lost_gpu_h) if x]
        terms += [(x, k[q]) for q, x in enumerate(r.choice_lost_gpu_h) if x]
        if terms:
            cap = (1.0 - p.min_availability) * p.gpus * HOURS_PER_YEAR
            if elastic.active(d):
                terms.append((-1.0, elastic.slacks(m, "availability", [cap])[0]))
            caps.append((None, terms, cap))
    add_rows(m, "reliability_caps", caps)
