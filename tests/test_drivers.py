"""Decision drivers: the uncertain figures that flip a plan's choices, with their break-evens."""

from __future__ import annotations

import copy
import json

import pytest
from helpers import ROOT

import optimizer
from optimizer.cli import main
from optimizer.core.io import read_document
from optimizer.studies.drivers import plan_drivers
from optimizer.studies.robustness import link_choices, switch_choices
from optimizer.studies.sweep import apply_overrides, breakeven

TWO = ROOT / "tests" / "data" / "robustness" / "two-options.yaml"


def two_options() -> dict:
    doc, issues = read_document(TWO)
    assert not issues
    return doc


def choices_at(doc: dict, path: str, value: float) -> tuple[dict, dict]:
    plan = optimizer.solve(optimizer.load_instance(apply_overrides(doc, {path: value}, {})))
    return link_choices(plan), switch_choices(plan)


def test_driver_breakeven_is_confirmed_by_solving_either_side() -> None:
    # Base plan: 4 x cab-a (1,000) + sw-a (5,000). cab-b costs 4 x x against 4 x 1,000: the choice flips at
    # x = 1,000 inside cab-b's range 800-1,300; sw-b (range 4,000-6,000) flips the switch at 5,000.
    doc = two_options()
    result = plan_drivers(doc, base_dir=TWO.parent)
    by_figure = {d.figure: d for d in result.drivers}
    assert set(by_figure) == {"catalog.cab-b.cost_usd", "catalog.sw-b.cost_usd"}
    cab = by_figure["catalog.cab-b.cost_usd"]
    assert (cab.kind, cab.group, cab.choice, cab.new_choice, cab.direction) == (
        "link",
        "gpu-leaf",
        "cab-a",
        "cab-b",
        "<",
    )
    assert cab.breakeven == pytest.approx(1000.0, abs=0.1) and cab.confirmed and not cab.robust
    sw = by_figure["catalog.sw-b.cost_usd"]
    assert (sw.group, sw.new_choice, sw.breakeven) == ("leaf", "sw-b", pytest.approx(5000.0, abs=0.3))
    # solve just above and just below each break-even: the choice flips between them
    links_above, _ = choices_at(doc, cab.figure, cab.breakeven * 1.001)
    links_below, _ = choices_at(doc, cab.figure, cab.breakeven * 0.999)
    assert links_above == {"gpu-leaf": "cab-a"} and links_below == {"gpu-leaf": "cab-b"}
    _, models_above = choices_at(doc, sw.figure, sw.breakeven * 1.001)
    _, models_below = choices_at(doc, sw.figure, sw.breakeven * 0.999)
    assert models_above == {"leaf": "sw-a"} and models_below == {"leaf": "sw-b"}
    # the existing break-even search agrees
    flips = breakeven(doc, cab.figure, 800, 1300, "gpu-leaf", base_dir=TWO.parent, tol=0.01).flips
    assert len(flips) == 1 and flips[0].value == pytest.approx(cab.breakeven, abs=0.1)
    assert "gpu-leaf: cab-a until catalog.cab-b.cost_usd < 1,000 (range 800-1,300), then cab-b: NOT robust" in [
        d.text() for d in result.drivers
    ]


def test_a_break_even_beyond_the_range_is_robust() -> None:
    # cab-b's range 1,010-1,300 stays above cab-a's 1,000: the choice holds over the whole range. One range
    # width below the adverse end (1,010 - (1,100 - 1,010) = 920) it has flipped, so the break-even (1,000)
    # is found beyond the range and the choice is robust.
    doc = two_options()
    doc["ranges"][1] = {"path": "catalog.cab-b.cost_usd", "low": 1010, "high": 1300}
    doc["ranges"][3] = {"path": "catalog.sw-b.cost_usd", "low": 1, "high": 1, "relative": True}
    result = plan_drivers(doc, base_dir=TWO.parent)
    [cab] = result.drivers
    assert cab.robust and cab.breakeven == pytest.approx(1000.0, abs=0.1) and cab.confirmed
    assert cab.text().endswith(": robust")


def test_the_screen_skips_figures_that_cannot_flip_a_choice() -> None:
    # cab-c at 5,000 USD has no range and no grade, so the EST default +-50 % applies: 2,500-7,500, never near
    # cab-a's 1,000 per link: the screen keeps it out, and no solve is spent on it.
    doc = two_options()
    extra = copy.deepcopy(doc["catalog"]["cables"][1])
    extra.update(id="cab-c", cost_usd=5000)
    doc["catalog"]["cables"].append(extra)
    result = plan_drivers(doc, base_dir=TWO.parent)
    assert "catalog.cab-c.cost_usd" not in result.screened
    assert "catalog.cab-b.cost_usd" in result.screened
    assert {d.figure for d in result.drivers} == {"catalog.cab-b.cost_usd", "catalog.sw-b.cost_usd"}


