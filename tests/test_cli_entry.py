"""The console entry point runs OpenBLAS with one thread unless the environment sets a BLAS thread count."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer.cli import BLAS_THREAD_VARIABLES

ROOT = Path(__file__).resolve().parent.parent

CODE = (
    "import os, sys\n"
    "sys.argv = ['optimizer', '--version']\n"
    "from optimizer.cli import entry\n"
    "try:\n"
    "    entry()\n"
    "except SystemExit as exc:\n"
    "    print('exit', exc.code)\n"
    "print('blas', {n: os.environ.get(n) for n in ('OPENBLAS_NUM_THREADS', 'GOTO_NUM_THREADS', 'OMP_NUM_THREADS')})\n"
)


def run(extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREAD_VARIABLES}
    env.update(extra)
    return subprocess.run(
        [sys.executable, "-c", CODE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout


def test_one_blas_thread_when_the_environment_sets_none() -> None:
    out = run({})
    assert "exit 0" in out
    assert "'OPENBLAS_NUM_THREADS': '1', 'GOTO_NUM_THREADS': None, 'OMP_NUM_THREADS': None" in out


@pytest.mark.parametrize("name", BLAS_THREAD_VARIABLES)
def test_a_thread_count_the_environment_sets_is_kept(name: str) -> None:
    out = run({name: "3"})
    assert f"'{name}': '3'" in out
    if name != "OPENBLAS_NUM_THREADS":
        assert "'OPENBLAS_NUM_THREADS': None" in out


def test_main_leaves_the_environment_alone() -> None:
    """``main`` (tests, embedding) runs in a process that is not the CLI's own: no environment change."""
    code = (
        "import os\n"
        "from optimizer.cli import main\n"
        "print('exit', main(['--version']))\n"
        "print('blas', os.environ.get('OPENBLAS_NUM_THREADS'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREAD_VARIABLES}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True).stdout
    assert "exit 0" in out and "blas None" in out
