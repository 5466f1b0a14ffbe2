"""The planner as a library: paths everywhere, validated edits, saved plans that load, comparisons, figures, a
user-constraint hook, studies in process, and the notebook tour in examples/.

Hand-checked numbers use instances/tiny.yaml (its header has the arithmetic): 8 GPU links at 800G to one
switch, energy factor e = 8766 / 1000 x 5 x 1.3 x 0.08 = 4.55832 USD per W; the optimum is 8 x sr-800 pairs
(capex 8 x 1810 + 20000 = 34480, power 8 x 28 + 500 = 724 W, TCO 34480 + 724 e = 37780.22368); with a path
budget of 500 ns the AOC fits (2 x 149 + 200 = 498 ns) and wins: 8 x aoc-800, capex 9600 + 20000 = 29600,
power 8 x 12 + 500 = 596 W, TCO 29600 + 596 e = 32316.75872.
"""

from __future__ import annotations

import os
import runpy
import shutil
from pathlib import Path

import pandas as pd
import pytest

import optimizer
from optimizer.core.catalog import CatalogIndex, builtin_catalog
from optimizer.core.results import Plan, option_technology
from optimizer.core.schema import Economics
from optimizer.studies.sweep import SweepError, breakeven, run_sweep

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny.yaml"
E = 8766 / 1000 * 5 * 1.3 * 0.08  # USD per W over the horizon
ONE = optimizer.SolveOptions(threads=1)


def test_every_entry_point_takes_a_path(tmp_path: Path) -> None:
    plan = optimizer.solve(TINY, ONE)
    assert plan.objective == pytest.approx(34480 + 724 * E)  # 37780.22368
    assert optimizer.solve(str(TINY), ONE).objective == plan.objective
    assert optimizer.build_data(TINY).name == "tiny"
    plan.write(tmp_path / "plan")
    # the verifier: instance and plan each as a path, a Plan or a mapping
    assert optimizer.verify.check_plan(TINY, plan) == []
    assert optimizer.check_plan(str(TINY), tmp_path / "plan") == []
    assert optimizer.check_plan(TINY, tmp_path / "plan" / "plan.json") == []
    front = optimizer.pareto(TINY, points=2, options=ONE)
    assert front.points and front.points[0]["capex_usd"] == pytest.approx(34480)
    sweep = run_sweep(TINY, ["economics.electricity_usd_per_kwh=0.08,0.16"], options=ONE)
    assert list(sweep.table["tco_usd"]) == pytest.approx([34480 + 724 * E, 34480 + 724 * 2 * E])
    instance = optimizer.load_instance(TINY)
    found = breakeven(instance, "paths.gpu-gpu.max_latency_ns", 450, 520, "gpu-leaf", options=ONE, tol=0.5)
    assert len(found.flips) == 1 and found.flips[0].below <= 498 <= found.flips[0].above  # AOC fits from 498 ns
    with pytest.raises(optimizer.InstanceError, match="no such file"):
        optimizer.solve(tmp_path / "missing.yaml")
    with pytest.raises(TypeError, match="Instance or a path"):
        optimizer.solve(42)  # type: ignore[arg-type]


def test_with_changes_applies_the_path_language_and_validates() -> None:
    base = optimizer.load_instance(TINY)
    dearer = base.with_changes({"economics.electricity_usd_per_kwh": 0.16})
    assert optimizer.solve(dearer, ONE).objective == pytest.approx(34480 + 724 * 2 * E)  # 41080.44736
    factor = base.with_changes({"economics.electricity_usd_per_kwh": "x2", "catalog.sr-*.cost_usd": "x0.5"})
    assert factor.economics.electricity_usd_per_kwh == pytest.approx(0.16)
    assert sorted(t.cost_usd for t in factor.resolved_catalog.transceivers) == [250, 450]
    # sr-800 at 450: capex 8 x (900 + 10) + 20000 = 27280, TCO 27280 + 724 x 2e
    assert optimizer.solve(factor, ONE).objective == pytest.approx(27280 + 724 * 2 * E)
    relaxed = optimizer.with_changes(base, {"paths.gpu-gpu.max_latency_ns": 500, "objective": "capex"})
    plan = optimizer.solve(relaxed, ONE)
    assert plan.objective_mode == "capex" and plan.objective == pytest.approx(29600)  # 8 AOCs
    assert relaxed.source == base.source == str(TINY)
    by_path = optimizer.with_changes(TINY, {"economics.electricity_usd_per_kwh": 0.16})
    assert by_path == dearer and by_path.source == str(TINY)
    assert base.economics.electricity_usd_per_kwh == 0.08  # the base instance is untouched
    assert base.model_copy() == base  # a copy without changes stays a plain copy


