"""The built-in catalogue and catalogue resolution (``builtin`` | file | inline, with ``extends``)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from optimizer.core.schema import Cable, Catalog, FailureMode, Media, Nic, Profile, Switch, Transceiver
from optimizer.errors import InstanceError, Issue

BUILTIN_LABEL = "<builtin catalogue>"
SECTIONS = ("media", "transceivers", "cables", "switches")
#: Every catalogue section (ids unique across all): the item sections plus NIC models, profiles and the
#: reliability extension's failure modes.
ALL_SECTIONS = (*SECTIONS, "nics", "profiles", "reliability")


@functools.lru_cache(maxsize=1)
def builtin_catalog() -> Catalog:
    """The catalogue shipped with the package (optimizer/core/catalog/builtin.yaml).

    The document is read from its parsed form (``optimizer.core.catalog.parsed``: the same data, checked
    against the YAML file's digest) and parsed from the YAML only when that form is missing or stale.
    """
    from optimizer.core.catalog.parsed import read_parsed
    from optimizer.core.io import validation_issues

    data = read_parsed()
    if data is None:
        from importlib import resources

        from optimizer.core.io import read_document

        ref = resources.files("optimizer.core.catalog").joinpath("builtin.yaml")
        with resources.as_file(ref) as path:
            data, issues = read_document(Path(path), BUILTIN_LABEL)
        if issues:
            raise InstanceError(issues)
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as exc:
        raise InstanceError(validation_issues(exc, BUILTIN_LABEL, Catalog, data)) from None
    problems = (
        catalog_issues(catalog, BUILTIN_LABEL, "")
        + reliability_issues(catalog, BUILTIN_LABEL, "")
        + twin_issues(catalog, BUILTIN_LABEL, "")
    )
    if problems:
        raise InstanceError(problems)
    return catalog


#: A break-even decides a figure when it lies within this factor of the figure's value (either way) ...
DRIVER_FACTOR = 2.0
#: ... or, for a premium (a fraction, measured as a value, not a factor), within this distance of it.
DRIVER_PREMIUM_DISTANCE = 0.5


@functools.lru_cache(maxsize=1)
def decision_drivers() -> dict[str, Any]:
    """The measured break-evens of catalogue figures on the library's fabrics (``drivers.json``, written by
    ``scripts/decision_drivers.py``): per instance and figure, the values at which some link group's
    optics technology changes, each with the ``optimizer breakeven`` command that reproduces it."""
    import json
    from importlib import resources

    ref = resources.files("optimizer.core.catalog").joinpath("drivers.json")
    if not ref.is_file():
        return {"figures": []}
    data: dict[str, Any] = json.loads(ref.read_text(encoding="utf-8"))
    return data


def drivers_by_item(catalog: Catalog, drivers: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The break-evens that mark catalogue entries as decision drivers, per entry id.

    A break-even marks its figure's entry when it lies within a factor ``DRIVER_FACTOR`` of the value
    (prices: the break-even is a factor of the price) or within ``DRIVER_PREMIUM_DISTANCE`` of a CPO
    switch premium. A break-even marks the entries in its ``items`` (the catalogue ids the figure moves
    that the plans on either side of the flip use; a glob such as ``cpo-*`` moves several), else those
    of its figure's ``items``, else those its ``item`` matches. Economics figures
    (the electricity price) are not catalogue entries and mark nothing. Each returned record is the
    break-even with its ``instance``, ``parameter``, ``field`` and ``relative`` flag, nearest first.
    """
    import fnmatch

    ids = [e.id for section in ("transceivers", "cables", "switches") for e in getattr(catalog, section)]
    out: dict[str, list[dict[str, Any]]] = {}
    for figure in drivers.get("figures", []):
        item = figure.get("item")
        if not item:
            continue
        for b in figure.get("breakevens", []):
            value = b.get("value")
            if value is None:
                continue
            if figure.get("relative"):
                near = 1 / DRIVER_FACTOR <= value <= DRIVER_FACTOR
                distance = abs(value - 1.0)
            else:
                distance = abs(value - float(figure.get("base", 0.0)))
                near = distance <= DRIVER_PREMIUM_DISTANCE
            if not near:
                continue
            record = {
                "instance": figure["instance"],
                "parameter": figure["parameter"],
                "field": figure["field"],
                "relative": bool(figure.get("relative")),
                "distance": distance,
                **b,
            }
            targets = b.get("items") or figure.get("items") or [i for i in ids if fnmatch.fnmatchcase(i, item)]
            for entry_id in (i for i in targets if i in ids):
                out.setdefault(entry_id, []).append(record)
    for records in out.values():
        records.sort(key=lambda r: r["distance"])
    return out


