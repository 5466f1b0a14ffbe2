"""``optimizer pareto FILE``: the capex-versus-power Pareto front (see ``optimizer.pareto``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from optimizer.cli.common import (
    StudyProgress,
    out_console,
    print_table,
    solver_missing,
    study_options,
)
from optimizer.errors import InstanceError


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--points",
    type=click.IntRange(min=2),
    default=10,
    show_default=True,
    help="Non-dominated points wanted between the min-power and min-capex plans.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Write pareto.csv, pareto.json and pareto.png here [default: pareto-<instance>].",
)
@study_options
@click.option(
    "--max-solves",
    type=click.IntRange(min=2),
    default=None,
    help="Budget of point solves (each 1-2 MILPs) [default: 3 x points].",
)
@click.option("--plans", is_flag=True, help="Also write every point's plan.json under plans/.")
@click.option(
    "--lexicographic",
    is_flag=True,
    help="Solve interior points in two stages (capex, then power) instead of one AUGMECON solve.",
)
@click.option(
    "--against",
    type=click.Choice(["power", "interruptions"]),
    default="power",
    show_default=True,
    help="Trade capex against power, or against expected job interruptions per day (needs a reliability section).",
)
@click.option("--no-plot", is_flag=True, help="Do not draw pareto.png.")
@click.option(
    "--report", "html_report", is_flag=True, help="Also write report.html (one self-contained HTML page) there."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
def pareto(
    file: Path,
    points: int,
    out_dir: Path | None,
    time_limit: float,
    gap: float,
    threads: int,
    solver: str,
    workers: int | None,
    scheduler: str | None,
    max_solves: int | None,
    plans: bool,
    lexicographic: bool,
    against: str,
    no_plot: bool,
    html_report: bool,
    quiet: bool,
) -> int:
    """Capex-versus-power (or versus expected interruptions) Pareto front by the epsilon-constraint method.

    Minimises capex (plus a tie-breaking sliver of power) subject to power <= eps, eps stepping from
    the lexicographic min-power plan to the lexicographic min-capex plan; writes the non-dominated
    points with their status, gap and optics mix, and a labelled plot.
    """
    from optimizer.cli.common import EXIT_INFEASIBLE, EXIT_NO_SOLUTION, EXIT_OK, report_issues
    from optimizer.core.load import load_instance
    from optimizer.core.solve import SolveOptions
    from optimizer.studies.pareto import pareto as run

    missing = solver_missing(solver)
    if missing is not None:
        return missing
    try:
        instance = load_instance(file)
    except InstanceError as exc:
        return report_issues(exc)
    if against == "interruptions" and instance.reliability is None:
        from optimizer.errors import Issue

        return report_issues(
            InstanceError([Issue(str(file), "reliability", "--against interruptions needs a reliability section")])
        )
    key = "power_w" if against == "power" else "interruptions_per_day"
    out = out_console()
    options = SolveOptions(time_limit_s=time_limit, mip_rel_gap=gap, threads=threads, solver=solver)
    seen = {"n": 0, "failed": 0}
    budget = max_solves if max_solves is not None else 3 * points
    expected = min(budget, points + 2)  # the two end points and the points wanted; more when some are dominated
    progress = StudyProgress("pareto", quiet, total=expected)

    def on_point(row: dict[str, Any]) -> None:
        seen["n"] += 1
        seen["failed"] += row.get("status") not in ("optimal", "feasible")
        power = row.get(key)
        what = "-" if power is None else f"{key} {power:,.4g}, capex {row['capex_usd']:,.0f} USD"
        total = expected if seen["n"] < expected else min(budget, seen["n"] + 1)
        progress.update(seen["n"], total=total, note=f"{row.get('mode')} {row.get('status')}: {what}")

    with progress:
        front = run(
            instance,
            points,
            options,
            workers=workers,
            scheduler=scheduler,
            max_solves=max_solves,
            keep_plans=plans,
            lexicographic=lexicographic,
            on_point=on_point,
            against=against,
        )
    target = out_dir or Path(f"pareto-{instance.name}")
    written = front.write(target, plot=not no_plot)
    metric = "power W" if against == "power" else "interruptions/day"
    rows = []
    for k, p in enumerate(front.points):
        gaps = [g for g in (p.get("gap"), p.get("power_gap")) if g is not None]
        status = (
            p["status"]
            if p.get("power_status") in (None, "optimal")
            else f"{p['status']} (power stage: {p['power_status']})"
        )
        rows.append(
            [
                str(k),
                status,
                f"{100 * max(gaps):.3f}%" if gaps else "-",
                f"{p['power_w']:,.0f}" if against == "power" else f"{p['interruptions_per_day']:.4f}",
                f"{p['capex_usd']:,.0f}",
                f"{p['tco_usd']:,.0f}",
                p["mix"],
            ]
        )
    print_table(
        out,
        f"{instance.name}: {len(front.points)} non-dominated points from {front.solves} point "
        f"solves, {front.solver_runs} solver runs ({front.skipped} caps proven without a solve, "
        f"{len(front.removed)} dominated/duplicate removed, {len(front.failed)} failed)",
        [
            ("#", "right"),
            ("status", "left"),
            ("gap", "right"),
            (metric, "right"),
            ("capex USD", "right"),
            ("TCO USD", "right"),
            ("optics mix (share of link ends)", "left"),
        ],
        rows,
    )
    for f in front.failed:
        out.print(f"failed: {f.get('mode')} eps {f.get('eps_' + key)}: {f.get('status')} {f.get('message', '')}")
    if html_report:
        from optimizer.report import write_report

        written.append(write_report(target))
    out.print("wrote " + ", ".join(str(p) for p in written if p.parent == target))
    if not front.points:
        statuses = [str(f.get("status")) for f in front.failed]
        if statuses and all(s in ("infeasible", "unbounded") for s in statuses):
            click.echo("no plan: the instance is infeasible", err=True)
            return EXIT_INFEASIBLE
        return EXIT_NO_SOLUTION
    return EXIT_OK
