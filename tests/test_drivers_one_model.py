"""Decision drivers re-solved on the figure's own model: the cost gradient of a figure, the columns kept over
its segment, one MILP per switch-model assignment, and figures sharing one cost ray."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from helpers import ROOT

import optimizer
from optimizer.core.data import build_data
from optimizer.core.io import read_document
from optimizer.core.solve import SolveOptions
from optimizer.studies.drivers import FigureModels, plan_drivers
from optimizer.studies.robustness import link_choices, switch_choices, uncertain_figures
from optimizer.studies.sweep import apply_overrides

TWO = ROOT / "tests" / "data" / "robustness" / "two-options.yaml"
NVIDIA = ROOT / "instances" / "library" / "rail-fat-tree-16k-800g-nvidia.yaml"
OPTIONS = SolveOptions(threads=1)


def two_options() -> dict:
    doc, issues = read_document(TWO)
    assert not issues
    return doc


def models_for(doc: dict, base_dir=TWO.parent) -> tuple[FigureModels, dict]:
    instance = optimizer.load_instance(doc, base_dir=base_dir)
    plan = optimizer.solve(instance, OPTIONS)
    return FigureModels(instance, plan, OPTIONS), {f.path: f for f in uncertain_figures(instance, None)}


def column(fm: FigureModels, group: str, option: str) -> int:
    d = fm.data
    [i] = [i for i in range(d.n_cols) if d.groups[d.col_group[i]].id == group and d.col_option[i].id == option]
    return fm.first_n + i


def choice(fm: FigureModels, model: str) -> int:
    return fm.first_k + fm.data.choice_model.index(model)


def test_a_figure_moves_only_its_own_costs_by_its_units() -> None:
    # TCO is capex here (no power, no energy): a cable's price enters its column once per link, a switch's
    # price its choice once per switch, and a premium p the choice as cost_usd x (1 + p): 5,200 per unit of p.
    fm, figures = models_for(two_options())
    cab, sw = figures["catalog.cab-b.cost_usd"], figures["catalog.sw-b.cost_usd"]
    far = {cab.path: 500.0, sw.path: 2800.0}
    assert fm.prepare([cab, sw], far) == {cab.path, sw.path}
    grad = fm.lines[cab.path][0]
    assert grad[column(fm, "gpu-leaf", "cab-b")] == pytest.approx(1.0)
    assert np.count_nonzero(grad) == 1
    grad = fm.lines[sw.path][0]
    assert grad[choice(fm, "sw-b")] == pytest.approx(1.0) and np.count_nonzero(grad) == 1
    doc = two_options()
    doc["ranges"].append({"path": "catalog.sw-b.cpo_premium_fraction", "low": 0.0, "high": 0.3})
    doc["catalog"]["switches"][1]["cpo_premium_fraction"] = 0.1
    fm, figures = models_for(doc)
    premium = figures["catalog.sw-b.cpo_premium_fraction"]
    assert fm.prepare([premium], {premium.path: 0.0}) == {premium.path}
    assert fm.lines[premium.path][0][choice(fm, "sw-b")] == pytest.approx(5200.0)
    # a capex limit puts prices in a constraint: no figure moves on the one model
    doc["limits"] = {"max_capex_usd": 1e9}
    fm, figures = models_for(doc)
    assert fm.prepare([figures[premium.path]], {premium.path: 0.0}) == set()


def test_a_column_is_dropped_only_where_it_stays_dominated_over_the_whole_segment() -> None:
    # At the base prices cab-b (1,100) is dominated by cab-a (1,000, same power and latency): the base plan's
    # pruned model lacks it. Over sw-b's segment cab-b's price stays 1,100, so it stays dropped; over its own
    # segment down to 500 it becomes the cheaper cable and must stay in the model.
    fm, figures = models_for(two_options())
    cab, sw = figures["catalog.cab-b.cost_usd"], figures["catalog.sw-b.cost_usd"]
    fm.prepare([cab, sw], {cab.path: 500.0, sw.path: 2800.0})
    i = column(fm, "gpu-leaf", "cab-b") - fm.first_n
    assert fm.lines[sw.path][1][i] == 0.0
    assert fm.lines[cab.path][1][i] > 0.0
    # ... and down to 1,010 only (still above cab-a's 1,000 at both ends) it stays dominated
    fm.lines.clear()
    fm.prepare([cab], {cab.path: 1010.0})
    assert fm.lines[cab.path][1][i] == 0.0


def test_drivers_on_one_model_equal_those_of_full_solves() -> None:
    doc = two_options()
    fast = plan_drivers(doc, base_dir=TWO.parent)
    full = plan_drivers(doc, base_dir=TWO.parent, one_model=False)
    key = lambda d: (d.figure, d.group, d.new_choice, d.robust, d.confirmed)  # noqa: E731
    assert sorted(map(key, fast.drivers)) == sorted(map(key, full.drivers))
    assert {d.figure: d.breakeven for d in fast.drivers} == pytest.approx(
        {"catalog.cab-b.cost_usd": 1000.0, "catalog.sw-b.cost_usd": 5000.0}, abs=1e-6
    )


def test_figures_on_one_cost_ray_share_one_search() -> None:
    # sw-b costs 4,700 with premium 0.1 (pays 5,170 against sw-a's 5,000). Its price x and its premium p both
    # move only sw-b's choice cost, 4,700 (1 + p) x / 4,700: one ray. The price's move (far 3,300: -1,540 USD)
    # is the longer, so the premium (far 0: -470 USD) is read off the price's search: break-evens by hand
    # x = 5,000 / 1.1 = 4,545.45 and p = 5,000 / 4,700 - 1 = 0.063830, with 2 solves for both (far, crossing)
    # and 2 for cab-b: 4 in all.
    doc = two_options()
    doc["catalog"]["switches"][1].update({"cost_usd": 4700, "cpo_premium_fraction": 0.1})
    doc["ranges"] = [r for r in doc["ranges"] if r["path"] != "catalog.sw-b.cost_usd"] + [
        {"path": "catalog.sw-b.cost_usd", "low": 4000, "high": 6000},
        {"path": "catalog.sw-b.cpo_premium_fraction", "low": 0.0, "high": 0.3},
    ]
    result = plan_drivers(doc, base_dir=TWO.parent)
    assert result.solves == 4
    by_figure = {d.figure: d for d in result.drivers}
    price, premium = by_figure["catalog.sw-b.cost_usd"], by_figure["catalog.sw-b.cpo_premium_fraction"]
    assert price.breakeven == pytest.approx(5000 / 1.1, abs=1e-6)
    assert premium.breakeven == pytest.approx(5000 / 4700 - 1, abs=1e-9)
    assert premium.confirmed and premium.below < premium.breakeven < premium.above
    for value, model in ((premium.below, "sw-b"), (premium.above, "sw-a")):
        plan = optimizer.solve(optimizer.load_instance(apply_overrides(doc, {premium.figure: value}, {})), OPTIONS)
        assert switch_choices(plan) == {"leaf": model}


def test_one_milp_per_switch_model_assignment_finds_the_whole_milps_optimum() -> None:
    # The NVIDIA 16k file: leaf, spine and core each take q3400 or q3450-cpo, 8 assignments. At a Q3450-CPO
    # price of 414,660 USD (just below the break-even of leaves and spines, above the cores') the optimum
    # mixes them; the 8 small MILPs find the same plan and objective as the pipeline's whole MILP there.
    doc, issues = read_document(NVIDIA)
    assert not issues
    fm, figures = models_for(doc, NVIDIA.parent)
    assert fm.splits is not None and len(fm.splits) == 8
    f = figures["catalog.q3450-cpo.cost_usd"]
    fm.prepare([f], {f.path: 0.0})
    x = 414660.0
    row = fm.solve(f, x, fm.base)
    instance = optimizer.load_instance(apply_overrides(doc, {f.path: x}, {}), base_dir=NVIDIA.parent)
    whole = optimizer.solve(instance, copy.copy(OPTIONS))
    assert row["status"] == "optimal"
    assert row["models"] == switch_choices(whole) == {"leaf": "q3450-cpo", "spine": "q3450-cpo", "core": "q3400"}
    assert row["choices"] == link_choices(whole)
    assert row["objective"] == pytest.approx(whole.objective, rel=1e-9)
    assert row["bound"] >= row["objective"] * (1 - OPTIONS.mip_rel_gap)
    # the plan vector prices as HiGHS saw it
    assert fm.price(f, x, row["plan"]) == pytest.approx(row["objective"], rel=1e-12)


def test_lines_derived_together_equal_lines_derived_alone() -> None:
    # The NVIDIA file's optics figures share a derivation where no option uses two of their items; each
    # figure's gradient must be what a full load of the instance at the far value gives. A figure whose far
    # value changes the options (the twin-port module at 19.75 W no longer fits a cage) is left to full solves.
    doc, issues = read_document(NVIDIA)
    assert not issues
    fm, figures = models_for(doc, NVIDIA.parent)
    chosen = [f for p, f in figures.items() if p.endswith((".cost_usd", ".power_w")) and p.startswith("catalog.")]
    far = {f.path: f.value * 1.5 + 1.0 for f in chosen}
    prepared = fm.prepare(chosen, far)
    assert prepared == {f.path for f in chosen} - {"catalog.twin-2xdr4-1600.power_w"}
    base = build_data(fm.instance, prune=False, reduce=True)
    col0, choice0 = (np.asarray(v) for v in base.objective_coefficients())
    for f in chosen:
        moved = optimizer.load_instance(apply_overrides(doc, {f.path: far[f.path]}, {}), base_dir=NVIDIA.parent)
        d = build_data(moved, prune=False, reduce=True)
        if f.path not in prepared:
            assert d.n_cols < base.n_cols
            continue
        col1, choice1 = (np.asarray(v) for v in d.objective_coefficients())
        step = far[f.path] - f.value
        grad = fm.lines[f.path][0]
        n, k = len(col0), len(choice0)
        assert grad[fm.first_n : fm.first_n + n] == pytest.approx((col1 - col0) / step, rel=1e-9, abs=1e-12), f.path
        assert grad[fm.first_k : fm.first_k + k] == pytest.approx((choice1 - choice0) / step, rel=1e-9, abs=1e-12)


@pytest.mark.slow
def test_drivers_of_a_16k_library_file_equal_those_of_full_solves() -> None:
    # The Broadcom 16k 800G file: 13 screened figures, 40 drivers; the figure's own model, the split solves
    # and the shared rays give the same drivers as loading and solving the instance at every value.
    path = ROOT / "instances" / "library" / "rail-fat-tree-16k-800g.yaml"
    doc, issues = read_document(path)
    assert not issues
    plan = optimizer.solve(optimizer.load_instance(doc, base_dir=path.parent), OPTIONS)
    fast = plan_drivers(doc, base_dir=path.parent, options=OPTIONS, plan=plan)
    full = plan_drivers(doc, base_dir=path.parent, options=OPTIONS, plan=plan, one_model=False)
    assert fast.solves < full.solves and len(fast.drivers) == len(full.drivers) == 40
    got = {(d.figure, d.group): d for d in fast.drivers}
    for d in full.drivers:
        mine = got[(d.figure, d.group)]
        assert (mine.new_choice, mine.robust, mine.confirmed) == (d.new_choice, d.robust, d.confirmed)
        assert mine.breakeven == pytest.approx(d.breakeven, rel=1e-9)


def test_a_power_figure_is_not_moved_on_one_model_under_facility_power_rows() -> None:
    """A module's power enters the facility's power rows (GPU-rack power, liquid load), as it enters a power
    cap: with a ``facility`` section its drivers are found by full solves, not on the one model, whose rows
    would keep the power of the base value."""
    doc = two_options()
    doc["economics"] = {"electricity_usd_per_kwh": 0.1}
    doc["ranges"].append({"path": "catalog.cab-b.power_w", "low": 0.0, "high": 20.0})
    fm, figures = models_for(doc)
    power = figures["catalog.cab-b.power_w"]
    assert fm.prepare([power], {power.path: 20.0}) == {power.path}
    for sw in doc["catalog"]["switches"]:
        sw["rack_units"] = 1
    doc["facility"] = {"gpu_racks": 1, "gpu_rack_kw": 1000, "gpu_rack_base_kw": 0}
    fm, figures = models_for(doc)
    assert fm.prepare([figures[power.path]], {power.path: 20.0}) == set()
