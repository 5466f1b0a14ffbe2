"""Stage 5: the ``Plan`` -- solver report plus links, nodes, paths and bill of materials.

Totals and the objective are recomputed here from the (rounded) integer decisions and the model
data, so the plan is exactly consistent with itself; ``optimizer.verify`` checks it independently.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import math
import operator
import os
import sys
import tempfile
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from json.encoder import encode_basestring_ascii as _encode_text
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from optimizer.core.catalog import CatalogIndex, technology
from optimizer.core.data import ModelData
from optimizer.core.gcpause import paused_gc
from optimizer.core.model.linear import Model, var_values
from optimizer.core.reliability import round_significant
from optimizer.core.solve import SolveReport, SolveStatus

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.core.elastic import Relaxation

PLAN_FORMAT = "optimizer-plan/1"
LINK_COLUMNS = [
    "group",
    "option",
    "speed_gbps",
    "count",
    "power_w",
    "capex_usd",
    "latency_ns",
    "a",
    "b",
    "length_m",
    "kind",
    "technology",
]
NODE_COLUMNS = [
    "group",
    "model",
    "count",
    "used_gbps",
    "used_ports",
    "capacity_gbps",
    "ports",
    "power_w",
    "capex_usd",
    "port_minimum",
    "switches_above_port_minimum",
]
"""Columns of nodes.csv. ``port_minimum``: the fewest switches of the chosen model that terminate the group's
link ends at their chosen speeds (``port_minimum``); ``switches_above_port_minimum``: count minus that."""
PATH_COLUMNS = ["id", "latency_ns", "max_latency_ns", "slack_ns"]
DRIVER_COLUMNS = [
    "kind",
    "group",
    "choice",
    "figure",
    "value",
    "low",
    "high",
    "relative",
    "direction",
    "breakeven",
    "below",
    "above",
    "new_choice",
    "robust",
    "confirmed",
    "text",
]
"""Columns of drivers.csv (decision drivers, ``optimizer solve --drivers``)."""
BOM_COLUMNS = ["item", "section", "units", "modules", "length_m", "power_w", "capex_usd"]
TEXT_COLUMNS = frozenset(
    {"group", "option", "a", "b", "kind", "technology", "model", "id", "item", "section", "commodity", "from", "to"}
)
"""Columns of the plan's tables that hold text; every other column holds numbers."""
INTEGER_COLUMNS = frozenset(
    {"count", "used_ports", "ports", "units", "modules", "spares", "port_minimum", "switches_above_port_minimum"}
)
"""Columns of whole numbers (integer dtype; a divisible routed group's fractional count makes ``count`` float)."""
TOTAL_KEYS = [
    "capex_usd",
    "power_w",
    "energy_usd",
    "tco_usd",
    "optics_power_w",
    "switch_power_w",
    "optics_capex_usd",
    "switch_capex_usd",
    "switches_above_port_minimum",
]


