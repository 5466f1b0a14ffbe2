"""Bad input files: every problem reported at once, each as ``file: where: message``; exit code 2.

The requirement (format v1, sections 1 and 4): a user's file that is wrong gets every problem at once,
each naming the field (``where``) and the offending value, exit code 2, never a traceback; YAML is
loaded safely (no object construction).

``TABLE`` lists every file in ``tests/data/bad/`` (except the two ``ok_*`` files, which are valid and
tested on their own) with the exact set of ``where`` values expected and, for each, fragments the
message must contain. Each file has a comment at its top naming its defect(s).

Cases marked ``xfail(strict=True)`` describe what the requirement demands where the package does not
(yet) do it; the reason names the bug. When a bug is fixed the case XPASSes and fails: remove the mark.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import tiny_instance

from optimizer import InstanceError, load_instance
from optimizer.cli import main

DATA = Path(__file__).resolve().parent / "data" / "bad"

Expected = list[tuple[str, tuple[str, ...]]]


def _xfail(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=reason)


def case(filename: str, expected: Expected, *marks: pytest.MarkDecorator) -> object:
    return pytest.param(filename, expected, id=filename, marks=marks)


# (file, [(where, (message fragments...)), ...]): the exact set of `where` values, one issue each.
TABLE = [
    # ------------------------------------------------------------------ references and duplicates
    case("unknown_node_in_link.yaml", [("links[0].b", ("unknown node 'leaf2'", "known: gpu, leaf"))]),
    case("duplicate_link_id.yaml", [("links[1].id", ("duplicate id 'gpu-leaf'", "links[0]"))]),
    case("duplicate_node_id.yaml", [("nodes[2].id", ("duplicate id 'gpu'", "nodes[0]"))]),
    # ------------------------------------------------------------------ per-field problems
    case("missing_length.yaml", [("links[0].length_m", ("missing required field",))]),
    case("wrong_type_length.yaml", [("links[0].length_m", ("expected a number", "'ten'"))]),
    case(
        "number_as_string.yaml",  # the JSON Schema says number: a string that reads as one is refused too
        [
            ("links[0].demand_gbps", ("expected a number, got '48900 '", "drop the quotes or the !!str tag")),
            ("links[0].length_m", ("expected a number, got '10'", "not a number")),
            ("nodes[0].count", ("expected a number, got '8'",)),
        ],
    ),
    case("zero_length.yaml", [("links[0].length_m", ("greater than 0", "got 0"))]),
    case("negative_nic_count.yaml", [("nodes[0].count", ("greater than 0", "got -1"))]),
    case("zero_max_port_gbps.yaml", [("nodes[0].max_port_gbps", ("greater than 0", "got 0"))]),
    case("negative_demand.yaml", [("links[0].demand_gbps", ("greater than or equal to 0", "got -100"))]),
    case(
        "typo_field.yaml",
        [
            ("links[0]", ("unknown field 'lenght_m'", "did you mean 'length_m'")),
            ("links[0].length_m", ("missing required field",)),
        ],
    ),
    case(
        "unknown_top_level_field.yaml",
        [
            ("(top level)", ("unknown field 'objectve'", "did you mean 'objective'")),
        ],
    ),
    case(
        "typo_node_fields.yaml",
        [
            ("nodes[0]", ("unknown field 'port'", "did you mean 'ports'")),
            ("nodes[1]", ("unknown field 'model'", "did you mean 'models'")),
            ("nodes[1].models", ("missing required field",)),
        ],
    ),
    case("nic_count_range.yaml", [("nodes[0].count", ("got {'min': 1, 'max': 8}",))]),
    case("switch_count_max_below_min.yaml", [("nodes[1].count", ("below min",))]),
    case("unknown_node_kind.yaml", [("nodes[0].kind", ("got 'nix'",))]),
    case("schema_version_2.yaml", [("schema_version", ("should be 1", "got 2"))]),
    case("empty_file.yaml", [("(top level)", ("empty",))]),
    case("top_level_list.yaml", [("(top level)", ("expected a mapping", "list"))]),
    # ------------------------------------------------------------------ catalogue
    case("unknown_switch_model.yaml", [("nodes[1].models[0]", ("unknown switch model 'sw65'", "sw64"))]),
    case(
        "unknown_allowed_and_excluded.yaml",
        [
            ("links[0].allowed[1]", ("unknown catalogue id 'sr-801'",)),
            ("links[0].exclude[0]", ("unknown catalogue id 'aoc-801'",)),
        ],
    ),
    case("unknown_supply.yaml", [("limits.supply.cpo-dr-801", ("unknown catalogue id 'cpo-dr-801'",))]),
    case(
        "catalog_duplicate_id.yaml",
        [
            ("catalog.cables[2].id", ("duplicate catalogue id 'sr-400'", "transceivers[0]")),
        ],
    ),
    case("unknown_media.yaml", [("catalog.transceivers[0].media", ("unknown media 'omf'", "mmf, smf"))]),
    case(
        "catalog_entry_typo.yaml",
        [
            ("catalog.transceivers[0]", ("unknown field 'reach'", "did you mean 'reach_m'")),
            ("catalog.transceivers[0].reach_m", ("missing required field",)),
        ],
    ),
    case("catalog_file_missing.yaml", [("catalog", ("no-such-catalog.yaml", "no such file"))]),
    case("extends_unknown_media.yaml", [("catalog.transceivers[0].media", ("unknown media 'omf'", "smf-dr"))]),
    # ------------------------------------------------------------------ compatibility rules
    case(
        "compat_nic_model_not_available.yaml",
        [("nodes[0].model", ("NIC model 'nic-next' of NIC group 'gpu'", "availability: status sampling"))],
    ),
    case(
        "compat_protocol_contradicts_profile.yaml",
        [("compatibility.protocol", ("'ethernet' contradicts profile 'ib-vendor'", "fixes 'infiniband'"))],
    ),
    case(
        "switch_twin_not_pluggable.yaml",
        [
            ("catalog.switches[0].twin", ("'my-cpo'", "twin 'th5-cpo' is a CPO switch")),
            ("catalog.switches[1].twin", ("'my-cpo-2'", "twin 'th9' is not another switch")),
        ],
    ),
    # ------------------------------------------------------------------ paths and bandwidth
    case(
        "path_step_not_joined.yaml",
        [
            ("paths[0].via[1]", ("'leaf' -> 'spine'", "no link group joins")),
        ],
    ),
    case(
        "path_step_ambiguous.yaml",
        [
            (
                "paths[0].via[0]",
                ("'gpu' -> 'leaf'", "several link groups", "gpu-leaf-a, gpu-leaf-b", "paths[0].links[0]"),
            ),
            (
                "paths[0].via[1]",
                ("'leaf' -> 'gpu'", "several link groups", "gpu-leaf-a, gpu-leaf-b", "paths[0].links[1]"),
            ),
        ],
    ),
    case("path_links_wrong_length.yaml", [("paths[0].links", ("has 1 entries", "len(via) - 1 = 2"))]),
    case("bandwidth_unknown_group.yaml", [("bandwidth[0].links[1]", ("unknown link group 'gpu-spine'",))]),
    # ------------------------------------------------------------------ no option survives
    case(
        "no_option_reach.yaml",
        [
            (
                "links[0]",
                ("'gpu-leaf'", "no option survives", "8 candidates", "reach_m below length_m 5000: 8 removed"),
            ),
        ],
    ),
    case(
        "no_option_filters.yaml",
        [
            (
                "links[0]",
                (
                    "'gpu-leaf'",
                    "no option survives",
                    "8 candidates",
                    "reach_m below length_m 100: 4 removed",
                    "end form 'pluggable' not taken by NIC group 'gpu' (forms: cable): 2 removed",
                    "end form 'cpo' not taken by NIC group 'gpu' (forms: cable): 2 removed",
                ),
            ),
        ],
    ),
    # ------------------------------------------------------------------ YAML / JSON level
    case("yaml_syntax_error.yaml", [("line 7, column 52", ("invalid YAML",))]),
    case(
        "yaml_object_construction.yaml",
        [
            ("line 3, column 7", ("invalid YAML", "could not determine a constructor", "python/object/apply")),
        ],
    ),
    case("invalid_json.json", [("line 3, column 10", ("invalid JSON", "delimiter"))]),
    # ------------------------------------------------------------------ several defects at once
    case(
        "several_schema_defects.yaml",
        [
            ("links[0].length_m", ("'ten'",)),
            ("links[1]", ("unknown field 'uniformm'", "did you mean 'uniform'")),
            ("links[1].demand_gbps", ("got -1",)),
            ("nodes[0].count", ("got 0",)),
            ("nodes[1].count", ("max",)),
            ("paths[0].max_latency_ns", ("missing required field",)),
        ],
    ),
    case(
        "several_semantic_defects.yaml",
        [
            ("bandwidth[0].links[1]", ("unknown link group 'nope'",)),
            ("limits.supply.sr-801", ("unknown catalogue id 'sr-801'",)),
            ("links[0].b", ("unknown node 'lief'",)),
            ("links[1].exclude[0]", ("unknown catalogue id 'aoc-801'",)),
            ("links[1].id", ("duplicate id 'gpu-leaf'",)),
            ("nodes[1].models[1]", ("unknown switch model 'sw65'",)),
            ("nodes[2].id", ("duplicate id 'leaf'",)),
            ("paths[0].via[1]", ("unknown node 'spine'",)),
        ],
    ),
    case(
        "mixed_schema_and_semantic_defects.yaml",
        [
            ("links[0].length_m", ("'ten'",)),
            ("links[1].b", ("unknown node 'lief'",)),
        ],
    ),
    case(
        "mixed_catalog_and_instance_defects.yaml",
        [
            ("catalog.transceivers[0].media", ("unknown media 'omf'",)),
            ("links[0].b", ("unknown node 'lief'",)),
        ],
    ),
]

OK_FILES = {"ok_max_capex_5e7.yaml", "ok_extends_builtin_media.yaml"}
BAD_FILES = sorted(p.name for p in DATA.iterdir() if p.is_file() and p.name not in OK_FILES)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SUMMARY = re.compile(r"^\d+ problems? found$")


def _issues(path: str) -> list:
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    return info.value.issues


def test_table_covers_every_bad_file() -> None:
    # yaml_duplicate_key.yaml has its own test below (where the issue belongs is open)
    tabled = sorted(
        [p.values[0] for p in TABLE]  # type: ignore[attr-defined]
        + ["yaml_duplicate_key.yaml"]
    )
    assert tabled == BAD_FILES


@pytest.mark.parametrize(("filename", "expected"), TABLE)
def test_bad_file_reports_exact_problems(filename: str, expected: Expected) -> None:
    path = str(DATA / filename)
    issues = _issues(path)
    got = {i.where: i.message for i in issues}
    assert sorted(got) == sorted(where for where, _ in expected), "\n".join(map(str, issues))
    assert len(issues) == len(expected), "\n".join(map(str, issues))  # one issue per place
    for where, fragments in expected:
        for fragment in fragments:
            assert fragment in got[where], f"{where}: {got[where]!r} lacks {fragment!r}"
    for issue in issues:
        assert issue.file == path
        assert str(issue).startswith(path + ": ")
        assert str(issue) == f"{path}: {issue.where}: {issue.message}"
        assert "Traceback" not in issue.message


def test_several_schema_defects_all_reported() -> None:
    assert len(_issues(str(DATA / "several_schema_defects.yaml"))) == 6


def test_several_semantic_defects_all_reported() -> None:
    assert len(_issues(str(DATA / "several_semantic_defects.yaml"))) == 8


def test_mixed_stage_defects_all_reported() -> None:
    assert len(_issues(str(DATA / "mixed_schema_and_semantic_defects.yaml"))) == 2


# ------------------------------------------------------------------ safe YAML
def test_object_construction_file_is_invalid_yaml_not_executed(capfd: pytest.CaptureFixture[str]) -> None:
    issues = _issues(str(DATA / "yaml_object_construction.yaml"))
    assert [i.where for i in issues] == ["line 3, column 7"]
    out, err = capfd.readouterr()
    assert "hacked" not in out + err


@pytest.mark.parametrize(
    "tag", ["!!python/object/apply:os.system", "!!python/object/new:os.system", "!!python/object/apply:subprocess.call"]
)
def test_object_construction_never_runs(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "evil.yaml"
    arg = f'["touch {marker}"]' if "subprocess" not in tag else f'[["touch", "{marker}"]]'
    path.write_text(f"schema_version: 1\nname: {tag} {arg}\nnodes: []\nlinks: []\n", encoding="utf-8")
    issues = _issues(str(path))
    assert [i.where for i in issues] == ["line 2, column 7"]
    assert "invalid YAML" in issues[0].message
    assert not marker.exists()


def test_yaml_duplicate_key_reported() -> None:
    path = str(DATA / "yaml_duplicate_key.yaml")
    issues = _issues(path)
    dup = [i for i in issues if "duplicate" in i.message and "length_m" in i.message]
    assert len(dup) == 1
    assert dup[0].where == "links[0].length_m" or dup[0].where.startswith("line 29")


# ------------------------------------------------------------------ valid files beside the bad ones
def test_5e7_is_accepted_as_a_float() -> None:
    instance = load_instance(str(DATA / "ok_max_capex_5e7.yaml"))
    assert isinstance(instance.limits.max_capex_usd, float)
    assert instance.limits.max_capex_usd == 5e7
    assert instance.limits.max_power_w == 2e6


def test_extends_builtin_may_use_builtin_media() -> None:
    instance = load_instance(str(DATA / "ok_extends_builtin_media.yaml"))
    assert "my-dr-800" in {t.id for t in instance.resolved_catalog.transceivers}


# ------------------------------------------------------------------ command line
def _stderr_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return ANSI.sub("", capsys.readouterr().err).splitlines()


@pytest.mark.parametrize("filename", BAD_FILES)
def test_cli_validate_exits_2_without_traceback(filename: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DATA / filename)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert "internal error" not in captured.err


CLI_FILES = [
    pytest.param("several_semantic_defects.yaml", id="several_semantic_defects"),
    pytest.param("typo_field.yaml", id="typo_field"),
    pytest.param("yaml_syntax_error.yaml", id="yaml_syntax_error"),
    pytest.param("no_option_filters.yaml", id="no_option_filters"),
]


@pytest.mark.parametrize("filename", CLI_FILES)
def test_cli_prints_one_line_per_issue(
    filename: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(DATA)  # short relative paths: the lines must not depend on the checkout folder
    issues = _issues(filename)
    for command in (["validate", filename], ["solve", filename]):
        assert main(command) == 2, command
        lines = _stderr_lines(capsys)
        assert not any("Traceback" in line for line in lines)
        issue_lines = [line for line in lines if not SUMMARY.match(line)]
        assert issue_lines == [str(i) for i in issues], command
        assert all(line.startswith(filename + ": ") for line in issue_lines)


def test_cli_object_construction_not_executed(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DATA / "yaml_object_construction.yaml")]) == 2
    out, err = capfd.readouterr()
    assert "hacked" not in out
    assert "invalid YAML" in err


def test_cli_accepts_5e7(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DATA / "ok_max_capex_5e7.yaml")]) == 0
    assert "valid" in capsys.readouterr().out


def test_cli_lists_the_first_problems_of_each_kind_and_counts_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """10,000 links with a word as length and every other one with a negative demand: 15,000 problems of two
    kinds. The CLI lists the first 20 of each kind and counts the rest in the ``file: where: message`` form;
    the library's InstanceError keeps all 15,000."""
    doc = tiny_instance()
    doc["links"] = [
        {**doc["links"][0], "id": f"l{i}", "length_m": f"w{i}", "demand_gbps": -1 if i % 2 else 100}
        for i in range(10_000)
    ]
    path = tmp_path / "many.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InstanceError) as err:
        load_instance(path)
    assert len(err.value.issues) == 10_000 + 5_000
    assert main(["validate", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 20 + 20 + 2 + 1  # listed, the two "and N more" lines, the summary
    assert lines[0] == f"{path}: links[0].length_m: expected a number, got 'w0'"
    assert f"{path}: links[19].length_m: expected a number, got 'w19'" in lines  # 20 of each kind, in file order
    assert f"{path}: links[20].length_m: expected a number, got 'w20'" not in lines
    assert f"{path}: links[39].demand_gbps: Input should be greater than or equal to 0, got -1" in lines
    assert not [ln for ln in lines if "links[41].demand_gbps" in ln]
    assert f"{path}: links[*].length_m: ... and 9,980 more problems of this kind" in "\n".join(lines)
    assert f"{path}: links[*].demand_gbps: ... and 4,980 more problems of this kind" in "\n".join(lines)
    assert lines[-1] == "15000 problems found"
