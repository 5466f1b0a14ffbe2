"""The format's answers to questions the compatibility and reliability sections of instances/README.md
once left open: one small hand-checkable instance per answer.

Objective capex with round prices (parts from ``tests/test_compat.py``: 400G pluggables on medium m with
no fibre price, copper cables of 400G, switches of 1,000 USD), so every optimum is a sum a reader can
redo. Every plan goes through the independent verifier (``solve_verified``), which reads the same
answers from the format doc.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

import pytest

import optimizer
from optimizer.core.catalog import technology
from optimizer.core.schema import Transceiver
from optimizer.core.verify import technology as verifier_technology
from optimizer.errors import InputWarning, InstanceError
from tests.helpers import solve_verified
from tests.test_compat import SRC, cable, instance, options_of, switch, tx


def test_technology_is_derived_from_form_then_id_then_description() -> None:
    """Both ends must be LPO (NIC and leaf support only lpo). 'x-LPO-800' (id, any case) and 'plain'
    (description "Linear Pluggable Optics") are LPO; 'lro-lpo' names both and reads lro (checked first);
    'lpo-fake' says technology dsp, which wins over its id; 'dsp-cheap' is dsp. The cheapest LPO pair is
    plain+plain: 4 links x (80 + 80) + 1,000 = 1,640."""
    parts = [
        tx("dsp-cheap", 10),
        tx("lpo-fake", 20, technology="dsp"),
        tx("lro-lpo", 50),
        tx("plain", 80, description="Linear Pluggable Optics module"),
        tx("x-LPO-800", 100),
    ]
    data = instance(parts, [switch("s", supports=["lpo"])], nic={"supports": ["lpo"]}, compat={})
    plan = solve_verified(data)
    assert options_of(plan) == {"plain+plain": 4} and plan.objective == 4 * (80 + 80) + 1000
    expected = {"dsp-cheap": "dsp", "lpo-fake": "dsp", "lro-lpo": "lro", "plain": "lpo", "x-LPO-800": "lpo"}
    engine = Transceiver.model_validate({**tx("lpo-engine", 1), "form": "cpo"})  # form cpo comes first
    loaded = optimizer.load_instance(data).resolved_catalog.transceivers
    for part in [*loaded, engine]:
        assert technology(part) == verifier_technology(part) == expected.get(part.id, "cpo")


def test_a_field_given_on_one_side_only_does_not_restrict() -> None:
    """The leaf gives cage osfp and 100G lanes, the NIC group neither. 'nocage' (100, no cage, no lanes)
    fits the leaf; 'qsfp' (50, cage qsfp112) and 'lanes200' (60, 200G lanes) do not fit the leaf but fit
    the NIC, whose missing fields restrict nothing; a pair with one end without lanes is not checked for
    line lanes. Optimum qsfp at the NIC, nocage at the leaf: 4 x (50 + 100) + 1,000 = 1,600."""
    parts = [tx("nocage", 100), tx("qsfp", 50, cage="qsfp112"), tx("lanes200", 60, lane_gbps=200)]
    data = instance(parts, [switch("s", cage="osfp", lane_gbps=100)], compat={})
    plan = solve_verified(data)
    assert options_of(plan) == {"qsfp+nocage": 4} and plan.objective == 4 * (50 + 100) + 1000


def test_cage_power_of_breakout_ends_follows_their_lanes() -> None:
    """An 800G-to-2 x 400G splitter of 10 W: its fast end draws 10 / 2 = 5 W in the switch's 800G cage,
    each slow end 10 / (2 x 2) = 2.5 W in a NIC's 400G cage. With cages of 5 W (switch) and 3 W (NIC) it
    fits: 4 links x 120 / 2 + 1,000 = 1,240. A 2 W NIC cage (below 2.5) or a 4.9 W switch cage (below 5)
    rules it out; then the NIC module (1,000) and half a twin-port switch module (80 per end) serve each
    link: 4 x 1,080 + 1,000 = 5,320."""
    split = cable("split", 120, links_per_cable=2, power_w=10.0)
    parts = [tx("n", 1000, fits=["nic"]), tx("twin", 80, ends_per_module=2, fits=["switch"])]

    def solved(nic_w: float, switch_w: float) -> optimizer.Plan:
        leaf = switch("s", cage_gbps=800, max_module_w=switch_w)
        return solve_verified(
            instance(parts, [leaf], cables=[split], nic={"cage_gbps": 400, "max_module_w": nic_w}, compat={})
        )

    fits = solved(3.0, 5.0)
    assert options_of(fits) == {"split": 4} and fits.objective == 4 * 120 / 2 + 1000
    for nic_w, switch_w in ((2.0, 5.0), (3.0, 4.9)):
        plan = solved(nic_w, switch_w)
        assert options_of(plan) == {"n+twin": 4} and plan.objective == 4 * (1000 + 80) + 1000


def test_breakout_price_per_metre_is_per_assembly() -> None:
    """A splitter of 120 USD + 10 USD/m over 2 m costs 140 per assembly, 70 per link; the NIC module
    (40) with half a twin-port switch module (35) costs 75 per link. Per assembly the splitter wins:
    4 x 70 + 1,000 = 1,280 (read per link it would cost 60 + 20 = 80 and lose to 75)."""
    split = cable("split", 120, links_per_cable=2, cost_usd_per_m=10.0)
    parts = [tx("n", 40, fits=["nic"]), tx("twin", 35, ends_per_module=2, fits=["switch"])]
    data = instance(parts, [switch("s", cage_gbps=800)], cables=[split], nic={"cage_gbps": 400}, compat={})
    plan = solve_verified(data)
    assert options_of(plan) == {"split": 4} and plan.objective == 4 * (120 + 10 * 2) / 2 + 1000
    assert plan.links.set_index("option").loc["split", "capex_usd"] == 280


def test_an_unusable_switch_model_does_not_orient_a_breakout() -> None:
    """The NICs have 800G cages; the leaf lists 'future' (announced for 2030, 800G cages, 10 USD) and
    'now' (400G cages). 'future' is not usable, so the splitter's fast end goes to the NICs (2 x 400G
    fill their 800G cage) and its slow ends fill the 400G cages of 'now': 4 x 60 + 1,000 = 1,240.
    With available_by 2030 'future' is usable and orients the splitter to the leaf, where its slow ends
    would have to fill the NICs' 800G cages: no option is left, an input error."""
    switches = [switch("future", 10, status="announced", year=2030, cage_gbps=800), switch("now", cage_gbps=400)]
    split = cable("split", 120, links_per_cable=2)
    data = instance([tx("n", 1000)], switches, cables=[split], nic={"cage_gbps": 800}, compat={})
    plan = solve_verified(data)
    assert options_of(plan) == {"split": 4} and plan.objective == 4 * 120 / 2 + 1000
    assert set(plan.nodes.model) == {"now"}
    with pytest.raises(InstanceError, match="fill: 1 x 400G does not fill the 800G cage of NIC group 'gpu'"):
        optimizer.load_instance({**data, "compatibility": {"available_by": 2030}})


