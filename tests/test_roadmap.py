"""Roadmaps over several periods: hand-checkable two-period optima (instances/README.md, "Roadmaps over
several periods"). Each test computes the optimum by hand in a comment and checks the planner and the
verifier against it. Figures are round test numbers, not the built-in catalogue."""

from __future__ import annotations

import copy
import json
import re
import shlex
from typing import Any

import pytest
import yaml
from helpers import INSTANCES

import optimizer
from optimizer.core.load import load_instance
from optimizer.core.roadmap_plan import RoadmapPlan, solve_roadmap
from optimizer.core.solve import SolveOptions, SolveStatus
from optimizer.core.verify import check_roadmap

HOURS = 8766.0


def _catalog(transceivers: list[dict[str, Any]], media: dict[str, float] | None = None) -> dict[str, Any]:
    src = "test figures"
    return {
        "media": [{"id": k, "cost_usd_per_m": v, "latency_ns_per_m": 5.0} for k, v in (media or {"mmf": 0.0}).items()],
        "transceivers": [
            {"form": "pluggable", "media": "mmf", "reach_m": 500, "latency_ns": 1, "source": src, **t}
            for t in transceivers
        ],
        "cables": [],
        "switches": [
            {
                "id": "sw",
                "capacity_gbps": 102400,
                "max_ports": 64,
                "max_port_gbps": 800,
                "forms": ["pluggable"],
                "power_w": 0,
                "cost_usd": 0,
                "latency_ns": 100,
                "source": src,
            }
        ],
    }


def _instance(
    catalog: dict[str, Any],
    steps: list[dict[str, Any]],
    *,
    demand_gbps: float = 3200,
    gpus: int = 8,
    length_m: float = 10,
    kwh_usd: float = 0.0,
    rate: float = 0.0,
    end_year: int = 2028,
    installed: dict[str, Any] | None = None,
    count: int | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": 1,
        "name": "roadmap-test",
        "economics": {"electricity_usd_per_kwh": kwh_usd, "pue": 1.0, "years": 2},
        "catalog": catalog,
        "nodes": [
            {"id": "gpu", "kind": "nic", "count": gpus, "max_port_gbps": 800},
            {"id": "leaf", "kind": "switch", "count": 1, "models": ["sw"]},
        ],
        "links": [{"id": "gl", "a": "gpu", "b": "leaf", "length_m": length_m, "demand_gbps": demand_gbps}],
        "periods": {"discount_rate": rate, "end_year": end_year, "steps": steps},
    }
    if count is not None:
        doc["links"][0]["count"] = count
    if installed is not None:
        doc["installed"] = installed
    return doc


def solve_checked(doc: dict[str, Any]) -> RoadmapPlan:
    """Solve a roadmap exactly (1 thread, gap 0) and assert the verifier accepts every part of it."""
    instance = load_instance(doc)
    rp = solve_roadmap(instance, SolveOptions(threads=1, mip_rel_gap=0.0, time_limit_s=60.0))
    assert rp.status == SolveStatus.OPTIMAL
    violations = check_roadmap(instance, rp.to_dict(), [p.to_dict() for p in rp.plans])
    assert violations == [], "\n".join(f"{v.where}: {v.message}" for v in violations)
    return rp


def _bought(rp: RoadmapPlan, t: int) -> dict[str, int]:
    return {x["option"]: x["count"] for x in rp.periods[t]["purchases"]["links"]}


ONE_PERIOD = [
    INSTANCES / "tiny.yaml",
    INSTANCES / "latency-cpo-1k.yaml",
    INSTANCES / "reliability-pod-2k-800g.yaml",
    INSTANCES / "library" / "rail-fat-tree-1k-800g.yaml",
]


@pytest.mark.parametrize("site", [False, True], ids=["", "site"])
@pytest.mark.parametrize("path", ONE_PERIOD, ids=lambda p: p.stem)
def test_one_period_roadmap_is_todays_plan(path: Any, site: bool) -> None:
    doc = yaml.safe_load(path.read_text())
    if site:  # the site power envelope prices every network watt at the GPU capacity it displaces
        doc["site"] = {"gpu_w": 1400, "gpu_hour_usd": 2.5}
    single = optimizer.solve(
        optimizer.load_instance(copy.deepcopy(doc)), optimizer.SolveOptions(threads=1, mip_rel_gap=0)
    )
    doc["periods"] = {"steps": [{"year": 2026}]}
    rp = solve_checked(doc)
    assert rp.objective == pytest.approx(single.objective, rel=1e-9)
    assert rp.plans[0].objective == pytest.approx(single.objective, rel=1e-9)
    got = sorted(zip(rp.plans[0].links["group"], rp.plans[0].links["option"], rp.plans[0].links["count"], strict=True))
    want = sorted(zip(single.links["group"], single.links["option"], single.links["count"], strict=True))
    assert got == want


