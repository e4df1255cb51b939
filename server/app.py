"""``create_server``: the Yunli gRPC server with health, reflection, auth and metrics."""

from __future__ import annotations

import threading
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from server.auth import principals
from server.config import INTERACTIVE_METHODS, ServerConfig
from server.interceptors import ServiceInterceptor
from server.observability import LOGGER, Metrics
from server.proto import (
    SERVICE_NAMES,
    fleet_grpc,
    live_grpc,
    orders_grpc,
    routing_grpc,
)
from server.state import FleetState, Syncer
from server.store import open_store


class YunliServer:
    """A running (after :meth:`start`) Yunli server and what it owns.

    Attributes
    ----------
    grpc_server
        The underlying :class:`grpc.Server`.
    port
        The bound gRPC port.
    metrics_port
        Port of the Prometheus endpoint (None when off).
    state
        The in-memory view of the store.
    metrics
        The server's metrics.
    instance_id
        This instance's id (owner of live-plan leases).
    address
        Where the other instances reach this one (``advertise_address``).
    leases
        The live-plan lease manager (None when ``lease_ttl_s`` is 0).
    """

    def __init__(
        self,
        grpc_server: grpc.Server,
        port: int,
        config: ServerConfig,
        state: FleetState,
        metrics: Metrics,
        health_servicer: health.HealthServicer,
        closers: list[Any],
        matching: Any = None,
    ) -> None:
        self.grpc_server = grpc_server
        self.port = port
        self.config = config
        self.state = state
        self.metrics = metrics
        self.metrics_port: int | None = None
        self._health = health_servicer
        self._closers = closers
        #: The ``MatchingServicer`` (its snapshot, readiness and test hook).
        self.matching = matching
        #: The ``FleetServicer`` (its group commit of vehicle writes).
        self.fleet: Any = None
        self._stopped = threading.Event()
        self.instance_id = ""
        self.address = ""
        self.leases: Any = None

    def start(self) -> None:
        """Start serving (and the metrics endpoint, if configured)."""
        cfg = self.config
        if cfg.metrics_port is not None:
            from prometheus_client import start_http_server

            httpd, _thread = start_http_server(
                cfg.metrics_port, cfg.metrics_host, registry=self.metrics.registry
            )
            self.metrics_port = int(httpd.server_address[1])
            self._closers.append(httpd.server_close)
            self._closers.append(httpd.shutdown)
        self.grpc_server.start()
        if self.matching is not None:
            self.matching.start(on_ready=self._serving)
        LOGGER.info(
            "serving",
            extra={"port": self.port, "metrics_port": self.metrics_port, "db": _safe(cfg.db)},
        )

    def _serving(self) -> None:
        """Report every service ``SERVING`` (the matcher is built)."""
        if not self._stopped.is_set():
            for name in ("", *SERVICE_NAMES):
                self._health.set(name, health_pb2.HealthCheckResponse.SERVING)

    def stop(self, grace: float | None = None) -> None:
        """Graceful shutdown: refuse new calls, let in-flight calls finish within ``grace``
        seconds (default ``config.grace_s``), then release the store and workers."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        g = self.config.grace_s if grace is None else grace
        self._health.enter_graceful_shutdown()
        self.state.close()  # subscriptions end; unary calls in flight finish
        LOGGER.info("shutting down", extra={"grace_s": g})
        self.grpc_server.stop(g).wait()
        for close in reversed(self._closers):
            try:
                close()
            except Exception:
                LOGGER.warning("error while shutting down", exc_info=True)
        LOGGER.info("stopped")

    def wait_for_termination(self, timeout: float | None = None) -> bool:
        """Block until the server stops (or ``timeout`` passes); True if it stopped."""
        return bool(self.grpc_server.wait_for_termination(timeout))


def _safe(db: str) -> str:
    """The database location without a password."""
    if "://" in db and "@" in db:
        scheme, rest = db.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return db


def _orders_servicer(state: FleetState, store: Any, closers: list[Any], live: Any) -> Any:
    """The ``yunli.v1.Orders`` servicer on the same database (breakdowns handed to the
    live re-planner), its deadline sweeper running."""
    from server.servicers.orders import OrdersServicer
    from server.store.orders import OrderStore

    servicer = OrdersServicer(state, OrderStore(store), live)
    servicer.start_sweeper()
    closers.append(servicer.close)
    return servicer


def _instances(cfg: ServerConfig, store: Any, closers: list[Any]) -> tuple[Any, Any]:
    """The lease manager and peer channels of this instance (None, None without leases)."""
    if cfg.lease_ttl_s == 0:
        return None, None
    from server.instances import LeaseManager, Peers, default_instance_id
    from server.store.leases import LeaseStore

    instance = cfg.instance_id or default_instance_id()
    leases = LeaseManager(LeaseStore(store), instance, cfg.lease_ttl_s)
    token = min(cfg.tokens) if cfg.tokens else None
    auth = bool(cfg.tokens or cfg.party_tokens)
    peers = Peers(instance, token, cfg.tls_cert, auth)
    closers.append(peers.close)
    closers.append(leases.stop)  # closers run in reverse: leases expire before peers close
    return leases, peers


def create_server(
    address: str = "127.0.0.1:0", config: ServerConfig | None = None
) -> tuple[YunliServer, int]:
    """Build the Yunli gRPC server bound to ``address`` (not started yet).

    Parameters
    ----------
    address
        ``HOST:PORT``; port 0 picks a free port.
    config
        Server configuration (default: :class:`ServerConfig` defaults).

    Returns
    -------
    tuple
        The :class:`YunliServer` (call ``start()``) and the bound port.

    Raises
    ------
    server.status.UnavailableError
        If the store cannot be opened.
    engine.errors.InvalidInputError
        Field ``party_tokens``: a malformed principal; ``lease_ttl_s`` outside 0..86400.
    RuntimeError
        If the address cannot be bound.
    """
    from concurrent import futures

    from server.servicers.community import register as register_community
    from server.servicers.crossborder import register as register_crossborder
    from server.servicers.fleet import FleetServicer
    from server.servicers.live import LivePlansServicer
    from server.servicers.matching import MatchingServicer
    from server.servicers.matching import add_to_server as add_matching_to_server
    from server.servicers.routing import RoutingServicer
    from server.solver_pool import SolverPool

    cfg = config or ServerConfig()
    if (cfg.tls_cert is None) != (cfg.tls_key is None):
        raise ValueError("give both tls_cert and tls_key, or neither")
    if not 0 <= cfg.lease_ttl_s <= 86_400:
        from engine.errors import InvalidInputError

        raise InvalidInputError.at(
            "lease_ttl_s", f"must be between 0 and 86400 seconds, got {cfg.lease_ttl_s}"
        )
    party = principals(cfg.party_tokens)
    store = open_store(cfg.db)
    closers: list[Any] = [store.close]
    state = FleetState(store)
    if cfg.import_world and state.vehicles.height == 0:
        from engine.data.loaders import load_world

        world = load_world(cfg.import_world)
        store.bulk_import({"vehicles": world.vehicles, "loads": world.loads, "trips": world.trips})
        state.sync()
    if cfg.sync_interval_s > 0:
        syncer = Syncer(state, cfg.sync_interval_s)
        syncer.start()
        closers.append(syncer.stop)
    metrics = Metrics()
    pool = SolverPool(cfg.solver_workers, cfg.solver_nice)
    closers.append(pool.shutdown)
    if cfg.warm_solvers:
        from server.workers import warm_up

        for _ in range(cfg.solver_workers):
            pool.submit(warm_up)
    executor = futures.ThreadPoolExecutor(max_workers=cfg.max_workers, thread_name_prefix="rpc")
    closers.append(lambda: executor.shutdown(wait=False, cancel_futures=True))
    pools: dict[str, futures.ThreadPoolExecutor] = {}
    if cfg.interactive_workers > 0:
        fast = futures.ThreadPoolExecutor(
            max_workers=cfg.interactive_workers, thread_name_prefix="rpc-interactive"
        )
        closers.append(lambda: fast.shutdown(wait=False, cancel_futures=True))
        pools = dict.fromkeys(INTERACTIVE_METHODS, fast)
    server = grpc.server(
        executor,
        interceptors=[ServiceInterceptor(cfg.tokens, metrics, pools, party)],
        options=[
            ("grpc.max_receive_message_length", cfg.max_message_bytes),
            ("grpc.max_send_message_length", cfg.max_message_bytes),
            ("grpc.so_reuseport", 0),
        ],
        maximum_concurrent_rpcs=cfg.max_workers * 8,
    )
    matching = MatchingServicer(state, cfg, metrics)
    fleet = FleetServicer(state, cfg, on_write=matching.catch_up)
    fleet_grpc.add_FleetServicer_to_server(fleet, server)
    add_matching_to_server(matching, server)
    routing_grpc.add_RoutingServicer_to_server(RoutingServicer(cfg, metrics, pool), server)
    with store.schema_lock():  # instances starting together create tables one at a time
        leases, peers = _instances(cfg, store, closers)
        live = LivePlansServicer(state, cfg, metrics, pool, leases, peers)
        live_grpc.add_LivePlansServicer_to_server(live, server)
        orders = _orders_servicer(state, store, closers, live)
        orders_grpc.add_OrdersServicer_to_server(orders, server)
        register_crossborder(server, store)
        shared = store.placeholder == "%s"  # PostgreSQL: instances share the community state
        register_community(
            server,
            store,
            dispatch_interval_s=cfg.community_dispatch_interval_s,
            closers=closers,
            leases=leases if shared else None,
            peers=peers if shared else None,
        )

    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    # NOT_SERVING until the matcher is built (YunliServer.start builds it in the background)
    for name in ("", *SERVICE_NAMES):
        health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    reflection.enable_server_reflection(
        (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )

    if cfg.tls_cert is not None and cfg.tls_key is not None:
        creds = grpc.ssl_server_credentials([(cfg.tls_key, cfg.tls_cert)])
        port = server.add_secure_port(address, creds)
    else:
        port = server.add_insecure_port(address)
    if port == 0:
        for close in reversed(closers):
            close()
        raise RuntimeError(f"cannot bind {address}")
    out = YunliServer(server, port, cfg, state, metrics, health_servicer, closers, matching)
    out.fleet = fleet
    out.instance_id = instance = cfg.instance_id or (leases.instance_id if leases else "")
    if leases is not None:
        from server.instances import advertised

        leases.address = cfg.advertise_address or advertised(address, port)
        leases.start()
        out.address, out.leases = leases.address, leases
    LOGGER.info("instance", extra={"instance_id": instance, "address": out.address})
    return out, port
