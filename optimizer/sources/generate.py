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

Switch candidates (``ecosystem``)
Every tier's candidate models come from one ecosystem profile (``ECOSYSTEMS``): ``nvidia-ib`` (Quantum-2
QM9700 at 400G, Quantum-X800 Q3400 / Q3450 at 800G), ``spectrum-x`` (SN5600; Spectrum-X Photonics or a
pluggable Spectrum-6 box at 1.6T) or ``broadcom`` (Tomahawk 5 / 6, pluggable or CPO; the default). Models
given per tier override the profile, and the profile is inferred from them when not named. All candidates of one
fabric share one protocol (no InfiniBand leaf under an Ethernet spine): mixing is an input error.

Tiers
Leaf-spine and spine-core links run at ``uplink_min_gbps``, else at the speed ``uplink_choice`` picks: by default
(``fewest-tiers``) per tier boundary the standard speed from the NIC speed up to the fastest port every candidate
of both tiers takes with the fewest tiers, then the least switch cost, then the fastest (a slower uplink gives a
switch more ports: SN5600 at 400G uplinks puts 8,192 GPUs per plane in 2 tiers, at 800G in 3); ``fastest``
always takes the fastest. A leaf takes as many GPU links as fit with their uplinks (down:up = ``oversubscription``);
the tier count is the fewest whose reach covers the GPUs: one leaf's down links (1 tier); times the spine's
ports (2 tiers: every leaf one link to every spine); times a spine's down links (a pod) times the core's ports
(3 tiers). Each tier uses its own candidates' radix (a TH5 leaf under TH6 spines reaches 131,072 GPUs at 800G).

Wiring (``wiring``). ``balanced`` (the default) sizes every tier at its port minimum: each leaf location's
GPUs (a rail-fat-tree SU, a top-of-rack rack, a rail) go on the fewest leaves that take them, as evenly as
possible (so an NVL72 SU's 4 rails of 144 GPUs fill 18 32-port leaves, one leaf holding the end of one rail and
the start of the next); leaf i has up_i uplinks, U in all; 2 tiers: ceil(U / spine ports) spines, every leaf
giving every spine floor(up_i / spines) or one more link, in turn, so the spines' loads differ by at most one
(``balanced_links``); 3 tiers: pods of consecutive leaves and per pod the fewest spines that take its uplinks,
spine j of every pod in core group j with the fewest cores that take the group's uplinks, balanced the same way,
over every pod count, keeping the fewest spines + cores. Where the sizes divide, every pair gets the same number
of links and this is the even wiring below. ``integral`` is NVIDIA's SU rule: one leaf per rail of each SU, and
equal whole numbers of links on every pair: every leaf reaches every spine of its pod with k1 links (leaf
uplinks = k1 x spines per pod; pod leaves x k1 <= spine down ports), and spine j of every pod reaches every core
of core group j with k2 links (spine uplinks = k2 x cores per group; pods x k2 <= core ports); the wiring with
the fewest spines and cores is kept. This gives NVIDIA's 18 and 36 spines at 2,304 and 4,608 GPUs on
Quantum-X800 where the port minimum is 16 and 32, and 20 leaves / 29 spines for a GB200 NVL72 SU where it is
18 / 9. A plan states each switch group's port minimum and the switches above it, whichever wiring built the
file. Candidates of one radix give one count per tier (written as ``{min: n, max: n}``); candidates of
different radix give the range over their wirings, and a candidate that cannot wire the fabric is left out.
``wiring: capacity`` sizes tiers by bandwidth and ports only.

Systems (``system``): ``nvl72`` (GB200 / GB300 NVL72) sets 4 GPUs per node (a compute tray with 4 NICs), 18
nodes per rack and an SU of 144 nodes (8 racks, 576 GPUs), NVIDIA's SU of the DGX SuperPOD GB200 reference
architecture.

Planes (``planes``): identical parallel fabrics; every GPU has one NIC port in each (``ports: planes``), and
every link and switch count is the one-plane count times the planes. A rail-only fabric is wired per rail.
A multi-plane flat fabric splits each NIC into slower ports (``nic_gbps: 200, planes: 4``: a ConnectX-8 in its
Ethernet 4 x 200G mode), so each plane's switches have 512 ports at 200G: 131,072 GPUs in 2 tiers per plane.

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

import itertools
import math
import shlex
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

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
Ecosystem = Literal["nvidia-ib", "spectrum-x", "broadcom"]
ECOSYSTEMS: dict[str, dict[int, dict[str, list[str]]]] = {
    # NVIDIA InfiniBand: Quantum-2 (NDR, 64 x 400G) and Quantum-X800 (XDR, 144 x 800G) in every tier
    "nvidia-ib": {
        400: {t: ["qm9700"] for t in TIERS},
        800: {t: ["q3400", "q3450-cpo"] for t in TIERS},
    },
    # NVIDIA Spectrum-X Ethernet: SN5600 (64 x 800G / 128 x 400G); at 1.6T Spectrum-X Photonics (CPO, sampling) or
    # a pluggable Spectrum-6 box (what-if) of the same radix; at 200G Spectrum-X Photonics' 102.4T as 512 x 200G
    # ports (the multi-plane fabric of ConnectX-8 NICs in 4 x 200G mode)
    "spectrum-x": {
        200: {t: ["spx-photonics-102t-512x200"] for t in TIERS},
        400: {t: ["sn5600"] for t in TIERS},
        800: {t: ["sn5600"] for t in TIERS},
        1600: {t: ["spx-photonics-102t", "sn6-102t"] for t in TIERS},
    },
    # Broadcom-based Ethernet: Tomahawk 5 / 6 boxes, pluggable or co-packaged; at 100G TH5 as 512 x 100G, at
    # 200G TH6 as 512 x 200G (Broadcom's two-tier 131,072-XPU arithmetic); at 800G the TH5 leaves (100G lanes)
    # sit under TH6 spines and cores of the same lane rate (128 x 800G), at 1.6T TH6 at 200G lanes everywhere
    "broadcom": {
        100: {t: ["th5-512x100"] for t in TIERS},
        200: {t: ["th6-512x200"] for t in TIERS},
        400: {t: ["th5", "th5-cpo"] for t in TIERS},
        800: {"leaf": ["th5", "th5-cpo"], "spine": ["th6-128x800"], "core": ["th6-128x800"]},
        1600: {t: ["th6", "th6-cpo"] for t in TIERS},
    },
}
"""Candidate switch models per ecosystem, NIC speed and tier. Within a tier the candidates have one radix
at the tier's link speed (a pluggable box and its co-packaged twin), so the integral wiring fixes the count."""
DEFAULT_ECOSYSTEM: Ecosystem = "broadcom"
"""Open-market Ethernet: the one profile with 400G, 800G and 1.6T candidates and both pluggable and CPO boxes."""
PROTOCOL: dict[str, str] = {"nvidia-ib": "infiniband", "spectrum-x": "ethernet", "broadcom": "ethernet"}


@dataclass(frozen=True)
class SystemLayout:
    """A rack-scale GPU system's node, rack and scalable-unit sizes."""

    gpus_per_node: int
    """GPUs (each with its own NIC) per node (compute tray)."""
    nodes_per_rack: int
    nodes_per_su: int
    """Nodes per scalable unit: the SU the scale-out fabric is sized by."""


SYSTEMS: dict[str, SystemLayout] = {
    # GB200 / GB300 NVL72 (NVIDIA DGX SuperPOD GB200 reference architecture; NVIDIA NVL72 AI Factory enterprise
    # RA): 18 compute trays per rack, 4 GPUs and 4 NICs (ConnectX-7 400G or ConnectX-8 800G) per tray, one NVLink
    # domain of 72 GPUs per rack, an SU of 8 racks = 144 trays = 576 GPUs
    "nvl72": SystemLayout(gpus_per_node=4, nodes_per_rack=18, nodes_per_su=144),
}
"""Rack-scale systems (``ClusterSpec.system``)."""


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


