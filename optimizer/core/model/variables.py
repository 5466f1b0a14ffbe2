"""Decision variables (indices as in ``optimizer.data``).

- ``n[i]``  integer in [0, n_max(g)]: links of column i's option in its group g.
- ``y[j]``  binary: column ind_col[j] is used (only for uniform groups and groups on a path).
- ``z[q]``  binary: switch group of choice q uses model q.
- ``k[q]``  integer in [0, k_max]: switches of model q in its group (0 unless z[q] = 1).
- ``lat[l]`` continuous >= 0: worst latency among the options used in link group lat_group[l].
"""

from __future__ import annotations

from optimizer.core.data import ModelData
from optimizer.core.model.linear import Model, new_var


def add(m: Model, d: ModelData) -> None:
    """Create every variable of the model (columns in this order: see optimizer.core.model.linear)."""
    n_choices = len(d.choice_model)
    bound = [sg.k_max for sg in d.switch_groups] if d.elastic is None else d.elastic.k_ub  # elastic: widened
    k_max = [bound[d.choice_group[q]] for q in range(n_choices)]
    new_var(m, "n", d.n_cols, "integer", d.col_ub)
    new_var(m, "y", len(d.ind_col), "binary")
    new_var(m, "z", n_choices, "binary")
    new_var(m, "k", n_choices, "integer", k_max)
    new_var(m, "lat", len(d.lat_group), "real")