@pytest.mark.parametrize("by", ["item", "technology"])
@pytest.mark.parametrize(("decline", "defer"), [(0.4, True), (0.0, False)])
def test_purchase_deferred_when_the_price_falls_faster_than_the_discount_rate(
    decline: float, defer: bool, by: str
) -> None:
    # 8 GPUs, each with its own link (count 8), installed: 8 links old+old (400G, 2 x 14 W). 2026 needs
    # 3,200 Gb/s (the old links carry it),
    # 2027 needs 6,400 Gb/s: 8 links new+new (800G, 2 x 2 W, 500 $ an end in 2026). Energy: 1 $/kWh, pue 1:
    # e = 8.766 $ per W-year; each period lasts one year; discount rate 10 %: df(2027) = 1/1.1.
    # Buy the 8 new links in 2026: 8 x 1,000 + (2026 energy) 8 x 4 x e + (2027) 8 x 4 x e / 1.1
    # Defer to 2027:               8 x 1,000 x f / 1.1 + 8 x 28 x e + 8 x 4 x e / 1.1, f = (1 - decline)
    # buy-now - defer = 8,000 (1 - f / 1.1) - 8 x 24 x e = 8,000 (1 - f/1.1) - 1,683.07:
    #   decline 40 %: 8,000 x 0.4545 = 3,636.4 > 1,683.1 -> defer; decline 0: 727.3 < 1,683.1 -> buy in 2026.
    cat = _catalog(
        [
            {"id": "old", "speed_gbps": 400, "power_w": 14, "cost_usd": 300},
            {
                "id": "new",
                "speed_gbps": 800,
                "power_w": 2,
                "cost_usd": 500,
                "price_decline_per_year": decline,
                "price_year": 2026,
            },
        ]
    )
    steps = [{"year": 2026}, {"year": 2027, "links": {"gl": {"demand_gbps": 6400}}}]
    installed = {
        "links": [{"group": "gl", "option": "old+old", "count": 8}],
        "switches": [{"group": "leaf", "model": "sw", "count": 1}],
    }
    doc = _instance(cat, steps, kwh_usd=1.0, rate=0.1, installed=installed, count=8)
    if by == "technology":  # the same decline given for every DSP module ('old' is one too, never bought)
        del cat["transceivers"][1]["price_decline_per_year"]
        doc["periods"]["price_decline_per_year"] = {"dsp": decline}
    rp = solve_checked(doc)
    e = HOURS / 1000
    f = 1 - decline
    now = 8 * 1000 + 8 * 4 * e + 8 * 4 * e / 1.1
    later = 8 * 1000 * f / 1.1 + 8 * 28 * e + 8 * 4 * e / 1.1
    assert rp.objective == pytest.approx(min(now, later), rel=1e-9)
    assert _bought(rp, 0) == ({} if defer else {"new+new": 8})
    assert _bought(rp, 1) == ({"new+new": 8} if defer else {})


def test_single_mode_fibre_bought_early_for_the_next_optics() -> None:
    # 8 links of 50 m. 2026: 3,200 Gb/s (400G); 2027: 6,400 Gb/s over 800G DR optics on single-mode fibre only
    # (dr800, available from 2027). Fibre: multimode 4 $/m (200 $ a link), single-mode 6 $/m (300 $ a link).
    # 2026 alone: mm400 link 2 x 100 + 200 = 400 $ < sm400 2 x 150 + 300 = 600 $ (the snapshot buys multimode).
    # Multimode now, re-cable later: 8 x 400 + 8 x (2 x 300 + 300) = 3,200 + 7,200 = 10,400 $
    # Single-mode now, reused:       8 x 600 + 8 x (2 x 300)       = 4,800 + 4,800 =  9,600 $  <- optimum
    cat = _catalog(
        [
            {"id": "mm400", "speed_gbps": 400, "power_w": 0, "cost_usd": 100},
            {"id": "sm400", "speed_gbps": 400, "power_w": 0, "cost_usd": 150, "media": "smf"},
            {"id": "dr800", "speed_gbps": 800, "power_w": 0, "cost_usd": 300, "media": "smf", "year": 2027},
        ],
        media={"mmf": 4.0, "smf": 6.0},
    )
    steps = [{"year": 2026}, {"year": 2027, "links": {"gl": {"demand_gbps": 6400}}}]
    rp = solve_checked(_instance(cat, steps, length_m=50))
    assert rp.objective == pytest.approx(9600)
    assert _bought(rp, 0) == {"sm400+sm400": 8} and _bought(rp, 1) == {"dr800+dr800": 8}
    assert rp.periods[0]["purchases"]["fibre"] == [{"group": "gl", "media": "smf", "count": 8, "cost_usd": 2400.0}]
    assert rp.periods[1]["purchases"]["fibre"] == []
    snapshot = optimizer.solve(load_instance({**_instance(cat, steps, length_m=50), "periods": None}))
    assert snapshot.objective == pytest.approx(3200) and set(snapshot.links["option"]) == {"mm400+mm400"}


