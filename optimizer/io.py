"""Reading instance and catalogue files; turning parse and schema errors into ``Issue`` lists.

YAML is read with a safe loader (no object construction) that also reads YAML 1.2 numbers such as
``5e7`` as floats (YAML 1.1 loaders read them as strings).
"""

from __future__ import annotations

import difflib
import json
import re
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


_UNION_TAGS = {"nic", "switch", "Catalog", "CountRange", "str", "int", "literal['builtin']"}


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
        where = prefix + format_loc(tuple(loc))
        if kind == "missing":
            message = "missing required field"
        elif kind == "union_tag_invalid":
            message = f"kind must be 'nic' or 'switch', got {err['input']!r}"
        elif kind == "union_tag_not_found":
            message = "missing required field 'kind' (nic or switch)"
        else:
            message = err["msg"].removeprefix("Value error, ")
            if "got" not in message and kind not in ("literal_error",):
                message += f", got {_short(err.get('input'))}"
            elif kind == "literal_error":
                message += f", got {_short(err.get('input'))}"
        issues.append(Issue(file, where, message))
    return _collapse_union_noise(issues)


def _is_internal_tag(part: str) -> bool:
    return part in _UNION_TAGS or part.startswith(("function-", "constrained-", "literal["))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _collapse_union_noise(issues: list[Issue]) -> list[Issue]:
    """A union field (count, catalog) yields one error per member; keep one line per place."""
    seen: dict[tuple[str, str], Issue] = {}
    for issue in issues:
        key = (issue.file, issue.where)
        if key in seen and issue.message != seen[key].message:
            seen[key] = Issue(issue.file, issue.where, _union_message(issue.where, seen[key], issue))
        else:
            seen.setdefault(key, issue)
    return list(seen.values())


def _union_message(where: str, first: Issue, second: Issue) -> str:
    if where.endswith(".count"):
        return "expected a positive whole number or {min: a, max: b}, got " + first.message.split("got ")[-1]
    if where.endswith("catalog"):
        return "expected 'builtin', a catalogue file path or an inline catalogue mapping"
    return f"{first.message}; or {second.message}"


def _known_fields(model: type[BaseModel], loc: list[Any], data: Any) -> list[str]:
    """Field names valid at loc (for 'did you mean' hints); best effort."""
    from optimizer import schema

    current: Any = model
    node = data
    for part in loc:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        node = node.get(part) if isinstance(node, Mapping) else None
        current = _inner_model(field.annotation, node, schema)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _inner_model(annotation: Any, node: Any, schema: Any) -> Any:
    args = getattr(annotation, "__args__", ()) or ()
    candidates = [annotation, *args]
    for arg in list(candidates):
        candidates.extend(getattr(arg, "__args__", ()) or ())
        meta = getattr(arg, "__metadata__", None)
        if meta is not None:
            candidates.extend(getattr(arg, "__origin__", []) and [arg.__origin__])
    models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
    if not models:
        return None
    if schema.NicNode in models and isinstance(node, Mapping):
        return schema.SwitchNode if node.get("kind") == "switch" else schema.NicNode
    return models[0]
