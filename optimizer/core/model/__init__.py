"""Stage 3: ``build_model`` -- the Pyomo MILP that an instance file defines (instances/README.md).

``build_arrays`` runs the same families into an ``ArrayModel`` (``optimizer.core.model.linear``): the
same columns, rows and objective as arrays, without the Pyomo objects; ``optimizer.solve`` plans with
it when nothing needs those objects.

Canonical index order: columns (group, option), then switch choices (group, model); see
``optimizer.core.data``. Each constraint family lives in its own module under ``constraints/`` with its
math in the module docstring; ``FAMILIES`` fixes the build order.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from optimizer.core.data import ModelData
from optimizer.core.gcpause import paused_gc
from optimizer.core.model import objective, variables
from optimizer.core.model.constraints import (
    bandwidth,
    capacity,
    compatibility,
    facility_fibres,
    facility_power,
    facility_racks,
    forms,
    latency,
    limits,
    nic_capacity,
    reliability,
    routing,
    switch_capacity,
    switch_model,
)
from optimizer.core.model.linear import ArrayModel, CopyView, Model, combine_objective

if TYPE_CHECKING:
    import pyomo.environ as pyo

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
    facility_racks,
    facility_power,
    facility_fibres,
    routing,
    compatibility,
)


def add_copy(
    m: Model, d: ModelData, tag: str = "", weight: float = 1.0, families: tuple[ModuleType, ...] = FAMILIES
) -> CopyView:
    """Build copy ``tag`` of the single-period MILP of ``d`` on shared model ``m`` (every variable and row
    block named with the tag) and return its view; its objective is kept on the view (``combine_objective``)."""
    view = CopyView(m, tag, weight)
    variables.add(view, d)
    for family in families:
        family.add(view, d)
    objective.add(view, d)
    return view


def build_model(d: ModelData, families: tuple[ModuleType, ...] = FAMILIES) -> pyo.ConcreteModel:
    """Build the MILP for model data ``d`` (see each family module for its rows): the one-copy case of
    ``add_copy`` (no tag, weight 1)."""
    import pyomo.environ as pyo  # Pyomo is imported only where a Pyomo model is built

    with paused_gc():
        m = pyo.ConcreteModel(name=d.name)
        view = add_copy(m, d, "", 1.0, families)
        _bind(m, view)
        combine_objective(m, "objective", [view])
    return m


def _bind(m: Model, view: CopyView) -> None:
    """Make the untagged copy's own attributes (``n``, ``k``, ``elastic_terms``...) attributes of the model."""
    for name, value in view.__dict__["_own"].items():
        if not hasattr(m, name):
            setattr(m, name, value)


def build_arrays(d: ModelData, families: tuple[ModuleType, ...] = FAMILIES) -> ArrayModel:
    """The MILP of ``build_model(d)`` as arrays only (no Pyomo component): same columns, rows and objective."""
    with paused_gc():
        m = ArrayModel(d.name)
        view = add_copy(m, d, "", 1.0, families)
        _bind(m, view)
        combine_objective(m, "objective", [view])
    return m


def build_for_solve(d: ModelData, interface: str = "direct", solver: str = "highs") -> Model:
    """The model ``optimizer.solve`` hands HiGHS through ``interface`` (``direct`` or ``appsi``): the MILP
    built as arrays only (``build_arrays``: no Pyomo objects; routed demands too, whose rounding start,
    cut loop and plan rows read the arrays), or the Pyomo model (``build_model``) where the run needs its
    objects: the APPSI interface (it takes a Pyomo model) and every ``solver`` but HiGHS (reached through
    Pyomo's interfaces, ``optimizer.core.solvers``)."""
    if interface != "direct" or solver != "highs":
        return build_model(d)
    return build_arrays(d)
