"""Plots: files are created, are real PNGs with content; importing optimizer does not load matplotlib."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import INSTANCES, ROOT, tiny_instance

import optimizer
from optimizer.cli import main
from optimizer.core.mix import Classifier, dominant_label, plan_mix
from optimizer.plots import plan_breakdown, plot_plan, tier_of
from optimizer.studies.sweep import apply_overrides

PNG = b"\x89PNG\r\n\x1a\n"


def test_importing_optimizer_stays_light() -> None:
    code = (
        "import sys, optimizer; heavy = [m for m in ('matplotlib', 'dask', 'distributed') if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_solve_plot_writes_a_png(tmp_path) -> None:
    out = tmp_path / "plan"
    assert (
        main(["solve", str(INSTANCES / "latency-cpo-1k.yaml"), "-q", "--threads", "1", "--out", str(out), "--plot"])
        == 0
    )
    png = (out / "plan.png").read_bytes()
    assert png[:8] == PNG and len(png) > 20_000


def test_breakdown_adds_up_to_the_plan_totals() -> None:
    # CPO engines at 0.38 x their catalogue price (below the 0.405 break-even of the README): a plan that
    # mixes CPO and LPO ends
    document, _ = optimizer.read_document(INSTANCES / "latency-cpo-1k.yaml")
    cheap = apply_overrides(document, {"catalog.cpo-*.cost_usd": 0.38}, {"catalog.cpo-*.cost_usd": True})
    instance = optimizer.load_instance(cheap, base_dir=INSTANCES)
    plan = optimizer.solve(instance, optimizer.SolveOptions(threads=1))
    power, capex = plan_breakdown(plan, instance.resolved_catalog)
    assert sum(sum(v.values()) for v in power.values()) == pytest.approx(plan.totals["power_w"])
    assert sum(sum(v.values()) for v in capex.values()) == pytest.approx(plan.totals["capex_usd"])
    assert set(power) == {"gpu–leaf", "leaf–spine", "leaf switches", "spine switches"}
    assert power["leaf–spine"].keys() == {"cpo"}
    # gpu-leaf: LPO at the GPU, CPO engine at the leaf, each end with its own catalogue power
    assert power["gpu–leaf"]["lpo"] > power["gpu–leaf"]["cpo"] > 0
    counts, share, label = plan_mix(plan, instance.resolved_catalog)
    assert counts["cpo"] == 3 * 1024 and counts["lpo"] == 1024 and label == "CPO 75% / LPO 25%"
    assert share["cpo"] == pytest.approx(0.75)
    path = ROOT / ".pytest_cache" / "plan-test.png"
    fig = plot_plan(plan, instance.resolved_catalog, path)
    assert path.read_bytes()[:8] == PNG and len(fig.axes) == 2


def test_technology_classes_and_labels() -> None:
    instance = optimizer.load_instance(INSTANCES / "superpod-su-256.yaml")
    c = Classifier(instance.resolved_catalog)
    assert c.ends("lpo-dr-800+cpo-dr-800") == ("lpo", "cpo")
    assert c.ends("lro-dr-800+dr8-800") == ("lro", "dsp")
    assert c.ends("aoc-400") == ("aoc", "aoc") and c.ends("dac-800") == ("dac", "dac")
    assert dominant_label({"cpo": 0.62, "lpo": 0.36, "dsp": 0.02}) == "CPO 62% / LPO 36%"
    assert dominant_label({}) == "-"
    assert tier_of("leaf-12", "spine") == "leaf–spine" and tier_of("rack-3-a", "leaf-0") == "rack–leaf"


def test_many_tiers_are_folded_into_other(tmp_path) -> None:
    inst = tiny_instance()
    inst["nodes"] = [{"id": f"pod{chr(97 + k)}", "kind": "nic", "count": 2, "max_port_gbps": 800} for k in range(14)]
    inst["nodes"].append({"id": "leaf", "kind": "switch", "count": 1, "models": ["sw64"]})
    inst["links"] = [
        {"id": f"l{k}", "a": f"pod{chr(97 + k)}", "b": "leaf", "length_m": 10 + k, "demand_gbps": 1600}
        for k in range(14)
    ]
    instance = optimizer.load_instance(inst)
    plan = optimizer.solve(instance, optimizer.SolveOptions(threads=1))
    power, capex = plan_breakdown(plan, instance.resolved_catalog)
    assert len(capex) == 12 and "other" in capex
    assert sum(sum(v.values()) for v in capex.values()) == pytest.approx(plan.totals["capex_usd"])
    plot_plan(plan, instance.resolved_catalog, tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 20_000


def test_sweep_plot_with_one_parameter_and_failed_rows(tmp_path) -> None:
    import pandas as pd

    from optimizer.plots import plot_sweep

    table = pd.DataFrame(
        {
            "economics.pue": [1.1, 1.2, 1.3],
            "status": ["optimal", "infeasible", "optimal"],
            "tco_usd": [1e6, None, 1.2e6],
            "share_cpo": [0.5, None, 0.25],
            "share_linear": [0.5, None, 0.75],
        }
    )
    path = tmp_path / "s.png"
    plot_sweep(table, ["economics.pue"], path)
    assert path.read_bytes()[:8] == PNG and path.stat().st_size > 20_000


def test_pareto_labels_merge_only_coincident_interior_points() -> None:
    from optimizer.plots import label_groups

    x = [0.0, 50.0, 50.1, 60.0, 99.95, 100.0]
    y = [100.0, 50.0, 49.9, 40.0, 0.05, 0.0]
    mixes = ["A", "B", "B", "B", "C", "C"]
    # 1 and 2 coincide with the same mix; 3 is far; 4 and 5 coincide but 5 is the min-capex end
    assert label_groups(x, y, mixes) == [[0], [1, 2], [3], [4], [5]]
    assert label_groups(x, y, ["A", "B", "D", "B", "C", "C"]) == [[0], [1], [2], [3], [4], [5]]
