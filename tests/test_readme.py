"""The README runs as written: its Python blocks and its shell commands, in a temporary copy of the repository.

Python blocks run as scripts (``python block.py``, so a study without a ``__main__`` guard would fail
here as in a user's script). Shell commands are the ``$ ...`` lines of plain blocks and every line of
``bash`` blocks; where the README shows the output, its first line must appear in what the command prints.
Commands that take long (the 16k Pareto front, the 90-scenario sweeps, the NVIDIA library roadmap) are in the
slow set.
The copy holds only files of the repository: no data from outside it is used.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
LONG = ("rail-fat-tree-16k", "sweep examples/", "on_local_cluster", "cmp out/sweep", "roadmap-16k-64k-128k-nvidia")


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced code block."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^```(\w*)\n(.*?)^```$", text, re.S | re.M)]


def shell_commands(text: str) -> list[tuple[str, str | None]]:
    """(command, first output line shown or None) in README order."""
    found: list[tuple[str, str | None]] = []
    for lang, body in fenced_blocks(text):
        lines = body.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            is_command = line.startswith("$ ") if lang == "" else (lang == "bash" and line.strip() != "")
            if not is_command:
                i += 1
                continue
            command = line[2:] if line.startswith("$ ") else line
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command = command[:-1].rstrip() + " " + lines[i].strip()
            command = re.sub(r"\s+\([^()]*\bwall\b[^()]*\)$", "", command)  # "(18.6 s wall, 163 MB)"
            command = re.sub(r"\s+#\s.*$", "", command).strip()
            shown = lines[i + 1] if lang == "" and i + 1 < len(lines) and not lines[i + 1].startswith("$ ") else None
            found.append((command, None if shown is None or shown.startswith("...") else shown))
            i += 1
    return found


COMMANDS = shell_commands(README)
PYTHON = [body for lang, body in fenced_blocks(README) if lang == "python"]


def test_the_readme_has_what_this_test_runs() -> None:
    assert len(PYTHON) == 3
    assert any(c.startswith("optimizer solve instances/superpod-su-256-dgx.yaml") for c, _ in COMMANDS)
    assert sum(1 for c, _ in COMMANDS if not any(k in c for k in LONG)) >= 4


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("readme")
    shutil.copy(ROOT / "README.md", copy / "README.md")
    for folder in ("instances", "examples", "scripts", "docs"):
        shutil.copytree(ROOT / folder, copy / folder)
    return copy


def _run(args: list[str] | str, cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("SNDLIB_DIR", None)  # only the data shipped in the repository
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        shell=isinstance(args, str),
        executable="/bin/bash" if isinstance(args, str) else None,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("k", range(len(PYTHON)))
def test_python_block_runs_as_a_script(k: int, repo_copy: Path) -> None:
    script = repo_copy / f"readme_block_{k}.py"
    script.write_text(PYTHON[k], encoding="utf-8")
    done = _run([sys.executable, script.name], repo_copy, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]


def _normal(text: str) -> str:
    return " ".join(text.split())


def _check(command: str, shown: str | None, cwd: Path, timeout: float) -> None:
    done = _run(command, cwd, timeout)
    assert done.returncode == 0, f"{command}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr
    if shown is not None:
        assert _normal(shown) in _normal(done.stdout + done.stderr), f"{command}: expected {shown!r}"


@pytest.mark.parametrize(
    "command, shown", [pytest.param(c, s, id=c[:60]) for c, s in COMMANDS if not any(k in c for k in LONG)]
)
def test_shell_command_runs(command: str, shown: str | None, repo_copy: Path) -> None:
    _check(command, shown, repo_copy, timeout=180)


@pytest.mark.slow
@pytest.mark.parametrize(
    "command, shown", [pytest.param(c, s, id=c[:60]) for c, s in COMMANDS if any(k in c for k in LONG)]
)
def test_long_shell_command_runs(command: str, shown: str | None, repo_copy: Path) -> None:
    _check(command, shown, repo_copy, timeout=1800)
