"""Pydantic models of the instance file and catalogue (format v1, see instances/README.md).

Structure and per-field rules only; cross-entity rules (references, duplicates, paths) live in
``optimizer.checks``. Field docstrings are the user documentation of the format and flow into the
JSON Schema printed by ``optimizer schema``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StringConstraints,
    Tag,
    model_validator,
)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
MAX_NUMBER = 1e12
"""Largest magnitude of any figure (W, USD, Gb/s, m, ns, ...): larger ones cannot be represented
accurately next to the others in the model, and some (1e20 and up) count as infinite in HiGHS."""
MAX_COUNT = 10**9
"""Largest count (NICs, switches, ports, links, supply units, hops)."""
MIN_POSITIVE = 1e-6
"""Smallest value of a field that must be positive (a speed or length of 1e-300 would make counts overflow)."""
_NUMBER_RE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _number(value: Any) -> Any:
    """Accept int/float (not bool) and numeric strings such as '5e7' (YAML 1.1 reads those as str)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if not _NUMBER_RE.match(text):
            raise ValueError(f"expected a number, got {value!r}")
        value = float(text)
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        if abs(value) > MAX_NUMBER:
            raise ValueError(
                f"must be at most {MAX_NUMBER:.0e} in magnitude (larger figures cannot be represented accurately "
                f"in the model), got {_shown(value)}"
            )
        return value
    raise ValueError(f"expected a number, got {value!r}")


def _shown(value: float) -> str:
    if isinstance(value, int) and abs(value) >= 10**15:
        return f"a whole number of {len(str(abs(value)))} digits"
    return f"{value:.3g}" if isinstance(value, float) else repr(value)


def _integer(value: Any) -> Any:
    """Accept integers, and floats or numeric strings with an integral value (e.g. 4e3)."""
    real = isinstance(value, int | float) and not isinstance(value, bool)
    if real and (isinstance(value, int) or math.isfinite(value)) and value > MAX_COUNT:
        raise ValueError(f"must be at most {MAX_COUNT:,}, got {_shown(value)}")
    number = _number(value)
    if isinstance(number, float):
        if not number.is_integer():
            raise ValueError(f"expected a whole number, got {value!r}")
        number = int(number)
    if number > MAX_COUNT:
        raise ValueError(f"must be at most {MAX_COUNT:,}, got {_shown(number)}")
    return number


def _not_tiny(value: float) -> float:
    if value < MIN_POSITIVE:
        raise ValueError(f"must be at least {MIN_POSITIVE:g}, got {value!r}")
    return value


def _at_most(limit: float, what: str) -> Any:
    def check(value: float) -> float:
        if value > limit:
            raise ValueError(f"must be at most {limit:g} ({what}), got {value!r}")
        return value

    return AfterValidator(check)


def _strict_str(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _strict_bool(value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


Number = Annotated[float, BeforeValidator(_number)]
PositiveNumber = Annotated[float, Field(gt=0), BeforeValidator(_number), AfterValidator(_not_tiny)]
NonNegNumber = Annotated[float, Field(ge=0), BeforeValidator(_number)]
PositiveInt = Annotated[int, Field(gt=0), BeforeValidator(_integer)]
NonNegInt = Annotated[int, Field(ge=0), BeforeValidator(_integer)]
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN), BeforeValidator(_strict_str)]
Text = Annotated[str, BeforeValidator(_strict_str)]
Bool = Annotated[bool, BeforeValidator(_strict_bool)]
EndForm = Literal["pluggable", "cpo", "cable"]
Confidence = Literal["A", "B", "C", "EST"]


def _unique_forms(forms: list[str]) -> list[str]:
    if len(set(forms)) != len(forms):
        raise ValueError(f"lists a form twice: {forms}")
    return forms


Forms = Annotated[list[EndForm], Field(min_length=1), AfterValidator(_unique_forms)]


