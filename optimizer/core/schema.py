"""Pydantic models of the instance file and catalogue (format v1, see instances/README.md).

Structure and per-field rules only; cross-entity rules (references, duplicates, paths) live in
``optimizer.checks``. Field docstrings are the user documentation of the format and flow into the
JSON Schema printed by ``optimizer schema``.
"""

from __future__ import annotations

import importlib
import inspect
import math
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, Self, TypeVar

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
MIN_INTERRUPTIONS_PER_DAY = 1e-12
"""Smallest cap on interruptions per day (reliability extension): a fabric of a few links has about 1e-4
interruptions per day, and a cap well below that (e.g. 1e-9: a pod's share of a job's budget) is a
legitimate question whose answer is a diagnostic, so this field has its own, lower bound."""
_NUMBER_RE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

_F = TypeVar("_F", bound=Callable[..., Any])


def _presigned(func: _F) -> _F:
    """``func`` with its signature computed once (as ``__signature__``, which ``inspect.signature`` returns).

    pydantic reads a validator function's signature (does it take a validation-info argument?) each time a
    field uses the function, and these few functions serve about 300 fields: computing the signature once
    saves that work when the models are built, with the same signature and so the same validators.
    """
    func.__signature__ = inspect.signature(func)  # type: ignore[attr-defined]
    return func


@_presigned
def _number(value: Any) -> Any:
    """Accept int/float (not bool): a number field holds a number, as the JSON Schema says.

    A string is refused even when it reads as a number (``"48900 "``, ``!!str 5``, ``"5e7"``): quoting a
    figure is a mistake worth hearing about, and the loader reads ``5e7`` unquoted as a number already."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, str):
        hint = " (a string, not a number: drop the quotes or the !!str tag)" if _NUMBER_RE.match(value.strip()) else ""
        raise ValueError(f"expected a number, got {_quoted_short(value)}{hint}")
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


def _quoted_short(text: str) -> str:
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _shown(value: float) -> str:
    if isinstance(value, int) and abs(value) >= 10**15:
        return f"a whole number of {len(str(abs(value)))} digits"
    return f"{value:.3g}" if isinstance(value, float) else repr(value)


@_presigned
def _integer(value: Any) -> Any:
    """Accept integers, and floats with an integral value (e.g. 4e3); strings are refused as by ``_number``."""
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


@_presigned
def _not_tiny(value: float) -> float:
    if value < MIN_POSITIVE:
        raise ValueError(f"must be at least {MIN_POSITIVE:g}, got {value!r}")
    return value


def _at_least(limit: float) -> Any:
    def check(value: float) -> float:
        if value < limit:
            raise ValueError(f"must be at least {limit:g}, got {value!r}")
        return value

    return AfterValidator(check)


def _at_most(limit: float, what: str) -> Any:
    def check(value: float) -> float:
        if value > limit:
            raise ValueError(f"must be at most {limit:g} ({what}), got {value!r}")
        return value

    return AfterValidator(check)


@_presigned
def _strict_str(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


@_presigned
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


@_presigned
def _unique_forms(forms: list[str]) -> list[str]:
    if len(set(forms)) != len(forms):
        raise ValueError(f"lists a form twice: {forms}")
    return forms


Forms = Annotated[list[EndForm], Field(min_length=1), AfterValidator(_unique_forms)]

# ------------------------------------------------------------------ compatibility extension (optional)
Protocol = Literal["infiniband", "ethernet"]
PROTOCOLS: tuple[str, ...] = ("infiniband", "ethernet")
Technology = Literal["dsp", "lpo", "lro", "cpo", "aoc", "aec", "acc", "dac"]
TECHNOLOGIES: tuple[str, ...] = ("dsp", "lpo", "lro", "cpo", "aoc", "aec", "acc", "dac")
Status = Literal["shipping", "sampling", "announced", "what-if"]
Cage = Literal["osfp", "osfp-rhs", "osfp-flat", "qsfp112", "qsfp-dd"]


@_presigned
def _as_list(value: Any) -> Any:
    """A scalar is read as a one-element list (``protocol: ethernet`` == ``protocol: [ethernet]``)."""
    if value is None or isinstance(value, list):
        return value
    return [value]


@_presigned
def _unique(values: list[Any]) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError(f"lists a value twice: {values}")
    return values


Protocols = Annotated[list[Protocol], BeforeValidator(_as_list), Field(min_length=1), AfterValidator(_unique)]
LaneRates = Annotated[list[PositiveNumber], BeforeValidator(_as_list), Field(min_length=1), AfterValidator(_unique)]
Cages = Annotated[list[Cage], BeforeValidator(_as_list), Field(min_length=1), AfterValidator(_unique)]
Year = Annotated[int, Field(ge=1990, le=2100), BeforeValidator(_integer)]


@_presigned
def _year_key(value: Any) -> Any:
    """A year as a mapping key: a whole number, or its digits as a string (JSON keys are strings)."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return _integer(value)


YearKey = Annotated[int, Field(ge=1990, le=2100), BeforeValidator(_year_key)]


