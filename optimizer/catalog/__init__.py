"""The built-in catalogue and catalogue resolution (``builtin`` | file | inline, with ``extends``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from optimizer.errors import InstanceError, Issue
from optimizer.schema import Cable, Catalog, Media, Switch, Transceiver

BUILTIN_LABEL = "<builtin catalogue>"
SECTIONS = ("media", "transceivers", "cables", "switches")


@functools.lru_cache(maxsize=1)
def builtin_catalog() -> Catalog:
    """The catalogue shipped with the package (optimizer/catalog/builtin.yaml)."""
    from optimizer.io import read_document, validation_issues

    ref = resources.files("optimizer.catalog").joinpath("builtin.yaml")
    with resources.as_file(ref) as path:
        data, issues = read_document(Path(path), BUILTIN_LABEL)
    if issues:
        raise InstanceError(issues)
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as exc:
        raise InstanceError(validation_issues(exc, BUILTIN_LABEL, Catalog, data)) from None
    problems = catalog_issues(catalog, BUILTIN_LABEL, "")
    if problems:
        raise InstanceError(problems)
    return catalog


def merge_catalogs(base: Catalog, override: Catalog) -> Catalog:
    """``extends``: start from base; entries of override add to it or replace the same id."""
    merged: dict[str, list[Any]] = {}
    override_ids = {e.id for s in SECTIONS for e in getattr(override, s)}
    for section in SECTIONS:
        kept = [e for e in getattr(base, section) if e.id not in override_ids]
        merged[section] = kept + list(getattr(override, section))
    return Catalog(description=override.description or base.description, **merged)


def catalog_issues(catalog: Catalog, file: str, prefix: str, extra_media: frozenset[str] = frozenset()) -> list[Issue]:
    """Duplicate ids (across all sections) and unknown media references.

    ``extra_media``: media ids available from elsewhere (the built-in catalogue under ``extends``).
    """
    issues: list[Issue] = []
    first_seen: dict[str, str] = {}
    for section in SECTIONS:
        for i, entry in enumerate(getattr(catalog, section)):
            where = f"{prefix}{section}[{i}].id"
            if entry.id in first_seen:
                issues.append(
                    Issue(file, where, f"duplicate catalogue id '{entry.id}' (also {first_seen[entry.id]})")
                )
            else:
                first_seen[entry.id] = f"{section}[{i}]"
    media_ids = {m.id for m in catalog.media} | set(extra_media)
    for i, t in enumerate(catalog.transceivers):
        if t.media not in media_ids:
            known = ", ".join(sorted(media_ids)) or "none"
            issues.append(
                Issue(file, f"{prefix}transceivers[{i}].media", f"unknown media '{t.media}'; known: {known}")
            )
    return issues


@dataclass(frozen=True)
class CatalogIndex:
    """Catalogue entries by id, per section."""

    media: dict[str, Media]
    transceivers: dict[str, Transceiver]
    cables: dict[str, Cable]
    switches: dict[str, Switch]

    @classmethod
    def of(cls, catalog: Catalog) -> CatalogIndex:
        """Index a (resolved) catalogue."""
        return cls(
            media={m.id: m for m in catalog.media},
            transceivers={t.id: t for t in catalog.transceivers},
            cables={c.id: c for c in catalog.cables},
            switches={s.id: s for s in catalog.switches},
        )

    def section_of(self, item_id: str) -> str | None:
        """The section holding item_id, or None."""
        for section in SECTIONS:
            if item_id in getattr(self, section):
                return section
        return None
