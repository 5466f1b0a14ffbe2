"""Sweeps: parameter specs, overrides by path, tidy table, failures as rows, resume, local vs Dask."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from helpers import INSTANCES, ROOT, tiny_instance

import optimizer
from optimizer.cli import main
from optimizer.studies.sweep import (
    SweepError,
    apply_overrides,
    breakeven,
    design,
    parameter,
    parse_parameter,
    read_results,
    run_sweep,
)

E_FACTOR = 8766 / 1000 * 5 * 1.3  # $ per W per ($/kWh) over the default horizon


def trade_off() -> dict:
    """8 links: an SR pair (28 W, 1,810 USD) or an AOC (12 W, cost set by the test) per link."""
    inst = tiny_instance()
    inst["catalog"]["cables"][1]["cost_usd"] = 2500
    return inst


def test_parse_ranges_lists_numbers_and_factors() -> None:
    p = parse_parameter("economics.electricity_usd_per_kwh=0.03:0.30:4")
    assert p.values == pytest.approx((0.03, 0.12, 0.21, 0.30)) and not p.relative and p.low_high == (0.03, 0.3)
    assert parse_parameter("links.gpu-leaf.length_m=5,10, 20").values == (5.0, 10.0, 20.0)
    assert parse_parameter("economics.pue=1.5").values == (1.5,)
    q = parse_parameter("catalog.cpo-*.cost_usd=x0.5:1.5:3")
    assert q.relative and q.values == (0.5, 1.0, 1.5)
    assert parameter("weights.power_w", [1, 2]).values == (1.0, 2.0)
    for bad in ("economics.pue", "economics.pue=abc", "pue=1", "economics.pue=1:2:0", "economics.pue=nan"):
        with pytest.raises(SweepError):
            parse_parameter(bad)


def test_overrides_by_path_id_glob_and_builtin_catalogue() -> None:
    doc = {
        "schema_version": 1,
        "name": "x",
        "catalog": "builtin",
        "nodes": [{"id": "gpu", "kind": "nic", "count": 8, "max_port_gbps": 800}],
        "links": [
            {"id": "a-1", "a": "gpu", "b": "gpu", "length_m": 10, "demand_gbps": 1},
            {"id": "a-2", "a": "gpu", "b": "gpu", "length_m": 20, "demand_gbps": 1},
        ],
    }
    out = apply_overrides(
        doc,
        {
            "links.a-*.length_m": 2.0,
            "economics.electricity_usd_per_kwh": 0.2,
            "catalog.cpo-dr-800.cost_usd": 1.5,
            "limits.supply.cpo-dr-800": 10.4,
            "nodes.gpu.count": 16.2,
        },
        {"catalog.cpo-dr-800.cost_usd": True},
    )
    assert [link["length_m"] for link in out["links"]] == [2.0, 2.0]
    assert out["economics"] == {"electricity_usd_per_kwh": 0.2}
    assert out["limits"]["supply"] == {"cpo-dr-800": 10} and out["nodes"][0]["count"] == 16
    builtin = next(
        t for t in optimizer.load_instance({**doc, "links": []}).resolved_catalog.transceivers if t.id == "cpo-dr-800"
    )
    assert out["catalog"]["extends"] == "builtin"
    assert out["catalog"]["transceivers"] == [
        {**builtin.model_dump(exclude_none=True), "cost_usd": 1.5 * builtin.cost_usd}
    ]
    assert doc["catalog"] == "builtin" and doc["links"][0]["length_m"] == 10  # the base is not touched
    loaded = optimizer.load_instance(out)  # the overridden builtin entry replaces the built-in one
    cpo = next(t for t in loaded.resolved_catalog.transceivers if t.id == "cpo-dr-800")
    assert cpo.cost_usd == pytest.approx(1.5 * builtin.cost_usd)
    for bad in ("links.nope.length_m", "catalog.nope-*.cost_usd", "foo.bar", "links.a-1"):
        with pytest.raises(SweepError):
            apply_overrides(doc, {bad: 1.0}, {})
    with pytest.raises(SweepError, match="not numeric"):
        apply_overrides(doc, {"links.a-1.a": 1.0}, {})
    from optimizer.core.io import read_document

    base, _ = read_document(INSTANCES / "latency-cpo-1k.yaml")
    nested = apply_overrides(base, {"nodes.spine.count.max": 16.4}, {})
    assert nested["nodes"][2]["count"] == {"min": 1, "max": 16}
    with pytest.raises(SweepError, match="not a mapping"):
        apply_overrides(base, {"nodes.leaf.count.max": 16}, {})


def test_design_factorial_and_sampled() -> None:
    ps = [parse_parameter("economics.pue=1:2:3"), parse_parameter("weights.power_w=0,1")]
    assert len(design(ps)) == 6 and design(ps)[1] == {"economics.pue": 1.0, "weights.power_w": 1.0}
    drawn = design(ps, sample=20, seed=3)
    assert len(drawn) == 20 and drawn == design(ps, sample=20, seed=3)
    assert all(1 <= s["economics.pue"] <= 2 and s["weights.power_w"] in (0, 1) for s in drawn)


def test_sweep_table_matches_direct_solves_and_the_break_even_price(tmp_path) -> None:
    params = [
        parse_parameter("economics.electricity_usd_per_kwh=0.2,1.0"),
        parse_parameter("catalog.aoc-800.cost_usd=x0.9,1.1"),
    ]
    result = run_sweep(trade_off(), params, workers=1, track=["gpu-leaf"], results_file=tmp_path / "r.jsonl")
    table = result.table
    assert len(table) == 4 and result.computed == 4 and result.reused == 0
    assert list(table.columns[:3]) == ["scenario", "economics.electricity_usd_per_kwh", "catalog.aoc-800.cost_usd"]
    for row in table.to_dict("records"):
        price, factor = row["economics.electricity_usd_per_kwh"], row["catalog.aoc-800.cost_usd"]
        inst = trade_off()
        inst["economics"] = {"electricity_usd_per_kwh": price}
        inst["catalog"]["cables"][1]["cost_usd"] = 2500 * factor
        plan = optimizer.solve(optimizer.load_instance(inst), optimizer.SolveOptions(threads=1))
        assert row["tco_usd"] == pytest.approx(plan.totals["tco_usd"])
        # per link: SR 1,810 + 28 W x e x price versus AOC 2,500 x factor + 12 W x e x price
        aoc_wins = 2500 * factor + 12 * E_FACTOR * price < 1810 + 28 * E_FACTOR * price
        assert row["share_aoc"] == (1.0 if aoc_wins else 0.0)
        assert row["choice:gpu-leaf"] == ("aoc-800 x8" if aoc_wins else "sr-800+sr-800 x8")
    assert {row["share_aoc"] for row in table.to_dict("records")} == {0.0, 1.0}  # both sides are covered
    assert len(read_results(tmp_path / "r.jsonl")) == 4


def test_failed_scenarios_are_rows_and_do_not_stop_the_sweep() -> None:
    params = [parse_parameter("limits.max_power_w=100,1000"), parse_parameter("economics.pue=0.5,1.3")]
    result = run_sweep(trade_off(), params, workers=1)
    status = dict(
        zip(
            zip(result.table["limits.max_power_w"], result.table["economics.pue"], strict=True),
            result.table["status"],
            strict=True,
        )
    )
    assert status == {
        (100, 0.5): "input_error",
        (100, 1.3): "infeasible",
        (1000, 0.5): "input_error",
        (1000, 1.3): "optimal",
    }
    assert result.failed == 2
    assert "pue" in result.table.set_index("economics.pue").loc[0.5, "message"].iloc[0]


def test_interrupted_sweep_resumes_without_recomputing(tmp_path) -> None:
    params = [
        parse_parameter("economics.electricity_usd_per_kwh=0.1:1.0:4"),
        parse_parameter("catalog.aoc-800.cost_usd=x0.8,1.2"),
    ]
    results = tmp_path / "results.jsonl"
    seen = []

    def interrupt(row, done, failed, total) -> None:
        seen.append(row["key"])
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(trade_off(), params, workers=1, results_file=results, on_row=interrupt)
    assert len(read_results(results)) == 3
    with results.open("a") as f:
        f.write('{"key": "torn')  # a line cut short by the interruption is ignored
    solved_again = []
    resumed = run_sweep(
        trade_off(), params, workers=1, results_file=results, on_row=lambda row, *_: solved_again.append(row["key"])
    )
    assert resumed.reused == 3 and resumed.computed == 5
    assert not set(solved_again) & set(seen)
    fresh = run_sweep(trade_off(), params, workers=1)
    pd.testing.assert_frame_equal(resumed.table, fresh.table)
    again = run_sweep(trade_off(), params, workers=1, results_file=results)
    assert again.computed == 0 and again.reused == 8


def test_local_processes_give_the_same_table() -> None:
    params = [parse_parameter("economics.electricity_usd_per_kwh=0.2,1.0"), parse_parameter("economics.pue=1.2,1.5")]
    local = run_sweep(trade_off(), params, workers=1)
    pool = run_sweep(trade_off(), params, workers=2)
    pd.testing.assert_frame_equal(local.table, pool.table)


def test_dask_local_cluster_gives_the_same_table(tmp_path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    params = [
        parse_parameter("economics.electricity_usd_per_kwh=0.2,1.0"),
        parse_parameter("catalog.aoc-800.cost_usd=x0.8,1.2"),
    ]
    local = run_sweep(trade_off(), params, workers=1)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        remote = run_sweep(trade_off(), params, scheduler=cluster.scheduler_address, results_file=tmp_path / "r.jsonl")
        workers = {row["worker"] for row in read_results(tmp_path / "r.jsonl").values()}
    pd.testing.assert_frame_equal(local.table, remote.table)
    assert len(remote.table) == 4 and set(remote.table["status"]) == {"optimal"}
    assert workers  # rows carry the worker that solved them


def test_breakeven_finds_the_analytic_price() -> None:
    result = breakeven(trade_off(), "economics.electricity_usd_per_kwh", 0.1, 2.0, "gpu-leaf", tol=1e-4)
    expected = 690 / (16 * E_FACTOR)  # SR 1,810 + 28 W vs AOC 2,500 + 12 W per link: equal TCO here
    assert len(result.flips) == 1
    flip = result.flips[0]
    assert flip.below <= expected <= flip.above and flip.above - flip.below <= 1e-4
    assert flip.choice_below == "sr-800+sr-800 x8" and flip.choice_above == "aoc-800 x8"
    assert math.isclose(flip.value, expected, abs_tol=1e-4)
    none = breakeven(trade_off(), "economics.electricity_usd_per_kwh", 1.0, 2.0, "gpu-leaf")
    assert none.flips == [] and none.solves == 5
    with pytest.raises(SweepError):
        breakeven(trade_off(), "economics.pue", 1, 2, "no-such-group")


def test_sweep_and_breakeven_cli(tmp_path, capsys) -> None:
    out = tmp_path / "sweep"
    args = [
        "sweep",
        str(INSTANCES / "tiny.yaml"),
        "--set",
        "economics.electricity_usd_per_kwh=0.1:0.5:3",
        "--set",
        "catalog.aoc-800.cost_usd=x0.5,1",
        "--workers",
        "1",
        "--track",
        "gpu-leaf",
        "--out",
        str(out),
        "-q",
    ]
    assert main(args) == 0
    table = pd.read_csv(out / "sweep.csv")
    assert len(table) == 6 and "choice:gpu-leaf" in table and set(table["status"]) == {"optimal"}
    png = (out / "sweep.png").read_bytes()
    assert png[:4] == b"\x89PNG" and len(png) > 20_000
    assert "6 run now, 0 reused" in capsys.readouterr().out
    assert main(args) == 0
    assert "0 run now, 6 reused" in capsys.readouterr().out
    assert main(["sweep", str(INSTANCES / "tiny.yaml"), "--set", "nope.x=1", "-q", "--out", str(out)]) == 2
    code = main(
        [
            "breakeven",
            str(INSTANCES / "superpod-su-256.yaml"),
            "--param",
            "economics.electricity_usd_per_kwh",
            "--range",
            "0.05:1",
            "--group",
            "gpu-leaf",
            "--workers",
            "1",
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "break-even: economics.electricity_usd_per_kwh = 0.846" in text
    assert "from [aoc-400 x256] to [lpo-dr-400+lpo-dr-400 x256]" in text


def test_bundled_example_spec_resolves() -> None:
    from optimizer.cli.sweep import _read_base

    document, folder, spec = _read_base(ROOT / "examples" / "sweep-electricity-cpo.yaml")
    params = [parameter(k, v) for k, v in spec["parameters"].items()]
    assert [len(p.values) for p in params] == [10, 9]
    apply_overrides(document, {p.path: p.values[0] for p in params}, {p.path: p.relative for p in params}, folder)
    assert json.dumps(spec["track"]) == '["gpu-leaf", "leaf-spine"]'


def test_spec_file_runs_and_bad_fields_are_reported(tmp_path, capsys) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"instance: {INSTANCES / 'tiny.yaml'}\nparameters: {{economics.pue: '1.1,1.2'}}\n"
        "track: [gpu-leaf]\nsolve: {threads: 1, time_limit_s: 30}\n"
    )
    assert main(["sweep", str(spec), "--workers", "1", "--out", str(tmp_path / "o"), "-q", "--no-plot"]) == 0
    table = pd.read_csv(tmp_path / "o" / "sweep.csv")
    assert list(table["economics.pue"]) == [1.1, 1.2] and "choice:gpu-leaf" in table
    spec.write_text(
        f"instance: {INSTANCES / 'tiny.yaml'}\nparameters: {{economics.pue: '1.1'}}\nfoo: 1\nsolve: {{gapp: 1}}\n"
    )
    capsys.readouterr()
    assert main(["sweep", str(spec), "--workers", "1", "--out", str(tmp_path / "o"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "foo: unknown field" in err and "solve.gapp: unknown field" in err
