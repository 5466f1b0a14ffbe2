"""In-process CLI tests (``optimizer.cli.main``): exit codes, files written, summary content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from helpers import INSTANCES, tiny_instance

from optimizer.cli import main
from optimizer.core.load import load_instance
from optimizer.core.verify import check_plan


def test_solve_writes_contract_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["solve", str(INSTANCES / "tiny.yaml"), "--out", str(out), "--threads", "1", "-q"])
    assert code == 0
    text = capsys.readouterr().out
    assert "status optimal" in text and "sr-800+sr-800" in text and "gpu-gpu" in text
    assert sorted(p.name for p in out.iterdir()) == ["bom.csv", "links.csv", "nodes.csv", "paths.csv", "plan.json"]
    plan = json.loads((out / "plan.json").read_text())
    assert plan["format"] == "optimizer-plan/1" and plan["status"] == "optimal"
    assert set(plan["totals"]) >= {
        "capex_usd",
        "power_w",
        "energy_usd",
        "tco_usd",
        "optics_power_w",
        "switch_power_w",
        "optics_capex_usd",
        "switch_capex_usd",
    }
    assert {"name", "version", "time_limit_s", "mip_rel_gap", "threads", "build_s", "solve_s"} <= set(plan["solver"])
    assert check_plan(load_instance(INSTANCES / "tiny.yaml"), plan) == []


def test_solve_json_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(INSTANCES / "tiny.yaml"), "--json", "--threads", "1"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["objective"] == pytest.approx(37780.22368)


def test_objective_override(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(INSTANCES / "tiny.yaml"), "--json", "--objective", "capex", "--threads", "1"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["objective_mode"] == "capex" and plan["objective"] == pytest.approx(34480)


def test_infeasible_exit_3_still_writes_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inst = tiny_instance(paths=[{"id": "rt", "via": ["gpu", "leaf", "gpu"], "max_latency_ns": 250}])
    path = tmp_path / "infeasible.yaml"
    path.write_text(yaml.safe_dump(inst))
    code = main(["solve", str(path), "--out", str(tmp_path / "o"), "-q", "--threads", "1"])
    assert code == 3
    text = capsys.readouterr().out
    assert "status infeasible" in text and "latency lower bound 304" in text
    plan = json.loads((tmp_path / "o" / "plan.json").read_text())
    assert plan["status"] == "infeasible" and plan["totals"] is None and plan["links"] == []
    assert plan["objective"] is None and plan["diagnostics"]


def test_invalid_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("schema_version: 1\nname: x\nnodes: []\nlinks: []\n")
    assert main(["validate", str(path)]) == 2
    assert "nodes" in capsys.readouterr().err


def test_missing_file_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", "does-not-exist.yaml"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(INSTANCES / "tiny.yaml"), "--gap", "-1"]) == 2


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(INSTANCES / "superpod-su-256.yaml")]) == 0
    assert "valid" in capsys.readouterr().out


def test_schema_matches_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads((INSTANCES / "schema.json").read_text())


def test_catalog_lists_sources_and_filters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--json", "--type", "transceivers", "--speed", "800"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["section"] == "transceivers" and r["speed_gbps"] == 800 for r in rows)
    assert all(r["source"] and r["pj_per_bit"] > 0 for r in rows)
    assert main(["catalog"]) == 0
    assert "qm9700" in capsys.readouterr().out


def test_time_limit_without_incumbent_maps_to_exit_4_or_plan(tmp_path: Path) -> None:
    # a 1e-9 s limit: HiGHS stops at once; either it still found the trivial optimum in presolve
    # (exit 0) or it reports no solution (exit 4), never a traceback
    code = main(["solve", str(INSTANCES / "latency-cpo-1k.yaml"), "--time-limit", "1e-9", "-q", "--threads", "1"])
    assert code in (0, 4)
