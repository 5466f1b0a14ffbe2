"""Cluster generator: instance files for the fabrics planners build, from a few validated parameters.

``generate_instance(spec) -> dict`` returns a format-v1 instance mapping (validate it with
``optimizer.load_instance``); ``optimizer generate`` is the command-line front end.

Topologies (``ClusterSpec.topology``)
- ``rail-fat-tree``: NVIDIA SuperPOD style. Nodes of ``gpus_per_node`` GPUs, one NIC per GPU; NIC
  *i* of every node goes to the rail-*i* leaf of its scalable unit (SU, ``nodes_per_su`` nodes).
  Leaves go up to a spine tier, and with 3 tiers spines go up to a core tier.
- ``clos``: plain leaf-spine(-core) Clos, not rail-aligned; leaves top-of-rack by default; the leaf
  tier has at least one switch per rack (top-of-rack) and ``oversubscription`` down:up.
- ``rail-only``: every rail is its own network (cross-rail traffic stays in the node's scale-up
  domain); the tiers are per rail, so a given size needs fewer tiers than a fat tree.

Layout and link lengths
Racks of ``nodes_per_rack`` nodes stand in rows of ``racks_per_row``; rows fill halls of
``rows_per_hall``; halls fill buildings of ``halls_per_building``. Leaves sit at the end of each row
(``end-of-row``, NVIDIA's AI-factory placement) or top of rack; spines in the middle of the hall (one
spine location for a 2-tier cluster, in its middle hall; one per hall with 3 tiers); the core in the
cluster's middle hall. A link's length is its tray route (rack pitch along the row, row pitch across
rows, hall / building spacing between halls / buildings, a cross-aisle run to a network row) plus a
vertical allowance, times (1 + slack), rounded UP to a standard cable length (``STANDARD_LENGTHS_M``).
That rounded length is the link's *length class*; its *placement class* is ``rack`` (in-rack), ``row``
(in-row), ``hall`` (across rows of one hall), ``xhall`` (cross-hall) or ``xbldg`` (cross-building).

Granularity (the same parameters give both)
- ``aggregated``: one NIC group and one link group per (tier, placement class, length class); paths
  for every combination of classes that occurs in some rack. A handful of groups at any scale.
- ``explicit``: one NIC group and GPU-leaf link group per rack, one uplink group per leaf location
  (row or rack) and one core group per hall; one path per rack and traffic class. Thousands of groups.
Switch tiers are one switch group each in both forms (the planner picks one model per tier and sizes
the tier within derived bounds).

Both forms have the same optimum whenever the explicit form has no extra freedom: the lengths are the
same multiset (both are rounded to the same standard lengths), switch, NIC-port, power, capex and
supply constraints are sums over the same links, a GPU-leaf group's links all run at the NIC speed
(count = GPUs and demand = GPUs x NIC speed), and a per-class aggregated solution splits into per-rack
integers and back. The explicit form is strictly freer only through latency: a rack's path there names
its own uplink group, while an aggregated path must hold for every class combination that occurs, so
with a binding cross-tier budget the explicit optimum can be lower; and per-row uplink demands that are
not multiples of the chosen link speed round up per row rather than once.
"""

from __future__ import annotations

import math
import shlex
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from optimizer.core.catalog import apply_field_overrides, builtin_catalog, merge_catalogs
from optimizer.core.schema import Catalog, Economics, Objective

