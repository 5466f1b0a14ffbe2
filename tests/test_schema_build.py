"""Models built on first use (``defer_build``) validate exactly as the models that contain them do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from optimizer.core import schema
from optimizer.core.catalog import builtin_catalog
from optimizer.core.schema import Catalog

ROOT = Path(__file__).resolve().parent.parent
DEFERRED = [
    c
    for c in vars(schema).values()
    if isinstance(c, type) and issubclass(c, schema.Strict) and c.model_config.get("defer_build")
]
SECTION_MODELS = {
    "media": schema.Media,
    "transceivers": schema.Transceiver,
    "cables": schema.Cable,
    "switches": schema.Switch,
    "nics": schema.Nic,
    "profiles": schema.Profile,
    "reliability": schema.FailureMode,
}


def errors(exc: ValidationError) -> list[tuple[Any, ...]]:
    return [(e["type"], e["loc"], e["msg"]) for e in exc.errors()]


def test_the_deferred_models_are_the_nested_ones() -> None:
    names = {c.__name__ for c in DEFERRED}
    assert {"Transceiver", "Switch", "Facility", "Installed", "PartRules"} <= names
    # validated on their own when a file is loaded (entry by entry) or used as defaults: built at import
    assert not names & {"Instance", "Catalog", "Link", "Path", "Bandwidth", "NicNode", "SwitchNode", "Economics"}
    assert not names & {"CountRange", "Period", "Periods"}  # shared by two models: see ``Strict``


def test_importing_the_schema_builds_none_of_them() -> None:
    code = (
        "import optimizer.core.schema as s\n"
        "print(sorted(c.__name__ for c in vars(s).values() if isinstance(c, type) and issubclass(c, s.Strict)"
        " and c.model_config.get('defer_build') and c.__pydantic_complete__))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("section", sorted(SECTION_MODELS))
def test_an_entry_validated_alone_equals_the_catalogues(section: str) -> None:
    model = SECTION_MODELS[section]
    for entry in getattr(builtin_catalog(), section):
        data = entry.model_dump(exclude_unset=True)
        alone = model.model_validate(data)
        assert alone == entry and alone.model_fields_set == entry.model_fields_set


@pytest.mark.parametrize(
    ("section", "bad"),
    [
        ("transceivers", {"power_w": "12"}),
        ("transceivers", {"reach_m": -1, "unknown": 1}),
        ("switches", {"max_ports": 1.5}),
        ("cables", {"form": "plug"}),
        ("media", {"cost_usd_per_m": True}),
    ],
)
def test_an_entrys_errors_alone_are_the_catalogues(section: str, bad: dict[str, Any]) -> None:
    model = SECTION_MODELS[section]
    data = {**getattr(builtin_catalog(), section)[0].model_dump(exclude_unset=True), **bad}
    with pytest.raises(ValidationError) as alone:
        model.model_validate(data)
    with pytest.raises(ValidationError) as inside:
        Catalog.model_validate({section: [data]})
    assert [(t, (section, 0, *loc), m) for t, loc, m in errors(alone.value)] == errors(inside.value)
