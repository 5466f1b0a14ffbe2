"""Smoke test of the benchmark harness on the two smallest suite entries (no timing assertions)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.harness import compare, floor_table, main, read_records, summary_table
from benchmarks.suite import SUITES


def test_harness_smoke_suite(tmp_path: Path) -> None:
    out = tmp_path / "smoke.jsonl"
    code = main(
        ["run", "--suite", "smoke", "--out", str(out), "--cache-dir", str(tmp_path / "cache"), "--time-limit", "60"]
    )
    assert code == 0
    records = read_records(out)
    names = [e["name"] for e in SUITES["smoke"]]
    assert [r["instance"] for r in records] == [n for n in names for _ in ("planner", "floor")]
    for r in records:
        assert r["status"] == "optimal"
        for key in (
            "load_s",
            "options_s",
            "build_s",
            "handoff_s",
            "solve_s",
            "extract_s",
            "peak_mb",
            "columns",
            "integers",
            "rows",
            "nonzeros",
            "objective",
            "bound",
            "gap",
            "nodes",
            "highs",
            "pyomo",
            "threads",
            "seed",
        ):
            assert r.get(key) is not None, key
    planners = [r for r in records if r["variant"] == "planner"]
    floors = [r for r in records if r["variant"] == "floor"]
    for p, f in zip(planners, floors, strict=True):
        assert p["same_optimum_as_floor"] is True and p["verified"] is True
        assert (p["columns"], p["rows"], p["nonzeros"]) == (f["columns"], f["rows"], f["nonzeros"])
        assert p["floor_ratio"] > 0
    assert planners[0]["objective"] == 37780.22368  # tiny.yaml's known optimum
    assert "| tiny |" in summary_table(records) and "| tiny |" in floor_table(records)
    # a second "configuration": the same file relabelled; ratios are 1 and both profiles reach 1.0 at tau = 1
    other = tmp_path / "other.jsonl"
    other.write_text("\n".join(json.dumps({**r, "label": "other"}) for r in records) + "\n")
    png = tmp_path / "profile.png"
    text = compare([str(out), str(other)], "total_s", png)
    assert "1.00x" in text and png.stat().st_size > 0
