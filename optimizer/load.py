"""Stage 1: ``load_instance`` -- parse, schema-validate, resolve the catalogue, check semantics."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from optimizer.catalog import builtin_catalog, catalog_issues, merge_catalogs
from optimizer.checks import check_instance
from optimizer.errors import InstanceError, Issue
from optimizer.io import read_document, validation_issues
from optimizer.schema import Catalog, Instance


def load_instance(source: str | Path | Mapping[str, Any], *, base_dir: str | Path | None = None) -> Instance:
    """Read and validate an instance file (YAML or JSON) or an in-memory mapping.

    Args:
        source: a path to the instance file, or the instance as a mapping.
        base_dir: folder that relative catalogue paths are resolved against (default: the
            instance file's folder, or the current folder for a mapping).

    Returns:
        The validated ``Instance`` with its catalogue resolved to a ``Catalog``.

    Raises:
        InstanceError: with every problem found, each as ``file: where: message``.
    """
    if isinstance(source, Mapping):
        file, data = "<mapping>", dict(source)
        folder = Path(base_dir) if base_dir is not None else Path.cwd()
    else:
        path = Path(source)
        file = str(source)
        data, issues = read_document(path)
        if issues:
            raise InstanceError(issues)
        folder = Path(base_dir) if base_dir is not None else path.parent
    if not isinstance(data, Mapping):
        raise InstanceError([Issue(file, "(top level)", f"expected a mapping of fields, got {type(data).__name__}")])
    try:
        instance = Instance.model_validate(data)
    except ValidationError as exc:
        raise InstanceError(validation_issues(exc, file, Instance, data)) from None

    catalog, issues = _resolve_catalog(instance.catalog, file, folder)
    if catalog is None:
        raise InstanceError(issues)
    resolved = instance.model_copy(update={"catalog": catalog})
    resolved._source = file
    issues += check_instance(resolved)
    if issues:
        raise InstanceError(issues)
    return resolved


def _resolve_catalog(spec: str | Catalog, file: str, folder: Path) -> tuple[Catalog | None, list[Issue]]:
    if spec == "builtin":
        return builtin_catalog(), []
    if isinstance(spec, Catalog):
        catalog, cat_file, prefix = spec, file, "catalog."
    else:
        cat_path = folder / spec
        data, issues = read_document(cat_path, str(cat_path))
        if issues:
            return None, [Issue(file, "catalog", f"cannot read catalogue file '{spec}': {issues[0].message}")]
        if not isinstance(data, Mapping):
            return None, [Issue(str(cat_path), "(top level)", "expected a catalogue mapping")]
        try:
            catalog = Catalog.model_validate(data)
        except ValidationError as exc:
            return None, validation_issues(exc, str(cat_path), Catalog, data)
        cat_file, prefix = str(cat_path), ""
    issues = catalog_issues(catalog, cat_file, prefix)
    if catalog.extends == "builtin":
        catalog = merge_catalogs(builtin_catalog(), catalog)
        issues += [i for i in catalog_issues(catalog, cat_file, prefix) if "unknown media" in i.message
                   and i not in issues]
    if issues:
        return None, issues
    return catalog, []
