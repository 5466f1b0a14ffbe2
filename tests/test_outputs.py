"""Never a surprise on disk: --out checked before solving, stale plans removed, atomic writes, symlinks not
followed, write failures with their own exit code; sweep workers die with their parent."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import optimizer.core.pipeline as pipeline
import optimizer.core.results as results
from optimizer.cli.root import main
from optimizer.core.load import load_instance
from optimizer.core.pipeline import solve
from optimizer.core.solve import SolveOptions

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny.yaml"


def _no_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_a: object, **_k: object) -> None:
        raise AssertionError("solved although --out is unusable")

    monkeypatch.setattr(pipeline, "solve", fail)


def test_out_that_is_a_file_is_an_input_error_before_solving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _no_solve(monkeypatch)
    target = tmp_path / "plan"
    target.write_text("not a folder", encoding="utf-8")
    assert main(["solve", str(TINY), "-q", "--out", str(target)]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_out_that_cannot_be_created_is_an_input_error_before_solving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _no_solve(monkeypatch)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["solve", str(TINY), "-q", "--out", str(tmp_path / "file" / "sub")]) == 2
    assert "cannot create the folder" in capsys.readouterr().err


def test_unwritable_out_is_an_input_error_before_solving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _no_solve(monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == out and mode & os.W_OK else real_access(p, mode)
    )
    assert main(["solve", str(TINY), "-q", "--out", str(out)]) == 2
    assert "not writable" in capsys.readouterr().err


def _stale(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("plan.json", "links.csv", "flows.csv", "plan.png"):
        (out / name).write_text("from an earlier run", encoding="utf-8")


def test_earlier_outputs_do_not_survive_a_later_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _stale(out)
    assert main(["solve", str(TINY), "-q", "--threads", "1", "--out", str(out)]) == 0
    assert not (out / "flows.csv").exists() and not (out / "plan.png").exists()
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["instance"] == "tiny"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_a_failed_run_leaves_no_older_plan(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _stale(out)
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nname: x\n", encoding="utf-8")
    assert main(["solve", str(bad), "-q", "--out", str(out)]) == 2
    assert sorted(p.name for p in out.iterdir()) == []


_KILLED_WHILE_WRITING = """
import os, signal, sys
from optimizer.core import results
from optimizer import SolveOptions, load_instance, solve

plan = solve(load_instance(sys.argv[1]), SolveOptions(threads=1, objective="capex"))
real, written = results._write_temporary, []

def dying(path, text):
    if len(written) == 2:  # links.csv and nodes.csv are complete, paths.csv is next: the power goes out
        os.kill(os.getpid(), signal.SIGKILL)
    written.append(real(path, text))
    return written[-1]

