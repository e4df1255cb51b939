"""``yunli replan``: apply events to a live plan, re-optimize, report ETAs and warnings.

With ``--server ADDR --plan-id ID`` the events go to the plan stored on a running
``yunli serve`` (``LivePlans.ApplyEvents`` with a re-plan) instead of a plan file: the
call carries an idempotency key (``--idempotency-key``, default a new one, printed) and
is retried on UNAVAILABLE / DEADLINE_EXCEEDED, so it takes effect exactly once; a
command that still failed can be re-run with the printed key.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from engine.cli import seconds
from engine.errors import InvalidInputError, NotFoundError
from engine.outputs import atomic_write, atomic_write_text, check_output

#: Table files ``--etas`` and ``--warnings`` write.
TABLE_SUFFIXES = (".csv", ".parquet", ".json")


def _read_json(path: str, what: str) -> Any:
    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"{what} file {str(p)!r} does not exist")
    if p.is_dir():
        raise InvalidInputError.at(what, f"{str(p)!r} is a directory, not a JSON file")
    text = p.read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        raise InvalidInputError.at(what, f"{p.name} is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInputError.at(what, f"{p.name} is not valid JSON: {e}") from None


def _run(args: argparse.Namespace) -> int:
    from engine.live.eta import forecast
    from engine.live.events import apply_events
    from engine.live.io import events_from_dicts, plan_from_dict, plan_to_dict
    from engine.live.replan import replan

    check_output(args.output, (".json",))
    check_output(args.etas, TABLE_SUFFIXES, "etas")
    check_output(args.warnings, TABLE_SUFFIXES, "warnings")
    if args.server:
        plan = _remote(args)
    elif args.new_day:
        from engine.live.build import plan_from_solution
        from engine.live.scenario import city_day
        from engine.routing.solve import solve

        sc = city_day(args.vehicles, args.stops, seed=args.seed)
        from engine.progress import Progress

        with Progress("morning plan", args.time_limit) as prog:
            sol = solve(
                sc.problem, time_limit=args.time_limit, seed=args.seed, solver="core", progress=prog
            )
        plan = plan_from_solution(sol)
        print(f"morning plan: {sol.summary()}")
    else:
        if not args.plan:
            raise InvalidInputError.at("plan", "give a plan JSON file or --new-day")
        plan = plan_from_dict(_read_json(args.plan, "plan"))
        if args.events:
            events = events_from_dicts(_read_json(args.events, "events"))
            rep = apply_events(plan, events)
            print(
                f"applied {len(events)} events: {len(rep.released_jobs)} jobs released, "
                f"{sum(len(v) for v in rep.stranded_cargo.values())} on board flagged"
            )
        res = replan(
            plan,
            time_limit=args.time_limit,
            seed=args.seed,
            allow_diversion=args.allow_diversion,
            disruption_cost=args.disruption_cost,
        )
        print(f"re-plan in {res.runtime_s * 1000:.0f} ms: {res.diff.summary()}")
        if res.kept_current:
            print("kept the current plan (repaired): the search's plan was not better")
        if not res.feasible:
            print(f"INFEASIBLE: {len(res.infeasible)} required jobs left out")
            for jid, why in sorted(res.infeasible.items()):
                print(f"  {jid}: {why}")
    f = forecast(plan)
    print(
        f"{sum(len(v.route) for v in plan.vehicles.values())} pending stops, "
        f"{f.late_stops} predicted late, {len(f.warnings)} warnings"
    )
    if args.output:
        atomic_write_text(args.output, json.dumps(plan_to_dict(plan), indent=1))
        print(f"plan written to {args.output}")
    if args.etas:
        _write(f.stops_frame(), args.etas)
    if args.warnings:
        _write(f.warnings_frame(), args.warnings)
    return 0


def _remote(args: argparse.Namespace) -> Any:
    """Apply the events to the plan on ``args.server`` and re-plan there; the new plan."""
    import grpc

    from engine.live.io import events_from_dicts
    from server.convert import live as convert
    from server.instances import error_from_status
    from server.live_client import LiveClient, new_key
    from server.proto import live_pb2

    if args.plan or args.new_day:
        raise InvalidInputError.at("--server", "give --plan-id, not a plan file or --new-day")
    if not args.plan_id:
        raise InvalidInputError.at("--plan-id", "give the id of the plan on the server")
    events = events_from_dicts(_read_json(args.events, "events")) if args.events else []
    key = args.idempotency_key or new_key()
    req = live_pb2.ApplyEventsRequest(
        plan_id=args.plan_id,
        events=[convert.event_msg(e) for e in events],
        options=live_pb2.ReplanOptions(
            replan=True, time_limit_s=args.time_limit, seed=args.seed,
            allow_diversion=args.allow_diversion, disruption_cost=args.disruption_cost,
        ),
        idempotency_key=key,
    )  # fmt: skip
    print(f"idempotency key {key} (re-run with --idempotency-key {key} if this fails)")
    client = LiveClient(args.server, token=args.token, timeout=args.time_limit + 60.0)
    try:
        r = client.apply_events(req)
    except grpc.RpcError as e:
        trailers = [(str(m.key), m.value) for m in e.trailing_metadata() or ()]
        err = error_from_status(e.code(), e.details() or "", trailers)
        if e.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            raise OSError(
                f"server {args.server}: {e.code().name}: {e.details()} (after "
                f"{client.retries + 1} attempts; re-run with --idempotency-key {key})"
            ) from None
        raise err from None
    finally:
        client.close()
    d = r.diff
    how = "answered from the idempotency record (applied before)" if r.replayed else "applied"
    print(
        f"plan {args.plan_id!r} at version {r.view.plan.version}: {len(events)} events {how}, "
        f"{len(r.released_jobs)} jobs released; re-plan in {d.runtime_s * 1000:.0f} ms: "
        f"{len(d.moved)} stops moved, {len(d.changed_vehicles)} vehicles changed"
    )
    if client.retries:
        print(f"{client.retries} attempts retried")
    if not d.feasible:
        print(f"INFEASIBLE: {len(d.infeasible)} required jobs left out")
        for u in d.infeasible:
            print(f"  {u.job_id}: {u.constraint}: {u.detail}")
    return convert.live_plan(r.view.plan)


def _write(df: Any, path: str) -> None:
    if path.endswith(".parquet"):
        atomic_write(path, lambda tmp: df.write_parquet(tmp))
    elif path.endswith(".json"):
        atomic_write(path, lambda tmp: df.write_json(tmp))
    else:
        atomic_write(path, lambda tmp: df.write_csv(tmp))
    print(f"written {df.height} rows to {path}")


def register(sub: Any) -> None:
    """Add ``replan`` to the ``yunli`` command."""
    p = sub.add_parser(
        "replan",
        help="apply events to a live plan and re-optimize it",
        description="Load a live plan (JSON written by this command), apply a batch of events "
        "(JSON list; atomic: a bad event leaves the plan unchanged), re-optimize from the "
        "current state keeping served stops, cargo on board and the stop each vehicle drives "
        "to, then write the new plan, ETAs and risk warnings. --new-day creates a starting "
        "plan for a generated Shanghai distribution day.",
    )
    p.add_argument("plan", nargs="?", help="plan JSON")
    p.add_argument("--events", help="events JSON (a list of {type, t, ...})")
    p.add_argument("--new-day", action="store_true", help="plan a generated day instead")
    p.add_argument("--vehicles", type=int, default=50)
    p.add_argument("--stops", type=int, default=500)
    p.add_argument("--time-limit", type=seconds, default=0.3, help="seconds (default 0.3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--allow-diversion", action="store_true")
    p.add_argument("--disruption-cost", type=int, default=2_000)
    p.add_argument("--output", help="write the new plan JSON here")
    p.add_argument("--etas", help="write ETAs (.csv, .parquet or .json)")
    p.add_argument("--warnings", help="write risk warnings (.csv, .parquet or .json)")
    p.add_argument(
        "--server",
        metavar="ADDR",
        help="apply the events to --plan-id on a running `yunli serve` (host:port, or "
        "ipv4:h1:p1,h2:p2 for several instances) and re-plan there",
    )
    p.add_argument("--plan-id", help="the plan on --server")
    p.add_argument("--token", help="bearer token for --server (default: YUNLI_TOKEN)")
    p.add_argument(
        "--idempotency-key",
        help="key of the --server call (default: a new one, printed); re-run a failed "
        "command with the same key to apply its events at most once",
    )
    p.set_defaults(func=_run)
