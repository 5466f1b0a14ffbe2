"""Edits of an instance in the parameter path language, re-validated as a file is.

A parameter path is a dotted path to a field of the instance document (the language of sweeps and
break-evens, ``optimizer.studies.sweep``, and of ``Instance.with_changes``):

    economics.electricity_usd_per_kwh       a field of a top-level section (economics, weights, limits,
                                            reliability, site, facility)
    limits.supply.cpo-dr-800                a supply limit by catalogue id
    links.gpu-leaf.length_m                 a field of a list entry addressed by id (nodes, links,
    nodes.spine.count                         paths, bandwidth, demands); the id may be a glob
    nodes.spine.count.max                     (links.*.length_m); a nested field of such an entry
    catalog.cpo-dr-800.cost_usd             a catalogue entry by id (glob allowed: catalog.cpo-*.cost_usd);
                                            for a built-in (or extended) catalogue the entry is copied into
                                            an inline ``extends: builtin`` catalogue and overridden there
    catalog.cpo-dr-800.engine.fit           a failure mode (catalogue ``reliability`` row) by its id; a
                                            reliability field (fit, mtbf_h, mttr_h, ...) only matches
                                            failure modes, any other field only the other sections
    facility.fibre_paths.a-b.max_fibres     a cable path of the facility section by id
    reliability.gpu_hour_usd                a field of a section the instance does not have yet creates it
    objective                               (``with_changes`` only) a top-level field of the instance

A path must name a field the format has: a misspelt field (``economics.electricity_usd_per_kwhh``) or an
id that matches nothing is a ``ParameterError`` before anything is solved.

``with_changes(instance, {path: value})`` applies the edits to the instance's document and loads the
result as ``load_instance`` loads a file: field checks, the catalogue, the semantic checks. Every problem
(a bad path, a bad value) is reported at once in one ``InstanceError``. A value is a number, a factor of
the field's present value written ``"x1.2"``, or any other value of the field's type (a list, a string).

``revalidated_copy`` is what ``model_copy(update=...)`` of the schema's models calls: a copy of an
instance with changed fields is re-validated in full (``with_changes`` with top-level fields); a copy of
one of its parts (``Economics``, a link) is re-validated field by field.
"""

from __future__ import annotations

import copy
import fnmatch
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from optimizer.core.io import _models_in, _pick, read_document, validation_issues
from optimizer.core.schema import Catalog, FibrePath, Instance
from optimizer.errors import InstanceError, Issue

LIST_SECTIONS = ("nodes", "links", "paths", "bandwidth", "demands")
CATALOG_SECTIONS = ("transceivers", "cables", "switches", "nics", "media", "reliability")
DICT_SECTIONS = ("economics", "weights", "limits", "reliability", "site", "facility")
RELIABILITY_FIELDS = ("fit", "mtbf_h", "domain_ends", "mttr_h", "spare_cost_usd", "flap_fit")
"""Fields of catalogue failure modes (reliability extension): a catalog path with one of them targets
only ``reliability`` rows."""
INTEGER_FIELDS = (
    "count",
    "ports",
    "min",
    "max",
    "gpus",
    "gpus_per_interruption",
    "domain_ends",
    "max_switch_racks",
    "gpu_racks",
    "switch_rack_units",
    "max_fibres",
)


class ParameterError(ValueError):
    """A parameter path or value problem: the path matches nothing, names no field of the format, or a
    value cannot apply (a factor of a field that is not set, a number for a field that is not numeric)."""


InstanceSource = Instance | str | os.PathLike[str] | Mapping[str, Any]
"""What the library's functions take as an instance: a loaded ``Instance``, a path to an instance file,
or the instance as a mapping."""


# ------------------------------------------------------------------------------------ targets
def _entries(items: list[Any], pattern: str) -> list[dict[str, Any]]:
    return [e for e in items if isinstance(e, dict) and fnmatch.fnmatchcase(str(e.get("id")), pattern)]


