"""``yunli serve``: run the gRPC server.

Nothing here imports grpc at module import time (``import engine.cli`` must work
without the server's dependencies); the handler imports :mod:`server.app`.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from engine.errors import InvalidInputError
from server.config import usable_cores


def _serve(args: argparse.Namespace) -> int:
    import signal
    import threading
    from pathlib import Path

    from server.app import create_server
    from server.auth import merge_token_sets, parse_token_entries
    from server.config import ServerConfig
    from server.observability import LOGGER, configure_logging

    configure_logging(args.log_level)
    parts = [
        parse_token_entries(args.token or [], "--token"),
        parse_token_entries(os.environ.get("YUNLI_TOKENS", "").split(","), "YUNLI_TOKENS"),
    ]
    if args.token_file:
        path = Path(args.token_file)
        if not path.exists():
            raise InvalidInputError.at("--token-file", f"file not found: {path}")
        parts.append(parse_token_entries(path.read_text().splitlines(), "--token-file"))
    tokens, party_tokens = merge_token_sets(parts, "--token")
    if not tokens and not party_tokens and not args.no_auth:
        raise InvalidInputError.at(
            "--token",
            "no token configured: give --token, --token-file or YUNLI_TOKENS "
            "(or --no-auth to serve without authentication)",
        )
    if args.workers < 1:
        raise InvalidInputError.at("--workers", f"must be at least 1, got {args.workers}")
    if args.interactive_workers is None:
        args.interactive_workers = usable_cores()
    if args.interactive_workers < 0:
        raise InvalidInputError.at(
            "--interactive-workers", f"must be at least 0, got {args.interactive_workers}"
        )
    if not 0 <= args.lease_ttl <= 86_400:
        raise InvalidInputError.at(
            "--lease-ttl", f"must be between 0 and 86400 seconds, got {args.lease_ttl}"
        )
    if args.advertise_address and ":" not in args.advertise_address:
        raise InvalidInputError.at(
            "--advertise-address", f"must be HOST:PORT, got {args.advertise_address!r}"
        )
    if (args.tls_cert is None) != (args.tls_key is None):
        raise InvalidInputError.at("--tls-cert", "give both --tls-cert and --tls-key")
    cert = key = None
    if args.tls_cert:
        for flag, p in (("--tls-cert", args.tls_cert), ("--tls-key", args.tls_key)):
            if not Path(p).exists():
                raise InvalidInputError.at(flag, f"file not found: {p}")
        cert, key = Path(args.tls_cert).read_bytes(), Path(args.tls_key).read_bytes()
    cfg = ServerConfig(
        db=args.db,
        tokens=tokens,
        party_tokens=party_tokens,
        tls_cert=cert,
        tls_key=key,
        metrics_port=args.metrics_port,
        metrics_host=args.metrics_host,
        max_workers=args.workers,
        interactive_workers=args.interactive_workers,
        solver_workers=args.solver_workers,
        solver_nice=args.solver_nice,
        sync_interval_s=args.sync_interval,
        community_dispatch_interval_s=args.community_dispatch_interval,
        instance_id=args.instance_id or "",
        advertise_address=args.advertise_address or "",
        lease_ttl_s=args.lease_ttl,
        grace_s=args.grace,
        import_world=args.import_world,
        warm_solvers=True,
    )
    try:
        server, port = create_server(args.address, cfg)
    except RuntimeError as e:
        raise InvalidInputError.at("--address", f"cannot listen on {args.address}: {e}") from e
    try:
        server.start()
    except OSError as e:
        server.stop(0)
        raise InvalidInputError.at("--metrics-port", f"cannot listen: {e}") from e
    # handlers first: a supervisor may signal as soon as it reads the address
    stop = threading.Event()

    def _on_signal(signum: int, _frame: Any) -> None:
        LOGGER.info("signal received", extra={"signal": signal.Signals(signum).name})
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    if args.port_file:
        Path(args.port_file).write_text(f"{port}\n")
    host = args.address.rsplit(":", 1)[0] or "0.0.0.0"
    scheme = "grpcs" if args.tls_cert else "grpc"
    where = f"{host}:{port}"
    LOGGER.info("listening", extra={"address": where, "scheme": scheme})
    print(f"yunli serve: listening on {scheme}://{where} (port {port})", flush=True)
    if args.http_port is not None:
        from server.console.cli import start_http

        http = start_http(port, args.http_host, args.http_port, world_dir=args.import_world,
                          plans=args.console_plan, root_certificates=cert,
                          warm_token=next(iter(tokens), None))  # fmt: skip
        server._closers.append(http.stop)
        print(f"yunli serve: console at {http.url}", flush=True)
    # Poll: a signal the kernel delivers to one of the server's threads does not wake a
    # main thread blocked in a lock wait, but its handler runs at the next wake-up.
    while not stop.wait(0.2):
        pass
    server.stop()
    return 0


def register(sub: Any) -> None:
    """Add ``serve`` to the ``yunli`` command."""
    p = sub.add_parser(
        "serve",
        help="run the gRPC server (matching, routing, live plans, fleet data)",
        description="Serve the yunli.v1 gRPC services (Fleet, Matching, Routing, LivePlans) "
        "with the standard health service and server reflection. State (vehicles, loads, "
        "completed trips, live plans) is stored durably in a SQLite file or PostgreSQL and "
        "reloaded on start. Calls need 'authorization: Bearer <token>' metadata. SIGTERM or "
        "Ctrl-C shuts down gracefully, letting in-flight calls finish.",
    )
    p.add_argument(
        "--address",
        default="127.0.0.1:50051",
        help="HOST:PORT to listen on (port 0: any free port; default %(default)s)",
    )
    p.add_argument(
        "--db",
        default="yunli.db",
        help="SQLite file path or postgresql:// URL (default %(default)s)",
    )
    p.add_argument(
        "--token",
        action="append",
        help="accepted bearer token: TOKEN (platform: may act for any party) or "
        "TOKEN=ROLE:ID (bound: may act only as shipper:ID, carrier:ID or platform:ID); "
        "repeatable; also YUNLI_TOKENS=a,b=carrier:5",
    )
    p.add_argument(
        "--token-file", help="file with one accepted token (TOKEN or TOKEN=ROLE:ID) per line"
    )
    p.add_argument("--no-auth", action="store_true", help="serve without authentication")
    p.add_argument("--tls-cert", help="PEM certificate chain (TLS on when given with --tls-key)")
    p.add_argument("--tls-key", help="PEM private key")
    p.add_argument("--metrics-port", type=int, help="serve Prometheus /metrics on this port")
    p.add_argument("--metrics-host", default="127.0.0.1", help="metrics bind address")
    p.add_argument("--workers", type=int, default=32, help="threads serving calls")
    p.add_argument(
        "--interactive-workers",
        type=int,
        default=None,
        help="threads of the separate pool for single recommendations (RecommendVehicles, "
        f"RecommendLoads); default one per usable core ({usable_cores()} here); 0: use the "
        "main pool",
    )
    p.add_argument(
        "--solver-workers", type=int, default=1, help="processes running optimizations in parallel"
    )
    p.add_argument(
        "--solver-nice",
        type=int,
        default=10,
        choices=range(20),
        metavar="0..19",
        help="OS priority (nice) of the solver processes: above 0 an optimization only "
        "takes the CPU that calls leave idle, so recommendations keep their latency "
        "(default %(default)s; 0: same priority as the server)",
    )
    p.add_argument(
        "--sync-interval",
        type=float,
        default=1.0,
        help="seconds between pulls of other instances' writes (0: off)",
    )
    p.add_argument(
        "--community-dispatch-interval",
        type=float,
        default=5.0,
        help="seconds between the community stores' dispatch rounds (0: only on new orders)",
    )
    p.add_argument(
        "--instance-id",
        help="this server's id among instances sharing the database (must be unique; "
        "default HOSTNAME-PID-RANDOM)",
    )
    p.add_argument(
        "--advertise-address",
        help="HOST:PORT other instances reach this one at, to forward writes of the live "
        "plans it owns (default: the listening address; the host name for 0.0.0.0)",
    )
    p.add_argument(
        "--lease-ttl",
        type=float,
        default=10.0,
        help="seconds a live-plan lease lives unless renewed (renewed every third of it); "
        "a dead instance's plans are taken over after at most this long (default "
        "%(default)s; 0: no leases)",
    )
    p.add_argument(
        "--grace",
        type=float,
        default=30.0,
        help="seconds in-flight calls get to finish on shutdown",
    )
    p.add_argument(
        "--import-world",
        help="directory from `yunli generate` to load into an empty store at start",
    )
    p.add_argument("--port-file", help="write the bound port to this file once serving")
    p.add_argument("--http-port", type=int, help="also serve the web console on this port")
    p.add_argument("--http-host", default="127.0.0.1", help="web console bind address")
    p.add_argument("--console-plan", action="append", help="live plan id the console follows")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.set_defaults(func=_serve)
