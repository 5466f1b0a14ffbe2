"""The GPU value at which the 16k 800G NVIDIA library fabric moves to CPO (instances/README.md, "Site power
envelope": the library pair), computed by hand and checked by solving the library file just below and just above.

``site-envelope-16k-800g-nvidia.yaml`` is the 16,384-GPU Quantum-X800 fabric (Q3400 or Q3450-CPO in each of
three tiers: 232 leaves, 232 spines, 144 cores) with ``site: {gpu_w: 1400, gpu_hour_usd: 2.5}`` (its IT power
cap leaves the network 4.06 MW and does not bind). A tier moves to CPO when the Q3450's premium equals the power
it saves, priced at e + s per W (the tco coefficient cost + power x (e + s) of the switches and their link ends).
"""

from __future__ import annotations

import pytest

import optimizer
from tests.helpers import INSTANCES

FILE = INSTANCES / "library" / "site-envelope-16k-800g-nvidia.yaml"

# e: the electricity of one W over the horizon, 8.766 kWh/yr x 5 yr x PUE 1.3 x 0.08 USD/kWh = 4.55832 USD.
E = 8.766 * 5 * 1.3 * 0.08
# s = 8,766 x years x v / gpu_w = 43,830 v / 1,400 = 31.3071 v USD per W.
S_PER_USD_PER_GPU_HOUR = 8766 * 5 / 1400
PREMIUM = 0.10 * 450_000  # q3450-cpo: q3400's 450,000 USD plus the catalogue's 10 % CPO premium
SWITCH_SAVING_W = 3500 - 3158  # q3400 against q3450-cpo, W per switch
PORT_SAVING_W = 12.5 - 4.5  # half a twin-2xdr4-1600 module against one cpo-dr-800-200g engine (both 1,200 USD)


def breakeven(switches: int, ports: int) -> float:
    """v (USD per GPU-hour) at which ``switches`` switches with ``ports`` used ports in all tie:
    PREMIUM x switches = (342 x switches + 8 x ports) x (e + s)."""
    return (PREMIUM * switches / (SWITCH_SAVING_W * switches + PORT_SAVING_W * ports) - E) / S_PER_USD_PER_GPU_HOUR


# Leaves and spines: 464 switches with 32,768 used ports each tier (a leaf's 16,384 GPU links plus 16,384
# uplinks; a spine's 16,384 leaf links plus 16,384 core links): 45,000 x 464 = 20,880,000 USD against
# 342 x 464 + 8 x 65,536 = 682,976 W: e + s = 30.572085, s = 26.013765, v = 0.830921.
LEAF_SPINE_V = breakeven(464, 65_536)
# Cores: 144 switches with 16,384 used ports: 6,480,000 USD against 49,248 + 131,072 = 180,320 W:
# e + s = 35.936114, s = 31.377794, v = 1.002257.
CORE_V = breakeven(144, 16_384)


def _models(gpu_hour_usd: float) -> dict[str, str]:
    instance = optimizer.load_instance(FILE).with_changes({"site.gpu_hour_usd": gpu_hour_usd})
    plan = optimizer.solve(instance, optimizer.SolveOptions(threads=1, mip_rel_gap=1e-6, time_limit_s=120.0))
    assert plan.status == "optimal"
    models: dict[str, set[str]] = {}
    for row in plan.to_dict()["nodes"]:
        if row["count"]:
            models.setdefault(row["group"], set()).add(row["model"])
    assert all(len(m) == 1 for m in models.values()), models  # each tier takes one model
    return {group: m.pop() for group, m in models.items()}


def test_hand_break_evens() -> None:
    assert abs(LEAF_SPINE_V - 0.830921) < 1e-6
    assert abs(CORE_V - 1.002257) < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize(
    ("gpu_hour_usd", "expected"),
    [
        (LEAF_SPINE_V * 0.995, {"leaf": "q3400", "spine": "q3400", "core": "q3400"}),
        (LEAF_SPINE_V * 1.005, {"leaf": "q3450-cpo", "spine": "q3450-cpo", "core": "q3400"}),
        (CORE_V * 0.995, {"leaf": "q3450-cpo", "spine": "q3450-cpo", "core": "q3400"}),
        (CORE_V * 1.005, {"leaf": "q3450-cpo", "spine": "q3450-cpo", "core": "q3450-cpo"}),
    ],
)
def test_tiers_move_to_cpo_at_the_hand_break_evens(gpu_hour_usd: float, expected: dict[str, str]) -> None:
    assert _models(gpu_hour_usd) == expected
