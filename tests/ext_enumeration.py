"""Random tiny instances of the compatibility and reliability extensions, and their exhaustive enumeration.

Everything here is written from the format doc (instances/README.md, sections "Compatibility rules" and
"Reliability") and reads only the raw instance mapping it generated: no planner or verifier code.

The instances: 1-3 NICs (1 or 2 ports, inline or from a catalogue NIC) under one switch group of 1-2 models
(fixed count or sized), a NIC-switch link group and sometimes a link group inside the switch group (and,
with failure modes and without the rules, one NIC-to-NIC link, whose both ends carry NIC port modes), 2-3
transceivers (twin-port, CPO, `fits`) and 0-2 cables (breakouts and twin-port cables under the rules) with
random compatibility fields, status and year, an optional profile, fixed protocol, availability options,
path budget, limits, economics, and failure modes on every item kind (transceivers with explicit
`domain_ends` / `repair_domain_ends`; cables and switches with them when asked for; the generic NIC port
`nic` and the catalogue NIC's own modes, which replace it for its group; any of them may fail in place
until a maintenance window), with the downtime economics, caps, the weighted objective's interruption
weight, a link group's own `job_stop_fraction` (else 1 on the host links, 1 / P on the links inside a
switch group of P = 1 or 2 switches, a range at its min) and the spares rule: `spares_factor`, a given
`spares_service_level` or the default level 0.95 (with lead times long enough for the quantile to stock
spares).

The generator keeps clear of the points the doc leaves open or has answered only recently, so the
enumeration has one reading: every port and every part gives lane rates and cages or none does (a port with
a cage gives its `cage_gbps`), every transceiver gives `technology`, parts of several links per unit
(twin-port modules, breakouts) are in one link group only, a breakout draws little enough power for every
reading of its cage power, `gpus` is given with 2-port NICs, no cable with failure modes has a per-metre
price, no switch model has a status when a breakout is in the catalogue and a breakout whose fast end would
depend on an unusable listed model is drawn again, the NIC-switch group never has `count: 0` under the
rules (a group that can hold no link may join no fabric), a profile never comes with an instance
protocol, and breakouts (`links_per_cable`) appear only under the rules: the doc reads them only with a
`compatibility` section ("breakouts ... read only under a compatibility section"), while the planner
charges a breakout 1/links_per_cable per link without the section too.

The enumeration tries every usable switch model, switch count, fabric protocol and link-count vector, and
keeps the best objective of the plans that meet every rule. All figures it needs are linear in the counts,
so each option and switch model is reduced to per-unit coefficients first. It also predicts the input
errors of the doc (a link group with demand or count and no option, a switch group without a usable model,
a fabric without a protocol, both spares rules, a job stop share without the reliability section) and
evaluates a plan's own decisions (objective, reliability figures, the spares priced and stocked per failure
mode, the protocols its fabric can run). The service-level rule prices, per link of an option, the Poisson
quantile of its group's failures as if all the group's links used it, shared out per link: a constant per
option and group, so the enumeration stays linear in the counts.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

H_PER_YEAR = 8766.0
PROTOCOLS = ("ethernet", "infiniband")
SRC = "random property-test figures"


# ------------------------------------------------------------------------------------------ generator


def _pick(rng: np.random.Generator, values: list[Any]) -> Any:
    return values[int(rng.integers(len(values)))]


def _protocol(rng: np.random.Generator, main: str, allow_absent: bool) -> Any:
    """Mostly the instance's main protocol or both; sometimes the other one."""
    other = "ethernet" if main == "infiniband" else "infiniband"
    choices: list[Any] = [main, main, ["ethernet", "infiniband"], other]
    if allow_absent:
        choices += [None, None]
    return _pick(rng, choices)


def _status(rng: np.random.Generator) -> dict[str, Any]:
    r = rng.random()
    if r < 0.7:
        return {}
    if r < 0.8:
        return {"status": "shipping"}
    if r < 0.95:
        return {"status": _pick(rng, ["sampling", "announced"]), "year": int(_pick(rng, [2026, 2027, 2028]))}
    return {"status": "what-if"}


def _failure_rows(
    rng: np.random.Generator,
    item: str,
    kind: str,
    explicit: bool,
    max_domain: int,
    min_rows: int = 0,
    default_domain: int = 0,
) -> list[dict[str, Any]]:
    """0-2 failure modes of one item (at least ``min_rows``); explicit domains only when ``explicit``."""
    rows = []
    n_rows = max(min_rows, int(_pick(rng, [0, 1, 1, 1, 2])))
    for i in range(n_rows):
        row: dict[str, Any] = {
            "id": f"{item}.{kind}{i}",
            "item": item,
            "mode": kind,
            "repair": {"module": "module", "cable": "cable", "switch": "switch", "port": "nic"}[kind],
            "mttr_h": float(_pick(rng, [0.5, 4.0, 10.0])),
            "source": SRC,
        }
        if rng.random() < 0.2:  # the failed domain stays down until the next maintenance window
            row["repair"] = "fail_in_place"
            row["window_h"] = float(_pick(rng, [24.0, 168.0]))
        if rng.random() < 0.8:
            row["fit"] = float(_pick(rng, [300.0, 1000.0, 4000.0]))
        else:
            row["mtbf_h"] = float(_pick(rng, [250000.0, 1000000.0]))
        if explicit and rng.random() < 0.8:
            row["domain_ends"] = int(_pick(rng, [d for d in (1, 2, 4, 8) if d <= max_domain and d != default_domain]))
            if rng.random() < 0.5:
                row["repair_domain_ends"] = int(_pick(rng, [d for d in (1, 2, 4, 8, 16) if d >= row["domain_ends"]]))
        elif explicit and rng.random() < 0.5:
            row["repair_domain_ends"] = int(_pick(rng, [2, 4, 16]))
        if rng.random() < 0.3:
            row["spare_cost_usd"] = float(_pick(rng, [50.0, 1500.0]))
        if rng.random() < 0.3:
            row["flap_fit"] = float(_pick(rng, [100.0, 500.0]))
        rows.append(row)
    return rows