def test_part_unavailable_in_the_first_period_is_adopted_in_the_second() -> None:
    # 2026: 8 GPUs, 8 x 400G links; 2027: 16 GPUs, 6,400 Gb/s. 'cheap' (50 $ an end) ships from 2027; 'dear' 200 $.
    # 2026 can only buy dear: 8 x 400 = 3,200; 2027 keeps them and adds 8 cheap links: 8 x 100 = 800. NPV 4,000 $.
    # (Were cheap buyable in 2026: 16 x 100 = 1,600 $.)
    def cat(year: int | None) -> dict[str, Any]:
        cheap = {"id": "cheap", "speed_gbps": 400, "power_w": 0, "cost_usd": 50}
        return _catalog(
            [
                {"id": "dear", "speed_gbps": 400, "power_w": 0, "cost_usd": 200},
                {**cheap, "year": year} if year else cheap,
            ]
        )

    steps = [{"year": 2026}, {"year": 2027, "scale": 2, "nodes": {"gpu": 16}}]
    rp = solve_checked(_instance(cat(2027), steps))
    assert rp.objective == pytest.approx(4000)
    assert _bought(rp, 0) == {"dear+dear": 8} and _bought(rp, 1) == {"cheap+cheap": 8}
    assert solve_checked(_instance(cat(None), steps)).objective == pytest.approx(1600)


def test_supply_cap_forces_a_mix() -> None:
    # 8 links in 2026, 16 in 2027 (16 GPUs). 'cheap' 100 $ an end, 'dear' 200 $; only 5 cheap units can be
    # bought in 2026 and none in 2027; discount rate 10 % (a purchase is made when it is needed). Each cheap
    # end saves 100 $: 2026 costs 8 x 400 - 5 x 100 = 2,700, 2027 adds 8 dear links 3,200 / 1.1:
    # NPV 5,609.09 $ (uncapped: 8 x 200 + 8 x 200 / 1.1 = 3,054.55 $).
    cat = _catalog(
        [
            {"id": "cheap", "speed_gbps": 400, "power_w": 0, "cost_usd": 100},
            {"id": "dear", "speed_gbps": 400, "power_w": 0, "cost_usd": 200},
        ]
    )
    steps = [
        {"year": 2026, "supply": {"cheap": 5}},
        {"year": 2027, "scale": 2, "nodes": {"gpu": 16}, "supply": {"cheap": 0}},
    ]
    rp = solve_checked(_instance(cat, steps, rate=0.1))
    assert rp.objective == pytest.approx(2700 + 3200 / 1.1)
    cheap_units = sum(c * x.split("+").count("cheap") for x, c in _bought(rp, 0).items())
    assert cheap_units == 5 and _bought(rp, 1) == {"dear+dear": 8}
    for step in steps:
        del step["supply"]
    assert solve_checked(_instance(cat, steps, rate=0.1)).objective == pytest.approx(1600 + 1600 / 1.1)


def test_installed_base_is_kept_rather_than_replaced() -> None:
    # Installed: 1 switch (1,000 $ to buy again) and 8 links old+old (2 x 14 W); demand 3,200 Gb/s in 2026 and
    # 2027. A new link costs 200 $ and saves 2 x 10 W. Energy 0.1 $/kWh, pue 1: 0.8766 $ per W-year; no discount.
    # Keep: energy 8 x 28 x 0.8766 x 2 years = 392.7168 $. Replace all: 1,600 + 8 x 8 x 0.8766 x 2 = 1,712.2 $.
    # (Each link: keep 49.09 $ < replace 200 + 14.03 $.) Optimum: keep everything, buy nothing.
    cat = _catalog(
        [
            {"id": "old", "speed_gbps": 400, "power_w": 14, "cost_usd": 300},
            {"id": "new", "speed_gbps": 400, "power_w": 4, "cost_usd": 100},
        ]
    )
    cat["switches"][0]["cost_usd"] = 1000
    installed = {
        "links": [{"group": "gl", "option": "old+old", "count": 8}],
        "switches": [{"group": "leaf", "model": "sw", "count": 1}],
    }
    steps = [{"year": 2026}, {"year": 2027}]
    rp = solve_checked(_instance(cat, steps, kwh_usd=0.1, installed=installed))
    assert rp.objective == pytest.approx(8 * 28 * 0.8766 * 2, rel=1e-9)
    assert all(p["links_bought"] == 0 and p["switches_bought"] == 0 for p in rp.periods)
    assert list(rp.plans[1].links["option"]) == ["old+old"]
    fresh = solve_checked(_instance(cat, steps, kwh_usd=0.1))  # nothing installed: buy the switch and 8 new links
    assert fresh.objective == pytest.approx(1000 + 1600 + 8 * 8 * 0.8766 * 2, rel=1e-9)


def test_lead_time_brings_a_purchase_into_a_later_period() -> None:
    # 'slow' (100 $ an end) has a lead time of one year: bought in 2026 it serves from 2027, bought in 2027 it
    # would arrive after the last period (not buyable). 'dear' (200 $) has none. 2026: 8 links, 2027: 16.
    # 2026 buys 8 dear links (8 x 400 = 3,200) and orders 8 slow links for 2027 (8 x 200 = 1,600): NPV 4,800 $
    # (without the lead time: 16 slow links, 3,200 $).
    cat = _catalog(
        [
            {"id": "dear", "speed_gbps": 400, "power_w": 0, "cost_usd": 200},
            {"id": "slow", "speed_gbps": 400, "power_w": 0, "cost_usd": 100, "lead_time_years": 1},
        ]
    )
    steps = [{"year": 2026}, {"year": 2027, "scale": 2, "nodes": {"gpu": 16}}]
    rp = solve_checked(_instance(cat, steps))
    assert rp.objective == pytest.approx(4800)
    links = {x["option"]: x for x in rp.periods[0]["purchases"]["links"]}
    assert links["dear+dear"]["count"] == 8 and links["dear+dear"]["in_service_from"] == 2026
    assert links["slow+slow"]["count"] == 8 and links["slow+slow"]["in_service_from"] == 2027
    assert set(rp.plans[0].links["option"]) == {"dear+dear"}
    del cat["transceivers"][1]["lead_time_years"]
    assert solve_checked(_instance(cat, steps)).objective == pytest.approx(3200)


