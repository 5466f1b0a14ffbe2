"""Hostile or broken input gets a clean answer: ``file: where: message``, exit code 2, within seconds.

Covers the reader's bounds (alias bombs, nesting depth, NUL bytes, encodings, unhashable keys, huge
integers), the numeric bounds of the schema, ``catalog:`` files (devices, FIFOs, huge files, absolute
paths, ``..`` escapes, symbolic links, never echoing the file's content), and media ids in
``allowed``/``exclude`` (accepted with a warning).
"""

from __future__ import annotations

import json
import os
import re
import time
import warnings
from pathlib import Path

import pytest

from optimizer import InstanceError, load_instance
from optimizer.cli import main
from optimizer.core.io import MAX_ALIAS_NODES, MAX_DEPTH, read_document
from optimizer.errors import InputWarning

ROOT = Path(__file__).resolve().parents[1]
TINY = (ROOT / "instances" / "tiny.yaml").read_text(encoding="utf-8")
ISSUE_LINE = re.compile(r"^[^:\n]+: [^\n]+?: [^\n]+$")


def _validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    start = time.perf_counter()
    code = main(["validate", str(path)])
    assert time.perf_counter() - start < 10
    err = capsys.readouterr().err.splitlines()
    return code, err


def _assert_clean_input_error(code: int, err: list[str], *fragments: str) -> None:
    assert code == 2, err
    assert err and re.fullmatch(r"\d+ problems? found", err[-1]), err
    for line in err[:-1]:
        assert ISSUE_LINE.match(line), line
    text = "\n".join(err)
    assert "Traceback" not in text and "internal error" not in text
    for fragment in fragments:
        assert fragment in text, text


def _billion_laughs(levels: int = 9) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for k in range(1, levels):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_before_building_objects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(TINY + "\n" + _billion_laughs(), encoding="utf-8")  # 9^9 nodes once expanded
    code, err = _validate(bomb, capsys)
    _assert_clean_input_error(code, err, "aliases expand the document", f"{MAX_ALIAS_NODES:,}")


