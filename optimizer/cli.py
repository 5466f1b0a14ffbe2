"""Command line: ``optimizer validate | solve | schema | catalog``. The only module that prints.

Exit codes: 0 plan found (optimal or feasible), 1 internal error, 2 invalid input or usage,
3 infeasible or unbounded, 4 no solution within the limits (or solver error).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from optimizer.errors import InstanceError

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4
STATUS_EXIT = {"optimal": EXIT_OK, "feasible": EXIT_OK, "infeasible": EXIT_INFEASIBLE,
               "unbounded": EXIT_INFEASIBLE, "no_solution": EXIT_NO_SOLUTION, "error": EXIT_NO_SOLUTION}


def _out() -> Console:
    return Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160, highlight=False)


def _err() -> Console:
    return Console(file=sys.stderr, width=None if sys.stderr.isatty() else 160, highlight=False)


def _report_issues(exc: InstanceError) -> int:
    for issue in exc.issues:  # one unwrapped line per issue, for people and for grep
        click.echo(str(issue), err=True)
    click.echo(f"{len(exc.issues)} problem{'s' if len(exc.issues) != 1 else ''} found", err=True)
    return EXIT_INPUT


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="optimizer")
def cli() -> None:
    """Plan optics, port speeds and switch models of an AI cluster network (MILP, HiGHS).

    Exit codes: 0 plan found, 2 invalid input, 3 infeasible/unbounded, 4 no solution within the
    limits, 1 internal error.
    """


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
def validate(file: Path) -> int:
    """Check an instance file and report every problem at once (no solving)."""
    from optimizer.data import build_data
    from optimizer.load import load_instance

    try:
        instance = load_instance(file)
    except InstanceError as exc:
        return _report_issues(exc)
    data = build_data(instance)
    switch_groups = sum(1 for n in instance.nodes if n.kind == "switch")
    _out().print(
        f"{file}: valid: {len(instance.nodes)} node groups ({switch_groups} switch), {len(instance.links)} link "
        f"groups, {len(instance.paths)} paths, {len(instance.bandwidth)} bandwidth entries; "
        f"{data.n_cols} link options after filters ({data.pruned_options} dominated options dropped)"
    )
    return EXIT_OK


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
            self._console = Console(file=stream, force_terminal=self._tty, highlight=False,
                                    width=None if self._tty else 200)

    def update(self, event: Any) -> None:
        """Progress callback (runs in the solver thread)."""
        self.state = {"elapsed": event.elapsed_s, "incumbent": event.incumbent, "bound": event.bound,
                      "gap": event.gap, "nodes": event.nodes}

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


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--time-limit", "time_limit", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="Solver wall-clock limit in seconds.")
@click.option("--gap", type=click.FloatRange(min=0), default=1e-4, show_default=True,
              help="Relative MIP gap at which the plan counts as optimal.")
@click.option("--threads", type=click.IntRange(min=1), default=None, help="HiGHS threads [default: all cores].")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="HiGHS random seed.")
@click.option("--objective", type=click.Choice(["tco", "capex", "power", "weighted"]), default=None,
              help="Override the instance's objective.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Write plan.json, links.csv, nodes.csv, paths.csv, bom.csv here.")
@click.option("--json", "as_json", is_flag=True, help="Print plan.json to stdout instead of the summary.")
@click.option("--no-prune", is_flag=True, help="Keep dominated link options in the model.")
@click.option("--solver-log", is_flag=True, help="Show HiGHS's own log.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@click.option("--plot", is_flag=True, help="Draw plan.png: power and capex by tier and optics type (in --out or here).")
def solve(file: Path, time_limit: float, gap: float, threads: int | None, seed: int, objective: str | None,
          out_dir: Path | None, as_json: bool, no_prune: bool, solver_log: bool, quiet: bool, plot: bool) -> int:
    """Solve an instance and print (or write) the plan."""
    from optimizer.gcpause import paused_gc

    # One-shot command: no cyclic-GC passes over the (large, long-lived) instance, model and plan objects;
    # at 10^4 link groups they cost seconds (benchmarks/README.md). The process ends right after.
    with paused_gc():
        return _solve(file, time_limit, gap, threads, seed, objective, out_dir, as_json, no_prune, solver_log,
                      quiet, plot)


def _solve(file: Path, time_limit: float, gap: float, threads: int | None, seed: int, objective: str | None,
           out_dir: Path | None, as_json: bool, no_prune: bool, solver_log: bool, quiet: bool, plot: bool) -> int:
    from optimizer.load import load_instance
    from optimizer.pipeline import solve as run
    from optimizer.solve import SolveOptions

    load_start = time.perf_counter()
    try:
        instance = load_instance(file)
    except InstanceError as exc:
        return _report_issues(exc)
    load_s = time.perf_counter() - load_start
    view = _ProgressView(enabled=not quiet and not as_json)
    options = SolveOptions(time_limit_s=time_limit, mip_rel_gap=gap, threads=threads, seed=seed,
                           objective=objective, prune_dominated=not no_prune,
                           progress=view.update if view.enabled else None, solver_log=solver_log)
    with view:
        plan = run(instance, options)
    plan.solver["load_s"] = round(load_s, 4)
    emit_plan(plan, out_dir, as_json)
    if plot and plan.totals is not None:
        from optimizer.plots import plot_plan

        drawn = plot_plan(plan, instance.resolved_catalog, (out_dir or Path(".")) / "plan.png")
        click.echo(f"wrote {drawn}", err=as_json)
    elif plot:
        click.echo("no plan, so no plan.png", err=True)
    return STATUS_EXIT[str(plan.status)]


def emit_plan(plan: Any, out_dir: Path | None, as_json: bool) -> None:
    """Write the plan's files into ``out_dir`` (if given), then print plan.json or the summary."""
    if out_dir is not None:
        plan.write(out_dir)
    if as_json:
        click.echo(plan.to_json())
    else:
        _print_summary(plan, out_dir)