class Strict(BaseModel):
    """Base of every model: unknown fields are errors, models are immutable.

    A model declared with ``defer_build=True`` builds its own validator and serializer when first used
    (``model_validate``, ``model_dump``) rather than when this module is imported. Those are the models a
    file only meets inside another one (the abstract bases, the catalogue's entries, the sections of the
    extensions): ``Instance``, ``Catalog`` and the entries validated one by one (``Link``, ``Path``,
    ``Bandwidth``, the nodes) contain their schemas and do not need the nested models' own validators, so a
    run that never validates such a model alone never builds them. Their core schemas, and so validation
    and its messages, are the same either way; a model used by two others (``CountRange``, by switch
    groups and by roadmap periods, and so ``Period`` and ``Periods``) is built at import, so that the
    schemas of the models that contain it stay exactly what they were.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update``, validated again (an edit never bypasses the checks of a file).

        An ``Instance`` with changed fields goes through ``Instance.with_changes`` (every check
        ``load_instance`` makes); any other model is validated again from its fields. Invalid values raise
        ``InstanceError``. (``optimizer.core.edit.revalidated_copy``, imported when called: the schema sits
        below the loader.)
        """
        if update:
            edit = importlib.import_module("optimizer.core.edit")
            copied: Self = edit.revalidated_copy(self, update)
            return copied
        return super().model_copy(deep=deep)

    def _unchecked_copy(self, **update: Any) -> Self:
        """A copy with fields replaced and NOT validated: only for values the planner derived from a
        validated instance itself (the resolved catalogue, a Pareto point's bound). User edits go through
        ``model_copy(update=...)`` or ``Instance.with_changes``."""
        return super().model_copy(update=update)


class Availability(Strict, defer_build=True):
    """Compatibility extension: when a catalogue part can be bought (read only under ``compatibility``)."""

    status: Status | None = None
    """shipping | sampling | announced | what-if; absent reads as shipping. Under ``compatibility`` only
    shipping parts are options unless the instance opts in to more (``compatibility.status`` /
    ``compatibility.available_by``)."""
    year: Year | None = None
    """Year of first volume shipment (shipping) or the expected one (sampling, announced, what-if); a
    sampling or announced entry without it is never admitted by ``compatibility.available_by``."""
    compatibility_only: Bool = False
    """A link part that is an option only under ``compatibility`` (its use depends on the rules:
    breakouts, twin-port NIC modules, parts whose support or lane rate decides where they fit). The
    built-in parts added with the compatibility extension carry it, so instances without
    ``compatibility`` keep their options; a part of a file or inline catalogue marked so is treated alike.
    Switch models and NICs are named explicitly and ignore it."""
    price_decline_per_year: Annotated[float, Field(ge=0, lt=1), BeforeValidator(_number)] = 0.0
    """Roadmap extension (read only under ``periods``): the price falls by this fraction a year from
    ``price_year``: cost_usd x (1 - rate)^(year - price_year) in a period's year after it."""
    price_year: Year | None = None
    """Roadmap extension: the year ``cost_usd`` is quoted for (default: ``year``, else the first period's)."""
    lead_time_years: Annotated[int, Field(ge=0, le=100), BeforeValidator(_integer)] = 0
    """Roadmap extension: a unit bought in a period's year enters service in the first period at least this
    many years later (0: the same period)."""
    resale_fraction: Annotated[float, Field(ge=0, le=1), BeforeValidator(_number)] = 0.0
    """Roadmap extension: a unit taken out of the stock and sold in a period returns this share of its
    price in that period's year (0: a replaced part has no value)."""
    price_by_year: dict[YearKey, NonNegNumber] = {}
    """Roadmap extension: the price (USD, as ``cost_usd``) from a year on, replacing the decline rate: in
    year y the value of the latest listed year <= y, ``cost_usd`` before the first listed year."""
    power_decline_per_year: Annotated[float, Field(ge=0, lt=1), BeforeValidator(_number)] = 0.0
    """Roadmap extension: power_w x (1 - rate)^max(0, year - price_year) in a period's year."""
    power_by_year: dict[YearKey, NonNegNumber] = {}
    """Roadmap extension: the power (W, as ``power_w``) from a year on, replacing the decline rate."""
    trajectory_source: str | None = None
    """Roadmap extension: where the entry's price, power or supply figures over time come from."""
    supply_class: Id | None = None
    """Roadmap extension: a name shared by the entries whose purchases one ``steps[].supply`` cap limits
    together (e.g. the modules built on one laser)."""


class PortRules(Strict, defer_build=True):
    """Compatibility extension: what the ports (cages) of a switch model or NIC take.

    Every field is optional and only read when the instance has a ``compatibility`` section; a field
    left out does not restrict anything."""

    protocol: Protocols | None = None
    """Link-layer protocols the ports speak: infiniband, ethernet, or both (a list)."""
    lane_gbps: LaneRates | None = None
    """Electrical lane rates of the port SerDes (e.g. 100 or 200, or a list); a part's ``lane_gbps``
    must be one of them."""
    cage: Cage | None = None
    """Cage form factor: osfp (finned-top modules, switches), osfp-rhs (riding-heat-sink modules, NIC
    cards), osfp-flat (flat-top twin-port modules, DGX host cages), qsfp112, qsfp-dd."""
    cage_gbps: PositiveNumber | None = None
    """Speed one cage carries. A pluggable or cable end must fill its cage exactly: speed_gbps x
    (ends_per_module of a module, links_per_cable at a breakout's fast end, else 1) = cage_gbps. A
    twin-port cage of 2 x 400G has cage_gbps 800 and max_port_gbps 400."""
    max_module_w: PositiveNumber | None = None
    """Power class of one cage: a part whose power in the cage is above it is not an option here. A
    module draws power_w x ends_per_module; a cable end power_w / (2 x links_per_cable) per link through
    the cage, i.e. power_w / 2 at a plain cable's end or a breakout's fast end."""
    supports: Annotated[list[Id], Field(min_length=1), AfterValidator(_unique)] | None = None
    """Qualified parts: technologies (dsp, lpo, lro, cpo, aoc, aec, acc, dac) and/or catalogue item ids.
    An end is an option here only if its technology or its id is listed."""


