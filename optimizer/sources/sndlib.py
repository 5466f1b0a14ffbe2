"""SNDlib native-format reader and conversion of an SNDlib problem (network + model) to an instance.

SNDlib (Orlowski et al., Networks 55(3), 2010) problems are a network file and a model file. The
conversion maps them onto the routed-demand extension of the instance format:

- every SNDlib node -> a NIC endpoint group (count 1, forms [cable], ports and max_port_gbps large
  enough never to bind: ports = sum over incident links of ceil(total demand / smallest module) + 1);
- every link -> a link group (length 1 m, demand_gbps 0) whose options are catalogue cables, one per
  module of that link (id ``<link>.m<k>``, speed = module capacity, cost = module cost, power 0,
  latency 0), selected with ``allowed``;
- LINK_MODEL D/B/U -> ``direction`` directed/bidirected/undirected; pre-installed capacity and its
  cost -> ``installed_gbps`` / ``installed_cost_usd`` (a constant in every objective, as in MIPLIB);
  routing cost -> ``routing_cost_usd_per_gbps`` (bidirected: cost x the larger direction, SNDlib's
  convention); setup cost -> ``setup_cost_usd`` when FIXED_CHARGE_MODEL = YES;
- LINK_CAPACITY_MODEL M: every module, any integer count; E: every module, ``max_count: 1``;
  S: only the smallest module, integer count; L: the smallest module, ``divisible`` (capacity any
  real at that module's cost per unit of capacity);
- demands -> ``demands`` (gbps = routing_unit x value); UNDIRECTED demands (which SNDlib pairs with
  undirected links) are oriented so that few sources carry them (greedy), which does not change the
  problem and lets the arc-flow model aggregate by source; INDIVIDUAL_HOP_LIMITS -> ``max_hops``;
  EXPLICIT_LIST admissible paths -> ``paths``; ROUTING_MODEL SINGLE_PATH -> ``routing: single_path``.
- objective: capex (module + installed + setup + routing cost); SNDlib has no power data.

Unsupported (reported as input errors): INTEGER routing, survivability other than NO_SURVIVABILITY,
node hardware models.
"""

from __future__ import annotations

import math
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optimizer.errors import InstanceError, Issue

MODEL_KEYS = {
    "DEMAND_MODEL": ("D", {"DIRECTED": "D", "UNDIRECTED": "U"}),
    "LINK_MODEL": ("L", {"DIRECTED": "D", "BIDIRECTED": "B", "UNDIRECTED": "U"}),
    "LINK_CAPACITY_MODEL": (
        "C",
        {
            "MODULAR_LINK_CAPACITIES": "M",
            "EXPLICIT_LINK_CAPACITIES": "E",
            "SINGLE_MODULAR_CAPACITIES": "S",
            "LINEAR_LINK_CAPACITIES": "L",
        },
    ),
    "FIXED_CHARGE_MODEL": ("F", {"NO": "N", "YES": "Y"}),
    "ROUTING_MODEL": ("R", {"CONTINUOUS": "C", "INTEGER": "I", "SINGLE_PATH": "S"}),
    "ADMISSIBLE_PATH_MODEL": ("A", {"ALL_PATHS": "A", "EXPLICIT_LIST": "E"}),
    "HOP_LIMIT_MODEL": ("H", {"IGNORE_HOP_LIMITS": "N", "INDIVIDUAL_HOP_LIMITS": "Y"}),
    "SURVIVABILITY_MODEL": (
        "S",
        {
            "NO_SURVIVABILITY": "N",
            "ONE_PLUS_ONE_PROTECTION": "P",
            "SHARED_PATH_PROTECTION": "S",
            "UNRESTRICTED_FLOW_RECONFIGURATION": "U",
        },
    ),
}
CODE_ORDER = [
    "DEMAND_MODEL",
    "LINK_MODEL",
    "LINK_CAPACITY_MODEL",
    "FIXED_CHARGE_MODEL",
    "ROUTING_MODEL",
    "ADMISSIBLE_PATH_MODEL",
    "HOP_LIMIT_MODEL",
    "SURVIVABILITY_MODEL",
]


@dataclass
class SndLink:
    """One SNDlib link."""

    id: str
    source: str
    target: str
    pre_capacity: float
    pre_cost: float
    routing_cost: float
    setup_cost: float
    modules: list[tuple[float, float]]
    """(capacity, cost per installed copy)."""


@dataclass
class SndDemand:
    """One SNDlib demand."""

    id: str
    source: str
    target: str
    routing_unit: float
    value: float
    max_path_length: int | None

    @property
    def volume(self) -> float:
        """Volume to route (routing unit x demand value)."""
        return self.routing_unit * self.value


