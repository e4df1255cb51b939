"""Processes that run optimizations, so a long solve never stalls other calls.

OR-Tools keeps the GIL while it searches, so a solve in a server thread would stall
every recommendation call; each solve runs in a worker process instead (spawned,
never forked from the multi-threaded server). Workers are started on first use.

Workers run at a lower OS scheduling priority (``nice``, default
:attr:`ServerConfig.solver_nice <server.config.ServerConfig>`): a solve uses every
CPU cycle the interactive calls leave idle, but a recommendation that becomes
runnable preempts it at once, so a long optimization does not raise the latency
of short calls (the solve still runs to its time limit, with somewhat less CPU
when the server is busy).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from engine.errors import InternalError, SolverTimeoutError


def _die_with_parent() -> None:
    """Worker initializer: on Linux, ask the kernel to end this worker when the server
    process dies (even by SIGKILL), so no orphaned solver keeps running."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def lower_priority(nice: int) -> None:
    """Raise the nice value of every thread of this process to at least ``nice``
    (threads started later inherit it). On Linux a nice value is per thread, so each
    one in ``/proc/self/task`` is set; elsewhere the process's value is."""
    import os

    if nice <= 0:
        return
    tasks = Path("/proc/self/task")
    tids = [int(t) for t in os.listdir(tasks)] if tasks.is_dir() else [0]
    for tid in tids:
        try:
            if os.getpriority(os.PRIO_PROCESS, tid) < nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
        except OSError:  # the thread ended meanwhile
            pass


def _init_worker(nice: int) -> None:
    """Initializer of solver processes: die with the server, run at ``nice``, and on
    SIGTERM stop a running search, which then returns its best solution so far
    (:func:`engine.interrupt.cancel_on_sigterm`; an idle worker exits)."""
    from engine.interrupt import cancel_on_sigterm

    _die_with_parent()
    lower_priority(nice)
    cancel_on_sigterm()


class SolverPool:
    """A lazily started pool of ``workers`` solver processes running at OS priority
    ``nice`` (0: the server's own; up to 19: only what other processes leave idle)."""

    def __init__(self, workers: int, nice: int = 0) -> None:
        self._workers = max(1, int(workers))
        if not 0 <= nice <= 19:
            raise ValueError(f"nice must be in 0..19, got {nice}")
        self._nice = int(nice)
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._manager: Any = None
        self._lock = threading.Lock()
        self._closed = False

    def _get(self) -> concurrent.futures.ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise InternalError("the server is shutting down")
            if self._pool is None:
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    max_workers=self._workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker,
                    initargs=(self._nice,),
                )
            return self._pool

    def queue(self) -> Any:
        """A queue a worker can put progress events on (a manager proxy)."""
        with self._lock:
            if self._manager is None:
                from multiprocessing.managers import SyncManager

                manager = SyncManager(ctx=multiprocessing.get_context("spawn"))
                manager.start(initializer=_die_with_parent)
                self._manager = manager
            return self._manager.Queue()

    def submit(self, fn: Callable[..., Any], *args: Any) -> concurrent.futures.Future[Any]:
        """Start ``fn(*args)`` in a worker process."""
        return self._get().submit(fn, *args)

    def result(self, future: concurrent.futures.Future[Any], timeout: float | None) -> Any:
        """Wait for ``future``.

        Raises
        ------
        SolverTimeoutError
            If it is not done within ``timeout`` seconds.
        InternalError
            If the worker process died (the pool is restarted).
        """
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            raise SolverTimeoutError("the solver did not finish before the deadline") from None
        except BrokenProcessPool:
            with self._lock:
                self._pool = None
            raise InternalError("a solver process died; the pool was restarted") from None

    def run(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None) -> Any:
        """``fn(*args)`` in a worker process, waiting at most ``timeout`` seconds."""
        return self.result(self.submit(fn, *args), timeout)

    def shutdown(self) -> None:
        """Stop the workers (running solves are abandoned)."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            manager, self._manager = self._manager, None
        if pool is not None:
            procs = list(getattr(pool, "_processes", {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for p in procs:
                p.terminate()
            for p in procs:
                p.join(5)
        if manager is not None:
            manager.shutdown()