class FrontEnd(_Spec):
    """An optional front-end / storage fabric generated beside the back-end (compute) fabric, in the same instance:
    every node's ``ports_per_node`` ports of ``gbps`` Ethernet (a converged front-end and storage network, e.g. one
    or two 200/400GbE ports per node on a BlueField-3 or a CPU-attached NIC) on a Clos of its own, sized as the
    generator sizes a back-end Clos (``frontend_spec``); its node and link groups are named as a back-end's,
    prefixed ``fe-`` (NIC groups ``fe-node-*``). The back-end's layout, wiring, uplink choice, catalogue, statuses
    and exclusions apply."""

    ports_per_node: Literal[1, 2] = 1
    """Front-end ports per node, one per front-end plane (2: two parallel networks, each port on its own)."""
    gbps: Literal[200, 400] = 400
    """Speed of each front-end port."""
    oversubscription: Annotated[float, Field(ge=1)] = 1.0
    """Front-end leaf down:up bandwidth ratio."""
    models: list[str] | None = None
    """Candidate switch models of every front-end tier; default ``FRONTEND_MODELS`` of the back-end's
    ecosystem (Ethernet: a front-end network is Ethernet whatever the back-end runs)."""
    nic_model: str | None = None
    """Catalogue NIC model of the front-end NIC groups (default: none named)."""


FRONTEND_MODELS: dict[str, dict[int, list[str]]] = {
    "broadcom": {200: ["th5-256x200"], 400: ["th5"]},
    "spectrum-x": {400: ["sn5600"]},
    "nvidia-ib": {400: ["sn5600"]},
}
"""Default front-end switch candidates per back-end ecosystem and front-end port speed: 51.2T pluggable Ethernet
boxes (TH5 as 128 x 400G, or with 200G host ports and 400G uplinks as Alibaba HPN's; NVIDIA's Ethernet SN5600 at
400G, also beside an InfiniBand back-end: the NVIDIA Ethernet profile has no 200G host part for its cages)."""


class ClusterSpec(_Spec):
    """Parameters of a generated cluster (validated; every problem is reported at once)."""

    name: str | None = None
    topology: Literal["rail-fat-tree", "clos", "rail-only"] = "rail-fat-tree"
    gpus: Annotated[int, Field(gt=0)]
    gpus_per_node: Annotated[int, Field(gt=0)] = 8
    nic_gbps: Literal[100, 200, 400, 800, 1600, 3200] = 800
    """Port speed of each GPU's NIC port (one port per plane)."""
    planes: Annotated[int, Field(gt=0)] = 1
    """Parallel identical fabrics (planes): every GPU has one NIC port of ``nic_gbps`` in each plane
    (e.g. 2 planes of 400G for a 2 x 400G NIC)."""
    homing: Literal["single", "dual"] = "single"
    """``dual``: dual-ToR homing (Alibaba HPN): every NIC's ports are split across two leaves, half of its ports
    in the odd planes and half in the even ones (``planes`` must be even), so a host link or leaf failure leaves
    the NIC its other leaf. The switch counts are those of the planes; with a ``reliability`` section the GPU-leaf
    groups get ``job_stop_fraction: dual_homed_job_stop_fraction``."""
    dual_homed_job_stop_fraction: Annotated[float, Field(ge=0, le=1)] = 0.0
    """Job stop fraction of a dual-homed host link (``homing: dual``, written with a ``reliability`` section):
    default 0, the bonded NIC carries on over its other port at reduced bandwidth."""
    reliability: dict[str, Any] | None = None
    """An instance ``reliability`` section written as given (downtime economics; instances/README.md
    "Reliability")."""
    nodes_per_su: Annotated[int, Field(gt=0)] | None = None
    """Scalable unit (rail-fat-tree): nodes that share one leaf per rail; default: the GPUs one leaf of the
    smallest leaf candidate takes down (32 for a 64-port leaf, 72 for Quantum-X800)."""
    tiers: Literal[1, 2, 3] | None = None
    """Switch tiers (per rail for rail-only); default: the fewest the candidates' radix allows."""
    ecosystem: Ecosystem | None = None
    """Switch family of every tier's candidates (``ECOSYSTEMS``): default inferred from given models, else
    ``broadcom``. All switch candidates must share one protocol (InfiniBand or Ethernet)."""
    wiring: Literal["balanced", "integral", "capacity"] = "balanced"
    """How tiers are sized: ``balanced`` (the default: each tier at its port minimum, every leaf reaching every
    spine of its pod and every spine every core of its core group, the link counts of one switch's pairs
    differing by at most one; where the sizes divide, every pair gets the same number), ``integral`` (equal
    whole numbers of links on every pair: NVIDIA's published SU rule, which can take more switches than the
    port minimum) or ``capacity`` (summed bandwidth and ports only)."""
    system: Literal["nvl72"] | None = None
    """A rack-scale GPU system whose layout fixes the node, rack and SU sizes (``SYSTEMS``): ``nvl72`` = GB200 /
    GB300 NVL72, 18 compute trays of 4 GPUs with one NIC each per rack, an SU of 8 racks (576 GPUs). Fields given
    explicitly must agree with it; ``gpus`` must fill whole racks."""
    oversubscription: Annotated[float, Field(ge=1)] = 1.0
    """Leaf down:up bandwidth ratio."""
    core_oversubscription: Annotated[float, Field(ge=1)] = 1.0
    """Spine down:up bandwidth ratio (3 tiers)."""
    uplink_min_gbps: Annotated[float, Field(gt=0)] | None = None
    """Speed of leaf-spine and spine-core links (their ``min_link_gbps``, and the speed the wiring is sized
    at); default chosen by ``uplink_choice``."""
    uplink_choice: Literal["fewest-tiers", "fastest"] = "fewest-tiers"
    """How the leaf-spine and spine-core speeds are chosen when ``uplink_min_gbps`` is not given: per tier
    boundary among the standard port speeds from the NIC speed up to the fastest every candidate on both sides
    takes, the pair that gives the fewest tiers, then the least switch cost, then the fastest (``fewest-tiers``);
    or always the fastest (``fastest``, the former default)."""
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
    compat: bool = True
    """Write a ``compatibility`` section (when the catalogue defines compatibility profiles): the ecosystem's
    catalogue profile, so only its switches, NICs and qualified parts of one protocol are options, with lane
    rates, cages, cage power classes and availability checked."""
    status: list[Literal["sampling", "announced", "what-if"]] = []
    """Statuses besides ``shipping`` whose catalogue entries are options (``compatibility.status``)."""
    available_by: Annotated[int, Field(ge=1990, le=2100)] | None = None
    """Also sampling and announced entries expected by this year (``compatibility.available_by``)."""
    nic_model: str | None = None
    """Catalogue NIC model of every GPU NIC group (default: the profile's NIC for the port speed, if any)."""
    description: str | None = None
    """Extra text appended to the generated description."""
    frontend: FrontEnd | None = None
    """An optional front-end / storage fabric of its own in the same instance (``FrontEnd``); default none."""
    _speeds: tuple[float, float] | None = PrivateAttr(default=None)
    """Link speeds fixed while the uplink choice evaluates a candidate pair (internal)."""

    @model_validator(mode="before")
    @classmethod
    def _system_layout(cls, data: Any) -> Any:
        """Fill the node, rack and SU sizes of ``system`` where not given; report the given ones that differ."""
        if not isinstance(data, Mapping) or data.get("system") not in SYSTEMS:
            return data
        preset = SYSTEMS[str(data["system"])]
        out = dict(data)
        layout = out.get("layout")
        layout = dict(layout.model_dump(exclude_defaults=True) if isinstance(layout, Layout) else layout or {})
        wanted = {"gpus_per_node": preset.gpus_per_node, "nodes_per_su": preset.nodes_per_su}
        problems = [
            f"system {data['system']} has {value} {key.replace('_', ' ')}, not {out[key]}"
            for key, value in wanted.items()
            if out.get(key) is not None and out[key] != value
        ]
        if layout.get("nodes_per_rack") is not None and layout["nodes_per_rack"] != preset.nodes_per_rack:
            problems.append(
                f"system {data['system']} has {preset.nodes_per_rack} nodes per rack, not {layout['nodes_per_rack']}"
            )
        gpus = out.get("gpus")
        rack_gpus = preset.gpus_per_node * preset.nodes_per_rack
        if isinstance(gpus, int) and gpus % rack_gpus:
            problems.append(f"system {data['system']} fills racks of {rack_gpus} GPUs: gpus ({gpus}) is not a multiple")
        if problems:
            raise ValueError("; ".join(problems))
        out.update({k: v for k, v in wanted.items() if out.get(k) is None})
        out["layout"] = {**layout, "nodes_per_rack": preset.nodes_per_rack}
        return out

    @model_validator(mode="after")
    def _consistent(self) -> ClusterSpec:
        problems = []
        if self.gpus % self.gpus_per_node:
            problems.append(f"gpus ({self.gpus}) is not a multiple of gpus_per_node ({self.gpus_per_node})")
        if self.topology != "rail-only" and self.tiers == 1:
            problems.append(f"{self.topology} needs 2 or 3 tiers (tiers: 1 only for rail-only)")
        if self.homing == "dual" and self.planes % 2:
            problems.append(
                f"homing dual splits each NIC's ports across two leaves: planes ({self.planes}) must be even"
            )
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


