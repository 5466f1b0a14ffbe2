"""``optimizer validate``: check an instance file and report every problem at once."""

from __future__ import annotations

from pathlib import Path

import click

from optimizer.cli.common import EXIT_OK, out_console, report_issues
from optimizer.errors import InstanceError


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
def validate(file: Path) -> int:
    """Check an instance file and report every problem at once (no solving)."""
    from optimizer.core.data import build_data
    from optimizer.core.load import load_instance

    try:
        instance = load_instance(file)
    except InstanceError as exc:
        return report_issues(exc)
    data = build_data(instance)
    switch_groups = sum(1 for n in instance.nodes if n.kind == "switch")
    out_console().print(
        f"{file}: valid: {len(instance.nodes)} node groups ({switch_groups} switch), {len(instance.links)} link "
        f"groups, {len(instance.paths)} paths, {len(instance.bandwidth)} bandwidth entries; "
        f"{data.n_cols} link options after filters ({data.pruned_options} dominated options dropped, "
        f"{data.unreachable_options} no plan can use at their group's exact count)"
    )
    return EXIT_OK
