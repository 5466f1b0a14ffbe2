"""Run a suite of independent solves: in this process, on local worker processes, or on Dask.

``run_tasks(fn, tasks, ...)`` calls ``fn(task)`` for every task and hands each result back to the
caller as soon as it is done (in completion order, tagged with the task's position). ``fn`` must be
a module-level function (it is pickled to the workers) that returns plain picklable data and turns
its own failures into data; a task whose worker dies or raises anyway is reported through
``on_failure`` and never stops the other tasks.

Where tasks run:
    scheduler given        -> a Dask distributed cluster at that address (``tcp://host:8786``); the
                              workers must be able to import ``optimizer``
    workers == 1           -> sequentially in this process (no pickling; easiest to debug)
    otherwise              -> a local process pool of ``workers`` processes (default: the core count),
                              started with the ``spawn`` method (HiGHS's thread pool does not survive fork)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

log = logging.getLogger(__name__)

OnResult = Callable[[int, Any], None]
OnFailure = Callable[[int, str], None]


def default_workers() -> int:
    """Local worker processes used when none are given: the machine's core count."""
    return os.cpu_count() or 1


def run_tasks(fn: Callable[..., Any], tasks: Sequence[Any], on_result: OnResult, on_failure: OnFailure,
              *, workers: int | None = None, scheduler: str | None = None, shared: Any = None) -> None:
    """Run ``fn`` over ``tasks``; call ``on_result(i, result)`` or ``on_failure(i, message)`` per task.

    ``shared``: data every task needs (e.g. the base instance), shipped once per worker process
    (process pool initializer) or once per cluster (Dask scatter) instead of once per task; ``fn``
    is then called as ``fn(task, shared)``.

    An exception raised by a callback (e.g. ``KeyboardInterrupt``) cancels the tasks not yet done
    and propagates; results already handed over stay handed over.
    """
    if not tasks:
        return
    if scheduler:
        _run_dask(fn, tasks, on_result, on_failure, scheduler, shared)
    elif (workers or default_workers()) <= 1 or len(tasks) == 1:
        for i, task in enumerate(tasks):
            try:
                result = fn(task) if shared is None else fn(task, shared)
            except Exception as exc:  # fn should not raise; record it as a failure anyway
                log.exception("task %d failed", i)
                on_failure(i, f"{type(exc).__name__}: {exc}")
                continue
            on_result(i, result)
    else:
        _run_pool(fn, tasks, on_result, on_failure, min(workers or default_workers(), len(tasks)), shared)


_shared: Any = None


def _set_shared(value: Any) -> None:
    global _shared
    _shared = value


def _call_shared(fn: Callable[..., Any], task: Any) -> Any:
    return fn(task, _shared)


def _run_pool(fn: Callable[..., Any], tasks: Sequence[Any], on_result: OnResult, on_failure: OnFailure,
              workers: int, shared: Any = None) -> None:
    """A process pool. When a worker process dies (crash, out of memory) the pool breaks and every
    unfinished task fails with it; those are then rerun in a one-worker pool, in order, where a
    break can be blamed on exactly one task (the first unfinished one): it is recorded as failed
    and the rest continue in a fresh one-worker pool."""
    todo = list(range(len(tasks)))
    size = workers
    while todo:
        pool = ProcessPoolExecutor(max_workers=min(size, len(todo)), mp_context=get_context("spawn"),
                                   initializer=_set_shared, initargs=(shared,))
        broken: list[int] = []
        try:
            if shared is None:
                pending = {pool.submit(fn, tasks[i]): i for i in todo}
            else:
                pending = {pool.submit(_call_shared, fn, tasks[i]): i for i in todo}
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
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        todo = sorted(broken)
        if todo and size == 1:
            on_failure(todo.pop(0), "worker process died (crash or out of memory) while running this task")
        elif todo:
            log.warning("a worker process died; rerunning %d unfinished tasks one at a time", len(todo))
            size = 1


def _run_dask(fn: Callable[..., Any], tasks: Sequence[Any], on_result: OnResult, on_failure: OnFailure,
              scheduler: str, shared: Any = None) -> None:
    from dask.distributed import Client, as_completed

    with Client(scheduler, set_as_default=False) as client:
        if shared is None:
            futures = client.map(fn, list(tasks), pure=False)
        else:
            [data] = client.scatter([shared], broadcast=True, hash=False)  # one object, not its items
            futures = client.map(fn, list(tasks), [data] * len(tasks), pure=False)
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
