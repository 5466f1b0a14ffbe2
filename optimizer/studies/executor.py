"""Run a suite of independent solves: in this process, on local worker processes, or on Dask.

``TaskRunner(...).run(fn, tasks, on_result, on_failure)`` calls ``fn(task)`` (or ``fn(task, shared)``)
for every task and hands each result back to the caller as soon as it is done (in completion order,
tagged with the task's position). ``fn`` must be a module-level function (it is pickled to the
workers) that returns plain picklable data and turns its own failures into data; a task whose
worker dies or raises anyway is reported through ``on_failure`` and never stops the other tasks.
A runner keeps its worker processes (or Dask client and scattered data) across ``run`` calls, so
rounds of solves (Pareto refinement, break-even bisection) do not restart workers; ``run_tasks``
is the one-shot form.

Where tasks run:
    scheduler given        -> a Dask distributed cluster at that address (``tcp://host:8786``); the
                              workers must be able to import ``optimizer``
    workers == 1           -> sequentially in this process (no pickling; easiest to debug)
    workers > 1            -> a local process pool of ``workers`` processes, started with the ``spawn``
                              method (HiGHS's thread pool does not survive fork); on Linux each worker
                              gets SIGTERM when the parent process dies
    workers None           -> by the size of each run (``auto_workers``): in this process for a small run
                              (at most ``SMALL_RUN`` tasks: starting worker processes costs more than
                              they save), else a pool of one process per core

Every study of the library (``run_sweep``, ``breakeven``, ``pareto``, ``envelope``) runs in this process
unless told otherwise (``workers=1``); the commands default to ``None`` (by size), the same for every command.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

from optimizer.errors import SchedulerError

log = logging.getLogger(__name__)

OnResult = Callable[[int, Any], None]
OnFailure = Callable[[int, str], None]


SMALL_RUN = 16
"""Most tasks a run with ``workers=None`` solves in this process: a worker process takes about a second to
start (it imports Pyomo, HiGHS and pandas), more than a small instance takes to solve."""


def default_workers() -> int:
    """The machine's core count: the pool size of a large run with ``workers=None``."""
    return os.cpu_count() or 1


def auto_workers(tasks: int) -> int:
    """Workers for a run of ``tasks`` tasks when none are given: 1 (in this process) for at most
    ``SMALL_RUN`` tasks, else one per core (and never more than the tasks)."""
    return 1 if tasks <= SMALL_RUN else max(1, min(default_workers(), tasks))


_shared: Any = None