@dataclass
class SndNetwork:
    """An SNDlib network file."""

    name: str
    nodes: list[str]
    links: list[SndLink]
    demands: list[SndDemand]
    paths: dict[str, list[list[str]]] = field(default_factory=dict)
    """Admissible paths per demand id (lists of link ids)."""
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def n_modules(self) -> int:
        """Module entries over all links."""
        return sum(len(link.modules) for link in self.links)


@dataclass
class SndModel:
    """An SNDlib model file: KEY = VALUE settings and the 8-letter code."""

    name: str
    settings: dict[str, str]

    @property
    def code(self) -> str:
        """E.g. D-B-M-N-C-A-N-N."""
        return "-".join(MODEL_KEYS[k][1].get(self.settings.get(k, ""), "?") for k in CODE_ORDER)

    def letter(self, key: str) -> str:
        """The letter of one model key (``?`` when missing or unknown)."""
        return MODEL_KEYS[key][1].get(self.settings.get(key, ""), "?")


def _tokens(text: str) -> list[str]:
    text = re.sub(r"#[^\n]*", " ", text)
    return text.replace("(", " ( ").replace(")", " ) ").split()


def _num(token: str, where: str) -> float:
    if token == "UNLIMITED":
        return math.inf
    try:
        return float(token)
    except ValueError:
        raise ValueError(f"{where}: expected a number, got {token!r}") from None


MAX_SNDLIB_BYTES = 64 * 2**20
"""Largest SNDlib file read (the largest network of the library, pioro40, is 3.5 MB)."""


def _read(path: Path) -> str:
    from optimizer.core.io import read_text_file

    text, issues = read_text_file(path, max_bytes=MAX_SNDLIB_BYTES)
    if text is None:
        raise InstanceError(issues)
    return text


