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
        wanted += [r["item"], _money(r["capex_usd"]), f"{r['power_w']:,.1f}"]
        wanted += [_money(r[k]) for k in ("units", "length_m") if r.get(k) is not None]  # media rows: metres
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
        for text in (s.id, f"{s.max_ports:,}", f"{s.capacity_gbps:,.0f}", f"{s.price_usd:,.0f}", f"{s.power_w:,.0f}"):
            assert text in out, f"{text} of {s.id} missing at {width} columns"
    assert "source" not in out.split("sources, confidence")[0]  # sources only on request
    # wide enough for one table (the longest id, spx-photonics-102t-512x200, takes 26 columns, and the decides
    # column 14): one line per switch, plus the frame and the header
    if width >= 120:
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


def test_breakeven_reports_each_solve_with_the_solves_expected() -> None:
    """The break-even's progress: ``on_solve(done, expected)`` after each solve. Five scan points 0.475 apart
    (0.1 to 2.0), one flip between two of them, bisected to 1e-4: ceil(log2(0.475 / 1e-4)) = ceil(12.21) = 13
    halvings, so 5 + 13 = 18 solves, expected 5 during the scan and 18 from then on."""
    from test_sweep import trade_off

    from optimizer.studies.sweep import breakeven

    calls: list[tuple[int, int]] = []
    result = breakeven(
        trade_off(),
        "economics.electricity_usd_per_kwh",
        0.1,
        2.0,
        "gpu-leaf",
        tol=1e-4,
        on_solve=lambda done, expected: calls.append((done, expected)),
    )
    assert len(result.flips) == 1 and result.solves == 18
    assert [d for d, _ in calls] == list(range(1, 19))
    assert [e for _, e in calls[:5]] == [5] * 5 and all(e == 18 for _, e in calls[5:])


def test_a_table_narrower_than_its_columns_splits_and_keeps_every_cell() -> None:
    """At 40 columns a 6-column table goes over several tables that repeat the id column; a value wider than
    the console beside the id is printed as ``id: header: value`` lines; no cell is cut."""
    from io import StringIO

    from rich.console import Console

    from optimizer.cli.common import print_table

    buf = StringIO()
    out = Console(file=buf, width=40, highlight=False)
    rows = [
        ["leaf-spine-0001", "1,234,567,890", "12,345.6", "a-rather-long-option-id-of-thirty-two", "7", "dsp"],
        ["gpu-leaf", "1", "0.5", "short", "1,000,000", "cpo+lpo"],
    ]
    columns = [("group", "left"), ("capex USD", "right"), ("power W", "right"), ("option", "left")]
    columns += [("count", "right"), ("technology", "left")]
    print_table(out, "groups", columns, rows)
    text = buf.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 40
    for row in rows:
        for cell in row:
            assert cell in text, cell
    assert "groups (1/5)" in text and "groups (5/5)" in text  # capex and power do not fit beside the id together
    assert "leaf-spine-0001: option:" in text and "gpu-leaf: option: short" in text


def test_solve_progress_names_the_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before HiGHS reports, the progress line says what the run is doing (not "presolve" while loading)."""
    from optimizer.cli.solve import _ProgressView
    from optimizer.core import pipeline
    from optimizer.core.solve import Progress

    view = _ProgressView(enabled=False)
    assert str(view._line()).startswith("loading the instance ...")
    for stage, text in (("data", "deriving the model data"), ("build", "building the model"), ("solve", "solving")):
        monkeypatch.setattr(pipeline, "current_stage", lambda stage=stage: stage)
        assert str(view._line()).startswith(text), stage
    assert "presolve / root LP" in str(view._line())
    view.update(Progress(elapsed_s=1.0, incumbent=1234567.0, bound=1000000.0, gap=0.19, nodes=42))
    assert "incumbent 1,234,567.00" in str(view._line()) and "nodes 42" in str(view._line())
