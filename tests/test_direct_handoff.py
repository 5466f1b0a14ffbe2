"""The direct Pyomo -> HiGHS hand-off is generic over linear Pyomo models and agrees with APPSI."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
from helpers import tiny_instance

from optimizer.core.data import build_data
from optimizer.core.load import load_instance
from optimizer.core.model import build_model
from optimizer.core.solve import NonlinearModelError, SolveOptions, SolveStatus, linear_arrays, solve_model


def _odd_model() -> pyo.ConcreteModel:
    """Operator-built rows (not LinearExpression bodies), constants, a fixed and a repeated variable."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(3), within=pyo.NonNegativeIntegers, bounds=(0, 10))
    m.y = pyo.Var(within=pyo.Reals, bounds=(-5, 5))
    m.f = pyo.Var(initialize=2.0)
    m.f.fix()
    m.p = pyo.Param(initialize=3.0, mutable=True)
    m.c1 = pyo.Constraint(expr=m.x[0] + 2 * m.x[1] - 3 <= 8 + m.x[0] - m.x[0])
    m.c2 = pyo.Constraint(expr=pyo.inequality(1, m.x[1] + m.x[2] + m.y + m.f, 9))
    m.c3 = pyo.Constraint(expr=m.p * m.x[2] == 6)
    m.c4 = pyo.Constraint(expr=m.y >= -1)
    m.off = pyo.Constraint(expr=m.x[0] <= 0)
    m.off.deactivate()
    m.objective = pyo.Objective(expr=3 * m.x[0] + 2 * m.x[1] - m.y + m.f + 1, sense=pyo.maximize)
    return m


@pytest.mark.parametrize("interface", ["direct", "appsi"])
def test_generic_linear_model(interface: str) -> None:
    m = _odd_model()
    report = solve_model(m, SolveOptions(threads=1, interface=interface))
    assert report.status == SolveStatus.OPTIMAL
    # x2 = 2 (c3), x0 + 2 x1 <= 11, x1 + x2 + y + 2 <= 9, y >= -1; max 3 x0 + 2 x1 - y + 3
    assert report.objective == pytest.approx(3 * 10 + 2 * 0 + 1 + 3)
    assert [round(v.value) for v in m.x.values()] == [10, 0, 2] and m.y.value == pytest.approx(-1)
    assert m.f.value == 2.0


def test_arrays_merge_repeats_and_skip_inactive_rows() -> None:
    a = linear_arrays(_odd_model())
    assert a.n_rows == 4 and a.sense == -1
    assert a.col_lower[4] == a.col_upper[4] == 2.0  # the fixed variable is a fixed column
    first_row = dict(
        zip(a.indices[a.indptr[0] : a.indptr[1]].tolist(), a.values[a.indptr[0] : a.indptr[1]].tolist(), strict=True)
    )
    assert first_row == {0: 1.0, 1: 2.0}  # x0 + 2 x1 - 3 - (8 + x0 - x0): x0 appears three times
    assert a.row_upper[0] == 11.0


def test_nonlinear_rows_are_refused() -> None:
    m = _odd_model()
    m.bad = pyo.Constraint(expr=m.x[0] * m.x[1] <= 3)
    with pytest.raises(NonlinearModelError):
        linear_arrays(m)
    assert solve_model(m, SolveOptions(threads=1)).status == SolveStatus.ERROR


def test_direct_and_appsi_agree_on_a_planner_model() -> None:
    d = build_data(load_instance(tiny_instance()))
    direct = solve_model(build_model(d), SolveOptions(threads=1))
    appsi = solve_model(build_model(d), SolveOptions(threads=1, interface="appsi"))
    assert direct.status == appsi.status == SolveStatus.OPTIMAL
    assert direct.objective == pytest.approx(appsi.objective, rel=1e-9)
    assert direct.size == appsi.size


def test_progress_events_and_time_limit_stay_data() -> None:
    from benchmarks.generate import generate

    d = build_data(load_instance(generate(300, seed=1)))
    events: list = []
    report = solve_model(build_model(d), SolveOptions(threads=1, progress=events.append))
    assert report.status == SolveStatus.OPTIMAL and events
    assert any(e.incumbent is not None for e in events)
    limited = solve_model(build_model(d), SolveOptions(threads=1, time_limit_s=1e-3))
    assert limited.status in (SolveStatus.NO_SOLUTION, SolveStatus.FEASIBLE) and limited.highs_status


def test_objective_scale_exponent_brings_large_costs_near_256() -> None:
    import numpy as np

    from optimizer.core.solve import objective_scale_exponent

    assert objective_scale_exponent(np.array([0.0, 3.0, -100.0])) == 0  # small costs: no scaling
    assert objective_scale_exponent(np.array([0.0, 0.0])) == 0
    assert objective_scale_exponent(np.array([250.0, -3e5])) == 8 - 18  # 3e5 ~ 2**18.2
    assert objective_scale_exponent(np.array([1e30])) == -30  # clipped
    from optimizer.core.solve import OBJECTIVE_SCALING_MAX_COLUMNS as most

    assert objective_scale_exponent(np.full(most, 3e5)) == -10  # up to the measured size limit
    assert objective_scale_exponent(np.full(most + 1, 3e5)) == 0  # beyond it scaling made HiGHS slower


def test_scaled_objective_reports_unscaled_numbers() -> None:
    """A money-sized objective is scaled for HiGHS; objective, bound and progress come back in USD."""
    inst = tiny_instance()
    for cable in inst["catalog"]["cables"]:
        cable["cost_usd"] = cable["cost_usd"] * 1000  # coefficients ~1e6 USD: scale exponent < 0
    m = build_model(build_data(load_instance(inst)))
    events: list = []
    scaled = solve_model(m, SolveOptions(threads=1, mip_rel_gap=0, progress=events.append))
    plain = solve_model(
        build_model(build_data(load_instance(inst))), SolveOptions(threads=1, mip_rel_gap=0, objective_scaling=False)
    )
    assert scaled.status == plain.status == SolveStatus.OPTIMAL
    assert scaled.objective == pytest.approx(plain.objective, rel=1e-9)
    assert scaled.bound == pytest.approx(plain.objective, rel=1e-9)
    incumbents = [e.incumbent for e in events if e.incumbent is not None]
    assert incumbents and min(incumbents) == pytest.approx(plain.objective, rel=1e-6)
