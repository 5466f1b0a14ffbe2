"""Compatibility rules: the protocol each fabric is reported to run, and infeasibility explained by a rule.

- ``fabrics`` in plan.json honours the protocol the instance (``compatibility.protocol``) or its profile
  fixes; the verifier re-derives it from the format doc and names a wrong report.
- A switch model left out by the fixed protocol is named with that protocol and where it comes from.
- An instance made infeasible by the whole-module rule (twin-port halves at a node group) or by the
  one-protocol-per-fabric rule is explained: the rule, the node group or fabric, and the change that fixes
  it; the instance changed so solves (optimum by hand), also through the command line (exit code 3).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import optimizer
from optimizer.cli import main
from optimizer.core.verify import check_plan
from optimizer.errors import InstanceError
from optimizer.studies.sweep import apply_overrides
from tests.helpers import ROOT, solve_verified
from tests.test_compat import cable, instance, switch, tx

REPORT = ROOT / "tests" / "data" / "extensions" / "compat-fabric-protocol-report.yaml"
OPTS = optimizer.SolveOptions(threads=1, mip_rel_gap=0.0, time_limit_s=60.0)
SRC = "test figures, round numbers"


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(REPORT.read_text(encoding="utf-8"))
    return doc


# 4 DACs x 100 + switch 10,000 = 10,400 USD; 4 x 1 + 500 = 504 W at 8.766 x 5 x 1.3 x 0.08 = 4.55832 USD/W
REPORT_TCO = 10_400 + 504 * 8.766 * 5 * 1.3 * 0.08


# ------------------------------------------------------------------------------ fabrics in the plan


def test_fabric_runs_the_protocol_the_instance_fixes() -> None:
    """Everything in the fabric speaks both protocols, but compatibility.protocol fixes infiniband."""
    plan = solve_verified(_doc())
    assert plan.objective == pytest.approx(REPORT_TCO, rel=1e-9)
    assert plan.to_dict()["fabrics"] == [{"nodes": ["gpu", "leaf"], "protocol": "infiniband"}]


def test_fabric_runs_the_protocol_the_profile_fixes() -> None:
    doc = _doc()
    doc["catalog"]["profiles"] = [{"id": "ib-vendor", "protocol": "infiniband", "source": SRC}]
    doc["compatibility"] = {"profile": "ib-vendor"}
    plan = solve_verified(doc)
    assert plan.objective == pytest.approx(REPORT_TCO, rel=1e-9)
    assert plan.to_dict()["fabrics"] == [{"nodes": ["gpu", "leaf"], "protocol": "infiniband"}]


def test_fabric_runs_both_when_nothing_restricts_it() -> None:
    doc = _doc()
    doc["compatibility"] = {}
    plan = solve_verified(doc)
    assert plan.to_dict()["fabrics"] == [{"nodes": ["gpu", "leaf"], "protocol": ["ethernet", "infiniband"]}]


@pytest.mark.parametrize(
    ("stated", "message"),
    [
        (["ethernet", "infiniband"], "states ['ethernet', 'infiniband'], the fabric runs 'infiniband'"),
        ("ethernet", "states 'ethernet', the fabric runs 'infiniband'"),
    ],
)
def test_verifier_names_a_wrong_protocol_report(stated: Any, message: str) -> None:
    inst = optimizer.load_instance(_doc())
    plan = optimizer.solve(inst, OPTS).to_dict()
    assert check_plan(inst, plan) == []
    wrong = copy.deepcopy(plan)
    wrong["fabrics"][0]["protocol"] = stated
    assert [(v.where, v.message) for v in check_plan(inst, wrong)] == [("fabrics.gpu.protocol", message)]


def test_verifier_wants_every_fabric_reported() -> None:
    inst = optimizer.load_instance(_doc())
    plan = optimizer.solve(inst, OPTS).to_dict()
    missing = {k: v for k, v in plan.items() if k != "fabrics"}
    assert [v.where for v in check_plan(inst, missing)] == ["fabrics"]
    other = copy.deepcopy(plan)
    other["fabrics"][0]["nodes"] = ["gpu"]
    assert {v.where for v in check_plan(inst, other)} == {"fabrics.gpu", "fabrics"}


# ------------------------------------------------------------------------- the fixed-protocol message


def _eth_instance(compat: dict[str, Any]) -> dict[str, Any]:
    """A leaf whose only model speaks InfiniBand, under a compatibility section fixing Ethernet."""
    profiles = [
        {"id": "eth-vendor", "protocol": "ethernet", "source": SRC},
        {"id": "ib-vendor", "protocol": "infiniband", "source": SRC},
    ]
    return instance([tx("a", 100)], [switch("ib", protocol="infiniband")], profiles=profiles, compat=compat)


@pytest.mark.parametrize(
    ("compat", "fixes"),
    [
        ({"protocol": "ethernet"}, "the instance fixes ethernet (compatibility.protocol)"),
        ({"profile": "eth-vendor"}, "the instance fixes ethernet (profile 'eth-vendor' protocol)"),
    ],
)
def test_model_left_out_by_the_fixed_protocol_names_it(compat: dict[str, Any], fixes: str) -> None:
    with pytest.raises(InstanceError) as err:
        optimizer.load_instance(_eth_instance(compat))
    assert f"ib (protocol: speaks infiniband, {fixes})" in str(err.value)


# ------------------------------------------------------------------ infeasible: whole modules


def _whole_module_case() -> dict[str, Any]:
    """3 NICs of one 400G port, one leaf whose only switch-side part is a twin-port module (2 ends per
    module): the exact count 3 and the demand 3 x 400 = 1,200 Gb/s need 3 twin halves at the leaf, and
    3 halves are not whole modules. The single-port switch module is excluded."""
    parts = [tx("single", 100, fits=["nic"]), tx("twin", 50, fits=["switch"], ends_per_module=2)]
    parts.append(tx("single-sw", 120, fits=["switch"]))
    data = instance(parts, [switch("s")], gpus=3, compat={})
    data["links"][0].update({"demand_gbps": 1200, "exclude": ["single-sw"]})
    return data


def test_whole_module_infeasibility_names_the_rule_the_node_group_and_the_fix() -> None:
    data = _whole_module_case()
    plan = optimizer.solve(optimizer.load_instance(data), OPTS)
    assert plan.status == "infeasible"
    [reason] = [r for r in plan.diagnostics if r.startswith("whole modules")]
    assert "node group 'leaf' takes 3 ends of 'twin' (2 per module or cable) in link group 'gpu-leaf'" in reason
    assert "add 1 link with 'twin' there" in reason
    assert "allow a part with one end per cage at 'leaf'" in reason
    # the least change: one more link (count 3 -> 4) and so one more NIC port (3 -> 4 NICs of 1 port)
    relax = {r.field: r.value for r in plan.relaxations}
    assert relax == {"links.gpu-leaf.count": 4, "nodes.gpu.count": 4}
    # fix 1, applied: 4 links of single + twin: 4 x (100 + 50) + one switch 1,000 = 1,600
    fixed = apply_overrides(data, relax, {})
    assert solve_verified(fixed).objective == pytest.approx(1600)
    # fix 2, another part: allow the single-port switch module: 2 twin halves + 1 single-sw
    # = 2 x (100 + 50) + (100 + 120) + 1,000 = 1,520
    other = copy.deepcopy(data)
    other["links"][0]["exclude"] = []
    assert solve_verified(other).objective == pytest.approx(1520)


def test_whole_modules_without_an_exact_count() -> None:
    """The demand alone needs 3 links through 3 NIC ports: the fix is one more NIC port."""
    data = _whole_module_case()
    del data["links"][0]["count"]
    plan = optimizer.solve(optimizer.load_instance(data), OPTS)
    assert plan.status == "infeasible"
    assert any("node group 'leaf' takes 3 ends of 'twin'" in r for r in plan.diagnostics)
    relax = {r.field: r.value for r in plan.relaxations}
    assert relax == {"nodes.gpu.count": 4}
    # 4 NICs: 4 links of single + twin (twin halves whole): 4 x 150 + 1,000 = 1,600
    assert solve_verified(apply_overrides(data, relax, {})).objective == pytest.approx(1600)


# ------------------------------------------------------------------ infeasible: one protocol per fabric


def _protocol_case() -> dict[str, Any]:
    """NICs, leaf and spine speak both protocols (one VPI model), but the NIC-leaf links (20 m, past the
    DAC's reach) can only use the InfiniBand-qualified module and the leaf-spine links only the
    Ethernet-qualified DAC (``allowed``); both groups carry demand."""
    data = instance(
        [tx("ib", 100, protocol="infiniband")],
        [switch("vpi")],
        cables=[cable("eth-dac", 10, protocol="ethernet")],
        spine=["vpi"],
        compat={},
    )
    data["links"][0].update({"length_m": 20, "demand_gbps": 1600})
    data["links"][1].update({"demand_gbps": 800, "allowed": ["eth-dac"]})
    return data


def test_protocol_conflict_names_the_rule_the_fabric_and_the_fix() -> None:
    data = _protocol_case()
    plan = optimizer.solve(optimizer.load_instance(data), OPTS)
    assert plan.status == "infeasible"
    assert plan.relaxations == []  # no limit to move
    [reason] = plan.diagnostics
    assert reason == (
        "one protocol per fabric: the fabric of node groups gpu, leaf, spine needs InfiniBand for 'ib' "
        "(link group 'gpu-leaf') and Ethernet for 'eth-dac' (link group 'leaf-spine'): qualify 'eth-dac' "
        "for infiniband too (protocol: [ethernet, infiniband]), or allow parts or models that speak "
        "InfiniBand in link group 'leaf-spine'"
    )
    # fix 1, another protocol: the DAC qualified for both: 4 x (100 + 100) + 2 x 10 + 2 switches x 1,000 = 2,820
    requalified = copy.deepcopy(data)
    requalified["catalog"]["cables"][0]["protocol"] = ["ethernet", "infiniband"]
    plan = solve_verified(requalified)
    assert plan.objective == pytest.approx(2820)
    assert plan.to_dict()["fabrics"][0]["protocol"] == "infiniband"
    # fix 2, another part: InfiniBand modules allowed between leaf and spine: 4 x 200 + 2 x 200 + 2,000 = 3,200
    allowed = copy.deepcopy(data)
    del allowed["links"][1]["allowed"]
    assert solve_verified(allowed).objective == pytest.approx(3200)


def test_protocol_conflict_with_a_switch_model() -> None:
    """The spine may be an InfiniBand-only or an Ethernet-only model; only the Ethernet one takes the
    Ethernet DAC. The NIC-leaf links need InfiniBand ('ib'), the leaf-spine links Ethernet ('eth-dac' and
    so 'eth-sp'): the InfiniBand side has fewer items, so the fix qualifies 'ib' for Ethernet. Applied:
    4 x (100 + 100) + 2 x 10 + leaf 1,000 + spine 'eth-sp' 900 = 2,720."""
    data = _protocol_case()
    data["catalog"]["switches"] += [
        switch("ib-sp", 1000, protocol="infiniband"),
        switch("eth-sp", 900, protocol="ethernet"),
    ]
    data["nodes"][2]["models"] = ["ib-sp", "eth-sp"]
    plan = optimizer.solve(optimizer.load_instance(data), OPTS)
    assert plan.status == "infeasible"
    [reason] = plan.diagnostics
    assert reason == (
        "one protocol per fabric: the fabric of node groups gpu, leaf, spine needs InfiniBand for 'ib' "
        "(link group 'gpu-leaf') and Ethernet for 'eth-dac' (link group 'leaf-spine'); 'eth-sp' (switch "
        "group 'spine'): qualify 'ib' for ethernet too (protocol: [ethernet, infiniband]), or allow parts "
        "or models that speak Ethernet in link group 'gpu-leaf'"
    )
    requalified = copy.deepcopy(data)
    requalified["catalog"]["transceivers"][0]["protocol"] = ["ethernet", "infiniband"]
    plan = solve_verified(requalified)
    assert plan.objective == pytest.approx(2720)
    assert plan.to_dict()["fabrics"][0]["protocol"] == "ethernet"


# ------------------------------------------------------------------ infeasible: one model per switch group


def _lane_case() -> dict[str, Any]:
    """The leaf may be a 100G-lane model (1,000) or a 200G-lane one (3,000); the NIC-leaf links can only
    use the 100G-lane module (the NICs have 100G lanes), the leaf-spine links only the 200G-lane one (the
    spine has 200G lanes); the gearbox (100G host lanes, 200G line lanes) is excluded."""
    parts = [tx("l100", 100, lane_gbps=100), tx("l200", 300, lane_gbps=200)]
    parts.append(tx("gb", 250, lane_gbps=100, line_lane_gbps=200, fits=["switch"]))
    switches = [
        switch("m100", 1000, lane_gbps=100),
        switch("m200", 3000, lane_gbps=200),
        switch("m-both", 2000, lane_gbps=[100, 200]),
        switch("s200", 1000, lane_gbps=200),
    ]
    data = instance(parts, switches, nic={"lane_gbps": 100}, models=["m100", "m200"], spine=["s200"], compat={})
    data["links"][0]["demand_gbps"] = 1600
    data["links"][1].update({"demand_gbps": 800, "exclude": ["gb"]})
    return data


def test_switch_group_conflict_names_the_group_the_models_and_the_fix() -> None:
    data = _lane_case()
    plan = optimizer.solve(optimizer.load_instance(data), OPTS)
    assert plan.status == "infeasible"
    assert plan.relaxations == []
    # without the rule the cheaper leaf model (m100) is chosen, so the leaf-spine ends are the wrong ones
    assert plan.diagnostics == [
        "one model per switch group: switch group 'leaf' runs one model, but link group 'gpu-leaf' uses "
        "'l100+l100', which only 'm100' takes; link group 'leaf-spine' uses 'l200+l200', which only 'm200' "
        "takes: allow a model of 'leaf' that takes them all, or parts that 'm100' takes in link group 'leaf-spine'"
    ]
    # fix 1, another model: 4 x (100 + 100) + 2 x (300 + 300) + m-both 2,000 + s200 1,000 = 5,000
    both_lanes = copy.deepcopy(data)
    both_lanes["nodes"][1]["models"] = ["m100", "m200", "m-both"]
    assert solve_verified(both_lanes).objective == pytest.approx(5000)
    # fix 2, another part: the gearbox at the leaf: 4 x 200 + 2 x (250 + 300) + m100 1,000 + s200 1,000 = 3,900
    geared = copy.deepcopy(data)
    geared["links"][1]["exclude"] = []
    assert solve_verified(geared).objective == pytest.approx(3900)


# ------------------------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    ("case", "phrase"),
    [
        (_whole_module_case, "whole modules: node group 'leaf' takes 3 ends of 'twin'"),
        (_protocol_case, "one protocol per fabric: the fabric of node groups gpu, leaf, spine"),
    ],
)
def test_cli_prints_the_explanation_and_exits_3(
    case: Any, phrase: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "infeasible.yaml"
    path.write_text(yaml.safe_dump(case()), encoding="utf-8")
    assert main(["solve", str(path), "--threads", "1"]) == 3  # exit code 3: infeasible
    printed = " ".join(capsys.readouterr().out.split())
    assert phrase in printed
    assert main(["solve", str(path), "--threads", "1", "--json"]) == 3
    assert any(phrase in r for r in json.loads(capsys.readouterr().out)["diagnostics"])
