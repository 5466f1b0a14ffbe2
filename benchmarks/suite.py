"""Benchmark suites as data.

An entry is a mapping with a ``name`` and either
- ``file``: an instance file (relative paths are taken from the repository root), or
- ``generator``: ``"module:function"`` called as ``function(**params)`` and returning an instance
  mapping (for example ``benchmarks.generate:generate`` with ``{"link_groups": 1000, "seed": 1}``);
and optionally ``solve``: per-entry overrides of the run's solve settings (``time_limit_s``,
``mip_rel_gap``) and ``floor: false`` to skip the floor.

``sndlib`` holds the SNDlib problems shipped in ``instances/sndlib``; ``solvers`` is the library plus
those, the suite the solver comparison (``run --solvers``) is run on.

To add instances (for example aggregated ones from ``optimizer/sources/generate.py``), append entries
here or pass a YAML/JSON file holding ``{suite_name: [entries...]}`` with ``--suite-file``.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _scale(link_groups: int, **extra: Any) -> dict[str, Any]:
    name = f"scale-{link_groups // 1000}k" if link_groups >= 1000 else f"scale-{link_groups}"
    return {
        "name": name,
        "generator": "benchmarks.generate:generate",
        "params": {"link_groups": link_groups, "seed": 1},
        **extra,
    }


BUNDLED = [
    {"name": "tiny", "file": "instances/tiny.yaml"},
    {"name": "superpod-su-256", "file": "instances/superpod-su-256.yaml"},
    {"name": "superpod-su-256-reference", "file": "instances/superpod-su-256-reference.yaml"},
    {"name": "latency-cpo-1k", "file": "instances/latency-cpo-1k.yaml"},
]

#: The instance library (``instances/library``, made by ``optimizer generate``; catalogue files skipped).
#: All but ``*-explicit`` are aggregated: one link group per tier and length class.
LIBRARY = [
    {"name": p.stem, "file": f"instances/library/{p.name}"}
    for p in sorted((ROOT / "instances" / "library").glob("*.yaml"))
    if not p.stem.startswith("catalog")
]

#: Downtime economics added to every library instance by the ``reliability`` suite.
RELIABILITY_ECONOMICS = {"gpu_hour_usd": 2.0, "restart_h": 0.5}


def library_variant(stem: str, priced: bool) -> dict[str, Any]:
    """A library instance without (``priced`` False) or with the ``RELIABILITY_ECONOMICS`` section."""
    path = ROOT / "instances" / "library" / f"{stem}.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc.pop("reliability", None)
    if isinstance(doc.get("catalog"), str) and doc["catalog"] != "builtin":
        doc["catalog"] = str(path.parent / doc["catalog"])  # the generated copy lives elsewhere
    if priced:
        doc["reliability"] = dict(RELIABILITY_ECONOMICS)
    return doc


#: Every library instance twice, interleaved: without reliability data, then with the downtime economics.
RELIABILITY = [
    {
        "name": f"{e['name']}{'+rel' if priced else ''}",
        "generator": "benchmarks.suite:library_variant",
        "params": {"stem": e["name"], "priced": priced},
        "floor": not priced,
    }
    for e in LIBRARY
    for priced in (False, True)
]


def sndlib_problem(problem: str) -> dict[str, Any]:
    """The instance of SNDlib problem ``problem`` (``<network>--<MODEL>``) from ``instances/sndlib``."""
    from optimizer.sources.sndlib import parse_model, parse_network, problem_files, to_instance_dict

    network, model = problem_files(problem, ROOT / "instances" / "sndlib")
    return to_instance_dict(parse_network(network), parse_model(model))


#: Every ``*-N-C-A-N-N`` problem shipped in ``instances/sndlib`` (routed demands), smallest networks first.
SNDLIB = [
    {
        "name": f"{net.name}--{m.stem}",
        "generator": "benchmarks.suite:sndlib_problem",
        "params": {"problem": f"{net.name}--{m.stem}"},
    }
    for net in sorted(
        (p for p in (ROOT / "instances" / "sndlib").iterdir() if (p / "models").is_dir()),
        key=lambda p: (p.joinpath(f"{p.name}.txt").stat().st_size, p.name),
    )
    for m in sorted((net / "models").glob("*-N-C-A-N-N.txt"))
]

SUITES: dict[str, list[dict[str, Any]]] = {
    "smoke": [BUNDLED[0], _scale(10)],
    "quick": [*BUNDLED, _scale(10), _scale(100), _scale(1000)],
    "compare": [*BUNDLED, _scale(10), _scale(100), _scale(1000), _scale(10000)],
    "library": LIBRARY,
    "sndlib": SNDLIB,
    "solvers": [*LIBRARY, *SNDLIB],
    "reliability": RELIABILITY,
    "full": [
        *BUNDLED,
        *LIBRARY,
        _scale(10),
        _scale(100),
        _scale(1000),
        _scale(10000),
        _scale(100000, solve={"time_limit_s": 300}),
    ],
}


def load_suites(extra_file: str | Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """The built-in suites, updated with the suites of ``extra_file`` (YAML or JSON) if given."""
    suites = {k: list(v) for k, v in SUITES.items()}
    if extra_file is not None:
        text = Path(extra_file).read_text(encoding="utf-8")
        data = json.loads(text) if str(extra_file).endswith(".json") else yaml.safe_load(text)
        for name, entries in (data or {}).items():
            suites[name] = list(entries)
    return suites


def materialise(entry: dict[str, Any], cache_dir: Path) -> Path:
    """The instance file of an entry (generated entries are written once into ``cache_dir`` as YAML)."""
    if "file" in entry:
        path = Path(entry["file"])
        return path if path.is_absolute() else ROOT / path
    module, _, func = entry["generator"].partition(":")
    params = entry.get("params", {})
    key = "-".join(f"{k}{v}" for k, v in sorted(params.items()))
    path = cache_dir / f"{entry['name']}-{func}-{key}.yaml"
    if not path.exists():
        instance = getattr(importlib.import_module(module), func)(**params)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(yaml.safe_dump(instance, sort_keys=False, default_flow_style=None, width=200), encoding="utf-8")
        tmp.replace(path)
    return path
