"""A robust plan over price scenarios: one MILP with shared decisions (design: docs/architecture.md,
"Several copies of the model in one MILP").

A scenario is a mapping ``{path: value}`` in the sweep path language (``optimizer.studies.sweep``:
``catalog.cpo-*.cost_usd: 1500``, ``economics.electricity_usd_per_kwh: 0.12``; a string value ``x1.2``
is a factor of the base value), optionally with a ``name`` and a ``probability``. A scenario may change
only what the objective reads (prices, power, failure figures, the horizon); the rows of the model stay
the base instance's, so one copy of the rows carries every scenario:

1. The base instance and every scenario are derived without dominance pruning (an option dominated at
   one scenario's prices may win at another's), built as arrays (``build_arrays``) and compared: a
   scenario whose columns, column bounds or rows differ from the base's (a demand, a count, a cap, an
   availability, or a price that a capex or power cap reads) is refused (``InstanceError``): it needs a
   copy of the rows of its own, which this version does not build.
2. Each scenario is solved alone (the whole pipeline, on the executor: in process, local workers or
   Dask): its optimum opt_s. The base instance is solved on the one copy: the base plan x0.
3. The robust MILP (``optimizer.core.model.constraints.robust``): the base copy's rows, the scenarios'
   cost vectors c_s (``ModelData.objective_coefficients`` of each scenario's data) and, by criterion,
   min R with c_s . x - opt_s <= R (``regret``), c_s . x <= R (``worst``), or min sum_s p_s c_s . x
   (``expected``). HiGHS gets x0 as a MIP start, so the robust plan is never worse than the base plan
   on its own criterion (when HiGHS returns something worse, e.g. at a time limit, the base plan is kept).
4. Both plans are checked independently: the robust plan against the base instance (``check_plan``: a
   plan of the base rows is a plan of every scenario) and both plans re-priced in every scenario by the
   verifier (``plan_objective`` on the scenario's instance); the regrets in the table are those verified
   costs minus the scenarios' own optima, and the MILP's stated worst regret must equal their maximum.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimizer.core.solve import SolveOptions
from optimizer.errors import InstanceError, Issue
from optimizer.studies.guards import check_workers_ran, refuse_inside_starting_worker, require_distributed
from optimizer.studies.sweep import SweepError, apply_overrides, solve_scenario

CRITERIA = ("regret", "worst", "expected")
RESERVED = ("name", "probability")
"""Keys of a scenario mapping that are not parameter paths."""
UNIT = {"tco": "usd", "capex": "usd", "power": "w", "weighted": "score"}
"""The unit of the objective of each mode, as it appears in the table's column names."""
REL_TOL = 1e-6
"""Relative tolerance (of the scenario's optimum, at least 1) between the model's and the verifier's costs."""


@dataclass(frozen=True)
class Scenario:
    """One price scenario: the overrides (path -> value), which of them are factors, a name, a probability."""

    name: str
    overrides: dict[str, float]
    relative: dict[str, bool] = field(default_factory=dict)
    probability: float | None = None


