"""``optimizer import sndlib``: convert an SNDlib problem (network + model file) to an instance file,
and optionally solve it right away (``--solve``)."""

from __future__ import annotations

from pathlib import Path

import click

from optimizer.cli.common import THREADS, solver_missing, solver_option, time_limit_option
from optimizer.errors import InstanceError


@click.group(name="import")
def import_group() -> None:
    """Convert instances from other formats."""


@import_group.command(name="sndlib")
@click.argument("network", type=click.Path(path_type=Path), required=False)
@click.argument("model", type=click.Path(path_type=Path), required=False)
@click.option(
    "--problem",
    default=None,
    help="A problem name such as polska--D-B-M-N-C-A-N-N, read from the SNDlib folder (--data-dir, else "
    "$SNDLIB_DIR, else the subset in the repository's instances/sndlib) instead of NETWORK MODEL.",
)
@click.option(
    "--data-dir",
    "data_folder",
    type=click.Path(path_type=Path),
    default=None,
    help="SNDlib native-format folder (<network>/<network>.txt, <network>/models/<MODEL>.txt) for --problem.",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the instance here (JSON for a .json name, else YAML).",
)
@click.option("--solve", "do_solve", is_flag=True, help="Solve the problem after converting it.")
@time_limit_option("Solve: wall-clock limit in seconds (Ctrl-C/SIGTERM keep the best plan found).")
@click.option("--gap", type=click.FloatRange(min=0), default=1e-4, show_default=True, help="Solve: relative MIP gap.")
@click.option("--threads", type=THREADS, default=None, help="Solve: solver threads.")
@solver_option
@click.option(
    "--plain", is_flag=True, help="Solve: plain arc-flow formulation (no cut-set/symmetry rows, no warm start)."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Solve: write plan.json, links.csv, flows.csv, ... into this directory.",
)
@click.option("--json", "as_json", is_flag=True, help="Solve: print plan.json instead of the summary.")
def sndlib_command(
    network: Path | None,
    model: Path | None,
    problem: str | None,
    data_folder: Path | None,
    output: Path | None,
    do_solve: bool,
    time_limit: float,
    gap: float,
    threads: int | None,
    solver: str,
    plain: bool,
    out_dir: Path | None,
    as_json: bool,
) -> int:
    """Convert an SNDlib NETWORK.txt + MODEL.txt pair (or --problem NAME) to an instance; --solve solves it.

    Objective values include SNDlib's constant pre-installed capacity cost (MIPLIB convention); routing
    cost on bidirected links is cost x the larger of the two directional flows (SNDlib convention).
    """
    import time

    from optimizer.cli.common import (
        EXIT_INPUT,
        check_out_dir,
        discard_outputs,
        emit_plan,
        finish_process,
        guarded_solve,
        report_issues,
    )
    from optimizer.core.load import load_instance
    from optimizer.sources.sndlib import data_dir, parse_model, parse_network, problem_files, to_instance_dict

    if problem is not None:
        try:
            folder = data_dir(data_folder)
            if folder is None:
                raise click.UsageError("no SNDlib folder: give --data-dir DIR or set SNDLIB_DIR")
            network, model = problem_files(problem, folder)
        except InstanceError as exc:
            return report_issues(exc)
    if network is None or model is None:
        raise click.UsageError("give NETWORK and MODEL files, or --problem NAME")
    if output is None and not do_solve:
        raise click.UsageError("nothing to do: give -o FILE and/or --solve")
    started = time.monotonic()
    if do_solve:
        missing = solver_missing(solver)
        if missing is not None:
            return missing
        problem_out = check_out_dir(out_dir)
        if problem_out is not None:
            click.echo(problem_out, err=True)
            return EXIT_INPUT
    try:
        mapping = to_instance_dict(parse_network(network), parse_model(model))
        instance = load_instance(mapping)
    except InstanceError as exc:
        if do_solve:
            discard_outputs(out_dir)
        return report_issues(exc)
    if output is not None:
        import json

        import yaml

        if output.suffix.lower() == ".json":
            text = json.dumps(mapping, indent=2, allow_nan=False) + "\n"
        else:
            text = yaml.safe_dump(mapping, sort_keys=False, width=120)
        output.write_text(text, encoding="utf-8")
        click.echo(
            f"wrote {output} ({len(mapping['nodes'])} nodes, {len(mapping['links'])} links, "
            f"{len(mapping['demands'])} demands, {len(mapping['catalog']['cables'])} modules)",
            err=True,
        )
    if not do_solve:
        return 0
    from optimizer.core.solve import SolveOptions

    options = SolveOptions(
        time_limit_s=time_limit,
        mip_rel_gap=gap,
        threads=threads,
        routing_cuts=not plain,
        warm_start=not plain,
        solver=solver,
    )
    return finish_process(
        guarded_solve(
            lambda: instance, options, started, lambda i, plan: emit_plan(plan, out_dir, as_json, i.resolved_catalog)
        )
    )
