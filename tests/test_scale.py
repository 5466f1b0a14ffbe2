"""Scale: generated instances build and solve through the CLI (the 10k case is marked slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from benchmarks.generate import generate
from optimizer.cli import main
from optimizer.core.load import load_instance
from optimizer.core.verify import check_plan


def _solve_generated(tmp_path: Path, groups: int) -> dict:
    path = tmp_path / f"scale-{groups}.yaml"
    path.write_text(yaml.safe_dump(generate(groups, seed=1), sort_keys=False))
    assert main(["solve", str(path), "-q", "--out", str(tmp_path / "out"), "--time-limit", "300"]) == 0
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert check_plan(load_instance(path), plan) == []
    return plan


def test_generated_330_groups(tmp_path: Path) -> None:
    plan = _solve_generated(tmp_path, 300)
    assert plan["status"] == "optimal" and len({r["group"] for r in plan["links"]}) == 330


@pytest.mark.slow
def test_generated_10k_groups(tmp_path: Path) -> None:
    plan = _solve_generated(tmp_path, 10000)
    assert plan["status"] == "optimal" and len({r["group"] for r in plan["links"]}) == 10032