def merge_catalogs(base: Catalog, override: Catalog) -> Catalog:
    """``extends``: start from base; entries of override add to it or replace the same id."""
    merged: dict[str, list[Any]] = {}
    override_ids = {e.id for s in ALL_SECTIONS for e in getattr(override, s)}
    for section in ALL_SECTIONS:
        kept = [e for e in getattr(base, section) if e.id not in override_ids]
        merged[section] = kept + list(getattr(override, section))
    return Catalog(description=override.description or base.description, **merged)  # type: ignore[arg-type]


def catalog_issues(catalog: Catalog, file: str, prefix: str, extra_media: frozenset[str] = frozenset()) -> list[Issue]:
    """Duplicate ids (across all sections) and unknown media references.

    ``extra_media``: media ids available from elsewhere (the built-in catalogue under ``extends``).
    """
    issues: list[Issue] = []
    first_seen: dict[str, str] = {}
    for section in ALL_SECTIONS:
        for i, entry in enumerate(getattr(catalog, section)):
            where = f"{prefix}{section}[{i}].id"
            if entry.id in first_seen:
                issues.append(Issue(file, where, f"duplicate catalogue id '{entry.id}' (also {first_seen[entry.id]})"))
            else:
                first_seen[entry.id] = f"{section}[{i}]"
    media_ids = {m.id for m in catalog.media} | set(extra_media)
    for i, t in enumerate(catalog.transceivers):
        if t.media not in media_ids:
            known = ", ".join(sorted(media_ids)) or "none"
            issues.append(Issue(file, f"{prefix}transceivers[{i}].media", f"unknown media '{t.media}'; known: {known}"))
    return issues


def reliability_issues(catalog: Catalog, file: str, prefix: str) -> list[Issue]:
    """Failure modes (reliability extension) naming an item the (resolved) catalogue does not have
    (``nic``, the NIC port of any host link, is always known), and line-card modes (``repair: line_card``)
    of an item that is not a modular switch (one with ``line_cards``)."""
    sections = ("transceivers", "cables", "switches", "nics")
    items = {e.id for section in sections for e in getattr(catalog, section)} | {"nic"}
    modular = {s.id for s in catalog.switches if s.line_cards is not None}
    issues = [
        Issue(
            file,
            f"{prefix}reliability[{i}].item",
            f"unknown catalogue item '{r.item}' (a transceiver, cable, switch or NIC, or nic)",
        )
        for i, r in enumerate(catalog.reliability)
        if r.item not in items
    ]
    issues += [
        Issue(
            file,
            f"{prefix}reliability[{i}].repair",
            f"repair line_card needs a modular switch (one with line_cards); '{r.item}' is not one",
        )
        for i, r in enumerate(catalog.reliability)
        if r.repair == "line_card" and r.item in items and r.item not in modular
    ]
    return issues


def twin_issues(catalog: Catalog, file: str, prefix: str, base: Catalog | None = None) -> list[Issue]:
    """A switch's ``twin`` must name another switch without the cpo form, of the catalogue or of the
    ``base`` it extends."""
    switches = {s.id: s for s in (base.switches if base is not None else [])} | {s.id: s for s in catalog.switches}
    issues: list[Issue] = []
    for i, s in enumerate(catalog.switches):
        if s.twin is None:
            continue
        twin = switches.get(s.twin)
        where = f"{prefix}switches[{i}].twin"
        if twin is None or twin.id == s.id:
            issues.append(Issue(file, where, f"'{s.id}': twin '{s.twin}' is not another switch of the catalogue"))
        elif "cpo" in twin.forms:
            issues.append(Issue(file, where, f"'{s.id}': twin '{s.twin}' is a CPO switch (a twin is pluggable)"))
    return issues


@dataclass(frozen=True)
class CatalogIndex:
    """Catalogue entries by id, per section."""

    media: dict[str, Media]
    transceivers: dict[str, Transceiver]
    cables: dict[str, Cable]
    switches: dict[str, Switch]
    nics: dict[str, Nic]
    profiles: dict[str, Profile]
    reliability: dict[str, FailureMode]
    """Failure modes by row id (reliability extension)."""

    @classmethod
    def of(cls, catalog: Catalog) -> CatalogIndex:
        """Index a (resolved) catalogue."""
        return cls(
            media={m.id: m for m in catalog.media},
            transceivers={t.id: t for t in catalog.transceivers},
            cables={c.id: c for c in catalog.cables},
            switches={s.id: s for s in catalog.switches},
            nics={n.id: n for n in catalog.nics},
            profiles={p.id: p for p in catalog.profiles},
            reliability={r.id: r for r in catalog.reliability},
        )

    def section_of(self, item_id: str) -> str | None:
        """The section holding item_id, or None."""
        for section in ALL_SECTIONS:
            if item_id in getattr(self, section):
                return section
        return None


