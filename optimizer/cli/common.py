"""Helpers every command shares: exit codes, consoles, the input-problem report and the plan summary.

Commands import from here, never from the root group, so that dependencies inside the CLI point one way
(root -> commands -> common).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from optimizer.errors import InstanceError

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4
STATUS_EXIT = {
    "optimal": EXIT_OK,
    "feasible": EXIT_OK,
    "infeasible": EXIT_INFEASIBLE,
    "unbounded": EXIT_INFEASIBLE,
    "no_solution": EXIT_NO_SOLUTION,
    "error": EXIT_NO_SOLUTION,
}


def out_console() -> Console:
    return Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160, highlight=False)


def err_console() -> Console:
    return Console(file=sys.stderr, width=None if sys.stderr.isatty() else 160, highlight=False)


def report_issues(exc: InstanceError) -> int:
    for issue in exc.issues:  # one unwrapped line per issue, for people and for grep
        click.echo(str(issue), err=True)
    click.echo(f"{len(exc.issues)} problem{'s' if len(exc.issues) != 1 else ''} found", err=True)
    return EXIT_INPUT


def emit_plan(plan: Any, out_dir: Path | None, as_json: bool) -> None:
    """Write the plan's files into ``out_dir`` (if given), then print plan.json or the summary."""
    if out_dir is not None:
        plan.write(out_dir)
    if as_json:
        click.echo(plan.to_json())
    else:
        print_summary(plan, out_dir)


