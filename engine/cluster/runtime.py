"""Connecting to a Ray cluster and running partitions on it, with retries and progress.

Every distributed run of Yunli goes through :func:`run_partitions`: one Ray task per
partition (a pure engine function of its payload), spread over the cluster's nodes,
each result returned with the node it ran on, its wall and CPU seconds and the number
of attempts. A partition whose worker or node dies is submitted again (up to
``max_attempts``); when it fails every time the run raises
:class:`~engine.cluster.errors.PartitionFailedError` and returns nothing — never a
partial result. An error the engine raises on purpose (bad input) is not retried: it
is raised as itself.

:func:`run_in_processes` runs the same partitions in a local process pool (the
baseline the benchmarks compare Ray's overhead against).
"""

from __future__ import annotations

import importlib
import os
import resource
import socket
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, TypeVar

from engine.cluster.errors import ClusterUnavailableError, PartitionFailedError
from engine.errors import InvalidInputError, YunliError

T = TypeVar("T")
P = TypeVar("P")

#: Default number of tries per partition (the first run and two retries).
MAX_ATTEMPTS = 3

#: Seconds to wait for the cluster's address to accept a connection.
CONNECT_TIMEOUT_S = 5.0


def ray_module() -> Any:
    """The ``ray`` module.

    Raises
    ------
    ClusterUnavailableError
        If Ray is not installed.
    """
    try:
        return importlib.import_module("ray")
    except ImportError as e:
        raise ClusterUnavailableError(
            f"Ray is not installed ({e}); install the extra: pip install 'yunli[ray]'"
        ) from None


def ray_installed() -> bool:
    """True when ``import ray`` works."""
    try:
        importlib.import_module("ray")
    except ImportError:
        return False
    return True


def _probe(address: str, timeout: float) -> None:
    """Fail fast when nothing listens at ``host:port`` (Ray itself waits minutes)."""
    target = address.removeprefix("ray://")
    host, sep, port_text = target.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise InvalidInputError.at("ray", f"expected HOST:PORT, 'auto' or 'local', got {address!r}")
    try:
        with socket.create_connection((host, int(port_text)), timeout=timeout):
            pass
    except OSError as e:
        raise ClusterUnavailableError(
            f"cannot reach the Ray cluster at {address} ({e.strerror or e}); start one with "
            "`ray start --head` on the head machine and pass its address (HOST:6379)"
        ) from None


class RayCluster:
    """A connection to a Ray cluster for the duration of a ``with`` block.

    Parameters
    ----------
    address
        ``"HOST:PORT"`` (or ``ray://HOST:PORT``) of a running cluster; ``"auto"``: the
        cluster this machine belongs to if there is one, else a new local one;
        ``"local"``: always a new local cluster (with ``num_cpus`` CPUs).
    num_cpus
        CPUs of a new local cluster (default: all of this machine's).
    connect_timeout
        Seconds to wait for ``address`` to accept a connection.

    If Ray is already initialized in this process (a test's cluster, a notebook), that
    connection is used and left open at the end of the block.

    Raises
    ------
    ClusterUnavailableError
        Ray is not installed or the cluster cannot be reached.
    InvalidInputError
        A malformed address.
    """

    def __init__(
        self,
        address: str = "auto",
        *,
        num_cpus: int | None = None,
        connect_timeout: float = CONNECT_TIMEOUT_S,
    ) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.connect_timeout = connect_timeout
        self._owned = False

    def __enter__(self) -> RayCluster:
        ray = ray_module()
        if ray.is_initialized():
            return self
        quiet = {"logging_level": "ERROR", "log_to_driver": False, "include_dashboard": False}
        if self.address == "local":
            ray.init(num_cpus=self.num_cpus, **quiet)
        elif self.address == "auto":
            try:
                ray.init(address="auto", **quiet)
            except ConnectionError:
                ray.init(num_cpus=self.num_cpus, **quiet)
        else:
            _probe(self.address, self.connect_timeout)
            try:
                ray.init(address=self.address, **quiet)
            except (ConnectionError, RuntimeError) as e:
                raise ClusterUnavailableError(
                    f"cannot connect to the Ray cluster at {self.address}: {e}"
                ) from None
        self._owned = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._owned:
            ray_module().shutdown()
            self._owned = False

    @staticmethod
    def nodes() -> list[str]:
        """Ids of the cluster's live nodes."""
        return [n["NodeID"] for n in ray_module().nodes() if n.get("Alive")]

    @staticmethod
    def cpus() -> int:
        """CPUs the cluster has in total."""
        return int(ray_module().cluster_resources().get("CPU", 0))


@dataclass(frozen=True, slots=True)
class PartitionRun(Generic[T]):
    """One partition's result and where and how it ran.

    ``wall_s`` and ``cpu_s`` are measured inside the worker around the engine call
    (CPU time of the worker process, all its threads); ``attempts`` counts the runs
    of the partition including the successful one; ``peak_rss_mib`` is the worker
    process's peak resident memory when the partition finished (a worker runs many
    partitions, so it is the peak over this one and those before it in that process).
    """

    name: str
    value: T
    node_id: str
    pid: int
    wall_s: float
    cpu_s: float
    attempts: int
    peak_rss_mib: float = 0.0