def _die_with_parent(parent: int) -> None:
    """Linux: have the kernel send SIGTERM to this worker when its parent process dies (however it dies:
    killed, crashed), so no worker outlives a killed sweep; elsewhere a no-op."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):  # no libc prctl: the pool's own shutdown is all there is
        log.debug("prctl(PR_SET_PDEATHSIG) unavailable")
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _set_shared(value: Any, parent: int | None = None) -> None:
    """Worker process initializer: keep the shared data; leave Ctrl-C to the parent process; die with it."""
    global _shared
    _shared = value
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        _die_with_parent(parent)


def _call_shared(fn: Callable[..., Any], task: Any) -> Any:
    return fn(task, _shared)


class TaskRunner:
    """Where tasks run (see the module docstring); use as a context manager or call ``close``.

    Args:
        workers: local worker processes (1: in this process; None: by the size of each run, ``auto_workers``).
        scheduler: a Dask scheduler address; overrides ``workers``.
        shared: data every task needs (e.g. the base instance), shipped once per worker process
            (pool initializer) or once per cluster (Dask scatter) instead of once per task; ``fn``
            is then called as ``fn(task, shared)``.
    """

    def __init__(self, workers: int | None = None, scheduler: str | None = None, shared: Any = None):
        self.workers = workers
        self.scheduler = scheduler
        self.shared = shared
        self._pool: ProcessPoolExecutor | None = None
        self._pool_size = 0
        self._client: Any = None
        self._shared_future: Any = None

    def __enter__(self) -> TaskRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop worker processes and disconnect from Dask."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def run(self, fn: Callable[..., Any], tasks: Sequence[Any], on_result: OnResult, on_failure: OnFailure) -> None:
        """Run ``fn`` over ``tasks``; call ``on_result(i, result)`` or ``on_failure(i, message)`` per task.

        An exception raised by a callback (e.g. ``KeyboardInterrupt``) cancels the tasks not yet
        done and propagates; results already handed over stay handed over.
        """
        if not tasks:
            return
        size = self.workers if self.workers is not None else auto_workers(len(tasks))
        if self.scheduler:
            self._run_dask(fn, tasks, on_result, on_failure)
        elif size <= 1 or (len(tasks) == 1 and self._pool is None):
            for i, task in enumerate(tasks):
                try:
                    result = fn(task) if self.shared is None else fn(task, self.shared)
                except Exception as exc:  # fn should not raise; record it as a failure anyway
                    log.exception("task %d failed", i)
                    on_failure(i, f"{type(exc).__name__}: {exc}")
                    continue
                on_result(i, result)
        else:
            self._run_pool(fn, tasks, on_result, on_failure, size)

    def _terminate_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list(getattr(pool, "_processes", {}).values())  # no public API to stop running tasks
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)

    def _pool_of(self, size: int) -> ProcessPoolExecutor:
        if self._pool is None or self._pool_size != size:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = ProcessPoolExecutor(
                max_workers=size,
                mp_context=get_context("spawn"),
                initializer=_set_shared,
                initargs=(self.shared, os.getpid()),
            )
            self._pool_size = size
        return self._pool

    def _run_pool(
        self, fn: Callable[..., Any], tasks: Sequence[Any], on_result: OnResult, on_failure: OnFailure, size: int
    ) -> None:
        """When a worker process dies (crash, out of memory) the pool breaks and every unfinished
        task fails with it; those are then rerun in a one-worker pool, in order, where a break can
        be blamed on exactly one task (the first unfinished one): it is recorded as failed and the
        rest continue in a fresh one-worker pool."""
        todo = list(range(len(tasks)))
        while todo:
            pool = self._pool_of(size)
            broken: list[int] = []
            pending: dict[Any, int] = {}
            try:
                for i in todo:
                    future = (
                        pool.submit(fn, tasks[i]) if self.shared is None else pool.submit(_call_shared, fn, tasks[i])
                    )
                    pending[future] = i
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in sorted(done, key=pending.__getitem__):
                        i = pending.pop(future)
                        exc = future.exception()
                        if isinstance(exc, BrokenProcessPool):
                            broken.append(i)
                        elif exc is not None:
                            on_failure(i, f"{type(exc).__name__}: {exc}")
                        else:
                            on_result(i, future.result())
            except BaseException:
                for future in pending:
                    future.cancel()
                self._terminate_pool()  # do not wait for running solves (Ctrl-C, a failing callback)
                raise
            if broken:  # the pool is unusable: start a new one next time
                pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
            todo = sorted(broken)
            if todo and size == 1:
                on_failure(todo.pop(0), "worker process died (crash or out of memory) while running this task")
            elif todo:
                log.warning("a worker process died; rerunning %d unfinished tasks one at a time", len(todo))
                size = 1

    def _run_dask(
        self, fn: Callable[..., Any], tasks: Sequence[Any], on_result: OnResult, on_failure: OnFailure
    ) -> None:
        from dask.distributed import Client, as_completed

        if self._client is None:
            try:
                self._client = Client(self.scheduler, set_as_default=False)
            except (OSError, TimeoutError) as unreachable:
                raise SchedulerError(
                    f"--scheduler {self.scheduler}: cannot reach the Dask scheduler: {unreachable}"
                ) from unreachable
            if self.shared is not None:  # one object, not its items
                [self._shared_future] = self._client.scatter([self.shared], broadcast=True, hash=False)
        client = self._client
        if self._shared_future is None:
            futures = client.map(fn, list(tasks), pure=False)
        else:
            futures = client.map(fn, list(tasks), [self._shared_future] * len(tasks), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for future in as_completed(futures, loop=client.loop):
                i = index[future.key]
                if future.status == "finished":
                    on_result(i, future.result())
                else:
                    exc = future.exception()
                    on_failure(i, f"{type(exc).__name__}: {exc}")
                future.release()
        finally:
            client.cancel([f for f in futures if not f.done()])


def run_tasks(
    fn: Callable[..., Any],
    tasks: Sequence[Any],
    on_result: OnResult,
    on_failure: OnFailure,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    shared: Any = None,
) -> None:
    """One-shot ``TaskRunner(workers, scheduler, shared).run(fn, tasks, on_result, on_failure)``."""
    with TaskRunner(workers, scheduler, shared) as runner:
        runner.run(fn, tasks, on_result, on_failure)
