"""``optimizer robust``: one plan for several price scenarios (see ``optimizer.studies.robust``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from optimizer.cli.common import err_console, objective_option, out_console, solver_missing, study_options
from optimizer.errors import InstanceError

MAX_CHANGES = 20
"""Most changed groups (robust plan against the base plan) the summary lists."""


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--scenarios",
    "scenarios_path",
    type=click.Path(path_type=Path),
    required=True,
    help="YAML/JSON list of scenarios, each {path: value} in the sweep path language "
    "(catalog.cpo-*.cost_usd: 1500, economics.electricity_usd_per_kwh: 0.12, x1.2 for a factor), "
    "optionally with name and probability.",
)
@click.option(
    "--criterion",
    type=click.Choice(["regret", "worst", "expected"]),
    default="regret",
    show_default=True,
    help="Minimise the maximum regret, the worst-case cost, or the expected cost over the scenarios.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the robust plan's files, robust.csv, robust.json and base-plan/ [default: robust-<instance>].",
)
@study_options
@objective_option
@click.option("--json", "as_json", is_flag=True, help="Print robust.json (summary and checks) instead of tables.")
@click.option("-q", "--quiet", is_flag=True, help="No line per scenario while they are solved.")
def robust(
    file: Path,
    scenarios_path: Path,
    criterion: str,
    out_dir: Path | None,
    time_limit: float,
    gap: float,
    threads: int,
    objective: str | None,
    solver: str,
    workers: int | None,
    scheduler: str | None,
    as_json: bool,
    quiet: bool,
) -> int:
    """One plan for every price scenario: the minimum of the maximum regret (or worst-case, or expected cost).

    Each scenario is solved alone first (its optimum); the robust MILP keeps one copy of the model's rows
    and one cost vector per scenario, so a scenario may change prices, power and failure figures but not
    demands, counts, caps or availability (such a scenario is refused). Writes the robust plan, a table of
    each scenario's costs and regrets for the robust plan and the base plan (robust.csv), and the summary.
    """
    from rich.table import Table

    from optimizer.cli.common import (
        EXIT_INPUT,
        EXIT_INTERNAL,
        EXIT_OUTPUT,
        STATUS_EXIT,
        check_out_dir,
        discard_outputs,
        report_issues,
    )
    from optimizer.core.results import OutputError
    from optimizer.core.solve import SolveOptions
    from optimizer.studies.robust import UNIT, read_scenarios, robust_plan

    missing = solver_missing(solver)
    if missing is not None:
        return missing
    out, err = out_console(), err_console()

    def on_scenario(name: str, row: dict[str, Any]) -> None:
        if not quiet and not as_json:
            value = row.get("objective")
            err.print(f"{name}: {row.get('status')}" + ("" if value is None else f" {value:,.2f}"))

    target = out_dir if out_dir is not None else Path(f"robust-{file.stem}")
    problem = check_out_dir(target)
    if problem is not None:
        click.echo(problem, err=True)
        return EXIT_INPUT
    try:
        scenarios = read_scenarios(scenarios_path)
        result = robust_plan(
            file,
            scenarios,
            SolveOptions(time_limit_s=time_limit, mip_rel_gap=gap, threads=threads, objective=objective, solver=solver),
            criterion,
            workers=workers,
            scheduler=scheduler,
            on_scenario=on_scenario,
            scenarios_file=str(scenarios_path),
        )
    except InstanceError as exc:
        return report_issues(exc)
    except ValueError as exc:
        click.echo(f"robust: {exc}", err=True)
        return EXIT_INPUT
    if not result.has_plan:
        discard_outputs(target)  # no earlier run's plan may look like this run's
    try:
        written = result.write(target)
    except OutputError as exc:
        click.echo(f"cannot write the robust plan: {exc}", err=True)
        return EXIT_OUTPUT
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, allow_nan=False))
    elif result.has_plan:
        unit = UNIT[result.objective_mode]
        suffix = f"_{unit}"
        table = Table(
            title=f"{len(result.table)} scenarios, criterion {criterion} ({result.objective_mode}, {unit})",
            title_justify="left",
        )
        for col in ("scenario", "optimum", "robust", "robust regret", "base", "base regret"):
            table.add_column(col, justify="left" if col == "scenario" else "right")
        for r in result.table.to_dict("records"):
            table.add_row(
                str(r["scenario"]),
                *(f"{r[key + suffix]:,.2f}" for key in ("optimum", "robust", "robust_regret", "base", "base_regret")),
            )
        out.print(table)
        s = result.summary
        for label, key in (("worst regret", "worst_regret"), ("worst case", "worst"), ("expected", "expected")):
            robust_value, base_value = s[f"{key}{suffix}"], s[f"base_{key}{suffix}"]
            out.print(f"{label + ':':13} robust plan {robust_value:,.2f}, base plan {base_value:,.2f}")
        changes = s.get("changes", [])
        for change in changes[:MAX_CHANGES]:
            out.print(f"{change['group']}: base {change['base'] or '-'} -> robust {change['robust'] or '-'}")
        if len(changes) > MAX_CHANGES:
            out.print(f"... and {len(changes) - MAX_CHANGES} more changed groups (robust.json has them all)")
        same = " (the same decisions as the base plan)" if s.get("same_as_base") else ""
        out.print(f"status {result.status}{same}; verified: {'yes' if result.verified else 'NO'}")
        out.print("wrote " + ", ".join(str(p) for p in written[:3]) + (", ..." if len(written) > 3 else ""))
    if result.message:
        click.echo(f"robust: {result.message}", err=True)
    if not result.has_plan:
        return STATUS_EXIT.get(result.status, STATUS_EXIT["error"])
    if not result.verified:
        for line in (result.violations + result.mismatches)[:10]:
            click.echo(f"robust: check failed: {line}", err=True)
        return EXIT_INTERNAL
    return STATUS_EXIT[result.status]