results._write_temporary = dying
plan.write(sys.argv[2])
"""


def test_a_run_killed_while_writing_keeps_the_earlier_plan(tmp_path: Path) -> None:
    """kill -9 in the middle of writing the plan files: the earlier complete plan is still there, file for
    file (the new files were only temporaries), and the next run removes the temporaries."""
    out = tmp_path / "out"
    assert main(["solve", str(TINY), "-q", "--threads", "1", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(before) == {"plan.json", "links.csv", "nodes.csv", "paths.csv", "bom.csv"}
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED_WHILE_WRITING, str(TINY), str(out)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    after = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert after == before  # the same plan.json and CSVs, byte for byte
    left = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    assert [re.sub(r"\.\d+\.[^.]+\.tmp$", ".PID.XXXX.tmp", n) for n in left] == [
        ".links.csv.PID.XXXX.tmp",
        ".nodes.csv.PID.XXXX.tmp",
    ]
    assert main(["validate", str(TINY)]) == 0  # a command that writes nothing leaves them
    assert len([p for p in out.iterdir() if p.name.startswith(".")]) == 2
    assert main(["solve", str(TINY), "-q", "--threads", "1", "--objective", "power", "--out", str(out)]) == 0
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["objective_mode"] == "power"


def test_a_failed_write_keeps_the_earlier_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up while the third file is written: every file of the earlier plan is untouched, no
    temporary is left, and the command exits 5."""
    out = tmp_path / "out"
    assert main(["solve", str(TINY), "-q", "--threads", "1", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_fsync, calls = os.fsync, []

    def full(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(results.os, "fsync", full)
    assert main(["solve", str(TINY), "-q", "--threads", "1", "--objective", "power", "--out", str(out)]) == 5
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_stale_temporaries_of_a_running_process_are_kept(tmp_path: Path) -> None:
    """Only temporaries of processes that no longer run (or of the older form without a process id) are
    removed: a second process writing into the folder right now keeps its own."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(done.stdout)
    names = [
        f".plan.json.{dead}.abc123.tmp",  # a killed run's
        ".links.csv.k2j3h4.tmp",  # the older form
        f".plan.json.{os.getpid()}.zzz.tmp",  # a live process's (this one)
        f".notes.txt.{dead}.abc.tmp",  # not an output file: not ours to remove
    ]
    for name in names:
        (tmp_path / name).write_text("partial", encoding="utf-8")
    removed = results.remove_stale_temporaries(tmp_path)
    assert sorted(p.name for p in removed) == sorted(names[:2])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])


def test_symlinks_in_out_are_replaced_not_followed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me", encoding="utf-8")
    (out / "plan.json").symlink_to(outside)
    (out / "links.csv").symlink_to(outside)
    assert main(["solve", str(TINY), "-q", "--threads", "1", "--out", str(out)]) == 0
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert not (out / "plan.json").is_symlink() and not (out / "links.csv").is_symlink()
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["status"] == "optimal"


def test_plan_write_replaces_a_symlink_even_without_the_cli(tmp_path: Path) -> None:
    plan = solve(load_instance(TINY), SolveOptions(threads=1))
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "bom.csv").symlink_to(outside)
    plan.write(out)
    assert outside.read_text(encoding="utf-8") == "keep me" and not (out / "bom.csv").is_symlink()


def test_disk_full_is_a_clean_message_with_exit_5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"

    def full(*_a: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(results.os, "replace", full)
    assert main(["solve", str(TINY), "-q", "--threads", "1", "--out", str(out)]) == 5
    err = capsys.readouterr().err
    assert "No space left on device" in err and "internal error" not in err and "Traceback" not in err
    assert list(out.iterdir()) == []  # temporary files removed, nothing half-written


def test_permission_error_while_writing_is_exit_5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def denied(*_a: object, **_k: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(results.tempfile, "mkstemp", denied)
    assert main(["solve", str(TINY), "-q", "--threads", "1", "--out", str(tmp_path / "out")]) == 5
    assert "Permission denied" in capsys.readouterr().err


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "plan.json"
    target.write_text("old", encoding="utf-8")

    def full(*_a: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(results.os, "fsync", full)
    with pytest.raises(results.OutputError, match="No space left"):
        results.write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_sweep_workers_die_with_their_parent(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import threading, time
        from optimizer.studies.executor import TaskRunner
        runner = TaskRunner(workers=2)
        threading.Thread(
            target=lambda: runner.run(time.sleep, [120, 120], lambda i, r: None, lambda i, m: None), daemon=True
        ).start()
        while runner._pool is None or len(getattr(runner._pool, "_processes", {}) or {}) < 2:
            time.sleep(0.05)
        time.sleep(4)  # the workers run their initializer, then the tasks
        print(" ".join(str(p) for p in runner._pool._processes), flush=True)
        time.sleep(300)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert parent.stdout is not None
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 2
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        end = time.monotonic() + 10
        while time.monotonic() < end and any(_alive(p) for p in pids):
            time.sleep(0.1)
        assert not any(_alive(p) for p in pids)
    finally:
        if parent.poll() is None:
            parent.kill()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def test_any_command_that_cannot_write_exits_5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Commands other than solve (here pareto) report a full disk as exit 5, not as an internal error."""
    import pandas as pd

    def full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "pareto.csv")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    code = main(["pareto", str(TINY), "--points", "2", "--workers", "1", "--no-plot", "--out", str(tmp_path / "f")])
    err = capsys.readouterr().err
    assert code == 5 and "No space left on device" in err and "internal error" not in err


@pytest.mark.parametrize("command", ["pareto", "sweep"])
def test_study_files_are_written_atomically_and_a_failed_write_exits_5(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pareto.csv/json and sweep.csv go through a temporary file and a rename: a rename that fails (disk full)
    leaves no partial file and no temporary file, and the command exits 5 (the sweep keeps its resume log)."""
    from optimizer.core import results

    def full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(results.os, "replace", full)
    out = tmp_path / "study"
    if command == "pareto":
        args = ["pareto", str(TINY), "--points", "2", "--workers", "1", "--no-plot", "--out", str(out)]
    else:
        args = [
            "sweep",
            str(TINY),
            "--set",
            "economics.pue=1.2:1.3:2",
            "--workers",
            "1",
            "--no-plot",
            "--out",
            str(out),
        ]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 5, err
    assert "No space left on device" in err and "internal error" not in err
    left = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert left in ([], ["results.jsonl"])  # the sweep's resume log is appended as scenarios finish
