"""Catalogue provenance and physical sense: every entry sourced and graded, figures in range,
coverage of the technologies and generations planners buy, and field-level ``extends: builtin`` overrides."""

from __future__ import annotations

import json

import pytest

from optimizer.cli import main
from optimizer.core.catalog import builtin_catalog, physical_issues, pj_per_bit, technology
from optimizer.core.load import load_instance
from optimizer.core.schema import Catalog


def test_builtin_catalogue_passes_provenance_and_physics_checks() -> None:
    assert physical_issues(builtin_catalog()) == []


@pytest.mark.parametrize(
    ("section", "index_of", "change", "field"),
    [
        ("transceivers", "cpo-dr-800", {"power_w": 16.0}, "power_w"),  # 20 pJ/bit is not CPO
        ("transceivers", "dr8-800", {"confidence": None}, "confidence"),
        ("cables", "dac-800", {"reach_m": 15.0}, "reach_m"),  # a passive DAC does not reach 15 m
        ("cables", "aoc-800", {"latency_ns": 5000.0}, "latency_ns"),
        ("switches", "th5", {"power_w": 20.0}, "power_w"),  # 0.4 pJ/bit switch
        ("switches", "th5", {"cost_usd": 0.0}, "cost_usd"),
        ("media", "mmf", {"latency_ns_per_m": 1.0}, "latency_ns_per_m"),
        ("transceivers", "sr8-800", {"source": "datasheet"}, "source"),  # too short to trace
    ],
)
def test_check_fails_on_a_bad_figure(section: str, index_of: str, change: dict, field: str) -> None:
    cat = builtin_catalog()
    entries = list(getattr(cat, section))
    i = next(k for k, e in enumerate(entries) if e.id == index_of)
    entries[i] = entries[i].model_copy(update=change)
    broken = cat.model_copy(update={section: entries})
    problems = physical_issues(broken)
    assert [p.where for p in problems] == [f"{section}[{i}].{field}"], problems


def test_coverage_of_speeds_technologies_and_switch_classes() -> None:
    cat = builtin_catalog()
    techs = {(technology(t), t.speed_gbps) for t in cat.transceivers} | {
        (technology(c), c.speed_gbps) for c in cat.cables
    }
    for speed in (400, 800, 1600):
        assert {
            ("dsp", speed),
            ("lpo", speed),
            ("cpo", speed),
            ("dac", speed),
            ("acc", speed),
            ("aec", speed),
            ("aoc", speed),
        } <= techs, speed
    assert {("lro", 800), ("lro", 1600), ("dsp", 3200), ("cpo", 3200)} <= techs
    # DSP reach classes SR (multimode), DR, FR, LR at 400G, 800G and 1.6T
    for speed in (400, 800, 1600):
        media = {t.media for t in cat.transceivers if technology(t) == "dsp" and t.speed_gbps == speed}
        assert {"mmf", "smf-dr", "smf-fr", "smf-lr"} <= media, speed
    assert all(m.latency_ns_per_m == 4.9 and m.cost_usd_per_m > 0 for m in cat.media)
    switches = {s.id: s for s in cat.switches}
    assert switches["th5"].capacity_gbps == switches["th5-cpo"].capacity_gbps == 51200
    assert switches["th6"].capacity_gbps == switches["th6-cpo"].capacity_gbps == 102400
    assert switches["q3400"].capacity_gbps == switches["q3450-cpo"].capacity_gbps == 144 * 800
    assert switches["spx-photonics-102t"].forms == ["cpo"]
    assert switches["spx-photonics-409t"].capacity_gbps == 512 * 800


def test_published_energy_per_bit_figures() -> None:
    """Published ranges: CPO 5-10 pJ/bit, DSP pluggables 15-20 (800G)."""
    cat = {e.id: e for e in builtin_catalog().transceivers}
    assert pj_per_bit(cat["cpo-dr-800"]) == pytest.approx(6.875)  # Broadcom Bailly 5.5 W per 800G
    assert pj_per_bit(cat["cpo-dr-1600"]) == pytest.approx(5.625)  # NVIDIA ~9 W per 1.6T port
    assert 15 <= pj_per_bit(cat["sr8-800"]) <= 20 and 15 <= pj_per_bit(cat["dr8-800"]) <= 20


def test_cli_catalog_lists_source_confidence_and_pj_per_bit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    sections = ("media", "transceivers", "cables", "switches", "nics", "profiles", "reliability")
    assert len(rows) == sum(len(getattr(builtin_catalog(), s)) for s in sections)
    assert {r["section"] for r in rows} == set(sections)
    for r in rows:
        assert r["source"] and r["confidence"] in {"A", "B", "C", "EST"}, r["id"]
        if r["section"] in ("transceivers", "cables", "switches"):
            assert r["pj_per_bit"] > 0, r["id"]
    assert main(["catalog", "--check"]) == 0
    assert main(["catalog", "--type", "transceivers", "--speed", "3200", "--json"]) == 0
    assert {r["id"] for r in json.loads(capsys.readouterr().out.split("\n", 1)[1])} == {"dr8-3200", "cpo-dr-3200"}


def _instance(catalog: object) -> dict:
    return {
        "schema_version": 1,
        "name": "override",
        "catalog": catalog,
        "nodes": [
            {"id": "gpu", "kind": "nic", "count": 8, "max_port_gbps": 800},
            {"id": "leaf", "kind": "switch", "count": 1, "models": ["th5"]},
        ],
        "links": [
            {"id": "gpu-leaf", "a": "gpu", "b": "leaf", "length_m": 100, "demand_gbps": 6400, "allowed": ["dr8-800"]}
        ],
    }


