"""Reading instance and catalogue files; turning parse and schema errors into ``Issue`` lists.

YAML is read with a safe loader (no object construction) that also reads YAML 1.2 numbers such as
``5e7`` as floats (YAML 1.1 loaders read them as strings).

Hostile or broken files get an answer, never a crash or a hang: a file is read with a size bound
(``MAX_DOCUMENT_BYTES``; catalogue files ``MAX_CATALOG_BYTES`` and regular files only, so a device or a
FIFO is refused at once), NUL bytes and other control characters are reported with their line, nesting
deeper than ``MAX_DEPTH`` levels is refused, and YAML aliases may add at most ``MAX_ALIAS_NODES`` nodes
to a document (a "billion laughs" file is refused before any object is built).

A key given twice in one mapping is refused in YAML and JSON alike (both parsers would silently keep the
last value): YAML at the key's line, JSON at the place of the object in the document (``links[3]``).
"""

from __future__ import annotations

import difflib
import functools
import itertools
import json
import os
import re
import stat
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from optimizer.errors import Issue

MAX_DOCUMENT_BYTES = 512 * 2**20
"""Largest instance file read (an instance with 10^5 link groups is about 20 MB)."""
MAX_CATALOG_BYTES = 16 * 2**20
"""Largest catalogue file read (the built-in catalogue is about 60 kB)."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists accepted (the format itself needs 6 levels)."""
MAX_ALIAS_NODES = 1_000_000
"""Most nodes YAML aliases may add to a document by repeating anchored content."""

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]  # libyaml's loader when present, chosen at run time
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
    """Construct a mapping, rejecting a key given twice (YAML would silently keep the last) and keys
    that are lists or mappings (a Python mapping cannot hold them)."""
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # ``<<: *anchor`` merge keys are flattened by the base constructor
        # a plain string key is its node's text: no second construction (keys are built again below)
        key = key_node.value if key_node.tag == _STR_TAG else loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a list or mapping used as a key (keys must be plain values)", key_node.start_mark
            ) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {_short(key)} (it is given twice in this mapping)", key_node.start_mark
            )
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor("tag:yaml.org,2002:map", _mapping_without_duplicates)


class _Refused(Exception):
    """A document refused before it is built: ``where`` and ``message`` say why."""

    def __init__(self, where: str, message: str):
        super().__init__(message)
        self.where, self.message = where, message


def read_document(
    path: str | Path,
    label: str | None = None,
    *,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    regular_only: bool = False,
) -> tuple[Any, list[Issue]]:
    """Read a YAML or JSON file into plain Python data; problems come back as issues.

    Args:
        path: the file (``.json`` is read as JSON, anything else as YAML).
        label: the name issues give the file (default: the path).
        max_bytes: a larger file is refused without reading it all.
        regular_only: refuse anything but a regular file (devices, FIFOs, sockets); otherwise a FIFO
            (such as a shell's process substitution) is read, devices and sockets are refused.
    """
    path = Path(path)
    file = label or str(path)
    text, issues = read_text_file(path, file, max_bytes=max_bytes, regular_only=regular_only)
    if text is None:
        return None, issues
    if not text.strip():
        return None, [Issue(file, "file", "the file is empty")]
    return parse_text(text, file, as_json=path.suffix.lower() == ".json")


def read_text_file(
    path: str | Path, label: str | None = None, *, max_bytes: int = MAX_DOCUMENT_BYTES, regular_only: bool = False
) -> tuple[str | None, list[Issue]]:
    """A UTF-8 text file without NUL bytes, read with the bounds of ``read_document``; or why not."""
    path = Path(path)
    file = label or str(path)
    try:
        raw = _read_bytes(path, max_bytes, regular_only)
    except _Refused as exc:
        return None, [Issue(file, "file", exc.message)]
    except FileNotFoundError:
        return None, [Issue(file, "file", "no such file")]
    except IsADirectoryError:
        return None, [Issue(file, "file", "is a directory, expected a YAML or JSON file")]
    except PermissionError:
        return None, [Issue(file, "file", "cannot be read: permission denied")]
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        return None, [Issue(file, "file", f"cannot be read: {reason}")]
    return _decode(raw, file)


