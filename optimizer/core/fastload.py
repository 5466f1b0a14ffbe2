"""Columnar validation of large, uniform sections: link groups and NIC groups checked column by column.

A file with 10^5 link groups holds 10^5 link mappings and about as many NIC groups, nearly all with the same
few fields. Validating them one pydantic object at a time calls a Python validator per field (about 1 s at
10^5); here each field is checked once over the whole section (types as a set, numbers as one numpy array,
ids with one regular expression over the joined column) and the models are then built without validating
them again.

The fast path accepts a strict subset of what the per-object path accepts, with identical results (the same
field values and types, the same ``model_fields_set``): numbers are ints or floats (floats out, as the
schema's float fields give), counts are ints, ids are strings of the id pattern, flags are booleans. Anything
else, including every invalid entry, a field the fast path does not cover (those of the compatibility
extension, a NIC group's ``forms``) or a float written for a count (``4e3``), makes it answer None, and the
caller validates the section entry by entry as before, which gives every message. ``tests/test_fast_load.py``
checks that both paths build equal models.
"""

from __future__ import annotations

import collections
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from optimizer.core.schema import MAX_COUNT, MAX_NUMBER, MIN_POSITIVE, Link, NicNode, Strict

MIN_ENTRIES = 256
"""Sections shorter than this are validated entry by entry (the columnar checks pay off on large files)."""

_ID_LINES = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9._-]*\n)*[A-Za-z0-9][A-Za-z0-9._-]*")
"""One or more ids of ``schema.ID_PATTERN`` joined by newlines (no id can hold a newline)."""

_MISSING = object()
M = TypeVar("M", bound=Strict)

Check = Callable[[list[Any]], list[Any] | None]
"""A field check: the given values (never empty) -> the values the model holds, or None (not fast)."""


def _ids(values: list[Any]) -> list[Any] | None:
    if set(map(type, values)) != {str} or _ID_LINES.fullmatch("\n".join(values)) is None:
        return None
    return values


def _numbers(low: float, high: float = MAX_NUMBER) -> Check:
    """Finite ints or floats (never bool or str) within [low, high] and at most ``MAX_NUMBER`` in
    magnitude, as floats (what ``_number`` and a float field give)."""

    def check(values: list[Any]) -> list[Any] | None:
        kinds = set(map(type, values))
        if not kinds <= {int, float}:
            return None
        try:
            array = np.array(values, dtype=np.float64)
        except OverflowError:  # an int beyond a float's range
            return None
        if not (np.isfinite(array).all() and (array >= low).all() and (array <= high).all()):
            return None
        return values if kinds == {float} else array.tolist()

    return check


def _counts(low: int) -> Check:
    """Ints (never bool or a float such as 4e3) within [low, MAX_COUNT]."""

    def check(values: list[Any]) -> list[Any] | None:
        if set(map(type, values)) != {int} or min(values) < low or max(values) > MAX_COUNT:
            return None
        return values

    return check


def _flags(values: list[Any]) -> list[Any] | None:
    return values if set(map(type, values)) == {bool} else None


def _one_of(*allowed: str) -> Check:
    def check(values: list[Any]) -> list[Any] | None:
        return values if set(map(type, values)) == {str} and set(values) <= set(allowed) else None

    return check


def _id_lists(values: list[Any]) -> list[Any] | None:
    """Lists of ids (each list copied, as validation copies it)."""
    if set(map(type, values)) != {list}:
        return None
    items = list(itertools.chain.from_iterable(values))
    if items and _ids(items) is None:
        return None
    return [list(v) for v in values]


def _optional(check: Check) -> Check:
    """The check, with None allowed (and kept)."""

    def optional(values: list[Any]) -> list[Any] | None:
        given = [v for v in values if v is not None]
        if len(given) == len(values):
            return check(values)
        if not given:
            return values
        checked = check(given)
        if checked is None:
            return None
        it = iter(checked)
        return [None if v is None else next(it) for v in values]

    return optional


