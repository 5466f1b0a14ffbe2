"""Rows recorded as arrays by the families equal a walk over the Pyomo model; stale records are not used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyomo.environ as pyo
import pytest
from helpers import INSTANCES
from test_routing import TRIANGLE, net

from optimizer.core.data import build_data
from optimizer.core.load import load_instance
from optimizer.core.model import build_model, linear
from optimizer.core.solve import LinearArrays, SolveOptions, SolveStatus, _linear_arrays, linear_arrays, solve_model

FILES = [
    INSTANCES / "tiny.yaml",
    INSTANCES / "latency-cpo-1k.yaml",
    INSTANCES / "library" / "cpo-capped-16k-400g.yaml",
    INSTANCES / "library" / "power-capped-hall-16k-800g.yaml",
    INSTANCES / "library" / "rail-fat-tree-4k-800g-explicit.yaml",
]


def _same(a: LinearArrays, b: LinearArrays) -> None:
    assert [id(v) for v in a.columns] == [id(v) for v in b.columns]
    for name in ("col_lower", "col_upper", "integrality", "cost", "row_lower", "row_upper", "indptr", "indices"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_allclose(a.values, b.values, rtol=1e-15, atol=0)
    assert a.offset == pytest.approx(b.offset) and a.sense == b.sense


@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).stem)
def test_recorded_arrays_equal_the_walk(path: Path) -> None:
    m = build_model(build_data(load_instance(path)))
    assert linear.current(m)
    _same(LinearArrays(**linear.recorded_arrays(m)), _linear_arrays(m))


@pytest.mark.parametrize("routing", ["single_path", "splittable"])
def test_routed_model_records_its_own_variables_and_costs(routing: str) -> None:
    links = [dict(link) for link in TRIANGLE]
    links[0].update(routing_cost_usd_per_gbps=1.0, direction="bidirected")
    links[1].update(setup_cost_usd=50.0)
    links[2].update(allowed=["c100", "c400"], routing_cost_usd_per_gbps=0.5)
    demands = [
        {"id": "d1", "src": "A", "dst": "C", "gbps": 300, "max_latency_ns": 5000},
        {"id": "d2", "src": "C", "dst": "B", "gbps": 120},
    ]
    inst = load_instance(net(links, demands, routing=routing))
    m = build_model(build_data(inst))
    assert linear.current(m)
    _same(LinearArrays(**linear.recorded_arrays(m)), _linear_arrays(m))


def _model() -> pyo.ConcreteModel:
    return build_model(build_data(load_instance(INSTANCES / "latency-cpo-1k.yaml")))


def test_edits_make_the_record_stale_and_the_walk_takes_over() -> None:
    base = solve_model(_model(), SolveOptions(threads=1))
    assert base.status == SolveStatus.OPTIMAL

    m = _model()  # a row replaced in place
    row = m.capacity_demand[0]
    row.set_value((row.lower, row.body, None))
    assert not linear.current(m)

    m = _model()  # a row deactivated: the walk skips it
    m.capacity_demand[0].deactivate()
    assert not linear.current(m)
    assert linear_arrays(m).n_rows == len(_linear_arrays(_model()).row_lower) - 1

    m = _model()  # a variable fixed: the walk folds it into the rows
    m.n[0].fix(0)
    assert not linear.current(m)

    m = _model()  # a constraint added by the user is handed to HiGHS
    m.extra = pyo.Constraint(expr=m.objective.expr >= base.objective * 1.01)
    assert not linear.current(m)
    report = solve_model(m, SolveOptions(threads=1))
    assert report.objective == pytest.approx(base.objective * 1.01, rel=1e-4)

    m = _model()  # the objective replaced
    m.objective.expr = m.objective.expr * 2
    assert not linear.current(m)
    assert solve_model(m, SolveOptions(threads=1)).objective == pytest.approx(2 * base.objective)


def test_bounds_changed_on_the_model_reach_highs() -> None:
    m = _model()
    m.n[0].setub(0)
    m.k[0].domain = pyo.NonNegativeReals
    assert linear.current(m)  # bounds and domains are read from the variables at every hand-off
    a = linear_arrays(m)
    assert a.col_upper[0] == 0 and a.integrality[len(m.n) + len(m.y) + len(m.z)] == 0
    _same(a, _linear_arrays(m))


@pytest.mark.parametrize("path", FILES[1:], ids=lambda p: Path(p).stem)
def test_the_floor_hands_highs_the_same_matrix(path: Path) -> None:
    """The floor builds the format-v1 model only: library files are compared without their
    ``compatibility`` section (the compatibility family is the planner's alone)."""
    from benchmarks.floor import floor_arrays
    from optimizer.core.io import read_document

    document, _ = read_document(path)
    document.pop("compatibility", None)
    d = build_data(load_instance(document, base_dir=path.parent))
    a, b = linear_arrays(build_model(d)), floor_arrays(d)
    for name in ("indptr", "indices", "row_lower", "row_upper", "col_lower", "col_upper", "cost", "integrality"):
        np.testing.assert_array_equal(getattr(a, name), b[name], err_msg=name)
    np.testing.assert_allclose(a.values, b["values"], rtol=1e-15, atol=0)


@pytest.mark.parametrize("path", FILES[1:4], ids=lambda p: Path(p).stem)
def test_a_plan_gives_a_complete_feasible_mip_start(path: Path) -> None:
    from optimizer.core.pipeline import solve
    from optimizer.core.start import apply_start, plan_start

    inst = load_instance(path)
    plan = solve(inst, SolveOptions(threads=1))
    d = build_data(inst)
    m = build_model(d)
    assert apply_start(m, d, plan_start(plan))
    a = linear_arrays(m)
    x = np.array([v.value for v in a.columns], dtype=float)  # every variable set: no None left
    rows = np.repeat(np.arange(a.n_rows), np.diff(a.indptr))
    activity = np.bincount(rows, weights=a.values * x[a.indices], minlength=a.n_rows)
    tol = 1e-6 * np.maximum(1.0, np.abs(activity))
    assert np.all(activity >= a.row_lower - tol) and np.all(activity <= a.row_upper + tol)
    assert np.all(x >= a.col_lower) and np.all(x <= a.col_upper)
    assert float(a.cost @ x) + a.offset == pytest.approx(plan.objective, rel=1e-9)
    assert not apply_start(m, d, {"links": [["no-such-group", "x", 1]], "nodes": []})


ARRAY_FILES = [
    *FILES,
    INSTANCES / "reliability-pod-2k-800g.yaml",
    INSTANCES / "superpod-su-256-dgx.yaml",
    INSTANCES / "library" / "spectrum-x-4k-2x400g.yaml",
]


def _same_matrix(a: LinearArrays, b: LinearArrays) -> None:
    for name in ("col_lower", "col_upper", "integrality", "cost", "row_lower", "row_upper", "indptr", "indices"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.values, b.values)
    assert a.offset == b.offset and a.sense == b.sense


@pytest.mark.parametrize("elastic", [False, True], ids=["model", "elastic"])
@pytest.mark.parametrize("path", ARRAY_FILES, ids=lambda p: Path(p).stem)
def test_the_array_build_is_the_pyomo_model(path: Path, elastic: bool) -> None:
    """``build_arrays`` (what the pipeline solves) hands HiGHS exactly the matrix of a walk over the Pyomo
    model of ``build_model``, for the plain and the elastic model (with compatibility and reliability rows)."""
    from optimizer.core.elastic import elastic_data
    from optimizer.core.model import build_arrays

    d = build_data(load_instance(path))
    if elastic:
        d = elastic_data(d)
    array_model, pyomo_model = build_arrays(d), build_model(d)
    a = linear_arrays(array_model)
    _same_matrix(a, _linear_arrays(pyomo_model))
    assert a.n_cols == linear.record(array_model).n_columns and a.columns == []
    assert array_model.nconstraints() == pyomo_model.nconstraints()


def test_the_array_model_takes_the_same_mip_start_and_solution() -> None:
    from optimizer.core.model import build_arrays
    from optimizer.core.pipeline import solve
    from optimizer.core.start import apply_start, plan_start

    path = INSTANCES / "superpod-su-256-dgx.yaml"  # compatibility variables take a start too
    inst = load_instance(path)
    plan = solve(inst, SolveOptions(threads=1))
    d = build_data(inst)
    am, pm = build_arrays(d), build_model(d)
    assert apply_start(am, d, plan_start(plan)) and apply_start(pm, d, plan_start(plan))
    np.testing.assert_array_equal(linear.column_values(am), linear.column_values(pm))
    assert not np.isnan(linear.column_values(am)).any()
    warm = SolveOptions(threads=1, warm_start=True)
    ra, rp = solve_model(am, warm), solve_model(pm, warm)
    assert ra.status == rp.status == SolveStatus.OPTIMAL
    assert ra.objective == pytest.approx(plan.objective, rel=1e-9) and rp.objective == pytest.approx(ra.objective)
    assert linear.var_values(am.n) == pytest.approx(linear.var_values(pm.n))


def _routed(routing: str, divisible: bool = False) -> Any:
    links = [dict(link) for link in TRIANGLE]
    links[0].update(routing_cost_usd_per_gbps=1.0, direction="bidirected")
    links[1].update(setup_cost_usd=50.0, divisible=divisible)
    links[2].update(allowed=["c100", "c400"], routing_cost_usd_per_gbps=0.5)
    demands = [
        {"id": "d1", "src": "A", "dst": "C", "gbps": 300, "max_latency_ns": 5000},
        {"id": "d2", "src": "C", "dst": "B", "gbps": 120},
    ]
    return load_instance(net(links, demands, routing=routing))


@pytest.mark.parametrize(
    ("routing", "divisible"), [("single_path", False), ("splittable", False), ("splittable", True)]
)
def test_the_array_build_of_routed_demands_is_the_pyomo_model(routing: str, divisible: bool) -> None:
    """Routed demands on ``build_arrays``: the same matrix, integrality (divisible groups continuous) and
    objective as the Pyomo model."""
    from optimizer.core.model import build_arrays

    d = build_data(_routed(routing, divisible))
    array_model, pyomo_model = build_arrays(d), build_model(d)
    a = linear_arrays(array_model)
    _same_matrix(a, _linear_arrays(pyomo_model))
    divisible_cols = d.groups[1].cols
    assert all(a.integrality[i] == (0 if divisible else 1) for i in divisible_cols)


def test_a_plan_without_routed_demands_never_imports_pyomo() -> None:
    """``optimizer.solve`` on the array build: no Pyomo import (its 0.2-0.3 s and ~20 MB are not paid)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from optimizer.core.load import load_instance\n"
        "from optimizer.core.pipeline import solve\n"
        "from optimizer.core.solve import SolveOptions\n"
        f"plan = solve(load_instance({str(INSTANCES / 'superpod-su-256-dgx.yaml')!r}), SolveOptions(threads=1))\n"
        "print(plan.status, sorted(k for k in sys.modules if k.split('.')[0] == 'pyomo'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["optimal", "[]"]


def test_the_plan_names_the_hand_off_it_used() -> None:
    from optimizer.core.pipeline import solve

    tiny = load_instance(INSTANCES / "tiny.yaml")
    routed = load_instance(net([dict(link) for link in TRIANGLE], [{"id": "d", "src": "A", "dst": "C", "gbps": 100}]))
    arrays = solve(tiny, SolveOptions(threads=1))
    appsi = solve(tiny, SolveOptions(threads=1, interface="appsi"))
    routed_arrays = solve(routed, SolveOptions(threads=1))
    assert (arrays.solver["interface"], appsi.solver["interface"], routed_arrays.solver["interface"]) == (
        "arrays",
        "pyomo-appsi",
        "arrays",
    )
    assert arrays.objective == pytest.approx(appsi.objective, rel=1e-9)