def test_a_negative_price_is_an_input_error_through_every_edit_path() -> None:
    base = optimizer.load_instance(TINY)
    negative = "Input should be greater than or equal to 0"
    with pytest.raises(optimizer.InstanceError, match=negative):
        base.with_changes({"economics.electricity_usd_per_kwh": -5})
    with pytest.raises(optimizer.InstanceError, match=negative):
        base.with_changes({"economics.electricity_usd_per_kwh": "x-1"})
    with pytest.raises(optimizer.InstanceError, match=negative):
        base.model_copy(update={"economics": {"electricity_usd_per_kwh": -5}})
    with pytest.raises(optimizer.InstanceError, match=negative):  # the part itself refuses the copy
        base.economics.model_copy(update={"electricity_usd_per_kwh": -5})
    sneaked = Economics.model_construct(electricity_usd_per_kwh=-5.0, pue=1.3, years=5.0)
    with pytest.raises(optimizer.InstanceError, match=negative):  # a model object is validated again too
        base.model_copy(update={"economics": sneaked})
    with pytest.raises(optimizer.InstanceError, match=negative):
        base.with_changes({"economics": sneaked})
    sweep = run_sweep(base, ["economics.electricity_usd_per_kwh=-5,0.08"], options=ONE)
    assert list(sweep.table["status"]) == ["input_error", "optimal"]
    assert negative in sweep.table["message"].iloc[0]


def test_with_changes_reports_every_problem_at_once() -> None:
    base = optimizer.load_instance(TINY)
    with pytest.raises(optimizer.InstanceError) as caught:
        base.with_changes(
            {
                "economics.electricity_usd_per_kwhh": 0.1,  # a misspelt field
                "links.nope.length_m": 3,  # an id that matches nothing
                "economics.pue": 0.5,  # a value the format refuses (a PUE below 1)
                "nodes.leaf.count": 1.5,  # not a whole number
            }
        )
    found = {(i.where, i.message.split(" (")[0]) for i in caught.value.issues}
    assert all(i.file == str(TINY) for i in caught.value.issues)
    wheres = {w for w, _ in found}
    assert {"economics.electricity_usd_per_kwhh", "links.nope.length_m", "economics.pue"} <= wheres
    assert any(w.startswith("nodes[1].count") for w in wheres), found
    assert (
        "economics.electricity_usd_per_kwhh",
        "'electricity_usd_per_kwhh' is not a field of the economics section",
    ) in found


def test_a_bad_sweep_path_fails_before_any_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[object] = []
    results = tmp_path / "results.jsonl"
    for bad in (
        "economics.electricity_usd_per_kwhh=0.1:0.2:3",
        "links.gpu-leaf.lenght_m=5,10",
        "catalog.sr-800.cost=1",
    ):
        with pytest.raises(SweepError, match="is not a field of"):
            run_sweep(TINY, [bad], results_file=results, on_row=lambda *a: seen.append(a))
    with pytest.raises(SweepError, match="is not a field of"):
        breakeven(TINY, "economics.pu", 1.0, 2.0, "gpu-leaf")
    assert seen == [] and not results.exists()
    out = tmp_path / "sweep-out"
    from optimizer.cli import main

    args = ["sweep", str(TINY), "--set", "economics.electricity_usd_per_kwhh=0.1,0.2", "-q", "--out", str(out)]
    assert main(args) == 2
    assert "electricity_usd_per_kwhh" in capsys.readouterr().err
    assert not out.exists()  # no results file, no table, no plot


def test_workers_by_size() -> None:
    from optimizer.studies.executor import SMALL_RUN, auto_workers, default_workers

    assert auto_workers(1) == auto_workers(SMALL_RUN) == 1
    assert auto_workers(SMALL_RUN + 1) == max(1, min(default_workers(), SMALL_RUN + 1))


def test_sweep_rows_are_solved_by_this_process() -> None:
    rows: list[dict[str, object]] = []
    run_sweep(TINY, ["economics.pue=1.2,1.3"], options=ONE, on_row=lambda row, *_: rows.append(row))
    assert [str(r["worker"]).rsplit(":", 1)[1] for r in rows] == [str(os.getpid())] * 2
    rows.clear()
    run_sweep(TINY, ["economics.pue=1.2,1.3"], options=ONE, workers=None, on_row=lambda row, *_: rows.append(row))
    assert [str(r["worker"]).rsplit(":", 1)[1] for r in rows] == [str(os.getpid())] * 2  # a small run, by size


