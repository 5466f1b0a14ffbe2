"""SNDlib reader and conversion: counts on the shipped networks, optimal solves of abilene and polska.

The SNDlib files come from the subset shipped in ``instances/sndlib`` (see its README for source and
licence), or from ``$SNDLIB_DIR`` when it points at a full native-format archive; the two networks not
shipped (brain, pioro40) are checked only then.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import solve_verified

import optimizer
from optimizer.cli import main
from optimizer.sources.sndlib import (
    BUNDLED_DIR,
    data_dir,
    load_problem,
    parse_model,
    parse_network,
    problem_files,
    to_instance_dict,
)

FOLDER = data_dir()
assert FOLDER is not None, "the repository ships instances/sndlib"
NOT_SHIPPED = {"brain", "pioro40"}

# nodes, links, demands as tabulated by SNDlib (Orlowski et al. 2010, table of networks; independent of this reader)
COUNTS = {
    "abilene": (12, 15, 132),
    "atlanta": (15, 22, 210),
    "brain": (161, 332, 14311),
    "cost266": (37, 57, 1332),
    "dfn-bwin": (10, 45, 90),
    "dfn-gwin": (11, 47, 110),
    "di-yuan": (11, 42, 22),
    "france": (25, 45, 300),
    "geant": (22, 36, 462),
    "germany50": (50, 88, 662),
    "giul39": (39, 172, 1471),
    "india35": (35, 80, 595),
    "janos-us": (26, 84, 650),
    "janos-us-ca": (39, 122, 1482),
    "newyork": (16, 49, 240),
    "nobel-eu": (28, 41, 378),
    "nobel-germany": (17, 26, 121),
    "nobel-us": (14, 21, 91),
    "norway": (27, 51, 702),
    "pdh": (11, 34, 24),
    "pioro40": (40, 89, 780),
    "polska": (12, 18, 66),
    "sun": (27, 102, 67),
    "ta1": (24, 55, 396),
    "ta2": (65, 108, 1869),
    "zib54": (54, 81, 1501),
}


def modules_in_file(path: Path) -> int:
    """Module entries counted line by line: number pairs in the last parenthesised group of each link line."""
    text = path.read_text()
    section = text[text.index("LINKS (") : text.index("DEMANDS (")]
    total = 0
    for line in section.splitlines():
        line = line.split("#")[0]
        if line.count("(") >= 2:
            total += len(line[line.rindex("(") + 1 : line.rindex(")")].split()) // 2
    return total


def test_shipped_networks_present() -> None:
    shipped = sorted(p.name for p in BUNDLED_DIR.iterdir() if p.is_dir())
    assert shipped == sorted(set(COUNTS) - NOT_SHIPPED)


def test_shipped_files_match_their_checksums() -> None:
    import hashlib

    listed = dict(line.split()[::-1] for line in (BUNDLED_DIR / "SHA256SUMS").read_text().splitlines())
    present = sorted(str(p.relative_to(BUNDLED_DIR)) for p in BUNDLED_DIR.rglob("*.txt"))
    assert sorted(listed) == present
    for name, digest in listed.items():
        assert hashlib.sha256((BUNDLED_DIR / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("network", sorted(COUNTS))
def test_reader_counts(network: str) -> None:
    path = FOLDER / network / f"{network}.txt"
    if not path.exists() and network in NOT_SHIPPED:
        pytest.skip(f"{network} is not shipped: set SNDLIB_DIR to a full SNDlib archive to check it")
    net = parse_network(path)
    assert (len(net.nodes), len(net.links), len(net.demands)) == COUNTS[network]
    assert net.n_modules == modules_in_file(path)
    assert len(set(net.nodes)) == len(net.nodes)
    assert {link.source for link in net.links} | {link.target for link in net.links} <= set(net.nodes)


def test_admissible_paths_and_meta() -> None:
    polska = parse_network(FOLDER / "polska" / "polska.txt")
    assert sum(len(p) for p in polska.paths.values()) == 462
    assert polska.paths["Demand_0_1"][0] == ["Link_0_2", "Link_1_2"]
    geant = parse_network(FOLDER / "geant" / "geant.txt")
    assert geant.meta["unit"] == "MBITPERSEC"


@pytest.mark.parametrize("network", ["dfn-gwin", "ta2", "polska", "janos-us"])
def test_conversion_counts_and_constants(network: str) -> None:
    net = parse_network(FOLDER / network / f"{network}.txt")
    model_file = sorted((FOLDER / network / "models").glob("*-N-C-A-N-N.txt"))[0]
    inst = to_instance_dict(net, parse_model(model_file))
    assert len(inst["nodes"]) == len(net.nodes)
    assert len(inst["links"]) == len(net.links)
    assert len(inst["demands"]) == len(net.demands)
    assert sum(link.get("installed_cost_usd", 0) for link in inst["links"]) == pytest.approx(
        sum(link.pre_cost for link in net.links)
    )
    loaded = optimizer.load_instance(inst)
    assert sum(d.gbps for d in loaded.demands) == pytest.approx(sum(d.volume for d in net.demands))


def test_model_codes_match_file_names() -> None:
    for f in sorted((FOLDER / "polska" / "models").glob("*.txt")):
        assert parse_model(f).code == f.stem


def test_unsupported_variants_are_input_errors() -> None:
    with pytest.raises(optimizer.InstanceError) as info:
        load_problem(*problem_files("polska--D-B-M-N-I-A-N-N", FOLDER))
    assert "INTEGER" in str(info.value)


ABILENE_POLSKA = (
    [
        f"{net}--{f.stem}"
        for net in ("abilene", "polska")
        for f in sorted((FOLDER / net / "models").glob("*-N-C-A-N-N.txt"))
    ]
    if FOLDER
    else []
)


@pytest.mark.parametrize("problem", ABILENE_POLSKA)
def test_small_problems_solve_to_optimality_and_verify(problem: str) -> None:
    inst = load_problem(*problem_files(problem, FOLDER))
    plan = solve_verified(inst, mip_rel_gap=1e-6, warm_start=True)
    assert str(plan.status) == "optimal"
    assert plan.flows is not None and len(plan.flows) > 0


def test_cli_import_and_solve(tmp_path: Path) -> None:
    out = tmp_path / "abilene.yaml"
    net, mod = problem_files("abilene--U-U-M-N-C-A-N-N", FOLDER)
    assert main(["import", "sndlib", str(net), str(mod), "-o", str(out)]) == 0
    loaded = optimizer.load_instance(out)
    assert len(loaded.demands) == 132 and all(g.direction == "undirected" for g in loaded.links)
    plan_dir = tmp_path / "plan"
    assert (
        main(
            [
                "import",
                "sndlib",
                "--problem",
                "abilene--U-U-M-N-C-A-N-N",
                "--solve",
                "--threads",
                "1",
                "--out",
                str(plan_dir),
                "--json",
            ]
        )
        == 0
    )
    assert (plan_dir / "flows.csv").exists()
    assert main(["import", "sndlib", str(net)]) == 2  # usage error


def test_data_dir_env_and_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SNDLIB_DIR", raising=False)
    assert data_dir() == BUNDLED_DIR
    monkeypatch.setenv("SNDLIB_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    assert data_dir(BUNDLED_DIR) == BUNDLED_DIR  # --data-dir beats the environment
    monkeypatch.setenv("SNDLIB_DIR", str(tmp_path / "missing"))
    with pytest.raises(optimizer.InstanceError) as info:
        data_dir()
    assert str(tmp_path / "missing") in str(info.value) and "SNDLIB_DIR" in str(info.value)


def test_wrong_data_dir_is_an_input_error_naming_what_was_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SNDLIB_DIR", raising=False)
    args = ["import", "sndlib", "--problem", "polska--D-B-M-N-C-A-N-N", "-o", str(tmp_path / "p.yaml")]
    assert main([*args, "--data-dir", str(tmp_path / "nowhere")]) == 2
    assert f"{tmp_path / 'nowhere'}: --data-dir: SNDlib folder does not exist" in capsys.readouterr().err
    monkeypatch.setenv("SNDLIB_DIR", str(tmp_path / "nowhere"))
    assert main(args) == 2
    assert "SNDLIB_DIR: SNDlib folder does not exist" in capsys.readouterr().err
    monkeypatch.setenv("SNDLIB_DIR", str(tmp_path))  # a folder without that problem
    assert main(args) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "polska" / "polska.txt") in err and "D-B-M-N-C-A-N-N.txt" in err
    monkeypatch.delenv("SNDLIB_DIR")
    assert main(["import", "sndlib", "--problem", "polska", "-o", str(tmp_path / "p.yaml")]) == 2
    assert main(args) == 0 and (tmp_path / "p.yaml").exists()  # the shipped subset


def test_json_output(tmp_path: Path) -> None:
    out = tmp_path / "polska.json"
    assert main(["import", "sndlib", "--problem", "polska--D-B-M-N-C-A-N-N", "-o", str(out)]) == 0
    import json

    assert json.loads(out.read_text())["schema_version"] == 1
    assert optimizer.load_instance(out).name


def test_header_and_comments_tolerated(tmp_path: Path) -> None:
    text = (
        "?SNDlib native format; type: network; version: 1.0\n# c\nNODES (\n a ( 0 0 )\n b ( 1 1 )\n)\n"
        "LINKS (\n l1 ( a b ) 0.00 0.00 0.00 0.00 ( 10.00 3.00 ) # comment\n)\n"
        "DEMANDS (\n d1 ( a b ) 1 7.00 UNLIMITED\n)\nADMISSIBLE_PATHS ( )"
    )
    f = tmp_path / "n.txt"
    f.write_text(text)
    net = parse_network(f)
    assert net.nodes == ["a", "b"] and net.links[0].modules == [(10.0, 3.0)]
    assert net.demands[0].volume == 7.0 and net.demands[0].max_path_length is None
    assert re.match(r"n", net.name)


@pytest.mark.slow
def test_atlanta_sum_convention_reproduces_raack_optimum() -> None:
    """Charging routing cost on both directions (Raack's MIPs) reproduces his proven optimum 46,244,642.4.

    The planner's own convention is SNDlib's (cost x the larger direction, 37,120,715.4 for this problem);
    here the objective is rebuilt with the sum to compare with the published value.
    """
    import pyomo.environ as pyo

    from optimizer.core.data import build_data
    from optimizer.core.model import build_model
    from optimizer.core.model.linear import linear
    from optimizer.core.solve import SolveOptions, solve_model

    inst = load_problem(*problem_files("atlanta--D-B-M-N-C-A-N-N", FOLDER))
    d = build_data(inst)
    m = build_model(d)
    r = d.routing
    col, _ = d.objective_coefficients()
    terms = [(c, m.n[i]) for i, c in enumerate(col) if c]
    x_index = [(c, a) for c, com in enumerate(r.commodities) for a in range(len(r.arcs)) if r.arcs[a][2] != com.source]
    for k, (_c, a) in enumerate(x_index):
        cost = r.groups[r.arcs[a][0]].routing_cost_usd_per_gbps
        if cost:
            terms.append((cost, m.route_x[k]))
    m.del_component("objective")
    m.add_component("objective", pyo.Objective(expr=linear(terms) + m.extra_objective_constant))
    report = solve_model(m, SolveOptions(time_limit_s=300, threads=1, mip_rel_gap=1e-6))
    assert str(report.status) == "optimal"
    assert report.objective == pytest.approx(46244642.4, rel=1e-6)


# ------------------------------------------------------------------------------ array build and cut loop
def _separated_rows_hold_at_a_plan(problem: str) -> int:
    """Separate at the root of one build; solve another build (no separated rows); every separated row must
    hold at its plan (valid rows hold at every integer plan, optimal or not). Returns the number of rows."""
    import numpy as np

    from optimizer.core.data import build_data
    from optimizer.core.model import build_arrays
    from optimizer.core.model.linear import column_values, record
    from optimizer.core.routed import separate_cutsets
    from optimizer.core.solve import SolveOptions, solve_model

    d = build_data(load_problem(*problem_files(problem, FOLDER)))
    options = SolveOptions(threads=1, time_limit_s=60, mip_rel_gap=1e-3)
    cut_model = build_arrays(d)
    sep = separate_cutsets(cut_model, d, options)
    assert sep is not None and sep.cuts > 0 and sep.lp_after > sep.lp_before
    block = next(b for b in record(cut_model).blocks if b.component == "routing_cutset_separated")
    plain = build_arrays(d)
    assert solve_model(plain, options).status.has_solution
    x = column_values(plain)
    starts = np.concatenate(([0], np.cumsum(block.lengths)))
    activity = np.add.reduceat(block.values * x[block.indices], starts[:-1])
    assert np.all(activity >= block.lower - 1e-6 * np.maximum(1.0, block.lower)), problem
    return len(block.lower)


@pytest.mark.parametrize("problem", ["abilene--D-B-M-N-C-A-N-N", "abilene--U-U-M-N-C-A-N-N"])
def test_separated_cut_set_rows_cut_off_no_plan(problem: str) -> None:
    assert _separated_rows_hold_at_a_plan(problem) > 0


@pytest.mark.slow
@pytest.mark.parametrize("problem", ["polska--D-B-M-N-C-A-N-N", "polska--U-U-M-N-C-A-N-N", "atlanta--D-B-M-N-C-A-N-N"])
def test_separated_cut_set_rows_cut_off_no_plan_of_larger_networks(problem: str) -> None:
    assert _separated_rows_hold_at_a_plan(problem) > 0


def test_routed_solve_imports_no_pyomo() -> None:
    """A plain solve of routed demands is built as arrays: Pyomo is never imported."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from optimizer.core.pipeline import solve\n"
        "from optimizer.core.solve import SolveOptions\n"
        "from optimizer.sources.sndlib import data_dir, load_problem, problem_files\n"
        "inst = load_problem(*problem_files('abilene--D-B-M-N-C-A-N-N', data_dir()))\n"
        "plan = solve(inst, SolveOptions(threads=1))\n"
        "print(plan.status, plan.objective, plan.solver['interface'], plan.solver['cuts_separated'] > 0,\n"
        "      sorted(k for k in sys.modules if k.split('.')[0] == 'pyomo'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["optimal", "114606.0", "arrays", "True", "[]"]


@pytest.mark.parametrize("problem", ["polska--D-B-M-N-C-A-N-N", "abilene--U-U-M-N-C-A-N-N"])
def test_rounding_start_on_arrays_equals_the_pyomo_one(problem: str) -> None:
    """The LP-rounding start reads and writes value arrays: the same start on both builds."""
    import numpy as np

    from optimizer.core.data import build_data
    from optimizer.core.model import build_arrays, build_model
    from optimizer.core.model.linear import column_values
    from optimizer.core.routed import objective_value, rounding_start
    from optimizer.core.solve import SolveOptions

    d = build_data(load_problem(*problem_files(problem, FOLDER)))
    options = SolveOptions(threads=1, time_limit_s=60)
    array_model, pyomo_model = build_arrays(d), build_model(d)
    assert rounding_start(array_model, d, options) and rounding_start(pyomo_model, d, options)
    np.testing.assert_allclose(column_values(array_model), column_values(pyomo_model), rtol=1e-9, atol=1e-9)
    assert objective_value(array_model) == pytest.approx(objective_value(pyomo_model), rel=1e-12)