def _fmt(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


MAX_TABLE_ROWS = 40
"""Rows of the link and switch tables shown on the terminal (rendering 10^4 rows takes seconds)."""


def _more(out: Console, rows: int, csv: str, out_dir: Path | None) -> None:
    if rows > MAX_TABLE_ROWS:
        where = f"{out_dir}/{csv}" if out_dir is not None else f"{csv} (--out DIR) or --json"
        out.print(f"... {rows - MAX_TABLE_ROWS:,} more rows: see {where}")


def _print_summary(plan: Any, out_dir: Path | None) -> None:
    out = _out()
    s = plan.solver
    status_style = "green" if plan.status.has_solution else "red"
    out.print(Text.assemble(("status ", "bold"), (str(plan.status), f"bold {status_style}"),
                            f"   objective ({plan.objective_mode}) {_fmt(plan.objective)}   bound {_fmt(plan.bound)}"
                            f"   gap {'-' if plan.gap is None else f'{100 * plan.gap:.4f}%'}"))
    out.print(f"HiGHS {s['version']} ({s['highs_status']}): load {s.get('load_s', 0):.2f} s, "
              f"build {s['build_s']:.2f} s, solve {s['solve_s']:.2f} s, {s['variables']:,} variables, "
              f"{s['constraints']:,} constraints, {s['nodes']:,} B&B nodes, threads {s['threads']}")
    if plan.diagnostics:
        out.print(Text("why (pre-solve checks):", style="bold"))
        for reason in plan.diagnostics:
            out.print(Text(f"  - {reason}"))
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
        if "routing_capex_usd" in t:  # routed demands: network costs inside capex, and the flows
            out.print(f"network costs: installed {_fmt(t['installed_capex_usd'])}, setup {_fmt(t['setup_capex_usd'])}, "
                      f"routing {_fmt(t['routing_capex_usd'])} USD; "
                      f"{0 if plan.flows is None else len(plan.flows)} flow rows")
    if len(plan.links):
        table = Table(title="link groups", title_justify="left")
        for col in ("group", "option", "speed Gb/s", "count", "length m", "power W", "capex USD", "latency ns"):
            table.add_column(col, justify="left" if col in ("group", "option") else "right")
        for r in plan.links.head(MAX_TABLE_ROWS).itertuples():
            table.add_row(r.group, r.option, f"{r.speed_gbps:g}", f"{r.count:,}", f"{r.length_m:g}",
                          _fmt(r.power_w, 1), _fmt(r.capex_usd, 0), _fmt(r.latency_ns, 1))
        out.print(table)
        _more(out, len(plan.links), "links.csv", out_dir)
    if len(plan.nodes):
        table = Table(title="switch groups", title_justify="left")
        for col in ("group", "model", "count", "used Gb/s", "of Gb/s", "used ports", "of ports", "power W"):
            table.add_column(col, justify="left" if col in ("group", "model") else "right")
        for r in plan.nodes.head(MAX_TABLE_ROWS).itertuples():
            table.add_row(r.group, r.model, f"{r.count:,}", f"{r.used_gbps:,.0f}", f"{r.capacity_gbps:,.0f}",
                          f"{r.used_ports:,}", f"{r.ports:,}", _fmt(r.power_w, 1))
        out.print(table)
        _more(out, len(plan.nodes), "nodes.csv", out_dir)
    if len(plan.paths):
        table = Table(title="paths", title_justify="left")
        for col in ("path", "latency ns", "budget ns", "slack ns"):
            table.add_column(col, justify="left" if col == "path" else "right")
        for r in plan.paths.itertuples():
            table.add_row(r.id, _fmt(r.latency_ns, 1), _fmt(r.max_latency_ns, 1), _fmt(r.slack_ns, 1))
        out.print(table)
    if out_dir is not None:
        out.print(f"wrote {out_dir}/plan.json, links.csv, nodes.csv, paths.csv, bom.csv")


@cli.command()
@click.option("--out", "out_file", type=click.Path(path_type=Path), default=None, help="Write to this file.")
def schema(out_file: Path | None) -> int:
    """Print the JSON Schema of instance files (generated from the validation models)."""
    from optimizer.schema import Instance

    text = json.dumps(Instance.model_json_schema(), indent=2) + "\n"
    if out_file is None:
        click.echo(text, nl=False)
    else:
        out_file.write_text(text, encoding="utf-8")
    return EXIT_OK


@cli.command()
@click.option("--type", "section", type=click.Choice(["transceivers", "cables", "switches", "media"]),
              default=None, help="Only this section.")
@click.option("--speed", type=float, default=None, help="Only entries of this speed in Gb/s.")
@click.option("--file", "file", type=click.Path(path_type=Path), default=None,
              help="An instance or catalogue file whose catalogue to list (default: the built-in one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--check", is_flag=True, help="Only check provenance and physical sense of every entry.")
def catalog(section: str | None, speed: float | None, file: Path | None, as_json: bool, check: bool) -> int:
    """List the catalogue with figures, pJ/bit, confidence and sources."""
    from optimizer.catalog import SECTIONS, builtin_catalog, physical_issues, technology

    try:
        cat = builtin_catalog() if file is None else _catalog_of(file)
    except InstanceError as exc:
        return _report_issues(exc)
    if check:
        problems = physical_issues(cat, str(file) if file else "<builtin catalogue>")
        if problems:
            return _report_issues(InstanceError(problems))
        n = sum(len(getattr(cat, name)) for name in SECTIONS)
        click.echo(f"{n} entries: every one has a source and a confidence grade, and figures in physical range")
        return EXIT_OK
    rows: list[dict[str, Any]] = []
    for name in SECTIONS:
        if section and name != section:
            continue
        for entry in getattr(cat, name):
            row = {"section": name, **entry.model_dump(exclude_none=True)}
            entry_speed = row.get("speed_gbps")
            if speed is not None and entry_speed != speed:
                continue
            if name == "transceivers":
                row["technology"] = technology(entry)
                row["pj_per_bit"] = round(1000 * entry.power_w / entry.speed_gbps, 2)
            elif name == "cables":
                row["pj_per_bit"] = round(1000 * entry.power_w / 2 / entry.speed_gbps, 2)
            elif name == "switches":
                row["pj_per_bit"] = round(1000 * entry.power_w / entry.capacity_gbps, 2)
            rows.append(row)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return EXIT_OK
    table = Table(show_lines=False)
    for col in ("section", "id", "type", "speed", "power W", "pJ/bit", "cost USD", "reach m", "latency ns",
                "conf", "source"):
        table.add_column(col, overflow="fold")
    for r in rows:
        kind = r.get("kind") or ("/".join(r["forms"]) if "forms" in r else "")
        if "form" in r:
            kind = r["form"] if r["technology"] == r["form"] else f"{r['form']} {r['technology']}"
        spd = r.get("speed_gbps") or r.get("max_port_gbps")
        table.add_row(r["section"], r["id"], kind, "" if spd is None else f"{spd:g}",
                      "" if "power_w" not in r else f"{r['power_w']:g}", str(r.get("pj_per_bit", "")),
                      "" if "cost_usd" not in r else f"{r['cost_usd']:,.0f}", f"{r.get('reach_m', ''):}",
                      "" if "latency_ns" not in r else f"{r['latency_ns']:g}", r.get("confidence", ""),
                      r.get("source", ""))
    _out().print(table)
    return EXIT_OK


def _catalog_of(file: Path) -> Any:
    from pydantic import ValidationError

    from optimizer.io import read_document, validation_issues
    from optimizer.load import load_instance
    from optimizer.schema import Catalog

    data, issues = read_document(file)
    if issues:
        raise InstanceError(issues)
    if isinstance(data, dict) and "schema_version" in data:
        return load_instance(file).resolved_catalog
    from optimizer.catalog import apply_field_overrides, builtin_catalog, merge_catalogs

    data = apply_field_overrides(data)
    try:
        cat = Catalog.model_validate(data)
        return merge_catalogs(builtin_catalog(), cat) if cat.extends == "builtin" else cat
    except ValidationError as exc:
        raise InstanceError(validation_issues(exc, str(file), Catalog, data)) from None


# Commands defined in their own modules (optimizer/commands/) register here, one import and one
# add_command line each, so that work on separate commands does not collide in this file.
from optimizer.commands.generate import generate as _generate_command  # noqa: E402
from optimizer.commands.pareto import pareto as _pareto_command  # noqa: E402
from optimizer.commands.sndlib import import_group  # noqa: E402
from optimizer.commands.sweep import breakeven as _breakeven_command  # noqa: E402
from optimizer.commands.sweep import sweep as _sweep_command  # noqa: E402

cli.add_command(_generate_command)
cli.add_command(_pareto_command)
cli.add_command(_sweep_command)
cli.add_command(_breakeven_command)
cli.add_command(import_group)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code (for tests and embedding)."""
    debug = os.environ.get("OPTIMIZER_DEBUG") == "1"
    try:
        result = cli.main(args=argv, prog_name="optimizer", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_INPUT
    except click.exceptions.Abort:
        _err().print("aborted")
        return EXIT_INTERNAL
    except Exception as exc:
        if debug:
            raise
        _err().print(Text(f"internal error: {type(exc).__name__}: {exc} (set OPTIMIZER_DEBUG=1 for a traceback)"))
        return EXIT_INTERNAL
    return result if isinstance(result, int) else EXIT_OK


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
