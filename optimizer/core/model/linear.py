"""Fast construction of linear constraint blocks (flat index, LinearExpression bodies).

Each family computes its rows as plain data ``(lb, [(coef, var), ...], ub)`` and calls ``add_rows``;
Pyomo then never evaluates operator overloading or relational objects (see research/perf.md §9).
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

Row = tuple[float | None, list[tuple[float, Any]], float | None]


def linear(terms: list[tuple[float, Any]]) -> LinearExpression:
    """A LinearExpression from (coefficient, variable) pairs (a bare variable where the coefficient is 1)."""
    return LinearExpression([v if c == 1 else MonomialTermExpression((float(c), v)) for c, v in terms])


def add_rows(m: pyo.ConcreteModel, name: str, rows: list[Row]) -> None:
    """Add an indexed constraint ``name`` with one row per entry (skipped when rows is empty)."""
    if not rows:
        return

    def rule(_m: pyo.ConcreteModel, r: int) -> Any:
        lb, terms, ub = rows[r]
        return (lb, linear(terms), ub)

    setattr(m, name, pyo.Constraint(range(len(rows)), rule=rule))
