"""Decision variables (indices as in ``optimizer.data``).

- ``n[i]``  integer in [0, n_max(g)]: links of column i's option in its group g.
- ``y[j]``  binary: column ind_col[j] is used (only for uniform groups and groups on a path).
- ``z[q]``  binary: switch group of choice q uses model q.
- ``k[q]``  integer in [0, k_max]: switches of model q in its group (0 unless z[q] = 1).
- ``lat[l]`` continuous >= 0: worst latency among the options used in link group lat_group[l].
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.core.data import ModelData
from optimizer.core.model.linear import columns


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Create every variable of the model."""
    col_ub = d.col_ub
    m.n = pyo.Var(range(d.n_cols), within=pyo.NonNegativeIntegers, bounds=lambda _m, i: (0, col_ub[i]))
    m.y = pyo.Var(range(len(d.ind_col)), within=pyo.Binary)
    n_choices = len(d.choice_model)
    bound = [sg.k_max for sg in d.switch_groups] if d.elastic is None else d.elastic.k_ub  # elastic: widened
    k_max = [bound[d.choice_group[q]] for q in range(n_choices)]
    m.z = pyo.Var(range(n_choices), within=pyo.Binary)
    m.k = pyo.Var(range(n_choices), within=pyo.NonNegativeIntegers, bounds=lambda _m, q: (0, k_max[q]))
    m.lat = pyo.Var(range(len(d.lat_group)), within=pyo.NonNegativeReals)
    for var in (m.n, m.y, m.z, m.k, m.lat):  # columns in this order (see optimizer.core.model.linear)
        columns(m, var)