STANDARD_LENGTHS_M = (
    1,
    2,
    3,
    4,
    5,
    7,
    10,
    15,
    20,
    25,
    30,
    40,
    50,
    60,
    70,
    80,
    100,
    125,
    150,
    175,
    200,
    250,
    300,
    400,
    500,
    600,
    800,
    1000,
    1250,
    1500,
    2000,
    2500,
    3000,
    4000,
    5000,
    7000,
    10000,
)
TIERS = ("leaf", "spine", "core")
DEFAULT_MODELS: dict[int, list[str]] = {
    400: ["qm9700", "th5", "th5-cpo"],
    800: ["th5", "th5-cpo", "th6", "th6-cpo"],
    1600: ["th6", "th6-cpo", "spx-photonics-102t"],
}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Layout(_Spec):
    """Physical layout from which link lengths are derived (metres)."""

    nodes_per_rack: Annotated[int, Field(gt=0)] = 4
    racks_per_row: Annotated[int, Field(gt=0)] = 8
    rows_per_hall: Annotated[int, Field(gt=0)] = 32
    halls_per_building: Annotated[int, Field(gt=0)] = 8
    rack_pitch_m: Annotated[float, Field(gt=0)] = 0.6
    row_pitch_m: Annotated[float, Field(gt=0)] = 2.4
    cross_aisle_m: Annotated[float, Field(ge=0)] = 6.0
    """Run from a row end along the cross aisle to the hall's network row."""
    hall_spacing_m: Annotated[float, Field(gt=0)] = 80.0
    """Cable route between neighbouring halls."""
    building_spacing_m: Annotated[float, Field(gt=0)] = 500.0
    """Cable route between neighbouring buildings."""
    core_run_m: Annotated[float, Field(ge=0)] = 30.0
    """Run from a hall's spine row to the core room (same hall)."""
    vertical_m: Annotated[float, Field(ge=0)] = 3.0
    """Rise, drop and service loop per link."""
    in_rack_m: Annotated[float, Field(gt=0)] = 2.0
    """Length of a link inside one rack (top-of-rack leaf)."""
    slack: Annotated[float, Field(ge=0)] = 0.1
    """Fractional slack on every routed length."""
    leaf_placement: Literal["end-of-row", "top-of-rack"] = "end-of-row"


class LatencyBudgets(_Spec):
    """One-way latency budgets per traffic class (ns); omitted classes get no path."""

    same_leaf_ns: Annotated[float, Field(gt=0)] | None = None
    """GPU -> leaf -> GPU."""
    cross_spine_ns: Annotated[float, Field(gt=0)] | None = None
    """GPU -> leaf -> spine -> leaf -> GPU."""
    cross_core_ns: Annotated[float, Field(gt=0)] | None = None
    """GPU -> leaf -> spine -> core -> spine -> leaf -> GPU (3 tiers)."""


class ClusterSpec(_Spec):
    """Parameters of a generated cluster (validated; every problem is reported at once)."""

    name: str | None = None
    topology: Literal["rail-fat-tree", "clos", "rail-only"] = "rail-fat-tree"
    gpus: Annotated[int, Field(gt=0)]
    gpus_per_node: Annotated[int, Field(gt=0)] = 8
    nic_gbps: Literal[400, 800, 1600, 3200] = 800
    """Port speed of the one NIC per GPU."""
    nodes_per_su: Annotated[int, Field(gt=0)] = 32
    """Scalable unit (rail-fat-tree): nodes that share one leaf per rail."""
    tiers: Literal[1, 2, 3] | None = None
    """Switch tiers (per rail for rail-only); default: the fewest the switch radix allows."""
    oversubscription: Annotated[float, Field(ge=1)] = 1.0
    """Leaf down:up bandwidth ratio."""
    core_oversubscription: Annotated[float, Field(ge=1)] = 1.0
    """Spine down:up bandwidth ratio (3 tiers)."""
    uplink_min_gbps: Annotated[float, Field(gt=0)] | None = None
    """Slowest link speed on leaf-spine and spine-core links (``min_link_gbps``); default the NIC speed
    (a slower uplink would need more switch ports than the GPU side it carries)."""
    leaf_models: list[str] | None = None
    spine_models: list[str] | None = None
    core_models: list[str] | None = None
    latency: LatencyBudgets = LatencyBudgets()
    layout: Layout = Layout()
    granularity: Literal["aggregated", "explicit"] = "aggregated"
    economics: Economics = Economics()
    objective: Objective = "tco"
    max_power_w: Annotated[float, Field(gt=0)] | None = None
    max_capex_usd: Annotated[float, Field(gt=0)] | None = None
    supply: dict[str, Annotated[int, Field(ge=0)]] = {}
    cpo_share: Annotated[float, Field(ge=0, le=1)] | None = None
    """Supply limit: each CPO engine type may serve at most this share of the switch ports (counted at
    the NIC speed); written as ``limits.supply`` entries."""
    exclude: list[str] = []
    """Catalogue ids excluded on every link group."""
    allowed: dict[Literal["gpu-leaf", "leaf-spine", "spine-core"], list[str]] = {}
    """Per tier of links: only these catalogue ids."""
    catalog: dict[str, Any] | None = None
    """An inline catalogue (e.g. ``extends: builtin`` with what-if entries); default builtin."""
    catalog_file: str | None = None
    """Where ``catalog`` was read from (recorded in the command line only)."""
    description: str | None = None
    """Extra text appended to the generated description."""

    @model_validator(mode="after")
    def _consistent(self) -> ClusterSpec:
        problems = []
        if self.gpus % self.gpus_per_node:
            problems.append(f"gpus ({self.gpus}) is not a multiple of gpus_per_node ({self.gpus_per_node})")
        if self.topology != "rail-only" and self.tiers == 1:
            problems.append(f"{self.topology} needs 2 or 3 tiers (tiers: 1 only for rail-only)")
        if self.tiers is not None and self.tiers < 3 and self.core_models:
            problems.append("core_models given but the fabric has fewer than 3 tiers")
        if problems:
            raise ValueError("; ".join(problems))
        return self


