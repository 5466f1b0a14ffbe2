"""JSON instance files: written by the generator, same validation and messages as YAML; YAML keys read once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from helpers import tiny_instance

import optimizer
from optimizer.cli import main
from optimizer.core.io import read_document
from optimizer.errors import InstanceError


def test_generate_writes_json_for_a_json_file_name(tmp_path: Path) -> None:
    args = ["generate", "--gpus", "512", "--topology", "clos"]
    assert main([*args, "-o", str(tmp_path / "a.json")]) == 0
    assert main([*args, "-o", str(tmp_path / "a.yaml")]) == 0
    doc = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))  # JSON, not YAML
    assert doc == yaml.safe_load((tmp_path / "a.yaml").read_text(encoding="utf-8"))
    from_json = optimizer.load_instance(tmp_path / "a.json")
    from_yaml = optimizer.load_instance(tmp_path / "a.yaml")
    assert from_json.model_dump(warnings=False) == from_yaml.model_dump(warnings=False)


def test_json_and_yaml_give_the_same_problems(tmp_path: Path) -> None:
    bad = tiny_instance()
    bad["links"][0]["length_m"] = -3
    bad["links"][0]["lenght"] = 1
    bad["nodes"][0]["count"] = "many"
    messages = {}
    for suffix, text in ((".json", json.dumps(bad)), (".yaml", yaml.safe_dump(bad))):
        path = tmp_path / f"bad{suffix}"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InstanceError) as err:
            optimizer.load_instance(path)
        messages[suffix] = [(i.where, i.message) for i in err.value.issues]
    assert messages[".json"] == messages[".yaml"] and len(messages[".json"]) >= 3


def test_yaml_duplicate_keys_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("name: a\nname: b\n1: x\n1.0: y\n", encoding="utf-8")
    data, issues = read_document(path)
    assert data is None and "duplicate key 'name'" in issues[0].message
    path.write_text("a: 1\n1: x\n1.0: y\n", encoding="utf-8")  # non-string keys are still compared as values
    data, issues = read_document(path)
    assert data is None and "duplicate key 1.0" in issues[0].message


def test_json_duplicate_keys_refused_like_yaml(tmp_path: Path) -> None:
    """JSON's parser keeps the last of two equal keys; the loader refuses them as the YAML loader does, each
    at the place of its object, all at once."""
    path = tmp_path / "dup.json"
    path.write_text(
        '{"schema_version": 1, "name": "a", "name": "b",\n'
        ' "links": [{"id": "x"}, {"id": "y", "length_m": 1, "length_m": 2, "length_m": 3}]}',
        encoding="utf-8",
    )
    data, issues = read_document(path)
    assert data is None
    assert [(i.where, i.message) for i in issues] == [
        ("(top level)", "duplicate key 'name' (it is given twice in this mapping)"),
        ("links[1]", "duplicate key 'length_m' (it is given twice in this mapping)"),
    ]
    with pytest.raises(InstanceError) as err:
        optimizer.load_instance(path)
    assert str(err.value.issues[0]) == f"{path}: (top level): duplicate key 'name' (it is given twice in this mapping)"
    path.write_text('{"a": {"b": 1}, "c": [{"b": 2}]}', encoding="utf-8")  # equal keys in different objects
    assert read_document(path) == ({"a": {"b": 1}, "c": [{"b": 2}]}, [])


def test_a_number_field_refuses_a_string_as_the_published_schema_does(tmp_path: Path) -> None:
    """instances/schema.json types demand_gbps as a number; the loader refuses a string that reads as one, in
    JSON and in YAML, with the same message (and accepts the same value written as a number)."""
    schema = json.loads((Path(__file__).resolve().parent.parent / "instances" / "schema.json").read_text("utf-8"))
    link = schema["$defs"]["Link"]["properties"]
    assert link["demand_gbps"]["type"] == "number" and link["length_m"]["type"] == "number"
    doc = tiny_instance()
    doc["links"][0]["demand_gbps"] = "48900 "
    path = tmp_path / "quoted.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InstanceError) as err:
        optimizer.load_instance(path)
    assert [(i.where, i.message) for i in err.value.issues] == [
        (
            "links[0].demand_gbps",
            "expected a number, got '48900 ' (a string, not a number: drop the quotes or the !!str tag)",
        )
    ]
    doc["links"][0]["demand_gbps"] = 48900
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert optimizer.load_instance(path).links[0].demand_gbps == 48900
