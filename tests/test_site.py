"""Site power envelope extension: network watts priced at the GPU capacity they displace, the site's cap.

The hand-computed case: tiny_instance (8 GPU links of 10 m to one sw64 switch, 500 W, 20,000 USD) with a
test cable ``lp-aoc-800`` (4 W, 1,400 USD) beside the catalogue's ``aoc-800`` (12 W, 1,200 USD): the
lower-power, dearer cable. Per link over 5 years, with e = 8.766 x 5 x 1.3 x 0.08 = 4.55832 USD per W of
electricity:

    electricity only:  aoc 1,200 + 12 e = 1,254.70   lp-aoc 1,400 + 4 e = 1,418.23   -> aoc
    site (2 USD per GPU-hour, 1,000 W per GPU): s = 8,766 x 5 x 2 / 1,000 = 87.66 USD per W
                       aoc 1,200 + 12 (e + s) = 2,306.62   lp-aoc 1,400 + 4 (e + s) = 1,768.87   -> lp-aoc
    break-even: 200 = 8 (e + s), s = 25 - e = 20.44168 USD per W,
    i.e. 20.44168 x 1,000 / (8,766 x 5) = 0.466386 USD per GPU-hour.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from helpers import E_PER_W, solve_verified, tiny_instance

import optimizer
from optimizer.cli import main
from optimizer.core.data import ModelData, build_data
from optimizer.core.load import load_instance
from optimizer.core.model import build_model
from optimizer.core.solve import linear_arrays
from optimizer.core.verify import check_plan
from optimizer.errors import InstanceError

H = 8766.0
SITE_PER_W = H * 5 * 2.0 / 1000.0  # 87.66 USD per network W at 2 USD per GPU-hour, 1,000 W per GPU


def site_instance(site: dict[str, Any] | None, **overrides: Any) -> dict[str, Any]:
    inst = tiny_instance(**overrides)
    inst["catalog"]["cables"].append(
        {
            "id": "lp-aoc-800",
            "kind": "aoc",
            "speed_gbps": 800,
            "power_w": 4,
            "cost_usd": 1400,
            "reach_m": 30,
            "latency_ns": 100,
            "source": "test figures: a lower-power, dearer cable",
        }
    )
    inst["links"][0]["allowed"] = ["aoc-800", "lp-aoc-800"]
    if site is not None:
        inst["site"] = site
    return inst


def option(plan: optimizer.Plan) -> str:
    assert len(plan.links) == 1
    return str(plan.links["option"].iloc[0])


def counts(plan: optimizer.Plan) -> dict[str, int]:
    return {str(r.option): int(r.count) for r in plan.links.itertuples()}


def test_without_site_the_cheaper_cable_wins() -> None:
    plan = solve_verified(site_instance(None))
    assert option(plan) == "aoc-800"
    # 8 x 1,200 + 20,000 = 29,600 capex; (8 x 12 + 500) W x e of energy
    assert plan.objective == pytest.approx(29600 + 596 * E_PER_W, rel=1e-9)
    assert plan.totals is not None and "gpus_displaced" not in plan.totals


def test_site_value_flips_the_cable_and_totals_by_hand() -> None:
    plan = solve_verified(site_instance({"gpu_w": 1000, "gpu_hour_usd": 2.0}))
    assert option(plan) == "lp-aoc-800"
    t = plan.totals
    assert t is not None
    power = 8 * 4 + 500  # 532 W of network
    assert t["power_w"] == pytest.approx(power)
    assert t["gpus_displaced"] == pytest.approx(0.532)  # 532 W / 1,000 W per GPU
    assert t["gpus_displaced_usd"] == pytest.approx(532 * 87.66)  # 46,635.12 USD over 5 years
    capex = 8 * 1400 + 20000  # 31,200
    assert t["tco_usd"] == pytest.approx(capex + power * E_PER_W + 532 * 87.66)
    assert plan.objective == pytest.approx(t["tco_usd"], rel=1e-9)
    # the objective against the runner-up (aoc): 8 x (2,306.62 - 1,768.87) = 4,302 USD dearer
    aoc = 8 * (1200 + 12 * (E_PER_W + SITE_PER_W)) + 20000 + 500 * (E_PER_W + SITE_PER_W)
    assert aoc - plan.objective == pytest.approx(8 * (-200 + 8 * (E_PER_W + SITE_PER_W)), rel=1e-9)


def test_break_even_value_by_hand() -> None:
    """Just below 25 - e USD per W the cheaper cable wins; just above, the lower-power one."""
    per_w = 25 - E_PER_W  # 20.44168 USD per W = 8,766 x 5 x v / 1,000  ->  v = 0.466386 USD per GPU-hour
    value = per_w * 1000 / (H * 5)
    assert value == pytest.approx(0.466386, abs=1e-6)
    assert option(solve_verified(site_instance({"gpu_w": 1000, "gpu_hour_usd": value * 0.99}))) == "aoc-800"
    assert option(solve_verified(site_instance({"gpu_w": 1000, "gpu_hour_usd": value * 1.01}))) == "lp-aoc-800"


def test_gpu_value_taken_from_reliability_when_the_site_gives_none() -> None:
    plan = solve_verified(site_instance({"gpu_w": 1000}, reliability={"gpu_hour_usd": 2.0}))
    assert option(plan) == "lp-aoc-800"
    assert plan.totals is not None
    assert plan.totals["gpus_displaced_usd"] == pytest.approx(532 * 87.66)
    # the site's own value takes precedence over the reliability section's
    plan = solve_verified(site_instance({"gpu_w": 1000, "gpu_hour_usd": 0.0}, reliability={"gpu_hour_usd": 2.0}))
    assert option(plan) == "aoc-800"
    assert plan.totals is not None and plan.totals["gpus_displaced_usd"] == 0.0


def test_site_without_a_value_reports_only() -> None:
    """No GPU value anywhere: same choice and objective as without the site; the displaced GPUs are reported."""
    plan = solve_verified(site_instance({"gpu_w": 1400}))
    assert option(plan) == "aoc-800"
    assert plan.objective == pytest.approx(29600 + 596 * E_PER_W, rel=1e-9)
    assert plan.totals is not None
    assert plan.totals["gpus_displaced"] == pytest.approx(596 / 1400)


def test_site_cap_flips_the_cable_without_a_value() -> None:
    """8 GPUs x 1,000 W leave 8,550 - 8,000 = 550 W, 50 W of it for 8 links after the 500 W switch: x aoc
    links (12 W) and 8 - x lp-aoc (4 W) fit when 32 + 8 x <= 50, so at most 2 aoc (the cheaper)."""
    plan = solve_verified(site_instance({"gpu_w": 1000, "it_power_w": 8550}))
    assert counts(plan) == {"aoc-800": 2, "lp-aoc-800": 6}
    power = 500 + 2 * 12 + 6 * 4  # 548 W
    assert plan.objective == pytest.approx(20000 + 2 * 1200 + 6 * 1400 + power * E_PER_W, rel=1e-9)
    # 8,532 W leaves 532 W: every link lp-aoc
    assert counts(solve_verified(site_instance({"gpu_w": 1000, "it_power_w": 8532}))) == {"lp-aoc-800": 8}


def test_site_gpus_override_the_nic_count() -> None:
    """gpus: 4 x 1,000 W: 4,600 W leave 600 W, aoc's 596 W fits; 4,590 W leave 90 W for links: 32 + 8 x <= 90,
    x = 7 aoc."""
    assert counts(solve_verified(site_instance({"gpu_w": 1000, "it_power_w": 4600, "gpus": 4}))) == {"aoc-800": 8}
    plan = solve_verified(site_instance({"gpu_w": 1000, "it_power_w": 4590, "gpus": 4}))
    assert counts(plan) == {"aoc-800": 7, "lp-aoc-800": 1}


def test_site_cap_and_max_power_take_the_smaller() -> None:
    """max_power_w 550 W is below the site's 9,000 - 8,000 = 1,000 W: 2 aoc as above."""
    inst = site_instance({"gpu_w": 1000, "it_power_w": 9000}, limits={"max_power_w": 550})
    assert counts(solve_verified(inst)) == {"aoc-800": 2, "lp-aoc-800": 6}
    inst = site_instance({"gpu_w": 1000, "it_power_w": 8550}, limits={"max_power_w": 2000})
    assert counts(solve_verified(inst)) == {"aoc-800": 2, "lp-aoc-800": 6}