class Table:
    """A plan table held as plain Python until a DataFrame is asked for.

    A solve builds its tables as rows (or columns) of Python values; ``frame`` turns them into the typed
    DataFrame (``typed``) the first time a caller reads ``Plan.links`` and the others, so that a run which only
    prints and writes its plan (``optimizer solve``) never imports pandas. ``records``, ``to_csv`` and the row
    access give what the typed DataFrame gives (``_records``, ``DataFrame.to_csv(index=False)``,
    ``itertuples``): text as it is; whole-number columns as ints (None where a row has none); every other
    number column as floats (None where missing).
    """

    __slots__ = ("_columns", "_data", "_rows", "_plain", "_numeric", "_text")

    def __init__(
        self,
        columns: list[str],
        *,
        data: Mapping[str, list[Any]] | None = None,
        rows: Sequence[Mapping[str, Any]] | None = None,
    ):
        self._columns = list(columns)
        self._data = dict(data) if data is not None else None
        self._rows = rows if data is None else None
        if self._data is None and self._rows is None:
            self._rows = []
        self._plain: dict[str, list[Any]] | None = None
        self._numeric: dict[str, bool] = {}
        self._text: dict[str, list[str]] = {}

    @classmethod
    def of_frame(cls, frame: pd.DataFrame) -> Table:
        """A typed DataFrame's rows as a table (what a plan read back or built by a study holds)."""
        names = [str(c) for c in frame.columns]
        data = {n: frame[c].tolist() for n, c in zip(names, frame.columns, strict=True)}
        table = cls(names, data=data)
        pandas = sys.modules["pandas"]
        table._plain = {n: [None if _missing(v) else v for v in values] for n, values in data.items()}
        for n, c in zip(names, frame.columns, strict=True):
            dtype = frame[c].dtype
            table._numeric[n] = bool(
                pandas.api.types.is_numeric_dtype(dtype) and not pandas.api.types.is_bool_dtype(dtype)
            )
        return table

    @property
    def columns(self) -> list[str]:
        """The column names, in order."""
        return list(self._columns)

    def __len__(self) -> int:
        if self._data is not None:
            return len(next(iter(self._data.values()), []))
        return len(self._rows or [])

    def frame(self) -> pd.DataFrame:
        """The typed DataFrame (``typed``) of these rows: imports pandas."""
        import pandas as pd

        if self._data is not None:
            return typed(pd.DataFrame(self._data, columns=self._columns))
        return typed(pd.DataFrame(self._rows, columns=self._columns))

    def plain(self) -> dict[str, list[Any]]:
        """Column name -> values, typed as ``typed`` types them (see the class docstring)."""
        if self._plain is None:
            raw = (
                self._data
                if self._data is not None
                else {c: [r.get(c) for r in (self._rows or [])] for c in self._columns}
            )
            self._plain = {}
            for name in self._columns:
                values, numeric = _typed_values(name, raw[name])
                self._plain[name] = values
                self._numeric[name] = numeric
        return self._plain

    def is_numeric(self, name: str) -> bool:
        """Whether a column holds numbers (as a typed DataFrame's numeric dtype)."""
        self.plain()
        return self._numeric.get(name, False)

    def __getitem__(self, name: str) -> list[Any]:
        return self.plain()[name]

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def head(self, n: int) -> Table:
        """The first ``n`` rows."""
        plain = self.plain()
        table = Table(self._columns, data={c: v[:n] for c, v in plain.items()})
        table._plain = table._data
        table._numeric = dict(self._numeric)
        return table

    def itertuples(self) -> Iterator[Any]:
        """Rows as named tuples (fields: the column names), as ``DataFrame.itertuples`` without the index."""
        plain = self.plain()
        row = namedtuple("Row", self._columns, rename=True)  # type: ignore[misc]  # names known at run time
        return map(row._make, zip(*(plain[c] for c in self._columns), strict=True))

    def records(self) -> list[dict[str, Any]]:
        """The rows as mappings (``_records`` of the typed DataFrame)."""
        plain = self.plain()
        columns = [plain[c] for c in self._columns]
        return [dict(zip(self._columns, row, strict=True)) for row in zip(*columns, strict=True)]

    def _cells(self, name: str, cells: Callable[[list[Any], Callable[[list[Any]], list[str]]], list[str]]) -> list[str]:
        """A column's text cells by ``cells(values, numbers)``, where ``numbers`` gives the ``repr`` of a
        column of floats only or ints only, computed once per column for both the CSV and the JSON text."""
        return cells(self.plain()[name], lambda values: self._numbers(name, values))

    def _numbers(self, name: str, values: list[Any]) -> list[str]:
        text = self._text.get(name)
        if text is None:
            text = self._text[name] = _numbers_text(values)
        return text

    def json_rows(self) -> list[str]:
        """Each row as the compact JSON text ``json.dumps`` gives its ``records()`` mapping after ``_clean``
        (keys in column order, ``", "`` and ``": "`` as separators, non-finite floats as null), built
        column by column and joined per row: no mapping or encoder call per row."""
        parts: list[Iterable[str]] = []
        for position, name in enumerate(self._columns):
            parts.append(repeat(("{" if position == 0 else ", ") + _encode_text(name) + ": "))
            parts.append(self._cells(name, _json_cells))
        parts.append(repeat("}"))
        return list(map("".join, zip(*parts, strict=False))) if len(self) else []  # repeat() is endless

    def to_csv(self) -> str:
        """CSV text as ``DataFrame.to_csv(index=False)`` writes the typed DataFrame (``csv.writer`` with its
        minimal quoting; the rows are joined directly when no cell needs quotes)."""
        cells = [self._cells(c, _csv_cells) for c in self._columns]
        if len(self._columns) > 1 and not any(map(_needs_quotes, [self._columns, *cells])):
            return "\n".join(map(",".join, [self._columns, *zip(*cells, strict=True)])) + "\n"
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self._columns)
        writer.writerows(zip(*cells, strict=True))
        return out.getvalue()


_QUOTED = (",", '"', "\r", "\n")
"""Characters for which ``csv.writer`` (minimal quoting) quotes a cell."""


def _needs_quotes(cells: list[str]) -> bool:
    """Whether ``csv.writer`` would quote any of these cells (none empty when a row has several cells)."""
    text = "\x00".join(cells)
    return any(c in text for c in _QUOTED)


def _numbers_text(values: list[Any]) -> list[str]:
    """The ``repr`` of each value of a column of floats only or ints only: once per distinct value (a zero
    float is written as ``0.0`` or ``-0.0``, which compare equal: such a column is written value by value)."""
    distinct = set(values)
    if len(distinct) * 4 > len(values) or 0.0 in distinct and type(next(iter(distinct))) is float:
        return list(map(repr, values))
    text = {v: repr(v) for v in distinct}
    return list(map(text.__getitem__, values))


def _missing(value: Any) -> bool:
    if value is None or (isinstance(value, float) and value != value):
        return True
    pandas = sys.modules.get("pandas")
    return pandas is not None and value is pandas.NA


def _typed_values(name: str, values: list[Any]) -> tuple[list[Any], bool]:
    """A column's values as ``typed`` gives them, and whether the column is numeric."""
    kinds = set(map(type, values))
    if name in TEXT_COLUMNS:
        if kinds <= {str, type(None)}:
            return list(values), False  # the common case: text, nothing missing but None
        return [None if _missing(v) else v for v in values], False
    if kinds == {float} and name not in INTEGER_COLUMNS and not any(map(operator.ne, values, values)):  # no NaN
        return list(values), True  # the common case: floats already, none missing
    if kinds == {int} and name in INTEGER_COLUMNS:
        return list(values), True
    given = [v for v in values if not _missing(v)]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in given):
        return list(values), False  # not a number column: left as it is (as ``typed`` leaves it)
    if name in INTEGER_COLUMNS and all(float(v).is_integer() for v in given):
        return [None if _missing(v) else int(v) for v in values], True
    return [None if _missing(v) else float(v) for v in values], True


_NON_FINITE = frozenset({"inf", "-inf", "nan"})
"""``repr`` of the floats that plan.json writes as null (``_clean``)."""
_INFINITE = (math.inf, -math.inf)