def parse_text(text: str, file: str, *, as_json: bool) -> tuple[Any, list[Issue]]:
    """Parse YAML or JSON text with the nesting and alias bounds of ``read_document``."""
    try:
        if as_json:
            if "\\u" not in text:  # no escape can put a colon into a string: the quick checks hold
                data = json.loads(text)
                if _json_checks(data) == text.count(":"):
                    return data, []
            twice: list[_KeysGivenTwice] = []
            data = json.loads(text, object_pairs_hook=functools.partial(_json_object, twice))
            check_structure(data)
            if twice:
                return None, _duplicate_key_issues(data, file)
            return data, []
        return _load_yaml(text), []
    except _Refused as exc:
        return None, [Issue(file, exc.where, exc.message)]
    except json.JSONDecodeError as exc:
        return None, [Issue(file, f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        problem = exc.problem or exc.context or "cannot be parsed"
        return None, [Issue(file, where, f"invalid YAML: {_one_line(problem)}")]
    except yaml.reader.ReaderError as exc:
        return None, [Issue(file, _where_in(text, exc.position), f"invalid YAML: {_one_line(exc.reason)}")]
    except RecursionError:
        return None, [Issue(file, "file", f"nested too deeply (more than {MAX_DEPTH} levels of lists and mappings)")]
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        kind = "JSON" if as_json else "YAML"
        reason = _one_line(str(exc))
        if "integer string conversion" in reason:
            reason = "a whole number with more digits than Python converts (4,300)"
        return None, [Issue(file, "file", f"invalid {kind}: {reason[:200]}")]


def _json_checks(data: Any) -> int:
    """Depth bound of freshly parsed JSON (raises ``_Refused``) and its count of colons: keys plus the colons
    inside its strings, level by level with C-level iteration (no Python frame per value).

    A JSON text has one colon per key it writes, plus those inside its strings. Without ``\\u`` escapes a
    parsed string has the colons of its text, so the count equals ``text.count(":")`` exactly when no key
    was given twice (the parser keeps one of two equal keys and drops the other with its value); when the
    counts differ, the caller parses again with the hook that finds the repeated keys. JSON data contains no
    shared or self-containing parts, so depth is the only bound to check here.
    """
    dicts: list[Any] = [data] if type(data) is dict else []
    lists: list[Any] = [data] if type(data) is list else []
    colons = data.count(":") if type(data) is str else 0
    depth = 0
    is_dict, is_list, is_str = {dict}.__contains__, {list}.__contains__, {str}.__contains__
    while dicts or lists:
        depth += 1
        if depth > MAX_DEPTH:
            raise _Refused("file", f"nested too deeply (more than {MAX_DEPTH} levels of lists and mappings)")
        keys = list(itertools.chain.from_iterable(dicts))
        values = itertools.chain.from_iterable(map(dict.values, dicts))
        children = list(itertools.chain(values, itertools.chain.from_iterable(lists)))
        kinds = list(map(type, children))
        strings = list(itertools.compress(children, map(is_str, kinds)))
        colons += len(keys) + "".join(keys).count(":") + "".join(strings).count(":")
        dicts = list(itertools.compress(children, map(is_dict, kinds)))
        lists = list(itertools.compress(children, map(is_list, kinds)))
    return colons


class _KeysGivenTwice(dict):  # type: ignore[type-arg]
    """A JSON object that gives a key more than once (``json`` would silently keep the last value)."""

    twice: list[str]


def _json_object(found: list[_KeysGivenTwice], pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` of ``json.loads``: a dict, marked when a key is given twice (one ``len`` comparison
    per object on the fast path, so large files read as fast as with the default hook)."""
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    marked = _KeysGivenTwice(obj)
    seen: set[str] = set()
    marked.twice = []
    for key, _ in pairs:
        if key in seen and key not in marked.twice:
            marked.twice.append(key)
        seen.add(key)
    found.append(marked)
    return marked


def _duplicate_key_issues(data: Any, file: str) -> list[Issue]:
    """Every JSON object that gives a key twice, by its place in the document (as YAML refuses them)."""
    issues: list[Issue] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, _KeysGivenTwice):
            where = format_loc(loc)
            issues += [
                Issue(file, where, f"duplicate key {_short(k)} (it is given twice in this mapping)") for k in node.twice
            ]
        if isinstance(node, dict):
            stack.extend((v, (*loc, k)) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((v, (*loc, i)) for i, v in reversed(list(enumerate(node))))
    return issues


def structure_issues(data: Any, file: str) -> list[Issue]:
    """``check_structure`` as issues: nesting too deep or data that contains itself."""
    try:
        check_structure(data)
    except _Refused as exc:
        return [Issue(file, exc.where, exc.message)]
    return []


def check_structure(data: Any) -> None:
    """Refuse nesting deeper than ``MAX_DEPTH`` and self-containing data (raises ``_Refused``).

    Iterative, with shared sub-structures visited once, so neither deep nor alias-heavy data can
    exhaust the stack or the clock.
    """
    done: set[int] = set()
    on_path: set[int] = set()
    stack: list[tuple[Any, int, bool]] = [(data, 1, False)]
    while stack:
        node, depth, leaving = stack.pop()
        if leaving:
            on_path.discard(id(node))
            done.add(id(node))
            continue
        if isinstance(node, Mapping):
            children = list(node.keys()) + list(node.values())
        elif isinstance(node, list | tuple):
            children = list(node)
        else:
            continue
        if id(node) in on_path:
            raise _Refused("file", "the data contains itself (a recursive alias or reference)")
        if id(node) in done:
            continue
        if depth > MAX_DEPTH:
            raise _Refused("file", f"nested too deeply (more than {MAX_DEPTH} levels of lists and mappings)")
        on_path.add(id(node))
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children)


def _read_bytes(path: Path, max_bytes: int, regular_only: bool) -> bytes:
    """The file's bytes, at most ``max_bytes``; opening never blocks on a FIFO unless it may be read."""
    cloexec = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | cloexec)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(str(path))
        if not stat.S_ISREG(info.st_mode):
            kind = _file_kind(info.st_mode)
            if regular_only or not stat.S_ISFIFO(info.st_mode):
                raise _Refused("file", f"is {kind}, not a regular file")
            os.close(fd)
            fd = -1
            fd = os.open(path, os.O_RDONLY | cloexec)  # a pipe named on purpose: wait for its writer
        elif info.st_size > max_bytes:
            raise _Refused("file", f"is {info.st_size:,} bytes, more than the {max_bytes:,} bytes read at most")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise _Refused("file", f"is more than the {max_bytes:,} bytes read at most")
    finally:
        if fd >= 0:
            os.close(fd)


def _file_kind(mode: int) -> str:
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _decode(raw: bytes, file: str) -> tuple[str | None, list[Issue]]:
    """UTF-8 text without NUL bytes, or the place of the first offending byte."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        where = f"line {line}, column {column}"
        return None, [Issue(file, where, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})")]
    nul = text.find("\x00")
    if nul >= 0:
        return None, [Issue(file, _where_in(text, nul), "contains a NUL byte (a binary file?)")]
    return text, []


def _where_in(text: str, position: int) -> str:
    before = text[:position]
    line = before.count("\n") + 1
    column = position - before.rfind("\n")
    return f"line {line}, column {column}"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _load_yaml(text: str) -> Any:
    """Compose the node graph, check its depth and alias expansion, then build Python objects."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node)
        try:
            return loader.construct_document(node)
        except (yaml.YAMLError, RecursionError, _Refused):
            raise
        except (AttributeError, KeyError, IndexError, TypeError, ValueError, OverflowError) as exc:
            # PyYAML's constructors fail this way on some malformed tagged values (e.g. a bad !!timestamp)
            if "integer string conversion" in str(exc):
                raise
            raise _Refused(
                "file", f"invalid YAML: a tagged or special value cannot be read ({type(exc).__name__})"
            ) from None
    finally:
        loader.dispose()


def _check_nodes(root: Any) -> None:
    """Refuse a node graph deeper than ``MAX_DEPTH``, recursive, or whose aliases expand it by more than
    ``MAX_ALIAS_NODES`` nodes (sizes are computed once per distinct node, so the check itself is cheap)."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_path: set[int] = set()
    cap = 10**12
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        children = _children(node)
        if leaving:
            on_path.discard(key)
            size[key] = min(cap, 1 + sum(size[id(c)] for c in children))
            height[key] = 1 + max((height[id(c)] for c in children), default=0)
            if height[key] > MAX_DEPTH:
                where = f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"
                raise _Refused(where, f"nested too deeply (more than {MAX_DEPTH} levels of lists and mappings)")
            continue
        if key in size:
            continue
        if key in on_path:
            where = f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"
            raise _Refused(where, "a recursive alias (the node contains itself)")
        if len(on_path) > MAX_DEPTH:
            where = f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"
            raise _Refused(where, f"nested too deeply (more than {MAX_DEPTH} levels of lists and mappings)")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children)
    if size[id(root)] - len(size) > MAX_ALIAS_NODES:
        raise _Refused(
            "file",
            f"aliases expand the document by more than {MAX_ALIAS_NODES:,} nodes (an alias bomb?); "
            "write the repeated content out or use fewer aliases",
        )


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def format_loc(loc: tuple[Any, ...]) -> str:
    """('links', 3, 'length_m') -> 'links[3].length_m'."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            text = str(part)
            out += ("." if out else "") + (text if _PLAIN_KEY.fullmatch(text) else _short(part))
    return out or "(top level)"


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_*?\[\]-][A-Za-z0-9_.*?\[\]-]{0,59}")


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
            message = f"unknown field {_short(loc[-1])}"
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