def test_infeasible_site_is_explained_by_its_it_power() -> None:
    """Only lp-aoc allowed: the network needs 532 W; 8,400 - 8,000 = 400 W are left. Raise it_power_w to 8,532."""
    inst = site_instance({"gpu_w": 1000, "it_power_w": 8400})
    inst["links"][0]["allowed"] = ["lp-aoc-800"]
    plan = optimizer.solve(optimizer.load_instance(inst), optimizer.SolveOptions(threads=1, time_limit_s=30))
    assert plan.status == "infeasible"
    assert any("site" in reason and "532" in reason for reason in plan.diagnostics)
    [r] = plan.relaxations
    assert (r.limit, r.field, r.current, r.needed, r.value) == ("site_power", "site.it_power_w", 8400, 8532, 8532)
    assert "8,532" in r.text
    fixed = copy.deepcopy(inst)
    fixed["site"]["it_power_w"] = r.value
    assert option(solve_verified(fixed)) == "lp-aoc-800"


def test_gpus_alone_above_the_site_is_explained() -> None:
    """8 x 1,000 W of GPUs on a 7,000 W site: the network's cap is negative; the fix is 8,000 + 532 W."""
    inst = site_instance({"gpu_w": 1000, "it_power_w": 7000})
    inst["links"][0]["allowed"] = ["lp-aoc-800"]
    plan = optimizer.solve(optimizer.load_instance(inst), optimizer.SolveOptions(threads=1, time_limit_s=30))
    assert plan.status == "infeasible"
    [r] = plan.relaxations
    assert (r.field, r.value) == ("site.it_power_w", 8532)


