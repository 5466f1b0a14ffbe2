"""``optimizer envelope``: the most GPUs a site holds per technology variant, each proven maximal.

Maximality is checked here independently of the study: the design is generated at N and N + step with
the site section, solved, and the plan at N verified (``optimizer.verify``) while N + step is infeasible.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import optimizer
from optimizer.cli import main
from optimizer.core.verify import check_plan
from optimizer.sources.generate import Design
from optimizer.studies.envelope import (
    DEFAULT_VARIANTS,
    TABLE_COLUMNS,
    EnvelopeError,
    _Search,
    envelope,
    variant_excludes,
)

DESIGN = Design({"ecosystem": "nvidia-ib", "nic_gbps": 800})
SITE_W, GPU_W = 1e6, 1400.0


@pytest.fixture(scope="module")
def result() -> optimizer.EnvelopeResult:
    return envelope(DESIGN, SITE_W, GPU_W, workers=1)


def solve_at(design: Design, gpus: int) -> tuple[optimizer.Instance, optimizer.Plan]:
    document = design.instance(gpus)
    document["site"] = {"it_power_w": SITE_W, "gpu_w": GPU_W, "gpus": gpus}
    instance = optimizer.load_instance(document)
    return instance, optimizer.solve(instance, optimizer.SolveOptions(threads=1, time_limit_s=60))


def test_each_variant_is_maximal(result: optimizer.EnvelopeResult) -> None:
    assert [v.name for v in result.variants] == list(DEFAULT_VARIANTS)
    for v in result.variants:
        assert v.step_gpus == 8  # one node of the generator's 8 GPUs
        assert v.gpus > 0 and v.gpus % 8 == 0
        design = DESIGN.excluding(variant_excludes(DESIGN, v.technologies))
        instance, plan = solve_at(design, v.gpus)
        assert plan.status == "optimal"
        assert check_plan(instance, plan.to_dict()) == []
        assert plan.totals is not None
        assert v.gpus * GPU_W + plan.totals["power_w"] <= SITE_W
        _, above = solve_at(design, v.gpus + 8)
        assert above.status == "infeasible", v.name
        assert v.next["status"] == "infeasible"
        # the default scan proves the next 8 steps (or every larger count) do not fit either
        assert v.largest or v.clear_to_gpus >= v.gpus + 8 * 8
        assert all(p["status"] != "optimal" for p in v.points if v.gpus < p["gpus"] <= v.clear_to_gpus)
        assert v.best is not None and v.best["power_w"] == pytest.approx(plan.totals["power_w"])


def test_table(result: optimizer.EnvelopeResult) -> None:
    t = result.table
    assert list(t.columns) == TABLE_COLUMNS
    assert list(t["variant"]) == ["pluggable", "lpo", "cpo"]
    for row, v in zip(t.itertuples(), result.variants, strict=True):
        assert v.best is not None
        assert row.gpus == v.gpus and row.next_gpus == v.gpus + 8
        assert row.network_mw == pytest.approx(v.best["power_w"] / 1e6)
        assert row.network_capex_per_gpu_usd == pytest.approx(v.best["capex_usd"] / v.gpus)
        assert row.gpu_power_w == v.gpus * GPU_W
        assert row.headroom_w == pytest.approx(SITE_W - v.gpus * GPU_W - v.best["power_w"])
        assert row.headroom_w >= 0 and row.verified
    # CPO engines draw less than DSP modules: the CPO variant holds at least as many GPUs, on less power each
    by = t.set_index("variant")
    assert by.loc["cpo", "gpus"] >= by.loc["pluggable", "gpus"]
    assert (
        by.loc["cpo", "network_mw"] / by.loc["cpo", "gpus"]
        < by.loc["pluggable", "network_mw"] / by.loc["pluggable", "gpus"]
    )


def test_variants_restrict_technologies(result: optimizer.EnvelopeResult) -> None:
    plug = result.variants[0]
    assert plug.best is not None
    assert plug.best.get("share_cpo", 0) == 0 and plug.best.get("share_lpo", 0) == 0
    excluded = variant_excludes(DESIGN, DEFAULT_VARIANTS["pluggable"])
    assert any(i.startswith("cpo-") for i in excluded) and not any(i.startswith("dr-") for i in excluded)
    assert variant_excludes(DESIGN, DEFAULT_VARIANTS["cpo"]) == []


def test_write(result: optimizer.EnvelopeResult, tmp_path: Path) -> None:
    written = result.write(tmp_path)
    assert (tmp_path / "envelope.png").stat().st_size > 0
    table = pd.read_csv(tmp_path / "envelope.csv")
    assert list(table["gpus"]) == [v.gpus for v in result.variants]
    assert {p.name for p in written} >= {"envelope.csv", "points.csv", "pluggable.json", "cpo.json"}
    plan = optimizer.read_document(tmp_path / "plans" / "cpo.json")[0]
    assert plan["totals"]["gpus_displaced"] == pytest.approx(result.variants[2].best["power_w"] / GPU_W)


def test_no_node_fits() -> None:
    """One node of 8 GPUs x 1,400 W = 11,200 W exceeds a 10 kW site: no GPU fits, decided without a solve."""
    r = envelope(DESIGN, 10_000, GPU_W, variants={"cpo": DEFAULT_VARIANTS["cpo"]})
    [v] = r.variants
    assert (v.gpus, v.best, v.next["status"]) == (0, None, "gpus_exceed_site")
    assert r.table["network_capex_per_gpu_usd"].isna().all()


def test_coarser_step() -> None:
    """A step of one 72-node scalable unit (576 GPUs): 1 SU fits the 1 MW site (576 x 1,400 = 806 kW plus the
    network), 2 SUs do not (1,152 x 1,400 W alone exceed it)."""
    r = envelope(DESIGN, SITE_W, GPU_W, step_gpus=576, variants={"pluggable": DEFAULT_VARIANTS["pluggable"]})
    [v] = r.variants
    assert (v.gpus, v.next["status"]) == (576, "gpus_exceed_site")


@pytest.mark.parametrize(("beyond", "answer"), [(0, 37), (2, 37), (3, 40), (30, 40)])
def test_search_keeps_its_bracket(beyond: int, answer: int) -> None:
    """The bracketing on a synthetic, non-monotone feasibility (0-37 and 40 fit, 60 is the GPU-only bound):
    ends with lo feasible and lo + 1 infeasible; a scan of 3 steps beyond 37 finds 40."""
    feasible = {j: (j <= 37 or j == 40) for j in range(0, 60)}
    s = _Search("x", ("dsp",), {}, 0, 60, beyond)
    first = True
    while points := s.next_points(first, 60):
        first = False
        for j in points:
            s.seen[j] = {"gpus": j, "status": "optimal" if feasible[j] else "infeasible", "violations": 0}
        s.update(1, 60)
    assert s.hi == s.lo + 1 and feasible[s.lo] and not feasible[s.hi]
    assert s.lo == answer
    assert s.clear_to(60) >= s.lo + min(beyond, 60 - 1 - s.lo) and (s.clear_to(60) == 60) == (beyond >= 19)


def test_undecided_point_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import optimizer.studies.envelope as mod

    monkeypatch.setattr(mod, "solve_point", lambda task: {"gpus": task["gpus"], "status": "no_solution"})
    with pytest.raises(EnvelopeError, match="undecided"):
        envelope(DESIGN, SITE_W, GPU_W, variants={"cpo": ("cpo", "dsp")})


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"step_gpus": 12}, "multiple of gpus_per_node"),
        ({"variants": {"x": ("dsp", "laser")}}, "unknown technologies ['laser']"),
        ({"gpu_w": 0.0}, "positive"),
        ({"design": Design({"ecosystem": "nvidia-ib", "tiers": 7})}, "design: tiers"),
        ({"design": Design({"ecosystem": "nvidia-ib", "gpus": 8})}, "design: gpus is what the study chooses"),
    ],
)
def test_bad_study_input(kwargs: dict[str, Any], fragment: str) -> None:
    args: dict[str, Any] = {"design": DESIGN, "it_power_w": SITE_W, "gpu_w": GPU_W, **kwargs}
    with pytest.raises(EnvelopeError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        envelope(args.pop("design"), args.pop("it_power_w"), args.pop("gpu_w"), **args)


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], result: optimizer.EnvelopeResult) -> None:
    args = ["envelope", "--it-power-w", "1e6", "--gpu-w", "1400", "--design", "ecosystem=nvidia-ib"]
    args += ["--design", "nic-gbps=800", "--variant", "cpo=dsp,cpo", "--out", str(tmp_path), "-q", "--no-plot"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"{result.variants[2].gpus:,}" in out and "infeasible" in out
    assert (tmp_path / "envelope.csv").exists() and not (tmp_path / "envelope.png").exists()
    assert main(["envelope", "--it-power-w", "1e6", "--gpu-w", "1400", "--design", "tiers=9"]) == 2
    assert "design: tiers" in capsys.readouterr().err
    assert main(["envelope", "--it-power-w", "1e6", "--gpu-w", "1400", "--design", "gpus=8"]) == 2


@pytest.mark.slow
def test_workers_do_not_change_the_answer(result: optimizer.EnvelopeResult) -> None:
    two = envelope(DESIGN, SITE_W, GPU_W, workers=2)
    assert [v.gpus for v in two.variants] == [v.gpus for v in result.variants]


def test_design_input_errors_stop_the_study() -> None:
    with pytest.raises(EnvelopeError, match="design: unknown switch model.*q9999"):
        envelope(Design({**DESIGN.options, "leaf_models": ["q9999"]}), SITE_W, GPU_W)
    with pytest.raises(
        EnvelopeError, match="variant pluggable: the design at 8 GPUs: .*unknown catalogue id 'no-such-part'"
    ):
        envelope(Design({**DESIGN.options, "allowed": {"gpu-leaf": ["no-such-part"]}}), SITE_W, GPU_W)
