"""The HTML plan report: one self-contained file, checked as text and in a real headless browser.

The browser test drives the distribution's Chromium (Playwright with ``executable_path``, or Chromium's own
``--headless --dump-dom`` / ``--screenshot`` when Playwright is not installed). It is skipped only when no
Chromium is found and the ``CI`` variable is not set; in CI a missing browser fails it. Screenshots are kept in
``test-artifacts/`` at the repository's root (git-ignored) and in the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import INSTANCES, ROOT

from optimizer.cli import main

MAIN_EXAMPLE = INSTANCES / "superpod-su-256-dgx.yaml"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's main example solved with ``--report``: the plan's folder."""
    out = tmp_path_factory.mktemp("su-256-dgx")
    assert main(["solve", str(MAIN_EXAMPLE), "--out", str(out), "--threads", "1", "-q", "--report"]) == 0
    return out


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-scenario electricity sweep of the tiny instance with ``--report``."""
    out = tmp_path_factory.mktemp("sweep")
    args = ["sweep", str(INSTANCES / "tiny.yaml"), "--set", "economics.electricity_usd_per_kwh=0.05:0.25:3"]
    assert main([*args, "--out", str(out), "--workers", "1", "-q", "--report"]) == 0
    return out


def _plan_numbers(plan: dict[str, Any]) -> list[str]:
    """Figures of the plan as the report formats them (money to the dollar, watts to 0.1 W)."""
    t = plan["totals"]
    wanted = [f"{t['capex_usd']:,.0f}", f"{t['tco_usd']:,.0f}", f"{t['power_w']:,.1f}", f"{t['energy_usd']:,.0f}"]
    wanted += [f"{t['optics_capex_usd']:,.0f}", f"{t['switch_capex_usd']:,.0f}"]
    for r in plan["links"]:
        wanted += [r["group"], r["option"], f"{r['count']:,}", f"{r['capex_usd']:,.0f}", f"{r['power_w']:,.1f}"]
    for r in plan["bom"]:
        wanted += [r["item"], f"{r['capex_usd']:,.0f}"]
        wanted += [f"{r[k]:,.0f}" for k in ("units", "length_m") if r.get(k) is not None]  # media rows: metres
    for r in plan["nodes"]:
        wanted += [r["model"], f"{r['count']:,}", f"{r['capex_usd']:,.0f}"]
    return wanted


def test_report_is_self_contained_and_complete(solved: Path) -> None:
    text = (solved / "report.html").read_text(encoding="utf-8")
    plan = json.loads((solved / "plan.json").read_text())
    # the SU's capex: 546,560 USD of optics + 12 QM9700 x 100,000 USD = 1,746,560 USD
    assert plan["totals"]["capex_usd"] == 546_560 + 12 * 100_000
    missing = [s for s in _plan_numbers(plan) if s not in text]
    assert missing == []
    for title in ("summary", "totals", "topology", "technology mix", "link groups by tier", "bill of materials"):
        assert f"<h2>{title}</h2>" in text
    # nothing to fetch: no script or style sheet from elsewhere, every image a data: URI
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:|//)""", text)
    assert "<script" not in text and "<link" not in text
    images = re.findall(r'<img class="figure" src="([^"]{0,40})', text)
    assert len(images) == 3 and all(src.startswith("data:image/svg+xml;base64,") for src in images)
    # every link end of the SU is a DSP pluggable: 2 x (256 + 256) = 1,024 ends
    assert "1,024" in text and "technology" in text


