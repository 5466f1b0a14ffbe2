"""Reading instance and catalogue files; turning parse and schema errors into ``Issue`` lists.

YAML is read with a safe loader (no object construction) that also reads YAML 1.2 numbers such as
``5e7`` as floats (YAML 1.1 loaders read them as strings).
"""

from __future__ import annotations

import difflib
import json
import re
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from optimizer.errors import Issue

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML loader with YAML 1.2 float syntax (``5e7``, ``1.0e+6``)."""


_Loader.yaml_implicit_resolvers = {k: list(v) for k, v in _BaseLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


_STR_TAG = "tag:yaml.org,2002:str"


def _mapping_without_duplicates(loader: Any, node: Any, deep: bool = False) -> dict[Any, Any]:
    """Construct a mapping, rejecting a key given twice (YAML would silently keep the last)."""
    seen: set[Any] = set()
    for key_node, _ in node.value:
        # a plain string key is its node's text: no second construction (keys are built again below)
        key = key_node.value if key_node.tag == _STR_TAG else loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}' (it is given twice in this mapping)", key_node.start_mark
            )
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor("tag:yaml.org,2002:map", _mapping_without_duplicates)


def read_document(path: Path, label: str | None = None) -> tuple[Any, list[Issue]]:
    """Read a YAML or JSON file into plain Python data; problems come back as issues."""
    file = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Issue(file, "file", "no such file")]
    except IsADirectoryError:
        return None, [Issue(file, "file", "is a directory, expected a YAML or JSON file")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Issue(file, "file", f"cannot be read: {exc}")]
    if not text.strip():
        return None, [Issue(file, "file", "the file is empty")]
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text), []
        return yaml.load(text, Loader=_Loader), []  # noqa: S506 - _Loader derives from SafeLoader
    except json.JSONDecodeError as exc:
        return None, [Issue(file, f"line {exc.lineno}", f"invalid JSON: {exc.msg}")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [Issue(file, where, f"invalid YAML: {problem}")]


def format_loc(loc: tuple[Any, ...]) -> str:
    """('links', 3, 'length_m') -> 'links[3].length_m'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


_UNION_TAGS = {"nic", "switch", "scalar", "mapping"}


def validation_issues(
    exc: ValidationError, file: str, model: type[BaseModel], data: Any, prefix: str = ""
) -> list[Issue]:
    """Translate a pydantic ValidationError into ``file: where: message`` issues."""
    issues: list[Issue] = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if not (isinstance(p, str) and _is_internal_tag(p))]
        kind = err["type"]
        if kind == "extra_forbidden":
            field = str(loc[-1])
            where = prefix + format_loc(tuple(loc[:-1])) if loc[:-1] else (prefix.rstrip(".") or "(top level)")
            message = f"unknown field '{field}'"
            known = _known_fields(model, loc[:-1], data)
            close = difflib.get_close_matches(field, known, n=1)
            if close:
                message += f" (did you mean '{close[0]}'?)"
            issues.append(Issue(file, where, message))
            continue
        where = prefix + format_loc(tuple(loc)) if loc else (prefix.rstrip(".") or "(top level)")
        if kind == "missing":
            message = "missing required field"
        elif kind == "union_tag_invalid":
            where += ".kind"
            message = f"must be 'nic' or 'switch', got {_short(err.get('ctx', {}).get('tag'))}"
        elif kind == "union_tag_not_found":
            message = "missing required field 'kind' (nic or switch)"
        else:
            message = err["msg"].removeprefix("Value error, ")
            if "got" not in message and kind not in ("literal_error",) or kind == "literal_error":
                message += f", got {_short(err.get('input'))}"
        issues.append(Issue(file, where, message))
    return _collapse_union_noise(issues)


def _is_internal_tag(part: str) -> bool:
    return part in _UNION_TAGS or part.startswith(("function-", "constrained-", "literal["))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _collapse_union_noise(issues: list[Issue]) -> list[Issue]:
    """A plain union (e.g. ``Id | None`` in path links) yields one error per member: one line per place."""
    seen: dict[tuple[str, str], Issue] = {}
    for issue in issues:
        key = (issue.file, issue.where)
        if key in seen and issue.message not in seen[key].message:
            seen[key] = Issue(issue.file, issue.where, f"{seen[key].message}; or {issue.message}")
        else:
            seen.setdefault(key, issue)
    return list(seen.values())


def _known_fields(model: type[BaseModel], loc: list[Any], data: Any) -> list[str]:
    """Field names valid at loc (for 'did you mean' hints); best effort."""
    candidates: list[type[BaseModel]] = [model]
    node = data
    for part in loc:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        current = _pick(candidates, node)
        field = current.model_fields.get(str(part)) if current else None
        if field is None:
            return []
        node = node.get(part) if isinstance(node, Mapping) else None
        candidates = _models_in(field.annotation)
    current = _pick(candidates, node)
    return list(current.model_fields) if current else []


def _pick(candidates: list[type[BaseModel]], node: Any) -> type[BaseModel] | None:
    """Choose among union members (nic/switch nodes) by the raw data's ``kind``."""
    if len(candidates) > 1 and isinstance(node, Mapping):
        for c in candidates:
            kind = c.model_fields.get("kind")
            if kind is not None and node.get("kind") in typing.get_args(kind.annotation):
                return c
    return candidates[0] if candidates else None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Every pydantic model class inside a (nested Annotated/Union/list) annotation."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found