def parse_network(path: str | Path) -> SndNetwork:
    """Read an SNDlib native network file (raises InstanceError with every problem found)."""
    p = Path(path)
    raw = _read(p)
    meta: dict[str, str] = {}
    lines = raw.splitlines()
    kept: list[str] = []
    i = 0
    while i < len(lines):  # META values are free text with parentheses: read it line by line
        if lines[i].strip().startswith("META"):
            i += 1
            while i < len(lines) and lines[i].strip() != ")":
                if "=" in lines[i]:
                    key, _, value = lines[i].partition("=")
                    meta[key.strip()] = value.strip()
                i += 1
            i += 1
            continue
        if not lines[i].startswith("?"):
            kept.append(lines[i])
        i += 1
    tok = _tokens("\n".join(kept))
    sections: dict[str, list[str]] = {}
    pos = 0
    try:
        while pos < len(tok):
            key = tok[pos]
            if pos + 1 >= len(tok) or tok[pos + 1] != "(":
                raise ValueError(f"expected '(' after {key!r}")
            depth, j = 0, pos + 1
            while True:
                if tok[j] == "(":
                    depth += 1
                elif tok[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            sections[key] = tok[pos + 2 : j]
            pos = j + 1
        net = SndNetwork(
            p.stem,
            _nodes(sections.get("NODES", [])),
            _links(sections.get("LINKS", [])),
            _demands(sections.get("DEMANDS", [])),
            _paths(sections.get("ADMISSIBLE_PATHS", [])),
            meta,
        )
    except (ValueError, IndexError) as exc:
        raise InstanceError([Issue(str(p), "file", f"not an SNDlib network file: {exc}")]) from None
    return net


def _groups(t: list[str], k: int) -> tuple[list[str], int]:
    """The tokens inside the parenthesised group starting at t[k] == '(' and the index after it."""
    if t[k] != "(":
        raise ValueError(f"expected '(' at {' '.join(t[max(0, k - 3) : k + 3])!r}")
    j = t.index(")", k)
    return t[k + 1 : j], j + 1


def _nodes(t: list[str]) -> list[str]:
    out, k = [], 0
    while k < len(t):
        out.append(t[k])
        _, k = _groups(t, k + 1)
        while k < len(t) and t[k] == "(":  # optional node design / option groups
            _, k = _groups(t, k)
    return out


def _links(t: list[str]) -> list[SndLink]:
    out, k = [], 0
    while k < len(t):
        lid = t[k]
        ends, k = _groups(t, k + 1)
        pre_cap, pre_cost, rcost, scost = (_num(x, lid) for x in t[k : k + 4])
        mods, k = _groups(t, k + 4)
        modules = [(_num(mods[j], lid), _num(mods[j + 1], lid)) for j in range(0, len(mods), 2)]
        while k < len(t) and t[k] == "(":
            _, k = _groups(t, k)
        out.append(SndLink(lid, ends[0], ends[1], pre_cap, pre_cost, rcost, scost, modules))
    return out


def _demands(t: list[str]) -> list[SndDemand]:
    out, k = [], 0
    while k < len(t):
        did = t[k]
        ends, k = _groups(t, k + 1)
        unit, value = _num(t[k], did), _num(t[k + 1], did)
        hops = None if t[k + 2] == "UNLIMITED" else int(float(t[k + 2]))
        k += 3
        while k < len(t) and t[k] == "(":
            _, k = _groups(t, k)
        out.append(SndDemand(did, ends[0], ends[1], unit, value, hops))
    return out


def _paths(t: list[str]) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    k = 0
    while k < len(t):
        did = t[k]
        k += 2  # demand id, '('
        paths = []
        while t[k] != ")":
            links, k = _groups(t, k + 1)  # path id, then its link list
            paths.append(links)
        out[did] = paths
        k += 1
    return out


def parse_model(path: str | Path) -> SndModel:
    """Read an SNDlib model file (KEY = VALUE lines)."""
    p = Path(path)
    raw = _read(p)
    settings = {}
    for line in raw.splitlines():
        line = line.split("#", 1)[0]
        if "=" in line and not line.startswith("?"):
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return SndModel(p.stem, settings)


def _model_issues(model: SndModel, file: str) -> list[Issue]:
    issues = []
    for key in CODE_ORDER:
        if model.letter(key) == "?":
            issues.append(Issue(file, key, f"missing or unknown value {model.settings.get(key)!r}"))
    if model.letter("ROUTING_MODEL") == "I":
        issues.append(Issue(file, "ROUTING_MODEL", "INTEGER routing is not supported (use CONTINUOUS or SINGLE_PATH)"))
    if model.letter("SURVIVABILITY_MODEL") not in ("N", "?"):
        issues.append(Issue(file, "SURVIVABILITY_MODEL", "only NO_SURVIVABILITY is supported"))
    if model.settings.get("NODE_MODEL", "NO_NODE_HARDWARE") != "NO_NODE_HARDWARE":
        issues.append(Issue(file, "NODE_MODEL", "only NO_NODE_HARDWARE is supported"))
    return issues


def to_instance_dict(net: SndNetwork, model: SndModel, name: str | None = None) -> dict[str, Any]:
    """The instance mapping (format v1 + routed-demand extension) of an SNDlib problem."""
    issues = _model_issues(model, model.name)
    if issues:
        raise InstanceError(issues)
    cap_model = model.letter("LINK_CAPACITY_MODEL")
    direction = {"D": "directed", "B": "bidirected", "U": "undirected"}[model.letter("LINK_MODEL")]
    fixed = model.letter("FIXED_CHARGE_MODEL") == "Y"
    total = sum(dm.volume for dm in net.demands)
    cables: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    ports: dict[str, int] = defaultdict(int)
    max_cap = 1.0
    for link in net.links:
        modules = list(enumerate(link.modules))
        if cap_model in ("S", "L") and modules:
            modules = [min(modules, key=lambda m: (m[1][0], m[0]))]
        ids = []
        for k, (cap, cost) in modules:
            cid = f"{link.id}.m{k}"
            ids.append(cid)
            max_cap = max(max_cap, cap)
            cables.append(
                {
                    "id": cid,
                    "kind": "dac",
                    "speed_gbps": cap,
                    "power_w": 0.0,
                    "cost_usd": cost,
                    "reach_m": 1.0e6,
                    "latency_ns": 0.0,
                    "latency_ns_per_m": 0.0,
                    "source": f"SNDlib {net.name} link {link.id} module {k}",
                }
            )
        min_cap = min((net_cap for net_cap, _ in (m for _, m in modules)), default=0.0)
        bound = 0 if not modules else (1 if cap_model == "E" else math.ceil(total / min_cap) + 1)
        ports[link.source] += bound
        ports[link.target] += bound
        entry: dict[str, Any] = {
            "id": link.id,
            "a": link.source,
            "b": link.target,
            "length_m": 1.0,
            "demand_gbps": 0.0,
            "allowed": ids,
            "direction": direction,
        }
        if link.pre_capacity:
            entry["installed_gbps"] = link.pre_capacity
        if link.pre_cost:
            entry["installed_cost_usd"] = link.pre_cost
        if cap_model == "E":
            entry["max_count"] = 1
        if cap_model == "L":
            entry["divisible"] = True
        if fixed and link.setup_cost:
            entry["setup_cost_usd"] = link.setup_cost
        if link.routing_cost:
            entry["routing_cost_usd_per_gbps"] = link.routing_cost
        links.append(entry)
    nodes = [
        {"id": v, "kind": "nic", "count": 1, "ports": max(1, ports[v]), "max_port_gbps": max_cap, "forms": ["cable"]}
        for v in net.nodes
    ]
    demands = _demands_of(net, model)
    return {
        "schema_version": 1,
        "name": name or f"{net.name}--{model.code}",
        "description": f"SNDlib problem {net.name}--{model.code} (converted by optimizer.sndlib)",
        "objective": "capex",
        "catalog": {"description": f"modules of SNDlib network {net.name}", "cables": cables},
        "nodes": nodes,
        "links": links,
        "demands": demands,
        "routing": "single_path" if model.letter("ROUTING_MODEL") == "S" else "splittable",
    }


def _demands_of(net: SndNetwork, model: SndModel) -> list[dict[str, Any]]:
    undirected = model.letter("DEMAND_MODEL") == "U"
    hop_limits = model.letter("HOP_LIMIT_MODEL") == "Y"
    explicit = model.letter("ADMISSIBLE_PATH_MODEL") == "E"
    flip: set[str] = set()
    if undirected:  # greedy orientation: few sources, so aggregation by source merges more demands
        remaining = {dm.id: dm for dm in net.demands if dm.source != dm.target}
        while remaining:
            degree: dict[str, int] = defaultdict(int)
            for dm in remaining.values():
                degree[dm.source] += 1
                degree[dm.target] += 1
            best = max(sorted(degree), key=lambda v: degree[v])
            for did in [did for did, dm in remaining.items() if best in (dm.source, dm.target)]:
                if remaining[did].target == best:
                    flip.add(did)
                del remaining[did]
    out = []
    link_by_id = {link.id: link for link in net.links}
    for dm in net.demands:
        src, dst = (dm.target, dm.source) if dm.id in flip else (dm.source, dm.target)
        entry: dict[str, Any] = {"id": dm.id, "src": src, "dst": dst, "gbps": dm.volume}
        if hop_limits and dm.max_path_length is not None:
            entry["max_hops"] = dm.max_path_length
        if explicit:
            paths = [list(p) for p in net.paths.get(dm.id, [])]
            if dm.id in flip:
                paths = [p[::-1] for p in paths]
            entry["paths"] = [p for p in paths if all(x in link_by_id for x in p)]
        out.append(entry)
    return out


def load_problem(network: str | Path, model: str | Path) -> Any:
    """Parse an SNDlib network + model pair and load it as an Instance."""
    from optimizer.core.load import load_instance

    net, mod = parse_network(network), parse_model(model)
    return load_instance(to_instance_dict(net, mod))


BUNDLED_DIR = Path(__file__).resolve().parents[2] / "instances" / "sndlib"
"""The SNDlib subset shipped in the repository (present in a source checkout, not in an installed wheel)."""


def data_dir(explicit: str | Path | None = None) -> Path | None:
    """The SNDlib native-format folder: ``explicit`` (``--data-dir``), else ``$SNDLIB_DIR``, else the subset
    shipped in the repository (``instances/sndlib``); None when none is given and none is shipped.

    Raises:
        InstanceError: ``explicit`` or ``$SNDLIB_DIR`` is given but is not a folder (the message says which
            path was looked for and where it came from).
    """
    given = [("--data-dir", explicit), ("SNDLIB_DIR", os.environ.get("SNDLIB_DIR") or None)]
    for origin, value in given:
        if value is None:
            continue
        folder = Path(value).expanduser()
        if not folder.is_dir():
            what = "does not exist" if not folder.exists() else "is not a folder"
            raise InstanceError(
                [Issue(str(folder), origin, f"SNDlib folder {what}: expected <network>/<network>.txt files there")]
            )
        return folder
    return BUNDLED_DIR if BUNDLED_DIR.is_dir() else None


def problem_files(name: str, folder: Path) -> tuple[Path, Path]:
    """Network and model files of a problem named ``<network>--<MODEL>``.

    Raises:
        InstanceError: the name is not ``<network>--<MODEL>``, or a file is not in ``folder`` (the
            message names the files looked for).
    """
    net, sep, code = name.partition("--")
    if not sep or not net or not code or "/" in name or "\\" in name or net.startswith("."):
        raise InstanceError([Issue(name, "--problem", "expected <network>--<MODEL>, e.g. polska--D-B-M-N-C-A-N-N")])
    network, model = folder / net / f"{net}.txt", folder / net / "models" / f"{code}.txt"
    missing = [p for p in (network, model) if not p.is_file()]
    if missing:
        hint = (
            " (the repository ships a subset of SNDlib: see instances/sndlib/README.md)"
            if folder == BUNDLED_DIR
            else ""
        )
        raise InstanceError(
            [Issue(name, "--problem", f"no such file {p} in the SNDlib folder {folder}{hint}") for p in missing]
        )
    return network, model
