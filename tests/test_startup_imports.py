"""A plain ``optimizer solve`` never imports pandas; a plan's tables become the typed DataFrames when read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import optimizer
from optimizer.core.results import Table, _clean, typed

ROOT = Path(__file__).resolve().parent.parent
LIBRARY_FILE = ROOT / "instances" / "library" / "su-256-400g.yaml"


def test_solve_prints_and_writes_its_plan_without_pandas(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from optimizer.cli.root import main\n"
        f"code = main(['solve', {str(LIBRARY_FILE)!r}, '--threads', '1', '--out', {str(tmp_path)!r}])\n"
        "print('exit', code)\n"
        "print('loaded', sorted(m for m in ('pandas', 'optimizer.core.elastic', 'optimizer.cli.pareto') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "exit 0" in out and "loaded []" in out
    assert "bill of materials" in out and "link groups" in out  # the tables were printed
    assert (tmp_path / "links.csv").read_text(encoding="utf-8").startswith("group,option,speed_gbps,count,")


def test_a_plans_tables_read_as_the_typed_dataframes() -> None:
    plan = optimizer.solve(LIBRARY_FILE, optimizer.SolveOptions(threads=1))
    rows = plan.table("links")
    assert isinstance(rows, Table) and len(rows) == 5
    frame = plan.links  # read: a DataFrame from now on
    assert isinstance(frame, pd.DataFrame) and plan.table("links") is not rows
    assert frame["count"].dtype == "int64" and frame["power_w"].dtype == "float64"
    pd.testing.assert_frame_equal(frame, typed(pd.DataFrame(rows.records())))
    assert rows.to_csv() == frame.to_csv(index=False)
    assert plan.bom["units"].dtype == "Int64"  # media rows have no units
    assert Table.of_frame(plan.bom).to_csv() == plan.bom.to_csv(index=False)


AWKWARD = {
    "group": ["g,1", 'say "x"', "line\nbreak", "é", "plain", "", None],
    "count": [0, 1, 2, 3, None, 5, 6],
    "power_w": [0.0, -0.0, 1.5, float("nan"), float("inf"), 1e-7, 3.0],
    "length_m": [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, -0.0],
    "capex_usd": [1, 2.5, None, 4, 5, 6, 7],
    "kind": ["a", "a", "b", "b", "a", "a", "a"],
}


@pytest.mark.parametrize(
    "data",
    [
        AWKWARD,
        {c: v[4:] for c, v in AWKWARD.items()},  # no cell to quote: rows joined directly
        {  # repeated values (written once per distinct value), with both zeros
            "group": ["x"] * 50,
            "speed_gbps": [800.0] * 25 + [400.0] * 25,
            "length_m": [2.0] * 48 + [-0.0, 0.0],
            "count": [3] * 49 + [0],
        },
        {c: [] for c in AWKWARD},
    ],
)
def test_table_text_is_what_the_row_mappings_and_the_dataframe_give(data: dict[str, list[object]]) -> None:
    columns = list(data)
    table = Table(columns, data=data)
    encode = json.JSONEncoder(allow_nan=False).encode
    assert table.json_rows() == [encode(_clean(r)) for r in table.records()]
    assert table.to_csv() == Table(columns, data=data).frame().to_csv(index=False)
    assert (
        table.to_csv()
        == Table(columns, rows=[dict(zip(columns, r, strict=True)) for r in zip(*data.values(), strict=True)]).to_csv()
    )