# ----------------------------------------------------------------------------------------- catalogue
class Media(Strict, defer_build=True):
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


class PartRules(Availability, defer_build=True):
    """Compatibility extension fields of a link part (transceiver or cable); optional."""

    protocol: Protocols | None = None
    """Protocols the part is qualified for (absent: any)."""
    lane_gbps: PositiveNumber | None = None
    """Electrical (host-side) lane rate, e.g. 100 (8 x 100G for an 800G end) or 200 (4 x 200G)."""
    cage: Cages | None = None
    """Cage form factors the part plugs into (a cable: those of its connectors)."""


class Transceiver(PartRules, defer_build=True):
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
    Used for the bill of materials (modules = ceil(ends / ends_per_module)); under ``compatibility`` a
    node's ends of such a module come in whole modules (both halves of a twin-port cage take the same
    part) and the module fills its cage (speed_gbps x ends_per_module = the cage's cage_gbps)."""
    description: Text | None = None
    """Extension: a short human label."""
    line_lane_gbps: PositiveNumber | None = None
    """Compatibility extension: optical (line-side) lane rate; default lane_gbps. Two ends pair only with
    equal line lane rates; a gearbox module has lane_gbps != line_lane_gbps."""
    technology: Literal["dsp", "lpo", "lro", "cpo"] | None = None
    """Compatibility extension: dsp (retimed), lpo (linear), lro (linear receive) or cpo. Default, in
    this order: cpo for form cpo; lro if the id contains 'lro' or the description 'linear receive'; lpo
    if the id contains 'lpo' or the description 'linear pluggable' (case-insensitive); else dsp."""
    fibres: NonNegInt | None = None
    """Facility extension: fibres one link of this end runs over the structured cabling (DR8 16, 2xFR4 4, DR4 8,
    FR4 2, a breakout end its own share); read only under a ``facility`` section, which needs it for every
    transceiver a plan may use."""


class Cable(PartRules, defer_build=True):
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
    links_per_cable: PositiveInt = 1
    """Extension: links one assembly carries (2 or 4 for a breakout / splitter: one fast cage feeds that
    many slower links). speed_gbps is per link; power_w, cost_usd and cost_usd_per_m are for the whole
    assembly and are charged 1/links_per_cable per link. Under ``compatibility`` a node's fast ends come in whole
    assemblies and the fast end fills its cage (speed_gbps x links_per_cable = cage_gbps)."""
    fast_ends: Literal[1, 2] = 1
    """Extension, with links_per_cable > 1: 1 for a breakout (one fast end, the others are single
    links), 2 for a twin-port cable (both ends carry all its links, e.g. a 2 x 400G twin-port DAC)."""
    linear: Bool | None = None
    """Extension: true for a linear (un-retimed) active cable, e.g. a linear-drive AOC (informational)."""

    @property
    def propagation_ns_per_m(self) -> float:
        """The per-metre latency with the kind's default applied."""
        if self.latency_ns_per_m is not None:
            return self.latency_ns_per_m
        return 4.9 if self.kind == "aoc" else 4.5


class Switch(PortRules, Availability, defer_build=True):
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
    """Price of one switch without its link ends. For a CPO switch with ``cpo_premium_fraction``, the
    price before the premium (the price of its pluggable ``twin``)."""
    latency_ns: NonNegNumber
    """Port-to-port latency."""
    cpo_premium_fraction: Annotated[float, Field(gt=-1, le=10), BeforeValidator(_number)] = 0.0
    """Extension: price premium of a CPO switch over its pluggable twin, as a fraction of ``cost_usd``;
    the plan pays cost_usd x (1 + cpo_premium_fraction) per switch. Absent: 0 (the price is cost_usd)."""
    twin: Id | None = None
    """Extension (CPO switches): the pluggable switch of the same ASIC whose price ``cost_usd`` repeats,
    so that ``cpo_premium_fraction`` is the premium over it. Informational: it must name a switch
    without the cpo form; it does not change a figure."""
    rack_units: PositiveInt | None = None
    """Facility extension: rack units (U) one switch takes in a switch rack; read only under a ``facility``
    section, which needs it for every model a switch group may choose."""
    cooling: Literal["air", "liquid"] = "air"
    """Facility extension: how the switch is cooled; the power of liquid-cooled switches counts against
    ``facility.liquid_cooling_kw``."""
    source: Text
    confidence: Confidence | None = None
    description: Text | None = None
    line_cards: PositiveInt | None = None
    """Extension: a modular chassis's line cards (all slots filled). Its ports are split evenly over them
    (max_ports / line_cards per card, which must divide), and a failure mode with ``repair: line_card`` fails
    one card at a time: only that card's ports go down, not the switch. Absent: a fixed-configuration switch."""
    line_card_capacity_gbps: PositiveNumber | None = None
    """Extension (with ``line_cards``): one card's switching capacity (one direction); line_cards x it must
    equal capacity_gbps."""
    line_card_power_w: NonNegNumber | None = None
    """Extension (with ``line_cards``): one card's power; line_cards x it may not exceed power_w (the rest is
    the chassis: fabric cards, supervisors, fans). Informational: the plan charges power_w per switch."""

    @model_validator(mode="after")
    def _line_cards(self) -> Switch:
        cards = self.line_cards
        card_fields = (self.line_card_capacity_gbps, self.line_card_power_w)
        if cards is None:
            if any(f is not None for f in card_fields):
                raise ValueError("line_card_capacity_gbps and line_card_power_w need line_cards")
            return self
        problems = []
        if self.max_ports % cards:
            problems.append(f"max_ports ({self.max_ports}) is not a multiple of line_cards ({cards})")
        cap = self.line_card_capacity_gbps
        if cap is not None and abs(cap * cards - self.capacity_gbps) > 1e-6 * self.capacity_gbps:
            problems.append(f"line_cards x line_card_capacity_gbps ({cards * cap:g}) != capacity_gbps")
        watts = self.line_card_power_w
        if watts is not None and watts * cards > self.power_w + 1e-9:
            problems.append(f"line_cards x line_card_power_w ({cards * watts:g}) exceeds power_w")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def ports_per_line_card(self) -> int | None:
        """Ports of one line card (max_ports / line_cards), None for a fixed-configuration switch."""
        return None if self.line_cards is None else self.max_ports // self.line_cards

    @property
    def price_usd(self) -> float:
        """What the plan pays for one switch: cost_usd x (1 + cpo_premium_fraction)."""
        return self.cost_usd * (1.0 + self.cpo_premium_fraction)


class Nic(PortRules, Availability, defer_build=True):
    """Compatibility extension: a NIC model that a NIC node group can name with ``model``."""

    id: Id
    ports: PositiveInt = 1
    """Network ports per NIC (link ends)."""
    max_port_gbps: PositiveNumber
    """Fastest port speed."""
    forms: Forms = ["pluggable", "cable"]
    """End forms its ports take."""
    power_w: NonNegNumber
    """Power of one NIC without modules (informational: NIC counts are fixed, so it is not in the totals)."""
    cost_usd: NonNegNumber
    """Price of one NIC (informational, as power_w)."""
    source: Text
    confidence: Confidence | None = None
    description: Text | None = None


class Profile(Strict, defer_build=True):
    """Compatibility extension: an ecosystem profile (a vendor's qualified set of parts)."""

    id: Id
    protocol: Protocol | None = None
    """Every fabric of an instance using the profile runs this protocol."""
    switches: list[Id] | None = None
    """Switch models in the ecosystem (other models are removed from switch groups)."""
    nics: list[Id] | None = None
    """NIC models in the ecosystem (a NIC group naming another model is an error)."""
    supports: Annotated[list[Id], Field(min_length=1)] | None = None
    """Qualified parts (technologies and/or item ids), as a switch's ``supports``."""
    source: Text
    confidence: Confidence | None = None
    description: Text | None = None


class FailureMode(Strict, defer_build=True):
    """Reliability extension: one failure mode of a catalogue item (a row of the catalogue's
    ``reliability`` section). An item may have several modes (e.g. a CPO engine and its laser module);
    items without a row never fail in the model."""

    id: Id
    """Unique id of the row (e.g. ``cpo-dr-800.laser``); catalogue ids are unique across all sections."""
    item: Id
    """The transceiver, cable, switch or NIC id that fails in this mode, or ``nic``: the NIC port at the
    NIC end of every host link whose NIC group has no catalogue NIC with rows of its own."""
    mode: Text
    """Short name of the failure mode (e.g. module, laser, engine, cable, switch)."""
    fit: NonNegNumber | None = None
    """Failures per 10^9 hours of ONE failing unit (a module, an optical engine, a laser module, a cable,
    a switch). Give fit or mtbf_h, not both."""
    mtbf_h: PositiveNumber | None = None
    """Mean time between failures of one unit in hours (fit = 10^9 / mtbf_h)."""
    domain_ends: PositiveInt | None = None
    """Failure domain: link ends (ports) lost together when one unit fails, i.e. link ends per failing
    unit. Default: the transceiver's ends_per_module (1 for a plain module, 2 for a twin-port module);
    a cable fails one link; a switch loses all its ports (its max_ports). An explicit value overrides the
    default for every kind of item: a CPO engine or an external laser module (the ports it serves), a
    switch's line card (its ports), a cable whose failure takes several links down."""
    repair_domain_ends: PositiveInt | None = None
    """Link ends (ports) down while the repair is made, when more than the failure domain (e.g. a CPO
    engine repaired by swapping the switch takes all the switch's ports down). Default: domain_ends."""
    repair: Literal["module", "laser_module", "cable", "engine", "switch", "line_card", "nic", "fail_in_place"]
    """Repair class: hot-swap of a pluggable module, swap of an external laser module, cable replacement,
    optical engine replacement, replacement of the whole switch, swap of one line card of a modular chassis
    (a switch with ``line_cards``: each of its cards fails on its own and takes only its own ports down,
    default domain max_ports / line_cards; its failure stops the job as the loss of a link of the switch
    group would, see instances/README.md "Reliability"), replacement of a NIC, or fail in place
    (the failed ports stay down until the next maintenance window, ``window_h``, where the part is
    replaced while the job is stopped anyway)."""
    mttr_h: NonNegNumber
    """Mean time to repair in hours: how long the failure domain stays down (with ``fail_in_place``: the
    repair made in the maintenance window, which costs no job time)."""
    window_h: PositiveNumber | None = None
    """``fail_in_place`` only (required there): hours between maintenance windows. The failure domain
    stays down window_h / 2 on average, until the next window."""
    spare_cost_usd: NonNegNumber | None = None
    """Price of one spare of the part this repair replaces. Default: the failing unit's own price
    (transceiver cost_usd x domain_ends, the switch's cost_usd, the cable's price at the link group's
    length: cost_usd + cost_usd_per_m x length_m; a cable priced per metre is stocked per length)."""
    flap_fit: NonNegNumber = 0.0
    """Link flaps (transient outages that need no repair but do interrupt a job) per 10^9 hours of one unit."""
    source: Text
    """Where the figures come from (paper, field data, datasheet; estimates say how they were derived)."""
    confidence: Confidence | None = None
    """A datasheet/standard, B trade press, C vendor blog, EST estimate."""
    description: Text | None = None

    @model_validator(mode="after")
    def _one_rate(self) -> FailureMode:
        if (self.fit is None) == (self.mtbf_h is None):
            raise ValueError("give exactly one of fit and mtbf_h")
        if self.repair == "fail_in_place" and self.window_h is None:
            raise ValueError("repair fail_in_place needs window_h (hours between maintenance windows)")
        if self.repair != "fail_in_place" and self.window_h is not None:
            raise ValueError("window_h is read only with repair: fail_in_place (window_h: null drops an inherited one)")
        return self

    @property
    def down_h(self) -> float:
        """Hours the repair domain is down per failure outside a maintenance window: mttr_h, or
        window_h / 2 for a part that fails in place (then only its failure domain is down)."""
        return self.window_h / 2.0 if self.window_h is not None else self.mttr_h

    @property
    def rate_fit(self) -> float:
        """The failure rate in FIT (failures per 10^9 unit-hours)."""
        return self.fit if self.fit is not None else 1e9 / float(self.mtbf_h or 1.0)


class Catalog(Strict):
    """A catalogue: optics, cables, media and switch models, each entry keyed by a unique id."""

    extends: Literal["builtin"] | None = None
    """Start from the built-in catalogue; entries with the same id replace built-in ones."""
    description: Text | None = None
    media: list[Media] = []
    transceivers: list[Transceiver] = []
    cables: list[Cable] = []
    switches: list[Switch] = []
    nics: list[Nic] = []
    """Compatibility extension: NIC models."""
    profiles: list[Profile] = []
    """Compatibility extension: ecosystem profiles."""
    reliability: list[FailureMode] = []
    """Reliability extension: failure modes of catalogue items (used only when the instance has a
    ``reliability`` section)."""


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
    interruptions_per_day: Annotated[NonNegNumber, _at_most(1e6, "a weight")] = 0.0
    """Reliability extension: weight of the expected job interruptions per day (needs a ``reliability``
    section)."""


class Limits(Strict):
    """Plan-wide limits."""

    max_power_w: PositiveNumber | None = None
    max_capex_usd: PositiveNumber | None = None
    supply: dict[Id, NonNegInt] = {}
    """Catalogue id -> most units used in the whole plan (a transceiver counts per end, a cable per
    link, a switch model per switch)."""


class Reliability(Strict, defer_build=True):
    """Reliability extension: the economics of downtime. With this section the catalogue's failure modes
    give expected failures, job interruptions, downtime cost and spares, and the ``tco`` objective
    includes the downtime cost and the spares' capex."""

    gpu_hour_usd: NonNegNumber = 0.0
    """Value of one GPU-hour (what an idle GPU costs)."""
    restart_h: NonNegNumber = 0.25
    """GPU-hours lost per stopped GPU and interruption: job restart, checkpoint reload and the work
    redone since the last checkpoint, in hours."""
    gpus: PositiveInt | None = None
    """GPUs of the fabric. Default: the summed count of the NIC groups (NICs, not ports)."""
    gpus_per_interruption: PositiveInt | None = None
    """GPUs one failure or flap stops (the job size). Default: gpus (one job spans the fabric)."""
    idle_gpus_per_lost_link: NonNegNumber = 0.0
    """GPUs idle per link down while a failure is repaired (mttr_h). 0: the job restarts around the
    failed part (on spare nodes or spare paths) and repairs cost no GPU time."""
    spares_lead_time_h: NonNegNumber = 720.0
    """Time to replenish a used spare (RMA turnaround): spares cover the failures during this time."""
    spares_factor: NonNegNumber | None = None
    """If given: spares of each failure mode >= spares_factor x its expected failures during
    spares_lead_time_h, rounded up (0: no spares), instead of the service level."""
    spares_service_level: Annotated[float, Field(gt=0, lt=1), BeforeValidator(_number)] | None = None
    """Probability that the spares of a failure mode cover its failures during one lead time: the stock is
    the Poisson quantile of the expected failures (default 0.95 when spares_factor is not given)."""
    max_interruptions_per_day: (
        Annotated[float, Field(gt=0), BeforeValidator(_number), _at_least(MIN_INTERRUPTIONS_PER_DAY)] | None
    ) = None
    """Cap on the expected job interruptions per day caused by the network (at least 1e-12: this field's
    own lower bound, below the 1e-6 of other positive fields)."""
    min_availability: Annotated[float, Field(gt=0, lt=1), BeforeValidator(_number)] | None = None
    """Floor on the network's GPU availability: 1 - (GPU-hours lost per hour) / gpus."""

    @model_validator(mode="after")
    def _one_spares_rule(self) -> Reliability:
        if self.spares_factor is not None and self.spares_service_level is not None:
            raise ValueError("give spares_factor or spares_service_level, not both")
        return self


class Site(Strict, defer_build=True):
    """Site power envelope extension: the IT power a site gives its GPUs and their network, and what a GPU's
    capacity is worth. With this section the ``tco`` objective prices every network watt at the GPU capacity
    it displaces over the horizon (on top of its electricity), and ``it_power_w`` caps the network at the
    power the GPUs leave (instances/README.md, "Site power envelope")."""

    gpu_w: Annotated[PositiveNumber, _at_most(1e7, "W per GPU")]
    """Power of one GPU with its share of the host (CPU, memory, NIC, fans, rack power conversion)."""
    it_power_w: PositiveNumber | None = None
    """IT power available to the GPUs and the network. The network may draw at most
    it_power_w - gpus x gpu_w (absent: no site cap)."""
    gpus: PositiveInt | None = None
    """GPUs the site hosts. Default: ``reliability.gpus`` when given, else the summed count of the NIC groups."""
    gpu_hour_usd: NonNegNumber | None = None
    """Value of one GPU-hour of capacity. Default: ``reliability.gpu_hour_usd`` when the instance has a
    ``reliability`` section, else 0 (the cap only)."""


class FibrePath(Strict, defer_build=True):
    """Facility extension: a cable path (a duct or tray between halls) and the fibres it can carry."""

    id: Id
    links: Annotated[list[Id], Field(min_length=1), AfterValidator(_unique)]
    """The link groups whose fibres run along this path."""
    max_fibres: NonNegInt
    """Fibres the path can carry (the summed fibres of every link of the listed groups)."""


class Cabling(Strict, defer_build=True):
    """Facility extension: the structured-cabling rule (instances/README.md, "Facility"): per link group g of
    at least ``min_length_m`` whose links run F(g) > 0 fibres, trunks = ceil(F / trunk_fibres), cassettes
    = 2 x ceil(F / cassette_fibres) (one set per end) and patch panels = 2 x ceil(ceil(F / cassette_fibres)
    / cassettes_per_panel). A bill-of-materials rule: priced in the plan's cabling lines, not in the optimum."""

    min_length_m: NonNegNumber = 0.0
    """Link groups shorter than this are patched directly (no trunk, cassette or panel)."""
    trunk_fibres: PositiveInt = 144
    """Fibres per MPO trunk cable."""
    trunk_cost_usd: NonNegNumber = 0.0
    """Price of one trunk (its connectors and fixed part)."""
    trunk_cost_usd_per_m: NonNegNumber = 0.0
    """Price of one trunk per metre of the link group's length."""
    cassette_fibres: PositiveInt = 24
    """Fibres one MPO cassette (or MPO adapter plate) breaks out."""
    cassette_cost_usd: NonNegNumber = 0.0
    cassettes_per_panel: PositiveInt = 4
    """Cassettes one patch panel (1U) holds."""
    panel_cost_usd: NonNegNumber = 0.0


class Facility(Strict, defer_build=True):
    """Facility extension: the room the fabric stands in (instances/README.md, "Facility"). With this section
    the plan counts switch racks, rack units, rack power, liquid-cooling load and fibres, and the limits given
    here become rows of the model."""

    switch_rack_units: PositiveInt = 42
    """Usable rack units (U) of one switch rack."""
    switch_rack_kw: PositiveNumber | None = None
    """Power cap of one switch rack (kW): its switches and the link ends in their ports. Absent: racks are
    counted by space only."""
    max_switch_racks: NonNegInt | None = None
    """Switch racks the hall has room for (absent: no cap)."""
    gpu_racks: PositiveInt | None = None
    """GPU racks the NIC groups stand in (the NICs' link ends are spread evenly over them)."""
    gpu_rack_kw: PositiveNumber | None = None
    """Power cap of one GPU rack (kW); needs ``gpu_racks``."""
    gpu_rack_base_kw: NonNegNumber = 0.0
    """Draw of one GPU rack without the link ends at its NICs (GPUs, hosts, NICs, fans; kW)."""
    liquid_cooling_kw: NonNegNumber | None = None
    """Liquid-cooling capacity available to the liquid-cooled switches (kW); absent: no cap."""
    cabling: Cabling | None = None
    """The structured-cabling rule (absent: no cabling lines)."""
    fibre_paths: list[FibrePath] = []
    """Cable paths between halls with a fibre limit each."""

    @model_validator(mode="after")
    def _gpu_racks_given(self) -> Facility:
        if self.gpu_rack_kw is not None and self.gpu_racks is None:
            raise ValueError("gpu_rack_kw needs gpu_racks")
        return self


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


@_presigned
def _nic_count(value: Any) -> Any:
    if isinstance(value, Mapping):
        raise ValueError("a {min, max} range is only allowed for switch groups; a NIC group has a fixed count")
    return value


class NicNode(PortRules, defer_build=False):
    """A group of identical NICs (endpoints)."""

    id: Id
    kind: Literal["nic"]
    count: Annotated[PositiveInt, BeforeValidator(_nic_count)]
    """Number of NICs in the group."""
    ports: PositiveInt = 1
    """Ports per NIC (default 1, or the model's)."""
    max_port_gbps: PositiveNumber | None = None
    """Fastest port speed of the NIC; required unless ``model`` gives it."""
    forms: Forms = ["pluggable", "cable"]
    """End forms the NIC's ports take (default [pluggable, cable], or the model's)."""
    model: Id | None = None
    """Compatibility extension: a catalogue NIC id; fields not given here are taken from it (without a
    ``compatibility`` section only ports, max_port_gbps and forms are read)."""

    @model_validator(mode="after")
    def _speed_given(self) -> NicNode:
        if self.max_port_gbps is None and self.model is None:
            raise ValueError("max_port_gbps is required (or name a catalogue NIC with model)")
        return self

    @property
    def port_gbps(self) -> float:
        """max_port_gbps after loading (a NIC model fills it in when the file does not give it)."""
        if self.max_port_gbps is None:
            raise TypeError(f"NIC group '{self.id}': max_port_gbps not resolved from its model")
        return self.max_port_gbps


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
    # --- reliability extension (optional) ---
    job_stop_fraction: Annotated[float, Field(ge=0, le=1), BeforeValidator(_number)] | None = None
    """Share of this group's link failures and flaps that stop the job (needs a reliability section).
    Default: 1 for a host link (a NIC group at one end); 1 / P for a link between switch groups, P = the
    smaller of the two groups' switch counts (the minimum of a range, at least 1)."""


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


class Demand(Strict, defer_build=True):
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


class FigureRange(Strict, defer_build=True):
    """Robustness extension: the plausible range of one uncertain figure (or of every figure a glob path
    matches), read by ``optimizer robustness`` and the decision drivers; solving ignores it."""

    path: Annotated[Text, Field(min_length=3)]
    """The figure, in the sweep path language: ``catalog.<id or glob>.<field>`` (cost_usd, power_w,
    cost_usd_per_m, fit, flap_fit, spare_cost_usd, ...), ``economics.<field>``, ``reliability.<field>``."""
    low: NonNegNumber
    """Lowest plausible value (a factor of the figure's value when ``relative``)."""
    high: NonNegNumber
    """Highest plausible value (a factor of the figure's value when ``relative``); at least ``low``."""
    relative: Bool = False
    """``low`` and ``high`` are factors of the figure's value (0.8 and 1.5: -20 % .. +50 %)."""
    section: Literal["media", "transceivers", "cables", "switches", "reliability"] | None = None
    """Only figures of this catalogue section (a glob id may match entries of several sections)."""
    group: Id | None = None
    """Correlation group: every figure of one group moves together (one shared quantile per sample).
    Default: the figures one entry matches share one quantile; entries without a group are independent."""
    source: Text | None = None
    """Where the range comes from."""

    @model_validator(mode="after")
    def _ordered(self) -> FigureRange:
        if self.high < self.low:
            raise ValueError(f"high ({self.high:g}) is below low ({self.low:g})")
        return self


Objective = Literal["tco", "capex", "power", "weighted"]


class Compatibility(Strict, defer_build=True):
    """Compatibility extension: turns on the compatibility rules (instances/README.md, "Compatibility").

    Present (even empty): every link joins ports of one protocol and each fabric (node groups joined by
    link groups) runs one protocol; lane rates, cage form factor and fill, cage power class and support
    lists hold at both ends; twin-port modules and breakouts come in whole units per node group; only
    available parts are options. Absent: the format v1 rules only."""

    status: Annotated[list[Status], BeforeValidator(_as_list), Field(min_length=1), AfterValidator(_unique)] = [
        "shipping"
    ]
    """Statuses of catalogue entries that are options (an entry without status counts as shipping)."""
    available_by: Year | None = None
    """Also take sampling and announced entries whose year is at most this year (not those without a year)."""
    profile: Id | None = None
    """An ecosystem profile of the catalogue: its switches, NICs, parts and protocol only."""
    protocol: Protocol | None = None
    """Fix the protocol of every fabric (default: the planner chooses one per fabric); with a profile that
    fixes a protocol it must be the same."""


class LinkOverride(Strict, defer_build=True):
    """Roadmap extension: what one link group carries in one period (replacing the scaled figures)."""

    demand_gbps: NonNegNumber | None = None
    count: NonNegInt | None = None


class Period(Strict):
    """Roadmap extension: one period of a roadmap (instances/README.md "Roadmaps over several periods")."""

    year: Year
    scale: Annotated[PositiveNumber, _at_most(1e6, "growth factor")] = 1.0
    """Multiplies every link group's ``demand_gbps`` and ``count`` (rounded up) in this period."""
    links: dict[Id, LinkOverride] = {}
    """Per link group: ``demand_gbps`` and/or ``count`` of this period (not scaled)."""
    nodes: dict[Id, Annotated[int, Field(ge=0), BeforeValidator(_integer)] | CountRange] = {}
    """Per node group: its ``count`` in this period (a NIC group's count, a switch group's count or range)."""
    absent: list[Id] = []
    """Node and link groups not yet built in this period (a link group at an absent node group is absent too)."""
    max_capex_usd: PositiveNumber | None = None
    """Cap on the period's purchases (links, fibre and switches bought in it, at its prices, undiscounted)."""
    supply: dict[Id, NonNegInt] = {}
    """Units that can be bought in this period, per key: a catalogue item id, a ``supply_class`` or a
    technology (dsp, lpo, lro, cpo, dac, acc, aec, aoc, switch); a key caps the units of every entry it
    names (its id, its supply_class or its technology) together."""


class Periods(Strict):
    """Roadmap extension: the periods of a roadmap and how their costs are discounted."""

    discount_rate: Annotated[float, Field(ge=0, le=1), BeforeValidator(_number)] = 0.0
    """Yearly discount rate of the net present value (0: no discounting)."""
    end_year: Year | None = None
    """The year the horizon ends (exclusive): the last period runs until then. Default: the first period's
    year + ``economics.years``."""
    price_decline_per_year: dict[
        Literal["dsp", "lpo", "lro", "cpo", "dac", "acc", "aec", "aoc", "switch"],
        Annotated[float, Field(ge=0, lt=1), BeforeValidator(_number)],
    ] = {}
    """Per technology (a transceiver's dsp/lpo/lro/cpo, a cable's kind, ``switch`` for switch models): the
    yearly price decline of the entries of that technology that give no ``price_decline_per_year`` of their own."""
    steps: Annotated[list[Period], Field(min_length=1)]
    """The periods in increasing year order (a roadmap of one period is the single-period plan)."""


class InstalledSwitch(Strict, defer_build=True):
    """Roadmap extension: switches of one model in place in a switch group before the first period."""

    group: Id
    model: Id
    count: NonNegInt


class InstalledLink(Strict, defer_build=True):
    """Roadmap extension: links of one option in place in a link group (with their fibre, for a pair)."""

    group: Id
    option: Annotated[str, StringConstraints(min_length=1, max_length=1000), BeforeValidator(_strict_str)]
    """An option name as the plan writes it (a cable id or ``a-end+b-end``)."""
    count: NonNegInt


class InstalledFibre(Strict, defer_build=True):
    """Roadmap extension: fibre of one medium laid along a link group, in links' worth."""

    group: Id
    media: Id
    count: NonNegInt
    """Links' worth of fibre of this medium laid along the group (beyond the fibre of installed links)."""


class Installed(Strict, defer_build=True):
    """Roadmap extension: what is in place before the first period (the starting stock)."""

    switches: list[InstalledSwitch] = []
    links: list[InstalledLink] = []
    fibre: list[InstalledFibre] = []


class Instance(Strict):
    """An optimizer instance file, format version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="optimizer instance v1")

    schema_version: Literal[1]
    name: Annotated[Text, Field(min_length=1)]
    description: Text | None = None
    economics: Economics = Economics()
    objective: Objective = "tco"
    weights: Weights = Weights()
    """Only used with objective: weighted."""
    limits: Limits = Limits()
    reliability: Reliability | None = None
    """Reliability extension: downtime economics (see instances/README.md "Reliability")."""
    site: Site | None = None
    """Site power envelope extension: network power priced at the GPU capacity it displaces and capped by
    the site's IT power (see instances/README.md "Site power envelope")."""
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
    compatibility: Compatibility | None = None
    """Compatibility extension: present (even ``{}``) turns on the compatibility rules; absent, the
    format v1 rules apply and the catalogue's compatibility fields are not read."""
    ranges: list[FigureRange] = []
    """Robustness extension: plausible ranges of uncertain figures (see instances/README.md, "Uncertain
    figures and robustness"); they replace the built-in ranges of the same figures. Solving ignores them."""
    periods: Periods | None = None
    """Roadmap extension: plan several periods in one model (see instances/README.md "Roadmaps")."""
    installed: Installed | None = None
    """Roadmap extension: the equipment in place before the first period (only with ``periods``)."""
    facility: Facility | None = None
    """Facility extension: rack space, rack power, cooling and fibres (see instances/README.md "Facility")."""

    _source: str = PrivateAttr(default="<mapping>")

    @property
    def source(self) -> str:
        """The file the instance was read from (``<mapping>`` for in-memory input)."""
        return self._source

    def with_changes(self, changes: Mapping[str, Any]) -> Instance:
        """A new instance with each ``path: value`` of ``changes`` applied, validated as a file is.

        Paths are the sweep's parameter paths (``economics.electricity_usd_per_kwh``,
        ``catalog.cpo-*.cost_usd``, ``links.gpu-leaf.length_m``, ``nodes.spine.count.max``) or a top-level
        field (``objective``); a value is a number, ``"x1.2"`` (a factor of the present value) or any value
        of the field's type. Raises ``InstanceError`` with every problem (bad paths, bad values, the
        semantic checks of the result). See ``optimizer.core.edit``.
        """
        edit = importlib.import_module("optimizer.core.edit")  # the loader sits above the schema
        changed: Instance = edit.with_changes(self, changes)
        return changed

    @property
    def resolved_catalog(self) -> Catalog:
        """The catalogue after loading (``load_instance`` always resolves it to a Catalog)."""
        if not isinstance(self.catalog, Catalog):
            raise TypeError("catalogue not resolved: use optimizer.load_instance")
        return self.catalog


def _strict_models() -> list[type[Strict]]:
    """Every model of this module in definition order (a model is defined after the models it uses)."""
    return [v for v in globals().values() if isinstance(v, type) and issubclass(v, Strict)]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of instance files, each field described by its attribute docstring.

    Reading the docstrings parses this module's source, so it happens here (``optimizer schema``) and not
    when the models are defined: loading an instance never needs them.
    """
    from pydantic._internal._docs_extraction import extract_docstrings_from_cls

    models = _strict_models()
    for cls in models:
        for base in reversed(cls.__mro__):  # docstrings of inherited fields come from the class defining them
            if not (isinstance(base, type) and issubclass(base, Strict)):
                continue
            for name, doc in extract_docstrings_from_cls(base, use_inspect=True).items():
                info = cls.model_fields.get(name)
                if info is not None and info.description is None:
                    info.description = doc
    for cls in models:
        cls.model_rebuild(force=True)
    return Instance.model_json_schema()