def _json_cells(values: list[Any], numbers: Callable[[list[Any]], list[str]]) -> list[str]:
    """A column's JSON cells, each as ``json.dumps(_clean(value))`` writes it (floats and ints by their
    ``repr``, as the C encoder writes them; text escaped to ASCII; None and non-finite floats as null)."""
    kinds = set(map(type, values))
    if kinds <= {str}:
        return list(map(_encode_text, values))
    if kinds == {float} or kinds == {int}:
        cells = numbers(values)
        if kinds == {float} and not _NON_FINITE.isdisjoint(cells):
            cells = ["null" if c in _NON_FINITE else c for c in cells]
        return cells
    if kinds <= {float, int, type(None)}:
        return ["null" if v is None or v != v or v in _INFINITE else repr(v) for v in values]
    encode = json.JSONEncoder(allow_nan=False).encode
    return [encode(_clean(v)) for v in values]


def _csv_cells(values: list[Any], numbers: Callable[[list[Any]], list[str]]) -> list[str]:
    """A column's CSV cells: numbers by ``repr`` (as pandas writes float64 and int64), missing values empty."""
    kinds = set(map(type, values))
    if kinds == {float} or kinds == {int}:
        return numbers(values)
    if kinds <= {str}:
        return values
    return ["" if v is None else repr(v) if isinstance(v, float) else str(v) for v in values]


class _TableField:
    """A ``Plan`` table attribute (installed on the class after its dataclass fields): holds a ``Table`` or a
    DataFrame; reading it gives a DataFrame (a ``Table`` is turned into one on first read). ``Plan.table``
    reads the rows without pandas."""

    def __init__(self, name: str):
        self.slot = "_table_" + name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__.get(self.slot)
        if isinstance(value, Table):
            value = value.frame()
            obj.__dict__[self.slot] = value
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.slot] = value


