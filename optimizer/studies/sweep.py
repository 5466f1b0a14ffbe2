"""Parameter sweeps and break-even search over numeric fields of an instance.

A parameter is a dotted path to a numeric field of the instance document, in the path language of
``optimizer.core.edit`` (also taken by ``Instance.with_changes``): ``economics.electricity_usd_per_kwh``,
``limits.supply.cpo-dr-800``, ``links.gpu-leaf.length_m`` (the id may be a glob), ``nodes.spine.count.max``,
``catalog.cpo-*.cost_usd`` (a built-in entry is copied into an inline ``extends: builtin`` catalogue),
``catalog.cpo-dr-800.engine.fit`` (a failure mode), ``reliability.gpu_hour_usd``. Every path is checked
against the base instance and the format before any scenario runs: a path that matches nothing or names a
field the format does not have is a ``SweepError`` (the command's exit code 2), never a sweep of failed
scenarios.

and its values are ``lo:hi:n`` (n evenly spaced values, ends included), a list ``a,b,c`` or one
number; a leading ``x`` makes them factors of the field's value in the base instance
(``catalog.cpo-*.cost_usd=x0.6:1.4:5`` is a CPO price premium of -40 % .. +40 %). A sweep is the
full factorial design over all parameters, or ``sample`` scenarios drawn at random (uniform in each
range, a random choice from each list; seeded).

Each scenario is solved by ``solve_scenario`` on the executor (in this process by default, local worker
processes or a Dask cluster) and gives one tidy row: parameters, status, objective, gap, totals, share of link
ends per optics technology, the dominant mix and the options of tracked link groups. Rows are
appended to a JSON-lines results file as they finish; a rerun with the same results file reuses
every row whose scenario key (parameters + base instance + solve options) matches, so an
interrupted sweep resumes without recomputing finished scenarios.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import logging
import math
import os
import random
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.core.edit import InstanceSource, ParameterError, document_of
from optimizer.core.edit import apply_overrides as apply_overrides
from optimizer.core.mix import TECHNOLOGIES
from optimizer.core.solve import SolveOptions
from optimizer.errors import InstanceError, Issue
from optimizer.studies.executor import TaskRunner, auto_workers, run_tasks
from optimizer.studies.guards import check_workers_ran, refuse_inside_starting_worker, require_distributed

log = logging.getLogger(__name__)

RELIABILITY_RESULTS = ("interruptions_per_day", "downtime_usd", "spares_capex_usd")
RESULT_COLUMNS = [
    "status",
    "objective",
    "gap",
    "capex_usd",
    "power_w",
    "energy_usd",
    "tco_usd",
    *[f"share_{t}" for t in TECHNOLOGIES],
    "share_linear",
    "mix",
    *RELIABILITY_RESULTS,  # only when some scenario has them (instances with a reliability section)
]
DONE_STATUSES = ("optimal", "feasible", "infeasible", "unbounded", "no_solution", "input_error")


SweepError = ParameterError
"""A sweep definition problem (bad parameter path or value spec): ``optimizer.core.edit.ParameterError``."""


# ------------------------------------------------------------------------------------ parameters
@dataclass(frozen=True)
class Parameter:
    """One swept field: its path, its values and whether they are factors of the base value."""

    path: str
    values: tuple[float, ...]
    relative: bool = False
    low_high: tuple[float, float] | None = None
    """The range for random sampling (``lo:hi:n`` specs); None for lists."""


def parse_parameter(text: str) -> Parameter:
    """``path=spec`` -> Parameter (spec: ``lo:hi:n``, ``a,b,c`` or a number; ``x`` prefix: factors)."""
    if "=" not in text:
        raise SweepError(f"'{text}': expected path=values, e.g. economics.electricity_usd_per_kwh=0.03:0.3:10")
    path, spec = (s.strip() for s in text.split("=", 1))
    return parameter(path, spec)


def parameter(path: str, spec: Any) -> Parameter:
    """A Parameter from a path and a value spec (string, number or list of numbers)."""
    if not path or "." not in path:
        raise SweepError(f"'{path}': a parameter path has a section and a field, e.g. economics.pue")
    relative = False
    if isinstance(spec, str):
        spec = spec.strip()
        if spec[:1] in ("x", "*"):
            relative, spec = True, spec[1:]
    try:
        if isinstance(spec, list | tuple):
            values = tuple(float(v) for v in spec)
            rng = None
        elif isinstance(spec, int | float):
            values, rng = (float(spec),), None
        elif spec.count(":") == 2:
            lo_s, hi_s, n_s = spec.split(":")
            lo, hi, n = float(lo_s), float(hi_s), int(n_s)
            if n < 1:
                raise SweepError(f"{path}: a range needs n >= 1 values")
            values = tuple(lo + (hi - lo) * k / (n - 1) for k in range(n)) if n > 1 else (lo,)
            values = tuple(round(v, 12) for v in values)
            rng = (lo, hi)
        else:
            values, rng = tuple(float(v) for v in spec.split(",") if v.strip()), None
    except ValueError as exc:
        if isinstance(exc, SweepError):
            raise
        raise SweepError(f"{path}: cannot read values '{spec}' (lo:hi:n, a,b,c or a number)") from None
    if not values or not all(math.isfinite(v) for v in values):
        raise SweepError(f"{path}: no finite values in '{spec}'")
    return Parameter(path, values, relative, rng)


# ------------------------------------------------------------------------------------ scenarios
def design(parameters: list[Parameter], sample: int | None = None, seed: int = 0) -> list[dict[str, float]]:
    """The scenarios: full factorial over all values, or ``sample`` random draws (seeded)."""
    if sample is None:
        return [
            dict(zip((p.path for p in parameters), combo, strict=True))
            for combo in itertools.product(*(p.values for p in parameters))
        ]
    rng = random.Random(seed)
    out = []
    for _ in range(sample):
        out.append(
            {p.path: round(rng.uniform(*p.low_high), 12) if p.low_high else rng.choice(p.values) for p in parameters}
        )
    return out


def scenario_key(params: Mapping[str, Any], base_digest: str, options: Mapping[str, Any]) -> str:
    """Stable key of a scenario: what it solves and how (used to resume from a results file)."""
    text = json.dumps({"p": params, "b": base_digest, "o": options}, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def solve_scenario(task: dict[str, Any], shared: dict[str, Any] | None = None) -> dict[str, Any]:
    """Solve one scenario (runs on a worker) and return its tidy row; never raises.

    The base instance document is ``task["document"]`` or, shipped once per worker, ``shared["document"]``.
    """
    from optimizer.core.load import load_instance
    from optimizer.core.mix import plan_mix
    from optimizer.core.pipeline import solve

    row: dict[str, Any] = {
        "key": task["key"],
        **task["params"],
        "status": "error",
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
    start = time.perf_counter()
    try:
        document = shared["document"] if shared is not None else task["document"]
        doc = apply_overrides(document, task["params"], task["relative"], task["base_dir"])
        instance = load_instance(doc, base_dir=task["base_dir"])
        plan = solve(instance, SolveOptions(**task["options"]))
        row.update(status=str(plan.status), objective=plan.objective, gap=plan.gap, message="; ".join(plan.diagnostics))
        if plan.totals is not None:
            row.update({k: plan.totals[k] for k in ("capex_usd", "power_w", "energy_usd", "tco_usd")})
            row.update({k: plan.totals[k] for k in RELIABILITY_RESULTS if k in plan.totals})
            _, share, label = plan_mix(plan, instance.resolved_catalog)
            row.update({f"share_{t}": s for t, s in share.items()})
            row["share_linear"] = share["lpo"] + share["lro"]
            row["mix"] = label
            for group in task.get("track", []):
                row[f"choice:{group}"] = group_choice(plan, group)
    except InstanceError as exc:
        row.update(status="input_error", message=" | ".join(str(i) for i in exc.issues[:5]))
    except SweepError as exc:
        row.update(status="input_error", message=str(exc))
    except Exception as exc:  # one scenario's failure is data, never an abort of the sweep
        log.exception("scenario failed")
        row.update(status="error", message=f"{type(exc).__name__}: {exc}")
    row["wall_s"] = round(time.perf_counter() - start, 4)
    return row


def group_choice(plan: Any, group: str) -> str:
    """The options a link group uses in a plan, e.g. ``cpo-dr-800+lpo-dr-800 x1024`` (sorted)."""
    rows = plan.links[plan.links["group"] == group]
    return " | ".join(f"{r.option} x{r.count}" for r in rows.sort_values("option").itertuples())


def _choice_key(choice: str) -> str:
    """The set of options of a group choice, without counts."""
    return " | ".join(sorted(part.rsplit(" x", 1)[0] for part in choice.split(" | ") if part))


# ------------------------------------------------------------------------------------ running
@dataclass
class SweepResult:
    """A finished (or partly finished) sweep.

    Attributes:
        table: one row per scenario in design order (parameters, results; see ``RESULT_COLUMNS``).
        parameters: the swept paths, in order.
        computed, reused, failed: scenarios solved now, taken from the results file, and without a
            plan because of an error (status ``error`` or ``input_error``).
    """

    table: pd.DataFrame
    parameters: list[str]
    computed: int = 0
    reused: int = 0
    failed: int = 0
    files: list[Path] = field(default_factory=list)
    relative: list[str] = field(default_factory=list)
    """Paths whose values are factors of the base value."""


def read_results(path: Path) -> dict[str, dict[str, Any]]:
    """Rows of a JSON-lines results file by scenario key (a torn last line is skipped)."""
    rows: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return rows
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and "key" in row:
            rows[row["key"]] = row
    return rows


def tidy_table(rows: list[dict[str, Any]], parameters: list[str], track: list[str]) -> pd.DataFrame:
    """The tidy table: parameters, results and tracked choices (no timings: equal runs, equal tables)."""
    result_columns = [c for c in RESULT_COLUMNS if c not in RELIABILITY_RESULTS or any(c in r for r in rows)]
    columns = ["scenario", *parameters, *result_columns, *[f"choice:{g}" for g in track], "message"]
    table = pd.DataFrame([{**r, "scenario": k} for k, r in enumerate(rows)], columns=columns)
    return table


def check_parameters(document: Mapping[str, Any], parameters: list[Parameter], base_dir: str | Path = ".") -> None:
    """Refuse a sweep definition before anything runs: a path given twice, a path that matches nothing in the
    base instance document or names a field the format does not have (``SweepError``)."""
    paths = [p.path for p in parameters]
    if len(set(paths)) != len(paths):
        raise SweepError("a parameter path is given twice")
    relative = {p.path: p.relative for p in parameters}
    apply_overrides(document, {p.path: p.values[0] for p in parameters}, relative, base_dir)


def run_sweep(
    document: InstanceSource,
    parameters: Sequence[Parameter | str],
    *,
    base_dir: str | Path | None = None,
    options: SolveOptions | None = None,
    sample: int | None = None,
    seed: int = 0,
    results_file: str | Path | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    track: list[str] | None = None,
    retry_failed: bool = False,
    on_row: Callable[[dict[str, Any], int, int, int], None] | None = None,
) -> SweepResult:
    """Run a sweep over an instance.

    Args:
        document: the base instance: a path to an instance file, a loaded ``Instance``, or the instance
            document as a mapping (``optimizer.core.io.read_document``).
        parameters: the swept fields: ``Parameter`` objects or ``path=values`` texts (``parse_parameter``).
        base_dir: folder that relative paths of the instance (catalogue file) resolve against (default: the
            instance file's folder, else the current folder).
        options: solve options of every scenario (default: time limit 60 s, threads 1).
        sample, seed: draw ``sample`` random scenarios instead of the full factorial design.
        results_file: JSON-lines file of finished rows; rows already in it are reused (resume).
        workers, scheduler: where scenarios run (``optimizer.studies.executor``): by default in this process;
            ``None`` picks by the run's size (``executor.auto_workers``: in this process for a small run).
        track: link groups whose chosen options go into ``choice:<group>`` columns.
        retry_failed: recompute rows of the results file with status ``error``.
        on_row: called after each finished scenario with (row, done, failed, total).

    Raises:
        SweepError: a parameter path does not resolve on the base instance or names no field of the
            format (raised before any scenario runs).
        InstanceError: the base instance is invalid.
    """
    document, base_dir = document_of(document, base_dir)
    swept = [parse_parameter(p) if isinstance(p, str) else p for p in parameters]
    if scheduler:
        require_distributed()
    options = options or SolveOptions(threads=1)
    opts = dataclasses.asdict(options)
    opts.pop("progress", None)
    track = list(track or [])
    relative = {p.path: p.relative for p in swept}
    paths = [p.path for p in swept]
    check_parameters(document, swept, base_dir)
    digest = hashlib.sha1(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()
    scenarios = design(swept, sample, seed)
    keys = [scenario_key({**s, "_rel": relative, "_track": track}, digest, opts) for s in scenarios]
    results_path = Path(results_file) if results_file is not None else None
    known = read_results(results_path) if results_path is not None else {}
    rows: list[dict[str, Any] | None] = []
    todo: list[int] = []
    for i, key in enumerate(keys):
        row = known.get(key)
        if row is not None and (row.get("status") in DONE_STATUSES or not retry_failed):
            rows.append(row)
        else:
            rows.append(None)
            todo.append(i)
    result = SweepResult(
        pd.DataFrame(), paths, reused=len(keys) - len(todo), relative=[p.path for p in swept if p.relative]
    )
    total = len(keys)
    state = {
        "done": result.reused,
        "failed": sum(1 for r in rows if r is not None and r.get("status") in ("error", "input_error")),
    }
    sink = None
    if results_path is not None:
        results_path.parent.mkdir(parents=True, exist_ok=True)
        torn = results_path.exists() and results_path.stat().st_size and not results_path.read_bytes().endswith(b"\n")
        sink = results_path.open("a", encoding="utf-8")
        if torn:
            sink.write("\n")  # a line cut short by an interruption stays alone (and is skipped)
    base_dir_s = str(Path(base_dir).resolve())
    tasks = [
        {
            "key": keys[i],
            "params": scenarios[i],
            "relative": relative,
            "base_dir": base_dir_s,
            "options": opts,
            "track": track,
        }
        for i in todo
    ]

    def record(j: int, row: dict[str, Any]) -> None:
        rows[todo[j]] = row
        state["done"] += 1
        result.computed += 1
        if row.get("status") in ("error", "input_error"):
            state["failed"] += 1
        if sink is not None:
            sink.write(json.dumps(row, allow_nan=False, default=_json_default) + "\n")
            sink.flush()
        if on_row is not None:
            on_row(row, state["done"], state["failed"], total)

    def lost(j: int, message: str) -> None:
        record(j, {"key": keys[todo[j]], **scenarios[todo[j]], "status": "error", "message": message})

    refuse_inside_starting_worker("optimizer.run_sweep")
    workers = auto_workers(len(tasks)) if workers is None else workers
    try:
        run_tasks(
            solve_scenario,
            tasks,
            record,
            lost,
            workers=workers,
            scheduler=scheduler,
            shared={"document": dict(document)},
        )
    finally:
        if sink is not None:
            sink.close()
    finished = [r for r in rows if r is not None]
    if result.computed and not result.reused and not any(r.get("status") in DONE_STATUSES for r in finished):
        check_workers_ran("optimizer.run_sweep", workers, scheduler, (str(r.get("message", "")) for r in finished))
    result.failed = state["failed"]
    result.table = tidy_table(finished, paths, track)
    return result


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_sweep(result: SweepResult, directory: str | Path, plot: bool = True) -> list[Path]:
    """Write sweep.csv (and sweep.png) into ``directory``; sweep.csv atomically (temporary file + rename)."""
    from optimizer.core.results import OutputError, write_atomic

    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output folder: {exc.strerror or exc}") from exc
    written = [out / "sweep.csv"]
    write_atomic(written[0], result.table.to_csv(index=False))
    if plot and len(result.table) and result.parameters:
        from optimizer.plots import plot_sweep

        plot_sweep(result.table, result.parameters, out / "sweep.png", result.relative)
        written.append(out / "sweep.png")
    result.files = written
    return written


# ------------------------------------------------------------------------------------ break-even
@dataclass
class Flip:
    """Where a link group's optimal choice changes: between ``below`` and ``above`` (bisected)."""

    below: float
    above: float
    choice_below: str
    choice_above: str
    objective_below: float | None
    objective_above: float | None

    @property
    def value(self) -> float:
        """The break-even estimate: the midpoint of the final bracket."""
        return (self.below + self.above) / 2


@dataclass
class BreakevenResult:
    """Break-even search result: the scan, the flips found and the solves made."""

    parameter: str
    group: str
    relative: bool
    scan: list[tuple[float, str, str, float | None]]
    """(value, status, choice of the group, objective) at each scanned and bisected value, sorted."""
    flips: list[Flip]
    solves: int


def breakeven(
    document: InstanceSource,
    path: str,
    low: float,
    high: float,
    group: str,
    *,
    relative: bool = False,
    base_dir: str | Path | None = None,
    options: SolveOptions | None = None,
    scan: int = 5,
    tol: float | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    on_solve: Callable[[int, int], None] | None = None,
) -> BreakevenResult:
    """Find where the optimal choice of link group ``group`` changes as one parameter moves.

    The parameter is scanned at ``scan`` evenly spaced values over [low, high] (in parallel on the
    executor); every neighbouring pair whose choices differ (as sets of options, ignoring counts)
    is bisected until the bracket is narrower than ``tol`` (default 1e-3 x (high - low)).
    ``on_solve(done, expected)`` is called as each solve finishes (for progress displays): ``expected`` is the
    scan, then the solves done plus the halvings each open bracket still needs.

    ``document``: a path to an instance file, a loaded ``Instance`` or the instance document (as
    ``run_sweep``). ``workers``: by default every solve runs in this process; ``None`` picks by the size of
    each round (``executor.auto_workers``).

    Raises:
        SweepError: the path does not resolve or names no field of the format, or the group is not a link
            group of the instance (before anything is solved).
        InstanceError: the base instance is invalid.
    """
    document, base_dir = document_of(document, base_dir)
    if not high > low:
        raise SweepError(f"{path}: the range needs high > low")
    if group not in {str(e.get("id")) for e in document.get("links", []) if isinstance(e, dict)}:
        raise SweepError(f"'{group}' is not a link group of the instance")
    refuse_inside_starting_worker("optimizer.breakeven")
    if scheduler:
        require_distributed()
    options = options or SolveOptions(threads=1)
    opts = dataclasses.asdict(options)
    opts.pop("progress", None)
    tol = tol if tol is not None else 1e-3 * (high - low)
    rel = {path: relative}
    apply_overrides(document, {path: low}, rel, base_dir)
    base_dir_s = str(Path(base_dir).resolve())
    seen: dict[float, tuple[str, str, float | None]] = {}
    count = {"done": 0, "expected": scan if scan > 1 else 2}

    def tick() -> None:
        count["done"] += 1
        if on_solve is not None:
            on_solve(count["done"], max(count["expected"], count["done"]))

    def expect(more: int) -> None:
        count["expected"] = count["done"] + more

    def solve_at(values: list[float]) -> None:
        tasks = [
            {
                "key": f"{v!r}",
                "params": {path: v},
                "relative": rel,
                "base_dir": base_dir_s,
                "options": opts,
                "track": [group],
            }
            for v in values
        ]

        def got(i: int, row: dict[str, Any]) -> None:
            seen[values[i]] = (row["status"], row.get(f"choice:{group}", ""), row.get("objective"))
            tick()

        lost_messages: list[str] = []

        def lost(i: int, message: str) -> None:
            seen[values[i]] = ("error", "", None)
            lost_messages.append(message)
            tick()

        runner.run(solve_scenario, tasks, got, lost)
        if len(lost_messages) == len(tasks):
            check_workers_ran("optimizer.breakeven", workers, scheduler, lost_messages)

    runner = TaskRunner(workers, scheduler, shared={"document": dict(document)})
    try:
        return _bisect(path, low, high, group, relative, scan, tol, seen, solve_at, expect)
    finally:
        runner.close()


def _bisect(
    path: str,
    low: float,
    high: float,
    group: str,
    relative: bool,
    scan: int,
    tol: float,
    seen: dict[float, tuple[str, str, float | None]],
    solve_at: Callable[[list[float]], None],
    expect: Callable[[int], None] = lambda _n: None,
) -> BreakevenResult:
    points = [low + (high - low) * k / (scan - 1) for k in range(scan)] if scan > 1 else [low, high]
    solve_at(points)
    flips: list[Flip] = []
    brackets = [
        (a, b) for a, b in zip(points, points[1:], strict=False) if _choice_key(seen[a][1]) != _choice_key(seen[b][1])
    ]
    while brackets:
        wide = [(a, b) for a, b in brackets if b - a > tol]
        for a, b in brackets:
            if b - a <= tol:
                flips.append(Flip(a, b, seen[a][1], seen[b][1], seen[a][2], seen[b][2]))
        if not wide:
            break
        expect(sum(math.ceil(math.log2((b - a) / tol)) for a, b in wide))  # halvings until each is narrow
        mids = [(a + b) / 2 for a, b in wide]
        solve_at(mids)
        brackets = []
        for (a, b), m in zip(wide, mids, strict=True):
            km = _choice_key(seen[m][1])
            if km != _choice_key(seen[a][1]):
                brackets.append((a, m))
            if km != _choice_key(seen[b][1]):
                brackets.append((m, b))
    flips.sort(key=lambda f: f.below)
    scan_rows = [(v, *seen[v]) for v in sorted(seen)]
    return BreakevenResult(path, group, relative, scan_rows, flips, len(seen))


def load_spec(path: str | Path) -> tuple[dict[str, Any], Path]:
    """Read a sweep spec file (``instance``, ``parameters``, optional ``sample``, ``seed``, ``track``,
    ``solve``, ``workers``); returns the spec and the folder its relative paths resolve against."""
    from optimizer.core.io import read_document

    data, issues = read_document(Path(path))
    if issues:
        raise InstanceError(issues)
    if not isinstance(data, dict) or "parameters" not in data or "instance" not in data:
        raise InstanceError([Issue(str(path), "(top level)", "a sweep spec has 'instance' and 'parameters'")])
    problems = [
        Issue(str(path), key, f"unknown field (known: {', '.join(SPEC_FIELDS)})")
        for key in data
        if key not in SPEC_FIELDS
    ]
    if not isinstance(data["parameters"], dict) or not data["parameters"]:
        problems.append(Issue(str(path), "parameters", "expected a mapping of path: values"))
    solve = data.get("solve") or {}
    if not isinstance(solve, dict):
        problems.append(Issue(str(path), "solve", "expected a mapping"))
    else:
        problems += [
            Issue(str(path), f"solve.{key}", f"unknown field (known: {', '.join(SPEC_SOLVE_FIELDS)})")
            for key in solve
            if key not in SPEC_SOLVE_FIELDS
        ]
        from optimizer.core.solvers import SOLVER_NAMES

        if "solver" in solve and solve["solver"] not in SOLVER_NAMES:
            problems.append(
                Issue(str(path), "solve.solver", f"expected one of {', '.join(SOLVER_NAMES)}, got {solve['solver']!r}")
            )
    if problems:
        raise InstanceError(problems)
    return data, Path(path).parent


SPEC_FIELDS = ("instance", "parameters", "sample", "seed", "track", "solve", "description")
SPEC_SOLVE_FIELDS = ("time_limit_s", "mip_rel_gap", "threads", "objective", "solver")
