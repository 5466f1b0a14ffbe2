"""The built-in catalogue's parsed form: ``builtin.yaml`` as JSON, read instead of parsing the YAML on every run.

Parsing the 160 kB ``builtin.yaml`` with the checked YAML loader (``optimizer.core.io``) takes about 25 ms of
CPU on every run that resolves a catalogue; ``json.loads`` of the same document takes well under 1 ms.
``builtin.parsed.json`` holds the document the YAML loader gives (the plain data before validation) and the
SHA-256 of the YAML file's bytes it was made from (``digest``). ``read_parsed`` returns that document only when the
digest matches the YAML file next to it, so an edited ``builtin.yaml`` is never shadowed by a stale parsed
form: the catalogue is then parsed from the YAML as before (same data, same messages), and
``tests/test_catalog_parsed.py`` fails until the parsed form is written again::

    python -m optimizer.core.catalog.parsed

Why a file shipped with the package rather than a cache written at run time (e.g. in the user's cache
folder): nothing is written outside the package, a read-only or shared installation behaves like any
other, and there is no first slow run, no concurrent writers and no cache to invalidate.

JSON has only string keys, and the catalogue's ``price_by_year`` mappings have integer keys (years): a
mapping with any key that is not a string is stored as ``{PAIRS_KEY: [[key, value], ...]}`` and rebuilt
when read, so the document read back equals the YAML loader's, key types and order included (the test
compares them value by value, types included).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
YAML_FILE = HERE / "builtin.yaml"
PARSED_FILE = HERE / "builtin.parsed.json"
PAIRS_KEY = "\u0000pairs"
"""The one key of a JSON object that stands for a mapping with keys other than strings (its items as pairs)."""


def digest(data: bytes) -> str:
    """The SHA-256 of a file's bytes with CRLF line ends read as LF, as hex.

    A YAML parser reads every line break as LF, so the same text with either line ends is the same document:
    a checkout that converts line ends (``core.autocrlf``) keeps using the parsed form."""
    return hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()


def encode(value: Any) -> Any:
    """The YAML document as JSON-ready data (mappings with non-string keys as ``{PAIRS_KEY: pairs}``)."""
    if isinstance(value, dict):
        if all(type(k) is str for k in value) and PAIRS_KEY not in value:
            return {k: encode(v) for k, v in value.items()}
        return {PAIRS_KEY: [[k, encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if value is None or type(value) in (str, int, float, bool):
        return value
    raise TypeError(f"the built-in catalogue holds a {type(value).__name__}, which its JSON form cannot keep")


def _decode_object(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and PAIRS_KEY in obj:
        return {k: v for k, v in obj[PAIRS_KEY]}
    return obj


def parsed_text(yaml_bytes: bytes, document: Any) -> str:
    """The text of ``builtin.parsed.json`` for the YAML file's bytes and its parsed document."""
    body = {"sha256": digest(yaml_bytes), "document": encode(document)}
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"


def read_parsed(yaml_file: Path = YAML_FILE, parsed_file: Path = PARSED_FILE) -> Any | None:
    """The parsed document of ``yaml_file`` from ``parsed_file``, or None when that file is missing,
    unreadable or made from other bytes than the YAML file's (the caller then parses the YAML)."""
    try:
        source = yaml_file.read_bytes()
        body = json.loads(parsed_file.read_text(encoding="utf-8"), object_hook=_decode_object)
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict) or body.get("sha256") != digest(source) or "document" not in body:
        return None
    return body["document"]


def write_parsed(yaml_file: Path = YAML_FILE, parsed_file: Path = PARSED_FILE) -> None:
    """Parse ``yaml_file`` with the checked YAML loader and write its parsed form (refuses a file with problems)."""
    from optimizer.core.io import read_document
    from optimizer.errors import InstanceError

    source = yaml_file.read_bytes()
    document, issues = read_document(yaml_file)
    if issues:
        raise InstanceError(issues)
    parsed_file.write_text(parsed_text(source, document), encoding="utf-8")


if __name__ == "__main__":
    write_parsed()
