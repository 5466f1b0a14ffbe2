"""A peer modelling layer for comparison: linopy fed the floor's data (optional benchmark dependency).

``linopy_highs(d)`` builds the planner's MILP as a linopy model from the same per-block arrays the
floor derives from ``ModelData`` (``benchmarks.floor``), then hands it to HiGHS with linopy's own
direct interface (``linopy.io.to_highspy``, no names). Rows of a block are grouped by length (padding
at most 2x) because linopy expressions are dense (row x term) arrays. Install with
``pip install -e ".[bench]"``; without linopy the harness reports the column as n/a.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.floor import INF, block_arrays
from optimizer.core.data import ModelData


def available() -> bool:
    """True when linopy can be imported."""
    try:
        import linopy  # noqa: F401
    except ImportError:
        return False
    return True


def linopy_model(d: ModelData) -> Any:
    """The MILP of ``d`` as a linopy model (columns and rows as the floor builds them)."""
    import linopy
    import pandas as pd
    import xarray as xr

    blocks, cols = block_arrays(d)
    m = linopy.Model()
    n_var = int(cols["n_var"])
    integer = cols["integrality"].astype(bool)
    n_int = int(integer.sum())
    assert integer[:n_int].all() and not integer[n_int:].any()  # integers first (n, y, z, k), then lat
    lower, upper = cols["col_lower"], cols["col_upper"]
    m.add_variables(lower=lower[:n_int], upper=upper[:n_int], coords=[pd.RangeIndex(n_int, name="i")], integer=True)
    if n_var > n_int:
        m.add_variables(lower=lower[n_int:], upper=upper[n_int:], coords=[pd.RangeIndex(n_var - n_int, name="l")])
    for b, (rows, cc, vals, lo, up) in enumerate(blocks):
        n_rows = len(lo)
        lengths = np.bincount(rows, minlength=n_rows)
        order = np.argsort(rows, kind="stable")
        cc, vals = cc[order], vals[order]
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        bucket = np.ceil(np.log2(np.maximum(lengths, 1))).astype(np.int64)
        for k in np.unique(bucket):
            sel = np.flatnonzero(bucket == k)
            width = int(lengths[sel].max())
            pos = np.arange(width)
            take = starts[sel, None] + pos[None, :]
            valid = pos[None, :] < lengths[sel, None]
            take = np.where(valid, take, 0)
            var_labels = np.where(valid, cc[take], -1)
            coeffs = np.where(valid, vals[take], 0.0)
            data = xr.Dataset(
                {"coeffs": (("r", "_term"), coeffs), "vars": (("r", "_term"), var_labels)},
                coords={"r": np.arange(len(sel))},
            )
            expr = linopy.LinearExpression(data, m)
            lo_k, up_k = lo[sel], up[sel]
            for name, mask, sign, rhs in (
                ("eq", lo_k == up_k, "=", lo_k),
                ("le", (lo_k == -INF) & (up_k < INF), "<=", up_k),
                ("ge", (up_k == INF) & (lo_k > -INF), ">=", lo_k),
            ):
                idx = np.flatnonzero(mask)
                if len(idx):
                    rhs_da = xr.DataArray(rhs[idx], coords={"r": idx})
                    m.add_constraints(expr.sel(r=idx), sign, rhs_da, name=f"b{b}_{k}_{name}")
            if np.any((lo_k > -INF) & (up_k < INF) & (lo_k != up_k)):
                raise ValueError("ranged rows are not expected in the planner's MILP")
    cost = cols["cost"]
    terms = np.flatnonzero(cost)
    obj = xr.Dataset(
        {"coeffs": (("_term",), cost[terms]), "vars": (("_term",), terms)},
    )
    m.add_objective(linopy.LinearExpression(obj, m))
    return m


def linopy_highs(model: Any) -> Any:
    """Hand a linopy model to HiGHS through linopy's direct interface (no names)."""
    from linopy import io

    return io.to_highspy(model, set_names=False)
