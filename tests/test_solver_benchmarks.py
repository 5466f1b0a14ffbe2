"""The solver comparison of the benchmark harness (``benchmarks.solvers``): its statistics by hand, one real run."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from benchmarks.harness import main, read_records
from benchmarks.solvers import (
    disagreements,
    latest_runs,
    plot_profile,
    profile_ratios,
    shifted_geomean,
    solved_time,
    solver_table,
)
from benchmarks.suite import ROOT, SNDLIB, SUITES


def rec(instance: str, solver: str, status: str, objective: float | None, bound: float | None, t: float) -> dict:
    return {
        "instance": instance,
        "solver": solver,
        "variant": "planner",
        "status": status,
        "solver_objective": objective,
        "bound": bound,
        "gap": None if objective is None or bound is None else abs(objective - bound) / abs(objective),
        "solve_s": t,
        "solve_call_s": t + 0.5,
        "time_limit_s": 20.0,
        "mip_rel_gap": 1e-4,
        "verified": None if objective is None else True,
    }


def test_shifted_geometric_mean_by_hand() -> None:
    # shift 10: exp((ln(0 + 10) + ln(10 + 10)) / 2) - 10 = sqrt(10 x 20) - 10 = 4.1421356...
    assert shifted_geomean([0.0, 10.0]) == pytest.approx(math.sqrt(200) - 10)
    assert shifted_geomean([5.0]) == pytest.approx(5.0)
    # shift 1: sqrt((1 + 1)(7 + 1)) - 1 = 3
    assert shifted_geomean([1.0, 7.0], shift=1.0) == pytest.approx(3.0)
    assert math.isnan(shifted_geomean([]))


def test_unsolved_runs_count_as_the_time_limit() -> None:
    assert solved_time(rec("a", "x", "optimal", 1.0, 1.0, 3.0)) == 3.0
    assert solved_time(rec("a", "x", "feasible", 2.0, 1.0, 20.4)) == 20.0
    assert solved_time(rec("a", "x", "no_solution", None, None, 20.4)) == 20.0
    assert solved_time(rec("a", "x", "optimal", 1.0, 1.0, 3.0), "solve_call_s") == 3.5


def test_disagreements_flag_contradicting_optima_and_bounds() -> None:
    records = [
        rec("same", "p", "optimal", 1000.0, 1000.0, 1.0),
        rec("same", "q", "optimal", 1000.05, 1000.0, 1.0),  # 5e-5 apart: within the 1e-4 gap
        rec("apart", "p", "optimal", 1000.0, 1000.0, 1.0),
        rec("apart", "q", "optimal", 1001.0, 1001.0, 1.0),  # 1e-3 apart: one of them is wrong
        rec("bound", "p", "feasible", 1100.0, 1050.0, 20.0),
        rec("bound", "q", "feasible", 1040.0, 900.0, 20.0),  # p's bound 1050 is above q's plan 1040
    ]
    found = disagreements(latest_runs(records))
    assert len(found) == 3
    assert any(d.startswith("apart: p optimal at 1,000 but q optimal at 1,001") for d in found)
    assert "bound: p's bound 1,050 is above q's plan 1,040" in found
    assert "apart: q's bound 1,001 is above p's plan 1,000" in found
    assert not any(d.startswith("same") for d in found)


def test_table_counts_times_and_gaps() -> None:
    records = [
        rec("a", "p", "optimal", 10.0, 10.0, 0.0),
        rec("b", "p", "feasible", 100.0, 90.0, 20.0),  # gap 10 %
        rec("a", "q", "optimal", 10.0, 10.0, 10.0),
        rec("b", "q", "no_solution", None, None, 20.0),
    ]
    table = solver_table(records)
    # p: times 0 (optimal) and 20 (the limit): sqrt(10 x 30) - 10 = 7.32; q: 10 and 20: sqrt(20 x 30) - 10 = 14.49
    assert "| p | - | 1 | 1 | 0 | 0 | 7.32 |" in table
    assert "| q | - | 1 | 0 | 1 | 0 | 14.49 |" in table
    assert "| 10.00% | 10.00% | 2 | 0 |" in table
    assert "Disagreements between solvers: none." in table


def test_profile_ratios_by_hand(tmp_path: Path) -> None:
    records = [
        rec("a", "p", "optimal", 1.0, 1.0, 1.0),
        rec("a", "q", "optimal", 1.0, 1.0, 3.0),
        rec("b", "p", "feasible", 2.0, 1.0, 20.0),
        rec("b", "q", "optimal", 1.0, 1.0, 4.0),
    ]
    ratios = profile_ratios(latest_runs(records))
    assert ratios == {"p": [1.0, math.inf], "q": [3.0, 1.0]}
    png = plot_profile(records, tmp_path / "profile.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_suites_hold_the_library_and_the_shipped_sndlib_problems() -> None:
    names = {e["name"] for e in SNDLIB}
    assert "abilene--D-B-M-N-C-A-N-N" in names and "germany50--D-B-M-N-C-A-N-N" in names
    assert len(names) == len(list((ROOT / "instances" / "sndlib").glob("*/models/*-N-C-A-N-N.txt")))
    assert SUITES["solvers"][-len(SNDLIB) :] == SNDLIB


def test_run_with_solvers_in_fresh_processes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "runs.jsonl"
    suite = tmp_path / "suite.yaml"
    suite.write_text("one: [{name: tiny, file: instances/tiny.yaml}]\n", encoding="utf-8")
    code = main(
        [
            "run",
            "--suite-file",
            str(suite),
            "--suite",
            "one",
            "--solvers",
            "highs",
            "--time-limit",
            "20",
            "--out",
            str(out),
            "--png",
            str(tmp_path / "p.png"),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    (r,) = read_records(out)
    assert r["solver"] == "highs" and r["status"] == "optimal" and r["verified"] is True
    assert r["solver_objective"] == pytest.approx(37780.22368, rel=1e-9)  # tiny's hand-computed optimum
    assert "| highs | 1.16" in text and (tmp_path / "p.png").exists()


def test_run_with_an_unknown_solver_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--suite", "smoke", "--solvers", "glop", "--out", str(tmp_path / "x.jsonl")]) == 2
    assert "unknown solver 'glop'" in capsys.readouterr().err