def _fmt(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


MAX_TABLE_ROWS = 40
"""Rows of the link and switch tables shown on the terminal (rendering 10^4 rows takes seconds)."""


def _more(out: Console, rows: int, csv: str, out_dir: Path | None) -> None:
    if rows > MAX_TABLE_ROWS:
        where = f"{out_dir}/{csv}" if out_dir is not None else f"{csv} (--out DIR) or --json"
        out.print(f"... {rows - MAX_TABLE_ROWS:,} more rows: see {where}")


def print_summary(plan: Any, out_dir: Path | None) -> None:
    out = out_console()
    s = plan.solver
    status_style = "green" if plan.status.has_solution else "red"
    out.print(
        Text.assemble(
            ("status ", "bold"),
            (str(plan.status), f"bold {status_style}"),
            f"   objective ({plan.objective_mode}) {_fmt(plan.objective)}   bound {_fmt(plan.bound)}"
            f"   gap {'-' if plan.gap is None else f'{100 * plan.gap:.4f}%'}",
        )
    )
    out.print(
        f"HiGHS {s['version']} ({s['highs_status']}): load {s.get('load_s', 0):.2f} s, "
        f"build {s['build_s']:.2f} s, solve {s['solve_s']:.2f} s, {s['variables']:,} variables, "
        f"{s['constraints']:,} constraints, {s['nodes']:,} B&B nodes, threads {s['threads']}"
    )
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
            out.print(
                f"network costs: installed {_fmt(t['installed_capex_usd'])}, setup {_fmt(t['setup_capex_usd'])}, "
                f"routing {_fmt(t['routing_capex_usd'])} USD; "
                f"{0 if plan.flows is None else len(plan.flows)} flow rows"
            )
    if len(plan.links):
        table = Table(title="link groups", title_justify="left")
        for col in ("group", "option", "speed Gb/s", "count", "length m", "power W", "capex USD", "latency ns"):
            table.add_column(col, justify="left" if col in ("group", "option") else "right")
        for r in plan.links.head(MAX_TABLE_ROWS).itertuples():
            table.add_row(
                r.group,
                r.option,
                f"{r.speed_gbps:g}",
                f"{r.count:,}",
                f"{r.length_m:g}",
                _fmt(r.power_w, 1),
                _fmt(r.capex_usd, 0),
                _fmt(r.latency_ns, 1),
            )
        out.print(table)
        _more(out, len(plan.links), "links.csv", out_dir)
    if len(plan.nodes):
        table = Table(title="switch groups", title_justify="left")
        for col in ("group", "model", "count", "used Gb/s", "of Gb/s", "used ports", "of ports", "power W"):
            table.add_column(col, justify="left" if col in ("group", "model") else "right")
        for r in plan.nodes.head(MAX_TABLE_ROWS).itertuples():
            table.add_row(
                r.group,
                r.model,
                f"{r.count:,}",
                f"{r.used_gbps:,.0f}",
                f"{r.capacity_gbps:,.0f}",
                f"{r.used_ports:,}",
                f"{r.ports:,}",
                _fmt(r.power_w, 1),
            )
        out.print(table)
        _more(out, len(plan.nodes), "nodes.csv", out_dir)
    if len(plan.paths):
        table = Table(title="paths", title_justify="left")
        for col in ("path", "latency ns", "budget ns", "slack ns"):
            table.add_column(col, justify="left" if col == "path" else "right")
        for r in plan.paths.itertuples():
            table.add_row(r.id, _fmt(r.latency_ns, 1), _fmt(r.max_latency_ns, 1), _fmt(r.slack_ns, 1))
        out.print(table)
    if getattr(plan, "reliability", None) is not None:
        _print_reliability(out, plan.reliability, out_dir)
    if out_dir is not None:
        extra = ", reliability.csv" if getattr(plan, "reliability", None) is not None else ""
        out.print(f"wrote {out_dir}/plan.json, links.csv, nodes.csv, paths.csv, bom.csv{extra}")


def _print_reliability(out: Console, rel: dict[str, Any], out_dir: Path | None) -> None:
    """Reliability extension: expected failures and interruptions by technology, downtime, spares."""
    out.print(
        f"reliability: {rel['failures_per_year']:,.1f} failures/year ({rel['links_down_per_year']:,.1f} links down), "
        f"{rel['interruptions_per_day']:.3f} job interruptions/day, availability {100 * rel['availability']:.4f}%, "
        f"downtime {_fmt(rel['downtime_usd'], 0)} USD over the horizon, spares {_fmt(rel['spares_capex_usd'], 0)} USD "
        f"at their need ({_fmt(rel['spares_stock_capex_usd'], 0)} USD stocked whole)"
    )
    table = Table(title="reliability by technology", title_justify="left")
    for col in ("technology", "failures/yr", "links down/yr", "interruptions/day", "downtime USD"):
        table.add_column(col, justify="left" if col == "technology" else "right")
    for r in rel["by_technology"]:
        table.add_row(
            r["technology"],
            f"{r['failures_per_year']:,.2f}",
            f"{r['links_down_per_year']:,.2f}",
            f"{r['interruptions_per_day']:.4f}",
            _fmt(r["downtime_usd"], 0),
        )
    out.print(table)
    table = Table(title="spares (per failure mode)", title_justify="left")
    for col in ("mode", "repair", "failures in lead time", "need", "stocked", "capex USD", "stock USD", "service"):
        table.add_column(col, justify="left" if col in ("mode", "repair") else "right")
    for r in rel["spares"][:MAX_TABLE_ROWS]:
        table.add_row(
            r["mode"],
            r["repair"],
            f"{r['failures_in_lead_time']:.3f}",
            f"{r['spares_needed']:.3f}",
            f"{r['spares']:,}",
            _fmt(r["capex_usd"], 0),
            _fmt(r["stock_capex_usd"], 0),
            f"{100 * r['service_level']:.2f}%",
        )
    out.print(table)
    domains = {(d["item"], d["mode"]): d for d in rel["cpo_failure_domains"]}
    for d in domains.values():
        out.print(
            f"CPO failure domain: {d['mode']}: {d['ports_lost']} ports lost, {d['repair']} repair of "
            f"{d['mttr_h']:g} h with {d['ports_down_in_repair']} ports down"
        )
    _more(out, len(rel["rows"]), "reliability.csv", out_dir)