def half_aoc_at_most(model, data) -> None:  # type: ignore[no-untyped-def]
    """A user rule: AOC links at most half of each link group's links."""
    import pyomo.environ as pyo

    model.half_aoc = pyo.ConstraintList()
    for g in range(len(data.groups)):
        columns = [i for i in range(len(data.col_group)) if data.col_group[i] == g]
        aoc = [i for i in columns if data.col_option[i].id.startswith("aoc-")]
        if aoc:
            model.half_aoc.add(2 * sum(model.n[i] for i in aoc) <= sum(model.n[i] for i in columns))


def test_a_user_constraint_changes_the_optimum_as_computed_by_hand() -> None:
    relaxed = optimizer.load_instance(TINY).with_changes({"paths.gpu-gpu.max_latency_ns": 500})
    free = optimizer.solve(relaxed, ONE)
    assert free.objective == pytest.approx(29600 + 596 * E)  # 8 AOCs: 32316.75872
    assert free.solver["interface"] == "arrays" and "extend" not in free.solver
    ruled = optimizer.solve(relaxed, ONE, extend=half_aoc_at_most)
    # 4 AOCs + 4 sr-800 pairs (8 ports at 800G carry the 6400 Gb/s): capex 4 x 1200 + 4 x 1810 + 20000 = 32040,
    # power 4 x 12 + 4 x 28 + 500 = 660 W, TCO 32040 + 660 e = 35048.4912
    assert ruled.status == "optimal" and ruled.objective == pytest.approx(32040 + 660 * E)
    assert dict(zip(ruled.links["option"], ruled.links["count"], strict=True)) == {"aoc-800": 4, "sr-800+sr-800": 4}
    assert ruled.totals is not None and ruled.totals["power_w"] == pytest.approx(660)
    assert ruled.solver["interface"] == "pyomo-direct" and ruled.solver["extend"] == "half_aoc_at_most"
    assert optimizer.check_plan(relaxed, ruled) == []

    def budget(model, data) -> None:  # type: ignore[no-untyped-def]
        """A custom budget on optics alone: at most 12,000 USD of link options (AOCs cost 1,200, pairs 1,810)."""
        import pyomo.environ as pyo

        model.optics_budget = pyo.Constraint(
            expr=sum(data.col_option[i].cost_usd * model.n[i] for i in range(len(data.col_option))) <= 12000
        )

    # 8 links are needed; 8 AOCs cost 9,600 <= 12,000: the budget does not bind, the optimum stays
    assert optimizer.solve(relaxed, ONE, extend=budget).objective == pytest.approx(29600 + 596 * E)
    # on the base instance (AOC ruled out by latency) 8 pairs cost 14,480 > 12,000: no plan
    blocked = optimizer.solve(TINY, ONE, extend=budget)
    assert blocked.status == "infeasible" and any("extend=" in d and "budget" in d for d in blocked.diagnostics)


def test_a_written_plan_reads_back_equal_and_verifies(tmp_path: Path) -> None:
    instance = ROOT / "instances" / "reliability-pod-2k-800g.yaml"  # links, switches, reliability, spares, media
    plan = optimizer.solve(instance, ONE)
    plan.write(tmp_path / "plan")
    for source in (tmp_path / "plan", tmp_path / "plan" / "plan.json", str(tmp_path / "plan")):
        read = Plan.read(source)
        for table in ("links", "nodes", "paths", "bom"):
            pd.testing.assert_frame_equal(getattr(read, table), getattr(plan, table))
        assert read.totals == plan.totals and read.objective == plan.objective and read.status == plan.status
        assert read.to_dict() == plan.to_dict()
    loaded = optimizer.read_plan(tmp_path / "plan")
    assert loaded.reliability_rows is not None and plan.reliability_rows is not None
    pd.testing.assert_frame_equal(loaded.reliability_rows, plan.reliability_rows)
    assert optimizer.check_plan(instance, loaded) == []
    (tmp_path / "bad.json").write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a plan.json"):
        Plan.read(tmp_path / "bad.json")


