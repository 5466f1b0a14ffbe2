"""The built-in catalogue's parsed form (``builtin.parsed.json``) is the YAML loader's document of ``builtin.yaml``."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from optimizer.core.catalog import BUILTIN_LABEL, builtin_catalog, parsed
from optimizer.core.io import read_document
from optimizer.core.schema import Catalog


def same(a: Any, b: Any, where: str = "") -> list[str]:
    """Where ``a`` and ``b`` differ in value, type or key order (``==`` alone takes 1 == 1.0 == True)."""
    if type(a) is not type(b):
        return [f"{where}: {type(a).__name__} vs {type(b).__name__}"]
    if isinstance(a, dict):
        if list(a) != list(b):
            return [f"{where}: keys {list(a)} vs {list(b)}"]
        return [d for k in a for d in same(a[k], b[k], f"{where}.{k!r}")]
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} vs {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in same(x, y, f"{where}[{i}]")]
    if isinstance(a, float) and a != a:
        return [] if b != b else [f"{where}: nan vs {b!r}"]
    return [] if a == b and repr(a) == repr(b) else [f"{where}: {a!r} vs {b!r}"]


def test_the_parsed_form_is_made_from_the_current_yaml() -> None:
    """Fails when builtin.yaml was edited without writing the parsed form again
    (``python -m optimizer.core.catalog.parsed``); the package then parses the YAML, as before."""
    stored = parsed.PARSED_FILE.read_text(encoding="utf-8")
    assert stored == parsed.parsed_text(parsed.YAML_FILE.read_bytes(), read_document(parsed.YAML_FILE)[0])
    assert parsed.read_parsed() is not None


def test_line_ends_do_not_change_the_digest(tmp_path: Path) -> None:
    """A checkout with CRLF line ends (the same YAML document) still uses the parsed form."""
    lf = parsed.YAML_FILE.read_bytes().replace(b"\r\n", b"\n")
    source = tmp_path / "builtin.yaml"
    source.write_bytes(lf.replace(b"\n", b"\r\n"))
    assert read_document(source)[0] == read_document(parsed.YAML_FILE)[0]
    assert parsed.digest(source.read_bytes()) == parsed.digest(lf)
    assert parsed.read_parsed(source, parsed.PARSED_FILE) is not None
    assert parsed.digest(lf + b"# an edit\n") != parsed.digest(lf)


def test_the_parsed_document_equals_the_yaml_loaders() -> None:
    from_yaml, issues = read_document(parsed.YAML_FILE, BUILTIN_LABEL)
    assert issues == []
    from_json = parsed.read_parsed()
    assert same(from_json, from_yaml) == []
    prices = [t["price_by_year"] for t in from_json["transceivers"] if "price_by_year" in t]
    assert prices and all(type(year) is int for p in prices for year in p)  # integer keys come back as such


def test_the_builtin_catalogue_is_the_one_validated_from_the_yaml() -> None:
    from_yaml = Catalog.model_validate(read_document(parsed.YAML_FILE, BUILTIN_LABEL)[0])
    catalog = builtin_catalog()
    assert catalog == from_yaml
    assert catalog.model_dump() == from_yaml.model_dump()
    for section in ("media", "transceivers", "cables", "switches", "nics", "profiles", "reliability"):
        assert [e.model_fields_set for e in getattr(catalog, section)] == [
            e.model_fields_set for e in getattr(from_yaml, section)
        ]


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "b": [1.5, -0.0, float("inf"), None, True, "x"]},
        {2027: 590.4, 2028: 1},  # years as keys
        {1: {"nested": {2: "y"}}, "mixed": 1.0},
        {parsed.PAIRS_KEY: 1},  # a mapping whose only key is the marker itself
        [{"é": "ü"}, {}],
    ],
)
def test_encoding_round_trips(value: Any, tmp_path: Path) -> None:
    source = tmp_path / "c.yaml"
    source.write_bytes(b"any bytes")
    target = tmp_path / "c.parsed.json"
    target.write_text(parsed.parsed_text(source.read_bytes(), value), encoding="utf-8")
    assert same(parsed.read_parsed(source, target), value) == []


def test_a_stale_missing_or_broken_parsed_form_is_not_used(tmp_path: Path) -> None:
    source = tmp_path / "c.yaml"
    source.write_bytes(b"media: []\n")
    target = tmp_path / "c.parsed.json"
    assert parsed.read_parsed(source, target) is None  # missing
    target.write_text(parsed.parsed_text(b"media: []\n", {"media": []}), encoding="utf-8")
    assert parsed.read_parsed(source, target) == {"media": []}
    source.write_bytes(b"media: []\ncables: []\n")  # the YAML edited afterwards
    assert parsed.read_parsed(source, target) is None
    target.write_text("{not json", encoding="utf-8")
    assert parsed.read_parsed(source, target) is None
    with pytest.raises(TypeError, match="date"):
        parsed.encode({"when": datetime.date(2026, 1, 1)})


def test_the_builtin_catalogue_is_parsed_from_the_yaml_when_its_parsed_form_is_stale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[bool] = []

    def stale() -> None:
        calls.append(True)

    monkeypatch.setattr(parsed, "read_parsed", stale)
    from_yaml = builtin_catalog.__wrapped__()  # uncached: the cached catalogue stays the one of the process
    assert calls == [True]
    assert from_yaml == builtin_catalog() and from_yaml is not builtin_catalog()
