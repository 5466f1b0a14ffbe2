"""Fast construction of linear constraint blocks, recorded as column-index arrays as they are added.

Each family computes its rows as plain data ``(lb, [(coef, column), ...], ub)``, where ``column`` is an
integer column index from ``columns(m, var)``, and calls ``add_rows``. That builds the Pyomo
constraint (``LinearExpression`` bodies: Pyomo never evaluates operator overloading or relational
objects) and records the same rows as CSR arrays on the model (``LinearRecord``), so handing the
model to a solver is an array concatenation (``recorded_arrays``), not a walk over Pyomo expressions.
The Pyomo model stays the model: the record is used only while it still describes it (``current``);
a component added, removed or deactivated, a row replaced in place, a variable fixed or the
objective replaced make it stale and the solver hand-off walks the Pyomo model instead.

The same family code also builds an ``ArrayModel``: the record alone, without any Pyomo component
(variables are ``ArrayVar`` blocks of bounds, integrality and values). Its rows, columns and objective
are the ones the Pyomo model records, array for array (tests/test_recorded_rows.py checks it); the
planning pipeline solves it when nothing needs the Pyomo objects, which saves building them.

Several copies of the model in one MILP (a roadmap's periods): ``CopyView(m, tag, weight)`` is a
namespace over a shared model (Pyomo or ``ArrayModel``). The families build a copy by taking the view
as their model: its variable blocks and row blocks are added to the shared model under tagged names
(``n@2027``, ``capacity_demand@2027``) and the untagged attribute (``view.n``) reads the copy's block;
its ``set_objective`` keeps the copy's costs on the view, and ``combine_objective`` sets the shared
objective from the copies' weighted costs plus linking terms. A copy with tag ``""`` and weight 1 adds
exactly what the families add to the model itself (``build_model``/``build_arrays`` are that case).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import is_, itemgetter
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

if TYPE_CHECKING:
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

Row = tuple[float | None, list[tuple[float, int]], float | None]
"""A row: lower bound (None: none), (coefficient, column) terms, upper bound (None: none)."""

_RECORD = "_linear_record"

Model: TypeAlias = Any
"""A model the families build: a Pyomo ``ConcreteModel`` (``build_model``) or an ``ArrayModel`` (``build_arrays``)."""

MINIMIZE = 1
"""Objective sense: minimise (Pyomo's ``minimize`` has the same value); -1 maximises."""


def _domain(kind: str) -> Any:
    """The Pyomo domain of a variable kind (every variable of the model is >= 0)."""
    import pyomo.environ as pyo  # Pyomo is imported only where a Pyomo model is built

    return {"integer": pyo.NonNegativeIntegers, "binary": pyo.Binary, "real": pyo.NonNegativeReals}[kind]


class ArrayVar:
    """A block of columns of an ``ArrayModel``: lower and upper bounds, integrality and values as arrays."""

    __slots__ = ("integer", "lower", "name", "upper", "value")

    def __init__(self, name: str, lower: np.ndarray, upper: np.ndarray, integer: bool | np.ndarray) -> None:
        self.name = name
        self.lower = lower
        self.upper = upper
        self.integer = integer
        """Every column integer (True) or continuous (False), or a bool per column."""
        self.value = np.full(len(lower), np.nan)
        """The values set (a solution or a MIP start); nan: not set."""

    def __len__(self) -> int:
        return len(self.lower)

    def integrality(self) -> np.ndarray:
        """1 for each integer column, 0 for each continuous one."""
        return np.broadcast_to(np.asarray(self.integer, dtype=np.int8), (len(self),)).copy()


class ArrayModel:
    """The MILP of ``build_arrays``: variables (``ArrayVar``) and the linear record, no Pyomo component.

    Attributes are the same names as on the Pyomo model (``m.n``, ``m.k``, ...); ``nconstraints`` counts rows.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def add_component(self, name: str, var: ArrayVar) -> None:
        setattr(self, name, var)

    def nconstraints(self) -> int:
        return sum(len(b.lower) for b in record(self).blocks)


@dataclass
class CopyObjective:
    """The objective a copy's families set (``set_objective`` on a ``CopyView``), kept for ``combine_objective``."""

    terms: list[tuple[float, int]]
    constant: float
    sense: int
    dense: dict[int, np.ndarray]


class CopyView:
    """Copy ``tag`` of the model on shared model ``m``, weighted ``weight`` in the combined objective.

    Variable blocks (``new_var``) and row blocks (``add_rows``) go to ``m`` as ``<name>@<tag>`` (just
    ``<name>`` for tag ``""``); attributes set on the view (a family's ``m.n``, ``m.elastic_terms``) are
    the copy's own, and any other attribute reads the shared model. ``set_objective`` keeps the copy's
    objective on the view (``objective``) instead of setting the model's.
    """

    def __init__(self, m: Model, tag: str = "", weight: float = 1.0) -> None:
        base = m.base if isinstance(m, CopyView) else m
        object.__setattr__(self, "base", base)
        object.__setattr__(self, "tag", tag)
        object.__setattr__(self, "weight", float(weight))
        object.__setattr__(self, "objective", None)
        object.__setattr__(self, "_own", {})

    def tagged(self, name: str) -> str:
        """The name of this copy's component ``name`` on the shared model."""
        return f"{name}@{self.tag}" if self.tag else name

    def add_component(self, name: str, component: Any) -> None:
        self.base.add_component(self.tagged(name), component)
        self._own[name] = component

    def __getattr__(self, name: str) -> Any:
        own = self.__dict__["_own"]
        if name in own:
            return own[name]
        return getattr(self.base, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(value, "ctype") and not isinstance(self.base, ArrayModel):  # a Pyomo component: on the model
            self.add_component(name, value)
            return
        self._own[name] = value

    def nconstraints(self) -> int:
        return int(self.base.nconstraints())


def base_model(m: Model) -> Model:
    """The shared model of a copy (``m`` itself when it is not a ``CopyView``)."""
    return m.base if isinstance(m, CopyView) else m


def new_var(m: Model, name: str, size: int, kind: str, upper: Sequence[float] | None = None) -> Any:
    """Add variable block ``name`` of ``size`` columns, each >= 0 and <= ``upper[i]`` (None: no bound), of
    ``kind`` ``integer``, ``binary`` or ``real``; a Pyomo ``Var`` on a Pyomo model, an ``ArrayVar`` on an
    ``ArrayModel`` (on a ``CopyView``: on its shared model, under the copy's tagged name). Registers its
    columns (``columns``) and returns it."""
    if isinstance(base_model(m), ArrayModel):
        ub = np.full(size, np.inf) if upper is None else np.array(upper, dtype=np.float64).reshape(size)
        if kind == "binary":
            ub = np.fmin(ub, 1.0)
        var: Any = ArrayVar(m.tagged(name) if isinstance(m, CopyView) else name, np.zeros(size), ub, kind != "real")
    else:
        import pyomo.environ as pyo

        bound = upper
        if bound is None:
            var = pyo.Var(range(size), within=_domain(kind))
        else:
            var = pyo.Var(range(size), within=_domain(kind), bounds=lambda _m, i: (0, bound[i]))
    m.add_component(name, var)
    columns(m, var)
    return var


def set_continuous(var: Any, index: Sequence[int]) -> None:
    """Make columns ``index`` of variable block ``var`` (Pyomo ``Var`` or ``ArrayVar``) continuous (>= 0)."""
    if not len(index):
        return
    if isinstance(var, ArrayVar):
        integer = var.integrality().astype(bool)
        integer[list(index)] = False
        var.integer = integer
        return
    import pyomo.environ as pyo

    for i in index:
        var[i].domain = pyo.NonNegativeReals


def var_values(var: Any) -> list[float | None]:
    """The values of variable block ``var`` (Pyomo ``Var`` or ``ArrayVar``); None where unset."""
    if isinstance(var, ArrayVar):
        return [None if x != x else x for x in var.value.tolist()]  # nan != nan
    return [v.value for v in var.values()]


def set_var_values(var: Any, values: list[float]) -> None:
    """Set the values of variable block ``var`` (a MIP start or a solution), in index order."""
    if isinstance(var, ArrayVar):
        var.value[:] = np.asarray(values, dtype=np.float64)
        return
    for v, x in zip(var.values(), values, strict=True):
        v.set_value(x, skip_validation=True)


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
    """The Pyomo variables of the columns (empty for an ``ArrayModel``)."""
    n_columns: int = 0
    var_components: list[Any] = field(default_factory=list)
    var_lengths: list[int] = field(default_factory=list)
    offsets: dict[int, int] = field(default_factory=dict)
    """id(Var component) -> its first column."""
    blocks: list[_Block] = field(default_factory=list)
    cost: np.ndarray | None = None
    offset: float = 0.0
    objective: Any = None
    objective_expr: Any = None
    sense: int = 1
    """1 minimise, -1 maximise."""


def record(m: Model) -> LinearRecord:
    """The model's record (created empty on first use; a copy's is its shared model's)."""
    m = base_model(m)
    rec: LinearRecord | None = m.__dict__.get(_RECORD)
    if rec is None:
        rec = LinearRecord()
        object.__setattr__(m, _RECORD, rec)
    return rec


def columns(m: Model, var: Any) -> list[int]:
    """Column indices of variable block ``var`` (registered as columns on first use)."""
    start = first_column(m, var)
    return list(range(start, start + len(var)))


def first_column(m: Model, var: Any) -> int:
    """The first column of variable block ``var`` (its columns are contiguous; registered on first use)."""
    rec = record(m)
    start = rec.offsets.get(id(var))
    if start is None:
        start = rec.n_columns
        rec.offsets[id(var)] = start
        rec.var_components.append(var)
        rec.var_lengths.append(len(var))
        if not isinstance(var, ArrayVar):
            rec.columns.extend(var.values())
        rec.n_columns += len(var)
    return start


def linear(terms: list[tuple[float, Any]]) -> LinearExpression:
    """A LinearExpression from (coefficient, Pyomo variable) pairs (a bare variable where the coefficient is 1)."""
    from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

    return LinearExpression([v if c == 1 else MonomialTermExpression((float(c), v)) for c, v in terms])


@dataclass
class Coo:
    """Rows as coordinate arrays (the fastest form, built with numpy): entry e is coefficient ``val[e]`` of
    column ``col[e]`` in row ``row[e]`` (block-local rows 0 .. len(lower) - 1; repeats summed);
    ``lower``/``upper`` per row (-inf/inf: none)."""

    row: np.ndarray
    col: np.ndarray
    val: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def __len__(self) -> int:
        return len(self.lower)


def flat(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(block-local row of each entry, the entries) of per-row lists of integers, as arrays."""
    n = len(lists)
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=n)
    values = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(lengths.sum()))
    return np.repeat(np.arange(n, dtype=np.int64), lengths), values


def flat_pairs(lists: list[list[tuple[int, int]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(block-local row of each pair, first and second elements) of per-row lists of integer pairs."""
    n = len(lists)
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=n)
    total = int(lengths.sum())
    values = np.fromiter(chain.from_iterable(chain.from_iterable(lists)), dtype=np.int64, count=2 * total)
    return np.repeat(np.arange(n, dtype=np.int64), lengths), values[::2], values[1::2]


def add_rows(m: Model, name: str, rows: list[Row] | Coo) -> None:
    """Add an indexed constraint ``name`` with one row per entry and record it (skipped when rows is empty).

    On an ``ArrayModel`` the rows are only recorded. On a ``CopyView`` the block is the shared model's,
    named with the copy's tag."""
    if not len(rows):
        return
    if isinstance(m, CopyView):
        name, m = m.tagged(name), m.base
    rec = record(m)
    block = _coo_block(rows) if isinstance(rows, Coo) else _block(rows)
    if isinstance(m, ArrayModel):
        block.component = name
        rec.blocks.append(block)
        return
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

    cols = rec.columns
    monomial = MonomialTermExpression
    if isinstance(rows, Coo):  # the Pyomo rows from the block (columns sorted, repeats merged)
        starts = np.concatenate(([0], np.cumsum(block.lengths))).tolist()
        index, coef = block.indices.tolist(), block.values.tolist()
        lower = [None if x == -np.inf else x for x in block.lower.tolist()]
        upper = [None if x == np.inf else x for x in block.upper.tolist()]
        rows = [
            (
                lower[r],
                list(zip(coef[starts[r] : starts[r + 1]], index[starts[r] : starts[r + 1]], strict=True)),
                upper[r],
            )
            for r in range(len(lower))
        ]
    row_list = rows

    def rule(_m: pyo.ConcreteModel, r: int) -> Any:
        lb, terms, ub = row_list[r]
        return (lb, LinearExpression([cols[j] if c == 1 else monomial((float(c), cols[j])) for c, j in terms]), ub)

    component = pyo.Constraint(range(len(rows)), rule=rule)
    setattr(m, name, component)
    block.component = component
    block.exprs = _exprs(component)
    rec.blocks.append(block)


def _block(rows: list[Row]) -> _Block:
    """The CSR pieces of ``rows`` (repeated columns merged, columns sorted within each row)."""
    n = len(rows)
    terms = list(map(itemgetter(1), rows))  # C-level maps and chains: no Python frame per term
    lengths = np.fromiter(map(len, terms), dtype=np.int64, count=n)
    nnz = int(lengths.sum())
    indices = np.fromiter(map(itemgetter(1), chain.from_iterable(terms)), dtype=np.int64, count=nnz)
    values = np.fromiter(map(itemgetter(0), chain.from_iterable(terms)), dtype=np.float64, count=nnz)
    lower = np.array(list(map(itemgetter(0), rows)), dtype=np.float64)  # None (no bound) reads as nan
    upper = np.array(list(map(itemgetter(2), rows)), dtype=np.float64)
    return _csr(lower, upper, lengths, indices, values)


def _coo_block(rows: Coo) -> _Block:
    """The CSR pieces of coordinate rows (as ``_block``)."""
    n = len(rows.lower)
    order = np.argsort(rows.row, kind="stable")
    lengths = np.bincount(rows.row, minlength=n).astype(np.int64)
    lower = np.array(rows.lower, dtype=np.float64)
    upper = np.array(rows.upper, dtype=np.float64)
    return _csr(lower, upper, lengths, rows.col[order].astype(np.int64), rows.val[order].astype(np.float64))


def _csr(lower: np.ndarray, upper: np.ndarray, lengths: np.ndarray, indices: np.ndarray, values: np.ndarray) -> _Block:
    """A block from rows' bounds (nan: none) and terms in row order: repeats merged, columns sorted in each row."""
    n, nnz = len(lengths), len(indices)
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
    return _Block(None, [], lower, upper, lengths, indices.astype(np.int32), values)


def _exprs(component: Any) -> list[Any]:
    """The relational expression each row holds (the stored one where Pyomo exposes it: ``expr`` rebuilds it)."""
    data = list(component.values())
    try:
        return [c._expr for c in data]
    except AttributeError:
        return [c.expr for c in data]


def set_objective(
    m: Model,
    name: str,
    terms: list[tuple[float, int]],
    constant: float = 0.0,
    sense: int = MINIMIZE,
    dense: dict[int, np.ndarray] | None = None,
) -> None:
    """Add objective ``name`` (sum of (coefficient, column) terms plus ``constant``) and record its costs.

    ``dense``: more costs as arrays, ``{first column: costs of that column and the next ones}``.
    On a ``CopyView`` the objective is kept on the view (``combine_objective`` sets the model's)."""
    if isinstance(m, CopyView):
        object.__setattr__(m, "objective", CopyObjective(list(terms), float(constant), sense, dict(dense or {})))
        return
    rec = record(m)
    cost = np.zeros(rec.n_columns)
    for first, costs in (dense or {}).items():
        cost[first : first + len(costs)] += costs
    if terms:
        idx = np.fromiter(map(itemgetter(1), terms), dtype=np.int64, count=len(terms))
        np.add.at(cost, idx, np.fromiter(map(itemgetter(0), terms), dtype=np.float64, count=len(terms)))
    rec.cost, rec.offset, rec.sense = cost, float(constant), 1 if sense == MINIMIZE else -1
    if isinstance(m, ArrayModel):
        rec.objective = name
        return
    import pyomo.environ as pyo

    if dense:
        terms = [(c, first + j) for first, costs in dense.items() for j, c in enumerate(costs.tolist()) if c] + terms
    cols = rec.columns
    body = linear([(c, cols[j]) for c, j in terms])
    expr = body + constant if constant else body
    obj = pyo.Objective(expr=expr, sense=sense)
    setattr(m, name, obj)
    rec.objective, rec.objective_expr = obj, obj.expr


def combine_objective(
    m: Model,
    name: str,
    copies: Sequence[CopyView],
    terms: list[tuple[float, int]] | None = None,
    constant: float = 0.0,
    dense: dict[int, np.ndarray] | None = None,
) -> None:
    """Set objective ``name`` of shared model ``m``: the sum over ``copies`` of weight x the copy's objective
    (each must have set one, all minimising), plus linking ``terms``, ``constant`` and ``dense`` costs."""
    all_terms: list[tuple[float, int]] = []
    all_dense: dict[int, np.ndarray] = {}
    total = float(constant)

    def put(first: int, costs: np.ndarray) -> None:
        old = all_dense.get(first)
        if old is not None and len(old) == len(costs):
            all_dense[first] = old + costs
        elif old is None:
            all_dense[first] = costs
        else:  # blocks of different lengths at one column: fold into terms
            all_terms.extend((float(c), first + j) for j, c in enumerate(costs.tolist()) if c)

    for view in copies:
        obj = view.objective
        if obj is None:
            raise ValueError(f"combine_objective: copy {view.tag!r} has no objective")
        if obj.sense != MINIMIZE:
            raise ValueError("combine_objective: every copy must minimise")
        w = view.weight
        all_terms.extend((w * c, j) for c, j in obj.terms)
        total += w * obj.constant
        for first, costs in obj.dense.items():
            put(first, w * np.asarray(costs, dtype=np.float64))
    for first, costs in (dense or {}).items():
        put(first, np.asarray(costs, dtype=np.float64))
    all_terms.extend(terms or [])
    set_objective(base_model(m), name, all_terms, total, MINIMIZE, all_dense)


def current(m: Model) -> bool:
    """True when the record still describes every active variable, row and objective of ``m`` (always, once
    its objective is set, for an ``ArrayModel``: the record is all it has)."""
    rec = m.__dict__.get(_RECORD)
    if rec is None or rec.objective is None:
        return False
    if isinstance(m, ArrayModel):
        return True
    import pyomo.environ as pyo

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


def _array_bounds(rec: LinearRecord) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, upper, integrality) of an ``ArrayModel``'s columns."""
    if not rec.var_components:
        return np.zeros(0), np.zeros(0), np.zeros(0, np.int8)
    lower = np.concatenate([v.lower for v in rec.var_components])
    upper = np.concatenate([v.upper for v in rec.var_components])
    integrality = np.concatenate([v.integrality() for v in rec.var_components])
    return lower, upper, integrality


def column_values(m: Model) -> np.ndarray:
    """The values set on the columns of model ``m``, in column order (nan: not set)."""
    rec = record(m)
    if isinstance(m, ArrayModel):
        return np.concatenate([v.value for v in rec.var_components]) if rec.var_components else np.zeros(0)
    return np.array([np.nan if v.value is None else v.value for v in rec.columns], dtype=np.float64)


def load_columns(m: Model, values: np.ndarray) -> None:
    """Set the columns of ``m`` (a solution vector in column order; fixed Pyomo variables keep their value)."""
    rec = record(m)
    if isinstance(m, ArrayModel):
        start = 0
        for var in rec.var_components:
            var.value[:] = values[start : start + len(var)]
            start += len(var)
        return
    for v, x in zip(rec.columns, np.asarray(values).tolist(), strict=True):
        if not v.fixed:
            v.set_value(x, skip_validation=True)


def recorded_arrays(m: Model) -> dict[str, Any]:
    """The record as solver arrays: columns, bounds, integrality, cost, offset, sense and CSR rows."""
    rec = record(m)
    assert rec.cost is not None and rec.objective is not None
    n_cols = rec.n_columns
    if isinstance(m, ArrayModel):
        col_lower, col_upper, integrality = _array_bounds(rec)
    else:
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
        "sense": rec.sense if isinstance(m, ArrayModel) else (1 if rec.objective.sense == MINIMIZE else -1),
        "row_lower": np.concatenate([b.lower for b in blocks]) if blocks else np.zeros(0),
        "row_upper": np.concatenate([b.upper for b in blocks]) if blocks else np.zeros(0),
        "indptr": indptr,
        "indices": np.concatenate([b.indices for b in blocks]) if blocks else np.zeros(0, np.int32),
        "values": np.concatenate([b.values for b in blocks]) if blocks else np.zeros(0),
    }
