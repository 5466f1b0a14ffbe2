"""Helpers every command shares: exit codes, consoles, the input-problem report and the plan summary.

Commands import from here, never from the root group, so that dependencies inside the CLI point one way
(root -> commands -> common).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from optimizer.core.solvers import SOLVER_NAMES
from optimizer.errors import InstanceError, Issue

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION, EXIT_OUTPUT = 0, 1, 2, 3, 4, 5
EXIT_INTERRUPTED = 130
"""Ctrl-C in a command that has no stop of its own (validate, generate, a sweep, ...): 128 + SIGINT, as the
shell reports for an interrupted program and as ``solve`` exits on a second Ctrl-C."""
STATUS_EXIT = {
    "optimal": EXIT_OK,
    "feasible": EXIT_OK,
    "infeasible": EXIT_INFEASIBLE,
    "unbounded": EXIT_INFEASIBLE,
    "no_solution": EXIT_NO_SOLUTION,
    "error": EXIT_NO_SOLUTION,
}


MAX_THREADS = 256
"""Most HiGHS threads a command accepts (the library's bound, ``optimizer.core.solve.MAX_THREADS``)."""
THREADS = click.IntRange(min=1, max=MAX_THREADS)


SOLVER_TITLES = {"highs": "HiGHS", "scip": "SCIP", "cbc": "CBC", "gurobi": "Gurobi", "cplex": "CPLEX"}
"""How the summary names each solver."""


def solver_option(fn: Any) -> Any:
    """``--solver``: the MILP solver (HiGHS by default; the others through Pyomo's interfaces)."""
    return click.option(
        "--solver",
        type=click.Choice(SOLVER_NAMES),
        default="highs",
        show_default=True,
        help="MILP solver. HiGHS is built in; scip needs pyscipopt, cbc the cbc executable, gurobi gurobipy "
        "(and a licence), cplex the cplex package. A solver that is not installed is a usage error (exit 2) "
        "naming how to install it.",
    )(fn)


def solver_missing(name: str) -> int | None:
    """Print why solver ``name`` cannot run here (with how to install it) and return ``EXIT_INPUT``; None
    when it can."""
    from optimizer.core.solvers import unavailable

    problem = unavailable(name)
    if problem is None:
        return None
    click.echo(problem, err=True)
    return EXIT_INPUT


def finite_seconds(_ctx: click.Context, _param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number of seconds")
    return value


def finite_number(_ctx: click.Context, _param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number")
    return value


def time_limit_option(help_text: str, default: float = 60.0) -> Callable[[Any], Any]:
    """``--time-limit``: seconds > 0, finite."""
    return click.option(
        "--time-limit",
        "time_limit",
        type=click.FloatRange(min=0, min_open=True),
        callback=finite_seconds,
        default=default,
        show_default=True,
        help=help_text,
    )


objective_option = click.option(
    "--objective",
    type=click.Choice(["tco", "capex", "power", "weighted"]),
    default=None,
    help="Override the instance's objective.",
)
"""``--objective``: override the instance's objective mode."""


WORKERS_HELP = "Local worker processes [default: by size: in this process up to 16 solves, else one per core]."


def study_options(fn: Any) -> Any:
    """The solve options every study shares, with the same defaults in every command: ``--time-limit`` (of
    each solve), ``--gap``, ``--threads`` (per solve), ``--solver``, ``--workers`` (by size when not given)
    and ``--scheduler`` (a Dask scheduler to solve on)."""
    for option in reversed(
        (
            time_limit_option("Wall-clock limit of each solve in seconds."),
            click.option(
                "--gap",
                type=click.FloatRange(min=0),
                default=1e-4,
                show_default=True,
                help="Relative MIP gap of each solve.",
            ),
            click.option("--threads", type=THREADS, default=1, show_default=True, help="Solver threads per solve."),
            solver_option,
            click.option("--workers", type=click.IntRange(min=1), default=None, help=WORKERS_HELP),
            click.option("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786) to solve on."),
        )
    ):
        fn = option(fn)
    return fn


def check_out_dir(out_dir: Path | None) -> str | None:
    """Make ``out_dir`` ready for a run's files, before any solve: create it, check that a file can be written
    there, and remove the temporary files a run killed while writing left behind. The files of an earlier
    run stay until this run's plan replaces them (``Plan.write``) or it ends without one
    (``discard_outputs``).

    Returns an error message (the command exits with ``EXIT_INPUT``) or None.
    """
    if out_dir is None:
        return None
    from optimizer.core.results import remove_stale_temporaries

    if out_dir.exists() and not out_dir.is_dir():
        return f"--out {out_dir}: exists and is not a folder"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"--out {out_dir}: cannot create the folder: {exc.strerror or exc}"
    if not os.access(out_dir, os.W_OK | os.X_OK):
        return f"--out {out_dir}: the folder is not writable"
    probe = out_dir / f".optimizer-write-test-{os.getpid()}"
    try:
        with open(probe, "x", encoding="utf-8") as f:
            f.write("ok")
        probe.unlink()
    except OSError as exc:
        return f"--out {out_dir}: cannot write into the folder: {exc.strerror or exc}"
    remove_stale_temporaries(out_dir)
    return None


def discard_outputs(out_dir: Path | None) -> None:
    """A run that ends without a plan (invalid input, a stop while loading) removes the output files of an
    earlier run from ``out_dir``, so that no older plan looks like its own. Best effort."""
    if out_dir is None or not out_dir.is_dir():
        return
    from optimizer.core.results import OUTPUT_FILES, OutputError, remove_outputs

    with contextlib.suppress(OutputError):
        remove_outputs(out_dir, (*OUTPUT_FILES, "report.html"))


class RunStopped(BaseException):
    """A stop (signal or time limit) arrived while loading or building: the run ends without a solve.

    A ``BaseException`` (like ``KeyboardInterrupt``), so that no ``except Exception`` on the way swallows it.
    """


class StopGuard:
    """Signals and the wall-clock limit of a one-shot solve command.

    SIGINT or SIGTERM: the first stops HiGHS and keeps its incumbent (``optimizer.core.solve.request_stop``);
    while loading or building it ends the run at once (``RunStopped``). A second one exits at once with
    128 + the signal number, writing nothing. The deadline (SIGALRM at ``deadline``) acts like the first
    signal; HiGHS also gets the time left as its own limit, and the solve abandons HiGHS ``GRACE_S`` after
    a cancel it ignores. ``phase``: ``load``, ``run`` or ``finish`` (after the solve nothing is stopped).

    A handler's ``RunStopped`` that lands where Python cannot propagate it (a weakref callback or a
    ``__del__``, e.g. inside an ABC's ``isinstance`` cache while loading) would be printed as "Exception
    ignored" and lost; the guard's ``sys.unraisablehook`` drops it silently and fires SIGALRM again a
    moment later, so the stop is raised at the next ordinary line instead.
    """

    REFIRE_S = 0.01
    """Delay before SIGALRM fires again after a ``RunStopped`` was swallowed by an unraisable context."""

    HARD_MARGIN_S = 5.0
    """Seconds past the deadline after which a run still loading or building (stuck in a long C call that
    signal handlers cannot interrupt, e.g. parsing a huge file) ends the process with ``EXIT_NO_SOLUTION``."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.phase = "load"
        self.reason: str | None = None
        self._signals = 0
        self._saved: dict[int, Any] = {}
        self._saved_hook: Any = None
        self._done = threading.Event()
        self._armed = False
        """Set once ``__enter__`` is done: a signal before that only records its reason (``check`` raises it),
        so that ``RunStopped`` never leaves ``__enter__`` itself."""

    def __enter__(self) -> StopGuard:
        from optimizer.core.solve import clear_stop

        clear_stop()
        try:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
                self._saved[sig] = signal.signal(sig, self._handle)
            signal.setitimer(signal.ITIMER_REAL, max(1e-3, self.deadline - time.monotonic()))
            self._saved_hook, sys.unraisablehook = sys.unraisablehook, self._unraisable
        except ValueError:  # not the main thread: no signal handling
            self._restore()
        threading.Thread(target=self._watchdog, name="deadline-watchdog", daemon=True).start()
        self._armed = True
        return self

    def check(self) -> None:
        """Raise ``RunStopped`` if a stop arrived before the guard was armed."""
        if self.reason is not None and self.phase == "load":
            raise RunStopped(self.reason)

    def _watchdog(self) -> None:
        from optimizer.core.pipeline import current_stage

        if self._done.wait(max(0.0, self.deadline + self.HARD_MARGIN_S - time.monotonic())):
            return
        if self.phase == "load" or (self.phase == "run" and current_stage() in ("data", "build")):
            os.write(2, b"stopped: time limit reached while loading or building the model; no plan\n")
            os._exit(EXIT_NO_SOLUTION)

    def __exit__(self, *exc: object) -> None:
        from optimizer.core.solve import clear_stop

        self._done.set()
        self._restore()
        clear_stop()  # a stop request ends with its command (tests and embedders run several in one process)

    def _unraisable(self, unraisable: Any) -> None:
        """``sys.unraisablehook`` while armed: a swallowed ``RunStopped`` is raised again (see the class)."""
        if isinstance(unraisable.exc_value, RunStopped):
            if self._saved:
                signal.setitimer(signal.ITIMER_REAL, self.REFIRE_S)
            return
        (self._saved_hook or sys.__unraisablehook__)(unraisable)

    def _restore(self) -> None:
        if self._saved_hook is not None:
            sys.unraisablehook, self._saved_hook = self._saved_hook, None
        if self._saved:
            signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)
        self._saved = {}

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        from optimizer.core.pipeline import current_stage
        from optimizer.core.solve import request_stop

        if signum == signal.SIGALRM:
            reason = "time limit"
        else:
            self._signals += 1
            if self._signals > 1:  # the second Ctrl-C (or SIGTERM): abort at once
                os.write(2, b"aborted\n")
                os._exit(128 + signum)
            reason = f"{signal.Signals(signum).name} received"
        if self.phase == "finish":
            return
        if self.reason is None:
            self.reason = reason
            request_stop(reason)
        if self._armed and (self.phase == "load" or current_stage() in ("data", "build")):
            raise RunStopped(self.reason)  # again too, when an earlier one was swallowed (``_unraisable``)


def stopped_while_loading(reason: str, out_dir: Path | None) -> int:
    """A stop (signal or time limit) before the instance was loaded: no plan, exit ``EXIT_NO_SOLUTION``."""
    discard_outputs(out_dir)
    click.echo(f"stopped while loading ({reason}): no plan", err=True)
    return EXIT_NO_SOLUTION


def guarded_solve(
    load: Callable[[], Any],
    options: Any,
    started: float,
    finish: Callable[[Any, Any], int],
    *,
    out_dir: Path | None = None,
) -> int:
    """Load (``load()``), solve (a roadmap when the instance has ``periods``: ``solve_roadmap``) and
    ``finish(instance, plan)`` (write and print) under a ``StopGuard`` whose
    deadline is ``options.time_limit_s`` after ``started`` (a ``time.monotonic()`` value): loading and
    building count against the limit, and a first signal while finishing does not cut the files short.

    Returns ``finish``'s exit code; a stop while loading gives ``EXIT_NO_SOLUTION`` (no plan: the output files
    of an earlier run in ``out_dir`` are removed), a stop while building a ``no_solution`` plan. Raises what
    ``load`` raises (``InstanceError``).
    """
    from optimizer.core.pipeline import solve, stopped_plan

    deadline = started + options.time_limit_s
    with StopGuard(deadline) as guard:
        try:
            guard.check()
            instance = load()
        except RunStopped as exc:
            return stopped_while_loading(str(exc), out_dir)
        guard.phase = "run"
        if instance.periods is not None:  # roadmap extension: one MILP over the periods
            from optimizer.core.roadmap_plan import solve_roadmap, stopped_roadmap

            try:
                roadmap = solve_roadmap(instance, options, deadline=deadline)
            except RunStopped as exc:
                roadmap = stopped_roadmap(instance, options, str(exc))
            guard.phase = "finish"
            return finish(instance, roadmap)
        try:
            plan = solve(instance, options, deadline=deadline)
        except RunStopped as exc:
            plan = stopped_plan(instance, options, str(exc))
        guard.phase = "finish"
        return finish(instance, plan)


def finish_process(code: int) -> int:
    """``code``; when a HiGHS thread abandoned after a cancel is still running, end the process now
    (after flushing) so that it cannot keep the process alive."""
    from optimizer.core.solve import solver_threads_running

    if solver_threads_running():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _print_facility(out: Console, f: dict[str, Any]) -> None:
    """The plan's facility figures (facility extension): one table of racks and loads, the fibres, the cabling."""

    def cap(value: Any, unit: str) -> str:
        return "-" if value is None else f"{_fmt(value, 3)} {unit}"

    rows = [
        [
            "switch racks",
            f"{f['switch_racks']:,} ({f['switch_racks_by_space']:,} by space, {f['switch_racks_by_power']:,} by power)",
            cap(f.get("max_switch_racks"), "racks"),
        ],
        ["rack units", f"{f['rack_units']:,} U", f"{f['switch_rack_units']} U per rack"],
        ["switch rack power", f"{_fmt(f['switch_rack_kw'], 3)} kW per rack", cap(f.get("switch_rack_kw_cap"), "kW")],
    ]
    if f.get("gpu_racks"):
        rows.append(
            [
                "GPU rack power",
                f"{_fmt(f['gpu_rack_kw'], 3)} kW per rack ({f['gpu_racks']:,} racks)",
                cap(f.get("gpu_rack_kw_cap"), "kW"),
            ]
        )
    rows.append(
        ["liquid load", f"{_fmt(f['liquid_load_w'] / 1000.0, 3)} kW", cap(f.get("liquid_cooling_kw_cap"), "kW")]
    )
    rows.append(["fibres", f"{f['fibres']:,}", "-"])
    rows += [[f"fibres on path {p['id']}", f"{p['fibres']:,}", f"{p['max_fibres']:,} fibres"] for p in f["fibre_paths"]]
    print_table(out, "facility", [("", "left"), ("plan", "right"), ("limit", "right")], rows)
    groups = f.get("link_groups") or []
    if groups:
        shown = ", ".join(f"{g['group']} {g['fibres']:,}" for g in groups[:MAX_TABLE_ROWS])
        more = f", ... ({len(groups) - MAX_TABLE_ROWS:,} more)" if len(groups) > MAX_TABLE_ROWS else ""
        out.print(f"fibres per link group: {shown}{more}")
    if "cabling" in f:
        lines = f["cabling"]
        out.print(
            f"structured cabling: {sum(c['trunks'] for c in lines):,} trunks, {sum(c['cassettes'] for c in lines):,} "
            f"cassettes, {sum(c['panels'] for c in lines):,} patch panels over {len(lines):,} link groups, "
            f"{_fmt(f['cabling_capex_usd'], 0)} USD (bill of materials; not in the capex)"
        )


def _width(stream: Any) -> int | None:
    """A console's width: the terminal's (or ``COLUMNS``, which rich reads), else 160 for files and pipes."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return None if tty or os.environ.get("COLUMNS", "").isdigit() else 160


def out_console() -> Console:
    return Console(file=sys.stdout, width=_width(sys.stdout), highlight=False)


def err_console() -> Console:
    return Console(file=sys.stderr, width=_width(sys.stderr), highlight=False)


def shows_progress(quiet: bool, stream: Any = None) -> bool:
    """Progress displays are drawn on a terminal only, and never with ``-q``."""
    stream = sys.stderr if stream is None else stream
    try:
        return not quiet and bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


Column = tuple[str, str]
"""A table column: (header, justify: ``left`` or ``right``)."""


def _widest_word(texts: list[str]) -> int:
    return max([len(word) for text in texts for word in text.split()] or [1])


def _widths(columns: list[Column], rows: list[list[str]], width: int) -> list[int] | None:
    """Column widths that fit ``width`` with no number and no word cut, or None when none do.

    A column needs its widest word (a number is one word); it gets up to its widest cell or header, the
    space left shared out in proportion to what each column still lacks.
    """
    need = [
        max([_widest_word([header]), *(len(r[c]) for r in rows)])
        if justify == "right"
        else _widest_word([header, *(r[c] for r in rows)])
        for c, (header, justify) in enumerate(columns)
    ]
    want = [max([len(header), *(len(r[c]) for r in rows)]) for c, (header, _) in enumerate(columns)]
    room = width - (3 * len(columns) + 1)  # a frame line per column and both edges, one space each side
    if sum(want) <= room:
        return want
    if sum(need) > room:
        return None
    lack = [w - n for w, n in zip(want, need, strict=True)]
    spare = room - sum(need)
    share = [n + (spare * d) // sum(lack) for n, d in zip(need, lack, strict=True)]
    for c in sorted(range(len(share)), key=lambda i: share[i] - want[i]):
        if sum(share) < room and share[c] < want[c]:
            share[c] += 1
    return share


def _table(
    title: str | None, columns: list[Column], rows: list[list[str]], style: list[str | None], widths: list[int]
) -> Table:
    table = Table(title=title, title_justify="left")
    for (header, justify), w in zip(columns, widths, strict=True):
        # text wraps at spaces inside its width; a word wider than the console folds rather than being cut
        table.add_column(header, justify="right" if justify == "right" else "left", overflow="fold", width=w)
    for row, row_style in zip(rows, style, strict=True):
        table.add_row(*row, style=row_style)
    return table


def print_table(
    out: Console,
    title: str | None,
    columns: list[Column],
    rows: list[list[str]],
    *,
    keys: int = 1,
    styles: list[str | None] | None = None,
) -> None:
    """Print a table that never cuts a number or an id, at any console width.

    Numbers (right-justified columns) keep their full width and text wraps at spaces. When the whole table
    does not fit the console, its columns are split over several tables, each repeating the first ``keys``
    columns (the row's id); a column that does not fit even beside the ids is printed as ``id: header: value``
    lines, folded only where a single word is wider than the console.
    """
    styles = styles or [None] * len(rows)
    width = out.width

    def layout(cols: list[int]) -> list[int] | None:
        return _widths([columns[c] for c in cols], [[r[c] for c in cols] for r in rows], width)

    def fits(cols: list[int]) -> bool:
        return layout(cols) is not None

    def show(label: str | None, cols: list[int]) -> None:
        widths = layout(cols)
        assert widths is not None
        out.print(_table(label, [columns[c] for c in cols], [[r[c] for c in cols] for r in rows], styles, widths))

    everything = list(range(len(columns)))
    if fits(everything):
        show(title, everything)
        return
    key_cols = list(range(min(keys, len(columns))))
    parts: list[list[int]] = []
    current: list[int] = []
    for c in range(len(key_cols), len(columns)):
        if fits(key_cols + current + [c]):
            current.append(c)
            continue
        if current:
            parts.append(current)
        current = [c] if fits(key_cols + [c]) else []
        if not current:
            parts.append([-c - 1])  # marker: this column as lines
    if current:
        parts.append(current)
    for n, part in enumerate(parts, start=1):
        label = f"{title} ({n}/{len(parts)})" if title else f"({n}/{len(parts)})"
        if part[0] >= 0:
            show(label, key_cols + part)
            continue
        c = -part[0] - 1
        out.print(Text(label, style="italic"))
        for r in rows:
            ident = " ".join(r[k] for k in key_cols)
            out.print(Text(f"{ident}: {columns[c][0]}: {r[c]}", overflow="fold"))


ISSUES_PER_KIND = 20
"""Problems of one kind listed on the terminal; the rest of that kind are counted on one line."""

_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'" + r'|"(?:[^"\\]|\\.)*"')
_NUMBER = re.compile(r"\d[\d,._]*(?:[eE][-+]?\d+)?")


def issue_kind(issue: Issue) -> tuple[str, str]:
    """The kind of a problem: its file and its message with the quoted values and the numbers left out
    (``expected a number, got 'ten'`` and ``... got 'x'`` are one kind)."""
    return issue.file, _NUMBER.sub("N", _QUOTED.sub("'...'", issue.message))


def report_issues(exc: InstanceError) -> int:
    """Print the problems, one unwrapped line each (for people and for grep), then ``N problems found``.

    Of each kind (``issue_kind``) the first ``ISSUES_PER_KIND`` in file order are listed and the rest are
    counted on one line in the same ``file: where: message`` form (``links[*].length_m: ... and 19,980
    more problems of this kind``), so a file with 10^4 broken entries prints a screenful, not megabytes.
    ``InstanceError.issues`` (the library's view) keeps every one.
    """
    listed: dict[tuple[str, str], int] = {}
    hidden: dict[tuple[str, str], list[Issue]] = {}
    for issue in exc.issues:
        kind = issue_kind(issue)
        if listed.get(kind, 0) < ISSUES_PER_KIND:
            listed[kind] = listed.get(kind, 0) + 1
            click.echo(str(issue), err=True)
        else:
            hidden.setdefault(kind, []).append(issue)
    for (file, template), rest in hidden.items():
        places = list(dict.fromkeys(_INDEX.sub("[*]", i.where) for i in rest))
        where = ", ".join(places[:3]) + (", ..." if len(places) > 3 else "")
        click.echo(
            f"{file}: {where}: ... and {len(rest):,} more problem{'s' if len(rest) != 1 else ''} of this kind "
            f"({template}; the first {ISSUES_PER_KIND} are listed above)",
            err=True,
        )
    click.echo(f"{len(exc.issues)} problem{'s' if len(exc.issues) != 1 else ''} found", err=True)
    return EXIT_INPUT


_INDEX = re.compile(r"\[\d+\]")


def emit_plan(plan: Any, out_dir: Path | None, as_json: bool, catalog: Any = None) -> int:
    """Write the plan's files into ``out_dir`` (if given), then print plan.json or the summary (``catalog``:
    the instance's resolved catalogue, for the technology of each link group).

    Returns the exit code: the plan status's, or ``EXIT_OUTPUT`` when the files cannot be written.
    """
    from optimizer.core.results import OutputError

    if hasattr(plan, "plans"):  # a roadmap (``optimizer.core.roadmap_plan.RoadmapPlan``)
        return _emit_roadmap(plan, out_dir, as_json)
    if out_dir is not None:
        try:
            plan.write(out_dir, remove=("plan.png", "report.html"))  # an earlier run's drawings (drawn again)
        except OutputError as exc:
            click.echo(f"cannot write the plan: {exc}", err=True)
            return EXIT_OUTPUT
    if as_json:
        click.echo(plan.to_json())
    else:
        print_summary(plan, out_dir, catalog)
    return STATUS_EXIT[str(plan.status)]


def _emit_roadmap(roadmap: Any, out_dir: Path | None, as_json: bool) -> int:
    """Write a roadmap's files (roadmap.json, roadmap.csv, a plan folder per period), then print
    roadmap.json or a summary: status and NPV, then per period its purchases, mix and costs."""
    from optimizer.core.results import OutputError

    if out_dir is not None:
        try:
            roadmap.write(out_dir)
        except OutputError as exc:
            click.echo(f"cannot write the roadmap: {exc}", err=True)
            return EXIT_OUTPUT
    if as_json:
        click.echo(roadmap.to_json())
        return STATUS_EXIT[str(roadmap.status)]
    out = out_console()
    gap = "-" if roadmap.gap is None else f"{100 * roadmap.gap:.4f}%"
    out.print(
        f"status {roadmap.status}   NPV {_fmt(roadmap.objective)}   bound {_fmt(roadmap.bound)}   gap {gap}"
        f"   ({len(roadmap.years)} periods, discount rate {roadmap.discount_rate:g})"
    )
    if roadmap.periods:
        table = Table(title="roadmap")
        for col in (
            "year",
            "bought links",
            "bought switches",
            "out of service",
            "capex USD",
            "NPV USD",
            "CPO",
            "LPO",
            "DSP",
            "copper",
        ):
            table.add_column(col, justify="right")
        for p in roadmap.periods:
            share = p["share"]
            table.add_row(
                str(p["year"]),
                f"{p['links_bought']:,}",
                f"{p['switches_bought']:,}",
                f"{p['links_retired']:,}",
                _fmt(p["capex_usd"]),
                _fmt(p["npv_capex_usd"] + p["npv_running_usd"]),
                *(f"{100 * share[k]:.0f}%" for k in ("cpo", "lpo", "dsp", "copper")),
            )
        out.print(table)
    for note in roadmap.diagnostics:
        out.print(f"  {note}")
    if out_dir is not None:
        out.print(f"wrote {out_dir}/roadmap.json, roadmap.csv and a plan folder per period")
    return STATUS_EXIT[str(roadmap.status)]


def _secs(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f} s"


def _fmt(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


MAX_TABLE_ROWS = 40
"""Rows of each table (links, switches, paths, relaxations) and pre-solve reasons shown on the terminal:
rendering 10^4 rows takes seconds (20,000 path rows took 6.5 s, past the run's time limit), the files
have them all."""


def _more(out: Console, rows: int, csv: str, out_dir: Path | None) -> None:
    if rows > MAX_TABLE_ROWS:
        where = f"{out_dir}/{csv}" if out_dir is not None else f"{csv} (--out DIR) or --json"
        out.print(f"... {rows - MAX_TABLE_ROWS:,} more rows: see {where}")


def link_technologies(links: Any, catalog: Any) -> list[str]:
    """The optics technology of each link row (``optimizer.report.link_technologies``: the plan's ``technology``
    column, else the technologies of the option's two ends in ``catalog``, e.g. ``dsp`` or ``cpo+lpo``)."""
    if "technology" in links:  # a plan's table has the column (no need for the report module and pandas)
        return [str(t) for t in links["technology"]]
    from optimizer.report import link_technologies as of_links

    return of_links(links, catalog)


def bom_rows(bom: Any) -> tuple[list[Column], list[list[str]]]:
    """Columns and formatted rows of a bill of materials table (whatever columns it has: text left,
    numbers right; whole numbers without decimals, watts to 0.1 W, money to the dollar)."""
    from optimizer.core.results import Table

    if not isinstance(bom, Table):
        bom = Table.of_frame(bom)
    columns: list[Column] = []
    cells: list[list[str]] = [[] for _ in range(len(bom))]
    for name in bom.columns:
        series = bom[name]
        numeric = bom.is_numeric(name)
        if not numeric:  # a column of numbers stored as objects (mixed with blanks) is still numbers
            values = [v for v in series if not _blank(v)]
            numeric = bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        columns.append((_header(str(name)), "right" if numeric else "left"))
        for i, v in enumerate(series):
            cells[i].append(_number(str(name), v) if numeric else ("" if _blank(v) else str(v)))
    return columns, cells


UNITS = {"w": "W", "usd": "USD", "m": "m", "gbps": "Gb/s", "ns": "ns", "h": "h"}


def _header(column: str) -> str:
    """A column name as a header: ``capex_usd`` -> ``capex USD``, ``length_m`` -> ``length m``."""
    words = column.split("_")
    if len(words) > 1 and words[-1] in UNITS:
        words[-1] = UNITS[words[-1]]
    return " ".join(words)


def _blank(v: Any) -> bool:
    """True for a missing cell: None, NaN, pandas' NA (typed integer columns) or an empty string."""
    pandas = sys.modules.get("pandas")  # pandas' NA exists only where pandas was imported
    na = pandas.NA if pandas is not None else None
    return v is None or v is na or (isinstance(v, float) and v != v) or (isinstance(v, str) and v == "")


def _number(column: str, v: Any) -> str:
    if _blank(v):
        return "-"
    x = float(v)
    if column.endswith("_usd"):
        return f"{x:,.0f}"
    if column.endswith("_w"):
        return f"{x:,.1f}"
    return f"{x:,.0f}" if x == int(x) else f"{x:,.6g}"


def _print_drivers(out: Console, drivers: list[dict[str, Any]], out_dir: Path | None) -> None:
    """Decision drivers, one line each: the choices that flip within range first."""
    if not drivers:
        out.print("decision drivers: no uncertain figure flips a choice within its range")
        return
    shown = sorted(drivers, key=lambda d: (bool(d["robust"]), d["kind"], d["group"], d["figure"]))
    flips = sum(not d["robust"] for d in drivers)
    out.print(Text(f"decision drivers ({flips} flip within their range):", style="bold"))
    for d in shown[:MAX_TABLE_ROWS]:
        out.print(Text(f"  {d['text']}"))
    _more(out, len(drivers), "drivers.csv", out_dir)


def port_minimum_line(nodes: Any, above: int) -> str:
    """The plan's switch sizing in one line: the switches above the port minimum in all, and per group that has
    any (count against its port minimum)."""
    if above == 0:
        return "switches: every group at its port minimum (0 above)"
    groups = [
        f"{r.group} {r.count:,} for {r.port_minimum:,}"
        for r in nodes.itertuples()
        if getattr(r, "switches_above_port_minimum", 0) and r.switches_above_port_minimum > 0
    ]
    return f"switches: {above:,} above the port minimum ({'; '.join(groups)})"


def print_summary(plan: Any, out_dir: Path | None, catalog: Any = None) -> None:
    out = out_console()
    s = plan.solver
    status_style = "green" if plan.status.has_solution else "red"
    out.print(
        Text.assemble(
            ("status ", "bold"),
            (str(plan.status), f"bold {status_style}"),
            f"   objective ({plan.objective_mode}) {_fmt(plan.objective)}   bound {_fmt(plan.bound)}"
            f"   gap {'-' if plan.gap is None else f'{100 * plan.gap:.4f}%'}",
        )
    )
    out.print(
        f"{SOLVER_TITLES.get(s['name'], s['name'])} {s['version']} ({s['highs_status']}): "
        f"load {_secs(s.get('load_s'))}, "
        f"build {_secs(s.get('build_s'))}, solve {_secs(s.get('solve_s'))}, {s['variables']:,} variables, "
        f"{s['constraints']:,} constraints, {s['nodes']:,} B&B nodes, threads {s['threads']}"
    )
    if s.get("message"):
        out.print(Text(f"solver: {s['message']}"))
    if plan.diagnostics:
        out.print(Text("why (pre-solve checks and compatibility rules):", style="bold"))
        for reason in plan.diagnostics[:MAX_TABLE_ROWS]:
            out.print(Text(f"  - {reason}"))
        if len(plan.diagnostics) > MAX_TABLE_ROWS:
            where = f"{out_dir}/plan.json" if out_dir is not None else "plan.json (--out DIR or --json)"
            out.print(f"  ... {len(plan.diagnostics) - MAX_TABLE_ROWS:,} more reasons: see {where}")
    if plan.relaxations:
        print_table(
            out,
            f"what would make a plan possible: {s.get('relaxation_note', '')}",
            [("limit", "left"), ("id", "left"), ("now", "right"), ("needed", "right"), ("change", "left")],
            [
                [r.limit, r.id or "-", f"{r.current:,.6g} {r.unit}", f"{r.needed:,.6g} {r.unit}", r.text]
                for r in plan.relaxations[:MAX_TABLE_ROWS]
            ],
            keys=2,
        )
        if len(plan.relaxations) > MAX_TABLE_ROWS:
            where = f"{out_dir}/plan.json" if out_dir is not None else "plan.json (--out DIR or --json)"
            out.print(f"... {len(plan.relaxations) - MAX_TABLE_ROWS:,} more relaxations: see {where}")
    if plan.totals is not None:
        t = plan.totals
        print_table(
            out,
            "totals",
            [("", "left"), ("power W", "right"), ("capex USD", "right")],
            [
                ["optics", _fmt(t["optics_power_w"], 1), _fmt(t["optics_capex_usd"], 0)],
                ["switches", _fmt(t["switch_power_w"], 1), _fmt(t["switch_capex_usd"], 0)],
                ["total", _fmt(t["power_w"], 1), _fmt(t["capex_usd"], 0)],
            ],
            styles=[None, None, "bold"],
        )
        out.print(f"energy {_fmt(t['energy_usd'], 0)} USD over the horizon; TCO {_fmt(t['tco_usd'], 0)} USD")
        nodes = plan.table("nodes")  # rows, not a DataFrame: printing a plan does not import pandas
        if "switches_above_port_minimum" in t and nodes is not None and len(nodes):
            out.print(port_minimum_line(nodes, int(t["switches_above_port_minimum"])))
        if "gpus_displaced" in t:  # site extension: the GPU capacity the network's power displaces
            out.print(
                f"site: the network displaces {_fmt(t['gpus_displaced'], 2)} GPUs, worth "
                f"{_fmt(t['gpus_displaced_usd'], 0)} USD over the horizon (in the TCO)"
            )
        if plan.facility is not None:  # facility extension: racks, rack power, liquid load, fibres, cabling
            _print_facility(out, plan.facility)
        if "routing_capex_usd" in t:  # routed demands: network costs inside capex, and the flows
            out.print(
                f"network costs: installed {_fmt(t['installed_capex_usd'])}, setup {_fmt(t['setup_capex_usd'])}, "
                f"routing {_fmt(t['routing_capex_usd'])} USD; "
                f"{0 if plan.flows is None else len(plan.flows)} flow rows"
            )
    links, nodes, paths, bom = (plan.table(name) for name in ("links", "nodes", "paths", "bom"))
    assert links is not None and nodes is not None and paths is not None and bom is not None
    if len(links):
        shown = links.head(MAX_TABLE_ROWS)
        tech = link_technologies(shown, catalog)
        print_table(
            out,
            "link groups",
            [
                ("group", "left"),
                ("option", "left"),
                ("technology", "left"),
                ("speed Gb/s", "right"),
                ("count", "right"),
                ("length m", "right"),
                ("power W", "right"),
                ("capex USD", "right"),
                ("latency ns", "right"),
            ],
            [
                [
                    str(r.group),
                    str(r.option),
                    tech[i],
                    f"{r.speed_gbps:g}",
                    f"{r.count:,}",
                    f"{r.length_m:g}",
                    _fmt(r.power_w, 1),
                    _fmt(r.capex_usd, 0),
                    _fmt(r.latency_ns, 1),
                ]
                for i, r in enumerate(shown.itertuples())
            ],
        )
        _more(out, len(links), "links.csv", out_dir)
    if len(nodes):
        print_table(
            out,
            "switch groups",
            [
                ("group", "left"),
                ("model", "left"),
                ("count", "right"),
                ("used Gb/s", "right"),
                ("of Gb/s", "right"),
                ("used ports", "right"),
                ("of ports", "right"),
                ("power W", "right"),
            ],
            [
                [
                    str(r.group),
                    str(r.model),
                    f"{r.count:,}",
                    f"{r.used_gbps:,.0f}",
                    f"{r.capacity_gbps:,.0f}",
                    f"{r.used_ports:,}",
                    f"{r.ports:,}",
                    _fmt(r.power_w, 1),
                ]
                for r in nodes.head(MAX_TABLE_ROWS).itertuples()
            ],
        )
        _more(out, len(nodes), "nodes.csv", out_dir)
    if len(paths):
        print_table(
            out,
            "paths",
            [("path", "left"), ("latency ns", "right"), ("budget ns", "right"), ("slack ns", "right")],
            [
                [str(r.id), _fmt(r.latency_ns, 1), _fmt(r.max_latency_ns, 1), _fmt(r.slack_ns, 1)]
                for r in paths.head(MAX_TABLE_ROWS).itertuples()
            ],
        )
        _more(out, len(paths), "paths.csv", out_dir)
    if len(bom):
        columns, cells = bom_rows(bom.head(MAX_TABLE_ROWS))
        print_table(out, "bill of materials", columns, cells)
        _more(out, len(bom), "bom.csv", out_dir)
    if getattr(plan, "reliability", None) is not None:
        _print_reliability(out, plan.reliability, out_dir)
    if getattr(plan, "drivers", None) is not None:
        _print_drivers(out, plan.drivers, out_dir)
    if out_dir is not None:
        extra = ", reliability.csv" if getattr(plan, "reliability", None) is not None else ""
        extra += ", flows.csv" if plan.flows is not None else ""
        extra += ", drivers.csv" if getattr(plan, "drivers", None) is not None else ""
        out.print(f"wrote {out_dir}/plan.json, links.csv, nodes.csv, paths.csv, bom.csv{extra}")


def _print_reliability(out: Console, rel: dict[str, Any], out_dir: Path | None) -> None:
    """Reliability extension: expected failures and interruptions by technology, downtime, spares."""
    out.print(
        f"reliability: {rel['failures_per_year']:,.1f} failures/year ({rel['links_down_per_year']:,.1f} links down), "
        f"{rel['interruptions_per_day']:.4g} job interruptions/day, availability {100 * rel['availability']:.4f}%, "
        f"downtime {_fmt(rel['downtime_usd'], 0)} USD over the horizon, spares {_fmt(rel['spares_capex_usd'], 0)} USD "
        f"at their need ({_fmt(rel['spares_stock_capex_usd'], 0)} USD stocked whole)"
    )
    print_table(
        out,
        "reliability by technology",
        [
            ("technology", "left"),
            ("failures/yr", "right"),
            ("links down/yr", "right"),
            ("interruptions/day", "right"),
            ("downtime USD", "right"),
        ],
        [
            [
                r["technology"],
                f"{r['failures_per_year']:,.2f}",
                f"{r['links_down_per_year']:,.2f}",
                f"{r['interruptions_per_day']:.4g}",
                _fmt(r["downtime_usd"], 0),
            ]
            for r in rel["by_technology"]
        ],
    )
    print_table(
        out,
        "spares (per failure mode)",
        [
            ("mode", "left"),
            ("repair", "left"),
            ("failures in lead time", "right"),
            ("need", "right"),
            ("stocked", "right"),
            ("capex USD", "right"),
            ("stock USD", "right"),
            ("service", "right"),
        ],
        [
            [
                r["mode"] if r.get("length_m") is None else f"{r['mode']} ({r['length_m']:g} m)",
                r["repair"],
                f"{r['failures_in_lead_time']:.3f}",
                f"{r['spares_needed']:.3f}",
                f"{r['spares']:,}",
                _fmt(r["capex_usd"], 0),
                _fmt(r["stock_capex_usd"], 0),
                f"{100 * r['service_level']:.2f}%",
            ]
            for r in rel["spares"][:MAX_TABLE_ROWS]
        ],
    )
    domains = {(d["item"], d["mode"]): d for d in rel["cpo_failure_domains"]}
    for d in domains.values():
        if d["repair"] == "fail_in_place":
            how = f"fail in place: {d['ports_down_in_repair']} ports down {d['down_h']:g} h to the maintenance window"
        else:
            how = f"{d['repair']} repair of {d['mttr_h']:g} h with {d['ports_down_in_repair']} ports down"
        out.print(f"CPO failure domain: {d['mode']}: {d['ports_lost']} ports lost, {how}")
    _more(out, len(rel["rows"]), "reliability.csv", out_dir)


class StudyProgress:
    """A study's progress bar on stderr: solves done of those expected, the elapsed time and an estimate of
    the time left, with a note (e.g. the last point). Drawn on a terminal only, never with ``-q``; the
    display is gone when the study ends (its table follows)."""

    def __init__(self, label: str, quiet: bool, total: int | None = None):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.enabled = shows_progress(quiet)
        self._progress = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[note]}", markup=False),
            console=Console(file=sys.stderr, highlight=False),
            disable=not self.enabled,
            transient=True,
        )
        self._task = self._progress.add_task(label, total=total, note="")

    def update(self, done: int, total: int | None = None, note: str = "") -> None:
        self._progress.update(self._task, completed=done, total=total, note=note)

    def __enter__(self) -> StudyProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(None, None, None)
