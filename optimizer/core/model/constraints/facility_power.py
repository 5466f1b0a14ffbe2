"""Facility: GPU-rack power and liquid cooling (facility extension; only with a ``facility`` section).

GPU racks: the link ends at NIC groups stand in the R = ``gpu_racks`` GPU racks, spread evenly over them.
Each rack draws its base B = 1000 x ``gpu_rack_base_kw`` plus its share of those ends, and may draw at most
C = 1000 x ``gpu_rack_kw``:

    B + (1/R) sum_i nic_i n[i] <= C     <=>     sum_i nic_i n[i] <= R x (C - B)       (with gpu_rack_kw)

Liquid cooling: the liquid loop takes the power of the liquid-cooled switches and of the link ends in the
ports of switch groups whose every model is liquid-cooled (a group that may choose an air-cooled model
counts only its liquid-cooled switches' own power: the ends' share would depend on the choice):

    sum_{q liquid} power_w(q) k[q] + sum_i liq_i n[i] <= 1000 x liquid_cooling_kw      (with liquid_cooling_kw)

nic_i and liq_i: the power of one link of column i at NIC ends and at liquid-only switch groups
(``optimizer.core.facility``). Elastic model: each row gets a priced slack (optimizer.core.model.elastic).
"""

from __future__ import annotations

from optimizer.core.data import ModelData
from optimizer.core.model import elastic
from optimizer.core.model.linear import Model, add_rows, columns

FAMILY = "facility_power"


def add(m: Model, d: ModelData) -> None:
    """Add the GPU-rack power row and the liquid-cooling row that the facility section sets."""
    f = d.facility
    if f is None:
        return
    n, k = columns(m, m.n), columns(m, m.k)  # column indices
    gpu_cap = f.gpu_network_cap_w
    if gpu_cap is not None:
        terms = [(w, n[i]) for i, w in enumerate(f.col_nic_w) if w]
        if elastic.active(d):
            terms.append((-1.0, elastic.slacks(m, "gpu_rack_power", [gpu_cap])[0]))
        add_rows(m, "facility_gpu_rack_power", [(None, terms, gpu_cap)])
    liquid_cap = f.liquid_cap_w
    if liquid_cap is not None:
        terms = [(p, k[q]) for q, p in enumerate(d.choice_power_w) if p and f.choice_liquid[q]]
        terms += [(w, n[i]) for i, w in enumerate(f.col_liquid_w) if w]
        if elastic.active(d):
            terms.append((-1.0, elastic.slacks(m, "liquid_cooling", [liquid_cap])[0]))
        if terms:
            add_rows(m, "facility_liquid", [(None, terms, liquid_cap)])