# ------------------------------------------------------------------------ field-level overrides
def apply_field_overrides(data: Any, file: str = "", prefix: str = "") -> Any:
    """``extends: builtin`` with partial entries: an entry whose id names a built-in entry of the same
    section inherits every field it does not give from that entry.

    This lets a user override single figures (``{id: dr8-800, cost_usd: 990}``) without copying the
    whole entry. The inherited ``source`` gets a note naming the overridden fields, so the listing never
    credits a user's figure to the built-in source; an entry that gives its own ``source`` does not
    inherit the built-in ``confidence`` grade. Works on the raw mapping before validation; anything
    that is not an ``extends: builtin`` catalogue mapping is returned unchanged.
    """
    if not isinstance(data, Mapping) or data.get("extends") != "builtin":
        return data
    base = builtin_catalog()
    out = dict(data)
    for section in ALL_SECTIONS:
        entries = data.get(section)
        if not isinstance(entries, list):
            continue
        known = {e.id: e for e in getattr(base, section)}
        merged = []
        for entry in entries:
            if isinstance(entry, Mapping) and isinstance(entry.get("id"), str) and entry["id"] in known:
                inherited = known[entry["id"]].model_dump(exclude_none=True)
                overridden = sorted(k for k in entry if k != "id" and entry[k] != inherited.get(k))
                new = {**inherited, **entry}
                if "source" not in entry and overridden:
                    new["source"] = f"{inherited['source']} [user override of: {', '.join(overridden)}]"
                if "source" in entry and "confidence" not in entry:
                    new.pop("confidence", None)  # a new source is not graded by the built-in grade
                merged.append(new)
            else:
                merged.append(entry)
        out[section] = merged
    return out


# ------------------------------------------------------------------------ physical sanity checks
def technology(entry: Transceiver | Cable) -> str:
    """Technology class of a link end or cable: cpo, lpo, lro, dsp (pluggables), or the cable kind."""
    if isinstance(entry, Cable):
        return entry.kind
    if entry.technology is not None:
        return entry.technology
    if entry.form == "cpo":
        return "cpo"
    lowered, text = entry.id.lower(), (entry.description or "").lower()
    if "lro" in lowered or "linear receive" in text:
        return "lro"
    if "lpo" in lowered or "linear pluggable" in text:
        return "lpo"
    return "dsp"


def pj_per_bit(entry: Transceiver | Cable | Switch) -> float:
    """Energy per bit: per end for transceivers and cables (a cable's power is split over its two ends),
    whole switch power over its capacity for switches."""
    if isinstance(entry, Switch):
        return 1000.0 * entry.power_w / entry.capacity_gbps
    if isinstance(entry, Cable):  # a breakout's power over the bandwidth of all its links
        return 1000.0 * entry.power_w / 2 / (entry.speed_gbps * entry.links_per_cable)
    return 1000.0 * entry.power_w / entry.speed_gbps


#: Sane pJ/bit bands per technology (per end). Published ranges (CPO 5-10, DSP
#: pluggables 15-22 at 800G, 12.5 for the 3.2T estimate, LPO 10-11, passive copper ~0.1).
PJ_PER_BIT_BAND = {
    "cpo": (3.0, 10.0),
    "lpo": (5.0, 14.0),
    "lro": (7.0, 18.0),
    "dsp": (10.0, 30.0),
    "dac": (0.0, 1.0),
    "acc": (0.5, 4.0),
    "aec": (2.0, 12.0),
    "aoc": (2.0, 25.0),
}
#: Coherent (ZR/ZR+) modules on DWDM media: ~30 W per 800G ZR (tarluz.com FAQ), i.e. up to ~50 pJ/bit.
COHERENT_PJ_PER_BIT_BAND = (20.0, 60.0)
#: Largest credible reach per technology / medium, metres.
REACH_MAX_M = {"dac": 5.0, "acc": 7.0, "aec": 10.0, "aoc": 100.0, "mmf": 150.0}
SWITCH_PJ_PER_BIT_BAND = (3.0, 60.0)


