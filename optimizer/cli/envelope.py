"""``optimizer envelope``: the most GPUs a site can hold, per technology variant (see ``optimizer.envelope``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from optimizer.cli.common import finite_number, solver_missing, study_options

LIST_FIELDS = ("leaf_models", "spine_models", "core_models", "exclude", "status")


def _design(values: tuple[str, ...]) -> dict[str, Any]:
    """Generator options KEY=VALUE: values read as YAML scalars (800, true, nvidia-ib); list fields split at
    commas; ``layout.KEY`` / ``latency.KEY`` / ``economics.KEY`` fill those sections."""
    import yaml

    out: dict[str, Any] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key or not rest.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {value!r}", param_hint="--design")
        if key in ("gpus", "name"):
            raise click.BadParameter(f"{key} is what the study chooses, not a design option", param_hint="--design")
        if key in LIST_FIELDS:
            parsed: Any = [v.strip() for v in rest.split(",") if v.strip()]
        else:
            try:
                parsed = yaml.safe_load(rest)
            except yaml.YAMLError:
                parsed = rest
        section, dot, sub = key.partition(".")
        if dot:
            out.setdefault(section, {})[sub] = parsed
        else:
            out[key] = parsed
    return out


def _variants(values: tuple[str, ...]) -> dict[str, tuple[str, ...]] | None:
    out = {}
    for value in values:
        name, sep, rest = value.partition("=")
        techs = tuple(t.strip() for t in rest.split(",") if t.strip())
        if not sep or not name.strip() or not techs:
            raise click.BadParameter(f"expected NAME=TECH,TECH,..., got {value!r}", param_hint="--variant")
        out[name.strip()] = techs
    return out or None


@click.command()
@click.option(
    "--it-power-w",
    type=click.FloatRange(min=0, min_open=True),
    callback=finite_number,
    required=True,
    help="The site's IT power for GPUs and network, in W (e.g. 20e6).",
)
@click.option(
    "--gpu-w",
    type=click.FloatRange(min=0, min_open=True),
    callback=finite_number,
    required=True,
    help="Power per GPU with its host share, in W (e.g. 1400).",
)
@click.option(
    "--gpu-hour-usd",
    type=click.FloatRange(min=0),
    callback=finite_number,
    default=0.0,
    show_default=True,
    help="Value of one GPU-hour: prices each network watt in the plans (0: electricity only).",
)
@click.option(
    "--design",
    multiple=True,
    help="Generator option KEY=VALUE (repeatable; the fields of `optimizer generate`, underscores or dashes): "
    "ecosystem=nvidia-ib, nic_gbps=800, tiers=2, topology=clos, leaf_models=q3400,q3450, layout.nodes_per_rack=4.",
)
@click.option(
    "--variant",
    multiple=True,
    help="A technology variant NAME=TECH,TECH (repeatable; dsp, lpo, lro, cpo, aoc, aec, acc, dac) "
    "[default: pluggable=dsp,aoc,aec,acc,dac; lpo=... +lpo,lro; cpo=... +cpo].",
)
@click.option(
    "--step-gpus",
    type=click.IntRange(min=1),
    default=None,
    help="Granularity of the GPU count [default: one node, gpus_per_node]; a multiple of gpus_per_node.",
)
@click.option(
    "--beyond-steps",
    type=click.IntRange(min=0),
    default=8,
    show_default=True,
    help="Also prove this many steps above the answer infeasible (a larger count may fit again: then it is taken).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("envelope"),
    show_default=True,
    help="Write envelope.csv, points.csv, plans/<variant>.json and envelope.png here.",
)
@study_options
@click.option("--no-plot", is_flag=True, help="Do not draw envelope.png.")
@click.option(
    "--report", "html_report", is_flag=True, help="Also write report.html (one self-contained HTML page) there."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
def envelope(
    it_power_w: float,
    gpu_w: float,
    gpu_hour_usd: float,
    design: tuple[str, ...],
    variant: tuple[str, ...],
    step_gpus: int | None,
    beyond_steps: int,
    out_dir: Path,
    time_limit: float,
    gap: float,
    threads: int,
    solver: str,
    workers: int | None,
    scheduler: str | None,
    no_plot: bool,
    html_report: bool,
    quiet: bool,
) -> int:
    """The most GPUs a site of IT_POWER_W can hold with a fabric design, per technology variant.

    For each variant, finds the largest GPU count N (a whole number of steps) whose GPUs (N x gpu_w) plus the
    optimally planned fabric fit the site: the plan at N is feasible (and verified) and N + one step is not.
    """
    from optimizer.cli.common import EXIT_INPUT, EXIT_OK, StudyProgress, out_console, print_table
    from optimizer.core.solve import SolveOptions
    from optimizer.sources.generate import Design
    from optimizer.studies.envelope import EnvelopeError
    from optimizer.studies.envelope import envelope as run

    missing = solver_missing(solver)
    if missing is not None:
        return missing
    out = out_console()
    progress = StudyProgress("envelope", quiet)
    seen = {"n": 0}

    def on_point(name: str, row: dict[str, Any]) -> None:
        seen["n"] += 1
        power = row.get("power_w")
        what = "" if power is None else f": network {power:,.0f} W"
        # the search's length is not known ahead: a counter, its total one past the solves so far
        progress.update(seen["n"], total=seen["n"] + 1, note=f"{name}: {row['gpus']:,} GPUs {row['status']}{what}")

    try:
        with progress:
            result = run(
                Design(_design(design)),
                it_power_w,
                gpu_w,
                gpu_hour_usd=gpu_hour_usd,
                variants=_variants(variant),
                step_gpus=step_gpus,
                beyond_steps=beyond_steps,
                options=SolveOptions(time_limit_s=time_limit, mip_rel_gap=gap, threads=threads, solver=solver),
                workers=workers,
                scheduler=scheduler,
                on_point=on_point,
            )
    except EnvelopeError as exc:
        click.echo(f"envelope: {exc}", err=True)
        return EXIT_INPUT
    written = result.write(out_dir, plot=not no_plot)
    columns = ("variant", "GPUs", "step", "N + step", "none fits up to", "network MW", "capex/GPU USD", "verified")
    rows = []
    for r in result.table.to_dict("records"):
        per_gpu = r["network_capex_per_gpu_usd"]
        rows.append(
            [
                str(r["variant"]),
                f"{r['gpus']:,}",
                f"{r['step_gpus']:,}",
                f"{r['next_gpus']:,}: {r['next_status']}",
                "any larger" if r["largest"] else f"{r['clear_to_gpus']:,}",
                f"{r['network_mw']:,.4f}",
                "-" if per_gpu is None or per_gpu != per_gpu else f"{per_gpu:,.0f}",
                "-" if r["verified"] is None else ("yes" if r["verified"] else "NO"),
                str(r["solves"]),
            ]
        )
    print_table(
        out,
        f"site {it_power_w:,.0f} W IT, {gpu_w:,.0f} W per GPU: the most GPUs per variant (N fits, N + step does not)",
        [(c, "left" if c in ("variant", "N + step") else "right") for c in (*columns, "solves")],
        rows,
    )
    if html_report:
        from optimizer.report import write_report

        written.append(write_report(out_dir))
    out.print("wrote " + ", ".join(str(p) for p in written))
    return EXIT_OK
