"""Objective (instances/README.md, "What the planner computes": totals and objective).

tco:      sum_i (cost_i + e power_i) n[i] + sum_q (cost(q) + e power(q)) k[q],
          e = 8766/1000 x years x pue x electricity_usd_per_kwh (energy $ per W over the horizon)
capex:    sum_i cost_i n[i] + sum_q cost(q) k[q]
power:    sum_i power_i n[i] + sum_q power(q) k[q]
weighted: weights.capex_usd x capex + weights.power_w x power

Reliability extension (family ``reliability``): the coefficients of n and k add the spare stock's capex
(tco, capex, weighted), the downtime cost (tco) and weights.interruptions_per_day x interruptions per day
(weighted).

elastic:  the price of the limits' slacks (optimizer.core.model.elastic), whatever the mode
"""

from __future__ import annotations

import numpy as np

from optimizer.core.data import ModelData
from optimizer.core.model.linear import MINIMIZE, Model, first_column, set_objective


def add(m: Model, d: ModelData) -> None:
    """Add the minimisation objective ``m.objective``."""
    if d.elastic is not None:
        set_objective(m, "objective", getattr(m, "elastic_terms", []), 0.0, MINIMIZE)
        return
    col, choice = d.objective_coefficients()
    dense = {
        first_column(m, m.n): np.array(col, dtype=np.float64),
        first_column(m, m.k): np.array(choice, dtype=np.float64),
    }
    terms = getattr(m, "extra_objective_terms", [])  # network costs of routed demands (routing family)
    set_objective(m, "objective", terms, getattr(m, "extra_objective_constant", 0.0), MINIMIZE, dense)