def test_period_budget_caps_the_purchases() -> None:
    # The deferral case with no price decline (buying the 8 new links in 2026 pays: each saves
    # 24 W x 8.766 = 210.38 $ of 2026 energy and costs 1,000 - 1,000/1.1 = 90.91 $ more) under a 2026 budget
    # of 4,000 $: only 4 links are bought in 2026, 4 in 2027. NPV = defer-all - 4 x (210.38 - 90.91).
    cat = _catalog(
        [
            {"id": "old", "speed_gbps": 400, "power_w": 14, "cost_usd": 300},
            {"id": "new", "speed_gbps": 800, "power_w": 2, "cost_usd": 500},
        ]
    )
    steps = [{"year": 2026, "max_capex_usd": 4000}, {"year": 2027, "links": {"gl": {"demand_gbps": 6400}}}]
    installed = {
        "links": [{"group": "gl", "option": "old+old", "count": 8}],
        "switches": [{"group": "leaf", "model": "sw", "count": 1}],
    }
    rp = solve_checked(_instance(cat, steps, kwh_usd=1.0, rate=0.1, installed=installed, count=8))
    e = HOURS / 1000
    later = 8 * 1000 / 1.1 + 8 * 28 * e + 8 * 4 * e / 1.1
    assert rp.objective == pytest.approx(later - 4 * (24 * e - (1000 - 1000 / 1.1)), rel=1e-9)
    assert _bought(rp, 0) == {"new+new": 4} and _bought(rp, 1) == {"new+new": 4}
    assert rp.periods[0]["capex_usd"] == pytest.approx(4000)


def test_infeasible_roadmap_names_the_period_and_the_limit() -> None:
    # 4 W a link, power cap 50 W: 8 links (32 W) fit in 2026, 16 links (64 W) in 2027 do not.
    cat = _catalog([{"id": "x", "speed_gbps": 400, "power_w": 2, "cost_usd": 100}])
    doc = _instance(cat, [{"year": 2026}, {"year": 2027, "scale": 2, "nodes": {"gpu": 16}}])
    doc["limits"] = {"max_power_w": 50}
    rp = solve_roadmap(load_instance(doc), SolveOptions(threads=1, time_limit_s=60))
    assert rp.status == SolveStatus.INFEASIBLE
    assert rp.diagnostics and all(note.startswith("2027: ") for note in rp.diagnostics)
    assert "64" in " ".join(rp.diagnostics)


def _fibre_roadmap() -> tuple[optimizer.Instance, dict[str, Any], list[dict[str, Any]]]:
    instance = load_instance(INSTANCES.parent / "tests" / "data" / "roadmap" / "fibre-reuse.yaml")
    rp = solve_roadmap(instance, SolveOptions(threads=1, mip_rel_gap=0.0))
    return instance, rp.to_dict(), [p.to_dict() for p in rp.plans]


def test_verifier_catches_a_broken_roadmap() -> None:
    instance, roadmap, plans = _fibre_roadmap()
    assert check_roadmap(instance, roadmap, plans) == []

    no_fibre = copy.deepcopy(roadmap)  # the single-mode fibre never laid: the 2026 and 2027 links have none
    no_fibre["periods"][0]["purchases"]["fibre"] = []
    found = {v.where for v in check_roadmap(instance, no_fibre, plans)}
    assert {"periods[0].fibre.gl", "periods[1].fibre.gl"} <= found

    fewer = copy.deepcopy(roadmap)  # 7 modules bought, 8 links in service
    fewer["periods"][1]["purchases"]["links"][0]["count"] = 7
    assert "periods[1].links.gl" in {v.where for v in check_roadmap(instance, fewer, plans)}

    early = copy.deepcopy(roadmap)  # dr800 bought in 2026, before its year
    early["periods"][0]["purchases"]["links"].append(copy.deepcopy(roadmap["periods"][1]["purchases"]["links"][0]))
    assert any("before its year" in v.message for v in check_roadmap(instance, early, plans))

    npv = copy.deepcopy(roadmap)
    npv["objective"] += 1.0
    assert [v.where for v in check_roadmap(instance, npv, plans)] == ["objective"]


