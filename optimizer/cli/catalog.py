"""``optimizer schema`` and ``optimizer catalog``: the instance JSON Schema and the parts catalogue."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from optimizer.cli.common import EXIT_OK, Column, out_console, print_table, report_issues
from optimizer.errors import InstanceError


@click.command()
@click.option("--out", "out_file", type=click.Path(path_type=Path), default=None, help="Write to this file.")
def schema(out_file: Path | None) -> int:
    """Print the JSON Schema of instance files (generated from the validation models)."""
    from optimizer.core.schema import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if out_file is None:
        click.echo(text, nl=False)
    else:
        out_file.write_text(text, encoding="utf-8")
    return EXIT_OK


@click.command()
@click.option(
    "--type",
    "section",
    type=click.Choice(["transceivers", "cables", "switches", "media", "nics", "profiles", "reliability"]),
    default=None,
    help="Only this section.",
)
@click.option("--speed", type=float, default=None, help="Only entries of this speed in Gb/s.")
@click.option(
    "--file",
    "file",
    type=click.Path(path_type=Path),
    default=None,
    help="An instance or catalogue file whose catalogue to list (default: the built-in one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table (every field, sources included).")
@click.option(
    "--long",
    "--sources",
    "long",
    is_flag=True,
    help="One table of every section with pJ/bit, confidence and source instead of the compact view.",
)
@click.option("--check", is_flag=True, help="Only check provenance and physical sense of every entry.")
@click.option(
    "--drivers",
    "only_drivers",
    is_flag=True,
    help="Only the figures that decide a technology choice in the library (measured break-evens).",
)
def catalog(
    section: str | None,
    speed: float | None,
    file: Path | None,
    as_json: bool,
    long: bool,
    check: bool,
    only_drivers: bool,
) -> int:
    """List the catalogue: a compact table per section, one line per part (switches: radix, capacity, power,
    price with any CPO premium, status); ``--long`` adds pJ/bit, confidence and sources.

    The decides column marks the figures that decide a technology choice (CPO, LPO, DSP, copper) of a
    library fabric, as measured by scripts/decision_drivers.py: a break-even within a factor of 2 of a
    price (shown as the factor) or within 0.5 of a CPO switch premium (shown as the premium), the
    nearest one with its instance; --drivers lists every such break-even with the command that
    reproduces it. The marks belong to the built-in catalogue's figures: a listing with --file shows none.
    """
    from optimizer.core.catalog import (
        ALL_SECTIONS,
        builtin_catalog,
        decision_drivers,
        drivers_by_item,
        physical_issues,
        technology,
    )

    try:
        cat = builtin_catalog() if file is None else _catalog_of(file)
    except InstanceError as exc:
        return report_issues(exc)
    if check:
        problems = physical_issues(cat, str(file) if file else "<builtin catalogue>")
        if problems:
            return report_issues(InstanceError(problems))
        n = sum(len(getattr(cat, name)) for name in ALL_SECTIONS)
        click.echo(f"{n} entries: every one has a source and a confidence grade, and figures in physical range")
        return EXIT_OK
    decides = drivers_by_item(cat, decision_drivers()) if file is None else {}  # measured on built-in figures
    if only_drivers:
        return _print_drivers(decides, as_json)
    rows: list[dict[str, Any]] = []
    for name in ALL_SECTIONS:
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
            if entry.id in decides:
                row["decides"] = decides[entry.id]
            rows.append(row)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return EXIT_OK
    if not long:
        _print_compact(rows)
        return EXIT_OK
    columns: list[Column] = [
        ("section", "left"),
        ("id", "left"),
        ("type", "left"),
        ("speed", "right"),
        ("power W", "right"),
        ("pJ/bit", "right"),
        ("cost USD", "right"),
        ("reach m", "right"),
        ("latency ns", "right"),
        ("conf", "left"),
        ("decides", "left"),
        ("source", "left"),
    ]
    cells = []
    for r in rows:
        kind = r.get("kind") or ("/".join(r["forms"]) if "forms" in r else "")
        if r["section"] == "reliability":  # a failure mode: its item, rate and repair
            fit = r["fit"] if "fit" in r else 1e9 / r["mtbf_h"]
            repair = f"{r['repair']} {r['mttr_h']:g} h"
            if r.get("window_h"):
                repair = f"fail in place, window {r['window_h']:g} h"
            flaps = f" + {r['flap_fit']:,.0f} flaps" if r.get("flap_fit") else ""
            kind = f"{r['item']} {r['mode']}: {fit:,.0f} FIT{flaps}, {repair}"
        if "form" in r:
            kind = r["form"] if r["technology"] == r["form"] else f"{r['form']} {r['technology']}"
        if r["section"] == "profiles":  # an ecosystem: its protocol and qualified technologies or parts
            kind = f"{r.get('protocol', 'any')}: {', '.join(r.get('supports', [])) or 'any part'}"
        if r.get("cpo_premium_fraction"):
            kind = f"{kind} +{r['cpo_premium_fraction']:.0%}" + (f" over {r['twin']}" if r.get("twin") else "")
        spd = r.get("speed_gbps") or r.get("max_port_gbps")
        cells.append(
            [
                r["section"],
                r["id"],
                kind,
                "" if spd is None else f"{spd:g}",
                "" if "power_w" not in r else f"{r['power_w']:g}",
                str(r.get("pj_per_bit", "")),
                "" if "cost_usd" not in r else f"{r['cost_usd']:,.0f}",
                f"{r.get('reach_m', ''):}",
                "" if "latency_ns" not in r else f"{r['latency_ns']:g}",
                r.get("confidence", ""),
                _mark(r.get("decides")),
                r.get("source", ""),
            ]
        )
    print_table(out_console(), None, columns, cells, keys=2)
    return EXIT_OK


def _num(value: Any, digits: int | None = None) -> str:
    """A figure in full: whole numbers with thousands separators, others to six significant digits
    (``digits``: a fixed number of decimals instead)."""
    if value is None:
        return ""
    if digits is not None or float(value) == int(value):
        return f"{value:,.{digits or 0}f}"
    return f"{value:,.6g}"


def _part_view(kind: str) -> tuple[list[Column], Callable[[dict[str, Any]], list[str]]]:
    """The compact view of a section of parts (transceivers by technology, cables by kind)."""
    columns: list[Column] = [
        ("id", "left"),
        (kind, "left"),
        ("speed Gb/s", "right"),
        ("reach m", "right"),
        ("power W", "right"),
        ("price USD", "right"),
        ("status", "left"),
    ]
    return columns, lambda r: [
        r["id"],
        r[kind],
        _num(r["speed_gbps"]),
        _num(r["reach_m"]),
        _num(r["power_w"]),
        _num(r["cost_usd"], 0),
        r.get("status", "shipping"),
    ]


COMPACT: dict[str, tuple[list[Column], Callable[[dict[str, Any]], list[str]]]] = {
    "switches": (
        [
            ("id", "left"),
            ("radix", "right"),
            ("max port Gb/s", "right"),
            ("capacity Gb/s", "right"),
            ("power W", "right"),
            ("price USD", "right"),
            ("status", "left"),
        ],
        lambda r: [
            r["id"],
            f"{r['max_ports']:,}",
            _num(r["max_port_gbps"]),
            _num(r["capacity_gbps"]),
            _num(r["power_w"]),
            _num(r["cost_usd"] * (1.0 + r.get("cpo_premium_fraction", 0.0)), 0),  # what a plan pays, premium included
            r.get("status", "shipping"),
        ],
    ),
    "transceivers": _part_view("technology"),
    "cables": _part_view("kind"),
    "media": (
        [("id", "left"), ("USD per m", "right"), ("latency ns per m", "right")],
        lambda r: [r["id"], _num(r.get("cost_usd_per_m")), _num(r.get("latency_ns_per_m"))],
    ),
    "nics": (
        [
            ("id", "left"),
            ("ports", "right"),
            ("max port Gb/s", "right"),
            ("power W", "right"),
            ("price USD", "right"),
            ("status", "left"),
        ],
        lambda r: [
            r["id"],
            f"{r['ports']:,}",
            _num(r["max_port_gbps"]),
            _num(r["power_w"]),
            _num(r["cost_usd"], 0),
            r.get("status", "shipping"),
        ],
    ),
    "profiles": (
        [("id", "left"), ("protocol", "left"), ("supports", "left")],
        lambda r: [r["id"], r.get("protocol", "any"), ", ".join(r.get("supports", [])) or "any part"],
    ),
    "reliability": (
        [("id", "left"), ("item", "left"), ("mode", "left"), ("FIT", "right"), ("repair", "left"), ("MTTR h", "right")],
        lambda r: [
            r["id"],
            r["item"],
            r["mode"],
            _num(r["fit"] if "fit" in r else 1e9 / r["mtbf_h"], 0),
            r["repair"],
            _num(r["mttr_h"]),
        ],
    ),
}
"""The compact view: per section, its columns and how a catalogue row fills them."""


def _print_compact(rows: list[dict[str, Any]]) -> None:
    out = out_console()
    for name, (columns, cells) in COMPACT.items():
        mine = [r for r in rows if r["section"] == name]
        if mine:
            marked = any(r.get("decides") for r in mine)  # figures that decide a choice in the library
            cols = [*columns, ("decides", "left")] if marked else columns
            table = [[*cells(r), _short_mark(r.get("decides"))] if marked else cells(r) for r in mine]
            print_table(out, f"{name} ({len(mine)})", cols, table)
    out.print("sources, confidence and pJ/bit: optimizer catalog --long (or --json)")


def _value(b: dict[str, Any]) -> str:
    return f"x{b['value']:.3g}" if b["relative"] else f"{b['value']:.3g}"


def _short_mark(records: list[dict[str, Any]] | None) -> str:
    """The nearest break-even of an entry in a few characters (the compact view; ``--long`` names the
    instance and the choice it flips)."""
    if not records:
        return ""
    short = {"cost_usd": "cost", "cpo_premium_fraction": "premium", "power_w": "power"}
    return f"{short.get(records[0]['field'], records[0]['field'])}={_value(records[0])}"


def _mark(records: list[dict[str, Any]] | None) -> str:
    """The nearest break-even of an entry: its value and the instance it was measured on."""
    if not records:
        return ""
    b = records[0]
    name = Path(b["instance"]).stem
    more = f" (+{len(records) - 1})" if len(records) > 1 else ""
    return f"{b['field']} {_value(b)} {name}: {b['from']} -> {b['to']}{more}"


def _print_drivers(decides: dict[str, list[dict[str, Any]]], as_json: bool) -> int:
    if as_json:
        click.echo(json.dumps(decides, indent=2))
        return EXIT_OK
    columns: list[Column] = [
        ("id", "left"),
        ("figure", "left"),
        ("break-even", "right"),
        ("instance", "left"),
        ("link group", "left"),
        ("technology", "left"),
        ("reproduce", "left"),
    ]
    cells = [
        [item, b["field"], _value(b), Path(b["instance"]).stem, b["group"], f"{b['from']} -> {b['to']}", b["command"]]
        for item, records in sorted(decides.items())
        for b in records
    ]
    print_table(out_console(), None, columns, cells, keys=2)
    return EXIT_OK


def _catalog_of(file: Path) -> Any:
    from pydantic import ValidationError

    from optimizer.core.io import read_document, validation_issues
    from optimizer.core.load import load_instance
    from optimizer.core.schema import Catalog

    data, issues = read_document(file)
    if issues:
        raise InstanceError(issues)
    if isinstance(data, dict) and "schema_version" in data:
        return load_instance(file).resolved_catalog
    from optimizer.core.catalog import apply_field_overrides, builtin_catalog, merge_catalogs

    data = apply_field_overrides(data)
    try:
        cat = Catalog.model_validate(data)
        return merge_catalogs(builtin_catalog(), cat) if cat.extends == "builtin" else cat
    except ValidationError as exc:
        raise InstanceError(validation_issues(exc, str(file), Catalog, data)) from None