def test_whole_modules_are_summed_over_the_link_groups_of_a_node_group() -> None:
    """One leaf, two spine groups with one 10 m link each (beyond the DAC's 3 m). A twin-port module
    (80 per end, switches only) at the leaf may serve both links, one half each, with a single module
    (100) at each spine: 2 x 180. A twin at a spine would be half a module there. The NICs take a 10 USD
    DAC each; three switches cost 3,000: 2 x 10 + 2 x (80 + 100) + 3,000 = 3,380 (whole modules per link
    group would give 2 x 200 and 3,420)."""
    data = instance(
        [tx("twin", 80, ends_per_module=2, fits=["switch"]), tx("single", 100)],
        [switch("s")],
        cables=[cable("dac", 10)],
        gpus=2,
        compat={},
    )
    for spine in ("spine-a", "spine-b"):
        data["nodes"].append({"id": spine, "kind": "switch", "count": 1, "models": ["s"]})
        data["links"].append(
            {"id": f"leaf-{spine}", "a": "leaf", "b": spine, "length_m": 10, "demand_gbps": 0, "count": 1}
        )
    plan = solve_verified(data)
    assert options_of(plan, "leaf-spine-a") == options_of(plan, "leaf-spine-b") == {"twin+single": 1}
    assert plan.objective == 2 * 10 + 2 * (80 + 100) + 3000
    assert plan.bom.set_index("item").loc["twin", "modules"] == 1