def scenarios_from(data: Any, file: str = "<scenarios>") -> list[Scenario]:
    """Scenarios from parsed YAML/JSON: a list of mappings ``{path: value, name?, probability?}`` (or a
    mapping with such a list under ``scenarios``). Every problem at once as an ``InstanceError``.

    Values are numbers, or strings ``x<number>`` (a factor of the base value). Names default to s1, s2, ...
    and must be unique; probabilities are given for every scenario or for none (then 1/K each), lie in
    [0, 1] and sum to 1.
    """
    problems: list[Issue] = []
    if isinstance(data, Mapping) and "scenarios" in data:
        data = data["scenarios"]
    if not isinstance(data, list) or not data:
        raise InstanceError([Issue(file, "(top level)", "expected a non-empty list of scenarios {path: value}")])
    out: list[Scenario] = []
    for i, entry in enumerate(data):
        where = f"scenarios[{i}]"
        if not isinstance(entry, Mapping):
            problems.append(Issue(file, where, f"expected a mapping {{path: value}}, got {type(entry).__name__}"))
            continue
        name = entry.get("name", f"s{i + 1}")
        if not isinstance(name, str) or not name.strip():
            problems.append(Issue(file, f"{where}.name", "expected a non-empty string"))
            name = f"s{i + 1}"
        prob = entry.get("probability")
        if prob is not None and (
            isinstance(prob, bool) or not isinstance(prob, int | float) or not math.isfinite(prob) or not 0 <= prob <= 1
        ):
            problems.append(Issue(file, f"{where}.probability", f"expected a number from 0 to 1, got {prob!r}"))
            prob = None
        overrides: dict[str, float] = {}
        relative: dict[str, bool] = {}
        for key, value in entry.items():
            if key in RESERVED:
                continue
            if not isinstance(key, str) or "." not in key:
                problems.append(
                    Issue(file, f"{where}.{key}", "a parameter path has a section and a field, e.g. economics.pue")
                )
                continue
            factor = isinstance(value, str) and value.strip()[:1] in ("x", "*")
            number: Any = value.strip()[1:] if factor else value
            if isinstance(number, str):
                try:
                    number = float(number)
                except ValueError:
                    number = None
            if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
                problems.append(
                    Issue(file, f"{where}.{key}", f"expected a number or a factor x<number>, not {value!r}")
                )
                continue
            overrides[key] = float(number)
            if factor:
                relative[key] = True
        out.append(Scenario(str(name), overrides, relative, None if prob is None else float(prob)))
    seen: set[str] = set()
    for i, s in enumerate(out):
        if s.name in seen:
            problems.append(Issue(file, f"scenarios[{i}].name", f"'{s.name}' names two scenarios"))
        seen.add(s.name)
    given = [s.probability is not None for s in out]
    if any(given) and not all(given):
        problems.append(Issue(file, "probability", "give a probability for every scenario or for none"))
    elif all(given) and not problems and abs(sum(s.probability or 0.0 for s in out) - 1.0) > 1e-6:
        total = sum(s.probability or 0.0 for s in out)
        problems.append(Issue(file, "probability", f"the probabilities sum to {total:.9g}, not 1"))
    if problems:
        raise InstanceError(problems)
    return out


def read_scenarios(path: str | Path) -> list[Scenario]:
    """Scenarios from a YAML or JSON file (see ``scenarios_from``)."""
    from optimizer.core.io import read_document

    data, issues = read_document(Path(path))
    if issues:
        raise InstanceError(issues)
    return scenarios_from(data, str(path))


