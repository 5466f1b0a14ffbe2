"""The columnar fast path of loading (``optimizer.core.fastload``) builds the models the per-entry path builds,
and leaves every entry it does not take, valid or not, to the per-entry path and its messages."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate
from optimizer.core import fastload
from optimizer.core.io import read_document
from optimizer.core.load import load_instance
from optimizer.errors import InstanceError


def _instance() -> dict[str, Any]:
    doc = generate(600, seed=3)  # 600 link groups, ~600 NIC groups: above fastload.MIN_ENTRIES
    links = doc["links"]
    links[0]["count"] = None
    links[1].update(min_link_gbps=400, allowed=["dac-800", "dr8-800"], exclude=["sr8-800"], uniform=True)
    links[2].update(length_m=7.5, demand_gbps=0, max_count=3, direction="bidirected")
    links[3].update(installed_gbps=0, setup_cost_usd=1, routing_cost_usd_per_gbps=0.0, divisible=False)
    nic = next(n for n in doc["nodes"] if n["kind"] == "nic")
    nic.update(ports=2, max_port_gbps=800.0)
    return doc


def _both(doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """(fast path result, per-entry path result): the instance, or the problems as (where, message)."""

    def load() -> Any:
        try:
            return load_instance(copy.deepcopy(doc))
        except InstanceError as err:
            return [(i.where, i.message) for i in err.issues]

    fast = load()
    with monkeypatch.context() as m:
        m.setattr(fastload, "MIN_ENTRIES", 10**9)
        slow = load()
    return fast, slow


def _same_models(fast: Any, slow: Any) -> None:
    assert fast.model_dump(warnings=False) == slow.model_dump(warnings=False)
    for a, b in zip([*fast.links, *fast.nodes], [*slow.links, *slow.nodes], strict=True):
        assert type(a) is type(b)
        assert a.__dict__ == b.__dict__ and list(a.__dict__) == list(b.__dict__)
        assert {k: type(v) for k, v in a.__dict__.items()} == {k: type(v) for k, v in b.__dict__.items()}
        assert a.model_fields_set == b.model_fields_set
        assert a.__pydantic_extra__ == b.__pydantic_extra__ and a.__pydantic_private__ == b.__pydantic_private__
        assert a == b


def test_fast_path_builds_the_models_of_the_per_entry_path(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _instance()
    items = doc["links"]
    assert fastload.fast_links(items) is not None  # the fast path takes this file
    fast, slow = _both(doc, monkeypatch)
    _same_models(fast, slow)
    assert fast.links[0].length_m == float(items[0]["length_m"]) and type(fast.links[0].length_m) is float
    assert fast.links[1].allowed == ["dac-800", "dr8-800"] and fast.links[1].allowed is not items[1]["allowed"]
    assert fast.links[5].exclude == [] and fast.links[5].exclude is not fast.links[6].exclude  # fresh defaults


@pytest.mark.parametrize(
    ("where", "field", "value"),
    [
        ("links", "length_m", True),  # a bool is no number
        ("links", "length_m", "12"),
        ("links", "length_m", -1),
        ("links", "length_m", 1e-9),
        ("links", "demand_gbps", 10**13),
        ("links", "count", 16.0),  # valid, but for the per-entry path (a float count)
        ("links", "count", -2),
        ("links", "count", 10**10),
        ("links", "id", "bad id"),
        ("links", "id", "ok\n"),
        ("links", "a", 5),
        ("links", "uniform", 1),
        ("links", "direction", "sideways"),
        ("links", "exclude", ["dr8-800", 3]),
        ("links", "allowed", "dr8-800"),
        ("links", "job_stop_fraction", 1.5),
        ("links", "job_stop_fraction", 0.5),  # valid field, but only with a reliability section
        ("links", "lenght_m", 3),  # unknown field
        ("nodes", "count", 0),
        ("nodes", "count", {"min": 1, "max": 2}),
        ("nodes", "max_port_gbps", None),  # neither a speed nor a model
        ("nodes", "forms", ["cable"]),  # valid: a field the fast path leaves to the per-entry path
        ("nodes", "kind", "switch"),
    ],
)
def test_an_entry_the_fast_path_refuses_gets_the_per_entry_result(
    where: str, field: str, value: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = _instance()
    entry = doc[where][7] if where == "links" else next(n for n in doc[where][5:] if n["kind"] == "nic")
    entry[field] = value
    fast, slow = _both(doc, monkeypatch)
    if isinstance(slow, list):
        assert fast == slow and slow  # the same problems, in the same order
    else:
        _same_models(fast, slow)


def test_a_missing_required_field_is_reported_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _instance()
    del doc["links"][9]["demand_gbps"]
    del doc["nodes"][4]["count"]
    fast, slow = _both(doc, monkeypatch)
    assert fast == slow and ("links[9].demand_gbps", "missing required field") in fast


def test_json_quick_checks_agree_with_the_full_parse(tmp_path: Path) -> None:
    """The quick JSON path (no hook per object) finds repeated keys and too-deep nesting as the full one."""
    path = tmp_path / "a.json"
    cases = {
        '{"a": "x:y", "b": {"c": [1, {"d": "::"}]}}': None,
        '{"a": 1, "b": {"a": 2, "a": 3}}': "duplicate key 'a'",
        '{"a": "1:2", "a": "3"}': "duplicate key 'a'",
        '{"k:1": 1, "k:1": 2}': "duplicate key 'k:1'",
        '{"a": "\\u003a", "a": 1}': "duplicate key 'a'",
        "[" * 40 + "]" * 40: "nested too deeply",
        "[" * 32 + "]" * 32: None,
    }
    for text, problem in cases.items():
        path.write_text(text, encoding="utf-8")
        data, issues = read_document(path)
        if problem is None:
            assert issues == [] and data == json.loads(text)
        else:
            assert data is None and problem in issues[0].message