def test_a_sampling_part_without_year_is_not_admitted_by_available_by() -> None:
    """'undated' (sampling, no year, 100) is not admitted by available_by 2030, 'dated' (sampling 2027,
    200) is: 4 x 400 + 1,000 = 2,600. Opting in to the status admits 'undated': 4 x 200 + 1,000 = 1,800."""
    parts = [tx("undated", 100, status="sampling"), tx("dated", 200, status="sampling", year=2027), tx("ship", 1000)]
    by_year = solve_verified(instance(parts, [switch("s")], compat={"available_by": 2030}))
    assert options_of(by_year) == {"dated+dated": 4} and by_year.objective == 4 * 400 + 1000
    by_status = solve_verified(instance(parts, [switch("s")], compat={"status": ["shipping", "sampling"]}))
    assert options_of(by_status) == {"undated+undated": 4} and by_status.objective == 4 * 200 + 1000
    with pytest.raises(InstanceError, match="status sampling without a year, which available_by 2030"):
        optimizer.load_instance(
            instance([tx("undated", 100, status="sampling")], [switch("s")], compat={"available_by": 2030})
        )


def test_nic_model_status_is_a_rule_and_the_model_fills_ports_without_the_section() -> None:
    """A sampling NIC model (2027, 2 ports) under the rules is an input error unless opted in; with
    available_by 2027 two NICs x 2 ports carry the 4 links: 4 x 200 + 1,000 = 1,800. Without the section
    the model still gives ports (2) and max_port_gbps; its status is not read: the same 1,800."""
    nics = [{"id": "next", "ports": 2, "max_port_gbps": 400, "power_w": 20, "cost_usd": 1500, "source": SRC}]
    nics[0].update(status="sampling", year=2027)
    data = instance([tx("a", 100)], [switch("s")], nics=nics, nic={"model": "next", "count": 2})
    del data["nodes"][0]["max_port_gbps"]
    with pytest.raises(InstanceError, match="nodes\\[0\\].model: NIC model 'next' of NIC group 'gpu': availability"):
        optimizer.load_instance({**data, "compatibility": {}})
    opted = solve_verified({**data, "compatibility": {"available_by": 2027}})
    plain = solve_verified(data)
    assert opted.objective == plain.objective == 4 * 200 + 1000
    assert optimizer.load_instance(data).nodes[0].ports == 2


def test_instance_protocol_and_profile_protocol_must_agree() -> None:
    """A profile fixing InfiniBand with an instance protocol of Ethernet is an input error at
    compatibility.protocol; the same protocol twice is fine: 4 x 200 + 1,000 = 1,800."""
    profiles = [{"id": "ib", "protocol": "infiniband", "source": SRC}]
    data = instance([tx("a", 100)], [switch("s")], profiles=profiles)
    with pytest.raises(InstanceError) as info:
        optimizer.load_instance({**data, "compatibility": {"profile": "ib", "protocol": "ethernet"}})
    assert [(i.where, i.message) for i in info.value.issues] == [
        ("compatibility.protocol", "'ethernet' contradicts profile 'ib', which fixes 'infiniband'; give one of them")
    ]
    agreed = solve_verified({**data, "compatibility": {"profile": "ib", "protocol": "infiniband"}})
    assert agreed.objective == 4 * 200 + 1000