@dataclass
class RobustResult:
    """A robust plan and how it and the base plan fare in every scenario.

    Attributes:
        criterion: ``regret``, ``worst`` or ``expected``.
        objective_mode: the objective the costs are in (``tco``, ``capex``, ``power``, ``weighted``).
        status: the robust MILP's status (``optimal``, ``feasible``, ...); without a plan, the reason.
        plan: the robust plan (an ordinary ``Plan`` at the base instance's figures).
        base_plan: the optimum of the unmodified instance.
        table: one row per scenario: probability, the overrides, the scenario's own status and optimum,
            the cost and regret of the robust plan and of the base plan (verified costs).
        summary: worst regret, worst cost and expected cost of both plans, the MILP's objective and bound,
            sizes and times.
        violations: what the verifier finds wrong with the robust plan on the base instance (empty: none).
        mismatches: where the model's and the verifier's numbers disagree (empty: none).
    """

    criterion: str
    objective_mode: str
    status: str
    plan: Any
    base_plan: Any
    table: pd.DataFrame
    summary: dict[str, Any]
    violations: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")

    @property
    def verified(self) -> bool:
        """The robust plan passed the verifier and every recomputed number agrees."""
        return self.has_plan and not self.violations and not self.mismatches

    def to_dict(self) -> dict[str, Any]:
        """robust.json: criterion, status, summary, checks (no timings in the table; they are in summary)."""
        return {
            "criterion": self.criterion,
            "objective_mode": self.objective_mode,
            "status": self.status,
            "message": self.message,
            "verified": self.verified,
            "violations": self.violations,
            "mismatches": self.mismatches,
            "summary": self.summary,
        }

    def write(self, directory: str | Path) -> list[Path]:
        """Write the robust plan's files, robust.csv, robust.json, and the base plan's files in base-plan/."""
        from optimizer.core.results import write_all_atomic

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        if self.has_plan:
            written += self.plan.write(out)
        if self.base_plan is not None and self.base_plan.totals is not None:
            written += self.base_plan.write(out / "base-plan")
        written += write_all_atomic(
            [
                (out / "robust.csv", self.table.to_csv(index=False, lineterminator="\n")),
                (out / "robust.json", json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"),
            ]
        )
        return written


class _Copy:
    """A scenario's instance, model data and array model (derived without pruning)."""

    def __init__(self, instance: Any, objective: str | None) -> None:
        from optimizer.core.data import build_data
        from optimizer.core.model import build_arrays

        self.instance = instance
        self.data = build_data(instance, objective=objective, prune=False)  # type: ignore[arg-type]
        self.model: Any = build_arrays(self.data) if self.data.routing is None else None
        """The ``ArrayModel`` (None for routed demands, which need the Pyomo model)."""


def _document(instance: Any, base_dir: str | Path | None) -> tuple[dict[str, Any], Path, Any]:
    """(document, folder, loaded base instance) from an instance file path or a document mapping."""
    from optimizer.core.io import read_document
    from optimizer.core.load import load_instance
    from optimizer.core.schema import Instance

    if isinstance(instance, Instance):
        raise TypeError(
            "robust_plan needs the instance document (a path or the parsed mapping), not a loaded Instance: "
            "scenarios override fields of the document"
        )
    if isinstance(instance, Mapping):
        folder = Path(base_dir) if base_dir is not None else Path.cwd()
        return dict(instance), folder, load_instance(instance, base_dir=folder)
    path = Path(instance)
    data, issues = read_document(path)
    if issues:
        raise InstanceError(issues)
    folder = Path(base_dir) if base_dir is not None else path.parent
    loaded = load_instance(path, base_dir=folder)
    assert isinstance(data, dict)
    return data, folder, loaded


def _column_labels(c: _Copy) -> list[tuple[Any, ...]]:
    """What each column of a copy's model means, independent of the order options were derived in:
    n (link group, option), y (the n column it indicates), z and k (switch group, model), lat (link group),
    the compatibility variables (their fabric, or node group/part and share)."""
    from optimizer.core.model.linear import record

    d = c.data
    n_labels = [(d.groups[g].id, o.id) for g, o in zip(d.col_group, d.col_option, strict=True)]
    choices = [(d.switch_groups[g].id, m) for g, m in zip(d.choice_group, d.choice_model, strict=True)]
    per_var: dict[str, list[tuple[Any, ...]]] = {
        "n": n_labels,
        "y": [n_labels[i] for i in d.ind_col],
        "z": choices,
        "k": choices,
        "lat": [(d.groups[g].id,) for g in d.lat_group],
        "compat_fabric_ethernet": [(f[0],) for f in d.fabric_choice],
        "compat_modules": [(w[0], w[1]) for w in d.whole_units],
    }
    labels: list[tuple[Any, ...]] = []
    for var in record(c.model).var_components:
        own = per_var.get(var.name)
        if own is None or len(own) != len(var):
            own = [(j,) for j in range(len(var))]  # a block without a meaning here: by position
        labels += [(var.name, *label) for label in own]
    return labels


def row_change(base: _Copy, other: _Copy) -> tuple[str | None, np.ndarray]:
    """How ``other``'s model differs from ``base``'s outside the objective (None: only the objective), and
    the base column of each of ``other``'s columns (columns are matched by meaning: a scenario may derive
    the same options in another order)."""
    from optimizer.core.model.linear import record, recorded_arrays

    labels_a, labels_b = _column_labels(base), _column_labels(other)
    identity = np.arange(len(labels_b))
    pos_a = {label: j for j, label in enumerate(labels_a)}
    if len(pos_a) != len(labels_a) or set(labels_a) != set(labels_b):
        if len(pos_a) == len(labels_a):
            gone = sorted(set(labels_a) - set(labels_b), key=str)[:3]
            new = sorted(set(labels_b) - set(labels_a), key=str)[:3]
            parts = ([f"columns no longer there: {gone}"] if gone else []) + ([f"new columns: {new}"] if new else [])
            return f"its columns differ ({'; '.join(parts)})", identity
        if labels_a != labels_b:
            return "its columns differ", identity
    perm = np.array([pos_a[label] for label in labels_b], dtype=np.int64)
    ra, rb = record(base.model), record(other.model)
    arrays_a, arrays_b = recorded_arrays(base.model), recorded_arrays(other.model)
    la, ua, ia = (arrays_a[k] for k in ("col_lower", "col_upper", "integrality"))
    lb, ub, ib = (arrays_b[k] for k in ("col_lower", "col_upper", "integrality"))
    for what, a, b in (("lower bound", la, lb), ("upper bound", ua, ub), ("integrality", ia, ib)):
        diff = np.flatnonzero(a[perm] != b)
        if diff.size:
            j = int(diff[0])
            return f"the {what} of column {labels_b[j]} changes from {a[perm[j]]:g} to {b[j]:g}", perm
    names_a = [str(b.component) for b in ra.blocks]
    names_b = [str(b.component) for b in rb.blocks]
    if names_a != names_b:
        extra = sorted(set(names_a) ^ set(names_b))
        return f"its row blocks differ ({', '.join(extra) or 'another order'})", perm
    in_order = bool(np.array_equal(perm, identity))
    for ba, bb in zip(ra.blocks, rb.blocks, strict=True):
        if in_order and all(
            np.array_equal(x, y)
            for x, y in (
                (ba.lower, bb.lower),
                (ba.upper, bb.upper),
                (ba.lengths, bb.lengths),
                (ba.indices, bb.indices),
                (ba.values, bb.values),
            )
        ):
            continue
        if sorted(_row_keys(ba, None)) != sorted(_row_keys(bb, perm)):
            return f"the rows {ba.component} change", perm
    return None, perm


def _row_keys(block: Any, perm: np.ndarray | None) -> list[tuple[Any, ...]]:
    """Each row of a block as (lower, upper, its (base column, coefficient) terms sorted), comparable across
    copies whose columns are in another order (``perm``: the base column of each column)."""
    cols = block.indices if perm is None else perm[block.indices]
    starts = np.concatenate(([0], np.cumsum(block.lengths))).tolist()
    cols_l, vals_l = cols.tolist(), block.values.tolist()
    return [
        (lo, up, tuple(sorted(zip(cols_l[a:b], vals_l[a:b], strict=True))))
        for lo, up, a, b in zip(block.lower.tolist(), block.upper.tolist(), starts[:-1], starts[1:], strict=True)
    ]


def _costs(base: _Copy, other: _Copy, perm: np.ndarray) -> tuple[np.ndarray, float]:
    """Scenario ``other``'s cost vector (``objective_coefficients``) on ``base``'s columns, and its constant."""
    from optimizer.core.model.linear import first_column, record

    assert base.model is not None and other.model is not None
    own = np.zeros(record(other.model).n_columns)
    col, choice = other.data.objective_coefficients()
    n0 = first_column(other.model, other.model.n)
    k0 = first_column(other.model, other.model.k)
    own[n0 : n0 + len(col)] = col
    own[k0 : k0 + len(choice)] = choice
    c = np.zeros(record(base.model).n_columns)
    c[perm] = own
    return c, float(record(other.model).offset)


def robust_plan(
    instance: str | Path | Mapping[str, Any],
    scenarios: Sequence[Scenario | Mapping[str, Any]],
    options: SolveOptions | None = None,
    criterion: str = "regret",
    *,
    base_dir: str | Path | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    on_scenario: Callable[[str, dict[str, Any]], None] | None = None,
    scenarios_file: str = "<scenarios>",
) -> RobustResult:
    """The plan that minimises the maximum regret (or the worst-case or expected cost) over price scenarios.

    Args:
        instance: an instance file, or its parsed document (relative catalogue paths against ``base_dir``).
        scenarios: ``Scenario`` objects, or mappings ``{path: value, name?, probability?}`` (``scenarios_from``).
        options: solve options of every solve (each scenario's, the base plan's and the robust MILP's);
            default: threads 1.
        criterion: ``regret`` (min max_s cost_s - opt_s), ``worst`` (min max_s cost_s) or ``expected``
            (min sum_s p_s cost_s).
        workers, scheduler: where the scenarios are solved alone (``optimizer.studies.executor``).
        on_scenario: called with (name, row) when a scenario's own solve finishes.
        scenarios_file: the name problems with a scenario give its file (``file: scenarios[i] (name): ...``).

    Raises:
        InstanceError: a bad instance or scenario (a path that matches nothing, a value the format refuses),
            or a scenario that changes a row of the model (only objective coefficients may change).
        ValueError: an unknown criterion; routed demands (they need a model per scenario).
    """
    from optimizer.core.catalog import CatalogIndex
    from optimizer.core.load import load_instance
    from optimizer.core.model.constraints import robust
    from optimizer.core.model.linear import column_values
    from optimizer.core.pipeline import finish_plan, solver_info
    from optimizer.core.results import extract_plan
    from optimizer.core.solve import solve_model
    from optimizer.core.verify import check_plan, plan_objective

    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    refuse_inside_starting_worker("optimizer.robust_plan")
    if scheduler:
        require_distributed()
    options = options or SolveOptions(threads=1)
    started = time.perf_counter()
    if all(isinstance(s, Scenario) for s in scenarios):
        chosen: list[Scenario] = [s for s in scenarios if isinstance(s, Scenario)]
        if not chosen:
            raise InstanceError([Issue(scenarios_file, "(top level)", "no scenario given")])
    elif any(isinstance(s, Scenario) for s in scenarios):
        raise TypeError("scenarios: give Scenario objects or mappings {path: value}, not both")
    else:
        chosen = scenarios_from(list(scenarios), scenarios_file)
    document, folder, base_instance = _document(instance, base_dir)
    label = scenarios_file

    base = _Copy(base_instance, options.objective)
    if base.model is None:
        raise ValueError("robust plans do not support routed demands (their rows need a model per scenario)")
    problems: list[Issue] = []
    copies: list[tuple[_Copy, Any]] = []
    for i, s in enumerate(chosen):
        where = f"scenarios[{i}] ({s.name})"
        try:
            doc = apply_overrides(document, s.overrides, s.relative, folder)
            inst = load_instance(doc, base_dir=folder)
        except SweepError as exc:
            problems.append(Issue(label, where, str(exc)))
            continue
        except InstanceError as exc:
            problems += [Issue(label, where, f"{issue.where}: {issue.message}") for issue in exc.issues]
            continue
        copy_ = _Copy(inst, options.objective)
        why, perm = row_change(base, copy_) if copy_.model is not None else ("it has routed demands", None)
        if why is not None:
            problems.append(
                Issue(
                    label,
                    where,
                    f"changes a row of the model, not only its costs: {why}. A robust plan keeps one copy of the "
                    "rows and one cost vector per scenario; a scenario that changes demands, counts, caps, "
                    "availability or a figure a constraint reads (a price under max_capex_usd, a power under a "
                    "power cap) needs a copy of the rows of its own, which robust plans do not build",
                )
            )
        copies.append((copy_, perm))
    if problems:
        raise InstanceError(problems)
    ready = [c for c, _ in copies]
    priced = [_costs(base, c, perm) for c, perm in copies]
    costs = np.vstack([c for c, _ in priced])
    constants = np.array([b for _, b in priced])
    k = len(chosen)
    probabilities = np.array([s.probability if s.probability is not None else 1.0 / k for s in chosen])
    mode = base.data.objective
    unit = UNIT[mode]
    index = CatalogIndex.of(base_instance.resolved_catalog)

    # the base plan: the optimum of the unmodified instance on the one copy
    t0 = time.perf_counter()
    report0 = solve_model(base.model, options)
    base_plan = finish_plan(
        base_instance, index, extract_plan(base.model, base.data, index, report0, solver_info(options, report0), [])
    )
    base_s = time.perf_counter() - t0
    summary: dict[str, Any] = {"scenarios": k, "base_solve_s": round(base_s, 4)}
    if not report0.status.has_solution:
        return RobustResult(
            criterion,
            mode,
            str(report0.status),
            None,
            base_plan,
            pd.DataFrame(),
            summary,
            message=f"the base instance has no plan ({report0.status}); the scenarios share its rows",
        )
    x0 = column_values(base.model).copy()

    # each scenario alone, on the executor
    t0 = time.perf_counter()
    rows = _solve_alone(document, folder, chosen, options, workers, scheduler, on_scenario)
    summary["scenario_solves_s"] = round(time.perf_counter() - t0, 4)
    lacking = [(s.name, r.get("status"), r.get("message", "")) for s, r in zip(chosen, rows, strict=True)]
    lacking = [x for x in lacking if x[1] not in ("optimal", "feasible")]
    if lacking:
        what = "; ".join(f"{name}: {status} {msg}".strip() for name, status, msg in lacking[:5])
        return RobustResult(
            criterion,
            mode,
            "error",
            None,
            base_plan,
            pd.DataFrame(),
            summary,
            message=f"a scenario solved alone has no plan, so its regret is unknown: {what}",
        )
    optima = np.array([float(r["objective"]) for r in rows])

    # the robust MILP on the one copy, with the base plan as its MIP start
    def value(x: np.ndarray) -> float:
        c = costs @ x + constants
        return float({"regret": np.max(c - optima), "worst": np.max(c), "expected": probabilities @ c}[criterion])

    col_r = robust.add(base.model, costs, constants, optima, probabilities, criterion)
    if col_r is not None:
        base.model.robust_r.value[:] = max(0.0, value(x0))
    t0 = time.perf_counter()
    report = solve_model(base.model, dataclasses.replace(options, warm_start=True))
    summary["robust_solve_s"] = round(time.perf_counter() - t0, 4)
    summary["robust_highs_s"] = round(report.highs_s, 4)
    summary["robust_model"] = report.size
    summary["robust_objective"] = report.objective
    summary["robust_bound"] = report.bound
    if not report.status.has_solution:
        return RobustResult(
            criterion,
            mode,
            str(report.status),
            None,
            base_plan,
            pd.DataFrame(),
            summary,
            message=f"the robust MILP has no plan within the limits ({report.message or report.highs_status})",
        )
    x = column_values(base.model)[: len(x0)]
    message = ""
    if value(x) > value(x0) + REL_TOL * max(1.0, abs(value(x0))):  # never worse than the MIP start
        x, plan = x0, base_plan
        message = "HiGHS returned a plan worse than the base plan on the criterion; the base plan is kept"
    else:
        solver = solver_info(options, report, base.model)
        solver["robust_criterion"] = criterion
        plan = finish_plan(
            base_instance,
            index,
            extract_plan(base.model, base.data, index, dataclasses.replace(report, bound=None), solver, []),
        )

    # independent checks: the verifier on the base instance, and both plans re-priced in every scenario
    plan_doc, base_doc = plan.to_dict(), base_plan.to_dict()
    violations = [f"{v.where}: {v.message}" for v in check_plan(base_instance, plan_doc)]
    mismatches: list[str] = []
    model_robust = costs @ x + constants
    model_base = costs @ x0 + constants
    robust_cost: list[float] = []
    base_cost: list[float] = []
    for i, (s, c) in enumerate(zip(chosen, ready, strict=True)):
        tol = REL_TOL * max(1.0, abs(optima[i]))
        for name, doc, model_value, out in (
            ("robust", plan_doc, model_robust[i], robust_cost),
            ("base", base_doc, model_base[i], base_cost),
        ):
            verified = plan_objective(c.instance, doc)
            out.append(verified)
            if abs(verified - model_value) > tol:
                mismatches.append(
                    f"{s.name}: the model prices the {name} plan at {model_value:.10g}, the verifier at {verified:.10g}"
                )
    robust_costs, base_costs = np.array(robust_cost), np.array(base_cost)
    robust_regret, base_regret = robust_costs - optima, base_costs - optima
    if criterion != "expected" and report.objective is not None and plan is not base_plan:
        stated = float(report.objective)
        recomputed = float(np.max(robust_regret if criterion == "regret" else robust_costs))
        if abs(max(0.0, recomputed) - stated) > REL_TOL * max(1.0, float(np.max(np.abs(optima)))):
            mismatches.append(f"the MILP states a {criterion} of {stated:.10g}, re-pricing gives {recomputed:.10g}")

    paths = list(dict.fromkeys(p for s in chosen for p in s.overrides))
    records = []
    for i, (s, r) in enumerate(zip(chosen, rows, strict=True)):
        records.append(
            {
                "scenario": s.name,
                "probability": float(probabilities[i]),
                **{
                    p: (f"x{s.overrides[p]:g}" if s.relative.get(p) else s.overrides[p])
                    for p in paths
                    if p in s.overrides
                },
                "status": r["status"],
                f"optimum_{unit}": _six(optima[i]),
                f"robust_{unit}": _six(robust_costs[i]),
                f"robust_regret_{unit}": _six(robust_regret[i]),
                f"base_{unit}": _six(base_costs[i]),
                f"base_regret_{unit}": _six(base_regret[i]),
            }
        )
    columns = ["scenario", "probability", *paths, "status"]
    columns += [f"{w}_{unit}" for w in ("optimum", "robust", "robust_regret", "base", "base_regret")]
    table = pd.DataFrame(records, columns=columns)
    summary.update(
        {
            f"worst_regret_{unit}": _six(robust_regret.max()),
            f"base_worst_regret_{unit}": _six(base_regret.max()),
            f"worst_{unit}": _six(robust_costs.max()),
            f"base_worst_{unit}": _six(base_costs.max()),
            f"expected_{unit}": _six(probabilities @ robust_costs),
            f"base_expected_{unit}": _six(probabilities @ base_costs),
            "same_as_base": bool(np.array_equal(np.round(x), np.round(x0))),
            "changes": plan_changes(base_plan, plan),
            "total_s": round(time.perf_counter() - started, 4),
        }
    )
    return RobustResult(
        criterion, mode, str(report.status), plan, base_plan, table, summary, violations, mismatches, message
    )


def _choices(plan: Any) -> dict[str, str]:
    """Each link group's options and each switch group's model in a plan, e.g. ``lpo-dr-800+dr8-800 x1024``."""
    out: dict[str, list[str]] = {}
    for group, option, count in zip(plan.links["group"], plan.links["option"], plan.links["count"], strict=True):
        out.setdefault(str(group), []).append(f"{option} x{count}")
    for group, model, count in zip(plan.nodes["group"], plan.nodes["model"], plan.nodes["count"], strict=True):
        out.setdefault(str(group), []).append(f"{model} x{count}")
    return {group: " | ".join(sorted(parts)) for group, parts in out.items()}


def plan_changes(base_plan: Any, plan: Any) -> list[dict[str, str]]:
    """The link and switch groups whose choice differs between two plans: group, base choice, robust choice."""
    a, b = _choices(base_plan), _choices(plan)
    return [
        {"group": group, "base": a.get(group, ""), "robust": b.get(group, "")}
        for group in dict.fromkeys([*a, *b])
        if a.get(group, "") != b.get(group, "")
    ]


def _six(x: Any) -> float:
    """A cost or regret as the tables state it: 6 decimals (as plan.json), no negative zero."""
    return round(float(x), 6) + 0.0


def _solve_alone(
    document: dict[str, Any],
    folder: Path,
    scenarios: list[Scenario],
    options: SolveOptions,
    workers: int | None,
    scheduler: str | None,
    on_scenario: Callable[[str, dict[str, Any]], None] | None,
) -> list[dict[str, Any]]:
    """Each scenario solved alone by the whole pipeline (``sweep.solve_scenario``) on the executor."""
    from optimizer.studies.executor import TaskRunner

    opts = dataclasses.asdict(options)
    opts.pop("progress", None)
    opts["warm_start"] = False
    base_dir = str(folder.resolve())
    tasks = [
        {
            "key": s.name,
            "params": s.overrides,
            "relative": s.relative,
            "base_dir": base_dir,
            "options": opts,
            "track": [],
        }
        for s in scenarios
    ]
    rows: list[dict[str, Any]] = [{} for _ in tasks]
    lost_messages: list[str] = []

    def got(i: int, row: dict[str, Any]) -> None:
        rows[i] = row
        if on_scenario is not None:
            on_scenario(scenarios[i].name, row)

    def lost(i: int, message: str) -> None:
        rows[i] = {"status": "error", "message": message}
        lost_messages.append(message)

    with TaskRunner(workers, scheduler, shared={"document": document}) as runner:
        runner.run(solve_scenario, tasks, got, lost)
    if tasks and len(lost_messages) == len(tasks):
        check_workers_ran("optimizer.robust_plan", workers, scheduler, lost_messages)
    return rows
