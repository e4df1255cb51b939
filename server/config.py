"""Configuration of the gRPC server."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

#: Short calls served by their own thread pool (``ServerConfig.interactive_workers``).
INTERACTIVE_METHODS: Final = (
    "/yunli.v1.Matching/RecommendVehicles",
    "/yunli.v1.Matching/RecommendLoads",
)


def cgroup_cpu_limit(
    root: Path = Path("/sys/fs/cgroup"), self_cgroup: Path = Path("/proc/self/cgroup")
) -> float | None:
    """CPUs this process's cgroup may use per second (a container's CPU limit: cgroup v2
    ``cpu.max`` or v1 ``cpu.cfs_quota_us / cpu.cfs_period_us``), or ``None`` if unlimited
    or unknown. The process's own cgroup is read first, then the root's."""
    v2, v1 = "/", "/"
    try:
        for line in self_cgroup.read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controllers == "":
                v2 = path
            elif "cpu" in controllers.split(","):
                v1 = path
    except (OSError, ValueError):
        pass

    def read(path: Path) -> str | None:
        try:
            return path.read_text().strip()
        except OSError:
            return None

    for base in dict.fromkeys((root / v2.lstrip("/"), root)):
        text = read(base / "cpu.max")
        if text is not None:
            quota, _, period = text.partition(" ")
            try:
                return int(quota) / int(period) if int(period) > 0 else None
            except ValueError:  # "max ...": no limit
                return None
    for base in dict.fromkeys((root / "cpu" / v1.lstrip("/"), root / "cpu")):
        q, p = read(base / "cpu.cfs_quota_us"), read(base / "cpu.cfs_period_us")
        if q is not None and p is not None:
            try:
                cfs_quota, cfs_period = int(q), int(p)
            except ValueError:
                return None
            return cfs_quota / cfs_period if cfs_quota > 0 and cfs_period > 0 else None
    return None


def usable_cores() -> int:
    """Cores this process may run on: its CPU affinity, capped by its cgroup's CPU limit
    (rounded up), at least 1."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # (no affinity on this platform)
        n = os.cpu_count() or 1
    limit = cgroup_cpu_limit()
    if limit is not None:
        n = min(n, math.ceil(limit))
    return max(1, n)


@dataclass(frozen=True)
class ServerConfig:
    """Everything :func:`server.create_server` needs besides the address.

    Attributes
    ----------
    db
        SQLite file path (default ``yunli.db``) or a ``postgresql://`` URL.
    tokens
        Accepted platform bearer tokens (back office: may act for any party). With
        ``party_tokens`` both empty, authentication is off (``yunli serve`` refuses
        that unless ``--no-auth`` is given).
    party_tokens
        Accepted party tokens: token to the principal it is bound to (``"carrier:5"``,
        ``"shipper:3"``, ``"platform:9"``); such a token may act only as that
        principal and reach only the Orders service (:mod:`server.auth`).
    tls_cert, tls_key
        PEM certificate chain and private key; both or neither (plain TCP).
    metrics_port
        Port of the Prometheus ``/metrics`` endpoint (None: off; 0: any free port).
    metrics_host
        Address the metrics endpoint binds to.
    max_workers
        Threads serving calls (also the bound on concurrent calls).
    interactive_workers
        Threads of the separate pool serving the short interactive calls
        (:data:`INTERACTIVE_METHODS`: single recommendations), by default one per
        usable core (:func:`usable_cores`). The pool keeps them off the queue of long
        calls (streams, dispatch, optimizations); the core scores with the GIL released,
        so one thread per core runs the queries in parallel, and more threads than cores
        only time-slice them (on 2 cores, 2 threads answered about 20% more calls per
        second than 4: ``bench/RESULTS.md``, "Session 10"). 0 serves them from the
        main pool.
    solver_workers
        Processes running optimizations (OR-Tools holds the GIL, so solves run in
        their own processes and never stall recommendation calls).
    solver_nice
        OS scheduling priority (nice value, 0..19) of the solver processes. Above 0
        a solve only gets the CPU that calls leave idle, so recommendation latency
        holds while it runs (it still stops at its time limit, having searched less
        when the server was busy). 0 runs solves at the server's own priority.
    max_message_bytes
        Largest request accepted (larger: RESOURCE_EXHAUSTED).
    max_rows
        Most rows (vehicles, loads, trips, ids) per request.
    max_k
        Largest ``k`` of a recommendation.
    max_jobs
        Most jobs (shipments count twice) and sites per routing problem.
    max_time_limit_s
        Longest solver time limit accepted.
    sync_interval_s
        How often to pull writes made by other server instances sharing the database
        (0: never; a single instance sees its own writes at once).
    instance_id
        This server's id among the instances sharing the database (owner of live-plan
        leases); must be unique. Empty: ``<hostname>-<pid>-<random>``.
    advertise_address
        ``HOST:PORT`` at which the other instances reach this one to forward writes of
        the live plans it owns. Empty: the bound address (the host name for a wildcard
        host such as ``0.0.0.0``).
    lease_ttl_s
        Time-to-live of a live-plan lease: the owner renews its leases every third of
        it; when an owner dies another instance takes its plans over after at most
        this long (0: no leases, every instance writes plans itself with
        compare-and-set on the version, the loser of a race getting ABORTED).
    trip_merge_interval_s
        How often newly recorded trips are merged into the matcher's expertise
        profiles (0: only when the matcher is rebuilt).
    community_dispatch_interval_s
        Seconds between the community stores' background dispatch rounds (0: rounds
        only on new orders and ``Dispatch`` calls).
    grace_s
        Graceful shutdown: seconds in-flight calls get to finish.
    warm_solvers
        Start the solver processes at once (else on the first optimization).
    import_world
        Directory of a world saved by ``yunli generate`` to import when the store has
        no vehicles yet.
    """

    db: str = "yunli.db"
    tokens: frozenset[str] = field(default_factory=frozenset)
    party_tokens: Mapping[str, str] = field(default_factory=dict, hash=False)
    tls_cert: bytes | None = None
    tls_key: bytes | None = None
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    max_workers: int = 32
    interactive_workers: int = field(default_factory=usable_cores)
    solver_workers: int = 1
    solver_nice: int = 10
    max_message_bytes: int = 64 * 1024 * 1024
    max_rows: int = 50_000
    max_k: int = 1_000
    max_jobs: int = 5_000
    max_time_limit_s: float = 3_600.0
    sync_interval_s: float = 1.0
    instance_id: str = ""
    advertise_address: str = ""
    lease_ttl_s: float = 10.0
    trip_merge_interval_s: float = 2.0
    community_dispatch_interval_s: float = 5.0
    grace_s: float = 30.0
    warm_solvers: bool = False
    import_world: str | None = None