def test_inline_compatibility_only_part_is_no_candidate_without_the_section() -> None:
    """'cheap' (50) is marked compatibility_only in the inline catalogue: without the section 'ok' (100)
    is the only part, 4 x 200 + 1,000 = 1,800, and allowing 'cheap' warns that it has no effect; with
    the section 'cheap' is a candidate: 4 x 100 + 1,000 = 1,400."""
    data = instance([tx("cheap", 50, compatibility_only=True), tx("ok", 100)], [switch("s")])
    assert solve_verified(data).objective == 4 * 200 + 1000
    assert solve_verified({**data, "compatibility": {}}).objective == 4 * 100 + 1000
    allowing = copy.deepcopy(data)
    allowing["links"][0]["allowed"] = ["cheap", "ok"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer.load_instance(allowing)
    messages = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert messages == [
        "<mapping>: links[0].allowed[0]: 'cheap' is compatibility_only and the instance has no compatibility "
        "section: it is not an option, so allowing it has no effect"
    ]


def _two_networks(joining: dict[str, Any]) -> dict[str, Any]:
    """An InfiniBand pod (2 NICs, one leaf) and an Ethernet pod (2 NICs, one leaf); ``joining`` gives
    the fields of a link group between the two leaves."""
    data = instance([tx("a", 100)], [switch("ib", protocol="infiniband"), switch("eth", protocol="ethernet")], gpus=2)
    data["nodes"][0]["protocol"] = "infiniband"
    data["nodes"][1]["models"] = ["ib"]
    data["nodes"] += [
        {"id": "eth-gpu", "kind": "nic", "count": 2, "max_port_gbps": 400, "protocol": "ethernet"},
        {"id": "eth-leaf", "kind": "switch", "count": 1, "models": ["eth"]},
    ]
    data["links"] += [
        {"id": "eth-gpu-leaf", "a": "eth-gpu", "b": "eth-leaf", "length_m": 2, "demand_gbps": 0, "count": 2},
        {"id": "leaf-leaf", "a": "leaf", "b": "eth-leaf", "length_m": 2, **joining},
    ]
    data["compatibility"] = {}
    return data


def test_a_link_group_that_can_hold_no_link_joins_no_fabric() -> None:
    """Two pods joined only by a group of count 0 (or max_count 0) and demand 0 are two fabrics, one
    InfiniBand, one Ethernet: 2 x (2 x 200 + 1,000) = 2,800. A joining group that may hold links
    (demand 0 without a count, or count 1) makes them one fabric, which no protocol serves."""
    for empty in ({"demand_gbps": 0, "count": 0}, {"demand_gbps": 0, "max_count": 0}):
        plan = solve_verified(_two_networks(empty))
        assert plan.objective == 2 * (2 * 200 + 1000)
    for joined in ({"demand_gbps": 0}, {"demand_gbps": 0, "count": 1}):
        with pytest.raises(InstanceError, match="no protocol is spoken by all of them"):
            optimizer.load_instance(_two_networks(joined))


def test_default_gpus_counts_nics_not_ports() -> None:
    """2 NICs of 2 ports carry 4 links of part 'a' (fit 10^5 per module, one module per end: 8 units).
    Failures per year: 8 x 10^5 x 8,766 / 10^9 = 7.0128; each stops gpus = 2 GPUs (NICs, not the 4
    ports) for restart_h 0.25 h at 10 USD per GPU-hour over 5 years: 5 x 10 x 7.0128 x 2 x 0.25 = 175.32.
    No energy price, no spares: tco = 4 x 200 + 1,000 + 175.32 = 1,975.32."""
    data = instance([tx("a", 100)], [switch("s")], gpus=2, nic={"ports": 2})
    data["links"][0]["count"] = 4
    data["objective"] = "tco"
    data["economics"] = {"electricity_usd_per_kwh": 0, "years": 5}
    data["reliability"] = {"gpu_hour_usd": 10, "restart_h": 0.25, "spares_factor": 0}
    mode = {"id": "a.module", "item": "a", "mode": "module", "fit": 1e5, "repair": "module", "mttr_h": 0.5}
    data["catalog"]["reliability"] = [{**mode, "source": SRC}]
    plan = solve_verified(data)
    assert plan.reliability is not None and plan.reliability["gpus"] == 2
    assert plan.objective == pytest.approx(4 * 200 + 1000 + 5 * 10 * (8 * 1e5 * 8766 / 1e9) * 2 * 0.25, abs=1e-6)
