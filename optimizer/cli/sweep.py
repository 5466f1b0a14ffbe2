"""``optimizer sweep`` and ``optimizer breakeven`` (see ``optimizer.sweep``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from optimizer.cli.common import (
    StudyProgress,
    finite_number,
    objective_option,
    out_console,
    print_table,
    solver_missing,
    study_options,
)
from optimizer.errors import InstanceError

SET_HELP = (
    "PATH=VALUES, repeatable. VALUES: lo:hi:n, a,b,c or one number; prefix x for factors of the "
    "base value. PATH: economics.electricity_usd_per_kwh, links.<id>.length_m, "
    "catalog.<id or glob>.cost_usd, limits.supply.<id>, ..."
)


def study_exit(statuses: list[str]) -> int:
    """Exit code of a study from its scenarios' statuses: 0 when any has a plan; else 2 when every one had
    an input error, 3 when every one is infeasible or unbounded, 4 otherwise (no plan within the limits,
    solver or worker errors, or no scenario at all)."""
    from optimizer.cli.common import EXIT_INFEASIBLE, EXIT_INPUT, EXIT_NO_SOLUTION, EXIT_OK

    if any(s in ("optimal", "feasible") for s in statuses):
        return EXIT_OK
    if statuses and all(s == "input_error" for s in statuses):
        return EXIT_INPUT
    if statuses and all(s in ("infeasible", "unbounded") for s in statuses):
        return EXIT_INFEASIBLE
    return EXIT_NO_SOLUTION


def _solve_options(time_limit: float, gap: float, threads: int, objective: str | None, solver: str = "highs") -> Any:
    from optimizer.core.solve import SolveOptions

    return SolveOptions(time_limit_s=time_limit, mip_rel_gap=gap, threads=threads, objective=objective, solver=solver)


def _solve_flags(fn: Any) -> Any:
    """The study options every study shares (``study_options``) and ``--objective``."""
    return study_options(objective_option(fn))


def _read_base(file: Path) -> tuple[dict[str, Any], Path, dict[str, Any]]:
    """(instance document, its folder, spec) for an instance file or a sweep spec file."""
    from optimizer.core.io import read_document
    from optimizer.core.load import load_instance
    from optimizer.studies.sweep import load_spec

    data, issues = read_document(file)
    if issues:
        raise InstanceError(issues)
    spec: dict[str, Any] = {}
    if isinstance(data, dict) and "parameters" in data and "schema_version" not in data:
        spec, folder = load_spec(file)
        file = folder / spec["instance"]
        data, issues = read_document(file)
        if issues:
            raise InstanceError(issues)
    load_instance(file)  # the base instance must be valid on its own
    assert isinstance(data, dict)
    return data, file.parent, spec


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUES", help=SET_HELP)
@click.option(
    "--sample",
    type=click.IntRange(min=1),
    default=None,
    help="Draw this many random scenarios instead of the full factorial design.",
)
@click.option("--seed", type=int, default=None, help="Seed of --sample [default: 0].")
@click.option("--track", multiple=True, metavar="GROUP", help="Link group whose chosen options get a column.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for results.jsonl, sweep.csv, sweep.png [default: sweep-<instance>].",
)
@click.option("--retry-failed", is_flag=True, help="Recompute scenarios recorded with status error.")
@click.option("--no-plot", is_flag=True, help="Do not draw sweep.png.")
@click.option(
    "--report", "html_report", is_flag=True, help="Also write report.html (one self-contained HTML page) there."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@_solve_flags
def sweep(
    file: Path,
    sets: tuple[str, ...],
    sample: int | None,
    seed: int | None,
    track: tuple[str, ...],
    out_dir: Path | None,
    retry_failed: bool,
    no_plot: bool,
    html_report: bool,
    quiet: bool,
    time_limit: float,
    gap: float,
    threads: int,
    solver: str,
    objective: str | None,
    workers: int | None,
    scheduler: str | None,
) -> int:
    """Solve an instance over a grid (or sample) of parameter values; write a tidy table and plots.

    FILE is an instance, or a sweep spec (YAML with instance, parameters, and optional sample,
    seed, track, solve). Finished scenarios are appended to OUT/results.jsonl as they finish; rerunning
    the same command resumes an interrupted sweep without recomputing them.
    """
    from optimizer.cli.common import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, report_issues
    from optimizer.studies.sweep import (
        SweepError,
        check_parameters,
        parameter,
        parse_parameter,
        run_sweep,
        write_sweep,
    )

    out = out_console()
    try:
        document, folder, spec = _read_base(file)
        params = [parameter(str(k), v) for k, v in (spec.get("parameters") or {}).items()]
        for text in sets:
            p = parse_parameter(text)
            params = [q for q in params if q.path != p.path] + [p]
    except InstanceError as exc:
        return report_issues(exc)
    except SweepError as exc:
        click.echo(f"{file}: {exc}", err=True)
        return EXIT_INPUT
    if not params:
        click.echo("no parameters: give --set PATH=VALUES or a spec file with parameters", err=True)
        return EXIT_INPUT
    solve_spec = spec.get("solve") or {}
    ctx = click.get_current_context()

    def pick(flag: str, key: str, value: Any) -> Any:  # a flag given on the command line beats the spec
        explicit = ctx.get_parameter_source(flag) != click.core.ParameterSource.DEFAULT
        return value if explicit or key not in solve_spec else solve_spec[key]

    chosen = pick("solver", "solver", solver)
    missing = solver_missing(chosen)
    if missing is not None:
        return missing
    options = _solve_options(
        pick("time_limit", "time_limit_s", time_limit),
        pick("gap", "mip_rel_gap", gap),
        pick("threads", "threads", threads),
        pick("objective", "objective", objective),
        chosen,
    )
    sample = sample if sample is not None else spec.get("sample")
    seed = seed if seed is not None else int(spec.get("seed", 0))
    groups = list(track) or list(spec.get("track") or [])
    try:  # every path resolves on the base instance and names a field: checked before any output or solve
        check_parameters(document, params, folder)
    except SweepError as exc:
        click.echo(f"{file}: {exc}", err=True)
        return EXIT_INPUT
    target = out_dir or Path(f"sweep-{document.get('name', 'instance')}")
    target.mkdir(parents=True, exist_ok=True)
    progress = StudyProgress("sweep", quiet)
    no_plan = {"n": 0}

    def on_row(row: dict[str, Any], done: int, failed: int, total: int) -> None:
        no_plan["n"] += row.get("status") in ("infeasible", "unbounded", "no_solution")
        progress.update(
            done,
            total=total,
            note=f"done {done - failed} ({no_plan['n']} without a plan), failed {failed}, remaining {total - done}",
        )

    try:
        with progress:
            result = run_sweep(
                document,
                params,
                base_dir=folder,
                options=options,
                sample=sample,
                seed=seed,
                results_file=target / "results.jsonl",
                workers=workers,
                scheduler=scheduler,
                track=groups,
                retry_failed=retry_failed,
                on_row=on_row,
            )
    except SweepError as exc:
        click.echo(f"{file}: {exc}", err=True)
        return EXIT_INPUT
    except KeyboardInterrupt:
        click.echo(
            f"interrupted: finished scenarios are kept in {target / 'results.jsonl'}; rerun the same command to resume",
            err=True,
        )
        return EXIT_INTERRUPTED
    written = write_sweep(result, target, plot=not no_plot)
    if html_report:
        from optimizer.report import write_report

        written.append(write_report(target))
    statuses = result.table["status"].value_counts().to_dict()
    out.print(
        f"{len(result.table)} scenarios over {', '.join(result.parameters)}: "
        + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
        + f" ({result.computed} run now, {result.reused} reused from results.jsonl)"
    )
    out.print("wrote " + ", ".join(str(p) for p in [target / "results.jsonl", *written]))
    code = study_exit([str(x) for x in result.table["status"]] if len(result.table) else [])
    if code != EXIT_OK:
        click.echo(f"no scenario has a plan (exit code {code})", err=True)
    return code


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--param", "path", required=True, help="Parameter path, e.g. catalog.cpo-*.cost_usd.")
@click.option(
    "--range",
    "value_range",
    required=True,
    metavar="LO:HI",
    help="Search range; prefix x for factors of the base value (x0.5:2).",
)
@click.option("--group", required=True, help="Link group whose optimal choice is watched.")
@click.option(
    "--scan",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Evenly spaced values solved first; each change between neighbours is bisected.",
)
@click.option(
    "--tol",
    type=click.FloatRange(min=0, min_open=True),
    callback=finite_number,
    default=None,
    help="Stop bisecting when the bracket is this narrow [default: 1e-3 x range].",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=VALUE",
    help="Fix another parameter first (one value; x prefix for a factor), repeatable.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Write breakeven.csv (every value solved) and breakeven.json (the flips) here.",
)
@click.option(
    "--report",
    "html_report",
    is_flag=True,
    help="Also write report.html (one self-contained HTML page) in --out [default: breakeven-<instance>].",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@_solve_flags
def breakeven(
    file: Path,
    path: str,
    value_range: str,
    group: str,
    scan: int,
    tol: float | None,
    sets: tuple[str, ...],
    out_dir: Path | None,
    html_report: bool,
    quiet: bool,
    time_limit: float,
    gap: float,
    threads: int,
    solver: str,
    objective: str | None,
    workers: int | None,
    scheduler: str | None,
) -> int:
    """Find the parameter value at which the optimal options of a link group change (bisection)."""
    from optimizer.cli.common import EXIT_INPUT, EXIT_OK, report_issues
    from optimizer.studies.sweep import SweepError, apply_overrides, parse_parameter
    from optimizer.studies.sweep import breakeven as run

    out = out_console()
    missing = solver_missing(solver)
    if missing is not None:
        return missing
    relative = value_range.strip()[:1] in ("x", "*")
    try:
        lo_s, hi_s = value_range.strip().lstrip("x*").split(":")
        low, high = float(lo_s), float(hi_s)
    except ValueError:
        click.echo(f"--range '{value_range}': expected LO:HI, e.g. 0.03:0.3 or x0.5:2", err=True)
        return EXIT_INPUT
    try:
        document, folder, _ = _read_base(file)
        for text in sets:
            fixed = parse_parameter(text)
            if len(fixed.values) != 1:
                raise SweepError(f"--set {text}: give one value to fix")
            document = apply_overrides(document, {fixed.path: fixed.values[0]}, {fixed.path: fixed.relative}, folder)
        progress = StudyProgress("breakeven", quiet, total=scan)

        def on_solve(done: int, expected: int) -> None:
            progress.update(done, total=expected, note=f"solves for {group} as {path} moves")

        with progress:
            result = run(
                document,
                path,
                low,
                high,
                group,
                relative=relative,
                base_dir=folder,
                options=_solve_options(time_limit, gap, threads, objective, solver),
                scan=scan,
                tol=tol,
                workers=workers,
                scheduler=scheduler,
                on_solve=on_solve,
            )
    except InstanceError as exc:
        return report_issues(exc)
    except SweepError as exc:
        click.echo(f"{file}: {exc}", err=True)
        return EXIT_INPUT
    unit = " (factor of the base value)" if relative else ""
    print_table(
        out,
        f"{group} as {path} moves{unit}: {result.solves} solves",
        [("value", "right"), ("status", "left"), ("objective", "right"), (f"options of {group}", "left")],
        [
            [f"{value:.6g}", status, "-" if objective_value is None else f"{objective_value:,.2f}", choice]
            for value, status, choice, objective_value in result.scan
        ],
    )
    if out_dir is None and html_report:
        out_dir = Path(f"breakeven-{document.get('name', 'instance')}")
    if out_dir is not None:
        written = _write_breakeven(result, out_dir)
        if html_report:
            from optimizer.report import write_report

            written.append(write_report(out_dir))
        out.print("wrote " + ", ".join(str(p) for p in written))
    code = study_exit([status for _, status, _, _ in result.scan])
    if code != EXIT_OK:
        click.echo(f"no plan at any scanned value of {path}, so no break-even (exit code {code})", err=True)
        return code
    if not result.flips:
        out.print(f"no change of {group}'s options between {low:g} and {high:g} at the scanned values", markup=False)
    for flip in result.flips:
        out.print(
            f"break-even: {path} = {flip.value:.6g}{unit} (between {flip.below:.6g} and {flip.above:.6g}): "
            f"{group} changes from [{flip.choice_below}] to [{flip.choice_above}]",
            markup=False,
        )
    return EXIT_OK


def _write_breakeven(result: Any, out_dir: Path) -> list[Path]:
    """breakeven.csv (value, status, objective, choice: one row per value solved) and breakeven.json (the
    parameter, the group and the flips with their brackets), each written whole or not at all."""
    import json

    import pandas as pd

    from optimizer.core.results import OutputError, write_atomic

    table = pd.DataFrame(result.scan, columns=["value", "status", "choice", "objective"])
    doc = {
        "parameter": result.parameter,
        "group": result.group,
        "relative": result.relative,
        "solves": result.solves,
        "flips": [
            {
                "value": f.value,
                "below": f.below,
                "above": f.above,
                "choice_below": f.choice_below,
                "choice_above": f.choice_above,
                "objective_below": f.objective_below,
                "objective_above": f.objective_above,
            }
            for f in result.flips
        ],
    }
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return [
            write_atomic(
                out_dir / "breakeven.csv", table[["value", "status", "objective", "choice"]].to_csv(index=False)
            ),
            write_atomic(out_dir / "breakeven.json", json.dumps(doc, indent=2) + "\n"),
        ]
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write the break-even's files: {exc.strerror or exc}") from exc
