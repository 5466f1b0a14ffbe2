"""Every stop keeps the best plan: SIGINT, SIGTERM and the wall-clock limit; HiGHS errors are status error.

The long solves use a generated routed instance (``hard_instance``) that HiGHS takes minutes to prove
optimal but finds incumbents for within seconds.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from hard_instance import hard_routed_instance
from path_heavy import path_heavy_instance

import optimizer.core.pipeline as pipeline
import optimizer.core.solve as core_solve
from optimizer.core.data import build_data
from optimizer.core.load import load_instance
from optimizer.core.model import build_model
from optimizer.core.pipeline import solve
from optimizer.core.solve import SolveOptions, SolveStatus, solve_model

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny.yaml"
STOP_S = 8.0
"""Most seconds from a signal to the process's exit (cancel, GRACE_S if HiGHS ignores it, writing the plan)."""


@pytest.fixture(scope="module")
def hard_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hard") / "hard.yaml"
    path.write_text(yaml.safe_dump(hard_routed_instance(), sort_keys=False), encoding="utf-8")
    return path


def _start(args: list[str], cwd: Path, *, terminal: bool = False) -> tuple[subprocess.Popen[str], list[str]]:
    """Run the CLI in a child process; ``lines`` collects its stderr as it comes. ``terminal``: stderr is a
    pseudo-terminal, as for a person at a terminal, so the live progress display (incumbent, bound, gap) is
    drawn; into a pipe nothing of it is written."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    lines: list[str] = []
    if terminal:
        import pty

        master, slave = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "optimizer", *args],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=slave,
            text=True,
            env=env,
        )
        os.close(slave)

        def pump_terminal() -> None:
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                lines.append(chunk.decode("utf-8", "replace"))
            os.close(master)

        threading.Thread(target=pump_terminal, daemon=True).start()
        return proc, lines
    proc = subprocess.Popen(
        [sys.executable, "-m", "optimizer", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


def _wait_for_incumbent(proc: subprocess.Popen[str], lines: list[str], timeout_s: float = 90) -> None:
    """Until the progress display (stderr on a terminal: ``_start(..., terminal=True)``) shows an incumbent."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if re.search(r"incumbent [0-9]", "".join(lines)):
            return
        assert proc.poll() is None, f"solve ended early: {''.join(lines)}"
        time.sleep(0.2)
    pytest.fail("no incumbent reported in time")


