"""Terminal tables never cut a number or an id, at any console width; the compact catalogue view; progress
displays stay out of files and pipes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import INSTANCES

from optimizer.cli import main

WIDTHS = (60, 80, 100, 200)
MAIN_EXAMPLE = INSTANCES / "superpod-su-256-dgx.yaml"


def _money(x: float) -> str:
    return f"{x:,.0f}"


def _plan_strings(plan: dict) -> list[str]:
    """Every id and number of the plan as the summary formats it."""
    t = plan["totals"]
    wanted = [_money(t[k]) for k in ("optics_capex_usd", "switch_capex_usd", "capex_usd", "energy_usd", "tco_usd")]
    wanted += [f"{t[k]:,.1f}" for k in ("optics_power_w", "switch_power_w", "power_w")]
    for r in plan["links"]:
        wanted += [r["group"], r["option"], f"{r['count']:,}", f"{r['speed_gbps']:g}", f"{r['length_m']:g}"]
        wanted += [f"{r['power_w']:,.1f}", _money(r["capex_usd"]), f"{r['latency_ns']:,.1f}"]
    for r in plan["nodes"]:
        wanted += [r["group"], r["model"], f"{r['count']:,}", f"{r['used_gbps']:,.0f}", f"{r['capacity_gbps']:,.0f}"]
        wanted += [f"{r['used_ports']:,}", f"{r['ports']:,}", f"{r['power_w']:,.1f}"]
    for r in plan["paths"]:
        wanted += [r["id"], f"{r['latency_ns']:,.1f}", f"{r['max_latency_ns']:,.1f}", f"{r['slack_ns']:,.1f}"]
    for r in plan["bom"]:
        wanted += [r["item"], _money(r["units"]), _money(r["capex_usd"]), f"{r['power_w']:,.1f}"]
    return wanted


@pytest.mark.parametrize("width", WIDTHS)
def test_summary_never_cuts_a_number_or_an_id(
    width: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    assert main(["solve", str(MAIN_EXAMPLE), "--out", str(tmp_path), "--threads", "1", "-q"]) == 0
    out = capsys.readouterr().out
    plan = json.loads((tmp_path / "plan.json").read_text())
    # the bundled SU: 256 links per tier, 1,746,560 USD capex (546,560 optics + 1,200,000 switches)
    assert plan["totals"]["capex_usd"] == 1_746_560
    missing = [s for s in _plan_strings(plan) if s not in out]
    assert missing == [], f"at {width} columns the summary lacks {missing}:\n{out}"
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= width
    # the bill of materials and the technology of each link group (both ends DSP pluggables here)
    assert "bill of materials" in out and "technology" in out and "dsp" in out


@pytest.mark.parametrize("width", WIDTHS)
def test_catalog_compact_view_one_line_per_switch(
    width: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from optimizer.core.catalog import builtin_catalog

    monkeypatch.setenv("COLUMNS", str(width))
    assert main(["catalog", "--type", "switches"]) == 0
    out = capsys.readouterr().out
    switches = builtin_catalog().switches
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width and "…" not in out
    for s in switches:
        for text in (s.id, f"{s.max_ports:,}", f"{s.capacity_gbps:,.0f}", f"{s.cost_usd:,.0f}", f"{s.power_w:,.0f}"):
            assert text in out, f"{text} of {s.id} missing at {width} columns"
    assert "source" not in out.split("sources, confidence")[0]  # sources only on request
    if width >= 100:  # wide enough for one table: one line per switch (plus the frame and the header)
        rows = [line for line in lines if any(f"│ {s.id} " in line for s in switches)]
        assert len(rows) == len(switches)
        assert len(lines) <= len(switches) + 8


def test_catalog_long_view_has_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--type", "switches", "--long"]) == 0
    out = capsys.readouterr().out
    assert "source" in out and "conf" in out and "pJ/bit" in out


def test_no_progress_display_into_a_pipe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """stderr is not a terminal here: no progress line, only the summary on stdout."""
    assert main(["solve", str(MAIN_EXAMPLE), "--threads", "1"]) == 0
    captured = capsys.readouterr()
    assert "loading the instance" not in captured.err and "solving ..." not in captured.err
    from optimizer.cli.common import shows_progress

    class Tty:
        def isatty(self) -> bool:
            return True

    assert shows_progress(False, Tty()) and not shows_progress(True, Tty())