class Strict(BaseModel):
    """Base of every model: unknown fields are errors, models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


# ----------------------------------------------------------------------------------------- catalogue
class Media(Strict):
    """A fibre type that a transceiver pair runs over."""

    id: Id
    cost_usd_per_m: NonNegNumber = 0.0
    """Fibre cost per metre of link length."""
    latency_ns_per_m: NonNegNumber = 4.9
    """Propagation delay per metre."""
    source: Text | None = None
    """Where the figures come from (extension: optional for media)."""
    confidence: Confidence | None = None
    """Extension: A datasheet/standard, B trade press, C vendor blog, EST estimate."""
    description: Text | None = None
    """Extension: a short human label."""


class Transceiver(Strict):
    """One module or optical engine at ONE end of a link."""

    id: Id
    form: Literal["pluggable", "cpo"]
    """End form: a pluggable module or a co-packaged optical engine."""
    media: Id
    """The media id this end transmits over; both ends of a link share media and speed."""
    speed_gbps: PositiveNumber
    power_w: NonNegNumber
    """Power of this end."""
    cost_usd: NonNegNumber
    """Price of this end."""
    reach_m: PositiveNumber
    latency_ns: NonNegNumber
    """Electronic latency this end adds (one direction)."""
    source: Text
    """Where the figures come from (datasheet, article, estimate and how derived)."""
    confidence: Confidence | None = None
    """Extension: A datasheet/standard, B trade press, C vendor blog, EST estimate."""
    fits: Annotated[list[Literal["nic", "switch"]], Field(min_length=1)] = ["nic", "switch"]
    """Extension: node kinds whose ports take this module (e.g. finned twin-port OSFP modules fit
    switch cages only). An end is accepted only at a node of a listed kind."""
    ends_per_module: PositiveInt = 1
    """Extension: link ends one physical module serves (2 for a twin-port module run as two links).
    Used only for the bill of materials (modules = ceil(ends / ends_per_module))."""
    description: Text | None = None
    """Extension: a short human label."""


class Cable(Strict):
    """A whole cable assembly with both ends (DAC, ACC, AEC, AOC); its ends have form ``cable``."""

    id: Id
    kind: Literal["dac", "acc", "aec", "aoc"]
    speed_gbps: PositiveNumber
    power_w: NonNegNumber
    """Power of the whole cable (both ends)."""
    cost_usd: NonNegNumber
    """Price of the whole cable."""
    cost_usd_per_m: NonNegNumber = 0.0
    reach_m: PositiveNumber
    latency_ns: NonNegNumber
    """Electronic latency of the cable (one direction), excluding propagation."""
    latency_ns_per_m: NonNegNumber | None = None
    """Propagation delay per metre; default 4.5 (copper), 4.9 for aoc."""
    source: Text
    confidence: Confidence | None = None
    description: Text | None = None

    @property
    def propagation_ns_per_m(self) -> float:
        """The per-metre latency with the kind's default applied."""
        if self.latency_ns_per_m is not None:
            return self.latency_ns_per_m
        return 4.9 if self.kind == "aoc" else 4.5


class Switch(Strict):
    """A switch model; power and cost exclude the link ends (a CPO switch's engines are transceivers)."""

    id: Id
    capacity_gbps: PositiveNumber
    """Switching capacity (one direction): the summed speed of all link ends it may terminate."""
    max_ports: PositiveInt
    """The most link ends one switch may terminate."""
    max_port_gbps: PositiveNumber
    """The fastest link end speed a port accepts."""
    forms: Forms
    """End forms its ports take: any of pluggable, cpo, cable."""
    power_w: NonNegNumber
    cost_usd: NonNegNumber
    latency_ns: NonNegNumber
    """Port-to-port latency."""
    source: Text
    confidence: Confidence | None = None
    description: Text | None = None


