"""``optimizer solve``: load, build, solve and report one instance, with live progress."""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.live import Live
from rich.text import Text

from optimizer.cli.common import (
    EXIT_INPUT,
    EXIT_OUTPUT,
    THREADS,
    check_out_dir,
    discard_outputs,
    emit_plan,
    finish_process,
    guarded_solve,
    report_issues,
    solver_missing,
    solver_option,
    stopped_while_loading,
    time_limit_option,
)
from optimizer.errors import InstanceError


class _ProgressView:
    """Live solver progress on the terminal (shown once the solve passes one second)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.state: dict[str, Any] = {}
        self.start = time.perf_counter()
        self._live: Live | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Pyomo's HiGHS interface redirects fds 1/2 while solving; write to a duplicate of stderr
        self._console: Console | None = None
        if enabled:
            try:
                stream = os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1)
            except (OSError, ValueError, AttributeError):
                self.enabled = False
                return
            self._tty = sys.stderr.isatty()
            self._console = Console(
                file=stream, force_terminal=self._tty, highlight=False, width=None if self._tty else 200
            )

    def update(self, event: Any) -> None:
        """Progress callback (runs in the solver thread)."""
        self.state = {
            "elapsed": event.elapsed_s,
            "incumbent": event.incumbent,
            "bound": event.bound,
            "gap": event.gap,
            "nodes": event.nodes,
        }

    def _line(self) -> Text:
        elapsed = time.perf_counter() - self.start
        s = self.state
        if not s:
            return Text(f"solving ... {elapsed:6.1f} s  (presolve / root LP)")
        inc = f"{s['incumbent']:,.2f}" if s["incumbent"] is not None else "none yet"
        bound = f"{s['bound']:,.2f}" if s["bound"] is not None else "-"
        gap = f"{100 * s['gap']:.3f}%" if s["gap"] is not None else "-"
        return Text(f"solving ... {elapsed:6.1f} s  incumbent {inc}  bound {bound}  gap {gap}  nodes {s['nodes']:,}")

    def __enter__(self) -> _ProgressView:
        if self.enabled:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        if self._stop.wait(1.0) or self._console is None:
            return
        if self._tty:
            with Live(self._line(), console=self._console, transient=True, refresh_per_second=4) as live:
                while not self._stop.wait(0.25):
                    live.update(self._line())
        else:
            while True:
                self._console.print(self._line())
                if self._stop.wait(5.0):
                    return

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)


def _one_shot(command: Callable[..., int]) -> Callable[..., int]:
    """Run a one-shot command with the cyclic GC paused: no collection passes over the (large, long-lived)
    instance, model and plan objects, which at 10^4 link groups cost seconds (benchmarks/README.md). The
    process ends right after, so the survivors are frozen rather than walked once more when the collector
    is re-enabled."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> int:
        from optimizer.core.gcpause import paused_gc

        with paused_gc(freeze=True):
            return command(*args, **kwargs)

    return run


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@time_limit_option(
    "Wall-clock limit of the whole run in seconds (loading and building count; ends within 5 s past it). "
    "Ctrl-C or SIGTERM stops the solve and keeps the best plan found; a second one aborts."
)
@click.option(
    "--gap",
    type=click.FloatRange(min=0),
    default=1e-4,
    show_default=True,
    help="Relative MIP gap at which the plan counts as optimal.",
)
@click.option("--threads", type=THREADS, default=None, help="Solver threads [default: all cores].")
@solver_option
@click.option(
    "--seed", type=click.IntRange(min=0, max=2**31 - 1), default=0, show_default=True, help="HiGHS random seed."
)
@click.option(
    "--objective",
    type=click.Choice(["tco", "capex", "power", "weighted"]),
    default=None,
    help="Override the instance's objective.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Write plan.json, links.csv, nodes.csv, paths.csv, bom.csv here.",
)
@click.option("--json", "as_json", is_flag=True, help="Print plan.json to stdout instead of the summary.")
@click.option("--no-prune", is_flag=True, help="Keep dominated link options in the model.")
@click.option("--solver-log", is_flag=True, help="Show the solver's own log.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@click.option("--plot", is_flag=True, help="Draw plan.png: power and capex by tier and optics type (in --out or here).")
@_one_shot
def solve(
    file: Path,
    time_limit: float,
    gap: float,
    threads: int | None,
    solver: str,
    seed: int,
    objective: str | None,
    out_dir: Path | None,
    as_json: bool,
    no_prune: bool,
    solver_log: bool,
    quiet: bool,
    plot: bool,
) -> int:
    """Solve an instance and print (or write) the plan."""
    started = time.monotonic()
    finishing: list[bool] = []
    try:
        from optimizer.core.load import load_instance
        from optimizer.core.solve import SolveOptions

        missing = solver_missing(solver)
        if missing is not None:
            return missing
        problem = check_out_dir(out_dir)
        if problem is not None:
            click.echo(problem, err=True)
            return EXIT_INPUT
        view = _ProgressView(enabled=not quiet and not as_json)
        options = SolveOptions(
            time_limit_s=time_limit,
            mip_rel_gap=gap,
            threads=threads,
            seed=seed,
            objective=objective,
            prune_dominated=not no_prune,
            progress=view.update if view.enabled else None,
            solver_log=solver_log,
            solver=solver,
        )
        load_s: list[float] = []

        def load() -> Any:
            instance = load_instance(file)
            load_s.append(time.monotonic() - started)
            return instance

        def finish(instance: Any, plan: Any) -> int:
            finishing.append(True)
            view.__exit__()  # the progress display ends with the solve, before the summary
            plan.solver["load_s"] = round(load_s[0], 4) if load_s else None
            code = emit_plan(plan, out_dir, as_json)
            if plot and plan.totals is not None and code != EXIT_OUTPUT:
                from optimizer.plots import plot_plan

                drawn = plot_plan(plan, instance.resolved_catalog, (out_dir or Path(".")) / "plan.png")
                click.echo(f"wrote {drawn}", err=as_json)
            elif plot and plan.totals is None:
                click.echo("no plan, so no plan.png", err=True)
            return code

        try:
            with view:
                code = guarded_solve(load, options, started, finish, out_dir=out_dir)
        except InstanceError as exc:
            discard_outputs(out_dir)
            return report_issues(exc)
    except KeyboardInterrupt:
        if finishing:  # after the solve (the plan is being written or printed): an interruption
            raise
        # Ctrl-C before the run's stop handling is armed (imports, checking --out): the same stop as a
        # Ctrl-C while loading, so the first moments of a run end as the rest of its loading does
        return stopped_while_loading("SIGINT received", out_dir)
    return finish_process(code)
