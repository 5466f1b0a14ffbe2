"""Robust plans over price scenarios: min-max regret, worst-case and expected cost, checked by hand and by
re-solving every scenario; scenarios that change a row are refused.

The instance (examples/robust-four-cables.yaml): one 800G link from one NIC port to one switch
(1,000 USD, fixed count 1), objective capex, four cables. The plan is the switch plus one cable (one
link, a whole number: no mixing), so a plan's cost in a scenario is 1,000 + that cable's price.

    cable   base   s1    s2     regret s1/s2 (opt s1 = 1,100 with cab-a, opt s2 = 1,300 with cab-b)
    cab-a   120    100   500      0 / 200   -> max 200
    cab-b   320    300   300    200 /   0   -> max 200
    cab-c   210    200   380    100 /  80   -> max 100   <- min-max regret
    cab-d   160    150   420     50 / 120   -> max 120

Base optimum: cab-a (120 is the cheapest base price); its worst regret is 200.
Worst case: cab-a 1,500, cab-b 1,300, cab-c 1,380, cab-d 1,420 -> cab-b, 1,300.
Expected, p = 0.5/0.5: cab-a 1,300, cab-b 1,300, cab-c 1,290, cab-d 1,285 -> cab-d, 1,285.
Expected, p = 0.8/0.2: cab-a 0.8 x 1,100 + 0.2 x 1,500 = 1,180; cab-b 1,300; cab-c 0.8 x 1,200 + 0.2 x 1,380
= 1,236; cab-d 0.8 x 1,150 + 0.2 x 1,420 = 1,204 -> cab-a, 1,180.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import INSTANCES, ROOT

import optimizer
from optimizer.cli import main
from optimizer.core.io import read_document
from optimizer.core.verify import check_plan, plan_objective
from optimizer.errors import InstanceError
from optimizer.studies.robust import read_scenarios, robust_plan, scenarios_from
from optimizer.studies.sweep import apply_overrides

FILE = ROOT / "examples" / "robust-four-cables.yaml"
OPTIONS = optimizer.SolveOptions(threads=1, mip_rel_gap=0.0, time_limit_s=60)


def prices(name: str, a: float, b: float, c: float, d: float, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "catalog.cab-a.cost_usd": a,
        "catalog.cab-b.cost_usd": b,
        "catalog.cab-c.cost_usd": c,
        "catalog.cab-d.cost_usd": d,
        **extra,
    }


S1 = prices("s1", 100, 300, 200, 150)
S2 = prices("s2", 500, 300, 380, 420)


def cable(plan: optimizer.Plan) -> str:
    (option,) = plan.links["option"].tolist()
    return str(option)


def test_min_max_regret_plan_differs_from_the_base_plan_and_every_scenario_is_resolved() -> None:
    result = robust_plan(FILE, [S1, S2], OPTIONS, "regret")
    assert result.status == "optimal" and result.verified
    assert cable(result.plan) == "cab-c" and cable(result.base_plan) == "cab-a"
    s = result.summary
    assert s["worst_regret_usd"] == pytest.approx(100.0)  # cab-c: max(1,200 - 1,100, 1,380 - 1,300)
    assert s["base_worst_regret_usd"] == pytest.approx(200.0)  # cab-a: 1,500 - 1,300 in s2
    assert s["robust_objective"] == pytest.approx(100.0)  # the MILP's R
    assert s["worst_regret_usd"] <= s["base_worst_regret_usd"]
    assert not s["same_as_base"]
    assert s["changes"] == [{"group": "gpu-leaf", "base": "cab-a x1", "robust": "cab-c x1"}]
    rows = result.table.set_index("scenario")
    assert rows.loc["s1", "optimum_usd"] == 1100.0 and rows.loc["s2", "optimum_usd"] == 1300.0
    assert rows["robust_regret_usd"].tolist() == [100.0, 80.0]
    assert rows["base_regret_usd"].tolist() == [0.0, 200.0]

    # independently: solve every scenario alone again and re-price both plans with the verifier
    document, _ = read_document(FILE)
    base = optimizer.load_instance(FILE)
    assert check_plan(base, result.plan.to_dict()) == []
    regrets, base_regrets = [], []
    for scenario in (S1, S2):
        overrides = {k: v for k, v in scenario.items() if k != "name"}
        instance = optimizer.load_instance(apply_overrides(document, overrides, {}, FILE.parent), base_dir=FILE.parent)
        optimum = optimizer.solve(instance, OPTIONS).objective
        regrets.append(plan_objective(instance, result.plan.to_dict()) - optimum)
        base_regrets.append(plan_objective(instance, result.base_plan.to_dict()) - optimum)
    assert max(regrets) == pytest.approx(100.0) and max(base_regrets) == pytest.approx(200.0)


def test_worst_case_and_expected_criteria_by_hand() -> None:
    worst = robust_plan(FILE, [S1, S2], OPTIONS, "worst")
    assert cable(worst.plan) == "cab-b" and worst.summary["worst_usd"] == pytest.approx(1300.0)
    assert worst.summary["base_worst_usd"] == pytest.approx(1500.0) and worst.verified
    even = robust_plan(FILE, [S1, S2], OPTIONS, "expected")
    assert cable(even.plan) == "cab-d" and even.summary["expected_usd"] == pytest.approx(1285.0)
    assert even.summary["base_expected_usd"] == pytest.approx(1300.0) and even.verified
    skewed = robust_plan(FILE, [{**S1, "probability": 0.8}, {**S2, "probability": 0.2}], OPTIONS, "expected")
    assert cable(skewed.plan) == "cab-a" and skewed.summary["expected_usd"] == pytest.approx(1180.0)
    assert skewed.table["probability"].tolist() == [0.8, 0.2]


def test_factors_and_the_builtin_catalogue_on_a_library_file() -> None:
    """Globs and factors on built-in entries (copied into an inline catalogue, so the options are derived in
    another order): the scenarios are matched column by column, not refused, and both plans verify."""
    file = INSTANCES / "library" / "rail-fat-tree-1k-800g.yaml"
    scenarios = [
        {"catalog.cpo-*.cost_usd": "x0.5", "catalog.lpo-*.cost_usd": "x1.5"},
        {"economics.electricity_usd_per_kwh": 0.2, "catalog.dr8-800.cost_usd": "x0.6"},
    ]
    result = robust_plan(file, scenarios, optimizer.SolveOptions(threads=1), "regret")
    assert result.status == "optimal" and result.verified, result.violations + result.mismatches
    s = result.summary
    assert s["worst_regret_usd"] <= s["base_worst_regret_usd"] + 1e-6
    assert result.table["scenario"].tolist() == ["s1", "s2"]
    assert result.table["catalog.cpo-*.cost_usd"].tolist()[0] == "x0.5"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"links.gpu-leaf.demand_gbps": 400}, "rows capacity"),  # a demand: a row's bound
        ({"nodes.gpu.count": 2}, "changes a row"),  # a count
    ],
)
def test_a_scenario_that_changes_a_row_is_refused(change: dict[str, Any], expected: str) -> None:
    with pytest.raises(InstanceError) as info:
        robust_plan(FILE, [S1, {**S2, **change}], OPTIONS, "regret", scenarios_file="scen.yaml")
    (issue,) = info.value.issues
    assert issue.file == "scen.yaml" and issue.where == "scenarios[1] (s2)"
    assert expected in issue.message and "copy of the rows" in issue.message


def test_a_price_under_a_capex_cap_changes_a_row(tmp_path: Path) -> None:
    document, _ = read_document(FILE)
    capped = tmp_path / "capped.yaml"
    capped.write_text(yaml.safe_dump({**document, "limits": {"max_capex_usd": 5000}}), encoding="utf-8")
    with pytest.raises(InstanceError) as info:
        robust_plan(capped, [S1, S2], OPTIONS)
    assert [i.where for i in info.value.issues] == ["scenarios[0] (s1)", "scenarios[1] (s2)"]
    assert all("the rows limits_" in i.message for i in info.value.issues)
    # power is not capped, so a power figure changes only the objective (tco) and is accepted
    powered = robust_plan(FILE, [{"catalog.cab-c.power_w": 30}, {}], optimizer.SolveOptions(threads=1, objective="tco"))
    assert powered.status == "optimal" and powered.verified


def test_scenario_file_problems_are_listed_at_once(tmp_path: Path) -> None:
    with pytest.raises(InstanceError) as info:
        scenarios_from(
            [
                {"name": "a", "probability": 0.5, "catalog.cab-a.cost_usd": "cheap"},
                {"name": "a", "pue": 1.2},
                {"probability": 1.5, "economics.pue": True},
                "not a mapping",
            ],
            "scen.yaml",
        )
    where = sorted(i.where for i in info.value.issues)
    assert where == sorted(
        [
            "scenarios[0].catalog.cab-a.cost_usd",
            "scenarios[1].pue",
            "scenarios[2].probability",
            "scenarios[2].economics.pue",
            "scenarios[3]",
            "scenarios[1].name",
            "probability",
        ]
    )
    with pytest.raises(InstanceError, match="sum to 0.9"):
        scenarios_from([{"probability": 0.4}, {"probability": 0.5}])
    assert scenarios_from({"scenarios": [{"economics.pue": "x1.1"}]})[0].relative == {"economics.pue": True}
    path = tmp_path / "s.json"
    path.write_text('[{"name": "only", "economics.pue": 1.4}]', encoding="utf-8")
    assert [(s.name, s.overrides) for s in read_scenarios(path)] == [("only", {"economics.pue": 1.4})]
    with pytest.raises(InstanceError, match="no links entry"):
        robust_plan(FILE, [{"links.nowhere.length_m": 3}], OPTIONS)


def test_cli_writes_the_plan_and_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = ROOT / "examples" / "robust-four-cables-scenarios.yaml"
    assert yaml.safe_load(example.read_text(encoding="utf-8")) == [S1, S2]
    out = tmp_path / "out"
    code = main(["robust", str(FILE), "--scenarios", str(example), "--gap", "0", "--out", str(out), "-q"])
    text = capsys.readouterr().out
    assert code == 0
    assert "worst regret: robust plan 100.00, base plan 200.00" in text
    assert (out / "plan.json").exists() and (out / "base-plan" / "plan.json").exists()
    table = (out / "robust.csv").read_text(encoding="utf-8").splitlines()
    assert table[0].endswith("status,optimum_usd,robust_usd,robust_regret_usd,base_usd,base_regret_usd")
    assert table[1].endswith("optimal,1100.0,1200.0,100.0,1100.0,0.0")
    assert table[2].endswith("optimal,1300.0,1380.0,80.0,1500.0,200.0")
    base = optimizer.load_instance(FILE)
    import json

    assert check_plan(base, json.loads((out / "plan.json").read_text(encoding="utf-8"))) == []
    scen = tmp_path / "scen.yaml"
    scen.write_text(yaml.safe_dump([S1, {**S2, "links.gpu-leaf.demand_gbps": 400}]), encoding="utf-8")
    code = main(["robust", str(FILE), "--scenarios", str(scen), "--out", str(tmp_path / "x"), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and f"{scen}: scenarios[1] (s2): changes a row of the model" in err


@pytest.mark.slow
def test_workers_give_the_same_table() -> None:
    one = robust_plan(FILE, [S1, S2], OPTIONS, workers=1)
    two = robust_plan(FILE, [S1, S2], OPTIONS, workers=2)
    assert one.table.to_csv(index=False) == two.table.to_csv(index=False)


def test_the_benchmark_scenarios_are_seeded_and_the_example_file_is_theirs() -> None:
    from benchmarks.robust import price_scenarios

    assert price_scenarios(3, seed=1) == price_scenarios(3, seed=1) != price_scenarios(3, seed=2)
    example = yaml.safe_load((ROOT / "examples" / "robust-prices-16k.yaml").read_text(encoding="utf-8"))
    assert example == price_scenarios(20, seed=0)
    assert len(scenarios_from(example)) == 20


def test_an_infeasible_instance_has_no_robust_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """1,600 Gb/s over one 800G NIC port: no plan at base prices, so none in any scenario (the rows are shared)."""
    document, _ = read_document(FILE)
    document["links"][0]["demand_gbps"] = 1600
    infeasible = tmp_path / "infeasible.yaml"
    infeasible.write_text(yaml.safe_dump(document), encoding="utf-8")
    result = robust_plan(infeasible, [S1, S2], OPTIONS)
    assert result.status == "infeasible" and result.plan is None and not result.verified
    assert "base instance has no plan" in result.message
    scen = ROOT / "examples" / "robust-four-cables-scenarios.yaml"
    out = tmp_path / "out"
    assert main(["robust", str(infeasible), "--scenarios", str(scen), "--out", str(out), "-q"]) == 3
    assert "base instance has no plan" in capsys.readouterr().err
    assert (out / "robust.json").exists() and not (out / "plan.json").exists()