def test_report_of_a_study_and_of_nothing(swept: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (swept / "report.html").read_text(encoding="utf-8")
    assert "<h2>sweep</h2>" in text and "3 optimal" in text
    assert text.count("data:image/png;base64,") == 1  # the sweep's own chart
    assert main(["report", str(tmp_path)]) == 2
    assert "no plan.json" in capsys.readouterr().err
    assert main(["report", str(swept), "--out", str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == text


def test_breakeven_writes_its_files_and_report(tmp_path: Path) -> None:
    """``breakeven --out DIR --report``: breakeven.csv (each value solved), breakeven.json (the flips) and the
    report with the flip. The bundled SU without compatibility rules flips from AOCs to LPO pairs at about
    0.846 USD/kWh (the CLI test of the break-even asserts the same)."""
    import pandas as pd

    args = ["breakeven", str(INSTANCES / "superpod-su-256.yaml"), "--param", "economics.electricity_usd_per_kwh"]
    args += ["--range", "0.05:1", "--group", "gpu-leaf", "--workers", "1", "-q", "--out", str(tmp_path), "--report"]
    assert main(args) == 0
    meta = json.loads((tmp_path / "breakeven.json").read_text())
    table = pd.read_csv(tmp_path / "breakeven.csv")
    assert len(meta["flips"]) == 1 and len(table) == meta["solves"]
    flip = meta["flips"][0]
    assert flip["below"] < 0.846 < flip["above"] + 1e-3
    assert flip["choice_below"] == "aoc-400 x256" and flip["choice_above"] == "lpo-dr-400+lpo-dr-400 x256"
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<h2>break-even</h2>" in text and f"<b>{flip['value']:.6g}</b>" in text
    assert "changes from [aoc-400 x256] to [lpo-dr-400+lpo-dr-400 x256]" in text


def test_report_sections_of_reliability(tmp_path: Path) -> None:
    """A plan with the reliability extension gets its section (failures, spares) in the report."""
    from optimizer.report import write_report

    inst = INSTANCES / "reliability-pod-2k-800g.yaml"
    assert main(["solve", str(inst), "--out", str(tmp_path), "--threads", "1", "-q"]) == 0
    text = write_report(tmp_path).read_text(encoding="utf-8")
    rel = json.loads((tmp_path / "plan.json").read_text())["reliability"]
    assert "<h2>reliability</h2>" in text and "spares per failure mode" in text
    assert f"{rel['failures_per_year']:,.1f}" in text and f"{rel['spares_stock_capex_usd']:,.0f}" in text


# ------------------------------------------------------------------------------------------------------------------
# in a real browser


def _chromium() -> str | None:
    for name in (os.environ.get("OPTIMIZER_CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"):
        if name and (found := shutil.which(name)):
            return found
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    found = _chromium()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but no Chromium was found (apt-get install chromium; .ci/run installs it)")
        pytest.skip("no Chromium found (apt-get install chromium); CI runs this test")
    return found


def _keep(shot: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / shot.name)


def test_report_in_a_headless_browser(chromium: str, solved: Path, swept: Path, tmp_path: Path) -> None:
    plan = json.loads((solved / "plan.json").read_text())
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _check_with_chromium_alone(chromium, solved, plan, tmp_path)
        return
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            for folder, name in ((solved, "report-plan.png"), (swept, "report-sweep.png")):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                errors: list[str] = []
                page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                requests: list[str] = []
                page.on("request", lambda r, requests=requests: requests.append(r.url))
                page.goto((folder / "report.html").as_uri(), wait_until="load")
                assert errors == []
                assert all(url.startswith(("file:", "data:")) for url in requests), requests
                sizes = page.eval_on_selector_all(
                    "img.figure",
                    "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight,"
                    " e.getBoundingClientRect().width, e.getBoundingClientRect().height])",
                )
                assert sizes and all(ok and w > 0 and h > 0 and bw > 0 and bh > 0 for ok, w, h, bw, bh in sizes)
                tables = "\n".join(page.locator("table").all_inner_texts())
                if folder == solved:
                    assert len(sizes) == 3  # topology, mix, power and capex
                    missing = [s for s in _plan_numbers(plan) if s not in tables]
                    assert missing == []
                else:
                    assert "optimal" in tables
                shot = tmp_path / name
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 10_000
                _keep(shot)
                page.close()
        finally:
            browser.close()


def _check_with_chromium_alone(chromium: str, solved: Path, plan: dict[str, Any], tmp_path: Path) -> None:
    """Without Playwright: the DOM after load holds the numbers, and a screenshot is drawn."""
    base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}"]
    url = (solved / "report.html").as_uri()
    dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True).stdout
    assert [s for s in _plan_numbers(plan) if s not in dom] == []
    shot = tmp_path / "report-plan.png"
    subprocess.run(
        [*base, "--window-size=1280,3000", f"--screenshot={shot}", url], capture_output=True, timeout=120, check=True
    )
    assert shot.stat().st_size > 10_000
    _keep(shot)