@dataclass
class Plan:
    """The planner's answer for one instance.

    Attributes:
        instance: the instance name.
        status: solver outcome (``optimal``, ``feasible``, ``infeasible``, ``unbounded``,
            ``no_solution``, ``error``).
        objective, bound, gap: objective of the plan, best bound and relative gap (None without a plan).
        totals: power, capex, energy and TCO totals (None without a plan).
        links, nodes, paths, bom: tables (empty without a plan).
        solver: solver name, version, options and timings.
        diagnostics: pre-solve reasons why the model cannot be feasible (filled when infeasible).
        relaxations: when infeasible, the limits that must move and by how much for a plan to exist
            (``optimizer.core.elastic.Relaxation``; written to plan.json as ``relaxations``).
    """

    instance: str
    objective_mode: str
    status: SolveStatus
    objective: float | None
    bound: float | None
    gap: float | None
    totals: dict[str, float] | None
    links: pd.DataFrame
    nodes: pd.DataFrame
    paths: pd.DataFrame
    bom: pd.DataFrame
    solver: dict[str, Any]
    diagnostics: list[str] = field(default_factory=list)
    objective_weights: dict[str, float] | None = None
    """The ``weights`` of a ``weighted`` objective (written to plan.json as ``objective_weights``)."""
    flows: pd.DataFrame | None = None
    """Routed demands only: arc flow per commodity (commodity, group, from, to, gbps)."""
    routing: dict[str, Any] | None = None
    """Routed demands only: ``commodities`` (id, source, demands) and ``routes`` (path flows)."""
    reliability: dict[str, Any] | None = None
    """Reliability extension only: figures, spares and failure domains (plan.json ``reliability``)."""
    reliability_rows: pd.DataFrame | None = None
    """Reliability extension only: figures per tier and technology (reliability.csv)."""
    relaxations: list[Relaxation] = field(default_factory=list)
    """Infeasible plans: ``Relaxation`` entries (limit, id, unit, current, needed, field, value, text)."""
    fabrics: list[dict[str, Any]] | None = None
    """Compatibility rules only: each fabric's node groups and the protocol it runs (plan.json ``fabrics``)."""
    facility: dict[str, Any] | None = None
    """Facility extension only: switch racks, rack units, rack power per rack type, liquid load, fibres per
    link group and cable path, structured-cabling lines (plan.json ``facility``)."""
    drivers: list[dict[str, Any]] | None = None
    """Decision drivers, when asked for (``optimizer solve --drivers``): the uncertain figures whose change
    flips a group's choice, with the break-even (plan.json ``drivers``, drivers.csv)."""

    def table(self, name: str) -> Table | None:
        """A table (``links``, ``nodes``, ``paths``, ``bom``, ``flows``, ``reliability_rows``) as plain rows, without
        building a DataFrame (None for an absent optional table)."""
        value = self.__dict__.get("_table_" + name)
        if value is None or isinstance(value, Table):
            return value
        return Table.of_frame(value)

    def to_dict(self) -> dict[str, Any]:
        """The plan as the plan.json mapping (format optimizer-plan/1)."""
        with paused_gc():  # tens of thousands of row dicts next to a live Pyomo model
            return self._to_dict()

    def _to_dict(self, rows: Callable[[str], Any] | None = None) -> dict[str, Any]:
        """The plan.json mapping; ``rows`` (a table's name -> its value there) replaces the row mappings."""
        if rows is None:
            rows = self._records
        out: dict[str, Any] = _clean(
            {
                "format": PLAN_FORMAT,
                "instance": self.instance,
                "status": str(self.status),
                "objective_mode": self.objective_mode,
                "objective": self.objective,
                "bound": self.bound,
                "gap": self.gap,
                "totals": self.totals,
                "links": rows("links"),
                "nodes": rows("nodes"),
                "paths": rows("paths"),
                "bom": rows("bom"),
                "diagnostics": list(self.diagnostics),
                **({"relaxations": [r.to_dict() for r in self.relaxations]} if self.relaxations else {}),
                "solver": self.solver,
                **({"objective_weights": self.objective_weights} if self.objective_weights is not None else {}),
                **({} if self.flows is None else {"flows": rows("flows"), **(self.routing or {})}),
                **({} if self.reliability is None else {"reliability": self.reliability}),
                **({} if self.fabrics is None else {"fabrics": self.fabrics}),
                **({} if self.facility is None else {"facility": self.facility}),
                **({} if self.drivers is None else {"drivers": self.drivers}),
            }
        )
        return out

    def _records(self, name: str) -> list[dict[str, Any]]:
        value: Table | pd.DataFrame = self.__dict__["_table_" + name]
        return value.records() if isinstance(value, Table) else _records(value)

    def to_json(self, indent: int | None = 2) -> str:
        """plan.json text (plain JSON numbers only: no NaN or Infinity).

        With ``indent``, the tables (links, nodes, paths, bom, flows) have one row per line: each row goes
        through the C encoder (``json.dumps`` with an indent runs the pure-Python one, ~10x slower).
        """
        with paused_gc():
            if indent is None:
                return json.dumps(self._to_dict(), allow_nan=False)
            return _dumps_rows_per_line(self._to_dict(self._json_rows), indent)

    def _json_rows(self, name: str) -> Any:
        """A table for ``_dumps_rows_per_line``: a ``Table``'s rows as JSON text (``Table.json_rows``), a
        DataFrame's as mappings."""
        value: Table | pd.DataFrame = self.__dict__["_table_" + name]
        return _RowsText(value.json_rows()) if isinstance(value, Table) else _records(value)

    def write(self, directory: str | Path, *, remove: tuple[str, ...] = ()) -> list[Path]:
        """Write plan.json, links.csv, nodes.csv, paths.csv and bom.csv (and flows.csv, reliability.csv,
        drivers.csv) into ``directory``, keeping the files of an earlier plan there until the new ones are
        complete.

        Every file is first written in full to a temporary file in ``directory`` (``.NAME.PID.XXXX.tmp``);
        only then are they renamed over their names, plan.json last, so that a crash or a failed write
        leaves the earlier complete plan (never a truncated file) and a plan.json always belongs to the
        files beside it. At that point the output files of an earlier run that this plan does not write
        (flows.csv, reliability.csv, drivers.csv, and the names in ``remove``) are removed. Temporary files
        that a killed run left behind are removed first. A symlink at a file's name is replaced, never followed.
        Raises ``OutputError`` (with the path and the system's reason) when writing fails.
        """
        out = Path(directory)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{out}: cannot create the output folder: {exc.strerror or exc}") from exc
        remove_stale_temporaries(out)
        names = [("links", "links"), ("nodes", "nodes"), ("paths", "paths"), ("bom", "bom")]
        names += [("flows", "flows"), ("reliability", "reliability_rows")]
        files = []
        for file_name, attribute in names:
            value = self.__dict__.get("_table_" + attribute)
            if value is not None:
                text = value.to_csv() if isinstance(value, Table) else value.to_csv(index=False)
                files.append((out / f"{file_name}.csv", text))
        if self.drivers is not None:
            import pandas as pd

            drivers = pd.DataFrame(self.drivers, columns=DRIVER_COLUMNS)
            files.append((out / "drivers.csv", drivers.to_csv(index=False)))
        files.append((out / "plan.json", self.to_json() + "\n"))
        written = {path.name for path, _ in files}
        stale = tuple(n for n in ("flows.csv", "reliability.csv", "drivers.csv", *remove) if n not in written)
        paths = write_all_atomic(files, remove=stale)
        return [paths[-1], *paths[:-1]]

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Plan:
        """Load a plan written by ``Plan.write`` (or ``optimizer solve --out``): the folder holding plan.json,
        or the plan.json file itself. The tables are typed as a solved plan's are (counts as integers,
        figures as floats, ids as text); plan.json alone holds everything (the CSV files are not read).

        Raises:
            OSError: the file cannot be read. ValueError: it is not a plan.json (format optimizer-plan/1).
        """
        file = Path(path)
        if file.is_dir():
            file = file / "plan.json"
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{file}: not a plan.json ({exc})") from None
        if not isinstance(doc, dict) or doc.get("format") != PLAN_FORMAT:
            raise ValueError(f"{file}: not a plan.json (expected format {PLAN_FORMAT})")
        return plan_from_dict(doc)


TABLES = ("links", "nodes", "paths", "bom", "flows", "reliability_rows")
"""The ``Plan`` attributes that hold tables."""
for _name in TABLES:  # after @dataclass has read the fields (and their defaults: None for the optional ones)
    setattr(Plan, _name, _TableField(_name))


def as_frame(table: Table) -> pd.DataFrame:
    """A ``Table`` where a plan table (a DataFrame when read back) is expected: a ``Plan`` holds either and gives
    a DataFrame when read, so building a plan from rows needs no pandas."""
    return cast("pd.DataFrame", table)


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """A plan table with one dtype per column: text columns as they are, whole-number columns (``count``,
    ``ports``, ``units``, ``modules``, ...) as ``int64`` (``Int64`` where a row has none, as a media row of the
    bill of materials), every other column ``float64`` (missing: NaN)."""
    import pandas as pd

    out = frame.copy()
    for name in out.columns:
        if name in TEXT_COLUMNS:
            continue
        try:
            column = pd.to_numeric(out[name].astype(object).where(out[name].notna(), None), errors="raise")
        except (TypeError, ValueError):  # a column of text this table has beyond the known ones
            continue
        if name in INTEGER_COLUMNS:
            values = column.dropna()
            if bool((values == values.round()).all()):
                out[name] = column.astype("Int64" if column.isna().any() else "int64")
                continue
        out[name] = column.astype("float64")
    return out


