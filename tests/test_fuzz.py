"""Fuzz test: seeded mutations of the bundled instances through ``validate`` and ``solve`` (in process).

Each mutated file must get a clean answer: an exit code of the contract (0, 2, 3 or 4; never 1), no
traceback, every line of a rejected file's report in the ``file: where: message`` form, and an end within
the stated bounds (``VALIDATE_BOUND_S`` for validate; the time limit plus ``SOLVE_MARGIN_S`` for solve).

Mutations (``mutate``) move numbers to the edges of what validation accepts (0, 1e-6, 1e12, 10^9 ...,
so that ``solve`` meets them), work on the text (cut, duplicate or shuffle spans, insert NUL or control bytes,
invalid UTF-8, YAML anchors/aliases/tags, alias bombs, deep nesting, unhashable keys) and on the parsed
data (extreme numbers such as 1e18, 1e300, 10^30, NaN, infinity, tiny or negative values, wrong types,
deleted or unknown keys, odd ids, hostile ``catalog:`` paths), written back as YAML or JSON. Seeds: the
bundled instances and a routed-demand instance converted from the shipped SNDlib abilene problem.
The default run tries ``DEFAULT_MUTATIONS`` files (solving at most ``DEFAULT_SOLVES`` of the accepted ones);
the slow set tries ``SLOW_MUTATIONS`` and solves every accepted one. The counts are printed (``-s``).
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from optimizer.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEEDS = [
    ROOT / "instances" / "tiny.yaml",
    ROOT / "instances" / "superpod-su-256.yaml",
    ROOT / "instances" / "superpod-su-256-reference.yaml",
    ROOT / "instances" / "latency-cpo-1k.yaml",
    ROOT / "instances" / "library" / "rail-fat-tree-1k-800g.yaml",
    ROOT / "instances" / "library" / "clos-4k-800g-oversub2.yaml",
    ROOT / "tests" / "data" / "bad" / "ok_extends_builtin_media.yaml",
    ROOT / "tests" / "data" / "bad" / "ok_max_capex_5e7.yaml",
]
DEFAULT_MUTATIONS, DEFAULT_SOLVES = 400, 100
SLOW_MUTATIONS = 3000
TIME_LIMIT_S = 2.0
VALIDATE_BOUND_S = 10.0
SOLVE_MARGIN_S = 30.0
ISSUE_LINE = re.compile(r"^[^:\n]+: [^\n]+?: [^\n]+$")
SUMMARY_LINE = re.compile(r"^\d+ problems? found$")

EXTREMES: list[Any] = [
    0,
    -1,
    -0.5,
    1e-300,
    1e-7,
    1e12,
    1.0000001e12,
    1e18,
    1e300,
    1e308,
    10**30,
    10**400 // 10**380,
    2**63,
    float("nan"),
    float("inf"),
    -float("inf"),
    True,
    None,
    "5e7",
    "1e999",
    "",
    "x",
    [],
    {},
    [1, 2],
    {"min": 1},
    {"min": 10**12, "max": 10**13},
    "\x00",
    "a" * 5000,
]
ODD_STRINGS = [
    "",
    " ",
    "\x00",
    "\t",
    "../escape.yaml",
    "/dev/zero",
    "/dev/urandom",
    "/etc/passwd",
    "nonexistent.yaml",
    "builtin ",
    "BUILTIN",
    "~/x.yaml",
    "a" * 300,
    "é",
    "1",
    "null",
    "*",
    "cpo-*",
    "a:b",
    "[x]",
]


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _leaves(v, (*path, i))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        node = node[p]
    return node


def _set(node: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(node, path[:-1])[path[-1]] = value


def _mutate_data(data: Any, rng: random.Random) -> Any:
    paths = [p for p in _leaves(data) if p]
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        if not paths:
            break
        path = rng.choice(paths)
        value = _get(data, path)
        kind = rng.random()
        parent = _get(data, path[:-1])
        if kind < 0.45:
            if isinstance(value, int | float) and not isinstance(value, bool) and rng.random() < 0.5:
                new = value * rng.choice([10**6, 10**12, 10**20, -1, 1e-9, 0])
            else:
                new = rng.choice(EXTREMES)
            _set(data, path, new)
        elif kind < 0.6:
            _set(data, path, rng.choice(ODD_STRINGS))
        elif kind < 0.7 and isinstance(parent, dict):
            del parent[path[-1]]
        elif kind < 0.78 and isinstance(parent, list):
            parent.append(json.loads(json.dumps(value, default=str)))
        elif kind < 0.86 and isinstance(parent, dict):
            parent[rng.choice(["extra", "lenght_m", 1, None, True, "id", "kind", "catalog"])] = rng.choice(EXTREMES)
        elif kind < 0.93:
            _set(data, path, [value, value] if rng.random() < 0.5 else {"k": value})
        else:
            data["catalog"] = rng.choice(ODD_STRINGS + [{"extends": "builtin", "switches": [{"id": "th5"}]}])
        paths = [p for p in _leaves(data) if p]
    return data


def _mutate_text(text: str, rng: random.Random) -> str | bytes:
    kind = rng.randrange(12)
    n = len(text)
    a, b = sorted(rng.randrange(n + 1) for _ in range(2))
    if kind == 0:
        return text[:a] + text[b:]
    if kind == 1:
        return text[:b] + text[a:b] + text[b:]
    if kind == 2:
        return (
            text[:a] + rng.choice(["\x00", "\x01", "\x1b", "\ufeff", "\t", "\r", "\u2028", "\\", "'", '"']) + text[a:]
        )
    if kind == 3:
        return text.encode("utf-8")[:a] + bytes([rng.randrange(128, 256)]) + text.encode("utf-8")[a:]
    if kind == 4:
        return text[:a]
    if kind == 5:
        levels = rng.randrange(5, 12)
        bomb = ["z0: &z0 [" + ", ".join(["lol"] * 9) + "]"]
        bomb += [f"z{k}: &z{k} [" + ", ".join([f"*z{k - 1}"] * 9) + "]" for k in range(1, levels)]
        return text + "\n" + "\n".join(bomb) + "\n"
    if kind == 6:
        depth = rng.choice([40, 500, 5000, 50000])
        return text + "\ndeep: " + "[" * depth + "]" * depth + "\n"
    if kind == 7:
        return text + "\n? [" + rng.choice(["a", "1", "[b]"]) + "]\n: 1\n"
    if kind == 8:
        lines = text.splitlines()
        rng.shuffle(lines)
        return "\n".join(lines)
    if kind == 9:
        token = rng.choice(["&a ", "*a ", "!!binary ", "!!python/object:os.system ", "!!set ", "!!timestamp ", "<<: "])
        return text[:a] + token + text[a:]
    if kind == 10:
        return text + "\n" + rng.choice(["x: &r [1, *r]\n", "catalog: &c builtin\nname: *c\n", "{a: 1}: 2\n"])
    return text.replace(rng.choice(["\n  ", ": ", ", ", "- "]), rng.choice(["\n", ":", ",", " - ", "\n   "]), 1)


def _stretch_numbers(data: Any, rng: random.Random) -> Any:
    """Numbers moved to the edges of what validation accepts (so that ``solve`` meets them)."""
    numeric = [p for p in _leaves(data) if p and isinstance(_get(data, p), int | float)]
    numeric = [p for p in numeric if not isinstance(_get(data, p), bool) and p[-1] != "schema_version"]
    for path in rng.sample(numeric, min(len(numeric), rng.choice([1, 2, 3]))):
        value = _get(data, path)
        if isinstance(value, int):
            new: Any = rng.choice([0, 1, 2, 10**6, 10**9, value * 1000, max(value // 1000, 1)])
        else:
            new = rng.choice([0.0, 1e-6, 1e-3, 1e6, 1e9, 1e12, value * 1e6, value / 1e6])
        _set(data, path, new)
    return data


def mutate(seed_text: str, rng: random.Random) -> tuple[str, str | bytes]:
    """(suffix, content) of one mutated file."""
    roll = rng.random()
    if roll < 0.3:
        data = _stretch_numbers(yaml.safe_load(seed_text), rng)
        return (".json", json.dumps(data)) if rng.random() < 0.3 else (".yaml", yaml.safe_dump(data, sort_keys=False))
    if roll < 0.65:
        data = _mutate_data(yaml.safe_load(seed_text), rng)
        if rng.random() < 0.5:
            return ".json", json.dumps(data, default=str)
        try:
            return ".yaml", yaml.safe_dump(data, sort_keys=False, allow_unicode=rng.random() < 0.5)
        except yaml.YAMLError:
            return ".json", json.dumps(data, default=str)
    return ".yaml", _mutate_text(seed_text, rng)


def _routed_seed() -> tuple[Path, str]:
    """A routed-demand instance (SNDlib abilene, shipped in the repository) as a seed."""
    from optimizer.sources.sndlib import data_dir, parse_model, parse_network, problem_files, to_instance_dict

    folder = data_dir()
    assert folder is not None
    network, model = problem_files("abilene--D-B-M-N-C-A-N-N", folder)
    text = yaml.safe_dump(to_instance_dict(parse_network(network), parse_model(model)), sort_keys=False)
    return Path("abilene-routed.yaml"), text


def _run(args: list[str]) -> tuple[int, str, str, float]:
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - start


def _problems(kind: str, path: Path, code: int, err: str, elapsed: float, bound: float) -> list[str]:
    found = []
    if code not in (0, 2, 3, 4):
        found.append(f"{kind} exit {code}")
    if "Traceback" in err or "internal error" in err:
        found.append(f"{kind}: {err[-500:]}")
    if elapsed > bound:
        found.append(f"{kind} took {elapsed:.1f} s > {bound} s")
    if kind == "validate" and code == 2:
        lines = err.splitlines()
        bad = [ln for ln in lines if not (ISSUE_LINE.match(ln) or SUMMARY_LINE.match(ln))]
        if bad or not lines or not SUMMARY_LINE.match(lines[-1]):
            found.append(f"validate: lines not in the file: where: message form: {bad[:3] or lines[-3:]}")
    return [f"{path.name}: {p}" for p in found]


def fuzz(tmp_path: Path, count: int, max_solves: int | None, seed: int) -> Counter[str]:
    rng = random.Random(seed)
    seeds = [(p, p.read_text(encoding="utf-8")) for p in SEEDS] + [_routed_seed()]
    stats: Counter[str] = Counter()
    failures: list[str] = []
    for k in range(count):
        seed_path, seed_text = rng.choice(seeds)
        suffix, content = mutate(seed_text, rng)
        path = tmp_path / f"m{k:05d}-{seed_path.stem}{suffix}"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8", errors="surrogatepass"))
        stats["files"] += 1
        code, _, err, elapsed = _run(["validate", str(path)])
        stats[f"validate exit {code}"] += 1
        failures += _problems("validate", path, code, err, elapsed, VALIDATE_BOUND_S)
        if code == 0 and (max_solves is None or stats["solved"] < max_solves):
            stats["solved"] += 1
            args = ["solve", str(path), "--time-limit", str(TIME_LIMIT_S), "--threads", "1", "-q"]
            code, _, err, elapsed = _run(args)
            stats[f"solve exit {code}"] += 1
            failures += _problems("solve", path, code, err, elapsed, TIME_LIMIT_S + SOLVE_MARGIN_S)
        if not failures:
            path.unlink()
    print(f"\nfuzz seed {seed}: " + ", ".join(f"{k}: {v}" for k, v in sorted(stats.items())))
    assert not failures, "\n".join(failures[:20]) + f"\n({len(failures)} problems; files kept in {tmp_path})"
    return stats


def test_mutator_makes_varied_files() -> None:
    rng = random.Random(1)
    text = SEEDS[0].read_text(encoding="utf-8")
    made = [mutate(text, rng) for _ in range(50)]
    assert len({content for _, content in made}) > 40
    assert {suffix for suffix, _ in made} == {".yaml", ".json"}


def test_fuzz_default(tmp_path: Path) -> None:
    stats = fuzz(tmp_path, DEFAULT_MUTATIONS, DEFAULT_SOLVES, seed=20261202)
    assert stats["files"] == DEFAULT_MUTATIONS
    assert stats["validate exit 2"] > 0 and stats["validate exit 0"] > 0 and stats["solved"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzz_slow(seed: int, tmp_path: Path) -> None:
    stats = fuzz(tmp_path, SLOW_MUTATIONS // 3, None, seed=seed)
    assert stats["files"] == SLOW_MUTATIONS // 3
