"""Loading and ``build_data`` share one option derivation per instance (``optimizer.core.options.
instance_derivation``): the data is the same whether the derivation is shared or computed anew, and an
instance whose link or node groups changed (in place or as a new instance) never gets another's."""

from __future__ import annotations

import copy
import gc
from typing import Any

import pytest

from benchmarks.generate import generate
from optimizer.core import options
from optimizer.core.data import ModelData, build_data
from optimizer.core.load import load_instance
from optimizer.core.options import instance_derivation


def _document() -> dict[str, Any]:
    doc = generate(600, seed=5)  # several hundred groups: the columnar paths of loading and build_data
    links = doc["links"]
    links[1].update(count=4, demand_gbps=1600, uniform=True)
    links[2].update(count=8, demand_gbps=6400, max_count=8)
    links[3].update(installed_gbps=800)
    links[4].update(min_link_gbps=800)
    links[5].update(exclude=["sr8-800"])
    links.append({"id": "loop", "a": "leaf-0", "b": "leaf-0", "length_m": 3, "demand_gbps": 1600})
    return doc


def _cold(instance: Any, **kwargs: Any) -> ModelData:
    """``build_data`` with no derivation to share."""
    options._last_derivation = None
    return build_data(instance, **kwargs)


@pytest.mark.parametrize("kwargs", [{}, {"prune": False}, {"reduce": False}, {"objective": "capex"}])
def test_the_data_is_the_same_with_the_derivation_shared_or_not(kwargs: dict[str, Any]) -> None:
    instance = load_instance(_document())
    assert options._last_derivation is not None and options._last_derivation.instance() is instance
    shared = build_data(instance, **kwargs)
    assert shared == _cold(instance, **kwargs)
    assert shared.n_cols > len(shared.groups) > 600
    assert any(sg.form_classes for sg in shared.switch_groups)  # the form classes are built both ways


def test_loading_and_build_data_use_one_deriver() -> None:
    instance = load_instance(_document())
    nodes = {n.id: n for n in instance.nodes}
    deriver, signatures = instance_derivation(instance, nodes, options.CatalogIndex.of(instance.resolved_catalog))
    assert options._last_derivation is not None and deriver is options._last_derivation.deriver
    assert deriver._cache  # loading derived the options of every signature: build_data reuses them
    assert len(signatures) == len(instance.links)


def test_a_link_group_replaced_in_place_is_noticed() -> None:
    instance = load_instance(_document())
    build_data(instance)
    before = options._last_derivation
    # the models are frozen but their lists are not: an edit in place changes the instance
    instance.links[0] = instance.links[0]._unchecked_copy(length_m=400.0)
    edited = build_data(instance)
    assert options._last_derivation is not before  # computed anew
    assert edited == _cold(instance)
    first = edited.groups[0]
    assert all(edited.col_option[i].latency_ns > 1000 for i in first.cols)  # 400 m of fibre: the new length


def test_a_changed_instance_gets_its_own_derivation() -> None:
    instance = load_instance(_document())
    shared = build_data(instance)
    changed = instance.with_changes({"links.gpu-0-0a-up.length_m": 30})
    data = build_data(changed)
    assert data == _cold(changed)
    assert data != shared
    assert build_data(instance) == shared  # the first instance is served anew (it is not the last one asked)


def test_node_groups_edited_in_place_are_noticed() -> None:
    doc = _document()
    instance = load_instance(copy.deepcopy(doc))
    build_data(instance)
    before = options._last_derivation
    at = next(i for i, n in enumerate(instance.nodes) if n.kind == "nic")
    instance.nodes[at] = instance.nodes[at]._unchecked_copy(max_port_gbps=400.0)
    data = build_data(instance)
    assert options._last_derivation is not before
    assert data == _cold(instance)


def test_nothing_is_kept_once_the_instance_is_gone() -> None:
    instance = load_instance(_document())
    build_data(instance)
    assert options._last_derivation is not None
    del instance
    gc.collect()
    assert options._last_derivation is None
