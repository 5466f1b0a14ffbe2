"""Fast construction of linear constraint blocks, recorded as column-index arrays as they are added.

Each family computes its rows as plain data ``(lb, [(coef, column), ...], ub)``, where ``column`` is an
integer column index from ``columns(m, var)``, and calls ``add_rows``. That builds the Pyomo
constraint (``LinearExpression`` bodies: Pyomo never evaluates operator overloading or relational
objects) and records the same rows as CSR arrays on the model (``LinearRecord``), so handing the
model to a solver is an array concatenation (``recorded_arrays``), not a walk over Pyomo expressions.
The Pyomo model stays the model: the record is used only while it still describes it (``current``);
a component added, removed or deactivated, a row replaced in place, a variable fixed or the
objective replaced make it stale and the solver hand-off walks the Pyomo model instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from operator import is_, itemgetter
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

Row = tuple[float | None, list[tuple[float, int]], float | None]
"""A row: lower bound (None: none), (coefficient, column) terms, upper bound (None: none)."""

_RECORD = "_linear_record"


@dataclass
class _Block:
    """The rows of one constraint component as CSR pieces (columns ascending within each row)."""

    component: Any
    exprs: list[Any]
    """Each row's Pyomo expression as built (identity-compared to detect rows replaced in place)."""
    lower: np.ndarray
    upper: np.ndarray
    lengths: np.ndarray
    indices: np.ndarray
    values: np.ndarray


@dataclass
class LinearRecord:
    """Columns (Pyomo variables in registration order), row blocks and objective of a model, as arrays."""

    columns: list[Any] = field(default_factory=list)
    var_components: list[Any] = field(default_factory=list)
    var_lengths: list[int] = field(default_factory=list)
    offsets: dict[int, int] = field(default_factory=dict)
    """id(Var component) -> its first column."""
    blocks: list[_Block] = field(default_factory=list)
    cost: np.ndarray | None = None
    offset: float = 0.0
    objective: Any = None
    objective_expr: Any = None


def record(m: pyo.ConcreteModel) -> LinearRecord:
    """The model's record (created empty on first use)."""
    rec: LinearRecord | None = m.__dict__.get(_RECORD)
    if rec is None:
        rec = LinearRecord()
        object.__setattr__(m, _RECORD, rec)
    return rec


def columns(m: pyo.ConcreteModel, var: Any) -> list[int]:
    """Column indices of the data of Var component ``var`` (registered as columns on first use)."""
    rec = record(m)
    start = rec.offsets.get(id(var))
    if start is None:
        start = len(rec.columns)
        data = list(var.values())
        rec.offsets[id(var)] = start
        rec.var_components.append(var)
        rec.var_lengths.append(len(data))
        rec.columns.extend(data)
    return list(range(start, start + len(var)))


def linear(terms: list[tuple[float, Any]]) -> LinearExpression:
    """A LinearExpression from (coefficient, Pyomo variable) pairs (a bare variable where the coefficient is 1)."""
    return LinearExpression([v if c == 1 else MonomialTermExpression((float(c), v)) for c, v in terms])


def add_rows(m: pyo.ConcreteModel, name: str, rows: list[Row]) -> None:
    """Add an indexed constraint ``name`` with one row per entry and record it (skipped when rows is empty)."""
    if not rows:
        return
    rec = record(m)
    cols = rec.columns
    monomial = MonomialTermExpression

    def rule(_m: pyo.ConcreteModel, r: int) -> Any:
        lb, terms, ub = rows[r]
        return (lb, LinearExpression([cols[j] if c == 1 else monomial((float(c), cols[j])) for c, j in terms]), ub)

    component = pyo.Constraint(range(len(rows)), rule=rule)
    setattr(m, name, component)
    rec.blocks.append(_block(component, rows))


def _block(component: Any, rows: list[Row]) -> _Block:
    """The CSR pieces of ``rows`` (repeated columns merged, columns sorted within each row)."""
    n = len(rows)
    terms = list(map(itemgetter(1), rows))  # C-level maps and chains: no Python frame per term
    lengths = np.fromiter(map(len, terms), dtype=np.int64, count=n)
    nnz = int(lengths.sum())
    indices = np.fromiter(map(itemgetter(1), chain.from_iterable(terms)), dtype=np.int64, count=nnz)
    values = np.fromiter(map(itemgetter(0), chain.from_iterable(terms)), dtype=np.float64, count=nnz)
    lower = np.array(list(map(itemgetter(0), rows)), dtype=np.float64)  # None (no bound) reads as nan
    upper = np.array(list(map(itemgetter(2), rows)), dtype=np.float64)
    lower[np.isnan(lower)] = -np.inf
    upper[np.isnan(upper)] = np.inf
    if nnz > 1:
        row_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        same_row = row_of[1:] == row_of[:-1]
        if np.any(same_row & (indices[1:] <= indices[:-1])):  # unsorted or repeated columns somewhere
            order = np.lexsort((indices, row_of))
            row_of, indices, values = row_of[order], indices[order], values[order]
            first = np.ones(nnz, dtype=bool)
            first[1:] = (row_of[1:] != row_of[:-1]) | (indices[1:] != indices[:-1])
            if not first.all():
                starts = np.flatnonzero(first)
                values = np.add.reduceat(values, starts)
                row_of, indices = row_of[starts], indices[starts]
                lengths = np.bincount(row_of, minlength=n)
    return _Block(component, _exprs(component), lower, upper, lengths, indices, values)


