"""Every command keeps the exit-code contract and stdout purity.

Exit codes: 0 plan found, 1 internal error (never on purpose), 2 invalid input or usage, 3 infeasible or
unbounded, 4 no solution within the limits; 141 for a closed output pipe. ``--json`` output is pure JSON
on stdout, whatever else is asked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from optimizer.cli import main

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny.yaml"
SU256 = ROOT / "instances" / "superpod-su-256.yaml"
OPTIMIZER = [sys.executable, "-c", "import sys; from optimizer.cli import entry; sys.argv[0] = 'optimizer'; entry()"]


@pytest.fixture
def infeasible(tmp_path: Path) -> Path:
    path = tmp_path / "infeasible.yaml"
    path.write_text(TINY.read_text().replace("objective: tco", "objective: tco\nlimits: {max_power_w: 100}"))
    return path


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(TINY.read_text().replace("length_m: 10", "length_m: ten"))
    return path


def _run(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*OPTIMIZER, *args], capture_output=True, text=True, timeout=300, cwd=ROOT, **kw)  # type: ignore[call-overload]


# ------------------------------------------------------------------------------------ validate
def test_validate_codes(infeasible: Path, broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(TINY)]) == 0
    assert "valid" in capsys.readouterr().out
    assert main(["validate", str(infeasible)]) == 0  # a limit that cannot be met is not an input error
    capsys.readouterr()
    assert main(["validate", str(broken)]) == 2
    out = capsys.readouterr()
    assert out.out == "" and "links[0].length_m" in out.err
    assert main(["validate", str(TINY.parent / "no-such-file.yaml")]) == 2


# ------------------------------------------------------------------------------------ solve
def test_solve_codes(infeasible: Path, broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(TINY), "-q", "--threads", "1"]) == 0
    assert main(["solve", str(infeasible), "-q", "--threads", "1"]) == 3
    assert main(["solve", str(broken), "-q"]) == 2
    assert main(["solve", str(TINY), "--threads", "0"]) == 2  # usage
    capsys.readouterr()


def test_solve_json_is_pure_even_with_the_solver_log() -> None:
    done = _run(["solve", str(SU256), "--json", "--solver-log", "--threads", "1"])
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)  # nothing but the document
    assert plan["status"] == "optimal"
    assert "HiGHS" in done.stderr  # the solver's own log went to stderr


def test_solve_json_infeasible_is_pure_and_exit_3(infeasible: Path) -> None:
    done = _run(["solve", str(infeasible), "--json", "--solver-log", "--threads", "1"])
    assert done.returncode == 3, done.stderr
    assert json.loads(done.stdout)["status"] == "infeasible"


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_closed_stdout_pipe_is_not_an_internal_error(extra: list[str]) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone away (`optimizer solve ... | head` after head exits)
    try:
        done = subprocess.run(
            [*OPTIMIZER, "solve", str(SU256), "--threads", "1", "-q", *extra],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr


# ------------------------------------------------------------------------------------ schema, catalog
def test_schema_and_catalog_json_are_pure() -> None:
    done = _run(["schema"])
    assert done.returncode == 0 and json.loads(done.stdout)["title"]
    done = _run(["catalog", "--json", "--type", "switches"])
    assert done.returncode == 0 and all(row["section"] == "switches" for row in json.loads(done.stdout))


def test_catalog_codes(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--file", str(TINY)]) == 0
    assert main(["catalog", "--file", str(broken)]) == 2
    assert main(["catalog", "--check"]) == 0
    capsys.readouterr()


# ------------------------------------------------------------------------------------ generate
@pytest.mark.parametrize("name, parse", [("x.json", json.loads), ("x.yaml", yaml.safe_load), ("x.yml", yaml.safe_load)])
def test_generate_writes_the_format_its_name_says(name: str, parse: object, tmp_path: Path) -> None:
    out = tmp_path / name
    assert main(["generate", "--gpus", "64", "-o", str(out)]) == 0
    data = parse(out.read_text())  # type: ignore[operator]
    assert data["schema_version"] == 1
    if name.endswith(".json"):
        assert out.read_text().lstrip().startswith("{")
    assert main(["validate", str(out)]) == 0


def test_generate_codes_and_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--gpus", "64"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["schema_version"] == 1
    assert main(["generate", "--gpus", "64", "--supply", "nonsense"]) == 2
    assert main(["generate"]) == 2  # --gpus is required
    capsys.readouterr()


# ------------------------------------------------------------------------------------ studies
def test_pareto_codes(infeasible: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--points", "2", "--no-plot", "-q", "--workers", "1"]
    assert main(["pareto", str(TINY), "--out", str(tmp_path / "ok"), *args]) == 0
    assert main(["pareto", str(infeasible), "--out", str(tmp_path / "inf"), *args]) == 3
    assert "infeasible" in capsys.readouterr().err


def test_sweep_codes(infeasible: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--workers", "1", "-q", "--no-plot"]
    assert main(["sweep", str(TINY), "--set", "economics.years=1,2", "--out", str(tmp_path / "a"), *args]) == 0
    assert main(["sweep", str(infeasible), "--set", "economics.years=1,2", "--out", str(tmp_path / "b"), *args]) == 3
    bad_values = ["--set", "links.gpu-leaf.length_m=-1,-2", "--out", str(tmp_path / "c")]
    assert main(["sweep", str(TINY), *bad_values, *args]) == 2  # every scenario is invalid input
    assert main(["sweep", str(TINY), "--set", "links.nosuch.length_m=1", "--out", str(tmp_path / "d"), *args]) == 2
    assert main(["sweep", str(tmp_path / "mistyped.yaml"), "--set", "economics.years=1", *args]) == 2
    assert "no scenario has a plan" in capsys.readouterr().err


def test_breakeven_codes(infeasible: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--param", "economics.years", "--range", "1:5", "--group", "gpu-leaf", "--workers", "1", "--scan", "2"]
    assert main(["breakeven", str(TINY), *args]) == 0
    assert main(["breakeven", str(infeasible), *args]) == 3
    err = capsys.readouterr().err
    assert "no break-even" in err


def test_studies_with_a_scheduler_but_no_dask_say_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if not installed
    code = main(["pareto", str(TINY), "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path), "-q"])
    assert code == 2
    assert "optics-planner[distributed]" in capsys.readouterr().err


# ------------------------------------------------------------------------------------ start-up
def test_help_and_version_import_nothing_heavy() -> None:
    code = (
        "import sys\nfrom optimizer.cli import main\n"
        "for args in (['--help'], ['--version'], ['solve', '--help'], ['sweep', '--help']):\n"
        "    assert main(args) == 0\n"
        "heavy = ('pyomo', 'pandas', 'numpy', 'pydantic', 'matplotlib', 'highspy', 'yaml', 'dask', 'scipy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_are_fast(flag: str) -> None:
    """Under 0.5 s of CPU time (best of 5; CPU rather than wall time, so a loaded machine does not fail it)."""
    resource = pytest.importorskip("resource")
    best = min(_cpu_seconds(resource, [*OPTIMIZER, flag]) for _ in range(5))
    assert best < 0.5, f"optimizer {flag}: {best:.2f} s of CPU"


def _cpu_seconds(resource: object, args: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # type: ignore[attr-defined]
    subprocess.run(args, capture_output=True, timeout=60, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # type: ignore[attr-defined]
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def test_unreachable_scheduler_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A --scheduler address nothing listens on: exit 2 with a message naming it, not an internal error."""
    pytest.importorskip("distributed")
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        code = main(
            ["pareto", str(ROOT / "instances" / "tiny.yaml"), "--points", "3", "--scheduler", "tcp://127.0.0.1:9"]
        )
    assert code == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err


def test_memory_exhaustion_is_no_solution_not_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import optimizer.core.pipeline as pipeline

    def exhausted(*_args: object, **_kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(pipeline, "build_for_solve", exhausted)
    assert main(["solve", str(ROOT / "instances" / "tiny.yaml"), "-q"]) == 4
    assert "out of memory" in capsys.readouterr().err