def test_modest_aliases_and_merge_keys_still_work(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yaml"
    path.write_text(
        TINY.replace("economics: {", "economics: &econ {")
        + "weights: {<<: {capex_usd: 1.0}, power_w: 0}\nx-copy: *econ\n",
        encoding="utf-8",
    )
    data, issues = read_document(path)
    assert not issues
    assert data["weights"] == {"capex_usd": 1.0, "power_w": 0} and data["x-copy"] == data["economics"]


@pytest.mark.parametrize(
    "name, text",
    [
        ("deep_flow.yaml", "schema_version: 1\nx: " + "[" * 5000 + "]" * 5000 + "\n"),
        ("deep_map.yaml", "schema_version: 1\nx: " + "{a: " * 200 + "1" + "}" * 200 + "\n"),
        ("deep.json", '{"schema_version": 1, "x": ' + "[" * 100000 + "]" * 100000 + "}"),
        ("deep_map.json", '{"schema_version": 1, "x": ' + '{"a": ' * 200 + "1" + "}" * 200 + "}"),
    ],
)
def test_deep_nesting_is_an_input_error(
    name: str, text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, err = _validate(path, capsys)
    _assert_clean_input_error(code, err, "nest")


def test_nesting_limit_is_far_above_what_the_format_needs() -> None:
    assert MAX_DEPTH >= 16


def test_deep_mapping_from_the_library_is_an_input_error() -> None:
    data: dict = {"schema_version": 1}
    node = data
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(InstanceError, match="nested too deeply"):
        load_instance(data)
    looped: dict = {"schema_version": 1}
    looped["self"] = looped
    with pytest.raises(InstanceError, match="contains itself"):
        load_instance(looped)


@pytest.mark.parametrize(
    "name, data, fragment",
    [
        ("unhashable_key.yaml", TINY + "? [a, b]\n: 1\n", "a list or mapping used as a key"),
        ("unhashable_flow.yaml", TINY + "{[a]: 1}: 2\n", "a list or mapping used as a key"),
        ("nul.yaml", TINY.replace("name: tiny", "name: ti\x00ny"), "NUL byte"),
        ("control.yaml", TINY.replace("name: tiny", "name: ti\x07ny"), "invalid YAML"),
        ("latin1.yaml", TINY.replace("name: tiny", "name: t\xe9ny").encode("latin-1"), "not UTF-8"),
        ("huge_int.yaml", TINY.replace("count: 8,", "count: " + "9" * 5000 + ","), "digits"),
        ("huge_int.json", '{"schema_version": 1, "name": ' + "9" * 5000 + "}", "digits"),
        ("recursive.yaml", TINY + "loop: &l [1, *l]\n", "recursive alias"),
        ("binary_tag.yaml", TINY.replace("name: tiny", "name: !!binary aGVsbG8="), "name"),
        ("python_tag.yaml", TINY.replace("name: tiny", "name: !!python/object:os.system [ls]"), "invalid YAML"),
    ],
)
def test_malformed_files(
    name: str, data: str | bytes, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    code, err = _validate(path, capsys)
    _assert_clean_input_error(code, err, fragment)


@pytest.mark.parametrize(
    "old, new, where, fragment",
    [
        ("count: 8,", "count: 1e18,", "nodes[0].count", "at most 1,000,000,000"),
        ("count: 8,", "count: 100000000000000000000000,", "nodes[0].count", "at most 1,000,000,000"),
        ("demand_gbps: 6400", "demand_gbps: 1e300", "links[0].demand_gbps", "at most 1e+12"),
        ("length_m: 10", "length_m: 1e-300", "links[0].length_m", "at least 1e-06"),
        ("years: 5}", "years: 1e308}", "economics.years", "at most"),
        ("pue: 1.3,", "pue: 1e300,", "economics.pue", "at most"),
        ("electricity_usd_per_kwh: 0.08", "electricity_usd_per_kwh: 5000", "economics.electricity_usd_per_kwh", "1000"),
        ("objective: tco", "objective: tco\nweights: {power_w: 1e308}", "weights.power_w", "at most"),
        ("power_w: 500,", "power_w: .inf,", "catalog.switches[0].power_w", "finite"),
        ("cost_usd: 900,", "cost_usd: 2e12,", "catalog.transceivers[1].cost_usd", "at most 1e+12"),
    ],
)
def test_numbers_are_bounded(
    old: str, new: str, where: str, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert old in TINY
    path = tmp_path / "bounded.yaml"
    path.write_text(TINY.replace(old, new, 1), encoding="utf-8")
    code, err = _validate(path, capsys)
    _assert_clean_input_error(code, err, fragment)
    assert any(f": {where}: " in line for line in err), err


def test_largest_accepted_numbers_solve_or_report_a_clean_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Figures at the bounds pass validation; solve then ends with a documented exit code, no traceback."""
    text = TINY.replace("demand_gbps: 6400", "demand_gbps: 1e12").replace("count: 8,", "count: 1000000000,")
    path = tmp_path / "edge.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    code = main(["solve", str(path), "--time-limit", "5", "--threads", "1", "-q"])
    out = capsys.readouterr()
    assert code in (0, 3, 4), out.err
    assert "Traceback" not in out.err and "internal error" not in out.err


# ----------------------------------------------------------------------------------- catalogue files
def _with_catalog(tmp_path: Path, spec: str) -> Path:
    instance = tmp_path / "inst" / "instance.yaml"
    instance.parent.mkdir(exist_ok=True)
    start = TINY.index("catalog:\n")
    end = TINY.index("nodes:\n")
    instance.write_text(TINY[:start] + f"catalog: {json.dumps(spec)}\n" + TINY[end:], encoding="utf-8")
    return instance


def _catalog_text() -> str:
    start = TINY.index("catalog:\n") + len("catalog:\n")
    end = TINY.index("nodes:\n")
    return "\n".join(line[2:] for line in TINY[start:end].splitlines()) + "\n"


def test_catalog_file_beside_the_instance_is_read(tmp_path: Path) -> None:
    instance = _with_catalog(tmp_path, "parts/catalog.yaml")
    (instance.parent / "parts").mkdir()
    (instance.parent / "parts" / "catalog.yaml").write_text(_catalog_text(), encoding="utf-8")
    assert load_instance(instance).resolved_catalog.switches[0].id == "sw64"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("device", ["zero", "urandom"])
def test_catalog_device_is_refused_at_once(device: str) -> None:
    """A catalogue named inside the instance's folder that is a device (here the folder is /dev)."""
    import yaml

    data = yaml.safe_load(TINY)
    data["catalog"] = device
    start = time.perf_counter()
    with pytest.raises(InstanceError) as info:
        load_instance(data, base_dir="/dev")
    assert time.perf_counter() - start < 5
    [issue] = info.value.issues
    assert issue.where == "catalog" and "is a character device, not a regular file" in issue.message


def test_symlink_to_a_device_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    instance = _with_catalog(tmp_path, "dev.yaml")
    (instance.parent / "dev.yaml").symlink_to("/dev/zero")
    code, err = _validate(instance, capsys)
    _assert_clean_input_error(code, err, ": catalog: ")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_catalog_fifo_is_refused_without_blocking(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    instance = _with_catalog(tmp_path, "pipe.yaml")
    os.mkfifo(instance.parent / "pipe.yaml")  # no writer: opening it for reading would block forever
    code, err = _validate(instance, capsys)
    _assert_clean_input_error(code, err, "FIFO")


def test_huge_catalog_file_is_refused_without_reading_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    instance = _with_catalog(tmp_path, "huge.yaml")
    with open(instance.parent / "huge.yaml", "wb") as f:  # a sparse 4 GiB file
        f.truncate(4 * 2**30)
    code, err = _validate(instance, capsys)
    _assert_clean_input_error(code, err, "bytes, more than the")


@pytest.mark.parametrize("spec", ["/etc/hostname", "../outside.yaml", "parts/../../outside.yaml"])
def test_catalog_path_must_stay_inside_the_instance_folder(
    spec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    instance = _with_catalog(tmp_path, spec)
    (tmp_path / "outside.yaml").write_text(_catalog_text(), encoding="utf-8")
    code, err = _validate(instance, capsys)
    _assert_clean_input_error(code, err, ": catalog: ")


def test_symlink_leading_out_of_the_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    instance = _with_catalog(tmp_path, "link.yaml")
    (tmp_path / "outside.yaml").write_text(_catalog_text(), encoding="utf-8")
    (instance.parent / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    code, err = _validate(instance, capsys)
    _assert_clean_input_error(code, err, "outside the instance's folder")


def test_catalog_content_is_not_echoed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = "SECRET-TOKEN-7f3a9c"
    instance = _with_catalog(tmp_path, "notes.txt")
    (instance.parent / "notes.txt").write_text(f"password = {token}\nmore: [{token}\n", encoding="utf-8")
    code, err = _validate(instance, capsys)
    _assert_clean_input_error(code, err)
    assert token not in "\n".join(err)
    (instance.parent / "notes.txt").write_text(f"{token} {token}\n", encoding="utf-8")
    code, err = _validate(instance, capsys)
    _assert_clean_input_error(code, err, "expected a catalogue mapping, got a single string")
    assert token not in "\n".join(err)


# ----------------------------------------------------------------------------------- media ids
def test_media_id_in_allowed_or_exclude_is_accepted_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = TINY.replace(
        "length_m: 10, demand_gbps: 6400",
        "length_m: 10, demand_gbps: 6400, exclude: [mmf, dac-400], allowed: [sr-800, aoc-800, mmf]",
    )
    assert text != TINY
    path = tmp_path / "media.yaml"
    path.write_text(text, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        instance = load_instance(path)
    messages = sorted(str(w.message) for w in caught if issubclass(w.category, InputWarning))
    assert messages == [
        f"{path}: links[0].allowed[2]: 'mmf' is a media id; it matches no option's items, so it has no effect",
        f"{path}: links[0].exclude[0]: 'mmf' is a media id; it matches no option's items, so it has no effect",
    ]
    assert instance.links[0].exclude == ["mmf", "dac-400"]
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert f"{path}: links[0].exclude[0]: warning: 'mmf' is a media id" in err
    assert main(["solve", str(path), "-q", "--threads", "1"]) == 0


def test_read_document_takes_str_and_path() -> None:
    by_str, issues_str = read_document(str(ROOT / "instances" / "tiny.yaml"))
    by_path, issues_path = read_document(ROOT / "instances" / "tiny.yaml")
    assert not issues_str and not issues_path and by_str == by_path and by_str["name"] == "tiny"


def test_sndlib_reader_refuses_devices(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["import", "sndlib", "/dev/zero", "/dev/zero", "-o", str(tmp_path / "x.yaml")])
    assert code == 2
    assert "/dev/zero: file: is a character device, not a regular file" in capsys.readouterr().err