class Catalog(Strict):
    """A catalogue: optics, cables, media and switch models, each entry keyed by a unique id."""

    extends: Literal["builtin"] | None = None
    """Start from the built-in catalogue; entries with the same id replace built-in ones."""
    description: Text | None = None
    media: list[Media] = []
    transceivers: list[Transceiver] = []
    cables: list[Cable] = []
    switches: list[Switch] = []


# ----------------------------------------------------------------------------------------- instance
class Economics(Strict):
    """Economic parameters of the energy cost."""

    electricity_usd_per_kwh: Annotated[NonNegNumber, _at_most(1e3, "USD per kWh")] = 0.08
    pue: Annotated[float, Field(ge=1), BeforeValidator(_number), _at_most(100, "facility / IT power")] = 1.3
    """Power usage effectiveness (facility power / IT power), >= 1."""
    years: Annotated[PositiveNumber, _at_most(1e3, "years")] = 5.0
    """Horizon of the energy cost in years (fractions allowed)."""


class Weights(Strict):
    """Weights of the ``weighted`` objective: capex_usd x capex + power_w x power."""

    capex_usd: Annotated[NonNegNumber, _at_most(1e6, "a weight")] = 1.0
    power_w: Annotated[NonNegNumber, _at_most(1e6, "a weight")] = 0.0


class Limits(Strict):
    """Plan-wide limits."""

    max_power_w: PositiveNumber | None = None
    max_capex_usd: PositiveNumber | None = None
    supply: dict[Id, NonNegInt] = {}
    """Catalogue id -> most units used in the whole plan (a transceiver counts per end, a cable per
    link, a switch model per switch)."""


class CountRange(Strict):
    """A switch group's count chosen by the planner within [min, max]."""

    min: NonNegInt
    max: NonNegInt

    @model_validator(mode="after")
    def _ordered(self) -> CountRange:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


def _shape(value: Any) -> str:
    """Union discriminator: a mapping is the structured member, anything else the scalar one."""
    return "mapping" if isinstance(value, Mapping) else "scalar"


SwitchCount = Annotated[
    Annotated[PositiveInt, Tag("scalar")] | Annotated[CountRange, Tag("mapping")], Discriminator(_shape)
]


def _nic_count(value: Any) -> Any:
    if isinstance(value, Mapping):
        raise ValueError("a {min, max} range is only allowed for switch groups; a NIC group has a fixed count")
    return value


class NicNode(Strict):
    """A group of identical NICs (endpoints)."""

    id: Id
    kind: Literal["nic"]
    count: Annotated[PositiveInt, BeforeValidator(_nic_count)]
    """Number of NICs in the group."""
    ports: PositiveInt = 1
    """Ports per NIC."""
    max_port_gbps: PositiveNumber
    """Fastest port speed of the NIC."""
    forms: Forms = ["pluggable", "cable"]
    """End forms the NIC's ports take."""


class SwitchNode(Strict):
    """A group (tier) of identical switches; the planner picks one model for the whole group."""

    id: Id
    kind: Literal["switch"]
    count: SwitchCount
    """A fixed number of switches, or {min, max} to let the planner size the tier."""
    models: Annotated[list[Id], Field(min_length=1)]
    """Candidate catalogue switch ids."""


Node = Annotated[NicNode | SwitchNode, Field(discriminator="kind")]


