"""``optimizer report DIR``: one self-contained HTML report of a solve's or a study's output folder."""

from __future__ import annotations

from pathlib import Path

import click

from optimizer.cli.common import EXIT_INPUT, EXIT_OK, report_issues
from optimizer.errors import InstanceError


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the report here [default: DIRECTORY/report.html].",
)
@click.option(
    "--instance",
    "instance_file",
    type=click.Path(path_type=Path),
    default=None,
    help="The instance the plan was solved from: its catalogue names each link group's technology "
    "[default: the built-in catalogue].",
)
def report(directory: Path, out_file: Path | None, instance_file: Path | None) -> int:
    """Write an HTML report of an output folder (of `solve --out`, `pareto`, `sweep` or `envelope`).

    One file that opens anywhere without network access: summary, totals, bill of materials, technology mix,
    a topology picture, per-tier tables, reliability and site sections, and the study's charts.
    """
    from optimizer.report import ReportError, write_report

    catalog = None
    if instance_file is not None:
        from optimizer.core.load import load_instance

        try:
            catalog = load_instance(instance_file).resolved_catalog
        except InstanceError as exc:
            return report_issues(exc)
    try:
        written = write_report(directory, out=out_file, catalog=catalog)
    except ReportError as exc:
        click.echo(f"report: {exc}", err=True)
        return EXIT_INPUT
    click.echo(f"wrote {written}")
    return EXIT_OK