def _interrupted(hard_file: Path, tmp_path: Path, sig: int) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text('{"status": "optimal", "instance": "an earlier run"}', encoding="utf-8")
    proc, lines = _start(
        ["solve", str(hard_file), "--threads", "1", "--time-limit", "300", "--out", str(out)], tmp_path, terminal=True
    )
    try:
        _wait_for_incumbent(proc, lines)
        sent = time.monotonic()
        proc.send_signal(sig)
        code = proc.wait(timeout=30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, "".join(lines)
    assert took < STOP_S, took
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["status"] == "feasible" and plan["instance"] == "hard-routed-40-7"
    assert plan["objective"] > 0 and plan["bound"] is not None and 0 < plan["gap"] < 1
    assert signal.Signals(sig).name in plan["solver"]["message"]
    assert (out / "flows.csv").is_file() and (out / "links.csv").is_file()


def test_sigint_keeps_the_incumbent_and_writes_the_plan(hard_file: Path, tmp_path: Path) -> None:
    _interrupted(hard_file, tmp_path, signal.SIGINT)


@pytest.mark.slow
def test_sigterm_keeps_the_incumbent_and_writes_the_plan(hard_file: Path, tmp_path: Path) -> None:
    _interrupted(hard_file, tmp_path, signal.SIGTERM)


@pytest.mark.slow
def test_second_sigint_aborts_at_once(hard_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc, lines = _start(
        ["solve", str(hard_file), "--threads", "1", "--time-limit", "300", "--out", str(out)], tmp_path, terminal=True
    )
    try:
        _wait_for_incumbent(proc, lines)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    # the first Ctrl-C may already have finished the run; otherwise the second aborts at once
    assert code in (0, 130), "".join(lines)
    assert took < 2.0 or code == 0
    if code == 130:
        assert not (out / "plan.json").exists()


@pytest.mark.slow
def test_time_limit_bounds_the_whole_run(hard_file: Path, tmp_path: Path) -> None:
    """--time-limit 10 on an instance HiGHS needs minutes for: the command ends within the limit plus the
    stated margin (5 s) plus the interpreter's start-up (measured here from process start)."""
    out = tmp_path / "out"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "optimizer", "solve", str(hard_file), "--threads", "1", "--time-limit", "10", "-q"]
        + ["--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["status"] == "feasible"
    load_and_start_s = 6.0  # interpreter start-up and imports before the command starts its clock (2-core machine)
    assert took < 10 + 5 + load_and_start_s, took


@pytest.mark.slow
def test_guard_abandons_a_highs_that_ignores_the_cancel(monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS told neither by its own limit nor by the interrupt: the solve returns GRACE_S after the deadline
    with the last incumbent HiGHS reported."""
    import highspy

    d = build_data(load_instance(hard_routed_instance()))
    m = build_model(d)
    real_set = highspy.Highs.setOptionValue

    def no_time_limit(self: highspy.Highs, name: str, value: object) -> object:
        return real_set(self, name, 25.0 if name == "time_limit" else value)

    monkeypatch.setattr(highspy.Highs, "setOptionValue", no_time_limit)
    monkeypatch.setattr(highspy.HighsCallbackEvent, "interrupt", lambda self, value=True: None)
    monkeypatch.setattr(core_solve, "GRACE_S", 1.0)
    started = time.monotonic()
    report = solve_model(m, SolveOptions(threads=1, time_limit_s=300), deadline=started + 12)  # 1st incumbent ~6 s
    took = time.monotonic() - started
    assert 12 <= took < 12 + 1 + 2, took
    assert report.status == SolveStatus.FEASIBLE and report.highs_status == "abandoned"
    assert report.objective is not None and report.bound is not None and "time limit" in report.message
    values = [v.value for v in m.n.values()]
    assert all(x is not None and math.isfinite(x) for x in values)
    import pyomo.environ as pyo

    assert pyo.value(m.objective) == pytest.approx(report.objective, rel=1e-9)  # the incumbent, unscaled
    assert core_solve.solver_threads_running()
    end = time.monotonic() + 40  # let the abandoned HiGHS reach its own (25 s) limit before the next test
    while core_solve.solver_threads_running() and time.monotonic() < end:
        time.sleep(0.5)


def test_request_stop_before_a_solve_gives_no_solution() -> None:
    core_solve.request_stop("test")
    try:
        plan = solve(load_instance(TINY), SolveOptions(threads=1))
    finally:
        core_solve.clear_stop()
    assert plan.status == SolveStatus.NO_SOLUTION and "test" in plan.solver["message"]
    assert solve(load_instance(TINY), SolveOptions(threads=1)).status == SolveStatus.OPTIMAL


def test_deadline_counts_building(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deadline already past when HiGHS would start: no_solution, not a solve with the full limit."""
    plan = solve(load_instance(TINY), SolveOptions(threads=1, time_limit_s=60), deadline=time.monotonic() - 1)
    assert plan.status == SolveStatus.NO_SOLUTION and "time limit" in plan.solver["message"]


# ------------------------------------------------------------------------------ path-heavy instances and the deadline
@pytest.fixture(scope="module")
def path_heavy_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,022 latency paths on 284 link groups (``path_heavy_instance``), as JSON."""
    path = tmp_path_factory.mktemp("paths") / "path-heavy.json"
    path.write_text(json.dumps(path_heavy_instance(142)), encoding="utf-8")
    return path


def test_a_deadline_spent_while_deriving_the_data_stops_before_the_build(
    path_heavy_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run whose time is spent when its data is derived ends there: status no_solution, message
    ``stopped: time limit``, no model built and nothing handed to HiGHS."""
    instance = load_instance(path_heavy_file)
    assert len(instance.paths) == 20_022

    def never(*_a: object, **_k: object) -> None:
        raise AssertionError("built or solved after the deadline")

    monkeypatch.setattr(pipeline, "build_for_solve", never)
    monkeypatch.setattr(pipeline, "solve_model", never)
    plan = solve(instance, SolveOptions(threads=1, time_limit_s=60), deadline=time.monotonic())
    assert plan.status == SolveStatus.NO_SOLUTION and plan.solver["message"] == "stopped: time limit"
    assert plan.solver["data_s"] is not None and plan.solver["build_s"] is None and plan.solver["constraints"] == 0
    assert plan.objective is None and plan.totals is None


def test_a_deadline_spent_while_building_stops_before_the_handoff(
    path_heavy_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline passes while the model of the path-heavy instance is built (the pipeline's clock jumps an
    hour once the build is done): HiGHS is never handed the model, and the plan says why."""
    instance = load_instance(path_heavy_file)
    real_build = pipeline.build_for_solve
    built = [False]

    def build(*args: object, **kwargs: object) -> object:
        model = real_build(*args, **kwargs)  # type: ignore[arg-type]
        built[0] = True
        return model

    def never(*_a: object, **_k: object) -> None:
        raise AssertionError("handed to HiGHS after the deadline")

    class Clock:
        perf_counter = staticmethod(time.perf_counter)

        @staticmethod
        def monotonic() -> float:
            return time.monotonic() + (3600.0 if built[0] else 0.0)

    monkeypatch.setattr(pipeline, "build_for_solve", build)
    monkeypatch.setattr(pipeline, "solve_model", never)
    monkeypatch.setattr(pipeline, "time", Clock)
    plan = solve(instance, SolveOptions(threads=1, time_limit_s=600), deadline=time.monotonic() + 600)
    assert built[0] and plan.status == SolveStatus.NO_SOLUTION and plan.solver["message"] == "stopped: time limit"
    assert plan.solver["build_s"] is not None and plan.solver["constraints"] == 0


def test_time_limit_on_a_path_heavy_file_stops_with_no_plan(path_heavy_file: Path, tmp_path: Path) -> None:
    """``--time-limit 0.05`` on the 20,022-path file: the limit is reached while loading (which counts
    against it), so the run ends at once with exit 4 (no solution) and no plan in --out."""
    proc = subprocess.run(
        [sys.executable, "-m", "optimizer", "solve", str(path_heavy_file), "--time-limit", "0.05", "-q"]
        + ["--threads", "1", "--out", str(tmp_path / "out")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 4, proc.stderr
    assert "stopped while loading (time limit): no plan" in proc.stderr
    assert not (tmp_path / "out" / "plan.json").exists()


def test_the_summary_lists_at_most_40_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Printing a table row per path made a 20,022-path run end far past its time limit (rendering the rows
    took longer than the solve): the summary shows the first 40 and points at paths.csv, which has them all."""
    from optimizer.cli.root import main

    path = tmp_path / "paths.json"
    path.write_text(json.dumps(path_heavy_instance(10)), encoding="utf-8")  # 10 x 9 = 90 paths
    out = tmp_path / "out"
    assert main(["solve", str(path), "-q", "--threads", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    rows = re.findall(r"^\W+(p\d+-\d+) ", printed, flags=re.M)
    assert len(rows) == 40 and rows[0] == "p0-1" and rows[-1] == "p4-3"  # p0-1 .. p0-9, p1-0 .. p3-9, p4-0 .. p4-3
    assert f"... 50 more rows: see {out}/paths.csv" in printed
    assert len((out / "paths.csv").read_text(encoding="utf-8").splitlines()) == 1 + 90


# ------------------------------------------------------------------------------ a stop while loading
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_while_loading_exits_4_with_no_plan(tmp_path: Path, sig: int) -> None:
    """Ctrl-C (or SIGTERM) while the instance is read: the documented stop (exit 4, no solution, no plan,
    the earlier run's plan removed), never the internal-error code 1. The instance is a named pipe that
    the test holds open without writing, so the signal lands while ``solve`` is reading it."""
    fifo = tmp_path / "instance.yaml"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text('{"status": "optimal", "instance": "an earlier run"}', encoding="utf-8")
    proc, lines = _start(["solve", str(fifo), "-q", "--threads", "1", "--out", str(out)], tmp_path)
    writer = -1
    try:
        end = time.monotonic() + 60
        while writer < 0:  # a writer can open the pipe without blocking once solve has it open for reading
            try:
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                assert proc.poll() is None and time.monotonic() < end, "".join(lines)
                time.sleep(0.05)
        time.sleep(0.2)
        proc.send_signal(sig)
        code = proc.wait(timeout=30)
    finally:
        if writer >= 0:
            os.close(writer)
        if proc.poll() is None:
            proc.kill()
    time.sleep(0.1)  # the pump thread reads the last lines
    assert code == 4, "".join(lines)
    assert f"stopped while loading ({signal.Signals(sig).name} received): no plan" in "".join(lines)
    assert not (out / "plan.json").exists()


def test_ctrl_c_in_a_command_without_a_stop_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C in ``validate`` (no stop of its own): exit 130 (128 + SIGINT), not the internal-error code 1."""
    from optimizer.cli.root import main

    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("optimizer.core.load.load_instance", interrupted)
    assert main(["validate", str(TINY)]) == 130


def test_ctrl_c_before_the_solve_guard_is_the_stop_while_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C in the first moments of ``solve``, before its signal handling is armed (here: while --out is
    checked), ends it as a Ctrl-C while loading does: exit 4, no plan."""
    import optimizer.cli.solve as cli_solve
    from optimizer.cli.root import main

    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_solve, "check_out_dir", interrupted)
    assert main(["solve", str(TINY), "-q", "--out", str(tmp_path / "out")]) == 4
    assert "stopped while loading (SIGINT received): no plan" in capsys.readouterr().err


# ------------------------------------------------------------------------------ HiGHS errors
@pytest.fixture
def broken_handoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bound HiGHS cannot represent (an infinite lower bound on the first column) makes passModel fail."""
    real = core_solve.pass_arrays

    def broken(h: object, arrays: core_solve.LinearArrays) -> object:
        lower = arrays.col_lower.copy()
        lower[0] = math.inf
        return real(h, dataclasses.replace(arrays, col_lower=lower))  # type: ignore[arg-type]

    monkeypatch.setattr(core_solve, "pass_arrays", broken)


@pytest.mark.usefixtures("broken_handoff")
def test_handoff_error_is_status_error_with_highs_message() -> None:
    """passModel failing gives status error with HiGHS's message, never optimal."""
    plan = solve(load_instance(TINY), SolveOptions(threads=1))
    assert plan.status == SolveStatus.ERROR and plan.objective is None and plan.totals is None
    assert "passModel" in plan.solver["message"] and "lower bound" in plan.solver["message"]


@pytest.mark.usefixtures("broken_handoff")
def test_handoff_error_exits_4_from_the_cli(tmp_path: Path) -> None:
    from optimizer.cli.root import main

    assert main(["solve", str(TINY), "--threads", "1", "-q", "--out", str(tmp_path / "out")]) == 4
    plan = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    assert plan["status"] == "error" and "passModel" in plan["solver"]["message"]


def test_run_error_is_status_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS's run returning an error status gives status error, whatever the model status says."""
    import highspy

    monkeypatch.setattr(highspy.Highs, "run", lambda self: highspy.HighsStatus.kError)
    plan = solve(load_instance(TINY), SolveOptions(threads=1))
    assert plan.status == SolveStatus.ERROR and "failed while solving" in plan.solver["message"]


# ------------------------------------------------------------------------------ option validation
@pytest.mark.parametrize(
    "kwargs",
    [
        {"time_limit_s": -1},
        {"time_limit_s": 0},
        {"time_limit_s": math.nan},
        {"time_limit_s": math.inf},
        {"mip_rel_gap": -0.1},
        {"mip_rel_gap": math.nan},
        {"threads": 0},
        {"threads": 32768},
        {"objective": "bogus"},
        {"interface": "bogus"},
        {"seed": -1},
    ],
)
def test_bad_solve_options_raise_value_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="invalid solve options: " + next(iter(kwargs))):
        SolveOptions(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "args",
    [
        ["--threads", "32768"],
        ["--threads", "0"],
        ["--time-limit", "nan"],
        ["--time-limit", "inf"],
        ["--time-limit", "-1"],
        ["--objective", "bogus"],
        ["--seed", str(2**31)],
    ],
)
def test_bad_solve_flags_are_usage_errors(args: list[str]) -> None:
    from optimizer.cli.root import main

    assert main(["solve", str(TINY), "-q", *args]) == 2


def test_cli_thread_bound_is_the_library_bound() -> None:
    from optimizer.cli.common import MAX_THREADS

    assert MAX_THREADS == core_solve.MAX_THREADS


@pytest.mark.slow
def test_time_limit_counts_loading_and_building(tmp_path: Path) -> None:
    """A 30k-link-group YAML instance whose loading alone takes longer than --time-limit 1 (several seconds
    here: YAML is read by a Python constructor): the run ends within the limit, the 5 s margin and the
    interpreter's start-up, with exit 4 and no stale plan."""
    from benchmarks.generate import generate

    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(generate(30000, seed=1), sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text('{"status": "optimal"}', encoding="utf-8")
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "optimizer", "solve", str(path), "--time-limit", "1", "-q", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    took = time.monotonic() - started
    assert proc.returncode == 4, proc.stderr
    assert took < 1 + 5 + 6, took
    if (out / "plan.json").exists():  # stopped after loading: a no_solution plan of this run
        plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
        assert plan["status"] == "no_solution" and "time limit" in plan["solver"]["message"]
    else:  # stopped while loading: no plan at all
        assert "time limit" in proc.stderr


def test_ctrl_c_while_building_ends_the_run_with_a_no_solution_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stop that arrives before HiGHS has the model ends the run at once (no waiting for the build)."""
    import optimizer.core.pipeline as pipeline
    from optimizer.cli.root import main

    def slow_build(*_a: object, **_k: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        end = time.monotonic() + 30
        while time.monotonic() < end:  # a long pure-Python build
            sum(range(1000))
        raise AssertionError("the stop did not end the build")

    monkeypatch.setattr(pipeline, "build_for_solve", slow_build)
    out = tmp_path / "out"
    started = time.monotonic()
    assert main(["solve", str(TINY), "-q", "--threads", "1", "--out", str(out)]) == 4
    assert time.monotonic() - started < 10
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["status"] == "no_solution" and plan["solver"]["message"] == "stopped: SIGINT received"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers restored
    assert core_solve.stop_reason() is None


def test_a_stop_swallowed_by_a_weakref_callback_is_raised_again(capsys: pytest.CaptureFixture[str]) -> None:
    """A signal landing in a weakref callback (as inside an ABC's isinstance cache while loading): its
    ``RunStopped`` cannot propagate there; no "Exception ignored" traceback, and the load still ends."""
    import weakref

    from optimizer.cli.common import EXIT_NO_SOLUTION, StopGuard, guarded_solve

    class Thing:
        pass

    holder: list[StopGuard] = []

    def land_here(_ref: object) -> None:  # what the interpreter runs when the signal lands in a callback
        guard = next(g for g in _guards_in_frames() if isinstance(g, StopGuard))
        holder.append(guard)
        guard._handle(signal.SIGINT, None)

    def load() -> object:
        thing = Thing()
        ref = weakref.ref(thing, land_here)
        del thing  # the callback runs now; its RunStopped is unraisable
        end = time.monotonic() + 10
        while time.monotonic() < end:  # a long pure-Python load: the re-fired SIGALRM must end it
            sum(range(1000))
        raise AssertionError(f"the stop was lost ({ref})")

    started = time.monotonic()
    options = SolveOptions(threads=1, time_limit_s=60)
    code = guarded_solve(load, options, started, lambda _i, _p: 0)
    assert code == EXIT_NO_SOLUTION and time.monotonic() - started < 5
    err = capsys.readouterr().err
    assert "Exception ignored" not in err and "Traceback" not in err
    assert "stopped while loading (SIGINT received)" in err
    assert holder and sys.unraisablehook != holder[0]._unraisable  # the guard put the hook back
    assert core_solve.stop_reason() is None


def _guards_in_frames() -> list[object]:
    """Every ``guard`` local of the calling frames (the test reaches the armed StopGuard as a signal would)."""
    found = []
    frame = sys._getframe(1)
    while frame is not None:
        if "guard" in frame.f_locals:
            found.append(frame.f_locals["guard"])
        frame = frame.f_back
    return found


def test_ctrl_c_in_a_script_stops_highs_and_raises_keyboard_interrupt() -> None:
    """Library use: Ctrl-C keeps Python's meaning (KeyboardInterrupt), and HiGHS is stopped, not left running."""
    d = build_data(load_instance(hard_routed_instance()))
    m = build_model(d)
    timer = threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        solve_model(m, SolveOptions(threads=1, time_limit_s=120))
    assert time.monotonic() - started < 2.0 + core_solve.GRACE_S + 1
    assert not core_solve.solver_threads_running()