def physical_issues(catalog: Catalog, file: str = BUILTIN_LABEL) -> list[Issue]:
    """Figures outside physical sense, and entries without provenance (source + confidence).

    Checks: source present (>= 20 characters) and confidence graded; pJ/bit inside the band of its
    technology; cost > 0 and $/Gb/s in 0.05-10 for optics; reach > 0 and below the technology's
    physical limit; latency per end 0-200 ns (cables 0-300, switches 50-2,000); fibre propagation
    4.5-5.5 ns/m; switch pJ/bit 3-60, ports x port speed >= capacity.
    """
    issues: list[Issue] = []

    def bad(section: str, i: int, field: str, message: str) -> None:
        issues.append(Issue(file, f"{section}[{i}].{field}", message))

    for section in ALL_SECTIONS:
        for i, e in enumerate(getattr(catalog, section)):
            if not e.source or len(e.source) < 20:
                bad(section, i, "source", f"'{e.id}': no source (or under 20 characters)")
            if e.confidence is None:
                bad(section, i, "confidence", f"'{e.id}': no confidence grade (A, B, C or EST)")
    for i, m in enumerate(catalog.media):
        if not 4.5 <= m.latency_ns_per_m <= 5.5:
            bad("media", i, "latency_ns_per_m", f"'{m.id}': {m.latency_ns_per_m} ns/m is not fibre (4.5-5.5)")
        if not 0 < m.cost_usd_per_m <= 50:
            bad("media", i, "cost_usd_per_m", f"'{m.id}': {m.cost_usd_per_m} $/m outside (0, 50]")
    media = {m.id: m for m in catalog.media}
    for section in ("transceivers", "cables"):
        for i, e in enumerate(getattr(catalog, section)):
            tech = technology(e)
            low, high = PJ_PER_BIT_BAND[tech]
            if isinstance(e, Transceiver) and e.media.startswith("dwdm"):
                low, high = COHERENT_PJ_PER_BIT_BAND
            pj = pj_per_bit(e)
            if not low <= pj <= high:
                bad(section, i, "power_w", f"'{e.id}': {pj:.2f} pJ/bit outside the {tech} band {low}-{high}")
            usd_per_gbps = e.cost_usd / e.speed_gbps / (e.links_per_cable if isinstance(e, Cable) else 1)
            if e.cost_usd <= 0 or not 0.05 <= usd_per_gbps <= 10:
                bad(section, i, "cost_usd", f"'{e.id}': {usd_per_gbps:.3f} $/Gb/s outside 0.05-10")
            reach_limit = REACH_MAX_M.get(tech)
            if isinstance(e, Transceiver) and e.media in media and e.media.startswith("mmf"):
                reach_limit = REACH_MAX_M["mmf"]
            if e.reach_m <= 0 or (reach_limit is not None and e.reach_m > reach_limit):
                bad(section, i, "reach_m", f"'{e.id}': reach {e.reach_m} m outside (0, {reach_limit}]")
            lat_max = 300 if section == "cables" else 200
            if not 0 <= e.latency_ns <= lat_max:
                bad(section, i, "latency_ns", f"'{e.id}': {e.latency_ns} ns outside 0-{lat_max}")
            if e.speed_gbps not in (100, 200, 400, 800, 1600, 3200):
                bad(section, i, "speed_gbps", f"'{e.id}': {e.speed_gbps} Gb/s is not an Ethernet/IB rate")
    for i, s in enumerate(catalog.switches):
        pj = pj_per_bit(s)
        low, high = SWITCH_PJ_PER_BIT_BAND
        if not low <= pj <= high:
            bad("switches", i, "power_w", f"'{s.id}': {pj:.2f} pJ/bit outside {low}-{high}")
        if s.cost_usd <= 0:
            bad("switches", i, "cost_usd", f"'{s.id}': cost must be positive")
        if not 0 <= s.cpo_premium_fraction <= 1:
            bad("switches", i, "cpo_premium_fraction", f"'{s.id}': a premium of {s.cpo_premium_fraction:g} is not 0-1")
        if not 50 <= s.latency_ns <= 2000:
            bad("switches", i, "latency_ns", f"'{s.id}': {s.latency_ns} ns outside 50-2000")
        if s.max_ports * s.max_port_gbps < s.capacity_gbps:
            bad("switches", i, "max_ports", f"'{s.id}': {s.max_ports} ports x {s.max_port_gbps} Gb/s < capacity")
    return issues