def _switch_protocol(model: Any) -> str | None:
    """A switch model's protocol: its catalogue ``protocol`` field if it has one, else the ecosystem whose
    candidates list it, else None (unknown: not checked)."""
    given = getattr(model, "protocol", None)
    if isinstance(given, list | tuple):
        return str(given[0]) if len(given) == 1 else None  # a multi-protocol box conflicts with neither
    if given:
        return str(given)
    for eco, by_speed in ECOSYSTEMS.items():
        if any(model.id in ids for tiers in by_speed.values() for ids in tiers.values()):
            return PROTOCOL[eco]
    return None


def resolve_ecosystem(spec: ClusterSpec) -> str | None:
    """The spec's ecosystem; else the one whose candidates include every given model; else the default
    (None when models are given for every tier and no ecosystem lists them all, e.g. what-if switches)."""
    if spec.ecosystem is not None:
        return spec.ecosystem
    given = [m for t in TIERS for m in (getattr(spec, f"{t}_models") or [])]
    if not given:
        return DEFAULT_ECOSYSTEM
    for eco, by_speed in ECOSYSTEMS.items():
        listed = {m for tiers in by_speed.values() for ids in tiers.values() for m in ids}
        if set(given) <= listed:
            return eco
    if all(getattr(spec, f"{t}_models") for t in TIERS):
        return None
    return DEFAULT_ECOSYSTEM


def default_models(spec: ClusterSpec, tier: str) -> list[str]:
    """Candidate switch models of a tier: the spec's, or the ecosystem's for the NIC speed."""
    given = {"leaf": spec.leaf_models, "spine": spec.spine_models, "core": spec.core_models}[tier]
    if given:
        return list(given)
    eco = resolve_ecosystem(spec)
    profile = ECOSYSTEMS.get(eco or DEFAULT_ECOSYSTEM, {})
    if spec.nic_gbps not in profile:
        speeds = ", ".join(f"{s}G" for s in sorted(profile))
        raise ValueError(
            f"the {eco} ecosystem has no switch candidates for {spec.nic_gbps}G NICs (it has {speeds}): "
            "give leaf/spine/core models or another --ecosystem"
        )
    return list(profile[spec.nic_gbps][tier])


def _check_models(spec: ClusterSpec, switches: dict[str, Any]) -> None:
    unknown = [m for t in TIERS for m in default_models(spec, t) if m not in switches]
    if unknown:
        raise ValueError(f"unknown switch model(s): {', '.join(sorted(set(unknown)))}")
    by_protocol: dict[str, set[str]] = {}
    for t in TIERS:
        for m in default_models(spec, t):
            proto = _switch_protocol(switches[m])
            if proto is not None:
                by_protocol.setdefault(proto, set()).add(m)
    if len(by_protocol) > 1:
        mix = "; ".join(f"{p}: {', '.join(sorted(ms))}" for p, ms in sorted(by_protocol.items()))
        raise ValueError(f"switch candidates mix protocols ({mix}): one fabric runs one protocol")


def _fits(model: Any, ends: list[tuple[int, float]]) -> bool:
    """Whether one switch of ``model`` terminates these (count, speed) link ends."""
    used = [(n, g) for n, g in ends if n > 0]
    return (
        sum(n for n, _ in used) <= model.max_ports
        and sum(n * g for n, g in used) <= model.capacity_gbps + 1e-9
        and all(g <= model.max_port_gbps for _, g in used)
    )


def _ups(down: int, down_gbps: float, up_gbps: float, oversub: float) -> int:
    """Uplinks at ``up_gbps`` that carry ``down`` links at ``down_gbps`` with down:up = ``oversub``."""
    return math.ceil(down * down_gbps / (oversub * up_gbps) - 1e-9)


def _max_down(model: Any, down_gbps: float, up_gbps: float | None, oversub: float) -> int:
    """The most down links one switch takes when it also carries their uplinks (none if ``up_gbps`` is None)."""
    for d in range(int(model.max_ports), 0, -1):
        up = 0 if up_gbps is None else _ups(d, down_gbps, up_gbps, oversub)
        if _fits(model, [(d, down_gbps), (up, up_gbps or 0.0)]):
            return d
    return 0


PORT_SPEEDS_GBPS = (100, 200, 400, 800, 1600, 3200)
"""Standard port speeds the uplink choice considers."""
_CHOSEN_SPEEDS: dict[str, tuple[float, float]] = {}


def fastest_speeds(spec: ClusterSpec) -> tuple[float, float]:
    """(leaf-spine, spine-core): the fastest port speed every candidate of both tiers takes (the catalogue
    decides; unknown models are reported by ``choose_tiers``)."""
    switches = {s.id: s for s in resolve_catalog(spec).switches}

    def common(*tiers: str) -> float:
        speeds = [switches[m].max_port_gbps for t in tiers for m in default_models(spec, t) if m in switches]
        return float(min(speeds)) if speeds else float(spec.nic_gbps)

    return common("leaf", "spine"), common("spine", "core")


def link_speeds(spec: ClusterSpec) -> tuple[float, float]:
    """(leaf-spine, spine-core) link speed: ``uplink_min_gbps``; else with ``uplink_choice: fastest`` the
    fastest port speed every candidate of both tiers takes; else (``fewest-tiers``) the pair of standard speeds
    between the NIC speed and those fastest ones with the fewest tiers, then the least switch cost (fewest
    switches of each tier at its cheapest candidate's price), then the fastest."""
    if spec.uplink_min_gbps is not None:
        return spec.uplink_min_gbps, spec.uplink_min_gbps
    if spec._speeds is not None:
        return spec._speeds
    fast = fastest_speeds(spec)
    if spec.uplink_choice == "fastest":
        return fast
    key = spec.model_dump_json()
    if key not in _CHOSEN_SPEEDS:
        if len(_CHOSEN_SPEEDS) >= 4096:  # a bounded memo (an envelope study generates many sizes)
            _CHOSEN_SPEEDS.clear()
        _CHOSEN_SPEEDS[key] = _fewest_tiers_speeds(spec, fast)
    return _CHOSEN_SPEEDS[key]