def test_solve_command_writes_the_roadmap(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from optimizer.cli import main

    path = INSTANCES.parent / "tests" / "data" / "roadmap" / "fibre-reuse.yaml"
    assert main(["solve", str(path), "--out", str(tmp_path), "-q", "--plot"]) == 0
    assert "NPV 9,600.00" in capsys.readouterr().out
    assert (tmp_path / "roadmap.png").read_bytes()[:4] == b"\x89PNG"
    doc = json.loads((tmp_path / "roadmap.json").read_text())
    assert doc["format"] == "optimizer-roadmap/1" and doc["objective"] == pytest.approx(9600)
    for year in (2026, 2027):
        plan = json.loads((tmp_path / str(year) / "plan.json").read_text())
        assert plan["format"] == "optimizer-plan/1" and plan["status"] == "optimal"
    assert (tmp_path / "roadmap.csv").read_text().splitlines()[0].startswith("year,capex_usd")
    assert main(["solve", str(path), "--json", "-q"]) == 0
    assert json.loads(capsys.readouterr().out)["npv_usd"] == pytest.approx(9600)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["periods"]["steps"].__setitem__(1, {"year": 2026}), "periods.steps[1].year"),
        (lambda d: d["periods"].__setitem__("end_year", 2027), "periods.end_year"),
        (
            lambda d: d["periods"]["steps"][0].__setitem__("links", {"nope": {"count": 1}}),
            "periods.steps[0].links.nope",
        ),
        (lambda d: d["periods"]["steps"][0].__setitem__("absent", ["ghost"]), "periods.steps[0].absent[0]"),
        (lambda d: d["periods"]["steps"][0].__setitem__("supply", {"ghost": 1}), "periods.steps[0].supply.ghost"),
        (lambda d: d.__setitem__("objective", "power"), "objective"),
        (
            lambda d: d.__setitem__("installed", {"switches": [{"group": "leaf", "model": "th5", "count": 1}]}),
            "installed.switches[0].model",
        ),
        (lambda d: d.pop("periods") and d.__setitem__("installed", {}), "installed"),
        (
            lambda d: d["links"][0].update(demand_gbps=1e7) or d["periods"]["steps"][0].update(scale=1e6),
            "periods.steps[0].scale",
        ),
        (lambda d: d["periods"]["steps"][0].__setitem__("scale", 2e6), "periods.steps[0].scale"),  # above 1e6
    ],
)
def test_bad_roadmap_input_is_reported(change: Any, where: str) -> None:
    doc = yaml.safe_load((INSTANCES.parent / "tests" / "data" / "roadmap" / "fibre-reuse.yaml").read_text())
    change(doc)
    with pytest.raises(optimizer.InstanceError) as info:
        load_instance(doc)
    assert where in [i.where for i in info.value.issues]


def test_installed_option_that_is_not_an_option_is_an_input_error() -> None:
    doc = yaml.safe_load((INSTANCES.parent / "tests" / "data" / "roadmap" / "fibre-reuse.yaml").read_text())
    doc["installed"] = {"links": [{"group": "gl", "option": "mm400+sm400", "count": 8}]}
    with pytest.raises(optimizer.InstanceError) as info:
        solve_roadmap(load_instance(doc))
    assert [i.where for i in info.value.issues] == ["installed.links[0]"]


def test_plain_solve_refuses_a_roadmap() -> None:
    instance = load_instance(INSTANCES.parent / "tests" / "data" / "roadmap" / "fibre-reuse.yaml")
    with pytest.raises(optimizer.InstanceError, match="solve_roadmap"):
        optimizer.solve(instance)


@pytest.mark.parametrize("tiers", ["resize", "final"])
def test_generator_growth_roadmap_extends_each_period(tiers: str, tmp_path: Any) -> None:
    from optimizer.cli import main

    out = tmp_path / "grow.json"
    args = ["generate", "--growth", "2048,8192", "--growth-years", "2026,2027", "--growth-tiers", tiers, "-o", str(out)]
    assert main(args) == 0
    doc = json.loads(out.read_text())
    steps = doc["periods"]["steps"]
    assert [s["year"] for s in steps] == [2026, 2027] and doc["periods"]["discount_rate"] == 0.08
    nic = [sum(c for k, c in s["nodes"].items() if k.startswith("gpu")) for s in steps]
    assert nic == [2048, 8192]
    assert "core" in steps[0]["absent"] and "core" not in steps[1].get("absent", [])  # 2 tiers, then 3
    if tiers == "final":  # the spine is sized for the final size from the start
        assert steps[0]["nodes"]["spine"] == steps[1]["nodes"]["spine"]
    else:
        assert steps[0]["nodes"]["spine"] != steps[1]["nodes"]["spine"]
    rp = solve_checked(doc)
    kept = {(x["group"], x["option"]): x["count"] for x in rp.plans[0].links.to_dict("records")}
    assert rp.periods[1]["links_retired"] == 0 and all(kept.values())  # the 2026 fabric stays in service
    for (group, option), count in kept.items():
        in_2027 = rp.plans[1].links
        assert in_2027[(in_2027["group"] == group) & (in_2027["option"] == option)]["count"].sum() >= count


ROADMAPS = INSTANCES / "library" / "roadmaps"


def _tabled_npv() -> dict[str, float]:
    text = (INSTANCES / "README.md").read_text(encoding="utf-8")
    rows = re.finditer(r"^\| `library/roadmaps/([^`]+)` \|[^|]*\| (\w+) \| ([\d,.]+) \|", text, flags=re.M)
    return {m.group(1): float(m.group(3).replace(",", "")) for m in rows if m.group(2) == "optimal"}


