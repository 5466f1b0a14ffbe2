"""Several copies of the model in one MILP (``linear.CopyView``): the one-copy case is today's build, array
for array; two copies of the same data give a block-diagonal matrix with twice the rows and columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
from helpers import INSTANCES

from optimizer.core.data import ModelData, build_data
from optimizer.core.load import load_instance
from optimizer.core.model import FAMILIES, add_copy, build_arrays, build_model, linear, objective, variables
from optimizer.core.model.linear import ArrayModel, combine_objective

FILES = [
    INSTANCES / "tiny.yaml",
    INSTANCES / "latency-cpo-1k.yaml",
    INSTANCES / "reliability-pod-2k-800g.yaml",
    INSTANCES / "library" / "cpo-capped-16k-400g.yaml",
]


def _direct(m: linear.Model, d: ModelData) -> linear.Model:
    """The families run on the model itself, without a view (the build before copies existed)."""
    variables.add(m, d)
    for family in FAMILIES:
        family.add(m, d)
    objective.add(m, d)
    return m


def _arrays(m: linear.Model) -> dict[str, np.ndarray]:
    a = linear.recorded_arrays(m)
    a.pop("columns")
    return a


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).stem)
def test_one_copy_without_tag_is_todays_build(path: Path) -> None:
    d = build_data(load_instance(path))
    _same(_arrays(build_arrays(d)), _arrays(_direct(ArrayModel(d.name), d)))
    pyomo_model = build_model(d)
    assert linear.current(pyomo_model)  # the Pyomo model's record still describes it
    _same(_arrays(pyomo_model), _arrays(_direct(pyo.ConcreteModel(), d)))
    assert [c.name for c in pyomo_model.component_objects(pyo.Var)][:2] == ["n", "y"]


@pytest.mark.parametrize("kind", ["arrays", "pyomo"])
def test_two_copies_are_block_diagonal(kind: str) -> None:
    d = build_data(load_instance(INSTANCES / "latency-cpo-1k.yaml"))
    one = _arrays(build_arrays(d))
    m = ArrayModel("two") if kind == "arrays" else pyo.ConcreteModel()
    first, second = add_copy(m, d, "2026", 1.0), add_copy(m, d, "2027", 0.5)
    combine_objective(m, "objective", [first, second])
    two = _arrays(m)
    n_cols, n_rows = len(one["cost"]), len(one["row_lower"])
    assert len(two["cost"]) == 2 * n_cols and len(two["row_lower"]) == 2 * n_rows
    np.testing.assert_array_equal(two["cost"], np.concatenate([one["cost"], 0.5 * one["cost"]]))
    for key in ("col_lower", "col_upper", "integrality"):
        np.testing.assert_array_equal(two[key], np.concatenate([one[key], one[key]]), err_msg=key)
    for key in ("row_lower", "row_upper"):
        np.testing.assert_array_equal(two[key], np.concatenate([one[key], one[key]]), err_msg=key)

    def dense(a: dict[str, np.ndarray], rows: int, cols: int) -> np.ndarray:
        out = np.zeros((rows, cols))
        for r in range(rows):
            for p in range(a["indptr"][r], a["indptr"][r + 1]):
                out[r, a["indices"][p]] += a["values"][p]
        return out

    block = dense(one, n_rows, n_cols)
    whole = dense(two, 2 * n_rows, 2 * n_cols)
    np.testing.assert_array_equal(whole[:n_rows, :n_cols], block)
    np.testing.assert_array_equal(whole[n_rows:, n_cols:], block)
    assert not whole[:n_rows, n_cols:].any() and not whole[n_rows:, :n_cols].any()
    # the copies' blocks are named with their tags, and each view reads its own variables
    assert linear.first_column(m, second.n) == n_cols and linear.first_column(m, first.n) == 0
    names = [v.name if kind == "arrays" else v.local_name for v in linear.record(m).var_components]
    assert "n@2026" in names and "n@2027" in names