def plan_from_dict(doc: Mapping[str, Any]) -> Plan:
    """A ``Plan`` from its plan.json mapping (``Plan.to_dict()``), with typed tables (``typed``)."""
    import pandas as pd

    from optimizer.core.elastic import Relaxation

    def table(key: str, columns: list[str]) -> pd.DataFrame:
        rows = doc.get(key) or []
        extra = [c for r in rows for c in r if c not in columns]
        return typed(pd.DataFrame(rows, columns=[*columns, *dict.fromkeys(extra)]))

    flows = routing = None
    if "flows" in doc:
        flows = typed(pd.DataFrame(doc["flows"], columns=["commodity", "group", "from", "to", "gbps"]))
        routing = {k: doc[k] for k in ("commodities", "routes") if k in doc}
    reliability = doc.get("reliability")
    rel_rows = None
    if reliability is not None:
        from optimizer.core.reliability_plan import ROW_COLUMNS

        rel_rows = typed(pd.DataFrame(reliability.get("rows") or [], columns=ROW_COLUMNS))
    return Plan(
        doc["instance"],
        doc["objective_mode"],
        SolveStatus(doc["status"]),
        doc.get("objective"),
        doc.get("bound"),
        doc.get("gap"),
        doc.get("totals"),
        table("links", LINK_COLUMNS),
        table("nodes", NODE_COLUMNS),
        table("paths", PATH_COLUMNS),
        table("bom", BOM_COLUMNS),
        dict(doc.get("solver") or {}),
        list(doc.get("diagnostics") or []),
        objective_weights=doc.get("objective_weights"),
        flows=flows,
        routing=routing,
        reliability=reliability,
        reliability_rows=rel_rows,
        relaxations=[Relaxation(**r) for r in doc.get("relaxations") or []],
        fabrics=doc.get("fabrics"),
        facility=doc.get("facility"),
    )


def read_plan(path: str | os.PathLike[str]) -> Plan:
    """``Plan.read(path)``: a plan folder (or its plan.json) loaded back into a ``Plan``."""
    return Plan.read(path)


OUTPUT_FILES = (
    "plan.json",
    "links.csv",
    "nodes.csv",
    "paths.csv",
    "bom.csv",
    "flows.csv",
    "reliability.csv",
    "drivers.csv",
    "plan.png",
)
"""Files a solve may write into its output folder (plan.png with ``--plot``)."""


class OutputError(OSError):
    """Writing a plan's files failed (disk full, no permission, ...): the message names the path and reason."""


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _umask()


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    A reader sees the old file or the complete new one, never a truncated one; a symlink at ``path`` is
    replaced by the file (its target is untouched).
    """
    return write_all_atomic([(path, text)])[0]


def write_all_atomic(files: list[tuple[Path, str]], remove: tuple[str, ...] = ()) -> list[Path]:
    """Write several files so that each is replaced only once all of them are complete on disk.

    Each text goes to a temporary file beside its path (``.NAME.PID.XXXX.tmp``, flushed to disk); when
    every one is written, the files named in ``remove`` (beside the last path) are removed and the
    temporaries are renamed over their paths in order, the last one last. When writing fails, the
    temporaries are removed and the files already in place are untouched (``OutputError``).
    """
    temporaries: list[str] = []
    try:
        for path, text in files:
            temporaries.append(_write_temporary(path, text))
        folder = files[-1][0].parent if files else None
        if folder is not None and remove:
            remove_outputs(folder, remove)
        for k, (path, _) in enumerate(files):
            try:
                os.replace(temporaries[k], path)
            except OSError as exc:
                raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
            temporaries[k] = ""
    finally:
        for tmp in temporaries:
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
    return [path for path, _ in files]


def _write_temporary(path: Path, text: str) -> str:
    """``text`` in a new temporary file beside ``path``, flushed to disk; its name."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # as an ordinary new file (mkstemp makes it private)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    return tmp


def remove_stale_temporaries(directory: Path, names: tuple[str, ...] = OUTPUT_FILES) -> list[Path]:
    """Remove the temporary files (``.NAME.PID.XXXX.tmp``, NAME one of ``names``) that a run killed while
    writing left in ``directory``: those of a process that no longer runs (and the older form without a
    process id, ``.NAME.XXXX.tmp``). Best effort: never raises."""
    removed: list[Path] = []
    try:
        entries = list(directory.iterdir())
    except OSError:
        return removed
    for path in entries:
        name = next((n for n in names if path.name.startswith(f".{n}.") and path.name.endswith(".tmp")), None)
        if name is None:
            continue
        middle = path.name[len(name) + 2 : -len(".tmp")]
        pid, _, rest = middle.partition(".")
        if not middle or (rest and pid.isdigit() and _running(int(pid))):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    """Whether a process ``pid`` runs (this one does)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # another user's process, or a number no process can have: not ours to judge
    return True


def remove_outputs(directory: Path, names: tuple[str, ...] = OUTPUT_FILES) -> list[Path]:
    """Remove the named output files (or symlinks: the link, never its target) from ``directory``."""
    removed = []
    for name in names:
        path = directory / name
        if path.is_symlink() or path.is_file():
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise OutputError(f"{path}: cannot remove the earlier run's file: {exc.strerror or exc}") from exc
            removed.append(path)
    return removed


class _RowsText(list[str]):
    """A table's rows as compact JSON texts (``Table.json_rows``), written one per line as they are."""