Progress = Callable[[PartitionRun[Any], int, int], None]


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _execute(fn: Callable[[Any], Any], payload: Any) -> tuple[Any, str, int, float, float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    value = fn(payload)
    node = ""
    ray = sys.modules.get("ray")  # a Ray worker has it imported; a pool worker does not
    if ray is not None and ray.is_initialized():
        node = ray.get_runtime_context().get_node_id()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return value, node, os.getpid(), wall, cpu, peak_rss_mib()


_REMOTE: Any = None


def _remote() -> Any:
    global _REMOTE
    if _REMOTE is None:
        # max_retries=0: retries are ours, so they are counted and bounded per partition
        _REMOTE = ray_module().remote(max_retries=0)(_execute)
    return _REMOTE


def _check_names(names: Sequence[str], n: int) -> None:
    if len(names) != n:
        raise InvalidInputError.at("names", f"{len(names)} names for {n} partitions")
    if len(set(names)) != n:
        raise InvalidInputError.at("names", "partition names must be unique")


def run_partitions(
    fn: Callable[[P], T],
    payloads: Sequence[P],
    *,
    names: Sequence[str] | None = None,
    num_cpus: float = 1,
    max_attempts: int = MAX_ATTEMPTS,
    spread: bool = True,
    progress: Progress | None = None,
) -> list[PartitionRun[T]]:
    """Run ``fn(payload)`` for every payload as Ray tasks; results in payload order.

    Parameters
    ----------
    fn
        A module-level (picklable) pure function of one payload.
    payloads
        One per partition; each is put into the object store once (retries reuse it).
    names
        Partition names for progress and errors (default ``"0"``, ``"1"``, ...).
    num_cpus
        CPUs each task reserves (the routing search is single-threaded: 1).
    max_attempts
        Tries per partition when its worker or node dies.
    spread
        Spread tasks over nodes (Ray's ``SPREAD`` strategy) rather than packing them.
    progress
        Called as ``progress(run, done, total)`` each time a partition finishes.

    Returns
    -------
    list of PartitionRun
        One per payload, in payload order.

    Raises
    ------
    ClusterUnavailableError
        Ray is not installed or not initialized (use :class:`RayCluster`).
    PartitionFailedError
        A partition's worker or node died on every attempt; nothing is returned.
    YunliError
        The engine refused a partition's input (raised as itself, not retried).
    """
    ray = ray_module()
    if not ray.is_initialized():
        raise ClusterUnavailableError("not connected to a Ray cluster (use RayCluster)")
    if max_attempts < 1:
        raise InvalidInputError.at("max_attempts", f"must be >= 1, got {max_attempts}")
    labels = [str(i) for i in range(len(payloads))] if names is None else list(names)
    _check_names(labels, len(payloads))
    exc = importlib.import_module("ray.exceptions")
    opts: dict[str, Any] = {"num_cpus": num_cpus}
    if spread:
        opts["scheduling_strategy"] = "SPREAD"
    task = _remote().options(**opts)
    fn_ref = ray.put(fn)
    refs = [ray.put(p) for p in payloads]
    pending: dict[Any, tuple[int, int]] = {}
    for i, r in enumerate(refs):
        pending[task.remote(fn_ref, r)] = (i, 1)
    out: list[PartitionRun[T] | None] = [None] * len(payloads)
    done = 0

    def abandon() -> None:
        for ref in pending:
            ray.cancel(ref, force=True)

    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        for ref in ready:
            i, attempt = pending.pop(ref)
            try:
                value, node, pid, wall, cpu, rss = ray.get(ref)
            except exc.RayTaskError as e:
                abandon()
                cause = getattr(e, "cause", None)
                if isinstance(cause, YunliError):
                    raise cause from None
                raise
            except exc.RayError as e:
                if attempt >= max_attempts:
                    abandon()
                    raise PartitionFailedError(
                        labels[i], attempt, f"{type(e).__name__}: {str(e).splitlines()[0]}"
                    ) from None
                pending[task.remote(fn_ref, refs[i])] = (i, attempt + 1)
                continue
            run = PartitionRun(labels[i], value, node, pid, wall, cpu, attempt, rss)
            out[i] = run
            done += 1
            if progress is not None:
                progress(run, done, len(payloads))
    return [r for r in out if r is not None]


def run_in_processes(
    fn: Callable[[P], T],
    payloads: Sequence[P],
    *,
    workers: int,
    names: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> list[PartitionRun[T]]:
    """Run the same partitions in a local process pool of ``workers`` processes.

    The single-machine baseline of :func:`run_partitions` (no retries: a dead local
    worker breaks the pool and raises). ``progress`` is called as partitions finish.

    Raises
    ------
    InvalidInputError
        ``workers < 1`` or bad ``names``.
    """
    if workers < 1:
        raise InvalidInputError.at("workers", f"must be >= 1, got {workers}")
    labels = [str(i) for i in range(len(payloads))] if names is None else list(names)
    _check_names(labels, len(payloads))
    out: list[PartitionRun[T] | None] = [None] * len(payloads)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futs = {pool.submit(_execute, fn, p): i for i, p in enumerate(payloads)}
        for done, f in enumerate(as_completed(futs), 1):
            i = futs[f]
            value, node, pid, wall, cpu, rss = f.result()
            run = PartitionRun(labels[i], value, node or "local", pid, wall, cpu, 1, rss)
            out[i] = run
            if progress is not None:
                progress(run, done, len(payloads))
    return [r for r in out if r is not None]