# ------------------------------------------------------------------------------------------ geometry
@dataclass(frozen=True)
class _Rack:
    index: int
    nodes: int
    row: int
    pos: int
    hall: int
    building: int
    row_in_hall: int


def _standard(length_m: float) -> int:
    for s in STANDARD_LENGTHS_M:
        if length_m <= s + 1e-9:
            return s
    raise ValueError(f"a link of {length_m:.0f} m is longer than the longest standard length (10 km)")


def _racks(nodes: int, lay: Layout) -> list[_Rack]:
    racks = []
    for r in range(math.ceil(nodes / lay.nodes_per_rack)):
        row = r // lay.racks_per_row
        hall = row // lay.rows_per_hall
        racks.append(
            _Rack(
                r,
                min(lay.nodes_per_rack, nodes - r * lay.nodes_per_rack),
                row,
                r % lay.racks_per_row,
                hall,
                hall // lay.halls_per_building,
                row % lay.rows_per_hall,
            )
        )
    return racks


def _hall_route(h1: int, h2: int, lay: Layout) -> tuple[float, str]:
    """Route between two halls and its placement class."""
    if h1 == h2:
        return 0.0, "hall"
    b1, b2 = h1 // lay.halls_per_building, h2 // lay.halls_per_building
    if b1 == b2:
        return abs(h1 - h2) * lay.hall_spacing_m, "xhall"
    # to the building edge, across, and into the other building
    return abs(b1 - b2) * lay.building_spacing_m + lay.hall_spacing_m, "xbldg"


def _routed(horizontal_m: float, lay: Layout) -> int:
    return _standard((horizontal_m + lay.vertical_m) * (1 + lay.slack))


@dataclass(frozen=True)
class _RackLinks:
    """Per rack: GPU-leaf length/class; uplink location, length, class; core length, class."""

    gpu_leaf: tuple[str, int]
    uplink_key: str
    uplink: tuple[str, int] | None
    core_key: str
    core: tuple[str, int] | None


