"""The planner as a library, step by step, as one runs it in a notebook (one step per cell).

    python examples/notebook_tour.py [OUT_DIR]

1. load an instance by path; 2. change two parameters with the sweep's path language; 3. solve with a user
constraint (at most half of each link group's links may be AOCs: a second-source rule); 4. save a plan and
load it back; 5. compare three plans; 6. draw a figure. Writes into OUT_DIR (default: a temporary folder)
and prints what each step gives. ``tests/test_library_api.py`` runs it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import optimizer
from optimizer.plots import plot_plan

INSTANCE = Path(__file__).resolve().parents[1] / "instances" / "superpod-su-256.yaml"


def half_aoc_at_most(model, data):  # type: ignore[no-untyped-def]
    """The user constraint: in every link group, AOC links are at most half of the group's links."""
    import pyomo.environ as pyo

    model.half_aoc = pyo.ConstraintList()
    for g in range(len(data.groups)):
        columns = [i for i in range(len(data.col_group)) if data.col_group[i] == g]
        aoc = [i for i in columns if data.col_option[i].id.startswith("aoc-")]
        if aoc:
            model.half_aoc.add(2 * sum(model.n[i] for i in aoc) <= sum(model.n[i] for i in columns))


def main(out: Path) -> dict[str, object]:
    # 1. load an instance by path (every library function also takes the path itself)
    base = optimizer.load_instance(INSTANCE)

    # 2. change two parameters: the electricity price and every AOC's price (x1.25: a 25 % premium)
    dear = base.with_changes({"economics.electricity_usd_per_kwh": 0.15, "catalog.aoc-*.cost_usd": "x1.25"})

    # 3. solve the base instance, and the changed one with the user constraint
    plan_base = optimizer.solve(base)
    plan_dear = optimizer.solve(dear)
    plan_rule = optimizer.solve(dear, extend=half_aoc_at_most)
    assert optimizer.check_plan(dear, plan_rule) == []  # the independent verifier accepts it

    # 4. save a plan and load it back
    plan_rule.write(out / "rule")
    loaded = optimizer.read_plan(out / "rule")

    # 5. compare three plans side by side
    table = optimizer.compare([plan_base, plan_dear, loaded], names=["base", "dear", "dear + rule"])
    print(table.loc[["totals", "mix", "links"]].to_string())

    # 6. draw a figure (a notebook shows the returned Figure; here it is written as a PNG)
    figure = plot_plan(loaded, dear, out / "rule.png")
    print(f"figure with {len(figure.axes)} panels written to {out / 'rule.png'}")
    return {"base": plan_base, "dear": plan_dear, "rule": plan_rule, "loaded": loaded, "table": table}


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="notebook-tour-"))
    main(target)