def generate(seed: int, *, compat: bool, reliability: bool, explicit: str = "") -> dict[str, Any]:
    """One tiny instance: NICs under one switch group, 1 or 2 link groups, 2-3 parts, 1-2 switch models.

    Failure modes of transceivers may give `domain_ends` / `repair_domain_ends`; with ``explicit`` =
    ``cable`` or ``switch`` the modes of that item kind give them too (and always exist), and the
    downtime economics make the repair domain count (GPUs idle per lost link, a GPU-hour price)."""
    rng = np.random.default_rng(seed)
    lanes_on = compat and rng.random() < 0.6
    cages_on = compat and rng.random() < 0.6
    main = _pick(rng, list(PROTOCOLS))
    lane0 = int(_pick(rng, [100, 200]))
    cage0 = _pick(rng, ["osfp", "qsfp112"])

    def lane() -> int:
        return lane0 if rng.random() < 0.8 else 300 - lane0

    def cage_list() -> list[str]:
        return _pick(rng, [[cage0], [cage0], ["osfp", "qsfp112"], [_pick(rng, ["osfp", "qsfp112"])]])

    def port_fields(twin_cage_ok: bool, max_port_gbps: int) -> dict[str, Any]:
        if not compat and rng.random() < 0.5:
            return {}  # format v1: the fields are not read, with or without them
        out: dict[str, Any] = {"protocol": _protocol(rng, main, allow_absent=False)}
        if lanes_on:
            out["lane_gbps"] = _pick(rng, [lane0, lane0, [100, 200]])
        if cages_on:
            out["cage"] = cage0 if rng.random() < 0.8 else _pick(rng, ["osfp", "qsfp112"])
            out["cage_gbps"] = int(_pick(rng, [max_port_gbps, 2 * max_port_gbps] if twin_cage_ok else [max_port_gbps]))
        if rng.random() < 0.4:
            out["max_module_w"] = float(_pick(rng, [10.0, 17.0, 30.0]))
        if rng.random() < 0.3:
            out["supports"] = _pick(
                rng,
                [
                    ["dsp", "dac"],
                    ["dsp", "lpo", "aoc", "dac"],
                    ["dsp", "lpo", "cpo", "aoc"],
                    ["lpo", "cpo", "t0", "c0"],
                ],
            )
        return out

    # parts -----------------------------------------------------------------------------------------
    transceivers = []
    n_tx = int(_pick(rng, [2, 2, 3]))
    for i in range(n_tx):
        form = "cpo" if rng.random() < 0.2 else "pluggable"
        t: dict[str, Any] = {
            "id": f"t{i}",
            "form": form,
            "media": _pick(rng, ["m", "m", "s"]),
            "speed_gbps": int(_pick(rng, [400, 400, 800])),
            "power_w": float(_pick(rng, [2.0, 6.0, 9.0, 14.0])),
            "cost_usd": float(_pick(rng, [200.0, 450.0, 500.0, 900.0])),
            "reach_m": float(_pick(rng, [20.0, 100.0, 500.0])),
            "latency_ns": float(_pick(rng, [1.0, 20.0])),
            "source": SRC,
        }
        if form == "pluggable" and rng.random() < 0.3:
            t["ends_per_module"] = 2
        if rng.random() < 0.3:
            t["fits"] = _pick(rng, [["switch"], ["nic"], ["nic", "switch"]])
        if compat or rng.random() < 0.5:
            t["technology"] = "cpo" if form == "cpo" else _pick(rng, ["dsp", "lpo"])
            proto = _protocol(rng, main, allow_absent=True)
            if proto is not None:
                t["protocol"] = proto
            if lanes_on or (not compat and rng.random() < 0.5):
                t["lane_gbps"] = lane()
                if rng.random() < 0.2:
                    t["line_lane_gbps"] = int(_pick(rng, [100, 200]))
            if form == "pluggable" and (cages_on or (not compat and rng.random() < 0.5)):
                t["cage"] = cage_list()
            t.update(_status(rng))
        transceivers.append(t)
    cables = []
    n_cab = int(_pick(rng, [1, 1, 2] if explicit == "cable" else [0, 1, 1, 2]))
    for i in range(n_cab):
        kind = _pick(rng, ["dac", "aoc"])
        breakout = compat and rng.random() < 0.5  # only under the rules: see the module doc
        c: dict[str, Any] = {
            "id": f"c{i}",
            "kind": kind,
            "speed_gbps": 400 if breakout else int(_pick(rng, [400, 800])),
            "power_w": 0.5 if breakout else float(_pick(rng, [0.5, 12.0])),
            "cost_usd": float(_pick(rng, [120.0, 700.0, 1000.0])),
            "reach_m": 3.0 if kind == "dac" else 30.0,
            "latency_ns": float(_pick(rng, [0.0, 100.0])),
            "source": SRC,
        }
        if not reliability and rng.random() < 0.3:
            c["cost_usd_per_m"] = 2.0
        if breakout:
            c["links_per_cable"] = 2
            if rng.random() < 0.3:
                c["fast_ends"] = 2  # a twin-port cable: both ends carry both links
        if compat or rng.random() < 0.5:
            proto = _protocol(rng, main, allow_absent=True)
            if proto is not None and explicit != "cable":  # cables that fit most ports when they are the point
                c["protocol"] = proto
            if lanes_on or (not compat and rng.random() < 0.5):
                c["lane_gbps"] = lane0 if explicit == "cable" else lane()
            if cages_on or (not compat and rng.random() < 0.5):
                c["cage"] = ["osfp", "qsfp112"] if explicit == "cable" else cage_list()
            c.update(_status(rng))
        cables.append(c)
    any_breakout = any(c.get("links_per_cable", 1) > 1 for c in cables)

    # switches -------------------------------------------------------------------------------------
    switches = []
    for i in range(2):
        mpg = int(_pick(rng, [400, 800]))
        s: dict[str, Any] = {
            "id": f"s{i}",
            "capacity_gbps": float(_pick(rng, [1600, 3200, 6400])),
            "max_ports": int(_pick(rng, [4, 8, 16])),
            "max_port_gbps": mpg,
            "forms": _pick(rng, [["pluggable", "cable"], ["pluggable", "cable", "cpo"], ["cpo"], ["pluggable"]]),
            "power_w": float(_pick(rng, [100.0, 300.0])),
            "cost_usd": float(_pick(rng, [2000.0, 3000.0, 5000.0])),
            "latency_ns": float(_pick(rng, [100.0, 300.0])),
            "source": SRC,
        }
        s.update(port_fields(twin_cage_ok=mpg == 400, max_port_gbps=mpg))
        if compat and not any_breakout:
            s.update(_status(rng))
        switches.append(s)
    models = _pick(rng, [["s0"], ["s0", "s1"], ["s1"], ["s0", "s1"]])
    if rng.random() < 0.6:  # 2 switches (or a range from 2) with failure modes: 1/2 of a fabric link's failures
        count: Any = 2 if reliability and rng.random() < 0.3 else 1  # stop the job, 1/P with P = 2
    else:
        lo = int(rng.integers(0, 3 if reliability else 2))
        count = {"min": lo, "max": int(rng.integers(max(lo, 1), 3))}

    # nodes and links ------------------------------------------------------------------------------
    nic_ports = 2 if rng.random() < 0.2 else 1
    nic_speed = int(_pick(rng, [400, 800]))
    nic: dict[str, Any] = {
        "id": "gpu",
        "kind": "nic",
        "count": int(_pick(rng, [1, 2, 2, 3])) if nic_ports == 1 else 1,
        "ports": nic_ports,
        "max_port_gbps": nic_speed,
    }
    if rng.random() < 0.3:
        nic["forms"] = ["pluggable", "cable", "cpo"]
    nic.update(port_fields(twin_cage_ok=nic_speed == 400, max_port_gbps=nic_speed))
    nics = []
    if rng.random() < (0.3 if compat or reliability else 0.0):  # the port comes from a catalogue NIC
        # (read without the rules too, for its ports, speed and forms); the group may override fields
        fields = {k: v for k, v in nic.items() if k not in ("id", "kind", "count")}
        nics.append({"id": "n0", **fields, "power_w": 20.0, "cost_usd": 1500.0, "source": SRC})
        override = port_fields(twin_cage_ok=nic_speed == 400, max_port_gbps=nic_speed)
        nic = {"id": "gpu", "kind": "nic", "count": nic["count"], "model": "n0"}
        nic.update({k: v for k, v in override.items() if rng.random() < 0.3})
    nic_ends = nic["count"] * nic_ports
    multi = [t["id"] for t in transceivers if t.get("ends_per_module", 1) > 1] + [
        c["id"] for c in cables if c.get("links_per_cable", 1) > 1
    ]
    g: dict[str, Any] = {
        "id": "gpu-leaf",
        "a": "gpu",
        "b": "leaf",
        "length_m": float(_pick(rng, [2.0, 2.0, 10.0] if explicit == "cable" else [2.0, 10.0, 25.0])),
        "demand_gbps": float(400 * rng.integers(0, nic_ends * nic_speed // 400 + 1)),
    }
    if rng.random() < 0.5:  # with the rules, never 0: a group that can hold no link might join no fabric
        g["count"] = int(rng.integers(max(int(compat), math.ceil(g["demand_gbps"] / 800)), nic_ends + 1))
    if rng.random() < 0.25:
        g["uniform"] = True
    if rng.random() < 0.05:
        g["min_link_gbps"] = 800
    if rng.random() < 0.15:
        g["exclude"] = [_pick(rng, [p["id"] for p in transceivers + cables])]
    elif explicit == "cable" and rng.random() < 0.5:
        g["allowed"] = [c["id"] for c in cables]
    links = [g]
    if rng.random() < 0.4:
        ll: dict[str, Any] = {
            "id": "leaf-leaf",
            "a": "leaf",
            "b": "leaf",
            "length_m": float(_pick(rng, [2.0, 10.0])),
            "demand_gbps": 0,
            "count": int(rng.integers(0, 3)),
        }
        if multi:
            ll["exclude"] = multi  # parts of several links per unit in one link group only
        links.append(ll)
    free_ends = nic_ends - max(g.get("count", 0), math.ceil(g["demand_gbps"] / nic_speed))
    if reliability and not compat and free_ends > 1 and rng.random() < 0.9:
        # NIC to NIC: a host link with a NIC end at both ends (each end carries the NIC port's failure modes)
        gg: dict[str, Any] = {"id": "gpu-gpu", "a": "gpu", "b": "gpu", "length_m": 2.0, "demand_gbps": 0, "count": 1}
        if multi:
            gg["exclude"] = multi
        links.append(gg)
    inst: dict[str, Any] = {
        "schema_version": 1,
        "name": f"prop-{seed}",
        "objective": _pick(rng, ["tco", "tco", "capex", "power", "weighted"]),
        "catalog": {
            "media": [
                {"id": "m", "cost_usd_per_m": 1.0, "latency_ns_per_m": 5.0, "source": SRC},
                {"id": "s", "cost_usd_per_m": 0.5, "latency_ns_per_m": 5.0, "source": SRC},
            ],
            "transceivers": transceivers,
            "cables": cables,
            "switches": switches,
            **({"nics": nics} if nics else {}),
        },
        "nodes": [nic, {"id": "leaf", "kind": "switch", "count": count, "models": models}],
        "links": links,
    }
    if rng.random() < 0.2:
        inst["economics"] = {"electricity_usd_per_kwh": 0.12, "pue": 1.1, "years": int(_pick(rng, [1, 3, 7]))}
    weights: dict[str, Any] = {"capex_usd": 1.0, "power_w": float(_pick(rng, [0.0, 10.0]))}
    if rng.random() < 0.3:
        inst["paths"] = [
            {"id": "rt", "via": ["gpu", "leaf", "gpu"], "max_latency_ns": float(_pick(rng, [300, 420, 700]))}
        ]
    limits: dict[str, Any] = {}
    if rng.random() < 0.2:
        limits["supply"] = {_pick(rng, [p["id"] for p in transceivers + cables + switches]): int(rng.integers(0, 3))}
    if rng.random() < 0.15:
        limits["max_power_w"] = float(_pick(rng, [150.0, 400.0, 1000.0]))
    if rng.random() < 0.15:
        limits["max_capex_usd"] = float(_pick(rng, [3000.0, 6000.0, 12000.0]))
    if limits:
        inst["limits"] = limits
    if compat:
        section: dict[str, Any] = {}
        if rng.random() < 0.25:  # an ecosystem profile (and then no instance protocol beside it)
            profile: dict[str, Any] = {"id": "p0", "source": SRC}
            if rng.random() < 0.5:
                profile["protocol"] = main if rng.random() < 0.8 else _pick(rng, list(PROTOCOLS))
            if rng.random() < 0.5:
                profile["switches"] = models if any_breakout else _pick(rng, [["s0"], ["s1"], ["s0", "s1"]])
            if nics and rng.random() < 0.5:
                profile["nics"] = ["n0"]
            if rng.random() < 0.5:
                profile["supports"] = _pick(rng, [["dsp", "dac"], ["lpo", "aoc", "t0"], ["dsp", "lpo", "cpo", "c1"]])
            inst["catalog"]["profiles"] = [profile]
            section["profile"] = "p0"
        elif rng.random() < 0.3:
            section["protocol"] = main if rng.random() < 0.8 else _pick(rng, list(PROTOCOLS))
        r = rng.random()
        if r < 0.2:
            section["status"] = ["shipping", "what-if"]
        elif r < 0.4:
            section["available_by"] = int(_pick(rng, [2026, 2027]))
        inst["compatibility"] = section
    if reliability:
        for t in transceivers:
            inst["catalog"].setdefault("reliability", []).extend(_failure_rows(rng, t["id"], "module", True, 8))
        for c in cables:
            inst["catalog"].setdefault("reliability", []).extend(
                _failure_rows(rng, c["id"], "cable", explicit == "cable", 4, int(explicit == "cable"), 1)
            )
        for s in switches:
            inst["catalog"].setdefault("reliability", []).extend(
                _failure_rows(
                    rng,
                    s["id"],
                    "switch",
                    explicit == "switch",
                    s["max_ports"],
                    int(explicit == "switch"),
                    s["max_ports"],
                )
            )
        # NIC ports: the generic `nic` item, and a catalogue NIC's own modes (which replace the generic ones
        # for a group of that NIC); explicit domains up to the NIC's ports
        if rng.random() < 0.5:
            inst["catalog"].setdefault("reliability", []).extend(_failure_rows(rng, "nic", "port", True, 2, 1, 1))
        if nics and rng.random() < 0.6:
            inst["catalog"].setdefault("reliability", []).extend(
                _failure_rows(rng, "n0", "port", True, 2, 1, nic_ports)
            )
        for link in links:
            if rng.random() < 0.3:  # the instance states the share of failures that stop the job
                link["job_stop_fraction"] = float(_pick(rng, [0.0, 0.1, 0.5, 1.0]))
        rel: dict[str, Any] = {}
        for key, values in (
            ("gpu_hour_usd", [0.0, 1.0, 3.0, 50.0]),
            ("restart_h", [0.25, 0.5]),
            ("gpus_per_interruption", [1, 1000]),
            ("idle_gpus_per_lost_link", [0.0, 1.0, 10.0]),
            ("spares_lead_time_h", [100.0, 720.0, 20000.0, 100000.0, 100000.0]),
            ("max_interruptions_per_day", [1e-4, 3e-4, 1e-3]),
            ("min_availability", [0.99, 0.999, 0.99999]),
        ):
            if rng.random() < (
                0.25 if key.startswith(("max_", "min_")) else 0.8 if key == "spares_lead_time_h" else 0.6
            ):
                rel[key] = _pick(rng, values)
        r = rng.random()  # spares: the factor rule, a service level, or the default level 0.95
        if r < 0.3:
            rel["spares_factor"] = float(_pick(rng, [0.0, 1.0, 2.0]))
        elif r < 0.6:
            rel["spares_service_level"] = float(_pick(rng, [0.5, 0.9, 0.99]))
        if explicit:
            rel["idle_gpus_per_lost_link"] = float(_pick(rng, [1.0, 10.0]))
            rel["gpu_hour_usd"] = float(_pick(rng, [1.0, 3.0, 50.0]))
        if nic_ports > 1 or rng.random() < 0.2:
            rel["gpus"] = int(_pick(rng, [1, 2, 8]))
        inst["reliability"] = rel
        if inst["objective"] == "weighted" and rng.random() < 0.7:
            weights["interruptions_per_day"] = float(_pick(rng, [1e3, 1e6]))
    if inst["objective"] == "weighted":
        inst["weights"] = weights
    return inst


# ------------------------------------------------------------------------------------------ enumeration


def _as_list(v: Any) -> list[Any] | None:
    if v is None:
        return None
    return list(v) if isinstance(v, list) else [v]


@dataclass
class Option:
    """One option of one link group, with per-link coefficients."""

    name: str
    speed: float
    cost: float
    power: float
    latency: float
    ends: dict[str, int]  # node group -> ends per link
    items: dict[str, float]  # catalogue item -> supply units per link
    leaf_ends: list[tuple[dict[str, Any], str, int]]  # (part, kind, share) of each end at the switch group
    protocols: set[str]  # protocols every part of the option speaks
    whole: list[tuple[str, str, int]] = field(default_factory=list)  # (node, part id, share) per end
    rel: dict[str, float] = field(default_factory=dict)  # reliability coefficients per link
    mode_units: dict[str, float] = field(default_factory=dict)  # failing units per link of each failure mode
    mode_need: dict[str, float] = field(default_factory=dict)  # spares priced per link of each failure mode


@dataclass
class Result:
    best: float | None
    plans: int  # feasible plans seen
    input_error: list[str]  # input errors the doc predicts (no option, no model, no protocol)


class Enumerator:
    """The doc's rules over one generated instance (raw mapping)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.d = data
        cat = data["catalog"]
        self.compat = "compatibility" in data
        self.section = data.get("compatibility") or {}
        self.has_rel = "reliability" in data
        self.media = {m["id"]: m for m in cat.get("media", [])}
        self.tx = {t["id"]: t for t in cat.get("transceivers", [])}
        self.cab = {c["id"]: c for c in cat.get("cables", [])}
        self.sw = {s["id"]: s for s in cat.get("switches", [])}
        self.modes: dict[str, list[dict[str, Any]]] = {}
        self.rows: dict[str, dict[str, Any]] = {}
        if self.has_rel:
            for row in cat.get("reliability", []):
                self.modes.setdefault(row["item"], []).append(row)
                self.rows[row["id"]] = row
        self.nic_models = {m["id"]: m for m in cat.get("nics", [])}
        self.spare_price: dict[str, float] = {}  # price of one spare per failure mode (row id)
        self.profile: dict[str, Any] = {}
        if "profile" in self.section:
            self.profile = next(p for p in cat["profiles"] if p["id"] == self.section["profile"])
        group = next(n for n in data["nodes"] if n["kind"] == "nic")
        self.nic = dict(group)
        if "model" in group:  # the port fields the group does not give come from the catalogue NIC
            model = next(m for m in cat["nics"] if m["id"] == group["model"])
            skip = ("id", "power_w", "cost_usd", "source", "status", "year", "confidence", "description")
            self.nic = {**{k: v for k, v in model.items() if k not in skip}, **group}
        self.leaf = next(n for n in data["nodes"] if n["kind"] == "switch")
        eco = data.get("economics", {})
        self.years = eco.get("years", 5)
        self.e_per_w = H_PER_YEAR / 1000 * self.years * eco.get("pue", 1.3) * eco.get("electricity_usd_per_kwh", 0.08)
        rel = data.get("reliability") or {}
        self.gpu_hour = rel.get("gpu_hour_usd", 0.0)
        self.restart_h = rel.get("restart_h", 0.25)
        self.gpus = rel.get("gpus", sum(n["count"] for n in data["nodes"] if n["kind"] == "nic"))
        self.gpi = rel.get("gpus_per_interruption", self.gpus)
        self.idle = rel.get("idle_gpus_per_lost_link", 0.0)
        self.lead_h = rel.get("spares_lead_time_h", 720.0)
        self.factor = rel.get("spares_factor")  # None: the service-level rule
        self.level = rel.get("spares_service_level", 0.95)
        self.max_int = rel.get("max_interruptions_per_day")
        self.min_avail = rel.get("min_availability")
        w = data.get("weights", {})
        self.w_capex = w.get("capex_usd", 1.0)
        self.w_power = w.get("power_w", 0.0)
        self.w_int = w.get("interruptions_per_day", 0.0)

    # -- availability, ports, parts -------------------------------------------------------------

    def available(self, entry: dict[str, Any]) -> bool:
        if not self.compat:
            return True
        status = entry.get("status", "shipping")
        if status in self.section.get("status", ["shipping"]):
            return True
        by = self.section.get("available_by")
        return status in ("sampling", "announced") and by is not None and entry.get("year", math.inf) <= by

    def in_profile(self, part: dict[str, Any], kind: str) -> bool:
        """Rule 2: only the profile's parts (by technology or id) and switch models."""
        if kind == "switch":
            return "switches" not in self.profile or part["id"] in self.profile["switches"]
        sup = self.profile.get("supports")
        return sup is None or self.technology(part, kind) in sup or part["id"] in sup

    def port_protocols(self, port: dict[str, Any]) -> set[str]:
        return set(_as_list(port.get("protocol")) or PROTOCOLS)

    @staticmethod
    def part_protocols(part: dict[str, Any]) -> set[str]:
        return set(_as_list(part.get("protocol")) or PROTOCOLS)

    def technology(self, part: dict[str, Any], kind: str) -> str:
        return part["kind"] if kind == "cable" else part["technology"]

    def end_ok(self, part: dict[str, Any], kind: str, share: int, port: dict[str, Any], node_kind: str) -> bool:
        """Format v1 acceptance plus compatibility rule 3 for one end at one port."""
        form = "cable" if kind == "cable" else part["form"]
        if form not in port.get("forms", ["pluggable", "cable"]) or part["speed_gbps"] > port["max_port_gbps"]:
            return False
        if kind == "tx" and node_kind not in part.get("fits", ["nic", "switch"]):
            return False
        if not self.compat:
            return True
        if not self.part_protocols(part) & self.port_protocols(port):
            return False
        if "lane_gbps" in port and part["lane_gbps"] not in _as_list(port["lane_gbps"]):
            return False
        if form != "cpo":
            fills = "cage" not in port or (
                part["speed_gbps"] * share == port["cage_gbps"] and port["cage"] in part["cage"]
            )
            if not fills:
                return False
            if "max_module_w" in port:
                in_cage = part["power_w"] * part.get("ends_per_module", 1) if kind == "tx" else part["power_w"] / 2
                if in_cage > port["max_module_w"]:
                    return False
        sup = port.get("supports")
        return sup is None or self.technology(part, kind) in sup or part["id"] in sup

    def share_of_tx(self, t: dict[str, Any]) -> int:
        return t.get("ends_per_module", 1) if self.compat else 1

    def options(self, link: dict[str, Any]) -> list[Option]:
        """Every option of the group that the NIC side, the link rules and the filters allow; the switch
        side is checked per model by `usable`."""
        a, b, length = link["a"], link["b"], link["length_m"]
        allowed, exclude = link.get("allowed"), set(link.get("exclude", []))

        def allowed_items(items: list[str]) -> bool:
            return all(i not in exclude and (allowed is None or i in allowed) for i in items)

        out = []
        min_gbps = link.get("min_link_gbps", 0)
        tx = [t for t in self.tx.values() if self.available(t) and (not self.compat or self.in_profile(t, "tx"))]
        for t, u in itertools.product(tx, tx):
            if a == b and u["id"] < t["id"]:
                continue
            if t["media"] != u["media"] or t["speed_gbps"] != u["speed_gbps"] or t["speed_gbps"] < min_gbps:
                continue
            if min(t["reach_m"], u["reach_m"]) < length or not allowed_items([t["id"], u["id"]]):
                continue
            if self.compat:
                if t.get("line_lane_gbps", t.get("lane_gbps")) != u.get("line_lane_gbps", u.get("lane_gbps")):
                    continue
                if not self.part_protocols(t) & self.part_protocols(u):
                    continue
            ends = [(t, a), (u, b)]
            if not all(self.end_ok(p, "tx", self.share_of_tx(p), self.nic, "nic") for p, n in ends if n == "gpu"):
                continue
            med = self.media[t["media"]]
            items: dict[str, float] = {}
            for p, _ in ends:
                items[p["id"]] = items.get(p["id"], 0) + 1
            opt = Option(
                name=f"{t['id']}+{u['id']}",
                speed=t["speed_gbps"],
                cost=t["cost_usd"] + u["cost_usd"] + med.get("cost_usd_per_m", 0.0) * length,
                power=t["power_w"] + u["power_w"],
                latency=t["latency_ns"] + u["latency_ns"] + med.get("latency_ns_per_m", 4.9) * length,
                ends=_ends(a, b),
                items=items,
                leaf_ends=[(p, "tx", self.share_of_tx(p)) for p, n in ends if n == "leaf"],
                protocols=self.part_protocols(t) & self.part_protocols(u) if self.compat else set(PROTOCOLS),
                whole=[(n, p["id"], self.share_of_tx(p)) for p, n in ends if self.share_of_tx(p) > 1],
            )
            self.add_reliability(opt, [("tx", p) for p, _ in ends], link)
            out.append(opt)
        for c in self.cab.values():
            if not self.available(c) or c["reach_m"] < length or c["speed_gbps"] < min_gbps:
                continue
            if self.compat and not self.in_profile(c, "cable"):
                continue
            if not allowed_items([c["id"]]):
                continue
            per = c.get("links_per_cable", 1) if self.compat else 1
            twin = per > 1 and c.get("fast_ends", 1) == 2
            fast_b = twin or (per > 1 and self.fast_end_at_b(link, c, per))
            fast_a = twin or (per > 1 and not fast_b)
            shares = {a: per if fast_a else 1, b: per if fast_b else 1}
            if a == b:
                shares = {a: 1}  # generated instances keep several-link parts out of a == b groups
            if a == "gpu" and not self.end_ok(c, "cable", shares[a], self.nic, "nic"):
                continue
            leaf_ends = [(c, "cable", shares[n]) for n in (a, b) if n == "leaf"]
            opt = Option(
                name=c["id"],
                speed=c["speed_gbps"],
                cost=(c["cost_usd"] + c.get("cost_usd_per_m", 0.0) * length) / per,
                power=c["power_w"] / per,
                latency=c["latency_ns"] + c.get("latency_ns_per_m", 4.9 if c["kind"] == "aoc" else 4.5) * length,
                ends=_ends(a, b),
                items={c["id"]: 1},
                leaf_ends=leaf_ends,
                protocols=self.part_protocols(c) if self.compat else set(PROTOCOLS),
                whole=[(n, c["id"], s) for n, s in shares.items() if s > 1],
            )
            self.add_reliability(opt, [("cable", c)], link)
            out.append(opt)
        return out

    def fast_end_at_b(self, link: dict[str, Any], c: dict[str, Any], per: int, usable_only: bool = False) -> bool:
        """Rule 5: at b when b's port (a model the file lists) has a cage of per x speed."""
        target = per * c["speed_gbps"]
        b = link["b"]
        if b == "gpu":
            ports = [self.nic]
        elif usable_only:
            protocols = set(self.fabric_protocols()[0])
            ports = [m for m in self.models() if self.port_protocols(m) & protocols]
        else:
            ports = [self.sw[m] for m in self.leaf["models"]]
        return any(p.get("cage_gbps") == target for p in ports)

    def ambiguous(self) -> list[str]:
        """Points the doc may read two ways in this instance: a breakout whose fast end depends on whether a
        listed switch model that is not usable (status, profile, protocol) still orients it."""
        out = []
        for link in self.d["links"]:
            for c in self.cab.values():
                per = c.get("links_per_cable", 1) if self.compat else 1
                if per > 1 and self.fast_end_at_b(link, c, per) != self.fast_end_at_b(link, c, per, True):
                    out.append(f"breakout {c['id']} in {link['id']}: fast end depends on unusable models")
        return out

    # -- reliability ----------------------------------------------------------------------------

    def mode_figures(self, row: dict[str, Any], units: float, default_domain: float) -> dict[str, float]:
        """Failures, flaps, links down and down link-hours per year of ``units`` failing units of one mode:
        a mode that fails in place keeps only its domain down, for half a maintenance window."""
        dom = row.get("domain_ends", default_domain)
        if row["repair"] == "fail_in_place":
            rep, hours = dom, row["window_h"] / 2
        else:
            rep, hours = row.get("repair_domain_ends", dom), row["mttr_h"]
        fail = units * _fit(row) * H_PER_YEAR / 1e9
        return {
            "failures": fail,
            "flaps": units * row.get("flap_fit", 0.0) * H_PER_YEAR / 1e9,
            "links_down": fail * dom,
            "down_link_h": fail * rep * hours,
        }

    def failing_units(self, kind: str, p: dict[str, Any]) -> list[tuple[dict[str, Any], float, float, float]]:
        """(mode, failing units, default domain, default spare price) of one end or part: a transceiver end
        1 / domain of each mode (a module of its own ends, priced x domain), a cable 1 per link, a switch 1
        per switch, a NIC end 1 / domain (a catalogue NIC: all its ports, its price; `nic`: one port, 0)."""
        out = []
        for row in self.modes.get(p["id"], []):
            if kind == "tx":
                dom = row.get("domain_ends", p.get("ends_per_module", 1))
                out.append((row, 1 / dom, p.get("ends_per_module", 1), p["cost_usd"] * dom))
            elif kind == "cable":
                out.append((row, 1.0, 1, p["cost_usd"]))
            elif kind == "switch":
                out.append((row, 1.0, p["max_ports"], p["cost_usd"]))
            else:  # a NIC end: p is the catalogue NIC, or {"id": "nic"}
                dom = row.get("domain_ends", p.get("ports", 1))
                out.append((row, 1 / dom, p.get("ports", 1), p.get("cost_usd", 0.0)))
        return out

    def fit(self, mode: str) -> float:
        """FIT of one failing unit of a failure mode (row id)."""
        return _fit(self.rows[mode])

    def nic_item(self) -> dict[str, Any]:
        """The failure-mode item of the NIC end of a host link: the group's catalogue NIC when it has rows."""
        model = self.nic_models.get(self.nic.get("model", ""))
        return model if model is not None and model["id"] in self.modes else {"id": "nic"}

    def job_stop_fraction(self, link: dict[str, Any]) -> float:
        """The group's own, else 1 for a host link and 1 / P between switch groups (P: the smaller count,
        a range at its min, at least 1)."""
        if "job_stop_fraction" in link:
            return link["job_stop_fraction"]
        if "gpu" in (link["a"], link["b"]):
            return 1.0
        count = self.leaf["count"]
        return 1 / max(1, count if isinstance(count, int) else count["min"])

    def spares_need(self, row: dict[str, Any], units: float, n: int) -> float:
        """Spares priced per link (or switch) for ``units`` failing units each, in a group of ``n``: the
        factor rule, or the Poisson quantile of the group's lead-time failures shared out over ``n``."""
        mu = units * _fit(row) / 1e9 * self.lead_h
        if self.factor is not None:
            return self.factor * mu
        return _poisson_quantile(self.level, n * mu) / n

    def reliability_of(
        self, parts: list[tuple[str, dict[str, Any]]], stop: float, n: int
    ) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
        """Per-unit figures of a link (or switch) made of ``parts``, whose failures and flaps stop the job
        with probability ``stop``, in a group of ``n`` for the spares; its failing units and priced spares
        per mode."""
        rel = dict.fromkeys(("failures", "flaps", "stops", "links_down", "down_link_h", "spares_capex"), 0.0)
        units: dict[str, float] = {}
        price: dict[str, float] = {}
        for kind, p in parts:
            for row, u, dom, unit_price in self.failing_units(kind, p):
                for key, v in self.mode_figures(row, u, dom).items():
                    rel[key] += v
                units[row["id"]] = units.get(row["id"], 0.0) + u
                price[row["id"]] = row.get("spare_cost_usd", unit_price)
        rel["stops"] = stop * (rel["failures"] + rel["flaps"])
        self.spare_price.update(price)
        need = {m: self.spares_need(self.rows[m], u, n) for m, u in units.items()}
        rel["spares_capex"] = sum(need[m] * price[m] for m in units)
        return rel, units, need

    def add_reliability(self, opt: Option, parts: list[tuple[str, dict[str, Any]]], link: dict[str, Any]) -> None:
        nic_ends = [("nic", self.nic_item())] * sum(1 for node in (link["a"], link["b"]) if node == "gpu")
        n = max(1, link["count"]) if "count" in link else max(1, math.ceil(link["demand_gbps"] / opt.speed - 1e-9))
        opt.rel, opt.mode_units, opt.mode_need = self.reliability_of(parts + nic_ends, self.job_stop_fraction(link), n)

    def switch_reliability(self, s: dict[str, Any]) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
        count = self.leaf["count"]
        n = max(1, count if isinstance(count, int) else count["min"])
        return self.reliability_of([("switch", s)], 1.0, n)

    def stock(self, units: dict[str, float]) -> dict[str, int]:
        """Whole spares stocked per mode for the plan's failing units: the pooled Poisson quantile, or (factor
        rule) the need rounded up."""
        out = {}
        for m, u in units.items():
            mu = u * _fit(self.rows[m]) / 1e9 * self.lead_h
            out[m] = (
                math.ceil(self.factor * mu - 1e-9) if self.factor is not None else _poisson_quantile(self.level, mu)
            )
        return out

    # -- the search -----------------------------------------------------------------------------

    def usable(self, opt: Option, model: dict[str, Any], protocol: str | None) -> bool:
        if protocol is not None and protocol not in opt.protocols:
            return False
        return all(self.end_ok(p, kind, share, model, "switch") for p, kind, share in opt.leaf_ends)

    def models(self) -> list[dict[str, Any]]:
        """The switch group's usable models (rules 1 and 2)."""
        listed = [self.sw[m] for m in self.leaf["models"]]
        return [m for m in listed if not self.compat or (self.available(m) and self.in_profile(m, "switch"))]

    def fabric_protocols(self) -> tuple[list[str | None], list[str]]:
        """Candidate protocols of the one fabric (rule 6), and input errors it causes."""
        if not self.compat:
            return [None], []
        usable_models = self.models()
        if not usable_models:
            return [], ["switch group 'leaf' has no usable model"]
        cands = set(self.port_protocols(self.nic))
        cands &= set().union(*(self.port_protocols(m) for m in usable_models))
        if "protocol" in self.section:
            cands &= {self.section["protocol"]}
        if "protocol" in self.profile:
            cands &= {self.profile["protocol"]}
        if not cands:
            return [], ["the fabric has no candidate protocol"]
        return sorted(cands), []

    def section_errors(self) -> list[str]:
        """Input errors of the reliability fields: both spares rules, a job stop share without the section."""
        rel = self.d.get("reliability") or {}
        out = ["spares_factor or spares_service_level"] if {"spares_factor", "spares_service_level"} <= set(rel) else []
        if not self.has_rel:
            out += [
                f"{g['id']}: job_stop_fraction needs a reliability section"
                for g in self.d["links"]
                if "job_stop_fraction" in g
            ]
        return out

    def run(self) -> Result:
        if self.section_errors():
            return Result(None, 0, self.section_errors())
        protocols, errors = self.fabric_protocols()
        group_opts = [self.options(link) for link in self.d["links"]]
        if errors:
            return Result(None, 0, errors)
        models = self.models()
        errors = []
        for link, opts in zip(self.d["links"], group_opts, strict=True):
            need = link["demand_gbps"] > 0 or link.get("count", 0) > 0
            ok = any(
                self.usable(o, m, p)
                for o in opts
                for m in models
                for p in protocols
                if p is None or p in self.port_protocols(m)
            )
            if need and not ok:
                errors.append(f"link group '{link['id']}': no option survives")
        if errors:
            return Result(None, 0, errors)
        count = self.leaf["count"]
        ks = [count] if isinstance(count, int) else list(range(count["min"], count["max"] + 1))
        best: float | None = None
        plans = 0
        for model in models:
            for protocol in protocols:
                if protocol is not None and protocol not in self.port_protocols(model):
                    continue
                per_group = [[o for o in opts if self.usable(o, model, protocol)] for opts in group_opts]
                for k in ks:
                    for combo in self.vectors(per_group, model, k):
                        value = self.evaluate(per_group, combo, model, k)
                        if value is not None:
                            plans += 1
                            if best is None or value < best:
                                best = value
        return Result(best, plans, [])

    def vectors(self, per_group: list[list[Option]], model: dict[str, Any], k: int) -> Any:
        choices = []
        for link, opts in zip(self.d["links"], per_group, strict=True):
            nic_ends = self.nic["count"] * self.nic.get("ports", 1)
            cap = nic_ends // (1 + (link["b"] == "gpu")) if link["a"] == "gpu" else (k * model["max_ports"]) // 2
            exact = link.get("count")
            vs = []
            for v in itertools.product(range((cap if exact is None else exact) + 1), repeat=len(opts)):
                s = sum(v)
                if (exact is None and s <= cap) or s == exact:
                    vs.append(v)
            choices.append(vs)
        return itertools.product(*choices)

    def totals(self, per_group: list[list[Option]], combo: tuple, model: dict[str, Any], k: int) -> dict | None:
        """Every figure of one plan, or None when a rule fails."""
        capex = k * model["cost_usd"]
        power = k * model["power_w"]
        switch_rel, switch_units, switch_need = self.switch_reliability(model)
        rel = {key: k * v for key, v in switch_rel.items()}
        mode_units = {m: k * u for m, u in switch_units.items() if k > 0}
        mode_need = {m: k * u for m, u in switch_need.items() if k > 0}
        used_gbps = used_ports = nic_ends = 0.0
        worst: dict[str, float] = {}
        units: dict[str, float] = {model["id"]: k}
        whole: dict[tuple[str, str], int] = {}
        share_of: dict[tuple[str, str], int] = {}
        for link, opts, vec in zip(self.d["links"], per_group, combo, strict=True):
            gbps = 0.0
            used = [(o, n) for o, n in zip(opts, vec, strict=True) if n > 0]
            if link.get("uniform") and len(used) > 1:
                return None
            for o, n in used:
                gbps += o.speed * n
                capex += o.cost * n
                power += o.power * n
                for key, v in o.rel.items():
                    rel[key] += v * n
                for m, u in o.mode_units.items():
                    mode_units[m] = mode_units.get(m, 0.0) + u * n
                    mode_need[m] = mode_need.get(m, 0.0) + o.mode_need[m] * n
                worst[link["id"]] = max(worst.get(link["id"], 0.0), o.latency)
                used_gbps += o.ends.get("leaf", 0) * o.speed * n
                used_ports += o.ends.get("leaf", 0) * n
                nic_ends += o.ends.get("gpu", 0) * n
                for item, per in o.items.items():
                    units[item] = units.get(item, 0) + per * n
                for node, part, share in o.whole:
                    whole[(node, part)] = whole.get((node, part), 0) + n
                    share_of[(node, part)] = share
            if gbps < link["demand_gbps"] - 1e-9:
                return None
        if any(n % share_of[key] for key, n in whole.items()):  # rule 5: whole modules
            return None
        if used_gbps > k * model["capacity_gbps"] + 1e-9 or used_ports > k * model["max_ports"]:
            return None
        if nic_ends > self.nic["count"] * self.nic.get("ports", 1):
            return None
        for path in self.d.get("paths", []):
            if 2 * worst.get("gpu-leaf", 0.0) + model["latency_ns"] > path["max_latency_ns"] + 1e-9:
                return None
        lost = rel["stops"] * self.gpi * self.restart_h + rel["down_link_h"] * self.idle
        interruptions = rel["stops"] / 365.25
        figures = {
            "capex": capex + rel["spares_capex"],
            "power": power,
            "spares_capex": rel["spares_capex"],
            "failures": rel["failures"],
            "flaps": rel["flaps"],
            "links_down": rel["links_down"],
            "lost_gpu_h": lost,
            "interruptions_per_day": interruptions,
            "availability": 1 - lost / (self.gpus * H_PER_YEAR),
            "downtime": self.years * self.gpu_hour * lost if self.has_rel else 0.0,
            "mode_units": mode_units,
            "mode_need": mode_need,
            "stock": self.stock(mode_units),
        }
        lim = self.d.get("limits", {})
        if "max_power_w" in lim and power > lim["max_power_w"] + 1e-9:
            return None
        if "max_capex_usd" in lim and figures["capex"] > lim["max_capex_usd"] * (1 + 1e-9):
            return None
        if any(units.get(item, 0) > cap for item, cap in lim.get("supply", {}).items()):
            return None
        if self.has_rel:
            if self.max_int is not None and interruptions > self.max_int * (1 + 1e-9):
                return None
            if self.min_avail is not None and figures["availability"] < self.min_avail - 1e-12:
                return None
        return figures

    def objective(self, f: dict[str, float]) -> float:
        mode = self.d.get("objective", "tco")
        if mode == "tco":
            return f["capex"] + f["power"] * self.e_per_w + f["downtime"]
        if mode == "capex":
            return f["capex"]
        if mode == "power":
            return f["power"]
        return self.w_capex * f["capex"] + self.w_power * f["power"] + self.w_int * f["interruptions_per_day"]

    def evaluate(self, per_group: list[list[Option]], combo: tuple, model: dict[str, Any], k: int) -> float | None:
        f = self.totals(per_group, combo, model, k)
        return None if f is None else self.objective(f)

    def plan_figures(self, links: list[tuple[str, str, int]], model_id: str, k: int) -> tuple[dict | None, list[str]]:
        """Figures of the planner's own decisions (group, option, count), and the fabric protocols every
        NIC group, the chosen model and every part used speak (within the instance's protocol)."""
        model = self.sw[model_id]
        per_group, combo = [], []
        speak = self.port_protocols(self.nic) & self.port_protocols(model) if self.compat else set()
        if "protocol" in self.section:
            speak &= {self.section["protocol"]}
        if "protocol" in self.profile:
            speak &= {self.profile["protocol"]}
        for link in self.d["links"]:
            opts = {o.name: o for o in self.options(link)}
            rows = [(opts.get(o), n) for g, o, n in links if g == link["id"] and n > 0]
            if any(o is None or not self.usable(o, model, None) for o, _ in rows):
                return None, []
            per_group.append([o for o, _ in rows])
            combo.append(tuple(n for _, n in rows))
            for o, _ in rows:
                speak &= o.protocols
        return self.totals(per_group, tuple(combo), model, k), sorted(speak)


def _fit(row: dict[str, Any]) -> float:
    return row["fit"] if "fit" in row else 1e9 / row["mtbf_h"]


def _poisson_quantile(level: float, mu: float) -> int:
    """The fewest k with P(X <= k) >= level, X ~ Poisson(mu) (0 when mu = 0)."""
    if mu <= 0:
        return 0
    k, term = 0, math.exp(-mu)
    total = term
    while total < level:
        k += 1
        term *= mu / k
        total += term
    return k


def _ends(a: str, b: str) -> dict[str, int]:
    return {a: 2} if a == b else {a: 1, b: 1}


def sample(seed: int, **flags: Any) -> tuple[dict[str, Any], Result]:
    """The first of a few draws from ``seed`` that the doc does not reject as an input error (so most
    instances reach the solver), with its enumeration."""
    for attempt in range(10):
        data = generate(1000 * seed + attempt, **flags)
        enum = Enumerator(data)
        result = enum.run()
        if not result.input_error and not enum.ambiguous():
            break
    return data, result