def _library_roadmaps() -> list[Any]:
    # the NVIDIA roadmap takes 40-80 s on two loaded cores with the built-in price tables (HiGHS's root cut
    # rounds; benchmarks/README.md, "Roadmaps"): slow, so the default run stays fast
    return [
        pytest.param(name, marks=pytest.mark.slow) if "nvidia" in name else name
        for name in sorted(p.name for p in ROADMAPS.glob("*.yaml"))
    ]


@pytest.mark.parametrize("name", _library_roadmaps())
def test_library_roadmap_is_its_command_and_solves_to_the_tabled_npv(
    name: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from optimizer.cli import main

    text = (ROADMAPS / name).read_text(encoding="utf-8")
    argv = shlex.split(yaml.safe_load(text)["description"].split("Generated by: ", 1)[1])
    monkeypatch.chdir(INSTANCES.parent)
    assert main([*argv[1:], "-o", str(tmp_path / name)]) == 0
    assert (tmp_path / name).read_text(encoding="utf-8") == text
    instance = load_instance(ROADMAPS / name)
    rp = solve_roadmap(instance, SolveOptions(threads=1, time_limit_s=300.0))
    assert rp.status == SolveStatus.OPTIMAL
    assert check_roadmap(instance, rp.to_dict(), [p.to_dict() for p in rp.plans]) == []
    assert rp.objective == pytest.approx(_tabled_npv()[name], rel=1e-4)


def test_capex_objective_counts_only_the_purchases() -> None:
    # The deferral case with no price decline, planned for capex: the energy saving no longer counts, so the
    # 8 new links are bought when needed, in 2027: NPV 8 x 1,000 / 1.1 = 7,272.73 $. Power is no roadmap objective.
    cat = _catalog(
        [
            {"id": "old", "speed_gbps": 400, "power_w": 14, "cost_usd": 300},
            {"id": "new", "speed_gbps": 800, "power_w": 2, "cost_usd": 500},
        ]
    )
    steps = [{"year": 2026}, {"year": 2027, "links": {"gl": {"demand_gbps": 6400}}}]
    installed = {"links": [{"group": "gl", "option": "old+old", "count": 8}]}
    doc = _instance(cat, steps, kwh_usd=1.0, rate=0.1, installed=installed, count=8)
    instance = load_instance(doc)
    rp = solve_roadmap(instance, SolveOptions(threads=1, mip_rel_gap=0.0, objective="capex"))
    assert rp.objective_mode == "capex" and rp.objective == pytest.approx(8000 / 1.1)
    assert _bought(rp, 0) == {} and _bought(rp, 1) == {"new+new": 8}
    assert check_roadmap(instance, rp.to_dict(), [p.to_dict() for p in rp.plans]) == []
    with pytest.raises(optimizer.InstanceError, match="tco or capex"):
        solve_roadmap(instance, SolveOptions(objective="power"))


def test_infeasible_period_supply_is_named_with_the_least_change() -> None:
    # 8 links of the only part 'x' (2 ends each) in 2026, 16 in 2027; 2027 may buy only 10 units of x: the
    # 8 more links need 16, so the least change raises 2027's supply to 16. A 2026 budget of 500 $ for
    # 8 links of 200 $ must rise to 1,600 $.
    cat = _catalog([{"id": "x", "speed_gbps": 400, "power_w": 0, "cost_usd": 100}])
    steps = [
        {"year": 2026, "max_capex_usd": 500},
        {"year": 2027, "scale": 2, "nodes": {"gpu": 16}, "supply": {"x": 10}},
    ]
    rp = solve_roadmap(load_instance(_instance(cat, steps, rate=0.1)), SolveOptions(threads=1, time_limit_s=60))
    assert rp.status == SolveStatus.INFEASIBLE
    assert "2027: supply of x 10 units: raise to at least 16" in rp.diagnostics
    assert "2026: purchase budget 500.00 USD: raise max_capex_usd to at least 1,600.00" in rp.diagnostics


def test_switch_model_change_rebuys_the_links_it_cannot_take() -> None:
    # Installed: one pluggable switch 'plug' (1,000 W) and 8 links old+old. 'cposw' (0 W, 1,000 $, buyable
    # from 2027) takes only CPO ends, so moving to it re-terminates every link: 8 new links nicmod+eng
    # (100 $ + 100 $). Energy 1 $/kWh, pue 1: 8,766 $ per kW-year; discount 10 %, one-year periods.
    # 2026: keep 'plug': 8,766 $. 2027: keep (8,766 / 1.1) or change: (1,000 + 8 x 200) / 1.1 -> change.
    # NPV 8,766 + 2,600 / 1.1 = 11,129.64 $.
    cat = _catalog(
        [
            {"id": "old", "speed_gbps": 400, "power_w": 0, "cost_usd": 300},
            {"id": "nicmod", "speed_gbps": 400, "power_w": 0, "cost_usd": 100},
            {"id": "eng", "speed_gbps": 400, "power_w": 0, "cost_usd": 100, "form": "cpo"},
        ]
    )
    plug = {**cat["switches"][0], "id": "plug", "power_w": 1000, "cost_usd": 5000}
    cposw = {**cat["switches"][0], "id": "cposw", "forms": ["cpo"], "cost_usd": 1000, "year": 2027}
    cat["switches"] = [plug, cposw]
    doc = _instance(cat, [{"year": 2026}, {"year": 2027}], kwh_usd=1.0, rate=0.1, count=8)
    doc["nodes"][1]["models"] = ["plug", "cposw"]
    doc["installed"] = {
        "switches": [{"group": "leaf", "model": "plug", "count": 1}],
        "links": [{"group": "gl", "option": "old+old", "count": 8}],
    }
    rp = solve_checked(doc)
    assert rp.objective == pytest.approx(8766 + 2600 / 1.1, rel=1e-9)
    assert rp.periods[0]["links_bought"] == 0 and rp.periods[0]["switches_bought"] == 0
    assert _bought(rp, 1) == {"nicmod+eng": 8}
    assert [(s["model"], s["count"]) for s in rp.periods[1]["purchases"]["switches"]] == [("cposw", 1)]
    assert rp.periods[1]["retired"] == [{"group": "gl", "option": "old+old", "count": 8}]


def test_resale_value_makes_replacing_the_installed_base_pay() -> None:
    # The installed-base case with 'old' modules (300 $ each) reselling at half their price, discount 10 %
    # (0.8766 $ per W-year; 2027 counts 1/1.1). Keep: 8 x 28 x 0.8766 x (1 + 1/1.1) = 374.87 $. Replace all 8
    # links in 2026 and sell the old ones then: 1,600 + 8 x 8 x 0.8766 x (1 + 1/1.1) - 8 x 2 x 150 = -692.89 $
    # (selling in 2027 returns only 2,400 / 1.1). The switch (1,000 $) keeps its value only in service.
    cat = _catalog(
        [
            {"id": "old", "speed_gbps": 400, "power_w": 14, "cost_usd": 300, "resale_fraction": 0.5},
            {"id": "new", "speed_gbps": 400, "power_w": 4, "cost_usd": 100},
        ]
    )
    cat["switches"][0]["cost_usd"] = 1000
    installed = {
        "links": [{"group": "gl", "option": "old+old", "count": 8}],
        "switches": [{"group": "leaf", "model": "sw", "count": 1}],
    }
    doc = _instance(cat, [{"year": 2026}, {"year": 2027}], kwh_usd=0.1, rate=0.1, installed=installed)
    rp = solve_checked(doc)
    assert rp.objective == pytest.approx(1600 + 8 * 8 * 0.8766 * (1 + 1 / 1.1) - 2400, rel=1e-9)
    assert rp.periods[0]["sold"] == [{"group": "gl", "option": "old+old", "count": 8, "value_usd": 2400.0}]
    assert rp.periods[0]["resale_usd"] == pytest.approx(2400) and _bought(rp, 0) == {"new+new": 8}
    broken = rp.to_dict()  # selling more than is in stock
    broken["periods"][0]["sold"][0]["count"] = 9
    broken["periods"][0]["sold"][0]["value_usd"] = 2700.0
    plans = [p.to_dict() for p in rp.plans]
    assert "periods[0].sold[0]" in {
        v.where
        for v in check_roadmap(
            load_instance(_instance(cat, [{"year": 2026}, {"year": 2027}], kwh_usd=0.1, installed=installed)),
            broken,
            plans,
        )
    }


@pytest.mark.parametrize(("table", "capex_2027"), [({2027: 40}, 640.0), ({2028: 40}, 1600.0)])
def test_price_by_year_table_prices_each_period(table: dict[int, float], capex_2027: float) -> None:
    # 8 links in 2026, 16 in 2027 (16 GPUs); one module 'a', 100 $ an end (cost_usd); discount rate 10 %
    # (each purchase is made when it is needed). price_by_year {2027: 40}: 2026 costs 8 x 2 x 100 = 1,600,
    # 2027 adds 8 x 2 x 40 = 640 -> NPV 1,600 + 640 / 1.1 = 2,181.82 $.
    # {2028: 40}: no listed year <= 2027, so cost_usd both years: 1,600 + 1,600 / 1.1 = 3,054.55 $.
    cat = _catalog([{"id": "a", "speed_gbps": 400, "power_w": 0, "cost_usd": 100, "price_by_year": table}])
    steps = [{"year": 2026}, {"year": 2027, "scale": 2, "nodes": {"gpu": 16}}]
    rp = solve_checked(_instance(cat, steps, rate=0.1))
    assert [p["capex_usd"] for p in rp.periods] == pytest.approx([1600.0, capex_2027])
    assert rp.objective == pytest.approx(1600 + capex_2027 / 1.1)


@pytest.mark.parametrize(
    ("fields", "watts"),
    [({"power_decline_per_year": 0.5, "price_year": 2026}, (10.0, 5.0)), ({"power_by_year": {2027: 2}}, (10.0, 2.0))],
)
def test_power_trajectory_sets_each_periods_energy(fields: dict[str, Any], watts: tuple[float, float]) -> None:
    # 8 links of one free module 'a' (10 W an end in 2026) in both years; 1 $/kWh, pue 1: e = 8.766 $ per
    # W-year; each period lasts one year, no discounting. Energy per period = 8 links x 2 ends x W x e:
    # decline 50 %: 2026 16 x 10 x 8.766 = 1,402.56, 2027 16 x 5 x 8.766 = 701.28 -> NPV 2,103.84 $;
    # power_by_year {2027: 2}: 1,402.56 + 16 x 2 x 8.766 = 280.512 -> NPV 1,683.072 $.
    # The installed links keep working: stock has no vintage, every unit draws its period's figure.
    cat = _catalog([{"id": "a", "speed_gbps": 400, "power_w": 10, "cost_usd": 0, **fields}])
    steps = [{"year": 2026}, {"year": 2027}]
    rp = solve_checked(_instance(cat, steps, kwh_usd=1.0))
    e = HOURS / 1000
    assert [p["running_usd"] for p in rp.periods] == pytest.approx([16 * w * e for w in watts], rel=1e-9)
    assert rp.objective == pytest.approx(16 * sum(watts) * e, rel=1e-9)
    assert rp.periods[1]["links_bought"] == 0


@pytest.mark.parametrize("key", ["eml", "dsp"])
def test_supply_of_a_class_or_technology_caps_its_parts_together(key: str) -> None:
    # 8 links in 2026. 'a' and 'b' (100 $ an end, DSP modules, supply_class 'eml') and 'lin' (200 $, an LPO
    # module). The period can buy 6 units of the class (or of the technology dsp): 6 ends at 100 $, the
    # other 10 ends LPO at 200 $: 600 + 2,000 = 2,600 $ (uncapped: 16 x 100 = 1,600 $). The units of 'a' and
    # 'b' count together: each alone could supply 6.
    cat = _catalog(
        [
            {"id": "a", "speed_gbps": 400, "power_w": 0, "cost_usd": 100, "supply_class": "eml"},
            {"id": "b", "speed_gbps": 400, "power_w": 0, "cost_usd": 100, "supply_class": "eml"},
            {"id": "lin", "speed_gbps": 400, "power_w": 0, "cost_usd": 200, "technology": "lpo"},
        ]
    )
    steps = [{"year": 2026, "supply": {key: 6}}, {"year": 2027}]
    rp = solve_checked(_instance(cat, steps))
    assert rp.objective == pytest.approx(2600)
    cheap = sum(c * (x.split("+").count("a") + x.split("+").count("b")) for x, c in _bought(rp, 0).items())
    assert cheap == 6
    steps[0]["supply"] = {key: 5}  # the verifier sums the key's parts: 6 bought against a cap of 5
    tighter = load_instance(_instance(cat, steps))
    wrong = check_roadmap(tighter, rp.to_dict(), [p.to_dict() for p in rp.plans])
    assert [v.where for v in wrong] == [f"periods[0].supply.{key}"]
    del steps[0]["supply"]
    assert solve_checked(_instance(cat, steps)).objective == pytest.approx(1600)


def test_unknown_supply_key_is_an_input_error() -> None:
    cat = _catalog([{"id": "a", "speed_gbps": 400, "power_w": 0, "cost_usd": 100}])
    with pytest.raises(optimizer.InstanceError, match=r"periods\.steps\[0\]\.supply\.nosuch"):
        load_instance(_instance(cat, [{"year": 2026, "supply": {"nosuch": 6}}]))


def test_builtin_price_tables_follow_the_launch_price_fall() -> None:
    # Built-in optics launched from 2025 fall 40 % within 18 months of launch, read as 0.6^(2/3) = 0.7114 x
    # after 12 months and 0.6 x from 18 on, cost_usd being the 2026 price. cpo-dr-1600 (launched 2026,
    # 2,400 $): 2027 2,400 x 0.7114 = 1,707.31 $, 2028 2,400 x 0.6 = 1,440 $. dr8-1600 (launched 2025, so
    # 2,400 $ is already 0.7114 x its launch price): from 2027 2,400 x 0.6 / 0.7114 = 2,024.24 $.
    # dr8-800 (launched 2023) keeps 1,250 $; a file without periods sees cost_usd.
    instance = load_instance(ROADMAPS / "roadmap-16k-64k-128k-broadcom.yaml")  # built-in catalogue, 2026-2028
    from optimizer.core.periods import period_instance

    def price(t: int, item: str) -> float:
        return next(e.cost_usd for e in period_instance(instance, t).resolved_catalog.transceivers if e.id == item)

    assert [price(t, "cpo-dr-1600") for t in range(3)] == pytest.approx([2400, 1707.31, 1440], abs=0.01)
    assert [price(t, "dr8-1600") for t in range(3)] == pytest.approx([2400, 2024.24, 2024.24], abs=0.01)
    assert [price(t, "dr8-800") for t in range(3)] == [1250, 1250, 1250]
    flat = load_instance(INSTANCES / "library" / "rail-fat-tree-1k-800g.yaml")
    assert next(e.cost_usd for e in flat.resolved_catalog.transceivers if e.id == "cpo-dr-1600") == 2400
    for e in instance.resolved_catalog.transceivers:  # every table states its source
        assert not e.price_by_year or (e.trajectory_source and "40 %" in e.trajectory_source)