def _exprs(component: Any) -> list[Any]:
    """The relational expression each row holds (the stored one where Pyomo exposes it: ``expr`` rebuilds it)."""
    data = list(component.values())
    try:
        return [c._expr for c in data]
    except AttributeError:
        return [c.expr for c in data]


def set_objective(
    m: pyo.ConcreteModel, name: str, terms: list[tuple[float, int]], constant: float = 0.0, sense: int = pyo.minimize
) -> None:
    """Add objective ``name`` (sum of (coefficient, column) terms plus ``constant``) and record its costs."""
    rec = record(m)
    cols = rec.columns
    body = linear([(c, cols[j]) for c, j in terms])
    expr = body + constant if constant else body
    obj = pyo.Objective(expr=expr, sense=sense)
    setattr(m, name, obj)
    cost = np.zeros(len(rec.columns))
    if terms:
        idx = np.fromiter((j for _, j in terms), dtype=np.int64, count=len(terms))
        np.add.at(cost, idx, np.fromiter((c for c, _ in terms), dtype=np.float64, count=len(terms)))
    rec.cost, rec.offset, rec.objective, rec.objective_expr = cost, float(constant), obj, obj.expr


def current(m: pyo.ConcreteModel) -> bool:
    """True when the record still describes every active variable, row and objective of ``m``."""
    rec = m.__dict__.get(_RECORD)
    if rec is None or rec.objective is None:
        return False
    var_components = list(m.component_objects(pyo.Var, active=True, descend_into=True))
    if len(var_components) != len(rec.var_components) or not all(map(is_, var_components, rec.var_components)):
        return False
    if any(len(v) != n for v, n in zip(rec.var_components, rec.var_lengths, strict=True)):
        return False
    cons = list(m.component_objects(pyo.Constraint, active=True, descend_into=True))
    if len(cons) != len(rec.blocks) or not all(map(is_, cons, (b.component for b in rec.blocks))):
        return False
    for b in rec.blocks:
        data = list(b.component.values())
        if len(data) != len(b.exprs) or not all(c.active for c in data):
            return False
        if not all(map(is_, _exprs(b.component), b.exprs)):
            return False
    objectives = list(m.component_data_objects(pyo.Objective, active=True, descend_into=True))
    if len(objectives) != 1 or objectives[0] is not rec.objective or rec.objective.expr is not rec.objective_expr:
        return False
    return not any(v.fixed for v in rec.columns)


def column_bounds(cols: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, upper, integrality) of variables, the tighter of each variable's bounds and its domain's."""
    n = len(cols)
    by_domain: dict[int, tuple[float, float, int]] = {}
    code: dict[int, int] = {}
    domains = [v.domain for v in cols]
    for v, dom in zip(cols, domains, strict=True):
        if id(dom) not in code:  # a handful of distinct domains (Binary, NonNegativeIntegers, ...)
            dlb, dub = dom.bounds()
            code[id(dom)] = len(by_domain)
            by_domain[id(dom)] = (
                -np.inf if dlb is None else float(dlb),
                np.inf if dub is None else float(dub),
                int(v.is_integer()),
            )
    table = np.array(list(by_domain.values()), dtype=np.float64).reshape(-1, 3)
    which = np.fromiter((code[id(dom)] for dom in domains), dtype=np.int64, count=n)
    try:  # the variables' own bounds as stored (plain numbers or None); anything else: the public property
        raw_lb = np.array([v._lb for v in cols], dtype=np.float64)
        raw_ub = np.array([v._ub for v in cols], dtype=np.float64)
    except (AttributeError, TypeError, ValueError):
        raw_lb = np.array([np.nan if v.lb is None else v.lb for v in cols], dtype=np.float64)
        raw_ub = np.array([np.nan if v.ub is None else v.ub for v in cols], dtype=np.float64)
    dom_lb, dom_ub = table[which, 0], table[which, 1]
    lower = np.where(np.isnan(raw_lb), dom_lb, np.fmax(raw_lb, dom_lb))  # None reads as nan
    upper = np.where(np.isnan(raw_ub), dom_ub, np.fmin(raw_ub, dom_ub))
    return lower, upper, table[which, 2].astype(np.int8)


def recorded_arrays(m: pyo.ConcreteModel) -> dict[str, Any]:
    """The record as solver arrays: columns, bounds, integrality, cost, offset, sense and CSR rows."""
    rec = record(m)
    assert rec.cost is not None and rec.objective is not None
    n_cols = len(rec.columns)
    col_lower, col_upper, integrality = column_bounds(rec.columns)
    cost = np.zeros(n_cols)
    cost[: len(rec.cost)] = rec.cost
    blocks = rec.blocks
    lengths = np.concatenate([b.lengths for b in blocks]) if blocks else np.zeros(0, np.int64)
    indptr = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=indptr[1:])
    return {
        "columns": rec.columns,
        "col_lower": col_lower,
        "col_upper": col_upper,
        "integrality": integrality,
        "cost": cost,
        "offset": rec.offset,
        "sense": 1 if rec.objective.sense == pyo.minimize else -1,
        "row_lower": np.concatenate([b.lower for b in blocks]) if blocks else np.zeros(0),
        "row_upper": np.concatenate([b.upper for b in blocks]) if blocks else np.zeros(0),
        "indptr": indptr,
        "indices": (np.concatenate([b.indices for b in blocks]) if blocks else np.zeros(0, np.int64)).astype(np.int32),
        "values": np.concatenate([b.values for b in blocks]) if blocks else np.zeros(0),
    }
