"""Optics mix of a plan: which optics technology terminates each link end, as shares of ports.

Technology of one link end:
    cable option              -> the cable's kind: ``dac``, ``acc``, ``aec``, ``aoc``
    transceiver of form cpo   -> ``cpo``
    pluggable transceiver     -> ``lpo`` (linear pluggable) or ``lro`` (linear receive) when its id starts
                                 (contains) ``lpo``/``lro`` or its description says "linear pluggable"/"linear
                                 receive"; otherwise ``dsp`` (a DSP-retimed pluggable)

The catalogue has no technology field (format v1): ``optimizer.core.catalog.technology`` reads the linear
classes from the id or description, as the built-in catalogue names them. Shares count link ends (two per link), so a
link with a CPO engine at the switch and a DSP module at the NIC counts one end of each.
"""

from __future__ import annotations

from typing import Any

from optimizer.core.catalog import CatalogIndex, technology
from optimizer.core.schema import Catalog

TECHNOLOGIES = ("dsp", "lpo", "lro", "cpo", "aoc", "aec", "acc", "dac")
LABELS = {
    "dsp": "DSP",
    "lpo": "LPO",
    "lro": "LRO",
    "cpo": "CPO",
    "aoc": "AOC",
    "aec": "AEC",
    "acc": "ACC",
    "dac": "DAC",
}


class Classifier:
    """Maps option ids of a catalogue to the technology of each of their two ends."""

    def __init__(self, catalog: Catalog):
        self.index = CatalogIndex.of(catalog)
        self._cache: dict[str, tuple[str, str]] = {}

    def transceiver(self, item: str) -> str:
        """Technology of one transceiver end (``optimizer.core.catalog.technology``)."""
        return technology(self.index.transceivers[item])

    def ends(self, option_id: str) -> tuple[str, str]:
        """Technologies of the a-end and the b-end of an option (``t+u`` pair or a cable id)."""
        hit = self._cache.get(option_id)
        if hit is None:
            if option_id in self.index.cables:
                kind = self.index.cables[option_id].kind
                hit = (kind, kind)
            else:
                a, b = option_id.split("+", 1)
                hit = (self.transceiver(a), self.transceiver(b))
            self._cache[option_id] = hit
        return hit


def port_counts(links: Any, classifier: Classifier) -> dict[str, int]:
    """Link ends per technology over a plan's links table (columns ``option`` and ``count``)."""
    counts = dict.fromkeys(TECHNOLOGIES, 0)
    for option, count in zip(links["option"], links["count"], strict=True):
        for tech in classifier.ends(option):
            counts[tech] = counts.get(tech, 0) + int(count)
    return counts


def shares(counts: dict[str, int]) -> dict[str, float]:
    """Share of ports per technology (0 when the plan has no links)."""
    total = sum(counts.values())
    return {tech: (n / total if total else 0.0) for tech, n in counts.items()}


def dominant_label(share: dict[str, float], top: int = 3, min_share: float = 0.05) -> str:
    """A short human label of the mix, e.g. ``CPO 62% / LPO 30% / DSP 8%`` (largest shares first)."""
    ranked = sorted(((s, t) for t, s in share.items() if s >= min_share), reverse=True)[:top]
    if not ranked:
        return "-"
    return " / ".join(f"{LABELS.get(t, t.upper())} {100 * s:.0f}%" for s, t in ranked)


def plan_mix(plan: Any, catalog: Catalog) -> tuple[dict[str, int], dict[str, float], str]:
    """(ports per technology, shares, dominant label) of a plan with links."""
    counts = port_counts(plan.links, Classifier(catalog))
    share = shares(counts)
    return counts, share, dominant_label(share)
