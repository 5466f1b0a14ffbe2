"""``optimizer generate``: write a cluster instance file (see ``optimizer.generate``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

EXIT_OK, EXIT_INPUT = 0, 2


def _pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key or not rest:
            raise click.BadParameter(f"expected KEY=VALUE, got {value!r}", param_hint=what)
        out[key.strip().replace("-", "_")] = rest.strip()
    return out


def _frontend(pairs: dict[str, str]) -> dict[str, Any]:
    """The ``--frontend`` pairs as ``FrontEnd`` fields: whole numbers for ports and speed, a number for the
    oversubscription, a list for the models (other values as given, for the spec to check)."""
    out: dict[str, Any] = {}
    for key, value in pairs.items():
        if key in ("ports_per_node", "gbps") and value.isdigit():
            out[key] = int(value)
        elif key == "oversubscription":
            try:
                out[key] = float(value)
            except ValueError:
                raise click.BadParameter(f"{key}: expected a number, got {value!r}", param_hint="--frontend") from None
        elif key == "models":
            out[key] = _ids(value)
        else:
            out[key] = value
    return out


def _ids(value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


@click.command()
@click.option(
    "--topology", type=click.Choice(["rail-fat-tree", "clos", "rail-only"]), default="rail-fat-tree", show_default=True
)
@click.option("--gpus", type=int, default=None, help="Number of GPUs (one NIC per GPU); required without --growth.")
@click.option(
    "--growth",
    default=None,
    help="A roadmap over growing sizes instead of one fabric: comma-separated GPU counts, one per period "
    "(e.g. 16384,65536,131072); needs --growth-years.",
)
@click.option("--growth-years", default=None, help="The periods' years of --growth, e.g. 2026,2027,2028.")
@click.option(
    "--growth-tiers",
    type=click.Choice(["resize", "final"]),
    default="resize",
    show_default=True,
    help="Size every switch tier per period, or the spine and core tiers for the final size from the start.",
)
@click.option(
    "--discount-rate",
    type=float,
    default=0.08,
    show_default=True,
    help="Yearly discount rate of --growth (an assumed cost of capital; 0 leaves the purchase dates of "
    "equal-cost plans open).",
)
@click.option("--gpus-per-node", type=int, default=None, help="GPUs per node = rails [default: 8].")
@click.option(
    "--nic-gbps",
    type=click.Choice(["100", "200", "400", "800", "1600", "3200"]),
    default=None,
    help="NIC port speed [default: 800].",
)
@click.option(
    "--planes", type=int, default=None, help="Parallel fabrics; each GPU has one NIC port per plane [default: 1]."
)
@click.option(
    "--homing",
    type=click.Choice(["single", "dual"]),
    default=None,
    help="dual: every NIC's ports split across two leaves (dual-ToR; needs an even --planes) [default: single].",
)
@click.option(
    "--dual-homed-job-stop-fraction",
    type=float,
    default=None,
    help="job_stop_fraction of dual-homed host links, written with --reliability [default: 0].",
)
@click.option(
    "--reliability",
    "reliability_items",
    multiple=True,
    help="Reliability section field KEY=VALUE, e.g. gpu_hour_usd=2.5 (repeatable; downtime economics).",
)
@click.option(
    "--nodes-per-su",
    type=int,
    default=None,
    help="Nodes per scalable unit [default: the GPU links one leaf takes down, e.g. 32 or 72].",
)
@click.option(
    "--ecosystem",
    type=click.Choice(["nvidia-ib", "spectrum-x", "broadcom"]),
    default=None,
    help="Switch family of the default candidates [default: inferred from given models, else broadcom].",
)
@click.option(
    "--wiring",
    type=click.Choice(["balanced", "integral", "capacity"]),
    default=None,
    help="Size every tier at its port minimum with every leaf reaching every spine, a switch's pair link counts "
    "differing by at most one (balanced); or with equal whole numbers of links on every pair (integral: "
    "NVIDIA's SU rule, e.g. 18 / 36 Quantum-X800 spines at 2,304 / 4,608 GPUs); or by capacity only "
    "[default: balanced].",
)
@click.option(
    "--system",
    type=click.Choice(["nvl72"]),
    default=None,
    help="Rack-scale GPU system: nvl72 = GB200 / GB300 NVL72 (4 GPUs and 4 NICs per compute tray, 18 trays per "
    "rack, SU of 8 racks = 576 GPUs) sets --gpus-per-node 4, --nodes-per-su 144 and 18 nodes per rack.",
)
@click.option(
    "--tiers",
    type=click.Choice(["1", "2", "3"]),
    default=None,
    help="Switch tiers [default: the fewest the radix allows].",
)
@click.option("--oversubscription", type=float, default=None, help="Leaf down:up ratio [default: 1].")
@click.option("--core-oversubscription", type=float, default=None, help="Spine down:up ratio [default: 1].")
@click.option(
    "--uplink-min-gbps",
    type=float,
    default=None,
    help="Leaf-spine / spine-core link speed [default: chosen by --uplink-choice].",
)
@click.option(
    "--uplink-choice",
    type=click.Choice(["fewest-tiers", "fastest"]),
    default=None,
    help="Without --uplink-min-gbps: the standard speed (from the NIC speed up to the fastest port every "
    "candidate of both tiers takes) with the fewest tiers, then the least switch cost, then the fastest; or "
    "always the fastest [default: fewest-tiers].",
)
@click.option("--leaf-models", default=None, help="Comma-separated candidate switch ids for the leaf tier.")
@click.option("--spine-models", default=None, help="Candidate switch ids for the spine tier.")
@click.option("--core-models", default=None, help="Candidate switch ids for the core tier.")
@click.option("--latency", multiple=True, help="Budget per traffic class: same-leaf=NS, cross-spine=NS, cross-core=NS.")
@click.option("--layout", multiple=True, help="Layout parameter KEY=VALUE, e.g. racks_per_row=10 (repeatable).")
@click.option(
    "--frontend",
    "frontend_items",
    multiple=True,
    help="A front-end / storage fabric of its own in the same file, KEY=VALUE (repeatable): ports_per_node=1|2, "
    "gbps=200|400, oversubscription=X, models=ID,ID, nic_model=ID; --frontend gbps=400 alone gives the defaults.",
)
@click.option(
    "--granularity",
    type=click.Choice(["aggregated", "explicit"]),
    default=None,
    help="One link group per tier and length class, or per rack [default: aggregated].",
)
@click.option("--objective", type=click.Choice(["tco", "capex", "power", "weighted"]), default=None)
@click.option("--electricity", type=float, default=None, help="USD per kWh [default: 0.08].")
@click.option("--pue", type=float, default=None, help="Power usage effectiveness [default: 1.3].")
@click.option("--years", type=float, default=None, help="Energy horizon in years [default: 5].")
@click.option("--max-power-w", type=float, default=None, help="Plan-wide power ceiling (W).")
@click.option("--max-capex-usd", type=float, default=None, help="Plan-wide capex ceiling (USD).")
@click.option("--supply", multiple=True, help="Supply limit ID=UNITS (repeatable).")
@click.option(
    "--cpo-share",
    type=float,
    default=None,
    help="Each CPO engine type may serve at most this share of switch ports (supply limit).",
)
@click.option("--exclude", default=None, help="Comma-separated catalogue ids excluded everywhere.")
@click.option("--allow", multiple=True, help="Per link tier: gpu-leaf=ID,ID (also leaf-spine, spine-core).")
@click.option(
    "--catalog",
    "catalog_file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="A catalogue file to embed inline (e.g. extends: builtin with what-if entries).",
)
@click.option(
    "--compat/--no-compat",
    default=True,
    show_default=True,
    help="Opt in to the compatibility rules (the ecosystem's catalogue profile) when the catalogue has profiles.",
)
@click.option(
    "--status",
    "status",
    multiple=True,
    type=click.Choice(["sampling", "announced", "what-if"]),
    help="Also take catalogue entries of this status (repeatable; shipping always).",
)
@click.option("--available-by", type=int, default=None, help="Also sampling/announced entries expected by this year.")
@click.option("--nic-model", default=None, help="Catalogue NIC model of the GPU NICs [default: the profile's].")
@click.option("--name", default=None, help="Instance name [default: derived from the parameters].")
@click.option("--description", default=None, help="Text to put before the generated description.")
@click.option(
    "-o",
    "--out",
    "out_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Write here: JSON for a .json name, else YAML (default: YAML on standard output).",
)
def generate(
    out_file: Path | None,
    catalog_file: Path | None,
    latency: tuple[str, ...],
    layout: tuple[str, ...],
    supply: tuple[str, ...],
    allow: tuple[str, ...],
    reliability_items: tuple[str, ...],
    frontend_items: tuple[str, ...],
    growth: str | None,
    growth_years: str | None,
    growth_tiers: str,
    discount_rate: float,
    **options: Any,
) -> int:
    """Generate a cluster instance (rail-optimised fat tree, Clos, rail-only) and check it validates.

    The file's description records the exact command that reproduces it.
    """
    from pydantic import ValidationError

    from optimizer.core.io import read_document
    from optimizer.core.load import load_instance
    from optimizer.errors import InstanceError
    from optimizer.sources.generate import generate_instance, growth_roadmap, spec_from_options

    sizes: list[int] = []
    years: list[int] = []
    if growth is not None:
        try:
            sizes = [int(x) for x in _ids(growth) or []]
            years = [int(x) for x in _ids(growth_years) or []]
        except ValueError:
            raise click.BadParameter("expected whole numbers separated by commas", param_hint="--growth") from None
        if not sizes or len(years) != len(sizes):
            raise click.BadParameter("needs --growth-years with one year per size", param_hint="--growth")
        options["gpus"] = sizes[-1]
    elif options["gpus"] is None:
        raise click.UsageError("Missing option '--gpus'.")
    options["status"] = list(options["status"]) or None
    for key in ("leaf_models", "spine_models", "core_models"):
        options[key] = _ids(options[key])
    options["exclude"] = _ids(options["exclude"])
    for key in ("nic_gbps", "tiers"):
        if options[key] is not None:
            options[key] = int(options[key])
    options["latency"] = {f"{k}_ns": v for k, v in _pairs(latency, "--latency").items()} or None
    options["layout"] = _pairs(layout, "--layout") or None
    options["supply"] = _pairs(supply, "--supply") or None
    options["allowed"] = {k.replace("_", "-"): _ids(v) for k, v in _pairs(allow, "--allow").items()} or None
    reliability: dict[str, Any] = {}
    for key, value in _pairs(reliability_items, "--reliability").items():
        try:
            reliability[key] = float(value)
        except ValueError:
            raise click.BadParameter(f"{key}: expected a number, got {value!r}", param_hint="--reliability") from None
    options["reliability"] = reliability or None
    options["frontend"] = _frontend(_pairs(frontend_items, "--frontend")) if frontend_items else None
    economics = {k: options.pop(k) for k in ("electricity", "pue", "years")}
    econ = {"electricity_usd_per_kwh": economics["electricity"], "pue": economics["pue"], "years": economics["years"]}
    options["economics"] = {k: v for k, v in econ.items() if v is not None} or None
    if catalog_file is not None:
        data, issues = read_document(catalog_file)
        if issues:
            for issue in issues:
                click.echo(str(issue), err=True)
            return EXIT_INPUT
        options["catalog"] = data
        options["catalog_file"] = str(catalog_file)
    try:
        spec = spec_from_options(options)
        instance = generate_instance(spec)
        if sizes:
            fabrics = [generate_instance(spec_from_options({**options, "gpus": n})) for n in sizes]
            instance = growth_roadmap(fabrics, years, growth_tiers, discount_rate)  # type: ignore[arg-type]
            if options.get("name"):  # a given name is the roadmap's own
                instance["name"] = options["name"]
            args = f"--growth {','.join(map(str, sizes))} --growth-years {','.join(map(str, years))}"
            args += f" --growth-tiers {growth_tiers} --discount-rate {discount_rate:g}"
            instance["description"] = instance["description"].replace(f"--gpus {sizes[-1]}", args, 1)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "parameters"
            click.echo(f"generate: {where}: {err['msg']}", err=True)
        return EXIT_INPUT
    except ValueError as exc:
        click.echo(f"generate: {exc}", err=True)
        return EXIT_INPUT
    try:
        load_instance(instance)
    except InstanceError as exc:  # a generator bug or an unusable catalogue: never write a bad file
        for issue in exc.issues:
            click.echo(str(issue), err=True)
        return EXIT_INPUT
    text = (
        dump_json(instance) if out_file is not None and out_file.suffix.lower() == ".json" else dump_instance(instance)
    )
    if out_file is None:
        click.echo(text, nl=False)
    else:
        out_file.write_text(text, encoding="utf-8")
        click.echo(
            f"wrote {out_file}: {len(instance['nodes'])} node groups, {len(instance['links'])} link groups, "
            f"{len(instance['paths'])} paths",
            err=True,
        )
    return EXIT_OK


def dump_json(instance: dict[str, Any]) -> str:
    """JSON text of an instance (what ``read_document`` reads back for a ``.json`` file)."""

    return json.dumps(instance, indent=2, allow_nan=False) + "\n"


def dump_instance(instance: dict[str, Any]) -> str:
    """YAML text of an instance: one flow mapping per node, link and path (compact and diff-friendly)."""
    import yaml

    head = {k: v for k, v in instance.items() if k not in ("nodes", "links", "paths")}
    lines = [yaml.safe_dump(head, sort_keys=False, width=120, default_flow_style=False).rstrip("\n")]
    for section in ("nodes", "links", "paths"):
        items = instance.get(section, [])
        if not items:
            lines.append(f"{section}: []")
            continue
        lines.append(f"{section}:")
        for item in items:
            flow = yaml.safe_dump(item, sort_keys=False, default_flow_style=True, width=10**6).strip()
            lines.append(f"  - {flow}")
    return "\n".join(lines) + "\n"
