"""Stage 3: ``build_model`` -- the Pyomo MILP that an instance file defines (instances/README.md).

Canonical index order: columns (group, option), then switch choices (group, model); see
``optimizer.core.data``. Each constraint family lives in its own module under ``constraints/`` with its
math in the module docstring; ``FAMILIES`` fixes the build order.
"""

from __future__ import annotations

from types import ModuleType

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from optimizer.core.data import ModelData
from optimizer.core.model import objective, variables
from optimizer.core.model.constraints import (
    bandwidth,
    capacity,
    compatibility,
    forms,
    latency,
    limits,
    nic_capacity,
    reliability,
    routing,
    switch_capacity,
    switch_model,
)

FAMILIES = (
    capacity,
    switch_model,
    forms,
    switch_capacity,
    nic_capacity,
    latency,
    bandwidth,
    reliability,
    limits,
    routing,
    compatibility,
)


def build_model(d: ModelData, families: tuple[ModuleType, ...] = FAMILIES) -> pyo.ConcreteModel:
    """Build the MILP for model data ``d`` (see each family module for its rows)."""
    with PauseGC():
        m = pyo.ConcreteModel(name=d.name)
        variables.add(m, d)
        for family in families:
            family.add(m, d)
        objective.add(m, d)
    return m
