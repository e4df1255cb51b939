"""``yunli console``: the dispatcher web console on an embedded server and sample world.

Also :func:`start_http`, used by ``yunli serve --http-port`` to serve the same pages
against the server it runs. Nothing here imports grpc at module import time.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.data.loaders import World
    from server.console.web import ConsoleServer

#: Id of the live plan ``yunli console`` creates.
DEMO_PLAN = "shanghai-day"


def site_columns(world: World) -> dict[str, list[Any]]:
    """The world's sites as columns (the page's sites layer)."""
    s = world.sites
    return {c: s[c].to_list() for c in ("site_id", "name", "kind", "lat", "lon")}


def start_http(
    grpc_port: int,
    http_host: str,
    http_port: int,
    *,
    world_dir: str | None = None,
    plans: list[str] | None = None,
    root_certificates: bytes | None = None,
    charts: bool = False,
    warm_token: str | None = None,
    cache_s: float = 30.0,
) -> ConsoleServer:
    """Serve the console on ``http_host:http_port`` against the gRPC server on
    ``grpc_port`` of this host (started; returns the running :class:`ConsoleServer`)."""
    from server.console.gateway import Gateway
    from server.console.web import ConsoleInfo, ConsoleServer

    sites: dict[str, list[Any]] = {}
    if world_dir:
        from engine.data.loaders import load_world

        sites = site_columns(load_world(world_dir))
    target = f"{'localhost' if root_certificates else '127.0.0.1'}:{grpc_port}"
    gw = Gateway(target, root_certificates, cache_s=cache_s)
    info = ConsoleInfo(plans, sites, _replan_chart if charts else None)
    srv = ConsoleServer(gw, (http_host, http_port), info)
    srv.start(warm_token, warm=cache_s > 0)
    return srv


def _replan_chart() -> dict[str, Any]:
    from server.console.charts import replan_day

    return replan_day()


def _world(args: argparse.Namespace) -> World:
    if args.world:
        from engine.data.loaders import load_world

        return load_world(args.world)
    if args.vehicles or args.loads:
        from engine.data.generator import generate_world

        nv = args.vehicles or 2_000
        nl = args.loads or 2_000
        return generate_world(nv, max(nv * 5, 10_000), nl, seed=args.seed)
    from engine.data.sample import load_sample

    return load_sample()


def create_demo_plan(channel: Any, token: str | None, plan_id: str = DEMO_PLAN) -> None:
    """Solve a Shanghai city day (12 trucks, 120 stops) and create it as live plan
    ``plan_id`` through ``LivePlans.CreatePlan`` (skipped if the plan exists)."""
    import grpc

    from engine.live import plan_from_solution
    from engine.live.scenario import city_day
    from engine.routing import solve
    from server.convert import live as convert
    from server.proto import live_grpc, live_pb2

    stub = live_grpc.LivePlansStub(channel)
    md = [("authorization", f"Bearer {token}")] if token else []
    try:
        stub.GetPlan(live_pb2.GetPlanRequest(plan_id=plan_id), metadata=md, timeout=30)
        return
    except grpc.RpcError as e:
        if e.code() is not grpc.StatusCode.NOT_FOUND:
            raise
    sc = city_day(12, 120, seed=5)
    plan = plan_from_solution(solve(sc.problem, time_limit=1.0, seed=5, solver="core"))
    msg = convert.live_plan_msg(plan, plan_id)
    stub.CreatePlan(live_pb2.CreatePlanRequest(plan_id=plan_id, plan=msg), metadata=md, timeout=60)


def _console(args: argparse.Namespace) -> int:
    import signal
    import tempfile
    import threading

    from server.app import create_server
    from server.config import ServerConfig
    from server.observability import configure_logging

    configure_logging(args.log_level)
    world = _world(args)
    if args.charts_out:
        from server.console.charts import dispatch_summary, replan_day, write_pngs

        replan = None if args.no_replan_chart else replan_day()
        for p in write_pngs(Path(args.charts_out), dispatch_summary(world), replan):
            print(p)
        return 0
    tokens = frozenset(t for t in (args.token or []) if t)
    tmp = None
    db = args.db
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="yunli-console-")
        db = os.path.join(tmp.name, "console.db")
    server, port = create_server(
        "127.0.0.1:0", ServerConfig(db=db, tokens=tokens, sync_interval_s=0.0)
    )
    if server.state.vehicles.height == 0:
        server.state.store.bulk_import(
            {"vehicles": world.vehicles, "loads": world.loads, "trips": world.trips}
        )
        server.state.sync()
    server.start()
    token = next(iter(tokens), None)
    from server.console.gateway import Gateway
    from server.console.web import ConsoleInfo, ConsoleServer

    gw = Gateway(f"127.0.0.1:{port}")
    plans: list[str] = []
    feed = None
    if not args.no_plan:
        create_demo_plan(gw.channel, token)
        plans.append(DEMO_PLAN)
        if not args.no_feed:
            from server.console.feed import Feed

            feed = Feed(gw.channel, DEMO_PLAN, token, interval_s=args.feed_interval)
            feed.start()
    if not args.no_orders:
        from server.console.orders import seed_orders

        seed_orders(gw.channel, token, world, close_s=args.bid_window, wait=False)
    info = ConsoleInfo(plans, site_columns(world), _replan_chart)
    try:
        http = ConsoleServer(gw, (args.host, args.port), info, flag="--port")
    except BaseException:
        if feed is not None:
            feed.stop()
        server.stop(0)
        raise
    http.start(token)
    if args.port_file:
        Path(args.port_file).write_text(f"{http.port}\n")
    print(f"yunli console: {http.url}  (gRPC on 127.0.0.1:{port})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.2):
        pass
    if feed is not None:
        feed.stop()
    http.stop()
    server.stop(1.0)
    if tmp is not None:
        tmp.cleanup()
    return 0


def register(sub: Any) -> None:
    """Add ``console`` to the ``yunli`` command."""
    p = sub.add_parser(
        "console",
        help="open the dispatcher web console on the bundled sample (or a world)",
        description="Start an embedded Yunli server on the bundled sample world (or --world / "
        "a generated one), create a live Shanghai plan driven by a position feed, seed a few "
        "freight orders through the Orders RPCs (bidding, grabbing, awarded, in transit), and "
        "serve the web console (map, panels, live updates, charts) on HTTP; prints the URL. "
        "With --charts-out, write the outcome charts as PNGs instead and exit.",
    )
    p.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default %(default)s)")
    p.add_argument("--port", type=int, default=8080, help="HTTP port (0: any free port)")
    p.add_argument("--world", help="directory from `yunli generate` (default: bundled sample)")
    p.add_argument("--vehicles", type=int, help="generate a world with this many vehicles")
    p.add_argument("--loads", type=int, help="... and this many open loads")
    p.add_argument("--seed", type=int, default=1, help="seed of a generated world")
    p.add_argument("--db", help="SQLite file or postgresql:// URL (default: a temporary file)")
    p.add_argument("--token", action="append", help="require this bearer token (repeatable)")
    p.add_argument("--no-plan", action="store_true", help="do not create the live demo plan")
    p.add_argument("--no-feed", action="store_true", help="do not drive the live plan")
    p.add_argument(
        "--feed-interval", type=float, default=3.0, help="seconds between feed ticks (10 min each)"
    )
    p.add_argument("--no-orders", action="store_true", help="do not seed the demo freight orders")
    p.add_argument(
        "--bid-window",
        type=float,
        default=30.0,
        help="seconds the seeded open-bids order stays sealed (default %(default)s)",
    )
    p.add_argument("--port-file", help="write the bound HTTP port to this file once serving")
    p.add_argument("--charts-out", help="write dispatch.png and replan.png here and exit")
    p.add_argument(
        "--no-replan-chart", action="store_true", help="with --charts-out: dispatch chart only"
    )
    p.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    p.set_defaults(func=_console)
