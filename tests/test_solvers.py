"""Solvers other than HiGHS (``SolveOptions.solver`` / ``--solver``): the same optimum, the same contract.

SCIP (pyscipopt, in the ``test`` extra) and CBC (the ``cbc`` executable; ``.ci/run`` installs it) are
exercised on small hand-checkable instances. A solver's tests are skipped only when it is absent and
the ``CI`` environment variable is unset: under CI a missing solver fails them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hard_instance import hard_routed_instance
from helpers import E_PER_W, INSTANCES, solve_verified
from test_routing import TRIANGLE, net

import optimizer
from optimizer.cli import main
from optimizer.core import solvers
from optimizer.core.solve import SolveOptions, SolveStatus
from optimizer.core.verify import check_plan
from optimizer.errors import SolverUnavailableError

TESTED = ["scip", "cbc"]


def need(name: str) -> None:
    """Skip unless solver ``name`` is installed; under CI its absence is a failure."""
    problem = solvers.unavailable(name)
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must have solver {name!r}: {problem}")
    pytest.skip(problem)


@pytest.fixture(params=TESTED)
def solver(request: pytest.FixtureRequest) -> str:
    need(request.param)
    return str(request.param)


def test_tiny_same_optimum_as_highs(solver: str) -> None:
    # 8 x sr-800+sr-800 links: capex 34,480 USD, power 724 W; TCO = 34,480 + 724 x 4.55832 = 37,780.22368
    assert pytest.approx(37780.22368, rel=1e-12) == 34480 + 724 * E_PER_W
    highs = solve_verified(optimizer.load_instance(INSTANCES / "tiny.yaml"))
    plan = solve_verified(optimizer.load_instance(INSTANCES / "tiny.yaml"), solver=solver)
    assert plan.status == "optimal" == highs.status
    assert plan.objective == pytest.approx(37780.22368, rel=1e-9) == highs.objective
    assert plan.bound == pytest.approx(plan.objective, rel=1e-9)
    assert plan.links.option.tolist() == ["sr-800+sr-800"] and plan.links["count"].tolist() == [8]
    assert plan.solver["name"] == solver and plan.solver["version"] not in ("", "unknown")
    assert plan.solver["interface"] == f"pyomo-{solvers.SOLVERS[solver].interface}"


def test_loose_latency_budget_same_choice_as_highs(solver: str) -> None:
    """A 498 ns budget lets the cheaper AOC through (optimum 32,316.75872, as test_known_optimum has it)."""
    inst = optimizer.load_instance(INSTANCES / "tiny.yaml")
    loose = inst.model_copy(update={"paths": [inst.paths[0].model_copy(update={"max_latency_ns": 498})]})
    loose._source = inst.source
    plan = solve_verified(loose, solver=solver)
    assert plan.objective == pytest.approx(32316.75872, rel=1e-9)
    assert plan.links.option.tolist() == ["aoc-800"]


def test_latency_cpo_instance_same_optimum_as_highs(solver: str) -> None:
    inst = optimizer.load_instance(INSTANCES / "latency-cpo-1k.yaml")
    highs = solve_verified(inst)
    plan = solve_verified(inst, solver=solver)
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(highs.objective, rel=1e-9)
    # the 2,700 ns budget needs linear optics; at parity engine prices and a 10 % CPO premium they are LPO
    # modules in pluggable th5 leaves (instances/README.md, bundled instances)
    assert plan.nodes.set_index("group").loc["leaf", "model"] == highs.nodes.set_index("group").loc["leaf", "model"]
    assert plan.nodes.set_index("group").loc["leaf", "model"] == "th5"


def test_routed_triangle_hand_optimum(solver: str) -> None:
    """300 Gb/s A->C: 3 x c100 on AC (3 x 10 = 30 USD) beats 2 x c400 via B (2 x 30 = 60 USD)."""
    plan = solve_verified(net(TRIANGLE, [{"id": "d", "src": "A", "dst": "C", "gbps": 300}]), solver=solver)
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(30.0)
    assert set(plan.flows["group"]) == {"AC"}
    # a 100 ns budget rules out c100 (1,000 ns): 2 x c400 via B, 60 USD
    budget = {"id": "d", "src": "A", "dst": "C", "gbps": 300, "max_latency_ns": 100}
    assert solve_verified(net(TRIANGLE, [budget]), solver=solver).objective == pytest.approx(60.0)


def test_infeasible_is_infeasible_with_the_same_relaxation(solver: str) -> None:
    """A 100 W power cap under tiny's cheapest-power plan: infeasible, and the elastic model (solved by the
    same solver) asks for the same cap as under HiGHS."""
    doc = optimizer.read_document(INSTANCES / "tiny.yaml")[0]
    doc["limits"] = {**(doc.get("limits") or {}), "max_power_w": 100}
    inst = optimizer.load_instance(doc)
    highs = optimizer.solve(inst, SolveOptions(threads=1))
    plan = optimizer.solve(inst, SolveOptions(threads=1, solver=solver))
    assert highs.status == plan.status == SolveStatus.INFEASIBLE
    assert plan.objective is None and plan.bound is None
    wanted = {(r.limit, r.id): r.needed for r in highs.relaxations}
    got = {(r.limit, r.id): r.needed for r in plan.relaxations}
    assert wanted and got.keys() == wanted.keys()
    for key, needed in wanted.items():
        assert got[key] == pytest.approx(needed, rel=1e-6)
    assert check_plan(inst, plan.to_dict()) == []


def test_time_limit_keeps_an_incumbent_or_says_no_solution(solver: str) -> None:
    """A routed network HiGHS needs minutes for, with 2 s: never an error, never a plan the verifier rejects."""
    inst = optimizer.load_instance(hard_routed_instance(nodes=24))
    plan = optimizer.solve(inst, SolveOptions(threads=1, time_limit_s=2.0, solver=solver))
    assert plan.status in (SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION, SolveStatus.OPTIMAL)
    if plan.status == SolveStatus.FEASIBLE:
        assert plan.solver["message"].startswith("stopped: ")
        assert plan.objective is not None and plan.bound is not None and plan.bound <= plan.objective * (1 + 1e-9)
        assert plan.gap is not None and plan.gap >= 0
    assert check_plan(inst, plan.to_dict()) == []


def test_cli_solve_with_solver_writes_the_plan(solver: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["solve", str(INSTANCES / "tiny.yaml"), "--solver", solver, "--threads", "1", "-q", "--out", str(tmp_path)]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["status"] == "optimal" and plan["solver"]["name"] == solver
    assert plan["objective"] == pytest.approx(37780.22368, rel=1e-9)
    inst = optimizer.load_instance(INSTANCES / "tiny.yaml")
    assert check_plan(inst, plan) == []
    title = {"scip": "SCIP", "cbc": "CBC"}[solver]
    assert f"{title} " in text


def test_pareto_front_same_as_highs(solver: str) -> None:
    inst = optimizer.load_instance(INSTANCES / "tiny.yaml")
    base = optimizer.pareto(inst, 3, options=SolveOptions(threads=1, mip_rel_gap=0.0))
    other = optimizer.pareto(inst, 3, options=SolveOptions(threads=1, mip_rel_gap=0.0, solver=solver))
    assert [(round(p["capex_usd"], 6), round(p["power_w"], 6)) for p in other.points] == [
        (round(p["capex_usd"], 6), round(p["power_w"], 6)) for p in base.points
    ]


# ------------------------------------------------------------------------------ a solver that is not here


@pytest.mark.parametrize(
    ("name", "hint"),
    [("scip", "pip install pyscipopt"), ("cbc", "apt-get install coinor-cbc"), ("gurobi", "pip install gurobipy")],
)
def test_missing_solver_is_a_clear_error(
    name: str, hint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(solvers, "_module_found", lambda _m: False)
    monkeypatch.setattr(solvers.shutil, "which", lambda _x: None)
    inst = optimizer.load_instance(INSTANCES / "tiny.yaml")
    with pytest.raises(SolverUnavailableError, match=hint):
        optimizer.solve(inst, SolveOptions(solver=name))
    for command in (
        ["solve", str(INSTANCES / "tiny.yaml"), "-q", "--out", str(tmp_path / "out")],
        ["pareto", str(INSTANCES / "tiny.yaml"), "--points", "2", "--out", str(tmp_path / "front"), "--no-plot"],
        ["sweep", str(INSTANCES / "tiny.yaml"), "--set", "economics.electricity_usd_per_kwh=0.1", "--workers", "1"],
    ):
        code = main([*command, "--solver", name])
        err = capsys.readouterr().err
        assert code == 2, err
        assert hint in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "front").exists()


def test_unknown_solver_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="solver must be one of highs, scip, cbc, gurobi, cplex, got 'glop'"):
        SolveOptions(solver="glop")
    assert main(["solve", str(INSTANCES / "tiny.yaml"), "--solver", "glop"]) == 2
    assert "'glop' is not one of" in capsys.readouterr().err


def test_highs_needs_no_check_and_others_name_their_install() -> None:
    assert solvers.unavailable("highs") is None
    for name, spec in solvers.SOLVERS.items():
        assert spec.install, name
    assert solvers.SOLVER_NAMES[0] == "highs" and SolveOptions().solver == "highs"


def test_sweep_spec_names_its_solver(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "spec.yaml"
    body = f"instance: {INSTANCES / 'tiny.yaml'}\nparameters: {{economics.electricity_usd_per_kwh: [0.1]}}\n"
    spec.write_text(body + "solve: {solver: glop}\n", encoding="utf-8")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "a"), "-q", "--no-plot", "--workers", "1"]) == 2
    assert "solve.solver: expected one of highs, scip, cbc, gurobi, cplex, got 'glop'" in capsys.readouterr().err
    need("cbc")
    used: list[str] = []
    real = solvers.solve_pyomo
    monkeypatch.setattr(solvers, "solve_pyomo", lambda m, o, *a: used.append(o.solver) or real(m, o, *a))
    spec.write_text(body + "solve: {solver: cbc, threads: 1}\n", encoding="utf-8")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "b"), "-q", "--no-plot", "--workers", "1"]) == 0
    rows = [json.loads(line) for line in (tmp_path / "b" / "results.jsonl").read_text().splitlines()]
    assert [r["status"] for r in rows] == ["optimal"] and used == ["cbc"]