def test_extends_builtin_overrides_single_fields_by_id() -> None:
    inst = load_instance(_instance({"extends": "builtin", "transceivers": [{"id": "dr8-800", "cost_usd": 990}]}))
    cat = {t.id: t for t in inst.resolved_catalog.transceivers}
    base = {t.id: t for t in builtin_catalog().transceivers}["dr8-800"]
    assert cat["dr8-800"].cost_usd == 990
    assert cat["dr8-800"].power_w == base.power_w and cat["dr8-800"].reach_m == base.reach_m
    assert "user override of: cost_usd" in cat["dr8-800"].source
    assert len(inst.resolved_catalog.transceivers) == len(builtin_catalog().transceivers)
    # the override reaches the plan
    from tests.helpers import solve_verified

    plan = solve_verified(inst)
    assert plan.totals["optics_capex_usd"] == pytest.approx(8 * (2 * 990 + 100 * 2.5))


def test_extends_override_from_a_catalogue_file(tmp_path) -> None:
    (tmp_path / "cat.yaml").write_text(
        "extends: builtin\nswitches:\n  - {id: th5, power_w: 750, source: "
        "'our measured 750 W at the wall for this chassis'}\n"
    )
    inst = load_instance(_instance("cat.yaml"), base_dir=tmp_path)
    th5 = {s.id: s for s in inst.resolved_catalog.switches}["th5"]
    assert th5.power_w == 750 and th5.capacity_gbps == 51200 and th5.source.startswith("our measured")
    assert th5.confidence is None  # the built-in grade does not carry over to the user's own source


def test_partial_entry_without_builtin_id_is_still_an_error() -> None:
    from optimizer.errors import InstanceError

    with pytest.raises(InstanceError) as exc:
        load_instance(_instance({"extends": "builtin", "transceivers": [{"id": "my-new", "cost_usd": 1}]}))
    assert any("transceivers[0]" in i.where for i in exc.value.issues)


def test_catalog_model_unchanged_for_full_entries() -> None:
    """A complete replacing entry (the v1 contract's form) still replaces the built-in one."""
    full = {t.id: t for t in builtin_catalog().transceivers}["dr8-800"].model_dump(exclude_none=True)
    full.update(cost_usd=1111.0, source="replacement entry with our own figures")
    inst = load_instance(_instance({"extends": "builtin", "transceivers": [full]}))
    entry = {t.id: t for t in inst.resolved_catalog.transceivers}["dr8-800"]
    assert entry.cost_usd == 1111.0 and entry.source == "replacement entry with our own figures"
    assert isinstance(inst.resolved_catalog, Catalog)


def test_cli_catalog_table_has_source_and_confidence_columns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--type", "switches"]) == 0
    out = capsys.readouterr().out
    for header in ("pJ/bit", "conf", "source"):
        assert header in out
    assert "q3450-cpo" in out and "spx-photonics-102t" in out and "sr4-400" not in out


def test_every_part_has_a_failure_mode() -> None:
    """Reliability pricing would favour a part without a failure mode (it would never fail): every
    transceiver, cable and switch of the built-in catalogue has at least one row in its reliability section."""
    cat = builtin_catalog()
    failing = {mode.item for mode in cat.reliability}
    parts = [e.id for section in ("transceivers", "cables", "switches") for e in getattr(cat, section)]
    assert [p for p in parts if p not in failing] == []


def test_cpo_prices_are_stated_against_the_pluggable_they_replace() -> None:
    """No CPO price is public: an engine costs what the pluggable end it replaces costs, and a CPO switch
    repeats its pluggable twin's price plus an explicit premium (an estimate, said so in its source)."""
    cat = builtin_catalog()
    ends = {t.id: t for t in cat.transceivers}
    replaced = {
        "cpo-dr-400": "dr4-400",
        "cpo-dr-800": "dr8-800",
        "cpo-dr-800-200g": "twin-2xdr4-1600",
        "cpo-dr-1600": "dr8-1600",
        "cpo-dr-3200": "dr8-3200",
        "cpo-dr-1600-8x200": "dr4-800-4x200",
    }
    assert {t.id for t in cat.transceivers if t.form == "cpo"} == set(replaced)
    for engine, pluggable in replaced.items():
        assert ends[engine].cost_usd == ends[pluggable].cost_usd, engine
        assert "parity" in ends[engine].source, engine
    switches = {s.id: s for s in cat.switches}
    cpo = {s.id: s for s in cat.switches if "cpo" in s.forms}
    assert set(cpo) == {
        "th5-cpo",
        "th6-cpo",
        "q3450-cpo",
        "spx-photonics-102t",
        "spx-photonics-409t",
        "spx-photonics-102t-512x200",
    }
    for s in cpo.values():
        assert s.cpo_premium_fraction == 0.10 and s.price_usd == pytest.approx(1.1 * s.cost_usd), s.id
        assert "No public source prices a CPO switch" in s.source, s.id
        if s.twin is not None:
            assert s.cost_usd == switches[s.twin].cost_usd and s.capacity_gbps == switches[s.twin].capacity_gbps
    assert {s.twin for s in cpo.values()} == {"th5", "th6", "q3400", "th6-512x200", None}
    assert all(s.cpo_premium_fraction == 0 and s.twin is None for s in cat.switches if "cpo" not in s.forms)


def test_premium_outside_its_band_is_reported() -> None:
    cat = builtin_catalog()
    bad = cat.model_copy(
        update={"switches": [s.model_copy(update={"cpo_premium_fraction": 1.5}) for s in cat.switches[:1]]}
    )
    issues = physical_issues(bad)
    assert [i.where for i in issues if "premium" in i.message] == ["switches[0].cpo_premium_fraction"]