def test_verifier_catches_wrong_site_figures() -> None:
    inst = optimizer.load_instance(site_instance({"gpu_w": 1000, "gpu_hour_usd": 2.0}))
    plan = solve_verified(inst).to_dict()
    for key in ("gpus_displaced", "gpus_displaced_usd", "tco_usd"):
        bad = copy.deepcopy(plan)
        bad["totals"][key] *= 1.01
        assert any(v.where == f"totals.{key}" for v in check_plan(inst, bad)), key
    bad = copy.deepcopy(plan)
    bad["objective"] -= 532 * 87.66  # the objective without the site term
    assert any(v.where == "objective" for v in check_plan(inst, bad))
    # a plan that fits without the site but not within it
    capped = optimizer.load_instance(site_instance({"gpu_w": 1000, "it_power_w": 8500}))
    aoc_plan = solve_verified(site_instance(None)).to_dict()
    violations = check_plan(capped, aoc_plan)
    assert any(v.where == "site.it_power_w" and "596" in v.message for v in violations)


BAD_SITE = {"gpu_w": 0, "it_power_w": -5, "gpus": 1.5, "gpu_hour_usd": "two", "pue": 1.2}


def test_bad_site_fields_all_reported() -> None:
    with pytest.raises(InstanceError) as err:
        optimizer.load_instance(site_instance(BAD_SITE))
    where = {i.where for i in err.value.issues}
    assert where == {"site.gpu_w", "site.it_power_w", "site.gpus", "site.gpu_hour_usd", "site"}
    text = "\n".join(str(i) for i in err.value.issues)
    assert "unknown field 'pue'" in text
    assert "expected a whole number" in text


def test_missing_gpu_w_is_reported() -> None:
    with pytest.raises(InstanceError) as err:
        optimizer.load_instance(site_instance({"it_power_w": 9000}))
    assert [(i.where, "missing required field" in i.message) for i in err.value.issues] == [("site.gpu_w", True)]


