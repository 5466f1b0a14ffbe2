"""Pareto front: exact fronts of hand-made instances, dominance, per-point verification, CLI files."""

from __future__ import annotations

import json

import pytest
from helpers import INSTANCES, tiny_instance

import optimizer
from optimizer.cli import main
from optimizer.core.verify import check_plan
from optimizer.studies.pareto import non_dominated

OPTS = optimizer.SolveOptions(threads=1, mip_rel_gap=0.0, time_limit_s=30)


def trade_off(**overrides: object) -> optimizer.Instance:
    """8 links: an SR pair (28 W, 1,810 USD with 10 m of fibre) or an AOC (12 W, 2,500 USD) per link."""
    inst = tiny_instance(**overrides)
    for cable in inst["catalog"]["cables"]:
        if cable["id"] == "aoc-800":
            cable["cost_usd"] = 2500
    return optimizer.load_instance(inst)


def test_front_is_every_mix_of_two_options() -> None:
    front = optimizer.pareto(trade_off(), points=9, options=OPTS, keep_plans=True)
    # k AOC links of 8: power 500 + 8 x 28 - 16 k, capex 20,000 + 8 x 1,810 + 690 k; by increasing power
    expected = [(724 - 16 * k, 34480 + 690 * k) for k in range(8, -1, -1)]
    got = [(p["power_w"], p["capex_usd"]) for p in front.points]
    assert len(got) == len(expected)
    for pair, want in zip(got, expected, strict=True):  # pytest 9's approx takes no nested sequences
        assert pair == pytest.approx(want)
    assert [p["status"] for p in front.points] == ["optimal"] * 9
    assert front.points[0]["mix"] == "AOC 100%"
    assert front.points[-1]["mix"] == "DSP 100%"
    assert front.points[4]["share_aoc"] == pytest.approx(0.5)
    for p in front.points:  # every point is a real plan of the user's own instance, as the checker sees it
        assert check_plan(trade_off(), p["plan"]) == []
        if p["mode"] == "augmecon":  # interior points: min capex + w x power, and the plan says so
            assert p["plan"]["objective_weights"] == {"capex_usd": 1.0, "power_w": p["power_weight"]}
        assert p["gap"] is not None and p["gap"] <= 1e-9


def test_endpoints_are_lexicographic_optima() -> None:
    instance = trade_off()
    front = optimizer.pareto(instance, points=3, options=OPTS)
    min_power = optimizer.solve(instance, optimizer.SolveOptions(threads=1, mip_rel_gap=0, objective="power"))
    min_capex = optimizer.solve(instance, optimizer.SolveOptions(threads=1, mip_rel_gap=0, objective="capex"))
    assert front.points[0]["power_w"] == pytest.approx(min_power.totals["power_w"])
    assert front.points[-1]["capex_usd"] == pytest.approx(min_capex.totals["capex_usd"])
    assert len(front.points) == 3
    powers = [p["power_w"] for p in front.points]
    capexes = [p["capex_usd"] for p in front.points]
    assert powers == sorted(powers) and capexes == sorted(capexes, reverse=True)


def test_lexicographic_points_give_the_same_front() -> None:
    augmecon = optimizer.pareto(trade_off(), points=7, options=OPTS)
    lexicographic = optimizer.pareto(trade_off(), points=7, options=OPTS, lexicographic=True)
    assert len(augmecon.points) == 7
    kept, removed = non_dominated(augmecon.points)
    assert len(kept) == 7 and removed == []
    assert [(p["power_w"], p["capex_usd"]) for p in augmecon.points] == [
        (p["power_w"], p["capex_usd"]) for p in lexicographic.points
    ]
    assert {p["power_status"] for p in lexicographic.points} == {"optimal"}


def test_asking_for_more_points_than_exist_enumerates_the_whole_front() -> None:
    front = optimizer.pareto(trade_off(), points=12, options=OPTS)
    assert [p["power_w"] for p in front.points] == pytest.approx([596 + 16 * j for j in range(9)])
    assert front.solves < 3 * 12  # stopped because every interval was proven empty, not by the budget


def test_worker_processes_give_the_same_front() -> None:
    local = optimizer.pareto(trade_off(), points=5, options=OPTS)
    pool = optimizer.pareto(trade_off(), points=5, options=OPTS, workers=2)
    drop = ("solve_s",)
    assert [{k: v for k, v in p.items() if k not in drop} for p in local.points] == [
        {k: v for k, v in p.items() if k not in drop} for p in pool.points
    ]


def test_no_trade_off_gives_one_point() -> None:
    front = optimizer.pareto(optimizer.load_instance(tiny_instance()), points=5, options=OPTS)
    assert len(front.points) == 1  # the AOC is both cheaper and lower power here
    assert front.solves == 2


def test_non_dominated_filter() -> None:
    rows = [
        {"power_w": 10, "capex_usd": 5},
        {"power_w": 8, "capex_usd": 9},
        {"power_w": 10, "capex_usd": 6},
        {"power_w": 12, "capex_usd": 5},
        {"power_w": 8, "capex_usd": 9},
        {"power_w": 15, "capex_usd": 1},
    ]
    front, removed = non_dominated(rows)
    assert [(r["power_w"], r["capex_usd"]) for r in front] == [(8, 9), (10, 5), (15, 1)]
    assert len(removed) == 3


def test_infeasible_instance_gives_no_points() -> None:
    instance = trade_off(limits={"max_power_w": 100})
    front = optimizer.pareto(instance, points=4, options=OPTS)
    assert front.points == []
    assert {f["status"] for f in front.failed} == {"infeasible"}


def test_pareto_cli_writes_table_json_and_plot(tmp_path, capsys) -> None:
    out = tmp_path / "front"
    code = main(["pareto", str(INSTANCES / "superpod-su-256.yaml"), "--points", "5", "--out", str(out), "-q"])
    assert code == 0
    lines = (out / "pareto.csv").read_text().strip().splitlines()
    assert len(lines) == 6
    assert lines[0].startswith("point,eps_power_w,status,gap,power_status,power_gap,capex_usd,power_w")
    doc = json.loads((out / "pareto.json").read_text())
    assert len(doc["points"]) == 5 and all(p["status"] == "optimal" for p in doc["points"])
    png = (out / "pareto.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert "5 non-dominated points" in capsys.readouterr().out


def test_caps_already_answered_are_not_solved_and_every_later_solve_is_warm_started(monkeypatch) -> None:
    import optimizer.core.pipeline as pipeline

    calls: list[bool] = []
    real = pipeline.solve

    def spy(instance, options=None, mip_start=None):  # type: ignore[no-untyped-def]
        calls.append(mip_start is not None)
        return real(instance, options, mip_start=mip_start)

    monkeypatch.setattr(pipeline, "solve", spy)
    front = optimizer.pareto(trade_off(), points=12, options=OPTS)
    assert [p["power_w"] for p in front.points] == pytest.approx([596 + 16 * j for j in range(9)])
    # caps 677.5 and 630.9 of the even grid are proven by the solves at 689.1 (-> 676) and 642.5 (-> 628)
    assert front.skipped >= 2
    assert front.solver_runs == len(calls) == front.solves + 2  # endpoints: two MILPs each
    # endpoints' first stages start cold; every other solve gets a plan as its MIP start
    assert calls[0] is False and calls[2] is False and calls.count(False) == 2
