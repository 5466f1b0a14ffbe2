"""The built-in catalogue: every entry has a source and a confidence grade, and physically sensible figures."""

from __future__ import annotations

import pytest

from optimizer.core.catalog import builtin_catalog


def test_every_entry_has_source_and_confidence() -> None:
    cat = builtin_catalog()
    entries = [*cat.media, *cat.transceivers, *cat.cables, *cat.switches]
    assert len(entries) >= 40
    for e in entries:
        assert e.source and len(e.source) > 20, e.id
        assert e.confidence in {"A", "B", "C", "EST"}, e.id


@pytest.mark.parametrize("speed", [400, 800, 1600])
def test_speeds_and_technologies_covered(speed: int) -> None:
    cat = builtin_catalog()
    forms = {t.form for t in cat.transceivers if t.speed_gbps == speed}
    kinds = {c.kind for c in cat.cables if c.speed_gbps == speed}
    assert forms == {"pluggable", "cpo"}
    assert {"dac", "acc", "aec"} <= kinds


def test_energy_per_bit_in_physical_range() -> None:
    cat = builtin_catalog()
    for t in cat.transceivers:
        pj = 1000 * t.power_w / t.speed_gbps
        if t.form == "cpo":
            assert 3 <= pj <= 10, t.id
        elif t.id.startswith("lpo"):
            assert 5 <= pj <= 14, t.id
        elif t.media == "dwdm":  # coherent ZR/ZR+: ~30 W per 800G
            assert 20 <= pj <= 60, t.id
        else:
            assert 8 <= pj <= 30, t.id
    for c in cat.cables:
        per_end = 1000 * c.power_w / 2 / (c.speed_gbps * c.links_per_cable)
        assert per_end <= (25 if c.kind == "aoc" else 10), c.id
    for s in cat.switches:
        assert s.max_ports * 400 >= s.capacity_gbps or s.max_port_gbps * s.max_ports >= s.capacity_gbps, s.id
