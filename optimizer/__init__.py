"""optimizer: exact optics, port-speed and switch-model planning for AI cluster networks.

Staged pipeline, each stage public::

    instance = load_instance("cluster.yaml")       # parse + validate (InstanceError lists every problem)
    data = build_data(instance)                    # options and index sets, no Pyomo
    model = build_model(data)                      # Pyomo ConcreteModel
    arrays = build_arrays(data)                    # the same MILP as arrays only (what ``solve`` uses)
    plan = solve(instance, SolveOptions(time_limit_s=60))   # all of the above + HiGHS -> Plan
    plan = solve("cluster.yaml")                   # every function also takes the path of an instance file

In a notebook: ``instance.with_changes({"economics.electricity_usd_per_kwh": 0.12})`` (the sweep's path
language, validated as a file is), ``solve(instance, extend=fn)`` (``fn(model, data)`` adds rows to the Pyomo
model), ``read_plan("out/plan")`` (a written plan back as a ``Plan``), ``compare([plan_a, plan_b])`` (plans
side by side), ``optimizer.plots.plot_plan(plan, instance)`` (a matplotlib ``Figure``).

Layout: ``optimizer.core`` is the pipeline (schema and loading, checks, options and data, ``model``, solve,
plan and verify); ``optimizer.studies`` runs it many times (Pareto fronts, sweeps, break-evens, site envelopes,
robust plans over price scenarios);
``optimizer.sources`` makes instances (cluster generator, SNDlib import); ``optimizer.plots`` draws;
``optimizer.cli`` is the command line, the only layer that prints. See docs/architecture.md.

The names below load on first use, so ``import optimizer`` (and ``optimizer --help``) stays fast.
``optimizer.verify``, ``optimizer.generate`` and ``optimizer.sndlib`` are the modules of those names.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API: dict[str, tuple[str, str | None]] = {
    "Instance": ("optimizer.core.schema", "Instance"),
    "InstanceError": ("optimizer.errors", "InstanceError"),
    "Issue": ("optimizer.errors", "Issue"),
    "ModelData": ("optimizer.core.data", "ModelData"),
    "OptimizerError": ("optimizer.errors", "OptimizerError"),
    "ParameterError": ("optimizer.core.edit", "ParameterError"),
    "ParetoFront": ("optimizer.studies.pareto", "ParetoFront"),
    "Plan": ("optimizer.core.results", "Plan"),
    "Progress": ("optimizer.core.solve", "Progress"),
    "Relaxation": ("optimizer.core.elastic", "Relaxation"),
    "SolveOptions": ("optimizer.core.solve", "SolveOptions"),
    "SolveReport": ("optimizer.core.solve", "SolveReport"),
    "SolveStatus": ("optimizer.core.solve", "SolveStatus"),
    "SolverUnavailableError": ("optimizer.errors", "SolverUnavailableError"),
    "breakeven": ("optimizer.studies.sweep", "breakeven"),
    "build_arrays": ("optimizer.core.model", "build_arrays"),
    "EnvelopeResult": ("optimizer.studies.envelope", "EnvelopeResult"),
    "envelope": ("optimizer.studies.envelope", "envelope"),
    "build_data": ("optimizer.core.data", "build_data"),
    "build_model": ("optimizer.core.model", "build_model"),
    "check_instance": ("optimizer.core.checks", "check_instance"),
    "check_plan": ("optimizer.core.verify", "check_plan"),
    "compare": ("optimizer.core.compare", "compare"),
    "load_instance": ("optimizer.core.load", "load_instance"),
    "pareto": ("optimizer.studies.pareto", "pareto"),
    "parse_parameter": ("optimizer.studies.sweep", "parse_parameter"),
    "plan_drivers": ("optimizer.studies.drivers", "plan_drivers"),
    "read_document": ("optimizer.core.io", "read_document"),
    "RobustResult": ("optimizer.studies.robust", "RobustResult"),
    "robust_plan": ("optimizer.studies.robust", "robust_plan"),
    "read_plan": ("optimizer.core.results", "read_plan"),
    "run_robustness": ("optimizer.studies.robustness", "run_robustness"),
    "run_sweep": ("optimizer.studies.sweep", "run_sweep"),
    "sample_scenarios": ("optimizer.studies.robustness", "sample_scenarios"),
    "solve": ("optimizer.core.pipeline", "solve"),
    "solve_roadmap": ("optimizer.core.roadmap_plan", "solve_roadmap"),
    "RoadmapPlan": ("optimizer.core.roadmap_plan", "RoadmapPlan"),
    "solve_model": ("optimizer.core.solve", "solve_model"),
    "with_changes": ("optimizer.core.edit", "with_changes"),
    # modules reachable as attributes of the package
    "verify": ("optimizer.core.verify", None),
    "plots": ("optimizer.plots", None),
    "generate": ("optimizer.sources.generate", None),
    "sndlib": ("optimizer.sources.sndlib", None),
}

__all__ = sorted(name for name, (_, attr) in _API.items() if attr is not None)


def __getattr__(name: str) -> Any:
    try:
        module_name, attr = _API[name]
    except KeyError:
        raise AttributeError(f"module 'optimizer' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))


if TYPE_CHECKING:
    from optimizer import plots as plots
    from optimizer.core import verify as verify
    from optimizer.core.checks import check_instance as check_instance
    from optimizer.core.compare import compare as compare
    from optimizer.core.data import ModelData as ModelData
    from optimizer.core.data import build_data as build_data
    from optimizer.core.edit import ParameterError as ParameterError
    from optimizer.core.edit import with_changes as with_changes
    from optimizer.core.elastic import Relaxation as Relaxation
    from optimizer.core.io import read_document as read_document
    from optimizer.core.load import load_instance as load_instance
    from optimizer.core.model import build_arrays as build_arrays
    from optimizer.core.model import build_model as build_model
    from optimizer.core.pipeline import solve as solve
    from optimizer.core.results import Plan as Plan
    from optimizer.core.results import read_plan as read_plan
    from optimizer.core.roadmap_plan import RoadmapPlan as RoadmapPlan
    from optimizer.core.roadmap_plan import solve_roadmap as solve_roadmap
    from optimizer.core.schema import Instance as Instance
    from optimizer.core.solve import Progress as Progress
    from optimizer.core.solve import SolveOptions as SolveOptions
    from optimizer.core.solve import SolveReport as SolveReport
    from optimizer.core.solve import SolveStatus as SolveStatus
    from optimizer.core.solve import solve_model as solve_model
    from optimizer.core.verify import check_plan as check_plan
    from optimizer.errors import InstanceError as InstanceError
    from optimizer.errors import Issue as Issue
    from optimizer.errors import OptimizerError as OptimizerError
    from optimizer.errors import SolverUnavailableError as SolverUnavailableError
    from optimizer.sources import generate as generate
    from optimizer.sources import sndlib as sndlib
    from optimizer.studies.drivers import plan_drivers as plan_drivers
    from optimizer.studies.envelope import EnvelopeResult as EnvelopeResult
    from optimizer.studies.envelope import envelope as envelope
    from optimizer.studies.pareto import ParetoFront as ParetoFront
    from optimizer.studies.pareto import pareto as pareto
    from optimizer.studies.robust import RobustResult as RobustResult
    from optimizer.studies.robust import robust_plan as robust_plan
    from optimizer.studies.robustness import run_robustness as run_robustness
    from optimizer.studies.robustness import sample_scenarios as sample_scenarios
    from optimizer.studies.sweep import breakeven as breakeven
    from optimizer.studies.sweep import parse_parameter as parse_parameter
    from optimizer.studies.sweep import run_sweep as run_sweep
