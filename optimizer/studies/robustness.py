"""Uncertain figures and decision frequencies (robustness extension).

Figures and their ranges
    Every price, power, failure-rate and flap-rate figure of the catalogue items an instance can use is
    uncertain within a range. The ranges come, in increasing precedence (a later one replaces an earlier
    one for the same figure), from the built-in ranges of the built-in catalogue
    (``optimizer/core/catalog/ranges.yaml``, each with its source), the instance's ``ranges`` list, and
    a user's price book (``--prices BOOK.yaml``), which may also set the figures' values. A figure with no
    range gets the default band of its catalogue entry's confidence grade (``GRADE_BAND``; a price at least
    the C band, since the grade rates the physical figures). A range is given in the sweep path language
    (``catalog.<id or glob>.<field>``; ``optimizer.studies.sweep``), absolute or as factors of the value.

Sampling
    ``sample_scenarios`` draws a seeded Latin hypercube (numpy) with one dimension per correlation group:
    every figure of a group takes the same quantile ``u`` of its own range (``low + u (high - low)``), so
    all 800G DSP module prices move together; figures of different groups are independent. The figures
    one range entry matches form one group unless the entry names a group; a figure with a default range
    is its own group. Each sample is an override mapping ``{path: value}`` for ``apply_overrides``.

Decision frequencies
    ``run_robustness`` solves the base instance, then every sample on the executor (in process, local
    worker processes or Dask), and tabulates per link group the chosen set of options and per switch group
    the chosen model, the objective and TCO distribution, and the regret of the base plan in each sample:
    the base plan's objective re-priced at the sample's figures (``optimizer.core.verify.plan_objective``
    recomputes it from the plan's decisions: link counts, switch models and counts) minus the sample's
    optimum. With a MIP gap the sample's optimum is within the gap of the true one, so a regret can be
    slightly negative (bounded by the gap); it is reported as computed.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimizer.core.edit import RELIABILITY_FIELDS
from optimizer.core.schema import Catalog, FigureRange, Instance
from optimizer.core.solve import SolveOptions
from optimizer.errors import InstanceError, Issue
from optimizer.studies.guards import check_workers_ran, refuse_inside_starting_worker, require_distributed
from optimizer.studies.sweep import SweepError, apply_overrides

GRADE_BAND = {"A": 0.05, "B": 0.15, "C": 0.30, "EST": 0.50}
"""Default half-width of a figure's range, as a fraction of its value, by its entry's confidence grade."""
PRICE_FLOOR_BAND = GRADE_BAND["C"]
"""Prices get at least this band: the grade rates an entry's physical figures, and nearly every price is
a C-grade range or an estimate."""
UNGRADED_BAND = GRADE_BAND["EST"]
"""Band of a figure whose entry has no grade."""
UNCERTAIN_FIELDS: dict[str, tuple[str, ...]] = {
    "media": ("cost_usd_per_m",),
    "transceivers": ("cost_usd", "power_w"),
    "cables": ("cost_usd", "cost_usd_per_m", "power_w"),
    "switches": ("cost_usd", "power_w"),
    "reliability": ("fit", "mtbf_h", "flap_fit", "spare_cost_usd"),
}
"""The figures that carry a range (explicit or by default), per catalogue section."""
DEFAULT_FIELDS = ("cost_usd", "cost_usd_per_m", "power_w", "fit", "mtbf_h")
"""Fields that get a default range when none is given (a flap rate of 0 or a spare price left to its
default has no relative band)."""
PRICE_FIELDS = ("cost_usd", "cost_usd_per_m", "spare_cost_usd")
BUILTIN_RANGES_LABEL = "<builtin ranges>"


# ------------------------------------------------------------------------------------ figures
@dataclass(frozen=True)
class Figure:
    """One uncertain figure: its concrete path, value and range (absolute), and its correlation group."""

    path: str
    value: float
    low: float
    high: float
    group: str
    origin: str
    """``built-in``, ``instance``, ``price book`` or ``default <grade>``."""
    source: str = ""
    item: str = ""
    """The catalogue item it belongs to (a failure mode's failing item), or "" for a non-catalogue figure."""
    relative: bool = False
    """The range was given as factors of the value (shown as factors in reports)."""

    @property
    def name(self) -> str:
        """The field's name (cost_usd, power_w, fit, ...)."""
        return self.path.rsplit(".", 1)[1]

    def at(self, u: float) -> float:
        """The figure at quantile ``u`` of its range."""
        return float(self.low + u * (self.high - self.low))


@dataclass(frozen=True)
class PriceBook:
    """A user's price book: figures (quotes) replacing catalogue values and/or ranges."""

    source: str
    prices: list[FigureRange]
    values: dict[int, float]
    """Index into ``prices`` -> the quoted value of that entry."""
    file: str = "<price book>"


@functools.lru_cache(maxsize=1)
def builtin_ranges() -> tuple[FigureRange, ...]:
    """The built-in catalogue's ranges (optimizer/core/catalog/ranges.yaml)."""
    from optimizer.core.io import read_document

    ref = resources.files("optimizer.core.catalog").joinpath("ranges.yaml")
    with resources.as_file(ref) as path:
        data, issues = read_document(Path(path), BUILTIN_RANGES_LABEL)
    if issues:
        raise InstanceError(issues)
    return tuple(_ranges(data.get("ranges") if isinstance(data, Mapping) else None, BUILTIN_RANGES_LABEL, "ranges"))


def _ranges(entries: Any, file: str, where: str) -> list[FigureRange]:
    from pydantic import ValidationError

    if not isinstance(entries, list):
        raise InstanceError([Issue(file, where, "expected a list of ranges")])
    out: list[FigureRange] = []
    problems: list[Issue] = []
    for i, entry in enumerate(entries):
        try:
            out.append(FigureRange.model_validate(entry))
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                problems.append(Issue(file, f"{where}[{i}]{'.' + loc if loc else ''}", err["msg"]))
    if problems:
        raise InstanceError(problems)
    return out


def read_price_book(path: str | Path) -> PriceBook:
    """Read a price book: ``source`` (text) and ``prices``, a list of ranges that may carry a ``value``.

    Raises:
        InstanceError: every problem of the file, as ``file: where: message``.
    """
    from optimizer.core.io import read_document

    file = str(path)
    data, issues = read_document(Path(path))
    if issues:
        raise InstanceError(issues)
    if not isinstance(data, Mapping) or not isinstance(data.get("prices"), list):
        raise InstanceError([Issue(file, "(top level)", "a price book has 'prices': a list of figures")])
    unknown = [k for k in data if k not in ("source", "description", "prices")]
    problems = [Issue(file, k, "unknown field (known: source, description, prices)") for k in unknown]
    values: dict[int, float] = {}
    entries: list[Any] = []
    for i, entry in enumerate(data["prices"]):
        if isinstance(entry, Mapping) and "value" in entry:
            entry = dict(entry)
            value = entry.pop("value")
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                problems.append(Issue(file, f"prices[{i}].value", f"expected a non-negative number, got {value!r}"))
                value = 0.0
            values[i] = float(value)
            if "low" not in entry and "high" not in entry:  # a firm quote: no range
                entry.update(low=1.0, high=1.0, relative=True)
        entries.append(entry)
    try:
        prices = _ranges(entries, file, "prices")
    except InstanceError as exc:
        problems += exc.issues
        prices = []
    if problems:
        raise InstanceError(problems)
    return PriceBook(str(data.get("source") or ""), prices, values, file)


def _catalog_matches(catalog: Catalog, spec: FigureRange) -> list[tuple[str, str, Any]]:
    """(section, entry id, entry) of the catalogue entries a ``catalog.<pattern>.<field>`` path names."""
    rest = spec.path.split(".", 1)[1]
    pattern, name = rest.rsplit(".", 1)
    sections: tuple[str, ...] = ("reliability",)
    if name not in RELIABILITY_FIELDS:
        sections = ("media", "transceivers", "cables", "switches")
    if spec.section is not None:
        sections = tuple(s for s in sections if s == spec.section)
    return [
        (section, e.id, e)
        for section in sections
        for e in getattr(catalog, section)
        if fnmatch.fnmatchcase(e.id, pattern)
    ]


def _value(instance: Instance, path: str) -> float | None:
    """The current value of a figure (catalogue or instance section), None when unset or not numeric."""
    section, rest = path.split(".", 1)
    if section == "catalog":
        pattern, name = rest.rsplit(".", 1)
        for sec in UNCERTAIN_FIELDS:
            for e in getattr(instance.resolved_catalog, sec):
                if e.id == pattern:
                    v = getattr(e, name, None)
                    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
        return None
    holder: Any = getattr(instance, section, None)
    for key in rest.split("."):
        holder = getattr(holder, key, None) if not isinstance(holder, Mapping) else holder.get(key)
    return float(holder) if isinstance(holder, int | float) and not isinstance(holder, bool) else None


def relevant_items(instance: Instance) -> set[str]:
    """Catalogue items the instance can use: parts of any link group's candidate options (dominated ones
    included), candidate switch models, and the media of those parts (figures of other items cannot change
    a plan)."""
    from optimizer.core.data import build_data

    data = build_data(instance, prune=False)  # an option dominated at the catalogue's figures may win in a sample
    items = {item for option in data.col_option for item, _ in option.items}
    items |= set(data.choice_model)
    cat = instance.resolved_catalog
    items |= {t.media for t in cat.transceivers if t.id in items}
    return items


def uncertain_figures(
    instance: Instance, price_book: PriceBook | None = None, items: set[str] | None = None
) -> list[Figure]:
    """The uncertain figures of an instance, with their ranges and groups (see the module docstring).

    Args:
        instance: the loaded instance (price-book values already applied, see ``apply_price_book``).
        price_book: a price book whose ranges replace the others.
        items: restrict catalogue figures to these items (default: ``relevant_items(instance)``).

    Raises:
        SweepError: a range path names no figure of the instance.
    """
    cat = instance.resolved_catalog
    items = relevant_items(instance) if items is None else items
    failing = {r.id: r.item for r in cat.reliability}
    with_reliability = instance.reliability is not None
    spec_of: dict[str, tuple[FigureRange, str, str]] = {}  # path -> (range, origin, group)
    layers: list[tuple[str, Iterable[FigureRange]]] = [("built-in", builtin_ranges()), ("instance", instance.ranges)]
    if price_book is not None:
        layers.append(("price book", price_book.prices))
    for origin, specs in layers:
        for k, spec in enumerate(specs):
            group = spec.group or f"{origin}[{k}]:{spec.path}"
            if not spec.path.startswith("catalog."):
                spec_of[spec.path] = (spec, origin, group)
                continue
            if spec.path.count(".") < 2:
                raise SweepError(f"{spec.path}: expected catalog.<id>.<field>")
            matches = _catalog_matches(cat, spec)
            if not matches and origin != "built-in":
                raise SweepError(f"{spec.path}: no catalogue entry matches (an {origin} range)")
            name = spec.path.rsplit(".", 1)[1]
            for section, entry_id, entry in matches:
                if origin == "built-in" and not _builtin_figure(section, entry_id, name, getattr(entry, name, None)):
                    continue  # a built-in range is for the built-in figure, not a user's replacement
                spec_of[f"catalog.{entry_id}.{name}"] = (spec, origin, group)
    out: list[Figure] = []
    seen: set[str] = set()
    for path, (spec, origin, group) in spec_of.items():
        item = _item_of(path, failing)
        entry_id = path.split(".", 1)[1].rsplit(".", 1)[0] if item else ""
        if item and (item not in items or (entry_id in failing and not with_reliability)):
            continue
        value = _value(instance, path)
        if value is None:
            if origin == "built-in":
                continue
            raise SweepError(f"{path}: the figure is not set in the instance (an {origin} range needs a value)")
        low, high = (spec.low * value, spec.high * value) if spec.relative else (spec.low, spec.high)
        out.append(Figure(path, value, low, high, group, origin, spec.source or "", item, spec.relative))
        seen.add(path)
    for section, names in UNCERTAIN_FIELDS.items():
        if section == "reliability" and not with_reliability:
            continue
        for e in getattr(cat, section):
            item = failing.get(e.id, e.id) if section == "reliability" else e.id
            if item not in items:
                continue
            for name in names:
                path = f"catalog.{e.id}.{name}"
                v = getattr(e, name, None)
                if path in seen or name not in DEFAULT_FIELDS or not isinstance(v, int | float) or v <= 0:
                    continue
                grade = e.confidence or "EST"
                band = GRADE_BAND.get(grade, UNGRADED_BAND)
                if name in PRICE_FIELDS:
                    band = max(band, PRICE_FLOOR_BAND)
                value = float(v)
                out.append(
                    Figure(
                        path, value, value * (1 - band), value * (1 + band), path, f"default {grade}", "", item, True
                    )
                )
    out.sort(key=lambda f: f.path)
    return out


def _builtin_figure(section: str, entry_id: str, name: str, value: Any) -> bool:
    """True when the figure has the built-in catalogue's value (a built-in range is for that figure only)."""
    from optimizer.core.catalog import builtin_catalog

    for e in getattr(builtin_catalog(), section):
        if e.id == entry_id:
            return bool(getattr(e, name, None) == value and value is not None)
    return False


def _item_of(path: str, failing: Mapping[str, str]) -> str:
    if not path.startswith("catalog."):
        return ""
    entry = path.split(".", 1)[1].rsplit(".", 1)[0]
    return failing.get(entry, entry)


def apply_price_book(document: Mapping[str, Any], book: PriceBook, base_dir: str | Path = ".") -> dict[str, Any]:
    """The document with the price book's quoted values set (glob paths set every matching figure)."""
    from optimizer.core.load import load_instance

    if not book.values:
        return dict(document)
    instance = load_instance(document, base_dir=base_dir)
    assignments: dict[str, float] = {}
    for i, value in book.values.items():
        spec = book.prices[i]
        if spec.path.startswith("catalog."):
            matches = _catalog_matches(instance.resolved_catalog, spec)
            if not matches:
                raise SweepError(f"{spec.path}: no catalogue entry matches (a price book value)")
            name = spec.path.rsplit(".", 1)[1]
            assignments.update({f"catalog.{entry_id}.{name}": value for _, entry_id, _ in matches})
        else:
            assignments[spec.path] = value
    return apply_overrides(document, assignments, {}, base_dir)


# ------------------------------------------------------------------------------------ sampling
def latin_hypercube(n: int, dims: int, seed: int) -> np.ndarray:
    """``n`` x ``dims`` seeded Latin hypercube on [0, 1): each column has exactly one point in each of the
    ``n`` strata [k/n, (k+1)/n), at a uniform position inside it, in a random order."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, dims))
    for j in range(dims):
        out[:, j] = (rng.permutation(n) + rng.random(n)) / n
    return out


def sample_figures(figures: list[Figure], n: int, seed: int) -> list[dict[str, float]]:
    """``n`` samples of the figures: one Latin-hypercube dimension per group (groups in sorted order)."""
    if n < 1:
        raise SweepError("the number of samples must be at least 1")
    groups = sorted({f.group for f in figures})
    column = {g: j for j, g in enumerate(groups)}
    u = latin_hypercube(n, len(groups), seed)
    return [{f.path: round(f.at(float(u[s, column[f.group]])), 9) for f in figures} for s in range(n)]


def sample_scenarios(
    instance: Instance | Mapping[str, Any],
    n: int,
    seed: int = 0,
    *,
    base_dir: str | Path = ".",
    price_book: PriceBook | None = None,
) -> list[dict[str, float]]:
    """``n`` seeded samples of the instance's uncertain figures, each an override mapping in the sweep
    path language (``{"catalog.dr8-800.cost_usd": 1234.5, ...}``, absolute values) for
    ``optimizer.studies.sweep.apply_overrides`` on the instance document.

    Args:
        instance: a loaded instance or an instance document (loaded against ``base_dir``); with a price
            book its quoted values should already be applied (``apply_price_book``).
        n, seed: number of samples and the seed of the Latin hypercube (equal seeds, equal samples).
        price_book: a price book whose ranges replace the others.

    Raises:
        SweepError: a range path names no figure, or n < 1.
    """
    from optimizer.core.load import load_instance

    if not isinstance(instance, Instance):
        instance = load_instance(instance, base_dir=base_dir)
    return sample_figures(uncertain_figures(instance, price_book), n, seed)


# ------------------------------------------------------------------------------------ decisions
def link_choices(plan: Any) -> dict[str, str]:
    """Per link group: the set of options the plan uses (sorted, ``+``-joined; ``(none)`` for no links)."""
    out: dict[str, list[str]] = {}
    for row in plan.links.itertuples():
        out.setdefault(str(row.group), []).append(str(row.option))
    return {g: " | ".join(sorted(set(opts))) for g, opts in out.items()}


def switch_choices(plan: Any) -> dict[str, str]:
    """Per switch group: the model the plan uses."""
    return {str(r.group): str(r.model) for r in plan.nodes.itertuples() if hasattr(r, "model")}


def solve_sample(task: dict[str, Any], shared: dict[str, Any] | None = None) -> dict[str, Any]:
    """Solve one sample (runs on a worker) and return its row; never raises.

    ``shared``: ``document`` (the base document), ``base_plan`` (the base plan's plan.json mapping or None).
    """
    from optimizer.core.load import load_instance
    from optimizer.core.pipeline import solve
    from optimizer.core.verify import plan_objective

    shared = shared if shared is not None else task
    row: dict[str, Any] = {"sample": task["sample"], "status": "error"}
    try:
        doc = apply_overrides(shared["document"], task["params"], {}, task["base_dir"])
        instance = load_instance(doc, base_dir=task["base_dir"])
        plan = solve(instance, SolveOptions(**task["options"]))
        row.update(status=str(plan.status), objective=plan.objective, message="; ".join(plan.diagnostics))
        if plan.totals is not None:
            row.update({k: plan.totals[k] for k in ("capex_usd", "power_w", "tco_usd")})
            row["choices"] = link_choices(plan)
            row["models"] = switch_choices(plan)
        base_plan = shared.get("base_plan")
        if base_plan is not None:
            mode = task["options"].get("objective")
            row["base_objective"] = plan_objective(instance, base_plan, mode)
            if plan.objective is not None and row["status"] in ("optimal", "feasible"):
                row["regret"] = row["base_objective"] - plan.objective
    except Exception as exc:  # a worker reports failures as data
        row.update(status="error", message=f"{type(exc).__name__}: {exc}")
    return row


@dataclass
class RobustnessResult:
    """A finished robustness study.

    Attributes:
        samples: one row per sample (sample, status, objective, capex_usd, power_w, tco_usd,
            base_objective, regret, one ``link:<group>`` column per link group, one ``switch:<group>``
            column per switch group), in sample order.
        frequencies: one row per (kind, group, choice): count and share of the samples with a plan.
        summary: percentiles (p0, p5, p25, p50, p75, p95, p100) and mean of objective, tco_usd and regret.
        figures: the uncertain figures (path, value, low, high, group, origin, source).
        base: the base plan's objective, TCO and choices (the row of the unperturbed instance).
        scenarios: the override mapping of each sample.
    """

    samples: pd.DataFrame
    frequencies: pd.DataFrame
    summary: pd.DataFrame
    figures: pd.DataFrame
    base: dict[str, Any]
    scenarios: list[dict[str, float]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


PERCENTILES = (0, 5, 25, 50, 75, 95, 100)


def run_robustness(
    document: Mapping[str, Any],
    *,
    samples: int,
    seed: int = 0,
    base_dir: str | Path = ".",
    options: SolveOptions | None = None,
    price_book: PriceBook | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    on_row: Callable[[dict[str, Any], int, int], None] | None = None,
) -> RobustnessResult:
    """Decision frequencies, TCO distribution and base-plan regret over ``samples`` sampled price books.

    Args:
        document: the instance mapping (``optimizer.core.io.read_document``).
        samples, seed: the Latin-hypercube sample (see ``sample_scenarios``).
        base_dir: folder relative paths of the instance resolve against.
        options: solve options of the base plan and every sample (default: threads 1).
        price_book: quotes replacing catalogue values and ranges (``read_price_book``).
        workers, scheduler: where samples run (``optimizer.studies.executor``).
        on_row: called after each finished sample with (row, done, total).

    Raises:
        InstanceError: the instance does not load. SweepError: a range names no figure.
    """
    from optimizer.core.load import load_instance
    from optimizer.core.pipeline import solve
    from optimizer.studies.executor import TaskRunner

    refuse_inside_starting_worker("optimizer.run_robustness")
    if scheduler:
        require_distributed()
    options = options or SolveOptions(threads=1)
    opts = dataclasses.asdict(options)
    opts.pop("progress", None)
    doc = dict(document)
    if price_book is not None:
        doc = apply_price_book(doc, price_book, base_dir)
    instance = load_instance(doc, base_dir=base_dir)
    figures = uncertain_figures(instance, price_book)
    scenarios = sample_figures(figures, samples, seed)
    base_plan = solve(instance, options)
    base: dict[str, Any] = {"status": str(base_plan.status), "objective": base_plan.objective}
    plan_doc = None
    if base_plan.totals is not None:
        base.update(
            tco_usd=base_plan.totals["tco_usd"], choices=link_choices(base_plan), models=switch_choices(base_plan)
        )
        plan_doc = base_plan.to_dict()
    base_dir_s = str(Path(base_dir).resolve())
    tasks = [{"sample": s, "params": p, "base_dir": base_dir_s, "options": opts} for s, p in enumerate(scenarios)]
    rows: list[dict[str, Any] | None] = [None] * len(tasks)
    lost_messages: list[str] = []

    def got(i: int, row: dict[str, Any]) -> None:
        rows[i] = row
        if on_row is not None:
            on_row(row, sum(r is not None for r in rows), len(rows))

    def lost(i: int, message: str) -> None:
        lost_messages.append(message)
        got(i, {"sample": i, "status": "error", "message": message})

    with TaskRunner(workers, scheduler, shared={"document": doc, "base_plan": plan_doc}) as runner:
        runner.run(solve_sample, tasks, got, lost)
    finished = [r for r in rows if r is not None]
    if finished and not any(r.get("status") in ("optimal", "feasible") for r in finished):
        check_workers_ran("optimizer.run_robustness", workers, scheduler, (str(r.get("message", "")) for r in finished))
    link_groups = [g.id for g in instance.links]
    switch_groups = [n.id for n in instance.nodes if n.kind == "switch"]
    table = samples_table(finished, link_groups, switch_groups)
    return RobustnessResult(
        samples=table,
        frequencies=frequency_table(table, link_groups, switch_groups),
        summary=summary_table(table),
        figures=pd.DataFrame(
            [dataclasses.asdict(f) for f in figures],
            columns=["path", "value", "low", "high", "group", "origin", "source", "item", "relative"],
        ),
        base=base,
        scenarios=scenarios,
    )


def samples_table(rows: list[dict[str, Any]], link_groups: list[str], switch_groups: list[str]) -> pd.DataFrame:
    """The per-sample table (no timings or worker names: equal runs give equal tables)."""
    columns = ["sample", "status", "objective", "capex_usd", "power_w", "tco_usd", "base_objective", "regret"]
    out = []
    for r in sorted(rows, key=lambda r: int(r["sample"])):
        flat = {c: r.get(c) for c in columns}
        ok = r.get("status") in ("optimal", "feasible") and "choices" in r
        for g in link_groups:
            flat[f"link:{g}"] = r["choices"].get(g, "(none)") if ok else None
        for g in switch_groups:
            flat[f"switch:{g}"] = r["models"].get(g) if ok else None
        flat["message"] = r.get("message", "")
        out.append(flat)
    cols = [*columns, *[f"link:{g}" for g in link_groups], *[f"switch:{g}" for g in switch_groups], "message"]
    return pd.DataFrame(out, columns=cols)


def frequency_table(table: pd.DataFrame, link_groups: list[str], switch_groups: list[str]) -> pd.DataFrame:
    """How often each choice is made: (kind, group, choice, count, share of the samples with a plan),
    most frequent first within a group."""
    rows = []
    for kind, groups in (("link", link_groups), ("switch", switch_groups)):
        for g in groups:
            col = table[f"{kind}:{g}"].dropna() if len(table) else pd.Series(dtype=object)
            total = len(col)
            counts = col.value_counts()
            for choice, count in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))):
                rows.append({"kind": kind, "group": g, "choice": choice, "count": int(count), "share": count / total})
    return pd.DataFrame(rows, columns=["kind", "group", "choice", "count", "share"])


def summary_table(table: pd.DataFrame) -> pd.DataFrame:
    """Percentiles and mean of the objective, the TCO and the base plan's regret over the samples."""
    rows = []
    for column in ("objective", "tco_usd", "regret"):
        values: np.ndarray = (
            pd.to_numeric(table[column], errors="coerce").dropna().to_numpy(dtype=float) if len(table) else np.array([])
        )
        row: dict[str, Any] = {"figure": column, "n": len(values)}
        for p in PERCENTILES:
            row[f"p{p}"] = float(np.percentile(values, p)) if len(values) else None
        row["mean"] = float(np.mean(values)) if len(values) else None
        rows.append(row)
    return pd.DataFrame(rows, columns=["figure", "n", *[f"p{p}" for p in PERCENTILES], "mean"])


def write_robustness(result: RobustnessResult, directory: str | Path, plot: bool = True) -> list[Path]:
    """Write robustness_samples.csv, robustness_frequencies.csv, robustness_summary.csv,
    robustness_figures.csv (and robustness.png) into ``directory``, each atomically."""
    from optimizer.core.results import OutputError, write_atomic

    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output folder: {exc.strerror or exc}") from exc
    written = []
    for name, frame in (
        ("samples", result.samples),
        ("frequencies", result.frequencies),
        ("summary", result.summary),
        ("figures", result.figures),
    ):
        path = out / f"robustness_{name}.csv"
        write_atomic(path, frame.to_csv(index=False))
        written.append(path)
    if plot and len(result.samples):
        from optimizer.plots import plot_robustness

        plot_robustness(result.frequencies, result.samples, result.base, out / "robustness.png")
        written.append(out / "robustness.png")
    result.files = written
    return written