def _dumps_rows_per_line(doc: dict[str, Any], indent: int) -> str:
    """JSON text of a mapping, indented, with every list of mappings (and every ``_RowsText``) written one
    compact row per line."""
    row = json.JSONEncoder(allow_nan=False).encode
    pad, pad2 = " " * indent, " " * (2 * indent)
    parts = []
    for key, value in doc.items():
        if isinstance(value, _RowsText):
            text = "[\n" + pad2 + (",\n" + pad2).join(value) + "\n" + pad + "]" if value else "[]"
        elif isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            text = "[\n" + pad2 + (",\n" + pad2).join(map(row, value)) + "\n" + pad + "]"
        else:  # JSON strings hold no raw newlines: re-indenting the nested text is safe
            text = json.dumps(value, indent=indent, allow_nan=False).replace("\n", "\n" + pad)
        parts.append(f"{pad}{json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}" if parts else "{}"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict("records")`` with Python scalars, built column-wise (~10x faster at 10^4 rows)."""
    names = [str(c) for c in frame.columns]
    columns = [frame[c].tolist() for c in frame.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _clean(value: Any) -> Any:
    """numpy scalars -> Python numbers; integral floats stay floats; NaN/inf -> None."""
    if isinstance(value, _RowsText):  # JSON text already
        return value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if _missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def empty_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Empty links/nodes/paths/bom tables with their columns (typed)."""
    import pandas as pd

    return (
        typed(pd.DataFrame(columns=LINK_COLUMNS)),
        typed(pd.DataFrame(columns=NODE_COLUMNS)),
        typed(pd.DataFrame(columns=PATH_COLUMNS)),
        typed(pd.DataFrame(columns=BOM_COLUMNS)),
    )


def empty_plan(
    name: str, objective_mode: str, status: SolveStatus, solver: dict[str, Any], diagnostics: list[str] | None = None
) -> Plan:
    """A plan without links or nodes (no incumbent)."""
    links, nodes, paths, bom = (as_frame(Table(c)) for c in (LINK_COLUMNS, NODE_COLUMNS, PATH_COLUMNS, BOM_COLUMNS))
    return Plan(
        name, objective_mode, status, None, None, None, None, links, nodes, paths, bom, solver, diagnostics or []
    )


def _round(x: float) -> float:
    r = round(x, 6)
    return 0.0 if r == 0 else r


def _round_total(key: str, x: float) -> float:
    """A total as the plan reports it: 6 decimals (USD, W, Gb/s), interruptions per day (reliability
    extension) to 12 significant digits, as every reliability figure."""
    if key == "interruptions_per_day":
        return round_significant(x)
    if key == "switches_above_port_minimum":
        return int(x)
    return _round(x)


@paused_gc()  # row dicts for every used column: no cyclic-GC passes over the model's objects
def extract_plan(
    m: Model,
    d: ModelData,
    index: CatalogIndex,
    report: SolveReport,
    solver: dict[str, Any],
    diagnostics: list[str],
) -> Plan:
    """Read the solved model (Pyomo or ``ArrayModel``) into a Plan (or an empty plan when there is no incumbent)."""
    if not report.status.has_solution:
        return empty_plan(d.name, d.objective, report.status, solver, diagnostics)
    n_value = var_values(m.n)
    n: list[Any] = [round(x or 0.0) for x in n_value]  # whole counts (fractions: divisible routed groups)
    if d.routing is not None and any(g.divisible for g in d.routing.groups):  # linear capacity: keep fractions
        n = [_round(x or 0.0) if d.routing.groups[d.col_group[i]].divisible else n[i] for i, x in enumerate(n_value)]
    k = [round(x or 0.0) for x in var_values(m.k)]
    z = [x or 0.0 for x in var_values(m.z)]

    # column-wise over the used columns only (a few per link group out of all candidate options)
    used = [i for i, count in enumerate(n) if count > 0]
    opts = [d.col_option[i] for i in used]
    groups = [d.groups[d.col_group[i]] for i in used]
    counts = [n[i] for i in used]
    group_worst: list[float] = [0.0] * len(d.groups)
    for i, o in zip(used, opts, strict=True):
        gi = d.col_group[i]
        group_worst[gi] = max(group_worst[gi], o.latency_ns)
    # a plan has few distinct (count, figure) pairs and options: each rounding and technology computed once
    power_of = _Memo(lambda key: _round(key[0] * key[1]))
    capex_of = _Memo(lambda key: _round(key[0] * key[1]))
    latency_of = _Memo(_round)
    tech_of = _Memo(lambda option_id: option_technology(index, option_id))
    option_ids = [o.id for o in opts]
    links = Table(
        LINK_COLUMNS,
        data={
            "group": [g.id for g in groups],
            "option": option_ids,
            "speed_gbps": [o.speed_gbps for o in opts],
            "count": counts,
            "power_w": list(map(power_of.__getitem__, zip(counts, [o.power_w for o in opts], strict=True))),
            "capex_usd": list(map(capex_of.__getitem__, zip(counts, [o.cost_usd for o in opts], strict=True))),
            "latency_ns": list(map(latency_of.__getitem__, [o.latency_ns for o in opts])),
            "a": [g.a for g in groups],
            "b": [g.b for g in groups],
            "length_m": [g.length_m for g in groups],
            "kind": [o.kind for o in opts],
            "technology": list(map(tech_of.__getitem__, option_ids)),
        },
    )
    chosen: list[int] = []
    node_rows = []
    # per end at a switch group, in order: its Gb/s (ends x speed x links) and ports (ends x links), summed per
    # switch group below left to right as a sum over its ends would
    all_ends = list(itertools.chain.from_iterable(sg.ends for sg in d.switch_groups))
    end_cols = list(map(itemgetter(0), all_ends))
    end_mults = list(map(itemgetter(1), all_ends))
    end_links = list(map(n.__getitem__, end_cols))
    end_speeds = map(attrgetter("speed_gbps"), map(d.col_option.__getitem__, end_cols))
    end_gbps = list(map(operator.mul, map(operator.mul, end_mults, end_speeds), end_links))
    end_ports = list(map(operator.mul, end_mults, end_links))
    end_at = 0
    for sg in d.switch_groups:
        q = max(sg.choices, key=lambda c: z[c])
        chosen.append(q)
        count = sum(k[c] for c in sg.choices)
        end_to = end_at + len(sg.ends)
        used_gbps = sum(end_gbps[end_at:end_to])
        used_ports = sum(end_ports[end_at:end_to])
        end_at = end_to
        least = port_minimum(used_ports, used_gbps, d.choice_max_ports[q], d.choice_capacity_gbps[q])
        node_rows.append(
            {
                "group": sg.id,
                "model": d.choice_model[q],
                "count": count,
                "used_gbps": _round(used_gbps),
                "used_ports": used_ports,
                "capacity_gbps": _round(count * d.choice_capacity_gbps[q]),
                "ports": count * d.choice_max_ports[q],
                "power_w": _round(count * d.choice_power_w[q]),
                "capex_usd": _round(count * d.choice_cost_usd[q]),
                "port_minimum": least,
                "switches_above_port_minimum": count - least,
            }
        )
    slot_group = d.lat_group
    path_rows = []
    for p in d.paths:
        latency = sum(group_worst[slot_group[s]] for s in p.step_slots)
        latency += sum(d.choice_latency_ns[chosen[si]] for si in p.switch_visits)
        path_rows.append(
            {
                "id": p.id,
                "latency_ns": _round(latency),
                "max_latency_ns": p.max_latency_ns,
                "slack_ns": _round(p.max_latency_ns - latency),
            }
        )

    optics_power = sum(c * o.power_w for c, o in zip(counts, opts, strict=True))
    optics_capex = sum(c * o.cost_usd for c, o in zip(counts, opts, strict=True))
    switch_power = sum(k[q] * d.choice_power_w[q] for q in range(len(k)))
    switch_capex = sum(k[q] * d.choice_cost_usd[q] for q in range(len(k)))
    power, capex = optics_power + switch_power, optics_capex + switch_capex
    network: dict[str, float] = {}
    flows = routing = None
    if d.routing is not None:  # routed demands: network costs and flows (optimizer.routing)
        from optimizer.core.routed import routed_plan_rows

        network, flow_rows, routes, commodities = routed_plan_rows(m, d, [float(x) for x in n])
        capex += sum(network.values())
        import pandas as pd  # routed demands build the Pyomo model, which reads pandas anyway

        flows = pd.DataFrame(flow_rows, columns=["commodity", "group", "from", "to", "gbps"])
        routing = {"commodities": commodities, "routes": routes}
    rel = rel_rows = None
    if d.reliability is not None:  # reliability extension: spares are capex, downtime is a cost
        from optimizer.core.reliability_plan import reliability_section

        rel, rel_rows, rel_totals = reliability_section(n, k, d, index)
        capex += rel_totals["spares_capex_usd"]
    energy = power * d.energy_usd_per_w
    totals = {
        "capex_usd": capex,
        "power_w": power,
        "energy_usd": energy,
        "tco_usd": capex + energy,
        "optics_power_w": optics_power,
        "switch_power_w": switch_power,
        "optics_capex_usd": optics_capex,
        "switch_capex_usd": switch_capex,
        "switches_above_port_minimum": sum(r["switches_above_port_minimum"] for r in node_rows),
        **network,
    }
    interruptions_weight = 0.0
    if rel is not None:
        totals.update(rel_totals)
        totals["tco_usd"] += rel_totals["downtime_usd"]
        interruptions_weight = d.weights_interruptions * rel_totals["interruptions_per_day"]
    site_usd = 0.0
    if d.site is not None:  # site extension: the GPU capacity the network's power displaces
        totals["gpus_displaced"], site_usd = d.site.displaced(power)
        totals["gpus_displaced_usd"] = site_usd
        totals["tco_usd"] += site_usd
    facility = cabling = None
    if d.facility is not None:  # facility extension: racks, rack power, liquid load, fibres, cabling
        from optimizer.core.facility import facility_section

        facility, cabling = facility_section(n, k, chosen, d, index)
        totals["switch_racks"] = facility["switch_racks"]
        totals["fibres"] = facility["fibres"]
        if "cabling_capex_usd" in facility:
            totals["cabling_capex_usd"] = facility["cabling_capex_usd"]
        facility = _clean_figures(facility)
    totals = {key: _round_total(key, v) for key, v in totals.items()}
    objective = {
        "tco": capex + energy + (rel_totals["downtime_usd"] if rel is not None else 0.0) + site_usd,
        "capex": capex,
        "power": power,
        "weighted": d.weights_capex * capex + d.weights_power * power + interruptions_weight,
    }[d.objective]
    bound = report.bound
    if bound is not None and report.status == SolveStatus.OPTIMAL and bound > objective:
        bound = objective  # HiGHS's bound can exceed the rounded plan's value by float noise
    gap = None if bound is None else abs(objective - bound) / max(abs(objective), 1e-9)

    bom_rows = _bill_of_materials(n, k, d, index)
    bom = as_frame(bom_rows)
    if rel is not None:
        from optimizer.core.reliability_plan import bom_spares

        bom = bom_spares(bom_rows.frame(), rel)
    if cabling:  # facility extension: the structured-cabling lines (no spares of their own)
        rows = [{**r, "capex_usd": _round(r["capex_usd"])} for r in cabling]
        if rel is not None:
            import pandas as pd

            bom = typed(pd.concat([bom, pd.DataFrame(rows, columns=BOM_COLUMNS)], ignore_index=True))
        else:
            bom = as_frame(Table(BOM_COLUMNS, rows=[*bom_rows.records(), *rows]))
    return Plan(
        d.name,
        d.objective,
        report.status,
        _round(objective),
        bound,
        gap,
        totals,
        as_frame(links),
        as_frame(Table(NODE_COLUMNS, rows=node_rows)),
        as_frame(Table(PATH_COLUMNS, rows=path_rows)),
        bom,
        solver,
        diagnostics,
        flows=flows,
        routing=routing,
        reliability=rel,
        reliability_rows=rel_rows,
        facility=facility,
    )


class _Memo(dict[Any, Any]):
    """A function's values by argument, each computed on first use (``memo[x]`` is ``function(x)``)."""

    def __init__(self, function: Callable[[Any], Any]):
        super().__init__()
        self.function = function

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.function(key)
        return value


def _clean_figures(value: Any) -> Any:
    """A plan section with every float rounded as the totals are (``_round``)."""
    if isinstance(value, float):
        return _round(value)
    if isinstance(value, dict):
        return {key: _clean_figures(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_clean_figures(v) for v in value]
    return value


def option_technology(index: CatalogIndex, option_id: str) -> str:
    """The optics technology of a link option (plan ``links[].technology``): a cable's kind (``dac``, ``acc``,
    ``aec``, ``aoc``); for a transceiver pair the technology of its ends (``dsp``, ``lpo``, ``lro``, ``cpo``;
    ``optimizer.core.catalog.technology``), or ``<a-end>+<b-end>`` when they differ (``cpo+dsp``)."""
    cable = index.cables.get(option_id)
    if cable is not None:
        return str(cable.kind)
    a, b = option_id.split("+", 1)
    ends = [technology(index.transceivers[a]), technology(index.transceivers[b])]
    return ends[0] if ends[0] == ends[1] else "+".join(ends)


def port_minimum(used_ports: float, used_gbps: float, max_ports: int, capacity_gbps: float) -> int:
    """The fewest switches of one model that terminate ``used_ports`` link ends carrying ``used_gbps``:
    max(ceil(used_ports / max_ports), ceil(used_gbps / capacity_gbps)), the two rows of the switch capacity
    family (a 1e-9 tolerance absorbs float noise). A group sized above it has switches its links do not need,
    e.g. spines added so that every leaf-spine pair gets the same whole number of links."""
    by_ports = math.ceil(used_ports / max_ports - 1e-9) if max_ports > 0 else 0
    by_gbps = math.ceil(used_gbps / capacity_gbps - 1e-9) if capacity_gbps > 0 else 0
    return max(0, by_ports, by_gbps)


def _bill_of_materials(n: list[int], k: list[int], d: ModelData, index: CatalogIndex) -> Table:
    """Units per catalogue item: transceiver ends (and whole modules), cables, switches, fibre metres."""
    units: dict[str, int] = {}
    cable_capex: dict[str, float] = {}  # per-metre cost depends on each group's length
    used = [i for i, count in enumerate(n) if count]  # the columns with links, in order
    for i in used:
        count = n[i]
        option = d.col_option[i]
        for item, per_link in option.items:
            units[item] = units.get(item, 0) + per_link * count
        if option.kind == "cable":
            cable_capex[option.id] = cable_capex.get(option.id, 0.0) + count * option.cost_usd
    for q, count in enumerate(k):
        if count:
            units[d.choice_model[q]] = units.get(d.choice_model[q], 0) + count
    fibre_m: dict[str, float] = {}
    for i in used:
        o = d.col_option[i]
        if o.kind == "pair":
            media = index.transceivers[o.items[0][0]].media
            fibre_m[media] = fibre_m.get(media, 0.0) + n[i] * d.groups[d.col_group[i]].length_m
    rows = []
    for item in sorted(units):
        u = units[item]
        if item in index.transceivers:
            t = index.transceivers[item]
            rows.append(
                {
                    "item": item,
                    "section": "transceivers",
                    "units": u,
                    "modules": math.ceil(u / t.ends_per_module),
                    "length_m": None,
                    "power_w": _round(u * t.power_w),
                    "capex_usd": _round(u * t.cost_usd),
                }
            )
        elif item in index.cables:
            c = index.cables[item]
            rows.append(
                {
                    "item": item,
                    "section": "cables",
                    "units": u,
                    "modules": math.ceil(u / c.links_per_cable),  # a breakout assembly carries several links
                    "length_m": None,
                    "power_w": _round(u * c.power_w / c.links_per_cable),
                    "capex_usd": _round(cable_capex[item]),
                }
            )
        else:
            s = index.switches[item]
            rows.append(
                {
                    "item": item,
                    "section": "switches",
                    "units": u,
                    "modules": u,
                    "length_m": None,
                    "power_w": _round(u * s.power_w),
                    "capex_usd": _round(u * s.price_usd),
                }
            )
    for media, metres in sorted(fibre_m.items()):
        rows.append(
            {
                "item": media,
                "section": "media",
                "units": None,
                "modules": None,
                "length_m": _round(metres),
                "power_w": 0.0,
                "capex_usd": _round(metres * index.media[media].cost_usd_per_m),
            }
        )
    return Table(BOM_COLUMNS, rows=rows)
