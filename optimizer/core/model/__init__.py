"""Stage 3: ``build_model`` -- the Pyomo MILP of format v1 section 2.

Canonical index order: columns (group, option), then switch choices (group, model); see
``optimizer.data``. Each constraint family lives in its own module under ``constraints/`` with its
math in the module docstring; ``FAMILIES`` fixes the build order.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from optimizer.core.data import ModelData
from optimizer.core.model import objective, variables
from optimizer.core.model.constraints import (
    bandwidth,
    capacity,
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
)


def build_model(d: ModelData, families: tuple = FAMILIES) -> pyo.ConcreteModel:
    """Build the MILP for model data ``d`` (see each family module for its rows)."""
    with PauseGC():
        m = pyo.ConcreteModel(name=d.name)
        variables.add(m, d)
        for family in families:
            family.add(m, d)
        objective.add(m, d)
    return m
