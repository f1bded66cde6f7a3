"""Worker processes that run one job each under a hard deadline, for the corpus loader.

A parse of a music file can hang where no signal handler runs (a regular expression
backtracking inside C code, a long loop in a C extension): an alarm cannot stop it there, only
ending the process can. So the pool hands **one job at a time** to each worker over its own
pipe and notes when it handed it over. A worker still busy ``budget + GRACE_S`` seconds later
is killed at once, its job reported as *late*, and a fresh worker takes its place; the other
workers keep their jobs. A worker that dies (out of memory, a crash in C) costs only its own
job, reported as *died*. A job is timed from the moment a *ready* worker (its imports done)
receives it, so starting a worker never eats into a file's budget.

This is the standard "supervisor kills a stuck child" pattern; :mod:`concurrent.futures`
offers no way to end one task (``Future.cancel`` cannot stop a running one, and killing a
process of a ``ProcessPoolExecutor`` breaks the whole pool and every job in flight).
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, NamedTuple

#: Seconds past its budget that a job may take before its worker is killed: the job's own
#: alarm (see ``load.time_limit``) fires at the budget and answers well within this; only a
#: job stuck where the alarm cannot reach is killed.
GRACE_S = 0.25
#: Seconds a new worker may take to start and import its modules before the pool gives up.
STARTUP_S = 120.0

_READY = "ready"


class Outcome(NamedTuple):
    """What became of one job: ``"done"`` with its value, ``"late"`` (killed past its deadline)
    or ``"died"`` (the worker ended; ``value`` is its exit code)."""

    status: str
    value: Any = None


class WorkerStartError(RuntimeError):
    """A worker process could not be started (or died before it was ready)."""


def import_modules(names: Sequence[str]) -> None:
    for name in names:
        importlib.import_module(name)


def _serve(conn: Any, job: Callable[..., Any], preload: Sequence[str]) -> None:
    """A worker's life: import, say ready, then run jobs until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    import_modules(preload)
    conn.send(_READY)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent has gone
            return
        if task is None:
            return
        index, args = task
        conn.send((index, job(*args)))


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Any
    born: float
    ready: bool = False
    task: int | None = None
    given: float = 0.0


class WorkerPool:
    """Up to ``size`` worker processes started with ``start_method``, each importing
    ``preload`` before it takes work. :meth:`run` runs ``job(*args)`` for every ``args``."""

    def __init__(self, size: int, start_method: str, preload: Sequence[str] = ()) -> None:
        self.size = max(1, int(size))
        self.context: Any = multiprocessing.get_context(start_method)
        self.preload = tuple(preload)
        self.workers: list[_Worker] = []
        self.job: Callable[..., Any] | None = None
        if start_method == "fork":  # children inherit the imports: done once, here
            import_modules(self.preload)
        elif start_method == "forkserver":
            self.context.set_forkserver_preload(list(self.preload))

    # ------------------------------------------------------------------ workers
    def _start(self, job: Callable[..., Any]) -> None:
        mine, theirs = self.context.Pipe()
        process = self.context.Process(
            target=_serve, args=(theirs, job, self.preload), daemon=True, name="musicnb-parser"
        )
        try:
            process.start()
        except Exception as exc:
            raise WorkerStartError(f"cannot start a worker process: {exc}") from exc
        finally:
            theirs.close()  # the child holds its own end: its death shows as end-of-file here
        self.workers.append(_Worker(process, mine, time.monotonic()))

    def _end(self, worker: _Worker) -> None:
        """Kill a worker now (it may be stuck) and forget it.

        Not waited for: a process that grabbed gigabytes takes the system a while to tear
        down, and that is not the loader's time; :mod:`multiprocessing` reaps it later (at the
        next start of a process, or when Python exits)."""
        with contextlib.suppress(Exception):
            worker.process.kill()
        with contextlib.suppress(Exception):
            worker.conn.close()
        if worker in self.workers:
            self.workers.remove(worker)

    def _receive(self, worker: _Worker, results: list[Outcome | None]) -> None:
        """Read what ``worker`` has sent; a worker that has died gives up its job."""
        try:
            while worker.conn.poll():
                message = worker.conn.recv()
                if message == _READY:
                    worker.ready = True
                else:
                    index, value = message
                    results[index] = Outcome("done", value)
                    worker.task = None
        except (EOFError, OSError):
            worker.process.join(5)  # it has closed its pipe: it is ending, so this is quick
            code = worker.process.exitcode
            if not worker.ready:
                self._end(worker)
                raise WorkerStartError(
                    f"a worker process ended (exit code {code}) before it was ready"
                ) from None
            if worker.task is not None:
                results[worker.task] = Outcome("died", code)
            self._end(worker)

    # ------------------------------------------------------------------ the work
    def run(
        self, job: Callable[..., Any], tasks: Sequence[tuple], budget: float | None
    ) -> list[Outcome]:
        """``job(*args)`` for every ``args`` in ``tasks``, in order. With a ``budget`` (seconds),
        a job still running ``budget + GRACE_S`` after it started is killed and gives
        ``Outcome("late")``. Raises :class:`WorkerStartError` when no worker can start."""
        if self.job is not None and job is not self.job:
            self.close()
        self.job = job
        results: list[Outcome | None] = [None] * len(tasks)
        todo = deque(range(len(tasks)))
        limit = None if budget is None else budget + GRACE_S
        while todo or any(w.task is not None for w in self.workers):
            busy = sum(w.task is not None for w in self.workers)
            while len(self.workers) < min(self.size, busy + len(todo)):
                self._start(job)
            now = time.monotonic()
            for worker in self.workers:
                if worker.ready and worker.task is None and todo:
                    index = todo.popleft()
                    worker.conn.send((index, tasks[index]))
                    worker.task, worker.given = index, now
            waits = [w.born + STARTUP_S - now for w in self.workers if not w.ready]
            if limit is not None:
                waits += [w.given + limit - now for w in self.workers if w.task is not None]
            timeout = max(0.0, min(waits)) if waits else None
            wait([w.conn for w in self.workers], timeout)
            for worker in list(self.workers):
                self._receive(worker, results)
            now = time.monotonic()
            for worker in list(self.workers):
                if not worker.ready and now > worker.born + STARTUP_S:
                    self._end(worker)
                    raise WorkerStartError(f"a worker process was not ready after {STARTUP_S} s")
                if worker.task is not None and limit is not None and now > worker.given + limit:
                    results[worker.task] = Outcome("late")
                    self._end(worker)
        return [r if r is not None else Outcome("died") for r in results]

    def close(self) -> None:
        """Stop every worker: idle ones are told to finish, busy ones are killed."""
        for worker in list(self.workers):
            if worker.task is None and worker.ready:
                with contextlib.suppress(Exception):
                    worker.conn.send(None)  # it finishes by itself
                    worker.conn.close()
                self.workers.remove(worker)
            else:
                self._end(worker)
        self.job = None
