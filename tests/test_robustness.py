"""Uncertain figures, sampling and decision frequencies (robustness extension)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from helpers import ROOT

import optimizer
from optimizer.cli import main
from optimizer.core.io import read_document
from optimizer.errors import InstanceError
from optimizer.studies.robustness import (
    GRADE_BAND,
    apply_price_book,
    latin_hypercube,
    read_price_book,
    run_robustness,
    sample_scenarios,
    uncertain_figures,
    write_robustness,
)
from optimizer.studies.sweep import SweepError, apply_overrides

TWO = ROOT / "tests" / "data" / "robustness" / "two-options.yaml"
CAB_B, SW_B = "catalog.cab-b.cost_usd", "catalog.sw-b.cost_usd"


def two_options() -> dict:
    doc, issues = read_document(TWO)
    assert not issues
    return doc


def builtin_doc() -> dict:
    """64 GPUs on two 800G leaves and a spine, built-in catalogue (DSP, LPO and CPO options)."""
    return {
        "schema_version": 1,
        "name": "builtin-ranges",
        "nodes": [
            {"id": "gpu", "kind": "nic", "count": 64, "max_port_gbps": 800},
            {"id": "leaf", "kind": "switch", "count": 2, "models": ["th5", "th5-cpo"]},
        ],
        "links": [{"id": "gpu-leaf", "a": "gpu", "b": "leaf", "length_m": 30, "demand_gbps": 51200}],
    }


def test_latin_hypercube_has_one_point_per_stratum() -> None:
    u = latin_hypercube(10, 3, seed=4)
    for j in range(3):
        assert sorted(math.floor(x * 10) for x in u[:, j]) == list(range(10))
    assert (latin_hypercube(10, 3, seed=4) == u).all() and not (latin_hypercube(10, 3, seed=5) == u).all()


def test_two_option_frequencies_match_the_uniform_range() -> None:
    # cab-b ~ U(800, 1300) against cab-a firm at 1,000: cab-b is optimal iff its price < 1,000, with probability
    # (1000 - 800) / (1300 - 800) = 0.4. sw-b ~ U(4000, 6000) against sw-a at 5,000: (5000 - 4000) / 2000 = 0.5.
    # Sampling error: a Latin hypercube puts exactly one point in each of the n strata of every range, so the
    # count below a threshold is floor(n p) or ceil(n p): |share - p| <= 1/n (plain Monte Carlo would give a
    # standard error of sqrt(p (1 - p) / n) = 0.08 at n = 37).
    n = 37
    result = run_robustness(two_options(), samples=n, seed=11, base_dir=TWO.parent, workers=1)
    freq = {(r.kind, r.group, r.choice): r.share for r in result.frequencies.itertuples()}
    assert abs(freq[("link", "gpu-leaf", "cab-b")] - 0.4) <= 1 / n
    assert abs(freq[("switch", "leaf", "sw-b")] - 0.5) <= 1 / n
    assert freq[("link", "gpu-leaf", "cab-a")] + freq[("link", "gpu-leaf", "cab-b")] == pytest.approx(1.0)
    # each sample's choice is the analytic one
    for row, params in zip(result.samples.itertuples(), result.scenarios, strict=True):
        assert row[1 + list(result.samples.columns).index("link:gpu-leaf")] == (
            "cab-b" if params[CAB_B] < 1000 else "cab-a"
        )


def test_regret_of_the_base_plan_by_hand() -> None:
    # Base plan (catalogue figures: cab-b 1,100 > cab-a 1,000; sw-b 5,200 > sw-a 5,000): 4 x cab-a + sw-a
    # = 4 x 1,000 + 5,000 = 9,000 at every sample (both firm). A sample's optimum is 4 min(1000, x) + min(5000, y)
    # with x, y the sampled cab-b and sw-b prices, so the regret is 4 max(0, 1000 - x) + max(0, 5000 - y).
    result = run_robustness(two_options(), samples=12, seed=2, base_dir=TWO.parent, workers=1)
    assert result.base["objective"] == pytest.approx(9000.0)
    assert result.base["choices"] == {"gpu-leaf": "cab-a"} and result.base["models"] == {"leaf": "sw-a"}
    for row, params in zip(result.samples.itertuples(), result.scenarios, strict=True):
        x, y = params[CAB_B], params[SW_B]
        assert row.base_objective == pytest.approx(9000.0)
        assert row.objective == pytest.approx(4 * min(1000, x) + min(5000, y))
        assert row.regret == pytest.approx(4 * max(0, 1000 - x) + max(0, 5000 - y), abs=1e-6)
    regrets = sorted(result.samples["regret"])
    summary = result.summary.set_index("figure")
    assert summary.loc["regret", "p100"] == pytest.approx(regrets[-1])
    assert summary.loc["regret", "p0"] == pytest.approx(regrets[0])


def _tables(result, tmp_path: Path, name: str) -> dict[str, bytes]:
    files = write_robustness(result, tmp_path / name, plot=False)
    return {f.name: f.read_bytes() for f in files}


def test_same_seed_same_bytes_with_one_and_two_workers(tmp_path) -> None:
    one = run_robustness(two_options(), samples=8, seed=5, base_dir=TWO.parent, workers=1)
    two = run_robustness(two_options(), samples=8, seed=5, base_dir=TWO.parent, workers=2)
    assert _tables(one, tmp_path, "one") == _tables(two, tmp_path, "two")
    other = run_robustness(two_options(), samples=8, seed=6, base_dir=TWO.parent, workers=1)
    assert _tables(other, tmp_path, "other") != _tables(one, tmp_path, "one")


def test_same_seed_same_bytes_on_dask(tmp_path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    one = run_robustness(two_options(), samples=6, seed=5, base_dir=TWO.parent, workers=1)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        remote = run_robustness(
            two_options(), samples=6, seed=5, base_dir=TWO.parent, scheduler=cluster.scheduler_address
        )
    assert _tables(one, tmp_path, "one") == _tables(remote, tmp_path, "dask")


def test_builtin_ranges_groups_and_grade_defaults() -> None:
    instance = optimizer.load_instance(builtin_doc())
    figures = {f.path: f for f in uncertain_figures(instance)}
    # sourced built-in range: 800G DR8 1,100-1,400 USD, in the group of all 800G DSP module prices
    dr8 = figures["catalog.dr8-800.cost_usd"]
    assert (dr8.low, dr8.high, dr8.group, dr8.origin) == (1100, 1400, "dsp-800-price", "built-in")
    assert figures["catalog.fr4-800.cost_usd"].group == "dsp-800-price"
    # a switch keeps its own range (its premium over the CPO twin is what decides)
    assert figures["catalog.th5.cost_usd"].group != figures["catalog.th5-cpo.cost_usd"].group
    # default by grade: cpo-dr-800 power is graded A -> +-5 %
    cpo_power = figures["catalog.cpo-dr-800.power_w"]
    assert cpo_power.origin == "default A"
    assert (cpo_power.low, cpo_power.high) == pytest.approx((5.5 * (1 - GRADE_BAND["A"]), 5.5 * (1 + GRADE_BAND["A"])))
    # items the instance cannot use (400G, 1.6T parts, other switches) carry no figure
    assert "catalog.dr8-1600.cost_usd" not in figures and "catalog.q3400.cost_usd" not in figures
    # no reliability section: no failure or flap rates
    assert not any(p.endswith((".fit", ".flap_fit", ".mtbf_h")) for p in figures)
    samples = sample_scenarios(instance, 5, seed=1)
    for s in samples:  # one quantile per group: DR8 and FR4 sit at the same point of their ranges
        q = [
            (s[p] - figures[p].low) / (figures[p].high - figures[p].low)
            for p in figures
            if "dsp-800" in figures[p].group
        ]
        assert max(q) - min(q) < 1e-6
        assert all(figures[p].low - 1e-9 <= v <= figures[p].high + 1e-9 for p, v in s.items())
    assert sample_scenarios(builtin_doc(), 5, seed=1) == samples  # a document gives the same samples
    doc = apply_overrides(builtin_doc(), samples[0], {})
    cat = optimizer.load_instance(doc).resolved_catalog
    assert next(t for t in cat.transceivers if t.id == "dr8-800").cost_usd == samples[0]["catalog.dr8-800.cost_usd"]


def test_instance_ranges_and_price_book_replace_the_builtin_ones(tmp_path) -> None:
    doc = builtin_doc()
    doc["ranges"] = [{"path": "catalog.dr8-800.cost_usd", "low": 0.9, "high": 1.0, "relative": True}]
    figures = {f.path: f for f in uncertain_figures(optimizer.load_instance(doc))}
    assert (figures["catalog.dr8-800.cost_usd"].low, figures["catalog.dr8-800.cost_usd"].high) == (1125, 1250)
    assert figures["catalog.dr8-800.cost_usd"].origin == "instance"
    book = tmp_path / "book.yaml"
    book.write_text(
        "source: quote\nprices:\n"
        "  - {path: catalog.dr8-800.cost_usd, value: 990}\n"
        "  - {path: 'catalog.cpo-*.cost_usd', low: 0.95, high: 1.05, relative: true, section: transceivers}\n"
    )
    prices = read_price_book(book)
    quoted = optimizer.load_instance(apply_price_book(doc, prices))
    figures = {f.path: f for f in uncertain_figures(quoted, prices)}
    assert (figures["catalog.dr8-800.cost_usd"].value, figures["catalog.dr8-800.cost_usd"].low) == (990, 990)
    assert figures["catalog.dr8-800.cost_usd"].high == 990  # a firm quote
    cpo = figures["catalog.cpo-dr-800.cost_usd"]
    # cpo-dr-800 is priced at parity with the DR8 module it replaces, 1,250 USD: 0.95 x and 1.05 x of it
    assert (cpo.low, cpo.high) == pytest.approx((1187.5, 1312.5)) and cpo.origin == "price book"


def test_bad_ranges_are_reported() -> None:
    doc = builtin_doc()
    doc["ranges"] = [{"path": "catalog.dr8-800.cost_usd", "low": 2, "high": 1}]
    with pytest.raises(InstanceError, match="below low"):
        optimizer.load_instance(doc)
    doc["ranges"] = [{"path": "catalog.no-such.cost_usd", "low": 1, "high": 2}]
    with pytest.raises(SweepError, match="no catalogue entry"):
        sample_scenarios(doc, 3)


def test_cli_robustness_writes_tables_and_plot(tmp_path, capsys) -> None:
    out = tmp_path / "r"
    code = main(["robustness", str(TWO), "--samples", "10", "--seed", "1", "--workers", "1", "--out", str(out), "-q"])
    assert code == 0
    text = capsys.readouterr().out
    assert "gpu-leaf (link)" in text and "regret" in text
    for name in ("samples", "frequencies", "summary", "figures"):
        assert not pd.read_csv(out / f"robustness_{name}.csv").empty
    assert (out / "robustness.png").stat().st_size > 0