class Link(Strict):
    """A link group: a set of identical physical links between node groups ``a`` and ``b``."""

    id: Id
    a: Id
    b: Id
    length_m: PositiveNumber
    demand_gbps: NonNegNumber
    """Total capacity the group must provide."""
    count: NonNegInt | None = None
    """Exact number of physical links in the group."""
    min_link_gbps: PositiveNumber | None = None
    """Every link runs at least this speed."""
    allowed: list[Id] | None = None
    """If given: an option is allowed only if every catalogue item it uses is listed."""
    exclude: list[Id] = []
    """An option that uses any listed catalogue item is not allowed."""
    uniform: Bool = False
    """When true the whole group uses a single option."""
    # --- routed-demand extensions (optional; see instances/README.md "Routed demands") ---
    direction: Literal["bidirected", "undirected", "directed"] = "bidirected"
    """How routed demand flow uses the capacity: per direction (bidirected), both directions summed
    (undirected), or a -> b only (directed)."""
    installed_gbps: NonNegNumber = 0.0
    """Capacity already in place (no links counted); adds to the capacity of the group."""
    installed_cost_usd: NonNegNumber = 0.0
    """Constant cost of the installed capacity, included in capex."""
    max_count: NonNegInt | None = None
    """At most this many links in the group (e.g. 1: at most one module)."""
    divisible: Bool = False
    """Link counts may be fractional (linear capacity: pay per unit of capacity)."""
    setup_cost_usd: NonNegNumber = 0.0
    """Fixed charge paid once if the group has any links or installed capacity."""
    routing_cost_usd_per_gbps: NonNegNumber = 0.0
    """Cost per Gbit/s of routed demand flow (bidirected: on the larger direction)."""


class Path(Strict):
    """A latency requirement along an ordered sequence of node groups."""

    id: Id
    via: Annotated[list[Id], Field(min_length=2)]
    """Node groups a packet traverses, e.g. [nic, leaf, spine, leaf, nic]."""
    links: list[Id | None] | None = None
    """Link group used by each step (len(via) - 1 entries; null = the unique group joining the pair)."""
    max_latency_ns: PositiveNumber
    """One-way latency budget."""


class Bandwidth(Strict):
    """An aggregate bandwidth requirement over several link groups."""

    id: Id
    links: Annotated[list[Id], Field(min_length=1)]
    min_gbps: NonNegNumber


class Demand(Strict):
    """A traffic demand routed through the link groups from ``src`` to ``dst``."""

    id: Id
    src: Id
    dst: Id
    gbps: NonNegNumber
    """Traffic volume to route."""
    max_latency_ns: PositiveNumber | None = None
    """Only paths whose latency (options chosen on its groups plus switch models passed) fits may carry it."""
    max_hops: PositiveInt | None = None
    """Only paths with at most this many link groups may carry it."""
    paths: list[Annotated[list[Id], Field(min_length=1)]] | None = None
    """Admissible paths (each a list of link group ids from src to dst); default: all paths."""


Objective = Literal["tco", "capex", "power", "weighted"]


class Instance(Strict):
    """An optimizer instance file, format version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, title="optimizer instance v1")

    schema_version: Literal[1]
    name: Annotated[Text, Field(min_length=1)]
    description: Text | None = None
    economics: Economics = Economics()
    objective: Objective = "tco"
    weights: Weights = Weights()
    """Only used with objective: weighted."""
    limits: Limits = Limits()
    catalog: Annotated[Annotated[Text, Tag("scalar")] | Annotated[Catalog, Tag("mapping")], Discriminator(_shape)] = (
        "builtin"
    )
    """``builtin``, a path to a catalogue file (relative to this file), or an inline catalogue."""
    nodes: Annotated[list[Node], Field(min_length=1)]
    links: list[Link]
    paths: list[Path] = []
    bandwidth: list[Bandwidth] = []
    demands: list[Demand] = []
    """Traffic demands routed over the link groups (optional)."""
    routing: Literal["splittable", "single_path"] = "splittable"
    """splittable: a demand may split over several paths; single_path: each demand uses one path."""

    _source: str = PrivateAttr(default="<mapping>")

    @property
    def source(self) -> str:
        """The file the instance was read from (``<mapping>`` for in-memory input)."""
        return self._source

    @property
    def resolved_catalog(self) -> Catalog:
        """The catalogue after loading (``load_instance`` always resolves it to a Catalog)."""
        if not isinstance(self.catalog, Catalog):
            raise TypeError("catalogue not resolved: use optimizer.load_instance")
        return self.catalog