_LINK_FIELDS: dict[str, Check] = {
    "id": _ids,
    "a": _ids,
    "b": _ids,
    "length_m": _numbers(MIN_POSITIVE),
    "demand_gbps": _numbers(0.0),
    "count": _optional(_counts(0)),
    "min_link_gbps": _optional(_numbers(MIN_POSITIVE)),
    "allowed": _optional(_id_lists),
    "exclude": _id_lists,
    "uniform": _flags,
    "direction": _one_of("bidirected", "undirected", "directed"),
    "installed_gbps": _numbers(0.0),
    "installed_cost_usd": _numbers(0.0),
    "max_count": _optional(_counts(0)),
    "divisible": _flags,
    "setup_cost_usd": _numbers(0.0),
    "routing_cost_usd_per_gbps": _numbers(0.0),
    "job_stop_fraction": _optional(_numbers(0.0, 1.0)),
}

_NIC_FIELDS: dict[str, Check] = {
    "id": _ids,
    "kind": _one_of("nic"),
    "count": _counts(1),
    "ports": _counts(1),
    "max_port_gbps": _optional(_numbers(MIN_POSITIVE)),
    "model": _optional(_ids),
}


def fast_links(items: Sequence[Any]) -> list[Link] | None:
    """The ``links`` section as models, or None when the per-entry path must validate it."""
    return _fast(Link, _LINK_FIELDS, items)


def fast_nic_nodes(items: Sequence[Any]) -> list[NicNode] | None:
    """NIC node groups (entries with ``kind: nic``) as models, or None when the per-entry path must validate
    them. The model's own rule (max_port_gbps given or a ``model`` named) is checked here too."""
    nodes = _fast(NicNode, _NIC_FIELDS, items)
    if nodes is None or any(n.max_port_gbps is None and n.model is None for n in nodes):
        return None
    return nodes


def _fast(model: type[M], checks: dict[str, Check], items: Sequence[Any]) -> list[M] | None:
    if len(items) < MIN_ENTRIES or set(map(type, items)) != {dict}:
        return None
    fields = model.model_fields
    given = set().union(*items)
    if not given <= checks.keys() or not checks.keys() <= fields.keys():
        return None
    required = [name for name, info in fields.items() if info.is_required()]
    if not set(required) <= given:
        return None
    columns: dict[str, list[Any]] = {}
    for name in given:
        if name in required:
            if not all(map(dict.__contains__, items, itertools.repeat(name))):
                return None  # missing in some entries
            values = [item[name] for item in items]
            checked = checks[name](values)
        else:
            values = [item.get(name, _MISSING) for item in items]
            present = [v for v in values if v is not _MISSING]
            checked_present = checks[name](present)
            if checked_present is None:
                checked = None
            elif len(present) == len(values):
                checked = checked_present
            else:
                it = iter(checked_present)
                checked = [_MISSING if v is _MISSING else next(it) for v in values]
        if checked is None:
            return None
        if checked is not values:
            columns[name] = checked
    return _build(model, items, columns)


def _build(model: type[M], items: Sequence[Any], columns: dict[str, list[Any]]) -> list[M]:
    """Models from validated mappings, as validation builds them: every field in its order, defaults for the
    fields not given (a fresh copy of a mutable default), ``model_fields_set`` the fields given."""
    template: dict[str, Any] = {}
    mutable: list[str] = []
    for name, info in model.model_fields.items():
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        template[name] = default
        if isinstance(default, list | dict | set):
            mutable.append(name)
    records = [{**template, **item} for item in items]
    for name in mutable:
        if name not in columns:
            for record, item in zip(records, items, strict=True):
                if name not in item:
                    record[name] = template[name].copy()
    for name, values in columns.items():
        if _MISSING in values:
            fresh = template[name].copy if name in mutable else None
            for record, value in zip(records, values, strict=True):
                if value is not _MISSING:
                    record[name] = value
                elif fresh is not None:
                    record[name] = fresh()
        else:
            for record, value in zip(records, values, strict=True):
                record[name] = value
    # the four slots pydantic's BaseModel gives every instance, set through their descriptors (C-level loops)
    out: list[M] = list(map(object.__new__, itertools.repeat(model, len(records))))
    slots = BaseModel.__dict__
    slot_values: tuple[tuple[str, Iterable[Any]], ...] = (
        ("__dict__", records),
        ("__pydantic_fields_set__", map(set, items)),
        ("__pydantic_extra__", itertools.repeat(None)),
        ("__pydantic_private__", itertools.repeat(None)),
    )
    for slot, given in slot_values:
        collections.deque(map(slots[slot].__set__, out, given), maxlen=0)
    return out
