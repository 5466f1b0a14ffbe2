"""The executor: results in any order reach the right task; failures and dead workers are data."""

from __future__ import annotations

import os

from optimizer.studies.executor import run_tasks


def square_or_fail(task: dict) -> int:
    if task.get("die"):
        os._exit(3)  # a worker process that dies (as on a segfault or an out-of-memory kill)
    if task.get("raise"):
        raise RuntimeError("boom")
    return task["x"] ** 2


def collect(tasks: list[dict], workers: int) -> tuple[dict[int, int], dict[int, str]]:
    results: dict[int, int] = {}
    failures: dict[int, str] = {}
    run_tasks(square_or_fail, tasks, results.__setitem__, failures.__setitem__, workers=workers)
    return results, failures


def scaled(task: dict, shared: dict) -> int:
    return task["x"] * shared["factor"]


def test_shared_data_reaches_every_task_in_process_and_in_a_pool() -> None:
    for workers in (1, 2):
        results: dict[int, int] = {}
        run_tasks(
            scaled,
            [{"x": k} for k in range(4)],
            results.__setitem__,
            lambda i, m: None,
            workers=workers,
            shared={"factor": 10},
        )
        assert results == {0: 0, 1: 10, 2: 20, 3: 30}


def test_in_process_failures_are_reported_per_task() -> None:
    results, failures = collect([{"x": 2}, {"x": 3, "raise": True}, {"x": 4}], workers=1)
    assert results == {0: 4, 2: 16}
    assert failures == {1: "RuntimeError: boom"}


def test_a_dying_worker_fails_only_its_task() -> None:
    tasks = [{"x": 1}, {"x": 9, "die": True}, {"x": 6, "raise": True}, {"x": 3}]
    results, failures = collect(tasks, workers=2)
    assert results == {0: 1, 3: 9}
    assert set(failures) == {1, 2}
    assert "worker process died" in failures[1] and failures[2] == "RuntimeError: boom"


def slow_square(task: dict) -> int:
    import time

    time.sleep(task.get("sleep", 0))
    return task["x"] ** 2


def test_an_interrupt_stops_running_workers_without_recording_failures() -> None:
    import time

    import pytest

    results: dict[int, int] = {}
    failures: dict[int, str] = {}

    def on_result(i: int, value: int) -> None:
        results[i] = value
        raise KeyboardInterrupt  # as Ctrl-C arriving while a result is handled

    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        run_tasks(
            slow_square,
            [{"x": 1}] + [{"x": k, "sleep": 60} for k in range(2, 6)],
            on_result,
            failures.__setitem__,
            workers=2,
        )
    assert results == {0: 1} and failures == {}
    assert time.perf_counter() - start < 30  # the 60 s tasks were stopped, not waited for