def test_cli_summary_reports_displaced_gpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(site_instance({"gpu_w": 1000, "gpu_hour_usd": 2.0})))
    assert main(["solve", str(path), "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "displaces 0.53 GPUs" in out and "46,635 USD" in out


@pytest.mark.parametrize("interface", ["direct", "appsi"])
def test_both_hand_offs_price_and_cap_the_site(interface: str) -> None:
    """The array build (direct) and the Pyomo model (appsi) read the same coefficients and cap."""
    plan = solve_verified(site_instance({"gpu_w": 1000, "gpu_hour_usd": 2.0}), interface=interface)
    assert plan.objective == pytest.approx(31200 + 532 * (E_PER_W + SITE_PER_W), rel=1e-9)
    plan = solve_verified(site_instance({"gpu_w": 1000, "it_power_w": 8550}), interface=interface)
    assert counts(plan) == {"aoc-800": 2, "lp-aoc-800": 6}


def test_site_price_prunes_the_option_dearer_to_run() -> None:
    """At 2 USD per GPU-hour lp-aoc (1,768.87 USD per link over the horizon) beats aoc (2,306.62) and draws
    less power: aoc is dominated and left out before the build. Without the site neither dominates the
    other (aoc is cheaper to buy, lp-aoc draws less), and the optimum never depends on the pruning."""
    site = {"gpu_w": 1000, "gpu_hour_usd": 2.0}
    assert [o.id for o in build_data(load_instance(site_instance(site))).col_option] == ["lp-aoc-800"]
    assert len(build_data(load_instance(site_instance(None))).col_option) == 2
    pruned = solve_verified(site_instance(site))
    kept = solve_verified(site_instance(site), prune_dominated=False)
    assert pruned.objective == pytest.approx(kept.objective, rel=1e-12)
    assert pruned.objective == pytest.approx(31200 + 532 * (E_PER_W + SITE_PER_W), rel=1e-9)
    # under a power cap the cheaper-to-run option must also draw no more power: aoc draws more, still pruned;
    # the dearer-to-run lp-aoc is never pruned by aoc, which draws more
    capped = {**site, "it_power_w": 9000}
    assert [o.id for o in build_data(load_instance(site_instance(capped))).col_option] == ["lp-aoc-800"]


def _relaxation(d: ModelData) -> float:
    """Objective of the LP relaxation of the model of ``d`` (integrality dropped, no presolve)."""
    import highspy

    a = linear_arrays(build_model(d))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(a.cost), len(a.row_lower)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = a.cost, a.col_lower, a.col_upper
    lp.row_lower_, lp.row_upper_ = a.row_lower, a.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.values
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")
    h.passModel(lp)
    h.run()
    return float(h.getInfo().objective_function_value) + a.offset


def test_model_cover_rows_close_the_relaxation_gap_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """8 hosts x 8 ports, one leaf of sw64 (20,000 USD, 500 W) or sw-cpo (30,000 USD, 600 W), 6,400 Gb/s:
    8 links of dr-800 + dr-800 (2 x 1,200 USD + 10 m of fibre at 0.5 USD/m = 2,405 USD, 32 W, at sw64) or
    dr-800 + cpo-800 (1,200 + 800 + 5 = 2,005 USD, 21 W, at sw-cpo).
    With P = e + s USD per W: sw64 costs 39,240 + 756 P, sw-cpo 46,040 + 768 P: the MIP picks sw64.
    Without the cover rows the relaxation carries every link on CPO ends and buys 1/8 of a sw-cpo (its 64
    ports take 8 links) and 7/8 of a sw64 carrying nothing: 7/8 (20,000 + 500 P) + 1/8 (30,000 + 600 P)
    + 8 (2,005 + 21 P) = 37,290 + 680.5 P. The cover rows n[i at sw64] >= 8 z[sw64] and
    n[i at sw-cpo] >= 8 z[sw-cpo] tie each model to the links it carries: the relaxation is the MIP's."""
    inst = site_instance({"gpu_w": 1000, "gpu_hour_usd": 2.0})
    inst["nodes"][0]["ports"] = 8
    inst["nodes"][1]["models"] = ["sw64", "sw-cpo"]
    inst["links"][0]["allowed"] = ["dr-800", "cpo-800"]
    p = E_PER_W + SITE_PER_W
    d = build_data(load_instance(inst))
    assert [(o.id, o.cost_usd, o.power_w) for o in d.col_option] == [
        ("dr-800+cpo-800", 2005.0, 21.0),
        ("dr-800+dr-800", 2405.0, 32.0),
    ]
    assert d.cover_rows() == [([1], 0, 8), ([0], 1, 8)]  # (columns at the model, choice, fewest links)
    plan = solve_verified(inst)
    assert plan.objective == pytest.approx(39240 + 756 * p, rel=1e-9)
    assert str(plan.nodes["model"].iloc[0]) == "sw64"
    assert _relaxation(d) == pytest.approx(39240 + 756 * p, rel=1e-9)
    monkeypatch.setattr(ModelData, "cover_rows", lambda self: [])
    assert _relaxation(d) == pytest.approx(37290 + 680.5 * p, rel=1e-9)


def test_model_cover_rows_left_out_beyond_their_cap_keep_the_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ``COVER_ROWS_MAX`` rows (large explicit fabrics) none is added: the relaxation is the weaker one
    (37,290 + 680.5 P, as without the rows) and the optimum is the same (39,240 + 756 P)."""
    import optimizer.core.data as data_module

    inst = site_instance({"gpu_w": 1000, "gpu_hour_usd": 2.0})
    inst["nodes"][0]["ports"] = 8
    inst["nodes"][1]["models"] = ["sw64", "sw-cpo"]
    inst["links"][0]["allowed"] = ["dr-800", "cpo-800"]
    p = E_PER_W + SITE_PER_W
    monkeypatch.setattr(data_module, "COVER_ROWS_MAX", 1)
    d = build_data(load_instance(inst))
    assert d.cover_rows() == []
    assert _relaxation(d) == pytest.approx(37290 + 680.5 * p, rel=1e-9)
    assert solve_verified(inst).objective == pytest.approx(39240 + 756 * p, rel=1e-9)


def test_a_path_no_plan_can_exceed_gets_no_row() -> None:
    """A path gpu -> leaf -> gpu over two 149 ns cables (100 ns plus 49 ns of propagation over 10 m) and a
    200 ns sw64 takes at most 498 ns in any plan: with a 498 ns budget its row (and the group's indicator
    rows) is left out and the plan is the one without the path; at 497 ns it stays (and no plan meets it)."""

    def with_path(budget_ns: float) -> dict[str, Any]:
        path = {"id": "p", "via": ["gpu", "leaf", "gpu"], "links": ["gpu-leaf", "gpu-leaf"]}
        return site_instance({"gpu_w": 1000, "gpu_hour_usd": 2.0}, paths=[{**path, "max_latency_ns": budget_ns}])

    loose = build_data(load_instance(with_path(498)))
    assert [o.latency_ns for o in loose.col_option] == [149.0]
    assert loose.binding_paths() == [] and len(loose.paths) == 1
    assert [p.id for p in build_data(load_instance(with_path(497))).binding_paths()] == ["p"]
    m = build_model(loose)
    assert not any(hasattr(m, name) for name in ("latency_used", "latency_worst_option", "latency_path_budget"))
    assert hasattr(build_model(build_data(load_instance(with_path(497)))), "latency_path_budget")
    base = solve_verified(site_instance({"gpu_w": 1000, "gpu_hour_usd": 2.0}))
    plan = solve_verified(with_path(498))
    assert plan.objective == pytest.approx(base.objective, rel=1e-12)
    assert float(plan.paths["latency_ns"].iloc[0]) == 498.0
    assert optimizer.solve(load_instance(with_path(497))).status == "infeasible"  # the row is there and decides


def test_planner_decides_the_feasibility_jump(monkeypatch: pytest.MonkeyPatch) -> None:
    """``SolveOptions.feasibility_jump=None`` (the default) reaches HiGHS as off for the link-count model and on
    for routed demands; an explicit True or False is passed through. The optimum is the same either way."""
    from test_routing import net

    from optimizer.core import pipeline

    seen: list[bool | None] = []
    real = pipeline.solve_model

    def spy(m: Any, options: optimizer.SolveOptions, deadline: float | None = None) -> Any:
        seen.append(options.feasibility_jump)
        return real(m, options, deadline)

    monkeypatch.setattr(pipeline, "solve_model", spy)
    inst = site_instance({"gpu_w": 1000, "gpu_hour_usd": 2.0})
    off = optimizer.solve(inst)
    on = optimizer.solve(inst, optimizer.SolveOptions(feasibility_jump=True))
    assert seen == [False, True]
    assert off.objective == pytest.approx(on.objective, rel=1e-12)
    routed = net(
        [{"id": "AB", "a": "A", "b": "B", "allowed": ["c100", "c400"]}],
        [{"id": "d", "src": "A", "dst": "B", "gbps": 300}],
    )
    assert optimizer.solve(routed).objective == pytest.approx(30.0)  # 3 x c100 (30 USD) or 1 x c400 (30 USD)
    assert seen[-1] is True
    with pytest.raises(ValueError, match="feasibility_jump"):
        optimizer.SolveOptions(feasibility_jump="off")  # type: ignore[arg-type]
