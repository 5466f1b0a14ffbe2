"""Stage 1: ``load_instance`` -- parse, schema-validate, resolve the catalogue, check semantics."""

from __future__ import annotations

import itertools
import operator
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from optimizer.core.catalog import (
    CatalogIndex,
    apply_field_overrides,
    builtin_catalog,
    catalog_issues,
    merge_catalogs,
    twin_issues,
)
from optimizer.core.checks import check_instance
from optimizer.core.compat import resolve_nic_models
from optimizer.core.fastload import fast_links, fast_nic_nodes
from optimizer.core.gcpause import paused_gc
from optimizer.core.io import MAX_CATALOG_BYTES, read_document, structure_issues, validation_issues
from optimizer.core.schema import Bandwidth, Catalog, Instance, Link, NicNode, Node, SwitchNode
from optimizer.core.schema import Path as Path_
from optimizer.errors import InstanceError, Issue

_NODE: TypeAdapter[Any] = TypeAdapter(Node)


@paused_gc()  # many small objects: no cyclic-GC passes while parsing and validating
def load_instance(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    base_dir: str | Path | None = None,
    name: str | None = None,
) -> Instance:
    """Read and validate an instance file (YAML or JSON) or an in-memory mapping.

    Args:
        source: a path to the instance file, or the instance as a mapping.
        base_dir: folder that relative catalogue paths are resolved against (default: the
            instance file's folder, or the current folder for a mapping).
        name: what problems of a mapping name as their file (default ``<mapping>``); the loaded
            instance's ``source``.

    Returns:
        The validated ``Instance`` with its catalogue resolved to a ``Catalog``.

    Raises:
        InstanceError: with every problem found, each as ``file: where: message``.
    """
    if isinstance(source, Mapping):
        file, data = name or "<mapping>", dict(source)
        folder = Path(base_dir) if base_dir is not None else Path.cwd()
        problems = structure_issues(data, file)
        if problems:
            raise InstanceError(problems)
    else:
        path = Path(source)
        file = str(source)
        data, issues = read_document(path)
        if issues:
            raise InstanceError(issues)
        folder = Path(base_dir) if base_dir is not None else path.parent
    if data is None:
        raise InstanceError([Issue(file, "(top level)", "the file has no content (empty or only comments)")])
    if not isinstance(data, Mapping):
        kind = {list: "a list", str: "a single string"}.get(type(data), type(data).__name__)
        raise InstanceError([Issue(file, "(top level)", f"expected a mapping of fields, got {kind}")])
    if isinstance(data.get("catalog"), Mapping):
        data = {**data, "catalog": apply_field_overrides(data["catalog"])}
    instance, issues, invalid_ids, positions = _validate_items(data, file)
    if instance is None:
        raise InstanceError(issues)
    catalog, catalog_problems = _resolve_catalog(instance.catalog, file, folder)
    issues += catalog_problems
    if catalog is None:
        raise InstanceError(issues)
    resolved = instance._unchecked_copy(catalog=catalog)
    resolved._source = file
    resolved, nic_issues = resolve_nic_models(resolved, CatalogIndex.of(catalog))  # NIC groups naming a model
    issues += nic_issues
    # with catalogue problems the references are still checked, but options cannot be derived
    semantic = check_instance(resolved, invalid_ids, derive_options=not catalog_problems)
    issues += [_renumber(i, positions) for i in semantic]
    if issues:
        raise InstanceError(issues)
    return resolved


def as_instance(source: Instance | str | os.PathLike[str] | Mapping[str, Any]) -> Instance:
    """The ``Instance`` a library function was given: itself, or the instance file (or mapping) loaded.

    Raises:
        InstanceError: the file is invalid (every problem).
        TypeError: ``source`` is none of these.
    """
    if isinstance(source, Instance):
        return source
    if isinstance(source, str | os.PathLike | Mapping):
        return load_instance(source)
    raise TypeError(f"expected an Instance or a path to an instance file, got {type(source).__name__}")


_ITEM_MODELS: dict[str, Any] = {"nodes": None, "links": Link, "paths": Path_, "bandwidth": Bandwidth}


def _renumber(issue: Issue, positions: dict[str, list[int]]) -> Issue:
    """Map ``links[k]`` in a checked (filtered) list back to the entry's index in the file."""

    def fix(match: re.Match[str]) -> str:
        section, k = match.group(1), int(match.group(2))
        original = positions.get(section)
        return f"{section}[{original[k] if original and k < len(original) else k}]"

    return Issue(issue.file, re.sub(r"^(nodes|links|paths|bandwidth)\[(\d+)\]", fix, issue.where), issue.message)


