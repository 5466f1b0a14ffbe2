"""The decision drivers: measured break-evens that mark catalogue figures in ``optimizer catalog``.

The data file (optimizer/core/catalog/drivers.json) is written by scripts/decision_drivers.py; these tests
check the marking rule on hand-made records, that the shipped file marks what it says, and that one of
its recorded break-evens is reproduced by the command stored beside it.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from helpers import E_PER_W

from optimizer import SolveOptions
from optimizer.cli import main
from optimizer.core.catalog import builtin_catalog, decision_drivers, drivers_by_item
from optimizer.core.io import read_document
from optimizer.studies.sweep import breakeven

ROOT = Path(__file__).resolve().parents[1]


def _figure(param: str, relative: bool, base: float, *values: float) -> dict[str, Any]:
    item = param.split(".")[1] if param.startswith("catalog.") else None
    return {
        "instance": "instances/library/x.yaml",
        "parameter": param,
        "item": item,
        "field": param.rsplit(".", 1)[1],
        "relative": relative,
        "base": base,
        "breakevens": [
            {"value": v, "group": "g", "from": "lpo", "to": "dsp", "command": "optimizer breakeven ..."} for v in values
        ],
    }


def test_marking_rule() -> None:
    drivers = {
        "figures": [
            _figure("catalog.lpo-dr-800.cost_usd", True, 800.0, 1.5),  # x1.5: within a factor 2, marks
            _figure("catalog.dr8-800.cost_usd", True, 1250.0, 0.45),  # x0.45: beyond a factor 2 (0.5), no mark
            _figure("catalog.q3450-cpo.cpo_premium_fraction", False, 0.1, 0.015),  # 0.085 from 0.1: marks
            _figure("catalog.th5-cpo.cpo_premium_fraction", False, 0.1, -0.45),  # 0.55 from 0.1: no mark
            _figure("catalog.cpo-*.cost_usd", True, 1.0, 0.78, 0.6),  # a glob marks every engine, nearest first
            _figure("economics.electricity_usd_per_kwh", False, 0.08, 0.1),  # not a catalogue figure
            {**_figure("catalog.cpo-*.cost_usd", True, 1.0, 0.9), "items": ["cpo-dr-800"]},  # only what it moved
        ]
    }
    marks = drivers_by_item(builtin_catalog(), drivers)
    engines = {t.id for t in builtin_catalog().transceivers if t.id.startswith("cpo-")}
    assert set(marks) == {"lpo-dr-800", "q3450-cpo"} | engines
    assert marks["q3450-cpo"][0]["distance"] == pytest.approx(0.085)
    assert [r["value"] for r in marks["cpo-dr-800"]] == [0.9, 0.78, 0.6]
    assert [r["value"] for r in marks["cpo-dr-1600"]] == [0.78, 0.6]


def test_shipped_drivers_mark_the_catalogue() -> None:
    drivers = decision_drivers()
    assert drivers["instances"] and drivers["figures"]
    marks = drivers_by_item(builtin_catalog(), drivers)
    ids = {e.id for s in ("transceivers", "cables", "switches") for e in getattr(builtin_catalog(), s)}
    assert marks and set(marks) <= ids
    for records in marks.values():
        for r in records:
            assert r["command"].startswith(f"optimizer breakeven {r['instance']} --param '{r['parameter']}'")
            assert r["from"] != r["to"]  # a technology change, not only another part of the same kind


def test_cli_lists_drivers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--drivers", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == json.loads(json.dumps(drivers_by_item(builtin_catalog(), decision_drivers())))
    assert main(["catalog", "--type", "switches", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["q3450-cpo"]["twin"] == "q3400" and rows["q3450-cpo"]["cpo_premium_fraction"] == 0.1
    assert rows["q3450-cpo"]["decides"][0]["field"] == "cpo_premium_fraction"
    assert "decides" not in rows["q3400"]  # its price is not moved by the script (no cost_usd of switches)


def test_a_recorded_breakeven_is_reproduced() -> None:
    """The Q3450 premium break-even on the Quantum-X800 library fabric, by hand and re-run from its
    recorded command (about 12 solves of a 4,608-GPU file)."""
    figure = next(
        f
        for f in decision_drivers()["figures"]
        if f["parameter"] == "catalog.q3450-cpo.cpo_premium_fraction" and "superpod-x800" in f["instance"]
    )
    recorded = figure["breakevens"][0]
    # By hand: a leaf uses all its 144 ports (72 GPU links, 72 uplinks); a Q3450 draws 3,500 - 3,158 = 342 W
    # less than a Q3400 and each of its engines 12.5 - 4.5 = 8 W less than the half twin-port module it
    # replaces, at the same price (parity). 1,494 W x 4.55832 USD per W over 5 years = 6,810.13 USD against
    # a premium of p x 450,000 USD: the leaves turn CPO below p = 0.0151336 (a spine uses 128 ports, 4,608
    # uplinks over 36 spines, and turns at 1,366 W x 4.55832 / 450,000 = 0.013837, farther from 0.10).
    p_hand = (342 + 144 * 8) * E_PER_W / 450_000
    assert p_hand == pytest.approx(0.0151336, abs=1e-7)
    assert recorded["below"] <= p_hand <= recorded["above"]
    args = shlex.split(recorded["command"])
    file = ROOT / args[2]
    lo, hi = (float(v) for v in args[args.index("--range") + 1].split(":"))
    group = args[args.index("--group") + 1]
    document, _ = read_document(file)
    options = SolveOptions(threads=1, mip_rel_gap=1e-4, time_limit_s=60)  # the command's defaults
    result = breakeven(document, figure["parameter"], lo, hi, group, base_dir=file.parent, options=options)
    assert any(f.value == pytest.approx(recorded["value"], abs=1e-6) for f in result.flips)