def test_cli_solve_drivers_writes_plan_json_and_csv(tmp_path, capsys) -> None:
    out = tmp_path / "plan"
    assert main(["solve", str(TWO), "--drivers", "--out", str(out), "-q"]) == 0
    text = capsys.readouterr().out
    assert "decision drivers (2 flip within their range)" in text
    plan = json.loads((out / "plan.json").read_text())
    assert {d["figure"] for d in plan["drivers"]} == {"catalog.cab-b.cost_usd", "catalog.sw-b.cost_usd"}
    assert (out / "drivers.csv").read_text().startswith("kind,group,choice,figure")
    assert main(["solve", str(TWO), "--out", str(out), "-q"]) == 0  # without --drivers: no drivers file
    assert not (out / "drivers.csv").exists() and "drivers" not in json.loads((out / "plan.json").read_text())


def test_a_price_break_even_is_certified_by_one_solve_at_the_crossing() -> None:
    # The objective is linear in a price and prices do not enter the constraints, so the optimum is a concave
    # function of cab-b's price. The base plan (4 x cab-a: 4,000 + sw-a 5,000 = 9,000) is optimal at 1,100; the
    # far solve (cab-b at 800 - (1,100 - 800) = 500) takes cab-b: 4 x 500 + 5,000 = 7,000. Their cost lines
    # 9,000 and 4x + 5,000 cross at x = 1,000, and one solve there (optimum 9,000, both plans) proves each plan
    # optimal on its side: 2 solves for cab-b, likewise for sw-b (far at 2,800; crossing 5,000): 4 in all.
    doc = two_options()
    result = plan_drivers(doc, base_dir=TWO.parent)
    assert result.solves == 4
    by_figure = {d.figure: d for d in result.drivers}
    cab = by_figure["catalog.cab-b.cost_usd"]
    assert cab.confirmed and cab.breakeven == pytest.approx(1000.0, abs=1e-6)
    assert cab.below < 1000.0 < cab.above
    # the certified bracket holds: cab-a just above the break-even, cab-b just below
    assert choices_at(doc, cab.figure, cab.above)[0] == {"gpu-leaf": "cab-a"}
    assert choices_at(doc, cab.figure, cab.below)[0] == {"gpu-leaf": "cab-b"}
    # a capex limit puts prices in a constraint: the optimum need not be concave in a price, no certificate;
    # the bracket is then solved on both sides (one solve per round: 2 rounds each, 6 solves in all), with the
    # same break-evens
    doc["limits"] = {"max_capex_usd": 1e9}
    capped = plan_drivers(doc, base_dir=TWO.parent)
    assert capped.solves == 6
    assert {d.figure: d.breakeven for d in capped.drivers} == pytest.approx(
        {"catalog.cab-b.cost_usd": 1000.0, "catalog.sw-b.cost_usd": 5000.0}, abs=0.5
    )
    assert all(d.confirmed for d in capped.drivers)


def test_a_cpo_switch_premium_is_screened_as_a_price() -> None:
    """A switch's premium is a price: cost_usd per unit of premium. sw-b (4,700 USD, premium 0.1: pays 5,170)
    loses to sw-a (5,000); with premium p sw-b pays 4,700 (1 + p), equal to 5,000 at p = 5,000 / 4,700 - 1 =
    0.063830 (hand), inside the range 0-0.3: below it the leaf takes sw-b."""
    doc = two_options()
    doc["catalog"]["switches"][1].update({"cost_usd": 4700, "cpo_premium_fraction": 0.1})
    doc["ranges"] = [
        r for r in doc["ranges"] if r["path"] not in ("catalog.sw-b.cost_usd", "catalog.cab-b.cost_usd")
    ] + [
        {"path": "catalog.sw-b.cost_usd", "low": 1, "high": 1, "relative": True, "source": "firm"},
        {"path": "catalog.cab-b.cost_usd", "low": 1, "high": 1, "relative": True, "source": "firm"},
        {"path": "catalog.sw-b.cpo_premium_fraction", "low": 0.0, "high": 0.3, "source": "test range"},
    ]
    result = plan_drivers(doc, base_dir=TWO.parent)
    by_figure = {d.figure: d for d in result.drivers}
    assert "catalog.sw-b.cpo_premium_fraction" in result.screened
    premium = by_figure["catalog.sw-b.cpo_premium_fraction"]
    assert (premium.group, premium.choice, premium.new_choice) == ("leaf", "sw-a", "sw-b")
    assert premium.breakeven == pytest.approx(5000 / 4700 - 1, abs=1e-4) and not premium.robust
    _, above = choices_at(doc, premium.figure, premium.breakeven + 1e-3)
    _, below = choices_at(doc, premium.figure, premium.breakeven - 1e-3)
    assert above == {"leaf": "sw-a"} and below == {"leaf": "sw-b"}