def test_plan_tables_are_typed_and_links_name_their_technology() -> None:
    plan = optimizer.solve(ROOT / "instances" / "latency-cpo-1k.yaml", ONE)
    for table in (plan.links, plan.nodes, plan.paths, plan.bom):
        for name, dtype in table.dtypes.items():
            assert (
                dtype is not object
                and str(dtype) != "object"
                or name
                in (
                    "group",
                    "option",
                    "a",
                    "b",
                    "kind",
                    "technology",
                    "model",
                    "id",
                    "item",
                    "section",
                )
            ), name
    bom = plan.bom.set_index("item")
    assert str(bom["units"].dtype) == "Int64" and str(bom["modules"].dtype) == "Int64"
    media = bom[bom["section"] == "media"]
    assert media["units"].isna().all() and (media["length_m"] > 0).all()
    assert bom[bom["section"] != "media"]["length_m"].isna().all()
    # fibre metres: every pair link of a group carries its group's length
    pairs = plan.links[plan.links["kind"] == "pair"]
    assert media["length_m"].sum() == pytest.approx(float((pairs["count"] * pairs["length_m"]).sum()))
    assert set(plan.links["technology"]) <= {"cpo", "lpo", "lpo+cpo", "cpo+lpo", "dsp", "aoc", "dac", "acc", "aec"}
    index = CatalogIndex.of(optimizer.load_instance(TINY).resolved_catalog)
    assert option_technology(index, "sr-800+sr-800") == "dsp" and option_technology(index, "aoc-800") == "aoc"
    builtin = CatalogIndex.of(builtin_catalog())
    assert option_technology(builtin, "lpo-dr-800+cpo-dr-800") == "lpo+cpo"
    doc = plan.to_dict()
    assert all("technology" in row for row in doc["links"])
    assert all(row["units"] is None and row["length_m"] > 0 for row in doc["bom"] if row["section"] == "media")


def test_compare_puts_three_plans_side_by_side(tmp_path: Path) -> None:
    base = optimizer.load_instance(TINY)
    relaxed = base.with_changes({"paths.gpu-gpu.max_latency_ns": 500})
    pairs = optimizer.solve(base, ONE)
    aocs = optimizer.solve(relaxed, ONE)
    half = optimizer.solve(relaxed, ONE, extend=half_aoc_at_most)
    half.write(tmp_path / "half")
    table = optimizer.compare([pairs, aocs, tmp_path / "half"], names=["pairs", "aoc", "half"])
    assert list(table.columns) == ["pairs", "aoc", "half"]
    totals = table.loc["totals"].astype(float)
    assert list(totals.loc["tco_usd"]) == pytest.approx([34480 + 724 * E, 29600 + 596 * E, 32040 + 660 * E])
    mix = table.loc["mix"].astype(float)
    assert list(mix.loc["dsp"]) == [1.0, 0.0, 0.5] and list(mix.loc["aoc"]) == [0.0, 1.0, 0.5]
    links = table.loc["links"]
    assert list(links.loc["gpu-leaf"]) == ["sr-800+sr-800 x8", "aoc-800 x8", "aoc-800 x4 | sr-800+sr-800 x4"]
    assert list(table.loc["switches"].loc["leaf"]) == ["sw64 x1"] * 3
    assert list(table.loc["plan"].loc["status"]) == ["optimal"] * 3
    assert list(optimizer.compare([pairs, aocs]).columns) == ["tiny", "tiny (2)"]
    with pytest.raises(ValueError, match="names"):
        optimizer.compare([pairs, aocs], names=["one"])


def test_plots_return_figures_draw_into_axes_and_save_on_request(tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    from optimizer.plots import plot_plan, plot_sweep

    plan = optimizer.solve(TINY, ONE)
    figure = plot_plan(plan, TINY)  # the catalogue from the instance's path
    assert isinstance(figure, Figure) and len(figure.axes) == 2 and not list(tmp_path.iterdir())
    mine = Figure()
    axes = mine.subplots(1, 2)
    assert plot_plan(plan, optimizer.load_instance(TINY), ax=axes) is mine
    assert axes[1].get_title().startswith("capex by tier")
    with pytest.raises(ValueError, match="2 panel"):
        plot_plan(plan, TINY, ax=axes[0])
    sweep = run_sweep(TINY, ["economics.pue=1.2,1.4"], options=ONE)
    figure = plot_sweep(sweep, path=tmp_path / "sweep.png")  # a SweepResult carries its parameters
    assert isinstance(figure, Figure) and (tmp_path / "sweep.png").read_bytes()[:4] == b"\x89PNG"


def test_the_notebook_tour_runs(tmp_path: Path) -> None:
    tour = runpy.run_path(str(ROOT / "examples" / "notebook_tour.py"))
    out = tour["main"](tmp_path)
    base, dear, rule, loaded = out["base"], out["dear"], out["rule"], out["loaded"]
    assert base.status == dear.status == rule.status == "optimal"
    assert dear.objective > base.objective  # dearer electricity and AOCs
    assert rule.objective >= dear.objective  # one more rule never lowers the optimum
    for group, rows in rule.links.groupby("group"):
        aoc = rows[rows["technology"] == "aoc"]["count"].sum()
        assert 2 * aoc <= rows["count"].sum(), group
    for table in ("links", "nodes", "bom"):
        pd.testing.assert_frame_equal(getattr(loaded, table), getattr(rule, table))
    assert list(out["table"].columns) == ["base", "dear", "dear + rule"]
    assert (tmp_path / "rule.png").stat().st_size > 10_000
    shutil.rmtree(tmp_path / "rule")
