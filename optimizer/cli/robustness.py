"""``optimizer robustness`` (see ``optimizer.studies.robustness``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from optimizer.cli.common import StudyProgress, out_console, solver_missing, study_options
from optimizer.errors import InstanceError


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--samples", type=click.IntRange(min=1), default=50, show_default=True, help="Sampled price books.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the Latin hypercube.")
@click.option(
    "--prices",
    "price_book",
    type=click.Path(path_type=Path),
    default=None,
    help="A price book (quotes): figures whose values and ranges replace the catalogue's.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for robustness_*.csv and robustness.png [default: robustness-<instance>].",
)
@click.option("--no-plot", is_flag=True, help="Do not draw robustness.png.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@study_options
def robustness(
    file: Path,
    samples: int,
    seed: int,
    price_book: Path | None,
    out_dir: Path | None,
    no_plot: bool,
    quiet: bool,
    time_limit: float,
    gap: float,
    threads: int,
    solver: str,
    workers: int | None,
    scheduler: str | None,
) -> int:
    """How often each link option and switch model is optimal when the uncertain figures (prices, power,
    failure and flap rates) vary within their ranges, the spread of the optimal TCO, and what the plan
    made at the catalogue's figures loses in each sample (its regret).

    The figures are sampled by a seeded Latin hypercube, one dimension per correlation group; the same
    seed gives the same tables with any number of workers.
    """
    from optimizer.cli.common import EXIT_INFEASIBLE, EXIT_INPUT, EXIT_NO_SOLUTION, EXIT_OK, report_issues
    from optimizer.core.io import read_document
    from optimizer.core.load import load_instance
    from optimizer.core.solve import SolveOptions
    from optimizer.studies.robustness import read_price_book, run_robustness, write_robustness
    from optimizer.studies.sweep import SweepError

    missing = solver_missing(solver)
    if missing is not None:
        return missing
    out = out_console()
    try:
        document, issues = read_document(file)
        if issues:
            raise InstanceError(issues)
        load_instance(file)  # the base instance must be valid on its own
        book = read_price_book(price_book) if price_book is not None else None
    except InstanceError as exc:
        return report_issues(exc)
    assert isinstance(document, dict)
    target = out_dir or Path(f"robustness-{document.get('name', 'instance')}")
    progress = StudyProgress("robustness", quiet, total=samples)

    def on_row(row: dict[str, Any], done: int, total: int) -> None:
        progress.update(done, total=total)

    try:
        with progress:
            result = run_robustness(
                document,
                samples=samples,
                seed=seed,
                base_dir=file.parent,
                options=SolveOptions(time_limit_s=time_limit, mip_rel_gap=gap, threads=threads, solver=solver),
                price_book=book,
                workers=workers,
                scheduler=scheduler,
                on_row=on_row,
            )
    except InstanceError as exc:
        return report_issues(exc)
    except SweepError as exc:
        click.echo(f"{file}: {exc}", err=True)
        return EXIT_INPUT
    written = write_robustness(result, target, plot=not no_plot)
    base = result.base
    if base.get("objective") is None:
        click.echo(f"the base instance has no plan ({base.get('status')}): no regret is computed", err=True)
    base_choice = {("link", g): c for g, c in (base.get("choices") or {}).items()}
    base_choice.update({("switch", g): m for g, m in (base.get("models") or {}).items()})
    table = Table(
        title=f"{len(result.samples)} samples of {len(result.figures)} uncertain figures (seed {seed})",
        title_justify="left",
    )
    for col in ("group", "choice", "share", "base plan"):
        table.add_column(col, justify="right" if col == "share" else "left")
    for kind, group, choice, share in zip(
        result.frequencies["kind"],
        result.frequencies["group"],
        result.frequencies["choice"],
        result.frequencies["share"],
        strict=True,
    ):
        mark = "yes" if base_choice.get((str(kind), str(group))) == choice else ""
        table.add_row(f"{group} ({kind})", str(choice), f"{float(share):.0%}", mark)
    out.print(table)

    def usd(x: float) -> str:
        return f"{x:,.0f}" if abs(x) >= 0.5 else "0"  # no "-0" for a regret of -1e-9

    for r in result.summary.to_dict("records"):
        if r["n"]:
            out.print(
                f"{r['figure']}: p5 {usd(r['p5'])}  median {usd(r['p50'])}  p95 {usd(r['p95'])}  "
                f"max {usd(r['p100'])}  (n={r['n']})",
                markup=False,
            )
    out.print("wrote " + ", ".join(str(p) for p in written), markup=False)
    statuses = [str(s) for s in result.samples["status"]]
    if any(s in ("optimal", "feasible") for s in statuses):
        return EXIT_OK
    code = EXIT_INFEASIBLE if statuses and all(s in ("infeasible", "unbounded") for s in statuses) else EXIT_NO_SOLUTION
    click.echo(f"no sample has a plan (exit code {code})", err=True)
    return code