def _validate_items(
    data: Mapping[str, Any], file: str
) -> tuple[Instance | None, list[Issue], dict[str, set[str]], dict[str, list[int]]]:
    """Validate list entries one by one, so one bad entry does not hide the checks of the others.

    Invalid entries are reported and left out; the ids they carry are returned per section so
    that references to them are not reported a second time as unknown.
    """
    issues: list[Issue] = []
    invalid_ids: dict[str, set[str]] = {section: set() for section in _ITEM_MODELS}
    cleaned = dict(data)
    dropped: set[str] = set()
    positions: dict[str, list[int]] = {}
    for section, model in _ITEM_MODELS.items():
        raw = data.get(section)
        if not isinstance(raw, list):
            continue
        kept: list[Any] = []
        positions[section] = []
        fast = _fast_section(section, raw)
        # the entries the fast path built are kept as they are (whole runs at once); the others are validated
        # one by one, in the order of the section
        todo: Iterable[int] = range(len(raw))
        if fast is not None:
            todo = list(itertools.compress(todo, map(operator.is_, fast, itertools.repeat(None))))
        built_to = 0  # fast[:built_to] is kept or passed over
        for i in todo:
            if fast is not None and built_to < i:
                kept += fast[built_to:i]
                positions[section] += range(built_to, i)
            built_to = i + 1
            item = raw[i]
            try:
                positions[section].append(i)
                kept.append(_NODE.validate_python(item) if section == "nodes" else model.model_validate(item))
            except ValidationError as exc:
                hint_model = model
                if section == "nodes":
                    is_switch = isinstance(item, Mapping) and item.get("kind") == "switch"
                    hint_model = SwitchNode if is_switch else NicNode
                positions[section].pop()
                issues += validation_issues(exc, file, hint_model, item, prefix=f"{section}[{i}].")
                dropped.add(section)
                if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                    invalid_ids[section].add(item["id"])
        if fast is not None and built_to < len(raw):
            kept += fast[built_to:]
            positions[section] += range(built_to, len(raw))
        cleaned[section] = kept
    try:
        instance = Instance.model_validate(cleaned)
    except ValidationError as exc:
        top = validation_issues(exc, file, Instance, cleaned)
        # an empty list left by dropped entries is not a problem of its own
        issues += [i for i in top if i.where not in dropped]
        return None, issues, invalid_ids, positions
    return instance, issues, invalid_ids, positions


def _fast_section(section: str, raw: list[Any]) -> list[Any] | None:
    """Per entry, the model built by the columnar fast path (``optimizer.core.fastload``), or None where the
    entry is validated on its own (every entry of a section the fast path does not take)."""
    if section == "links":
        return fast_links(raw)
    if section != "nodes":
        return None
    if set(map(type, raw)) == {dict}:  # the usual case, in C-level passes
        kinds = map(dict.get, raw, itertools.repeat("kind"))
        nic_at = list(itertools.compress(range(len(raw)), map(operator.eq, kinds, itertools.repeat("nic"))))
    else:
        nic_at = [i for i, item in enumerate(raw) if isinstance(item, dict) and item.get("kind") == "nic"]
    nics = fast_nic_nodes([raw[i] for i in nic_at])
    if nics is None:
        return None
    built: list[Any] = [None] * len(raw)
    for i, node in zip(nic_at, nics, strict=True):
        built[i] = node
    return built


def _resolve_catalog(spec: str | Catalog, file: str, folder: Path) -> tuple[Catalog | None, list[Issue]]:
    if spec == "builtin":
        return builtin_catalog(), []
    if isinstance(spec, Catalog):
        catalog, cat_file, prefix = spec, file, "catalog."
    else:
        cat_path, problem = catalog_file(spec, folder)
        if cat_path is None:
            return None, [Issue(file, "catalog", problem)]
        data, issues = read_document(cat_path, str(cat_path), max_bytes=MAX_CATALOG_BYTES, regular_only=True)
        if issues:
            where = "" if issues[0].where == "file" else f"{issues[0].where}: "
            return None, [
                Issue(file, "catalog", f"cannot read catalogue file {_quoted(spec)}: {where}{issues[0].message}")
            ]
        if not isinstance(data, Mapping):
            kind = "a list" if isinstance(data, list) else "a single string" if isinstance(data, str) else "a value"
            return None, [Issue(str(cat_path), "(top level)", f"expected a catalogue mapping, got {kind}")]
        data = apply_field_overrides(data)
        try:
            catalog = Catalog.model_validate(data)
        except ValidationError as exc:
            return None, validation_issues(exc, str(cat_path), Catalog, data)
        cat_file, prefix = str(cat_path), ""
    extra_media = frozenset(m.id for m in builtin_catalog().media) if catalog.extends == "builtin" else frozenset()
    issues = catalog_issues(catalog, cat_file, prefix, extra_media)
    issues += twin_issues(catalog, cat_file, prefix, builtin_catalog() if catalog.extends == "builtin" else None)
    if catalog.extends == "builtin":
        catalog = merge_catalogs(builtin_catalog(), catalog)
    return catalog, issues


def catalog_file(spec: str, folder: Path) -> tuple[Path | None, str]:
    """The catalogue file a ``catalog:`` path names, or None and why it is refused.

    The path is relative to the instance's folder and must stay inside it: absolute paths, ``..``
    steps and symbolic links that lead out of the folder are refused, so an instance file can only
    make the planner read files that sit beside it. (Reading itself is bounded and takes regular
    files only: see ``read_document``.)
    """
    if not spec.strip():
        return None, "an empty catalogue path (use builtin, a file name or an inline mapping)"
    relative = Path(spec)
    if relative.is_absolute() or spec.startswith(("~", "\\")) or relative.drive:
        return (
            None,
            f"catalogue file {_quoted(spec)}: give it relative to the instance's folder, not as an absolute path",
        )
    target = folder / relative
    try:
        inside = target.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):
        return None, f"catalogue file {_quoted(spec)}: the path cannot be resolved"
    if not inside:
        return None, (
            f"catalogue file {_quoted(spec)} lies outside the instance's folder ('..' or a symbolic link "
            "leading out); put it beside the instance or inline it"
        )
    return target, ""


def _quoted(text: str) -> str:
    shown = text if len(text) <= 60 else text[:57] + "..."
    return repr(shown)
