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
    from optimizer.core.results import OutputError, remove_outputs

    with contextlib.suppress(OutputError):
        remove_outputs(out_dir)


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
    """Load (``load()``), solve and ``finish(instance, plan)`` (write and print) under a ``StopGuard`` whose
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


def out_console() -> Console:
    return Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160, highlight=False)


def err_console() -> Console:
    return Console(file=sys.stderr, width=None if sys.stderr.isatty() else 160, highlight=False)


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


def emit_plan(plan: Any, out_dir: Path | None, as_json: bool) -> int:
    """Write the plan's files into ``out_dir`` (if given), then print plan.json or the summary.

    Returns the exit code: the plan status's, or ``EXIT_OUTPUT`` when the files cannot be written.
    """
    from optimizer.core.results import OutputError

    if out_dir is not None:
        try:
            plan.write(out_dir, remove=("plan.png",))  # an earlier run's drawing (--plot draws it again)
        except OutputError as exc:
            click.echo(f"cannot write the plan: {exc}", err=True)
            return EXIT_OUTPUT
    if as_json:
        click.echo(plan.to_json())
    else:
        print_summary(plan, out_dir)
    return STATUS_EXIT[str(plan.status)]


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


def print_summary(plan: Any, out_dir: Path | None) -> None:
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
        table = Table(title=f"what would make a plan possible: {s.get('relaxation_note', '')}", title_justify="left")
        for col in ("limit", "id", "now", "needed", "change"):
            table.add_column(col, justify="left" if col in ("limit", "id", "change") else "right")
        for r in plan.relaxations[:MAX_TABLE_ROWS]:
            table.add_row(r.limit, r.id or "-", f"{r.current:,.6g} {r.unit}", f"{r.needed:,.6g} {r.unit}", r.text)
        out.print(table)
        if len(plan.relaxations) > MAX_TABLE_ROWS:
            where = f"{out_dir}/plan.json" if out_dir is not None else "plan.json (--out DIR or --json)"
            out.print(f"... {len(plan.relaxations) - MAX_TABLE_ROWS:,} more relaxations: see {where}")
    if plan.totals is not None:
        t = plan.totals
        table = Table(title="totals", title_justify="left", show_header=True)
        for col in ("", "power W", "capex USD"):
            table.add_column(col, justify="right" if col else "left")
        table.add_row("optics", _fmt(t["optics_power_w"], 1), _fmt(t["optics_capex_usd"], 0))
        table.add_row("switches", _fmt(t["switch_power_w"], 1), _fmt(t["switch_capex_usd"], 0))
        table.add_row("total", _fmt(t["power_w"], 1), _fmt(t["capex_usd"], 0), style="bold")
        out.print(table)
        out.print(f"energy {_fmt(t['energy_usd'], 0)} USD over the horizon; TCO {_fmt(t['tco_usd'], 0)} USD")
        if "gpus_displaced" in t:  # site extension: the GPU capacity the network's power displaces
            out.print(
                f"site: the network displaces {_fmt(t['gpus_displaced'], 2)} GPUs, worth "
                f"{_fmt(t['gpus_displaced_usd'], 0)} USD over the horizon (in the TCO)"
            )
        if "routing_capex_usd" in t:  # routed demands: network costs inside capex, and the flows
            out.print(
                f"network costs: installed {_fmt(t['installed_capex_usd'])}, setup {_fmt(t['setup_capex_usd'])}, "
                f"routing {_fmt(t['routing_capex_usd'])} USD; "
                f"{0 if plan.flows is None else len(plan.flows)} flow rows"
            )
    if len(plan.links):
        table = Table(title="link groups", title_justify="left")
        for col in ("group", "option", "speed Gb/s", "count", "length m", "power W", "capex USD", "latency ns"):
            table.add_column(col, justify="left" if col in ("group", "option") else "right")
        for r in plan.links.head(MAX_TABLE_ROWS).itertuples():
            table.add_row(
                r.group,
                r.option,
                f"{r.speed_gbps:g}",
                f"{r.count:,}",
                f"{r.length_m:g}",
                _fmt(r.power_w, 1),
                _fmt(r.capex_usd, 0),
                _fmt(r.latency_ns, 1),
            )
        out.print(table)
        _more(out, len(plan.links), "links.csv", out_dir)
    if len(plan.nodes):
        table = Table(title="switch groups", title_justify="left")
        for col in ("group", "model", "count", "used Gb/s", "of Gb/s", "used ports", "of ports", "power W"):
            table.add_column(col, justify="left" if col in ("group", "model") else "right")
        for r in plan.nodes.head(MAX_TABLE_ROWS).itertuples():
            table.add_row(
                r.group,
                r.model,
                f"{r.count:,}",
                f"{r.used_gbps:,.0f}",
                f"{r.capacity_gbps:,.0f}",
                f"{r.used_ports:,}",
                f"{r.ports:,}",
                _fmt(r.power_w, 1),
            )
        out.print(table)
        _more(out, len(plan.nodes), "nodes.csv", out_dir)
    if len(plan.paths):
        table = Table(title="paths", title_justify="left")
        for col in ("path", "latency ns", "budget ns", "slack ns"):
            table.add_column(col, justify="left" if col == "path" else "right")
        for r in plan.paths.head(MAX_TABLE_ROWS).itertuples():
            table.add_row(r.id, _fmt(r.latency_ns, 1), _fmt(r.max_latency_ns, 1), _fmt(r.slack_ns, 1))
        out.print(table)
        _more(out, len(plan.paths), "paths.csv", out_dir)
    if getattr(plan, "reliability", None) is not None:
        _print_reliability(out, plan.reliability, out_dir)
    if out_dir is not None:
        extra = ", reliability.csv" if getattr(plan, "reliability", None) is not None else ""
        extra += ", flows.csv" if plan.flows is not None else ""
        out.print(f"wrote {out_dir}/plan.json, links.csv, nodes.csv, paths.csv, bom.csv{extra}")


def _print_reliability(out: Console, rel: dict[str, Any], out_dir: Path | None) -> None:
    """Reliability extension: expected failures and interruptions by technology, downtime, spares."""
    out.print(
        f"reliability: {rel['failures_per_year']:,.1f} failures/year ({rel['links_down_per_year']:,.1f} links down), "
        f"{rel['interruptions_per_day']:.4g} job interruptions/day, availability {100 * rel['availability']:.4f}%, "
        f"downtime {_fmt(rel['downtime_usd'], 0)} USD over the horizon, spares {_fmt(rel['spares_capex_usd'], 0)} USD "
        f"at their need ({_fmt(rel['spares_stock_capex_usd'], 0)} USD stocked whole)"
    )
    table = Table(title="reliability by technology", title_justify="left")
    for col in ("technology", "failures/yr", "links down/yr", "interruptions/day", "downtime USD"):
        table.add_column(col, justify="left" if col == "technology" else "right")
    for r in rel["by_technology"]:
        table.add_row(
            r["technology"],
            f"{r['failures_per_year']:,.2f}",
            f"{r['links_down_per_year']:,.2f}",
            f"{r['interruptions_per_day']:.4g}",
            _fmt(r["downtime_usd"], 0),
        )
    out.print(table)
    table = Table(title="spares (per failure mode)", title_justify="left")
    for col in ("mode", "repair", "failures in lead time", "need", "stocked", "capex USD", "stock USD", "service"):
        table.add_column(col, justify="left" if col in ("mode", "repair") else "right")
    for r in rel["spares"][:MAX_TABLE_ROWS]:
        table.add_row(
            r["mode"] if r.get("length_m") is None else f"{r['mode']} ({r['length_m']:g} m)",
            r["repair"],
            f"{r['failures_in_lead_time']:.3f}",
            f"{r['spares_needed']:.3f}",
            f"{r['spares']:,}",
            _fmt(r["capex_usd"], 0),
            _fmt(r["stock_capex_usd"], 0),
            f"{100 * r['service_level']:.2f}%",
        )
    out.print(table)
    domains = {(d["item"], d["mode"]): d for d in rel["cpo_failure_domains"]}
    for d in domains.values():
        out.print(
            f"CPO failure domain: {d['mode']}: {d['ports_lost']} ports lost, {d['repair']} repair of "
            f"{d['mttr_h']:g} h with {d['ports_down_in_repair']} ports down"
        )
    _more(out, len(rel["rows"]), "reliability.csv", out_dir)