def _rack_links(rack: _Rack, tiers: int, halls: int, rows_in_hall: Counter[int], lay: Layout) -> _RackLinks:
    tor = lay.leaf_placement == "top-of-rack"
    if tor:
        gpu_leaf = ("rack", _standard(lay.in_rack_m))
        along_row = (lay.racks_per_row - rack.pos) * lay.rack_pitch_m
        uplink_key = f"r{rack.index}"
    else:
        gpu_leaf = ("row", _routed((lay.racks_per_row - rack.pos) * lay.rack_pitch_m, lay))
        along_row = 0.0
        uplink_key = f"row{rack.row}"
    uplink = core = None
    centre_hall = (halls - 1) // 2
    if tiers >= 2:
        spine_hall = rack.hall if tiers == 3 else centre_hall
        rows_here = rows_in_hall[spine_hall]
        across = abs(rack.row_in_hall - (rows_here - 1) / 2) * lay.row_pitch_m if spine_hall == rack.hall else 0.0
        hall_m, place = _hall_route(rack.hall, spine_hall, lay)
        if spine_hall != rack.hall:  # to the end of its own hall, then to the spine hall's network row
            across = lay.rows_per_hall / 2 * lay.row_pitch_m
        uplink = (place, _routed(along_row + across + lay.cross_aisle_m + hall_m, lay))
    if tiers == 3:
        hall_m, place = _hall_route(rack.hall, centre_hall, lay)
        core = (place, _routed(hall_m + lay.core_run_m, lay))
    return _RackLinks(gpu_leaf, uplink_key, uplink, f"h{rack.hall}", core)


# ------------------------------------------------------------------------------------------ sizing
def resolve_catalog(spec: ClusterSpec) -> Catalog:
    """The catalogue the generated instance will use (builtin, or the spec's inline one)."""
    if spec.catalog is None:
        return builtin_catalog()
    cat = Catalog.model_validate(apply_field_overrides(spec.catalog))
    return merge_catalogs(builtin_catalog(), cat) if cat.extends == "builtin" else cat