def _fewest_tiers_speeds(spec: ClusterSpec, fast: tuple[float, float]) -> tuple[float, float]:
    """The ``fewest-tiers`` uplink choice (see ``link_speeds``); the fastest pair when no pair wires the fabric
    (``choose_tiers`` then reports why)."""
    catalog = resolve_catalog(spec)
    switches = {s.id: s for s in catalog.switches}

    def options(top: float) -> list[float]:
        slower = [float(g) for g in PORT_SPEEDS_GBPS if spec.nic_gbps <= g < top]
        return [top, *sorted(slower, reverse=True)]

    best: tuple[tuple[int, float, int], tuple[float, float]] | None = None
    for rank, pair in enumerate(itertools.product(options(fast[0]), options(fast[1]))):
        trial = spec.model_copy()
        trial._speeds = pair
        try:
            tiers = choose_tiers(trial, catalog)
            racks = _racks(spec.gpus // spec.gpus_per_node, spec.layout)
            if spec.wiring != "capacity":
                counts, used, _ = tier_counts(trial, switches, tiers, racks)
            else:
                counts, used = _capacity_counts(trial, switches, tiers, len(racks)), {}
        except ValueError:
            continue
        cost = sum(
            c["min"] * min(switches[m].cost_usd for m in used.get(t) or default_models(trial, t))
            for t, c in counts.items()
        )
        score = (tiers, cost, rank)
        if best is None or score < best[0]:
            best = (score, pair)
    return fast if best is None else best[1]


@dataclass(frozen=True)
class _Radix:
    """Per tier, the best candidate's reach: leaf GPUs down, spine links down (3 tiers), ports (top tier)."""

    leaf_down_1t: int
    leaf_down: int
    spine_all: int
    spine_down: int
    core_all: int


def _radix(spec: ClusterSpec, switches: dict[str, Any], w1: float, w2: float) -> _Radix:
    def best(tier: str, down: float, up: float | None, oversub: float) -> int:
        return max(_max_down(switches[m], down, up, oversub) for m in default_models(spec, tier))

    n = spec.nic_gbps
    return _Radix(
        leaf_down_1t=best("leaf", n, None, 1.0),
        leaf_down=best("leaf", n, w1, spec.oversubscription),
        spine_all=best("spine", w1, None, 1.0),
        spine_down=best("spine", w1, w2, spec.core_oversubscription),
        core_all=best("core", w2, None, 1.0),
    )


def _max_endpoints(r: _Radix, tiers: int) -> int:
    """GPUs (per fabric) a folded Clos reaches with these tiers: one leaf's down links; x spine ports
    (every leaf one link to every spine, 2 tiers); x spine down links (a pod) x core ports (pods, 3 tiers)."""
    return {1: r.leaf_down_1t, 2: r.leaf_down * r.spine_all, 3: r.leaf_down * r.spine_down * r.core_all}[tiers]


def choose_tiers(spec: ClusterSpec, catalog: Catalog) -> int:
    """The spec's tiers, checked against the radix of every tier's candidates, or the fewest that reach every
    GPU (a fabric's reach depends on the leaf, spine and core radix, each at its link speed)."""
    switches = {s.id: s for s in catalog.switches}
    _check_models(spec, switches)
    w1, w2 = link_speeds(spec)
    if max(_ports_at(switches[m], spec.nic_gbps) for m in default_models(spec, "leaf")) == 0:
        raise ValueError(f"no leaf model takes {spec.nic_gbps}G ports")
    r = _radix(spec, switches, w1, w2)
    endpoints = spec.gpus // spec.gpus_per_node if spec.topology == "rail-only" else spec.gpus
    lowest = 1 if spec.topology == "rail-only" else 2
    fits = [t for t in (1, 2, 3) if t >= lowest and _max_endpoints(r, t) >= endpoints]
    what = "GPUs per rail" if spec.topology == "rail-only" else "GPUs"
    if spec.tiers is not None:
        if spec.tiers not in fits:
            reach = _max_endpoints(r, spec.tiers)
            raise ValueError(
                f"{spec.tiers} tier(s) of these switches reach {reach:,} {what}, not {endpoints:,}: "
                "use more tiers or larger switches"
            )
        return spec.tiers
    if not fits:
        raise ValueError(f"{endpoints:,} {what} exceed 3 tiers of these switches (reach {_max_endpoints(r, 3):,})")
    if spec.wiring != "capacity":  # the reach assumes full leaves; top-of-rack leaves may need a tier more
        racks = _racks(spec.gpus // spec.gpus_per_node, spec.layout)
        for t in fits:
            if _wirings(spec, switches, t, racks):
                return t
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


# ------------------------------------------------------------------------------------------ integral wiring
@dataclass(frozen=True)
class Wiring:
    """Integral wiring of one fabric (one plane; one rail of a rail-only fabric) for one model per tier."""

    leaves: int
    leaf_down: int
    """GPU links on the fullest leaf."""
    leaf_up: int
    """Uplinks per leaf."""
    spines: int = 0
    pods: int = 1
    leaf_spine_links: int = 0
    """Links between a leaf and each spine of its pod."""
    cores: int = 0
    spine_core_links: int = 0
    """Links between a spine and each core of its core group."""
    balanced: bool = False
    """Balanced wiring (``wiring: balanced``): the pair link counts above are the fewest on any pair; a switch's
    pairs differ by at most one link (``balanced_links``)."""


def _leaves(spec: ClusterSpec, racks: list[_Rack], per_leaf: int) -> tuple[int, int]:
    """(leaves of one fabric, GPUs on the fullest leaf) when a leaf takes at most ``per_leaf`` GPU links."""
    n_nodes = spec.gpus // spec.gpus_per_node
    if spec.topology == "rail-fat-tree":  # per SU: its nodes on each rail
        su = nodes_per_su(spec)
        groups = [min(su, n_nodes - i) for i in range(0, n_nodes, su)] * spec.gpus_per_node
    elif spec.topology == "rail-only":  # one rail (the caller multiplies by the rails)
        groups = [n_nodes]
    elif spec.layout.leaf_placement == "top-of-rack":
        groups = [r.nodes * spec.gpus_per_node for r in racks]
    else:
        groups = [spec.gpus]
    split = [math.ceil(g / per_leaf) for g in groups]
    return sum(split), max(math.ceil(g / k) for g, k in zip(groups, split, strict=True))


def _two_tier(leaves: int, up: int, spine_ports: int) -> tuple[int, int] | None:
    """(spines, links per leaf-spine pair): the most links per pair that divides a leaf's uplinks."""
    for k in range(min(spine_ports // leaves, up), 0, -1):
        if up % k == 0:
            return up // k, k
    return None


def _three_tier(
    leaves: int, up: int, spine_down: int, spine_up_of: Any, core_ports: int
) -> tuple[int, int, int, int, int] | None:
    """(pods, spines per pod, links per leaf-spine pair, cores per core group, links per spine-core pair) with
    the fewest spines + cores. Pods of p leaves (p divides the leaves); each leaf reaches each of the pod's s
    spines with k1 links (up = k1 s, p k1 <= spine down links); spine j of every pod reaches each of the c cores
    of core group j with k2 links (spine uplinks = k2 c, pods k2 <= core ports)."""
    best: tuple[int, tuple[int, int, int, int, int]] | None = None
    for p in range(1, min(leaves, spine_down) + 1):
        if leaves % p:
            continue
        pods = leaves // p
        if pods > core_ports:
            continue
        for k1 in range(min(spine_down // p, up), 0, -1):
            if up % k1:
                continue
            s = up // k1
            u_s = spine_up_of(p * k1)
            for k2 in range(min(core_ports // pods, u_s), 0, -1):
                if u_s % k2 == 0:
                    c = u_s // k2
                    total = pods * s + s * c
                    if best is None or total < best[0]:
                        best = (total, (pods, s, k1, c, k2))
                    break
    return None if best is None else best[1]


def wire(spec: ClusterSpec, models: dict[str, Any], tiers: int, racks: list[_Rack]) -> Wiring | None:
    """The integral wiring of one fabric with one model per tier (``models``: tier -> Switch), or None if
    these models cannot wire it (too few ports for the leaves, or no whole number of links per pair)."""
    n = spec.nic_gbps
    w1, w2 = link_speeds(spec)
    if tiers == 1:
        per_leaf = _max_down(models["leaf"], n, None, 1.0)
        if per_leaf == 0:
            return None
        leaves, down = _leaves(spec, racks, per_leaf)
        return Wiring(leaves, down, 0)
    per_leaf = _max_down(models["leaf"], n, w1, spec.oversubscription)
    if per_leaf == 0:
        return None
    leaves, down = _leaves(spec, racks, per_leaf)
    up = _ups(down, n, w1, spec.oversubscription)
    if tiers == 2:
        two = _two_tier(leaves, up, _max_down(models["spine"], w1, None, 1.0))
        if two is None:
            return None
        return Wiring(leaves, down, up, spines=two[0], leaf_spine_links=two[1])
    spine_down = _max_down(models["spine"], w1, w2, spec.core_oversubscription)
    core_ports = _max_down(models["core"], w2, None, 1.0)
    if spine_down == 0 or core_ports == 0:
        return None
    three = _three_tier(leaves, up, spine_down, lambda d: _ups(d, w1, w2, spec.core_oversubscription), core_ports)
    if three is None:
        return None
    pods, s, k1, c, k2 = three
    return Wiring(leaves, down, up, spines=pods * s, pods=pods, leaf_spine_links=k1, cores=s * c, spine_core_links=k2)


def balanced_links(ups: list[int], tops: int) -> list[list[int]]:
    """Links from each lower switch to each of ``tops`` upper switches, balanced: lower switch i gives every upper
    switch floor(ups[i] / tops) or one more, its extra links starting where the previous switch's ended (in
    turn), so the upper switches' loads differ by at most one (at most ceil(sum(ups) / tops) each). Every pair
    has a link when every ups[i] >= tops."""
    out = []
    start = 0
    for up in ups:
        row = [up // tops] * tops
        for j in range(up % tops):
            row[(start + j) % tops] += 1
        start = (start + up % tops) % tops
        out.append(row)
    return out


def _leaf_downs(spec: ClusterSpec, racks: list[_Rack], per_leaf: int) -> list[int]:
    """GPU links on every leaf of one fabric at the port minimum (``wiring: balanced``): each leaf location's
    GPUs over the fewest leaves that take them, as evenly as possible. A rail-fat-tree SU's leaves take its
    GPUs of every rail (a leaf may hold the end of one rail and the start of the next, as NVL72's 4 rails of
    144 GPUs on 32-port leaves: 18 leaves per SU, not 4 x 5); top-of-rack leaves serve their rack."""
    n_nodes = spec.gpus // spec.gpus_per_node
    if spec.topology == "rail-fat-tree":
        su = nodes_per_su(spec)
        groups = [min(su, n_nodes - i) * spec.gpus_per_node for i in range(0, n_nodes, su)]
    elif spec.topology == "rail-only":
        groups = [n_nodes]
    elif spec.layout.leaf_placement == "top-of-rack":
        groups = [r.nodes * spec.gpus_per_node for r in racks]
    else:
        groups = [spec.gpus]
    downs = []
    for g in groups:
        k = math.ceil(g / per_leaf)
        downs += [g // k + (1 if i < g % k else 0) for i in range(k)]
    return downs


def _chunks(items: list[int], parts: int) -> list[list[int]]:
    """``items`` in ``parts`` consecutive runs whose lengths differ by at most one."""
    size, extra = divmod(len(items), parts)
    out, at = [], 0
    for j in range(parts):
        n = size + (1 if j < extra else 0)
        out.append(items[at : at + n])
        at += n
    return out


def wire_balanced(spec: ClusterSpec, models: dict[str, Any], tiers: int, racks: list[_Rack]) -> Wiring | None:
    """The balanced wiring of one fabric (``wiring: balanced``) with one model per tier, or None.

    Leaves: each location's GPUs over the fewest leaves (``_leaf_downs``); leaf i has up_i = ceil(down_i x NIC
    speed / (oversubscription x uplink speed)) uplinks, U = sum up_i in all.
    2 tiers: S = ceil(U / spine ports) spines (the port minimum); every leaf gives every spine floor(up_i / S) or
    one more link (``balanced_links``), so a spine takes at most ceil(U / S) <= its ports; valid when every
    up_i >= S (a link on every pair) and the leaves fit a spine's ports.
    3 tiers: P pods of consecutive leaves (sizes differing by at most one), s spines per pod, s = max over pods
    ceil(U_pod / spine down links); spine t of every pod forms core group t, whose c_t = ceil(T_t / core ports)
    cores take the group's spine uplinks T_t, balanced again; valid when every leaf has >= s uplinks, every
    spine >= c_t, and P <= core ports. Of every P from ceil(leaves / spine down links) to min(leaves, core
    ports) the one with the fewest spines + cores is kept; the port minima ceil(U / spine down links) spines
    and ceil(spine uplinks / core ports) cores end the search when reached."""
    n = spec.nic_gbps
    w1, w2 = link_speeds(spec)
    if tiers == 1:
        per_leaf = _max_down(models["leaf"], n, None, 1.0)
        if per_leaf == 0:
            return None
        downs = _leaf_downs(spec, racks, per_leaf)
        return Wiring(len(downs), max(downs), 0, balanced=True)
    per_leaf = _max_down(models["leaf"], n, w1, spec.oversubscription)
    if per_leaf == 0:
        return None
    downs = _leaf_downs(spec, racks, per_leaf)
    ups = [_ups(d, n, w1, spec.oversubscription) for d in downs]
    leaves, total_up = len(downs), sum(ups)
    if tiers == 2:
        spine_ports = _max_down(models["spine"], w1, None, 1.0)
        if spine_ports == 0:
            return None
        spines = math.ceil(total_up / spine_ports)
        if leaves > spine_ports or spines > min(ups):
            return None
        return Wiring(leaves, max(downs), max(ups), spines=spines, leaf_spine_links=min(ups) // spines, balanced=True)
    spine_down = _max_down(models["spine"], w1, w2, spec.core_oversubscription)
    core_ports = _max_down(models["core"], w2, None, 1.0)
    if spine_down == 0 or core_ports == 0:
        return None
    spine_floor = math.ceil(total_up / spine_down)
    best: tuple[int, Wiring] | None = None
    for pods in range(max(1, math.ceil(leaves / spine_down)), min(leaves, core_ports) + 1):
        pod_ups = _chunks(ups, pods)
        s = max(math.ceil(sum(u) / spine_down) for u in pod_ups)
        if s > min(ups):
            continue
        # spine loads per pod (balanced over its s spines, the extra links in turn across pods)
        groups: list[list[int]] = [[] for _ in range(s)]
        start = 0
        for u in pod_ups:
            load, extra = divmod(sum(u), s)
            for t in range(s):
                d = load + (1 if (t - start) % s < extra else 0)
                groups[t].append(_ups(d, w1, w2, spec.core_oversubscription))
            start = (start + extra) % s
        cores = [math.ceil(sum(g) / core_ports) for g in groups]
        if any(c > min(g) for c, g in zip(cores, groups, strict=True)):
            continue
        wiring = Wiring(
            leaves,
            max(downs),
            max(ups),
            spines=pods * s,
            pods=pods,
            leaf_spine_links=min(ups) // s,
            cores=sum(cores),
            spine_core_links=min(min(g) // c for c, g in zip(cores, groups, strict=True)),
            balanced=True,
        )
        total = wiring.spines + wiring.cores
        if best is None or total < best[0]:
            best = (total, wiring)
        spine_up = sum(sum(g) for g in groups)
        if wiring.spines == spine_floor and wiring.cores == math.ceil(spine_up / core_ports):
            break
    return None if best is None else best[1]


def nodes_per_su(spec: ClusterSpec) -> int:
    """The spec's SU size, or the GPU links one leaf of the smallest leaf candidate takes (one leaf per rail)."""
    if spec.nodes_per_su is not None:
        return spec.nodes_per_su
    switches = {s.id: s for s in resolve_catalog(spec).switches}
    w1, _ = link_speeds(spec)
    sizes = [_max_down(switches[m], spec.nic_gbps, w1, spec.oversubscription) for m in default_models(spec, "leaf")]
    return max(1, min((s for s in sizes if s > 0), default=32))


def fabrics(spec: ClusterSpec) -> int:
    """Identical fabrics wired alike: the planes, times the rails of a rail-only fabric."""
    return spec.planes * (spec.gpus_per_node if spec.topology == "rail-only" else 1)


def _wirings(
    spec: ClusterSpec, switches: dict[str, Any], tiers: int, racks: list[_Rack]
) -> list[tuple[dict[str, str], Wiring]]:
    """Every combination of one candidate per tier that wires the fabric integrally, with its wiring."""
    names = TIERS[:tiers]
    out: list[tuple[dict[str, str], Wiring]] = []
    build = wire_balanced if spec.wiring == "balanced" else wire
    for combo in itertools.product(*(default_models(spec, t) for t in names)):
        chosen = dict(zip(names, combo, strict=True))
        w = build(spec, {t: switches[m] for t, m in chosen.items()}, tiers, racks)
        if w is not None:
            out.append((chosen, w))
    return out


def tier_counts(
    spec: ClusterSpec, switches: dict[str, Any], tiers: int, racks: list[_Rack]
) -> tuple[dict[str, dict[str, int]], dict[str, list[str]], list[Wiring]]:
    """Per tier the switch count range over every combination of candidates that wires the fabric integrally,
    and the candidates that take part in one (the others are left out). Candidates of one radix give one count."""
    names = TIERS[:tiers]
    cands = {t: default_models(spec, t) for t in names}
    combos = _wirings(spec, switches, tiers, racks)
    if not combos:
        how = "equal whole numbers of" if spec.wiring == "integral" else "balanced"
        raise ValueError(
            f"no combination of the candidate switches wires {spec.gpus:,} GPUs in {tiers} tier(s) with {how} "
            "links between every leaf and spine (and spine and core): use other models, another size, or "
            "--wiring capacity"
        )
    k = fabrics(spec)
    counts = {
        "leaf": [w.leaves * k for _, w in combos],
        "spine": [w.spines * k for _, w in combos],
        "core": [w.cores * k for _, w in combos],
    }
    ranges = {t: {"min": min(counts[t]), "max": max(counts[t])} for t in names}
    used = {t: [m for m in cands[t] if any(c[t] == m for c, _ in combos)] for t in names}
    return ranges, used, [w for _, w in combos]


def _capacity_counts(spec: ClusterSpec, switches: dict[str, Any], tiers: int, racks: int) -> dict[str, dict[str, int]]:
    """Switch count ranges from summed bandwidth and ports only (``wiring: capacity``)."""
    w1, w2 = link_speeds(spec)
    up_share = 1.0 / spec.oversubscription
    core_share = up_share / spec.core_oversubscription
    total_gpu_gbps = spec.gpus * spec.planes * spec.nic_gbps
    n_nodes = spec.gpus // spec.gpus_per_node
    leaf_gbps = total_gpu_gbps * (1 + (up_share if tiers >= 2 else 0))
    leaf_ends = spec.gpus * spec.planes + (total_gpu_gbps * up_share / w1 if tiers >= 2 else 0)
    if spec.topology == "clos" and spec.layout.leaf_placement == "top-of-rack":
        at_least = racks * spec.planes
    elif spec.topology == "rail-fat-tree":
        at_least = spec.gpus_per_node * math.ceil(n_nodes / nodes_per_su(spec)) * spec.planes
    else:
        at_least = fabrics(spec) if spec.topology == "rail-only" else 0
    out = {"leaf": _count_range(leaf_gbps, leaf_ends, default_models(spec, "leaf"), switches, at_least)}
    if tiers >= 2:
        up_gbps = total_gpu_gbps * up_share
        core_gbps = total_gpu_gbps * core_share if tiers == 3 else 0.0
        spine_gbps = up_gbps + core_gbps
        spine_ends = up_gbps / w1 + core_gbps / w2
        at_least = fabrics(spec) if spec.topology == "rail-only" else 0
        out["spine"] = _count_range(spine_gbps, spine_ends, default_models(spec, "spine"), switches, at_least)
    if tiers == 3:
        core_gbps = total_gpu_gbps * core_share
        out["core"] = _count_range(core_gbps, core_gbps / w2, default_models(spec, "core"), switches)
    return out


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
    planes = spec.planes
    w1, w2 = link_speeds(spec)

    def restrict(tier: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if tier in spec.allowed:
            out["allowed"] = list(spec.allowed[tier])
        if spec.exclude:
            out["exclude"] = list(spec.exclude)
        return out

    compat = compatibility_section(spec, catalog)
    nic_id = nic_model(spec, catalog, compat)
    nic_named = {"model": nic_id} if nic_id else {}

    # ---- GPU (NIC) groups and GPU-leaf links (dual-homed: a host link's failure need not stop the job)
    dual = spec.homing == "dual" and spec.reliability is not None
    dual_homed = {"job_stop_fraction": spec.dual_homed_job_stop_fraction} if dual else {}
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
        {"id": gid, "kind": "nic", "count": count, "ports": planes, "max_port_gbps": nic, **nic_named}
        for gid, count in nic_groups.items()
    ]
    links: list[dict[str, Any]] = [
        {
            "id": f"{gid}-leaf",
            "a": gid,
            "b": "leaf",
            "length_m": gpu_leaf_len[gid][1],
            "demand_gbps": count * planes * nic,
            "count": count * planes,
            **restrict("gpu-leaf"),
            **dual_homed,
        }
        for gid, count in nic_groups.items()
    ]

    # ---- uplinks (leaf-spine) and core links (spine-core), demand only: the planner picks the speed
    def grouped(
        key_of: Any, len_of: Any, prefix: str, a: str, b: str, share: float, tier: str, speed: float
    ) -> list[str]:
        demand: dict[str, float] = {}
        length: dict[str, int] = {}
        per_rack = []
        for rack, rl in zip(racks, rack_links, strict=True):
            place, metres = len_of(rl)
            lid = f"{prefix}-{key_of(rl)}" if explicit else f"{prefix}-{place}-{metres}m"
            demand[lid] = demand.get(lid, 0.0) + rack.nodes * spec.gpus_per_node * planes * nic * share
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
                    "min_link_gbps": speed,
                    **restrict(tier),
                }
            )
        return per_rack

    rack_up: list[str] = []
    rack_core: list[str] = []
    if tiers >= 2:
        rack_up = grouped(
            lambda rl: rl.uplink_key, lambda rl: rl.uplink, "leaf-spine", "leaf", "spine", up_share, "leaf-spine", w1
        )
    if tiers == 3:
        rack_core = grouped(
            lambda rl: rl.core_key, lambda rl: rl.core, "spine-core", "spine", "core", core_share, "spine-core", w2
        )

    # ---- switch tiers
    if spec.wiring != "capacity":
        counts, models_of, _ = tier_counts(spec, switches, tiers, racks)
    else:
        counts, models_of = _capacity_counts(spec, switches, tiers, len(racks)), {}
    switch_nodes = [
        {"id": t, "kind": "switch", "models": models_of.get(t, default_models(spec, t)), "count": counts[t]}
        for t in TIERS[:tiers]
    ]
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
        ) * planes
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
    if spec.homing == "dual":
        summary += f", every NIC dual-homed to two leaves ({planes} planes)"
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
    if compat is not None:
        instance["compatibility"] = compat
    if spec.reliability is not None:
        instance["reliability"] = dict(spec.reliability)
    instance.update({"nodes": nodes, "links": links, "paths": paths})
    if spec.frontend is not None:
        add_frontend(spec, instance)
    return instance


# ------------------------------------------------------------------------------------------ front-end fabric
FRONTEND_PREFIX = "fe-"


def frontend_spec(spec: ClusterSpec) -> ClusterSpec:
    """The front-end fabric of ``spec`` as a cluster of its own: a Clos (``clos``) with one endpoint per node
    (``gpus_per_node`` 1, ``gpus`` = the nodes) of ``frontend.gbps``, ``ports_per_node`` planes, the front-end's
    oversubscription and models (every tier), and the back-end's layout, wiring, uplink choice, catalogue,
    statuses, exclusions and economics. The ecosystem is the back-end's, Spectrum-X Ethernet for an InfiniBand
    back-end."""
    fe = spec.frontend
    if fe is None:
        raise ValueError("the spec has no front-end fabric")
    eco = resolve_ecosystem(spec) or DEFAULT_ECOSYSTEM
    defaults = FRONTEND_MODELS.get(eco, FRONTEND_MODELS[DEFAULT_ECOSYSTEM])
    if not fe.models and fe.gbps not in defaults:
        raise ValueError(f"no default front-end switch at {fe.gbps}G beside a {eco} back-end: give frontend models")
    models = list(fe.models) if fe.models else defaults[fe.gbps]
    return ClusterSpec.model_validate(
        {
            "topology": "clos",
            "gpus": spec.gpus // spec.gpus_per_node,
            "gpus_per_node": 1,
            "nic_gbps": fe.gbps,
            "planes": fe.ports_per_node,
            "oversubscription": fe.oversubscription,
            "ecosystem": "spectrum-x" if eco == "nvidia-ib" else eco,
            "wiring": spec.wiring,
            "uplink_choice": spec.uplink_choice,
            "leaf_models": models,
            "spine_models": models,
            "core_models": models,
            "layout": spec.layout,
            "economics": spec.economics,
            "objective": spec.objective,
            "exclude": spec.exclude,
            "catalog": spec.catalog,
            "compat": spec.compat,
            "status": spec.status,
            "available_by": spec.available_by,
            "nic_model": fe.nic_model,
        }
    )


def add_frontend(spec: ClusterSpec, instance: dict[str, Any]) -> None:
    """Add the front-end fabric (``frontend_spec``, generated as a cluster of its own) to the back-end's
    instance: its node and link groups with ``fe-``-prefixed ids, no paths (no latency budget). A front-end
    Ethernet fabric cannot share an instance whose compatibility profile fixes InfiniBand (one profile fixes one
    protocol for every fabric): a ValueError says so. With a ``reliability`` section its link groups stop no job
    (``job_stop_fraction: 0``; their outages still idle GPUs while down) and the section's ``gpus`` is the
    back-end's GPUs unless given (the front-end NICs are not GPUs). The front-end's NIC groups are the nodes'
    (``fe-node-...``, the back-end's ``gpu-...`` renamed)."""
    if spec.frontend is None:
        return
    fe_spec = frontend_spec(spec)
    compat = instance.get("compatibility")
    profile = compat.get("profile") if isinstance(compat, dict) else None
    if profile is not None and PROTOCOL.get(resolve_ecosystem(spec) or "") == "infiniband":
        raise ValueError(
            f"a front-end Ethernet fabric cannot share an instance with the {profile} profile (one profile fixes "
            "one protocol for every fabric): use --no-compat or an Ethernet ecosystem"
        )
    fe = generate_instance(fe_spec)

    def renamed(node_id: str) -> str:
        return FRONTEND_PREFIX + ("node-" + node_id[4:] if node_id.startswith("gpu-") else node_id)

    for node in fe["nodes"]:
        instance["nodes"].append({**node, "id": renamed(node["id"])})
    stop = {"job_stop_fraction": 0.0} if spec.reliability is not None else {}
    for link in fe["links"]:
        moved = {**link, "id": renamed(link["id"]), "a": renamed(link["a"]), "b": renamed(link["b"])}
        instance["links"].append({**moved, **stop})
    if spec.reliability is not None and "gpus" not in instance["reliability"]:
        instance["reliability"]["gpus"] = spec.gpus
    speeds = f"{spec.frontend.ports_per_node} x {spec.frontend.gbps}G"
    switch_tiers = sum(1 for n in fe["nodes"] if n["kind"] == "switch")
    instance["description"] = instance["description"].replace(
        ". Generated by:",
        f"; a {switch_tiers}-tier front-end fabric of {speeds} per node ({FRONTEND_PREFIX}*). Generated by:",
        1,
    )


ECOSYSTEM_PROFILE = {
    "nvidia-ib": "nvidia-infiniband",
    "spectrum-x": "nvidia-spectrum-x",
    "broadcom": "broadcom-ethernet",
}
"""The built-in catalogue's compatibility profile of each ecosystem."""


def compatibility_section(spec: ClusterSpec, catalog: Catalog) -> dict[str, Any] | None:
    """The ``compatibility`` mapping the file opts in with (None: the catalogue has no profiles, or ``compat``
    is off): the ecosystem's profile when the catalogue has it, and the statuses / year asked for."""
    profiles = {p.id: p for p in getattr(catalog, "profiles", [])}
    if not spec.compat or not profiles:
        return None
    out: dict[str, Any] = {}
    if spec.status:
        out["status"] = ["shipping", *spec.status]
    if spec.available_by is not None:
        out["available_by"] = spec.available_by
    eco = resolve_ecosystem(spec)
    profile = ECOSYSTEM_PROFILE.get(eco) if eco else None
    if profile in profiles:
        out["profile"] = profile
    return out


def nic_model(spec: ClusterSpec, catalog: Catalog, compat: dict[str, Any] | None) -> str | None:
    """The NIC model of the GPU NIC groups: the spec's, else (under a profile) the first of the profile's NICs
    whose fastest port is the NIC speed, that is available under the file's statuses, whose protocols include
    the profile's, that has one port or one port per plane (a port mode such as ConnectX-8 Ethernet 2 x 400G
    with 2 planes), and whose cage holds only its own ports (not a twin-cage host such as a DGX)."""
    nics = {n.id: n for n in getattr(catalog, "nics", [])}
    if spec.nic_model is not None:
        if spec.nic_model not in nics:
            raise ValueError(f"unknown NIC model {spec.nic_model!r} (catalogue NICs: {', '.join(sorted(nics))})")
        return spec.nic_model
    if compat is None or "profile" not in compat:
        return None
    profile = next(p for p in getattr(catalog, "profiles", []) if p.id == compat["profile"])
    statuses = {"shipping", *spec.status}
    for nid in profile.nics or []:
        nic = nics.get(nid)
        if nic is None or nic.max_port_gbps != spec.nic_gbps:
            continue
        status = nic.status or "shipping"
        soon = spec.available_by is not None and nic.year is not None and nic.year <= spec.available_by
        if status not in statuses and not (soon and status in ("sampling", "announced")):
            continue  # not available under the file's compatibility.status / available_by
        protocols = nic.protocol or []
        if profile.protocol and protocols and profile.protocol not in protocols:
            continue
        if nic.ports not in (1, spec.planes):
            continue  # a multi-port mode (e.g. ConnectX-8 Ethernet 4 x 200G) serves one port per plane
        if nic.cage_gbps is not None and nic.cage_gbps > nic.max_port_gbps * nic.ports:
            continue
        return str(nid)
    return None


def default_name(spec: ClusterSpec, tiers: int) -> str:
    """e.g. ``rail-fat-tree-3t-16384gpu-800g-aggregated``."""
    return f"{spec.topology}-{tiers}t-{spec.gpus}gpu-{spec.nic_gbps}g-{spec.granularity}"


# ------------------------------------------------------------------------------------------ command line
def command_line(spec: ClusterSpec) -> str:
    """The ``optimizer generate`` command that reproduces ``spec`` (non-default parameters only)."""
    args = ["optimizer", "generate"]
    default = ClusterSpec(gpus=spec.gpus)
    flat = spec.model_dump(exclude_defaults=True)
    preset = SYSTEMS.get(spec.system or "")
    implied = {"gpus_per_node": preset.gpus_per_node, "nodes_per_su": preset.nodes_per_su} if preset else {}
    for key, value in implied.items():  # the system's sizes are recorded by --system
        if flat.get(key) == value:
            del flat[key]
    for key in (
        "system",
        "topology",
        "gpus",
        "gpus_per_node",
        "nic_gbps",
        "planes",
        "homing",
        "dual_homed_job_stop_fraction",
        "nodes_per_su",
        "tiers",
        "ecosystem",
        "wiring",
        "oversubscription",
        "core_oversubscription",
        "uplink_min_gbps",
        "uplink_choice",
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
        if not (preset and key == "nodes_per_rack" and value == preset.nodes_per_rack):
            args += ["--layout", f"{key}={_fmt(value)}"]
    for key, value in spec.economics.model_dump().items():
        if value != getattr(default.economics, key):
            args += [f"--{key.split('_')[0]}", _fmt(value)]
    for item, value in spec.supply.items():
        args += ["--supply", f"{item}={value}"]
    for key, value in (spec.reliability or {}).items():
        args += ["--reliability", f"{key}={_fmt(value)}"]
    if spec.exclude:
        args += ["--exclude", ",".join(spec.exclude)]
    for tier, ids in spec.allowed.items():
        args += ["--allow", f"{tier}={','.join(ids)}"]
    if spec.catalog is not None:
        args += ["--catalog", spec.catalog_file or "<inline>"]
    if not spec.compat:
        args += ["--no-compat"]
    for status in spec.status:
        args += ["--status", status]
    if spec.available_by is not None:
        args += ["--available-by", str(spec.available_by)]
    if spec.nic_model is not None:
        args += ["--nic-model", spec.nic_model]
    if spec.frontend is not None:
        for key, value in spec.frontend.model_dump(exclude_none=True).items():
            text = ",".join(value) if isinstance(value, list) else _fmt(value)
            args += ["--frontend", f"{key}={text}"]
    return shlex.join(args)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def spec_from_options(options: Mapping[str, Any]) -> ClusterSpec:
    """Build a spec from flat CLI-style options (raises pydantic ValidationError on bad values)."""
    return ClusterSpec.model_validate({k: v for k, v in options.items() if v is not None})


@dataclass(frozen=True)
class Design:
    """A fabric design: generator options (the ``ClusterSpec`` fields) without ``gpus``, built at any GPU
    count; the input of the ``optimizer envelope`` study (plain data, so it ships to worker processes)."""

    options: Mapping[str, Any]

    @property
    def gpus_per_node(self) -> int:
        """The generator's granularity: ``gpus`` must be a multiple of it (a node; a whole rack of a rack-scale
        ``system``, 72 GPUs for NVL72)."""
        preset = SYSTEMS.get(str(self.options.get("system")))
        default = (
            preset.gpus_per_node * preset.nodes_per_rack
            if preset
            else ClusterSpec.model_fields["gpus_per_node"].default
        )
        return int(self.options.get("gpus_per_node") or default)

    def spec(self, gpus: int) -> ClusterSpec:
        """The generator parameters at ``gpus`` GPUs (raises ValueError, a pydantic ValidationError, when invalid)."""
        return ClusterSpec.model_validate({**self.options, "gpus": gpus})

    def check(self) -> None:
        """Raise ValueError for options that are wrong at any size: fields, unknown or mixed switch models."""
        try:
            spec = self.spec(self.gpus_per_node)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise ValueError(problems) from None
        _check_models(spec, {s.id: s for s in resolve_catalog(spec).switches})

    def catalog(self) -> Catalog:
        """The design's catalogue (built-in or its inline one)."""
        return resolve_catalog(self.spec(self.gpus_per_node))

    def excluding(self, ids: list[str]) -> Design:
        """The same design with these catalogue ids also excluded on every link group."""
        return Design({**self.options, "exclude": sorted(set(self.options.get("exclude", [])) | set(ids))})

    def instance(self, gpus: int) -> dict[str, Any]:
        """The instance at ``gpus`` GPUs (ValueError when the generator cannot build the design at that size)."""
        try:
            return generate_instance(self.spec(gpus))
        except ValidationError as exc:
            raise ValueError("; ".join(str(e["msg"]) for e in exc.errors())) from None


GrowthTiers = Literal["resize", "final"]


def growth_roadmap(
    instances: list[dict[str, Any]], years: list[int], tiers: GrowthTiers = "resize", discount_rate: float = 0.0
) -> dict[str, Any]:
    """A roadmap over the fabrics of growing sizes (one generated instance per period, smallest first).

    The roadmap's groups are the union of the periods' groups (a group id names the same group at every
    size: ids carry the tier, placement and length class), taken from the largest fabric first. Each
    period says every group's count and demand at its size (``nodes``, ``links``) and lists the groups its
    fabric does not have as ``absent``; so each period's fabric is the generated fabric of its size, and
    what two sizes share (NIC and GPU-leaf groups of equal length class, the switch tiers) carries over.

    ``tiers``: ``resize`` sizes every switch tier per period (each period's generated count); ``final``
    sizes the spine and core tiers for the final size from the first period they appear (bought once),
    while leaves, NICs and links grow per period.
    """
    if len(instances) != len(years) or not instances:
        raise ValueError("growth: one size per year")
    if any(b <= a for a, b in zip(years, years[1:], strict=False)):
        raise ValueError("growth: years must increase")
    last = instances[-1]
    nodes = {n["id"]: n for n in last["nodes"]}
    links = {g["id"]: g for g in last["links"]}
    paths = {p["id"]: p for p in last.get("paths", [])}
    for inst in reversed(instances[:-1]):
        for n in inst["nodes"]:
            nodes.setdefault(n["id"], n)
        for g in inst["links"]:
            seen = links.setdefault(g["id"], g)
            if (seen["a"], seen["b"], seen["length_m"]) != (g["a"], g["b"], g["length_m"]):
                raise ValueError(f"growth: link group {g['id']} differs between sizes")
        for p in inst.get("paths", []):
            paths.setdefault(p["id"], p)
    final_counts = {n["id"]: n["count"] for n in last["nodes"]}
    steps = []
    for inst, year in zip(instances, years, strict=True):
        here_nodes = {n["id"]: n["count"] for n in inst["nodes"]}
        here_links = {g["id"]: g for g in inst["links"]}
        counts = {}
        for nid, count in here_nodes.items():
            keep_final = tiers == "final" and nid in ("spine", "core") and nid in final_counts
            counts[nid] = final_counts[nid] if keep_final else count
        step: dict[str, Any] = {
            "year": year,
            "nodes": counts,
            "links": {
                gid: {k: g[k] for k in ("demand_gbps", "count") if g.get(k) is not None}
                for gid, g in here_links.items()
            },
        }
        absent = [i for i in nodes if i not in here_nodes] + [i for i in links if i not in here_links]
        if absent:
            step["absent"] = absent
        steps.append(step)
    sizes = [sum(n["count"] for n in inst["nodes"] if n.get("kind") == "nic") for inst in instances]
    out = {k: v for k, v in last.items() if k not in ("nodes", "links", "paths")}
    out["name"] = f"{last['name']}-growth-{'-'.join(str(y) for y in years)}"
    out["description"] = (
        f"Growth roadmap {' -> '.join(f'{s:,}' for s in sizes)} NIC ports over {', '.join(map(str, years))} "
        f"(switch tiers: {tiers}). " + str(last.get("description", ""))
    )
    out["nodes"] = list(nodes.values())
    out["links"] = list(links.values())
    out["paths"] = list(paths.values())
    out["periods"] = {"discount_rate": discount_rate, "steps": steps}
    return out