def _inline_catalog(doc: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """The document's catalogue as an inline mapping (a file is read in; builtin becomes extends)."""
    from optimizer.core.io import MAX_CATALOG_BYTES
    from optimizer.core.load import catalog_file

    spec = doc.get("catalog", "builtin")
    if spec == "builtin":
        cat: dict[str, Any] = {"extends": "builtin"}
    elif isinstance(spec, str):
        path, _ = catalog_file(spec, Path(base_dir))  # the rule load_instance applies: inside the folder
        data: Any = None
        issues: list[Issue] = []
        if path is not None:
            data, issues = read_document(path, max_bytes=MAX_CATALOG_BYTES, regular_only=True)
        if data is None or issues or not isinstance(data, dict):
            raise ParameterError(f"catalog: cannot read catalogue file '{spec}' to override its entries")
        cat = data
    else:
        cat = spec
    doc["catalog"] = cat
    return cat


def _catalog_targets(
    doc: dict[str, Any], base_dir: Path, pattern: str, failure_modes: bool = False
) -> list[tuple[str, dict[str, Any]]]:
    """(section, entry) of the catalogue entries matching ``pattern``, copying built-in ones into the
    inline catalogue.

    ``failure_modes``: match only the ``reliability`` section (else every section but it)."""
    from optimizer.core.catalog import builtin_catalog

    cat = _inline_catalog(doc, base_dir)
    found: list[tuple[str, dict[str, Any]]] = []
    own: set[str] = set()
    sections = [s for s in CATALOG_SECTIONS if (s == "reliability") == failure_modes]
    for section in CATALOG_SECTIONS:
        entries = cat.get(section) or []
        own.update(str(e.get("id")) for e in entries if isinstance(e, dict))
        if section in sections:
            found += [(section, e) for e in _entries(entries, pattern)]
    if cat.get("extends") == "builtin":
        builtin = builtin_catalog()
        for section in sections:
            for entry in getattr(builtin, section):
                if entry.id not in own and fnmatch.fnmatchcase(entry.id, pattern):
                    copy_ = entry.model_dump(exclude_none=True)
                    cat.setdefault(section, []).append(copy_)
                    found.append((section, copy_))
    return found


def _models(owner: type[BaseModel], field: str) -> list[type[BaseModel]]:
    info = owner.model_fields.get(field)
    return [] if info is None else _models_in(info.annotation)


def _check_field(path: str, model: type[BaseModel] | None, name: str, what: str) -> None:
    """Refuse a field name the format does not have (a typo would otherwise reach every scenario)."""
    if model is not None and name not in model.model_fields:
        import difflib

        close = difflib.get_close_matches(name, list(model.model_fields), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ParameterError(f"{path}: '{name}' is not a field of {what}{hint}")


def _nested(
    path: str, section: str, found: list[tuple[type[BaseModel] | None, dict[str, Any]]], keys: list[str]
) -> list[tuple[type[BaseModel] | None, dict[str, Any]]]:
    """Walk ``keys`` into each holder (a nested field, e.g. nodes.spine.count.max), checking each name."""
    for key in keys:
        for model, _ in found:
            _check_field(path, model, key, f"a {section} entry")
        if not all(isinstance(h.get(key), dict) for _, h in found):
            raise ParameterError(f"{path}: '{key}' is not a mapping in every matching {section} entry")
        found = [(_pick(_models(m, key), h[key]) if m is not None else None, h[key]) for m, h in found]
    return found


def targets(doc: dict[str, Any], base_dir: Path, path: str) -> tuple[list[dict[str, Any]], str]:
    """(mappings holding the field, field name) for a parameter path; the field is checked against the
    format (a ``ParameterError`` names the bad part)."""
    if not path or "." not in path:
        raise ParameterError(f"'{path}': a parameter path has a section and a field, e.g. economics.pue")
    section, rest = path.split(".", 1)
    if section in LIST_SECTIONS or section == "catalog":
        if "." not in rest:
            raise ParameterError(f"{path}: expected {section}.<id>.<field>")
        parts = rest.split(".")
        found: list[tuple[type[BaseModel] | None, dict[str, Any]]] = []
        for cut in range(len(parts) - 1, 0, -1):  # the longest id first (ids may contain dots)
            pattern, fields = ".".join(parts[:cut]), parts[cut:]
            if section == "catalog":
                hits = _catalog_targets(doc, base_dir, pattern, parts[-1] in RELIABILITY_FIELDS)
                found = [(_pick(_models(Catalog, s), e), e) for s, e in hits]
            else:
                members = _models(Instance, section)
                found = [(_pick(members, e), e) for e in _entries(doc.get(section) or [], pattern)]
            if found:
                break
        else:
            raise ParameterError(f"{path}: no {section} entry with id matching '{'.'.join(parts[:-1])}'")
        found = _nested(path, section, found, fields[:-1])
        what = "a catalogue entry" if section == "catalog" else f"a {section} entry"
        for model, _ in found:
            _check_field(path, model, fields[-1], what)
        return [h for _, h in found], fields[-1]
    if section == "facility" and rest.startswith(
        "fibre_paths."
    ):  # a cable path by id: facility.fibre_paths.<id>.<field>
        *ids, name = rest.split(".")[1:]
        if not ids:
            raise ParameterError(f"{path}: expected facility.fibre_paths.<id>.<field>")
        entries = _entries((doc.get("facility") or {}).get("fibre_paths") or [], ".".join(ids))
        if not entries:
            raise ParameterError(f"{path}: no facility.fibre_paths entry with id matching '{'.'.join(ids)}'")
        _check_field(path, FibrePath, name, "a facility.fibre_paths entry")
        return entries, name
    if section in DICT_SECTIONS:
        keys = rest.split(".")
        if section == "limits" and keys[0] == "supply" and len(keys) > 2:
            keys = ["supply", ".".join(keys[1:])]  # catalogue ids may contain dots
        models = _models(Instance, section)
        owner: type[BaseModel] | None = models[0] if models else None
        holder = doc.setdefault(section, {})
        if holder is None:  # an optional section written as null
            holder = doc[section] = {}
        for key in keys[:-1]:
            _check_field(path, owner, key, f"the {section} section")
            if not isinstance(holder, dict):
                raise ParameterError(f"{path}: '{key}' is not a section")
            inner = _models(owner, key) if owner is not None else []
            owner = inner[0] if inner else None
            holder = holder.setdefault(key, {})
        if not isinstance(holder, dict):
            raise ParameterError(f"{path}: not a section")
        _check_field(path, owner, keys[-1], f"the {section} section")
        return [holder], keys[-1]
    raise ParameterError(
        f"{path}: unknown section '{section}' (one of: {', '.join(DICT_SECTIONS + LIST_SECTIONS)}, catalog)"
    )


# ------------------------------------------------------------------------------------ edits
def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def assign(
    doc: dict[str, Any],
    path: str,
    value: Any,
    *,
    relative: bool = False,
    base_dir: str | Path = ".",
    round_integers: bool = True,
) -> None:
    """Set the field(s) ``path`` names in ``doc`` (in place) to ``value``, or to their value times ``value``
    when ``relative``. A number needs a numeric (or unset) field; ``round_integers`` rounds a number set on an
    integer field (count, ports, supply). Raises ``ParameterError``."""
    holders, name = targets(doc, Path(base_dir), path)
    integer = name in INTEGER_FIELDS or path.startswith("limits.supply.")
    for holder in holders:
        base = holder.get(name)
        if not (_numeric(value) or relative):
            holder[name] = copy.deepcopy(value)
            continue
        if base is not None and not _numeric(base):
            raise ParameterError(f"{path}: field '{name}' is not numeric ({base!r})")
        if relative:
            if base is None:
                raise ParameterError(f"{path}: a factor needs a base value, and '{name}' is not set")
            new: float = base * value
        else:
            new = value
        holder[name] = round(new) if integer and (round_integers or relative) else new


def apply_overrides(
    document: Mapping[str, Any],
    assignments: Mapping[str, float],
    relative: Mapping[str, bool],
    base_dir: str | Path = ".",
) -> dict[str, Any]:
    """A deep copy of an instance document with each ``path -> value`` applied.

    A relative parameter multiplies the field's base value. Integer fields (count, ports, supply) are rounded.

    Raises:
        ParameterError: a path matches nothing or names no field of the format, or a relative field has no
            numeric base value.
    """
    doc = copy.deepcopy(dict(document))
    for path, value in assignments.items():
        if not _numeric(value):
            raise ParameterError(f"{path}: expected a number, got {value!r}")
        assign(doc, path, value, relative=bool(relative.get(path)), base_dir=base_dir)
    return doc


def change_value(path: str, value: Any) -> tuple[Any, bool]:
    """(value, relative) of one ``with_changes`` entry: ``"x1.2"`` (or ``"*1.2"``) is a factor of the present
    value; a numeric string is a number; anything else is taken as given."""
    if isinstance(value, str):
        text = value.strip()
        relative = text[:1] in ("x", "*")
        number = text[1:] if relative else text
        try:
            parsed = float(number)
        except ValueError:
            if relative:
                raise ParameterError(f"{path}: cannot read the factor {value!r} (e.g. x1.2)") from None
            return value, False
        if not math.isfinite(parsed):
            raise ParameterError(f"{path}: {value!r} is not a finite number")
        return parsed, relative
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(f"{path}: {value!r} is not a finite number")
    return value, False


# ------------------------------------------------------------------------------------ documents
def instance_document(instance: Instance) -> dict[str, Any]:
    """The instance as a plain document that ``load_instance`` reads back into an equal instance: the fields
    the file gave (defaults left out) and the resolved catalogue inline."""
    doc = instance.model_dump(mode="json", exclude_unset=True, warnings=False, exclude={"catalog"})
    catalog = instance.catalog
    doc["catalog"] = (
        catalog.model_dump(mode="json", exclude_unset=True, warnings=False) if isinstance(catalog, Catalog) else catalog
    )
    return doc


def document_of(source: InstanceSource, base_dir: str | Path | None = None) -> tuple[dict[str, Any], Path]:
    """(instance document, folder its relative paths resolve against) of an ``Instance``, a path or a mapping.

    A path's instance is also loaded, so an invalid base instance raises ``InstanceError`` at once."""
    from optimizer.core.load import load_instance

    if isinstance(source, Instance):
        return instance_document(source), Path(base_dir) if base_dir is not None else Path.cwd()
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        data, issues = read_document(path)
        if issues:
            raise InstanceError(issues)
        load_instance(path)  # the base instance must be valid on its own
        assert isinstance(data, dict)
        return data, Path(base_dir) if base_dir is not None else path.parent
    if isinstance(source, Mapping):
        return dict(source), Path(base_dir) if base_dir is not None else Path.cwd()
    raise TypeError(f"expected an Instance, a path to an instance file or a mapping, got {type(source).__name__}")


def with_changes(instance: Instance | str | os.PathLike[str], changes: Mapping[str, Any]) -> Instance:
    """A new instance: ``instance`` (an ``Instance`` or the path of an instance file) with each ``path: value``
    of ``changes`` applied (see the module docstring), validated as ``load_instance`` validates a file.

    Raises:
        InstanceError: every problem at once: paths that match nothing or name no field, values the format
            refuses (a negative price, a count that is not whole), and the semantic checks of the result.
    """
    from optimizer.core.load import as_instance, load_instance

    instance = as_instance(instance)
    if not isinstance(changes, Mapping):
        raise TypeError(f"changes: expected a mapping of path: value, got {type(changes).__name__}")
    doc = instance_document(instance)
    issues: list[Issue] = []
    for path, raw in changes.items():
        try:
            if isinstance(path, str) and "." not in path and path in Instance.model_fields:
                doc[path] = _plain(raw)  # a top-level field (objective, routing, name, a whole section)
                continue
            value, relative = change_value(str(path), raw)
            assign(doc, str(path), _plain(value), relative=relative, round_integers=False)
        except ParameterError as exc:
            issues.append(Issue(instance.source, str(path), str(exc).removeprefix(f"{path}: ")))
    try:
        changed = load_instance(doc, name=instance.source)
    except InstanceError as exc:  # the edits that applied are checked too: every problem at once
        raise InstanceError([*issues, *exc.issues]) from None
    if issues:
        raise InstanceError(issues)
    return changed


def _plain(value: Any) -> Any:
    """Model objects as plain data (so that they are validated again, never taken as they are)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True, warnings=False)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def revalidated_copy(model: BaseModel, update: Mapping[str, Any]) -> BaseModel:
    """``model_copy(update=...)`` of the schema's models: an ``Instance`` through ``with_changes`` (every
    check of a file), any other model validated again from its fields with the update applied.

    Raises:
        InstanceError: the updated model is invalid (each problem as ``<source>: where: message``).
    """
    if isinstance(model, Instance):
        unknown = [k for k in update if k not in Instance.model_fields]
        if unknown:
            raise InstanceError([Issue(model.source, str(k), "unknown field") for k in unknown])
        return with_changes(model, dict(update))
    data = {**model.model_dump(mode="json", exclude_unset=True, warnings=False), **_plain(dict(update))}
    try:
        return type(model).model_validate(data)
    except ValidationError as exc:
        raise InstanceError(validation_issues(exc, "<copy>", type(model), data, f"{type(model).__name__}.")) from None