def _ports_at(model: Any, gbps: float) -> int:
    if model.max_port_gbps < gbps:
        return 0
    return int(min(model.max_ports, model.capacity_gbps // gbps))


def _max_endpoints(ports: int, tiers: int, oversub: float) -> float:
    """Endpoints a folded Clos of ``ports``-port switches reaches in ``tiers`` tiers (down:up = oversub at the
    leaf): P, P^2 r/(r+1), P^3 r/(2(r+1))."""
    down_share = oversub / (oversub + 1)
    return {1: ports, 2: ports * ports * down_share, 3: ports**3 * down_share / 2}[tiers]


def default_models(spec: ClusterSpec, tier: str) -> list[str]:
    """Candidate switch models of a tier: the spec's, or the defaults for the NIC speed."""
    given = {"leaf": spec.leaf_models, "spine": spec.spine_models, "core": spec.core_models}[tier]
    if given:
        return list(given)
    if spec.nic_gbps not in DEFAULT_MODELS:
        raise ValueError(f"no default switch models for {spec.nic_gbps}G NICs: give leaf/spine/core models")
    return list(DEFAULT_MODELS[spec.nic_gbps])


def choose_tiers(spec: ClusterSpec, catalog: Catalog) -> int:
    """The spec's tiers, checked against the radix of the candidates, or the fewest that reach every GPU."""
    switches = {s.id: s for s in catalog.switches}
    unknown = [m for t in TIERS for m in (default_models(spec, t)) if m not in switches]
    if unknown:
        raise ValueError(f"unknown switch model(s): {', '.join(sorted(set(unknown)))}")
    ports = max(_ports_at(switches[m], spec.nic_gbps) for m in default_models(spec, "leaf"))
    if ports == 0:
        raise ValueError(f"no leaf model takes {spec.nic_gbps}G ports")
    endpoints = spec.gpus / spec.gpus_per_node if spec.topology == "rail-only" else spec.gpus
    lowest = 1 if spec.topology == "rail-only" else 2
    fits = [t for t in (1, 2, 3) if t >= lowest and _max_endpoints(ports, t, spec.oversubscription) >= endpoints]
    if spec.tiers is not None:
        if spec.tiers not in fits:
            reach = _max_endpoints(ports, spec.tiers, spec.oversubscription)
            what = "GPUs per rail" if spec.topology == "rail-only" else "GPUs"
            raise ValueError(
                f"{spec.tiers} tier(s) of {ports}-port switches reach {reach:,.0f} {what}, "
                f"not {endpoints:,.0f}: use more tiers or larger switches"
            )
        return spec.tiers
    if not fits:
        raise ValueError(f"{spec.gpus:,} GPUs exceed 3 tiers of {ports}-port switches")
    return fits[0]


def _count_range(
    gbps: float, ends_lo_speed: float, models: list[str], switches: dict[str, Any], at_least: int = 0
) -> dict[str, int]:
    """Switch count bounds: at least what the largest candidate needs, at most what the smallest needs."""
    lo = max(at_least, max(1, math.ceil(gbps / max(switches[m].capacity_gbps for m in models) - 1e-9)))
    hi = max(
        math.ceil(max(gbps / switches[m].capacity_gbps, ends_lo_speed / switches[m].max_ports) - 1e-9) for m in models
    )
    return {"min": lo, "max": max(lo, hi)}


# ------------------------------------------------------------------------------------------ generation
def generate_instance(spec: ClusterSpec) -> dict[str, Any]:
    """A format-v1 instance mapping for ``spec`` (see the module docstring for the construction)."""
    catalog = resolve_catalog(spec)
    switches = {s.id: s for s in catalog.switches}
    tiers = choose_tiers(spec, catalog)
    lay = spec.layout
    nic = spec.nic_gbps
    n_nodes = spec.gpus // spec.gpus_per_node
    racks = _racks(n_nodes, lay)
    halls = racks[-1].hall + 1
    rows_in_hall: Counter[int] = Counter()
    for row in {r.row for r in racks}:
        rows_in_hall[row // lay.rows_per_hall] += 1
    rack_links = [_rack_links(r, tiers, halls, rows_in_hall, lay) for r in racks]
    explicit = spec.granularity == "explicit"
    up_share = 1.0 / spec.oversubscription
    core_share = up_share / spec.core_oversubscription
    uplink_min = spec.uplink_min_gbps or nic
    min_speed = uplink_min

    def restrict(tier: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if tier in spec.allowed:
            out["allowed"] = list(spec.allowed[tier])
        if spec.exclude:
            out["exclude"] = list(spec.exclude)
        return out

    # ---- GPU (NIC) groups and GPU-leaf links
    nic_groups: dict[str, int] = {}
    rack_gpu_group: list[str] = []
    gpu_leaf_len: dict[str, tuple[str, int]] = {}
    for rack, rl in zip(racks, rack_links, strict=True):
        place, length = rl.gpu_leaf
        gid = f"gpu-r{rack.index}" if explicit else f"gpu-{place}-{length}m"
        nic_groups[gid] = nic_groups.get(gid, 0) + rack.nodes * spec.gpus_per_node
        gpu_leaf_len[gid] = rl.gpu_leaf
        rack_gpu_group.append(gid)
    nodes: list[dict[str, Any]] = [
        {"id": gid, "kind": "nic", "count": count, "ports": 1, "max_port_gbps": nic}
        for gid, count in nic_groups.items()
    ]
    links: list[dict[str, Any]] = [
        {
            "id": f"{gid}-leaf",
            "a": gid,
            "b": "leaf",
            "length_m": gpu_leaf_len[gid][1],
            "demand_gbps": count * nic,
            "count": count,
            **restrict("gpu-leaf"),
        }
        for gid, count in nic_groups.items()
    ]

    # ---- uplinks (leaf-spine) and core links (spine-core), demand only: the planner picks the speed
    def grouped(key_of: Any, len_of: Any, prefix: str, a: str, b: str, share: float, tier: str) -> list[str]:
        demand: dict[str, float] = {}
        length: dict[str, int] = {}
        per_rack = []
        for rack, rl in zip(racks, rack_links, strict=True):
            place, metres = len_of(rl)
            lid = f"{prefix}-{key_of(rl)}" if explicit else f"{prefix}-{place}-{metres}m"
            demand[lid] = demand.get(lid, 0.0) + rack.nodes * spec.gpus_per_node * nic * share
            length[lid] = metres
            per_rack.append(lid)
        for lid in demand:
            links.append(
                {
                    "id": lid,
                    "a": a,
                    "b": b,
                    "length_m": length[lid],
                    "demand_gbps": demand[lid],
                    "min_link_gbps": uplink_min,
                    **restrict(tier),
                }
            )
        return per_rack

    rack_up: list[str] = []
    rack_core: list[str] = []
    if tiers >= 2:
        rack_up = grouped(
            lambda rl: rl.uplink_key, lambda rl: rl.uplink, "leaf-spine", "leaf", "spine", up_share, "leaf-spine"
        )
    if tiers == 3:
        rack_core = grouped(
            lambda rl: rl.core_key, lambda rl: rl.core, "spine-core", "spine", "core", core_share, "spine-core"
        )

    # ---- switch tiers
    total_gpu_gbps = spec.gpus * nic
    leaf_gbps = total_gpu_gbps * (1 + (up_share if tiers >= 2 else 0))
    leaf_ends = spec.gpus + (total_gpu_gbps * up_share / min_speed if tiers >= 2 else 0)
    leaf_models = default_models(spec, "leaf")
    if spec.topology == "clos" and lay.leaf_placement == "top-of-rack":
        at_least = len(racks)
    elif spec.topology in ("rail-fat-tree", "rail-only"):
        at_least = spec.gpus_per_node * (
            math.ceil(n_nodes / spec.nodes_per_su) if spec.topology == "rail-fat-tree" else 1
        )
    else:
        at_least = 0
    switch_nodes = [
        {
            "id": "leaf",
            "kind": "switch",
            "models": leaf_models,
            "count": _count_range(leaf_gbps, leaf_ends, leaf_models, switches, at_least),
        }
    ]
    if tiers >= 2:
        up_gbps = total_gpu_gbps * up_share
        spine_gbps = up_gbps * (1 + (spec.core_oversubscription**-1 if tiers == 3 else 0))
        models = default_models(spec, "spine")
        at_least = spec.gpus_per_node if spec.topology == "rail-only" else 0
        switch_nodes.append(
            {
                "id": "spine",
                "kind": "switch",
                "models": models,
                "count": _count_range(spine_gbps, spine_gbps / min_speed, models, switches, at_least),
            }
        )
    if tiers == 3:
        core_gbps = total_gpu_gbps * core_share
        models = default_models(spec, "core")
        switch_nodes.append(
            {
                "id": "core",
                "kind": "switch",
                "models": models,
                "count": _count_range(core_gbps, core_gbps / min_speed, models, switches),
            }
        )
    nodes = switch_nodes + nodes

    # ---- latency paths, one per traffic class and per co-occurring group combination
    paths: list[dict[str, Any]] = []
    combos: list[tuple[str, str | None, str | None]] = []
    seen: set[tuple[str, str | None, str | None]] = set()
    for i, gid in enumerate(rack_gpu_group):
        key = (gid, rack_up[i] if rack_up else None, rack_core[i] if rack_core else None)
        if key not in seen:
            seen.add(key)
            combos.append(key)
    budgets = spec.latency
    for cls, budget in (
        ("same-leaf", budgets.same_leaf_ns),
        ("cross-spine", budgets.cross_spine_ns),
        ("cross-core", budgets.cross_core_ns),
    ):
        if budget is None or (cls == "cross-spine" and tiers < 2) or (cls == "cross-core" and tiers < 3):
            continue
        done: set[tuple[str | None, ...]] = set()
        via: list[str | None]
        via_links: list[str | None]
        for gid, up, core in combos:
            steps = {"same-leaf": (gid,), "cross-spine": (gid, up), "cross-core": (gid, up, core)}[cls]
            if steps in done:
                continue
            done.add(steps)
            gl = f"{gid}-leaf"
            if cls == "same-leaf":
                via, via_links = [gid, "leaf", gid], [gl, gl]
            elif cls == "cross-spine":
                via, via_links = [gid, "leaf", "spine", "leaf", gid], [gl, up, up, gl]
            else:
                via = [gid, "leaf", "spine", "core", "spine", "leaf", gid]
                via_links = [gl, up, core, core, up, gl]
            paths.append({"id": f"{cls}-{len(done)}", "via": via, "links": via_links, "max_latency_ns": budget})

    # ---- limits
    supply = dict(spec.supply)
    if spec.cpo_share is not None:
        switch_ports = (
            spec.gpus
            + 2 * spec.gpus * (up_share if tiers >= 2 else 0)
            + 2 * spec.gpus * (core_share if tiers == 3 else 0)
        )
        cap = int(spec.cpo_share * switch_ports)
        for t in catalog.transceivers:
            if t.form == "cpo" and t.speed_gbps in (800, 1600) and not t.compatibility_only:
                supply.setdefault(t.id, cap)
    limits: dict[str, Any] = {}
    if spec.max_power_w is not None:
        limits["max_power_w"] = spec.max_power_w
    if spec.max_capex_usd is not None:
        limits["max_capex_usd"] = spec.max_capex_usd
    if supply:
        limits["supply"] = supply

    name = spec.name or default_name(spec, tiers)
    summary = (
        f"{spec.topology} {tiers}-tier, {spec.gpus:,} GPUs ({n_nodes:,} nodes x {spec.gpus_per_node}) at "
        f"{nic}G, {len(racks):,} racks in {halls} hall(s), {spec.granularity}: {len(links)} link groups"
    )
    description = f"{summary}. Generated by: {command_line(spec)}"
    if spec.description:
        description = f"{spec.description} {description}"
    instance: dict[str, Any] = {
        "schema_version": 1,
        "name": name,
        "description": description,
        "economics": spec.economics.model_dump(),
        "objective": spec.objective,
    }
    if limits:
        instance["limits"] = limits
    instance["catalog"] = spec.catalog if spec.catalog is not None else "builtin"
    instance.update({"nodes": nodes, "links": links, "paths": paths})
    return instance


def default_name(spec: ClusterSpec, tiers: int) -> str:
    """e.g. ``rail-fat-tree-3t-16384gpu-800g-aggregated``."""
    return f"{spec.topology}-{tiers}t-{spec.gpus}gpu-{spec.nic_gbps}g-{spec.granularity}"


# ------------------------------------------------------------------------------------------ command line
def command_line(spec: ClusterSpec) -> str:
    """The ``optimizer generate`` command that reproduces ``spec`` (non-default parameters only)."""
    args = ["optimizer", "generate"]
    default = ClusterSpec(gpus=spec.gpus)
    flat = spec.model_dump(exclude_defaults=True)
    for key in (
        "topology",
        "gpus",
        "gpus_per_node",
        "nic_gbps",
        "nodes_per_su",
        "tiers",
        "oversubscription",
        "core_oversubscription",
        "uplink_min_gbps",
        "granularity",
        "objective",
        "max_power_w",
        "max_capex_usd",
        "cpo_share",
        "name",
        "description",
    ):
        if key in flat or key == "gpus":
            value = getattr(spec, key)
            args += [f"--{key.replace('_', '-')}", _fmt(value)]
    for tier in TIERS:
        models = getattr(spec, f"{tier}_models")
        if models:
            args += [f"--{tier}-models", ",".join(models)]
    for key, value in spec.latency.model_dump(exclude_none=True).items():
        args += ["--latency", f"{key.removesuffix('_ns').replace('_', '-')}={_fmt(value)}"]
    for key, value in spec.layout.model_dump(exclude_defaults=True).items():
        args += ["--layout", f"{key}={_fmt(value)}"]
    for key, value in spec.economics.model_dump().items():
        if value != getattr(default.economics, key):
            args += [f"--{key.split('_')[0]}", _fmt(value)]
    for item, value in spec.supply.items():
        args += ["--supply", f"{item}={value}"]
    if spec.exclude:
        args += ["--exclude", ",".join(spec.exclude)]
    for tier, ids in spec.allowed.items():
        args += ["--allow", f"{tier}={','.join(ids)}"]
    if spec.catalog is not None:
        args += ["--catalog", spec.catalog_file or "<inline>"]
    return shlex.join(args)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def spec_from_options(options: Mapping[str, Any]) -> ClusterSpec:
    """Build a spec from flat CLI-style options (raises pydantic ValidationError on bad values)."""
    return ClusterSpec.model_validate({k: v for k, v in options.items() if v is not None})
