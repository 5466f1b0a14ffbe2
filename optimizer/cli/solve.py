"""``optimizer solve``: load, build, solve and report one instance, with live progress."""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
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
    objective_option,
    report_issues,
    shows_progress,
    solver_missing,
    solver_option,
    stopped_while_loading,
    time_limit_option,
)
from optimizer.errors import InstanceError

if TYPE_CHECKING:
    from rich.live import Live

STAGES = {
    "idle": "loading the instance",
    "data": "deriving the model data",
    "build": "building the model",
    "solve": "solving",
    "explain": "explaining why no plan exists",
    "extract": "extracting the plan",
}
"""What the progress line says in each stage of ``optimizer.core.pipeline`` (``idle``: before it starts)."""


class _ProgressView:
    """Live progress on the terminal: the stage (loading, deriving the data, building, solving) with its
    elapsed time, then the solver's incumbent, bound and gap. Drawn on a terminal only (never into a file or
    a pipe), from half a second into the run."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.state: dict[str, Any] = {}
        self.start = time.perf_counter()
        self._stage = ("idle", self.start)
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
            self._console = Console(file=stream, force_terminal=True, highlight=False)

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
        from optimizer.core.pipeline import current_stage

        now = time.perf_counter()
        elapsed = now - self.start
        stage = current_stage()
        if stage != self._stage[0]:
            self._stage = (stage, now)
        in_stage = now - self._stage[1]
        s = self.state
        if stage == "solve" and s:
            inc = f"{s['incumbent']:,.2f}" if s["incumbent"] is not None else "none yet"
            bound = f"{s['bound']:,.2f}" if s["bound"] is not None else "-"
            gap = f"{100 * s['gap']:.3f}%" if s["gap"] is not None else "-"
            return Text(
                f"solving ... {elapsed:6.1f} s  incumbent {inc}  bound {bound}  gap {gap}  nodes {s['nodes']:,}"
            )
        what = STAGES.get(stage, stage) + (" (presolve / root LP)" if stage == "solve" else "")
        return Text(f"{what} ... {in_stage:5.1f} s  (run {elapsed:6.1f} s)")

    def __enter__(self) -> _ProgressView:
        if self.enabled:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        if self._stop.wait(0.5) or self._console is None:
            return
        from rich.live import Live  # only a run on a terminal that lasts draws the display

        with Live(self._line(), console=self._console, transient=True, refresh_per_second=4) as live:
            while not self._stop.wait(0.25):
                live.update(self._line())

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


def _drivers(file: Path, plan: Any, gap: float, objective: str | None, time_limit: float) -> list[dict[str, Any]]:
    """The plan's decision drivers (``optimizer.studies.drivers``): solves in this process, one thread each."""
    from optimizer.core.io import read_document
    from optimizer.core.solve import SolveOptions
    from optimizer.studies.drivers import plan_drivers

    document, issues = read_document(file)
    if issues or not isinstance(document, dict):
        raise InstanceError(issues)
    options = SolveOptions(time_limit_s=time_limit, mip_rel_gap=gap, threads=1, objective=objective)
    result = plan_drivers(document, base_dir=file.parent, options=options, plan=plan, workers=1)
    return [d.to_dict() for d in result.drivers]


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
@objective_option
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
@click.option(
    "--plot",
    is_flag=True,
    help="Draw plan.png: power and capex by tier and optics type (a roadmap: roadmap.png, the technology mix "
    "and spend per period) in --out or here.",
)
@click.option(
    "--report",
    "html_report",
    is_flag=True,
    help="Write report.html: the plan as one self-contained HTML page (in --out or here).",
)
@click.option(
    "--drivers",
    is_flag=True,
    help="Also find the decision drivers: the uncertain figures (within their ranges) that flip a group's "
    "choice, with break-even values (plan.json drivers, drivers.csv, summary).",
)
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
    html_report: bool,
    drivers: bool,
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
        view = _ProgressView(enabled=shows_progress(quiet) and not as_json)
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
            if drivers and not hasattr(plan, "plans") and plan.totals is not None:
                plan.drivers = _drivers(file, plan, gap, objective, time_limit)
            code = emit_plan(plan, out_dir, as_json, instance.resolved_catalog)
            if hasattr(plan, "plans"):  # a roadmap: the technology mix and spend per period
                if plot and plan.periods and code != EXIT_OUTPUT:
                    from optimizer.plots import plot_roadmap

                    plot_roadmap(plan, drawn := (out_dir or Path(".")) / "roadmap.png")
                    click.echo(f"wrote {drawn}", err=as_json)
                elif plot:
                    click.echo("no roadmap, so no roadmap.png", err=True)
                return code
            if plot and plan.totals is not None and code != EXIT_OUTPUT:
                from optimizer.plots import plot_plan

                plot_plan(plan, instance.resolved_catalog, drawn := (out_dir or Path(".")) / "plan.png")
                click.echo(f"wrote {drawn}", err=as_json)
            elif plot and plan.totals is None:
                click.echo("no plan, so no plan.png", err=True)
            if html_report and code != EXIT_OUTPUT:
                from optimizer.report import write_plan_report

                target = (out_dir or Path(".")) / "report.html"
                click.echo(
                    f"wrote {write_plan_report(plan.to_dict(), target, catalog=instance.resolved_catalog)}", err=as_json
                )
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
