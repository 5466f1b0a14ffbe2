"""optimizer: exact optics, port-speed and switch-model planning for AI cluster networks.

Staged pipeline, each stage public::

    instance = load_instance("cluster.yaml")       # parse + validate (InstanceError lists every problem)
    data = build_data(instance)                    # options and index sets, no Pyomo
    model = build_model(data)                      # Pyomo ConcreteModel
    plan = solve(instance, SolveOptions(time_limit_s=60))   # all of the above + HiGHS -> Plan
"""

from optimizer.checks import check_instance
from optimizer.data import ModelData, build_data
from optimizer.errors import InstanceError, Issue, OptimizerError
from optimizer.load import load_instance
from optimizer.model import build_model
from optimizer.pareto import ParetoFront
from optimizer.pareto import pareto as pareto  # the function (module: sys.modules["optimizer.pareto"])
from optimizer.pipeline import solve
from optimizer.results import Plan
from optimizer.schema import Instance
from optimizer.solve import Progress, SolveOptions, SolveReport, SolveStatus, solve_model
from optimizer.sweep import breakeven, parse_parameter, run_sweep

__version__ = "0.1.0"

__all__ = [
    "Instance", "InstanceError", "Issue", "ModelData", "OptimizerError", "ParetoFront", "Plan", "Progress",
    "SolveOptions", "SolveReport", "SolveStatus", "breakeven", "build_data", "build_model", "check_instance",
    "load_instance", "pareto", "parse_parameter", "run_sweep", "solve", "solve_model",
]
