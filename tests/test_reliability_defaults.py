"""Reliability defaults: job stops per link group, the NIC failure mode, fail-in-place repair, spares stocked
to a service level, and the built-in failure rates (LPO not rated above DSP, flap rates set)."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from helpers import solve_verified, tiny_catalog

import optimizer
from optimizer.core.catalog import CatalogIndex, builtin_catalog, technology
from optimizer.core.reliability import poisson_quantile
from optimizer.errors import InstanceError

H = 8766.0
SRC = "test figures for a hand-computed case"


def two_tier(reliability: dict[str, Any], modes: list[dict[str, Any]], **link_fields: Any) -> dict[str, Any]:
    """8 GPUs on 4 leaves (sw64) and 2 to 4 spines: 8 host links and 8 leaf-spine links, all SR-800 pairs.

    Path diversity of leaf-spine: P = min(4 leaves, 2 spines at the range minimum) = 2, so its default
    job_stop_fraction is 1/2; the host links (a NIC group at one end) stop the job on every failure."""
    catalog = tiny_catalog()
    catalog["reliability"] = [{"source": SRC, **m} for m in modes]
    return {
        "schema_version": 1,
        "name": "two-tier-test",
        "catalog": catalog,
        "reliability": reliability,
        "nodes": [
            {"id": "gpu", "kind": "nic", "count": 8, "max_port_gbps": 800},
            {"id": "leaf", "kind": "switch", "count": 4, "models": ["sw64"]},
            {"id": "spine", "kind": "switch", "count": {"min": 2, "max": 4}, "models": ["sw64"]},
        ],
        "links": [
            {
                "id": "gpu-leaf",
                "a": "gpu",
                "b": "leaf",
                "length_m": 10,
                "demand_gbps": 6400,
                "count": 8,
                "allowed": ["sr-800"],
                **link_fields.get("gpu-leaf", {}),
            },
            {
                "id": "leaf-spine",
                "a": "leaf",
                "b": "spine",
                "length_m": 10,
                "demand_gbps": 6400,
                "allowed": ["sr-800"],
                **link_fields.get("leaf-spine", {}),
            },
        ],
    }


SR = {"id": "sr-800.module", "item": "sr-800", "mode": "module", "fit": 1000, "repair": "module", "mttr_h": 0.5}
QUIET = {"gpu_hour_usd": 1.0, "restart_h": 0.5, "spares_factor": 0}


def _rows(plan: optimizer.Plan) -> dict[str, dict[str, Any]]:
    assert plan.reliability is not None
    return {r["group"]: r for r in plan.reliability["rows"] if r["kind"] == "link"}


def test_fabric_link_stops_the_job_less_often_than_a_single_homed_host_link() -> None:
    """Per link and year 2 modules x 1,000 FIT x 8,766 h = 0.017532 failures on either tier; a host link
    stops the job on each (x 1), an ECMP leaf-spine link with P = 2 on half of them (x 1/2)."""
    plan = solve_verified(two_tier({**QUIET, "idle_gpus_per_lost_link": 1.0}, [SR]))
    rows = _rows(plan)
    per_link = 2 * 1000e-9 * H  # 0.017532 failures per link and year
    assert rows["gpu-leaf"]["job_stop_fraction"] == 1.0 and rows["leaf-spine"]["job_stop_fraction"] == 0.5
    host = rows["gpu-leaf"]["interruptions_per_day"] / rows["gpu-leaf"]["count"]
    fabric = rows["leaf-spine"]["interruptions_per_day"] / rows["leaf-spine"]["count"]
    assert host == pytest.approx(per_link / 365.25, rel=1e-9)
    assert fabric == pytest.approx(per_link / 2 / 365.25, rel=1e-9)
    assert fabric < host
    # both tiers fail alike: 16 links x 0.017532 = 0.280512 failures per year
    r = plan.reliability
    assert r is not None
    assert r["failures_per_year"] == pytest.approx(16 * per_link, rel=1e-9)
    # interruptions: 8 x 0.017532 + 8 x 0.017532 / 2 = 0.210384 per year
    assert r["interruptions_per_day"] == pytest.approx(0.210384 / 365.25, rel=1e-9)
    # GPU-hours lost: each job stop costs 8 GPUs x 0.5 h; every failure (stopping the job or not) keeps its
    # link down 0.5 h with 1 GPU idle: 0.210384 x 4 + 0.280512 x 0.5 x 1 = 0.841536 + 0.140256 = 0.981792
    assert r["lost_gpu_hours_per_year"] == pytest.approx(0.981792, rel=1e-9)
    assert r["downtime_usd"] == pytest.approx(5 * 1.0 * 0.981792, rel=1e-9)

    # a dual-homed host link (the instance states it): a failure moves the traffic to the other switch and
    # stops the job only 1 time in 10 (0.0017532 per link and year), below the single-homed 0.017532
    dual = solve_verified(two_tier(QUIET, [SR], **{"gpu-leaf": {"job_stop_fraction": 0.1}}))
    dual_host = _rows(dual)["gpu-leaf"]
    assert dual_host["job_stop_fraction"] == 0.1
    assert dual_host["interruptions_per_day"] / 8 == pytest.approx(0.1 * per_link / 365.25, rel=1e-9)
    assert dual_host["interruptions_per_day"] / 8 < host


def test_job_stop_fraction_override_and_every_failure_stopping() -> None:
    """job_stop_fraction: 1 on the fabric group restores the rule that every failure stops the job:
    16 links x 0.017532 = 0.280512 interruptions per year; 0 on both groups: no interruption at all."""
    every = solve_verified(two_tier(QUIET, [SR], **{"leaf-spine": {"job_stop_fraction": 1}}))
    assert every.reliability is not None
    assert every.reliability["interruptions_per_day"] == pytest.approx(0.280512 / 365.25, rel=1e-9)
    none = solve_verified(
        two_tier(QUIET, [SR], **{"leaf-spine": {"job_stop_fraction": 0}, "gpu-leaf": {"job_stop_fraction": 0}})
    )
    assert none.reliability is not None
    assert none.reliability["interruptions_per_day"] == 0.0
    assert none.reliability["failures_per_year"] == pytest.approx(0.280512, rel=1e-9)


def test_nic_failure_mode_rates_host_links() -> None:
    """The generic ``nic`` mode adds 500 FIT per NIC end of the 8 host links, none on leaf-spine:
    NIC failures 8 x 500e-9 x 8,766 = 0.035064 per year, all stopping the job."""
    nic = {"id": "nic.port", "item": "nic", "mode": "port", "fit": 500, "repair": "nic", "mttr_h": 4}
    plan = solve_verified(two_tier(QUIET, [SR, nic]))
    rows = _rows(plan)
    modules = 2 * 1000e-9 * H * 8  # 0.140256 per year on each tier
    assert rows["gpu-leaf"]["failures_per_year"] == pytest.approx(modules + 0.035064, rel=1e-9)
    assert rows["leaf-spine"]["failures_per_year"] == pytest.approx(modules, rel=1e-9)
    assert "nic.port: 1 links, nic repair, 4 h" in rows["gpu-leaf"]["failure_domains"]
    # a NIC group naming a catalogue NIC with rows of its own takes those instead: 200 FIT per 2-port NIC,
    # whose failure takes both ports (domain 2), so each host link carries half a NIC:
    # 8 x 1/2 x 200e-9 x 8,766 = 0.0070128 failures per year, 0.0140256 links down
    doc = two_tier(QUIET, [SR, nic, {**nic, "id": "nic-a.nic", "item": "nic-a", "fit": 200}])
    doc["catalog"]["nics"] = [
        {"id": "nic-a", "ports": 2, "max_port_gbps": 800, "power_w": 20, "cost_usd": 1000, "source": SRC}
    ]
    doc["nodes"][0] = {"id": "gpu", "kind": "nic", "count": 8, "model": "nic-a"}
    own = _rows(solve_verified(doc))
    assert own["gpu-leaf"]["failures_per_year"] == pytest.approx(modules + 0.0070128, rel=1e-9)
    assert own["gpu-leaf"]["links_down_per_year"] == pytest.approx(modules + 0.0140256, rel=1e-9)


def _cpo_instance(engine: dict[str, Any]) -> dict[str, Any]:
    """8 host links, each a DR-800 at the NIC and a CPO-800 port of one sw-cpo leaf: 8 ports share one engine."""
    catalog = tiny_catalog()
    catalog["reliability"] = [
        {"id": "cpo-800.engine", "item": "cpo-800", "mode": "engine", "fit": 800, "domain_ends": 8, "source": SRC}
        | engine
    ]
    return {
        "schema_version": 1,
        "name": "cpo-repair-test",
        "catalog": catalog,
        "reliability": {"gpu_hour_usd": 1.0, "restart_h": 0.5, "idle_gpus_per_lost_link": 1.0, "spares_factor": 0},
        "nodes": [
            {"id": "gpu", "kind": "nic", "count": 8, "max_port_gbps": 800},
            {"id": "leaf", "kind": "switch", "count": 1, "models": ["sw-cpo"]},
        ],
        "links": [
            {
                "id": "gpu-leaf",
                "a": "gpu",
                "b": "leaf",
                "length_m": 10,
                "demand_gbps": 6400,
                "allowed": ["dr-800", "cpo-800"],
            }
        ],
    }


def test_fail_in_place_keeps_only_the_failed_ports_down_until_the_window() -> None:
    """One engine (8 links x 1/8) at 800 FIT fails 800e-9 x 8,766 = 0.0070128 times a year. A switch swap
    takes all 64 ports down for 4 h: 0.0070128 x 64 x 4 = 1.7952768 down link-hours; failing in place keeps
    the engine's 8 ports down half a 168 h window: 0.0070128 x 8 x 84 = 4.7126016 link-hours (fewer ports,
    but down longer: with idle GPUs priced the swap costs less link-hours here)."""
    swap = solve_verified(_cpo_instance({"repair": "switch", "repair_domain_ends": 64, "mttr_h": 4}))
    in_place = solve_verified(
        _cpo_instance({"repair": "fail_in_place", "repair_domain_ends": 64, "mttr_h": 4, "window_h": 168})
    )
    for plan in (swap, in_place):
        assert plan.reliability is not None
        assert plan.reliability["failures_per_year"] == pytest.approx(0.0070128, rel=1e-9)
    # lost GPU-hours: the job stop (8 GPUs x 0.5 h) plus 1 idle GPU per down link-hour
    assert swap.reliability is not None and in_place.reliability is not None
    assert swap.reliability["lost_gpu_hours_per_year"] == pytest.approx(0.0070128 * 4 + 1.7952768, rel=1e-9)
    assert in_place.reliability["lost_gpu_hours_per_year"] == pytest.approx(0.0070128 * 4 + 4.7126016, rel=1e-9)
    domain = in_place.reliability["cpo_failure_domains"][0]
    assert (domain["ports_lost"], domain["ports_down_in_repair"], domain["down_h"]) == (8, 8, 84.0)
    with pytest.raises(InstanceError, match="window_h"):
        optimizer.load_instance(_cpo_instance({"repair": "fail_in_place", "mttr_h": 4}))
    with pytest.raises(InstanceError, match="window_h"):
        optimizer.load_instance(_cpo_instance({"repair": "switch", "mttr_h": 4, "window_h": 168}))


def test_poisson_quantile_by_hand() -> None:
    # mu = 0.4: P(0) = e^-0.4 = 0.67032, P(<=1) = 0.67032 x 1.4 = 0.93845, P(<=2) = + 0.67032 x 0.08 = 0.99207
    assert poisson_quantile(0.95, 0.4) == 2
    # mu = 0.8: P(<=1) = 0.44933 x 1.8 = 0.80879 < 0.95 <= P(<=2) = + 0.44933 x 0.32 = 0.95258
    assert poisson_quantile(0.95, 0.8) == 2
    assert poisson_quantile(0.95, 0.05) == 0  # e^-0.05 = 0.9512: no spare needed
    assert poisson_quantile(0.95, 0.0) == 0
    # 23.6 expected failures need 32 spares for a 95 % service level (31 give 0.9428, 32 give 0.9612)
    assert poisson_quantile(0.95, 23.6) == 32
    assert poisson_quantile(0.95, 2000.0) == 2074  # no underflow: e^-2000 is below the smallest float


def test_spares_stocked_to_a_service_level() -> None:
    """SR-800 modules at 25,000 FIT (a test figure), spares lead time 1,000 h: 0.025 failures per module and
    lead time. Each group has 8 links, 16 modules: mu = 0.4, whose 95 % quantile is 2. The objective prices
    each group's own quantile, shared out per link: 2 + 2 = 4 spares x 900 USD = 3,600 USD of spares capex.
    The bill of materials stocks the quantile of the pooled 32 modules, mu = 0.8: 2 spares (1,800 USD), which
    cover a lead time with probability 0.952577."""
    sr = {**SR, "fit": 25000}
    plan = solve_verified(two_tier({"gpu_hour_usd": 0.0, "spares_lead_time_h": 1000}, [sr]))
    r = plan.reliability
    assert r is not None
    (row,) = r["spares"]
    assert row["failures_in_lead_time"] == pytest.approx(0.8, rel=1e-12)
    assert row["spares_needed"] == pytest.approx(4.0, rel=1e-12)
    assert row["capex_usd"] == pytest.approx(3600.0, rel=1e-12)
    assert row["spares"] == 2 and row["stock_capex_usd"] == 1800.0
    assert row["service_level"] == pytest.approx(math.exp(-0.8) * (1 + 0.8 + 0.32), rel=1e-9)  # 0.952577
    assert plan.totals is not None and plan.totals["spares_capex_usd"] == pytest.approx(3600.0, rel=1e-12)
    # links: 16 x 2 x 900 = 28,800 USD of modules + 16 x 10 m of fibre at 1 USD/m = 160 USD; switches: 4 leaves
    # and 2 spines (the range minimum carries the 8 links) at 20,000 USD
    assert plan.totals["capex_usd"] == pytest.approx(28800 + 160 + 6 * 20000 + 3600, rel=1e-12)

    # a 99 % level: quantile of 0.4 is still 2 (P(<=2) = 0.99207), of the pooled 0.8 is 3 (P(<=3) = 0.99092)
    level = {"gpu_hour_usd": 0.0, "spares_lead_time_h": 1000, "spares_service_level": 0.99}
    strict = solve_verified(two_tier(level, [sr]))
    assert strict.reliability is not None
    (row,) = strict.reliability["spares"]
    assert row["spares_needed"] == pytest.approx(4.0) and row["spares"] == 3
    # the factor rule still applies where an instance gives it: 1.5 x 0.4 x 2 groups = 1.2, stocked 2
    factor = solve_verified(two_tier({"gpu_hour_usd": 0.0, "spares_lead_time_h": 1000, "spares_factor": 1.5}, [sr]))
    assert factor.reliability is not None
    (row,) = factor.reliability["spares"]
    assert row["spares_needed"] == pytest.approx(1.2) and row["spares"] == 2


def test_spares_rules_are_exclusive() -> None:
    doc = two_tier({"spares_factor": 1.0, "spares_service_level": 0.95}, [SR])
    with pytest.raises(InstanceError, match="spares_factor or spares_service_level"):
        optimizer.load_instance(doc)
    doc = two_tier({"spares_service_level": 1.0}, [SR])
    with pytest.raises(InstanceError, match="spares_service_level"):
        optimizer.load_instance(doc)


def test_job_stop_fraction_needs_the_reliability_section() -> None:
    doc = two_tier(QUIET, [SR], **{"leaf-spine": {"job_stop_fraction": 0.5}})
    del doc["reliability"]
    with pytest.raises(InstanceError, match="links.leaf-spine.job_stop_fraction: needs a reliability section"):
        optimizer.load_instance(doc)


def test_verifier_catches_a_job_stop_figure_that_ignores_path_diversity() -> None:
    """The plan states fabric interruptions as if every failure stopped the job: the verifier (its own
    reading of the rule) finds the difference."""
    from optimizer.core.verify import check_plan

    doc = two_tier(QUIET, [SR])
    plan = solve_verified(doc).to_dict()
    bad = copy.deepcopy(plan)
    bad["reliability"]["interruptions_per_day"] = 0.280512 / 365.25
    found = {v.where for v in check_plan(optimizer.load_instance(doc), bad)}
    assert "reliability.interruptions_per_day" in found


# ------------------------------------------------------------------------------- built-in figures
def _builtin() -> CatalogIndex:
    return CatalogIndex.of(builtin_catalog())


def test_lpo_is_not_rated_more_reliable_than_dsp() -> None:
    """No field data rates linear optics above DSP modules: every LPO/LRO module fails and flaps at least as
    often as the DSP modules, and a linear AOC at least as often as an AOC."""
    ix = _builtin()
    rows = [(r, ix.transceivers[r.item]) for r in ix.reliability.values() if r.item in ix.transceivers]
    dsp = [r for r, t in rows if technology(t) == "dsp" and t.ends_per_module == 1]
    linear = [r for r, t in rows if technology(t) in ("lpo", "lro")]
    assert linear and dsp
    assert min(r.rate_fit for r in linear) >= max(r.rate_fit for r in dsp) == 1000
    assert min(r.flap_fit for r in linear) >= max(r.flap_fit for r in dsp) > 0
    aoc = [r for r in ix.reliability.values() if r.item in ix.cables and ix.cables[r.item].kind == "aoc"]
    assert {r.rate_fit for r in aoc} == {2000.0}


def test_flap_rates_and_repair_defaults_are_set_with_their_basis() -> None:
    ix = _builtin()
    for r in ix.reliability.values():
        if r.item in ix.transceivers and technology(ix.transceivers[r.item]) in ("dsp", "lpo", "lro"):
            assert r.flap_fit == 100 and "flap" in r.source.lower() and "EST" in r.source, r.id
        elif r.item in ix.cables:
            assert r.flap_fit == (200 if ix.cables[r.item].kind == "aoc" else 1), r.id
            assert "flap rate est" in r.source.lower(), r.id
    engines = [r for r in ix.reliability.values() if r.mode == "engine"]
    assert engines and all(r.repair == "fail_in_place" and r.window_h == 168 for r in engines)
    nic = ix.reliability["nic.port"]
    assert (nic.item, nic.rate_fit, nic.repair) == ("nic", 780.0, "nic") and "HPN" in nic.source
