"""The scale comparison: every variant and the CLI run, the floor checks the optimum, the tables read the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import INSTANCES

from benchmarks.harness import main, read_records
from benchmarks.scale import scale_table


def test_scale_run_records_every_variant_and_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "scale.jsonl"
    args = ["scale", "--sizes", "40", "--repeat", "2", "--cli-sizes", "0", "--no-linopy", "--out", str(out)]
    assert main([*args, "--cache-dir", str(tmp_path / "cache"), "--time-limit", "60"]) == 0
    records = read_records(out)
    kinds = [r["kind"] for r in records]
    assert kinds.count("planner-handoff") == kinds.count("floor-handoff") == 2
    assert kinds.count("cli") == 1  # size 40 is not among --cli-sizes: one CLI run, for the optimum check
    cli = next(r for r in records if r["kind"] == "cli")
    assert cli["status"] == "optimal" and cli["wall_s"] > cli["highs_s"] > 0
    assert next(r for r in records if r["kind"] == "floor-solve")["same_optimum_as_planner"] is True
    planner = [r for r in records if r["kind"] == "planner-handoff"]
    floor = [r for r in records if r["kind"] == "floor-handoff"]
    assert planner[0]["nonzeros"] == floor[0]["nonzeros"] and planner[0]["peak_handoff_mb"] > 0
    table = scale_table(records)
    assert "| 40 |" in table and "wall / HiGHS" in table


def test_linopy_peer_builds_the_same_milp() -> None:
    """linopy (optional: the ``bench`` extra) is fed the floor's blocks: same size, same optimum as the planner.
    The floor and the peer build the format-v1 model, so the library file goes without its compatibility rules."""
    pytest.importorskip("linopy")
    from benchmarks.floor import floor_arrays
    from benchmarks.linopy_peer import linopy_highs, linopy_model
    from optimizer.core.data import build_data
    from optimizer.core.io import read_document
    from optimizer.core.load import load_instance
    from optimizer.core.pipeline import solve
    from optimizer.core.solve import SolveOptions, _set_threads

    path = INSTANCES / "library" / "cpo-capped-16k-400g.yaml"
    document, _ = read_document(path)
    document.pop("compatibility", None)
    instance = load_instance(document, base_dir=path.parent)
    d = build_data(instance)
    h = linopy_highs(linopy_model(d))
    h.setOptionValue("output_flag", False)
    _set_threads(1)  # HiGHS's scheduler is process-wide: other tests may have sized it differently
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.run()
    floor = floor_arrays(d)
    assert (h.getNumCol(), h.getNumRow(), h.getNumNz()) == (
        len(floor["cost"]),
        len(floor["row_lower"]),
        len(floor["values"]),
    )
    plan = solve(instance, SolveOptions(threads=1, mip_rel_gap=1e-6))
    assert plan.status == "optimal"
    assert h.getInfo().objective_function_value == pytest.approx(plan.objective, rel=1e-5)
