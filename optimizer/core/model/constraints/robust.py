"""Robust plans over price scenarios: one copy of the rows, K cost vectors, and one objective over them.

Not one of ``FAMILIES``: ``add`` runs after the single-period families have built one copy of the model
(``build_arrays`` of the base ``ModelData``), on that copy's columns x (every column: n, y, z, k, lat).
Scenario s = 1..K changes only objective coefficients: its cost vector c_s (the coefficients that
``objective.add`` would set for scenario s's ``ModelData``) and constant b_s. With opt_s the optimum of
scenario s solved alone and p_s its probability:

regret:   min R   s.t.  c_s . x + b_s - opt_s <= R   for every s      (R >= 0: the maximum regret)
worst:    min R   s.t.  c_s . x + b_s <= R           for every s      (R >= 0: the worst-case cost)
expected: min sum_s p_s (c_s . x + b_s)                               (no R, no rows)

``robust_r`` (one real column) is R; the rows are ``robust_regret`` or ``robust_worst``. R >= 0 loses
nothing: the objective is a cost (>= 0 in every mode) and a regret is >= 0 at the scenarios' optima
(a scenario optimum within a gap may make every regret slightly negative; then R = 0 and the stated
regrets are the recomputed ones). The copy's rows are shared: x is feasible in every scenario exactly
when it is feasible in the base copy (the robust study checks that the scenarios' rows are the base's).
"""

from __future__ import annotations

import numpy as np

from optimizer.core.model.linear import MINIMIZE, Coo, Model, add_rows, first_column, new_var, record, set_objective

CRITERIA = ("regret", "worst", "expected")


def add(
    m: Model,
    costs: np.ndarray,
    constants: np.ndarray,
    optima: np.ndarray,
    probabilities: np.ndarray,
    criterion: str,
) -> int | None:
    """Replace the copy's objective by the robust one; returns the column of R (None for ``expected``).

    ``costs``: K x n (n = the copy's columns before R), ``constants``: K, ``optima``: K (used by ``regret``),
    ``probabilities``: K (used by ``expected``).
    """
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    n = record(m).n_columns
    if costs.shape[1] != n:
        raise ValueError(f"cost vectors have {costs.shape[1]} columns, the model {n}")
    if criterion == "expected":
        set_objective(m, "objective", [], float(probabilities @ constants), MINIMIZE, {0: probabilities @ costs})
        return None
    r = new_var(m, "robust_r", 1, "real")
    col_r = first_column(m, r)
    k = costs.shape[0]
    rows, cols = np.nonzero(costs)
    vals = costs[rows, cols]
    upper = -constants + (optima if criterion == "regret" else 0.0)
    add_rows(
        m,
        f"robust_{criterion}",
        Coo(
            np.concatenate((rows, np.arange(k))),
            np.concatenate((cols, np.full(k, col_r))),
            np.concatenate((vals, np.full(k, -1.0))),
            np.full(k, -np.inf),
            np.asarray(upper, dtype=np.float64),
        ),
    )
    set_objective(m, "objective", [(1.0, col_r)], 0.0, MINIMIZE)
    return col_r
