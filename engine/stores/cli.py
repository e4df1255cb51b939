"""``yunli community`` (alias ``yunli stores``): simulate a store day or a Meal Delivery
Routing Problem instance, plan replenishment, show or check a fee tariff, generate and
solve MDRP instances under the exact MDRP rules and check their solution files."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cli import seconds
from engine.errors import InvalidInputError, NotFoundError
from engine.outputs import atomic_write_text, check_output

if TYPE_CHECKING:
    from engine.stores.mdrp import MdrpInstance, MdrpMetrics


def _policies(text: str) -> list[str]:
    from engine.stores.simulate import POLICIES

    out = [p.strip() for p in text.split(",") if p.strip()]
    bad = [p for p in out if p not in POLICIES]
    if not out or bad:
        raise argparse.ArgumentTypeError(f"choose from {','.join(POLICIES)}; got {text!r}")
    return out


def _tariff(path: str | None) -> Any:
    from engine.stores.tariff import DEFAULT_TARIFF, Tariff

    if path is None:
        return DEFAULT_TARIFF
    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"tariff file {path!r} does not exist")
    if p.is_dir():
        raise InvalidInputError.at("tariff", f"{path!r} is a directory, not a JSON file")
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise InvalidInputError.at("tariff", f"{p.name} is not valid JSON: {e}") from None
    if not isinstance(d, dict):
        raise InvalidInputError.at("tariff", "must be a JSON object")
    return Tariff.from_dict(d)


def _run_mdrp(inst: MdrpInstance, policy: str, solution: str | None) -> MdrpMetrics:
    """One policy on an instance (exact MDRP rules), its files written and verified; the
    figures come from the checked files."""
    import tempfile

    from engine.stores.mdrp_check import verify_solution
    from engine.stores.mdrp_sim import simulate_mdrp

    run = simulate_mdrp(inst, policy)
    with tempfile.TemporaryDirectory() as tmp:
        folder = solution or tmp
        run.write(folder)
        m = verify_solution(inst, folder, policy=policy)
    return dataclasses.replace(m, wall_s=run.wall_s, cpu_s=run.cpu_s)


def _simulate_mdrp(args: argparse.Namespace) -> int:
    from engine.stores.mdrp import read_instance

    if args.solution and len(args.policies) != 1:
        raise InvalidInputError.at("solution", "give exactly one policy with --solution")
    inst = read_instance(args.mdrp)
    print(
        f"{inst.name}: {len(inst.orders)} orders, {len(inst.couriers)} couriers, "
        f"{len(inst.restaurants)} restaurants (exact MDRP rules)"
    )
    rows = []
    incomplete = False
    for pol in args.policies:
        m = _run_mdrp(inst, pol, args.solution)
        incomplete |= m.delivered != m.orders
        rows.append(m.row())
        print(", ".join(f"{k} {v}" for k, v in m.row().items()))
        if args.solution:
            print(f"solution written to {args.solution} (checked)")
    if args.output:
        atomic_write_text(args.output, json.dumps(rows, indent=1))
        print(f"report written to {args.output}")
    return 4 if incomplete else 0


def _simulate(args: argparse.Namespace) -> int:
    from engine.stores.simulate import city_store_day, simulate

    check_output(args.output, (".json",))
    if args.mdrp is not None:
        return _simulate_mdrp(args)
    if args.solution:
        raise InvalidInputError.at("solution", "--solution needs --mdrp")
    if args.orders <= 0:
        raise InvalidInputError.at("orders", f"must be > 0, got {args.orders}")
    tariff = _tariff(args.tariff)
    day = city_store_day(
        args.city,
        n_orders=args.orders,
        ebikes_per_store=args.ebikes,
        seed=args.seed,
        rain=not args.no_rain,
        stock_scale=args.stock_scale,
    )
    print(
        f"{day.city}: {len(day.orders)} orders, {len(day.network.couriers)} couriers, "
        f"{sum(s.kind == 'store' for s in day.network.sites.values())} stores, seed {day.seed}"
    )
    rows = []
    for pol in args.policies:
        rep = simulate(day, pol, tariff=tariff, time_limit=args.time_limit)
        rows.append(rep.row())
        print(rep.summary())
    if args.output:
        atomic_write_text(args.output, json.dumps(rows, indent=1))
        print(f"report written to {args.output}")
    return 0


def _replenish(args: argparse.Namespace) -> int:
    from engine.stores.replenish import forecast_demand, order_up_to, plan_replenishment
    from engine.stores.simulate import DAY_MIDNIGHT, city_store_day, demand_history

    check_output(args.output, (".json",))
    if not 0.5 <= args.service_level < 1:
        raise InvalidInputError.at(
            "service_level", f"must be in [0.5, 1), got {args.service_level}"
        )
    fc = forecast_demand(demand_history(args.city, args.history_days, seed=args.seed))
    day = city_store_day(args.city, seed=args.seed, stock_scale=args.stock_scale)
    net = day.network
    lines = order_up_to(net, fc, DAY_MIDNIGHT + 8 * 3600, service_level=args.service_level)
    stores = [s for s in net.sites.values() if s.kind == "store"]
    lat = sum(s.lat for s in stores) / len(stores) + 0.06
    lon = sum(s.lon for s in stores) / len(stores) + 0.04
    plan = plan_replenishment(
        net,
        lines,
        (lat, lon),
        DAY_MIDNIGHT,
        vans=args.vans,
        time_limit=args.time_limit,
        seed=args.seed,
    )
    print(
        f"order-up-to at service level {args.service_level:.0%}: "
        f"{sum(ln.quantity for ln in lines)} units over "
        f"{sum(ln.quantity > 0 for ln in lines)} lines"
    )
    print(plan.summary())
    for d in plan.deliveries:
        hh, mm = divmod((d.service_start - DAY_MIDNIGHT) // 60, 60)
        print(f"  van {d.van}: {d.store_id} at {hh:02d}:{mm:02d}, {sum(d.lines.values())} units")
    if args.output:
        atomic_write_text(
            args.output,
            json.dumps(
                {
                    "lines": [dataclasses.asdict(ln) for ln in lines],
                    "deliveries": [
                        {
                            "van": d.van,
                            "store_id": d.store_id,
                            "lines": dict(d.lines),
                            "service_start": d.service_start,
                        }
                        for d in plan.deliveries
                    ],
                    "unserved": list(plan.unserved),
                },
                indent=1,
            ),
        )
        print(f"plan written to {args.output}")
    return 4 if plan.unserved else 0


def _tariff_cmd(args: argparse.Namespace) -> int:
    t = _tariff(args.tariff)
    print(json.dumps(t.to_dict(), indent=1, ensure_ascii=False))
    for d in args.distance or []:
        f = t.fee(int(d), args.weather)
        print(
            f"{int(d)} m in {args.weather}: ¥{f.total / 100:.2f} (base {f.base}, distance "
            f"{f.distance}, weather {f.weather} fen; tariff {f.tariff_version})"
        )
    return 0


def _mdrp_generate(args: argparse.Namespace) -> int:
    from engine.stores.mdrp import generate_instance, write_instance

    inst = generate_instance(args.orders, args.couriers, args.restaurants, seed=args.seed)
    write_instance(inst, args.folder)
    print(
        f"{inst.name}: {len(inst.orders)} orders, {len(inst.couriers)} couriers, "
        f"{len(inst.restaurants)} restaurants written to {args.folder}"
    )
    return 0


def _mdrp_solve(args: argparse.Namespace) -> int:
    from engine.stores.mdrp import read_instance

    inst = read_instance(args.folder)
    m = _run_mdrp(inst, args.policy, args.output)
    print(", ".join(f"{k} {v}" for k, v in m.row().items()))
    if args.output:
        print(f"solution written to {args.output} (checked)")
    return 0 if m.delivered == m.orders else 4


def _mdrp_check(args: argparse.Namespace) -> int:
    from engine.stores.mdrp import read_instance
    from engine.stores.mdrp_check import check_solution

    inst = read_instance(args.folder)
    res = check_solution(inst, args.solution)
    for v in res.violations:
        print(v)
    if res.violations:
        print(f"INFEASIBLE: {len(res.violations)} violations")
        return 4
    print("FEASIBLE; " + ", ".join(f"{k} {v}" for k, v in res.metrics.row().items()))
    return 0


def register(sub: Any) -> None:
    """Add ``community`` (alias ``stores``: ``simulate``, ``replenish``, ``tariff``,
    ``mdrp``) to the ``yunli`` command."""
    p = sub.add_parser(
        "community",
        aliases=["stores"],
        help="community stores: simulate a 30-minute delivery day or an MDRP instance, "
        "replenishment, fee tariff (alias: stores)",
        description="Community store delivery (issue 12): a seeded store day in a real city, "
        "or a Meal Delivery Routing Problem instance (--mdrp DIR), run by the Yunli "
        "dispatcher and the baselines; the replenishment van plan; the delivery-fee tariff; "
        "MDRP instances generated and solved in the published format.",
    )
    ss = p.add_subparsers(dest="stores_command", metavar="SUBCOMMAND", required=True)
    sim = ss.add_parser("simulate", help="run a seeded store day under each policy")
    sim.add_argument("--city", default="Hangzhou")
    sim.add_argument("--orders", type=int, default=360)
    sim.add_argument("--ebikes", type=int, default=3, help="e-bike couriers per store")
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument(
        "--policies",
        type=_policies,
        default=["yunli", "nearest_idle", "greedy"],
        help="comma-separated: yunli,nearest_idle,greedy",
    )
    sim.add_argument(
        "--time-limit", type=seconds, default=0.15, help="seconds per dispatch round (default 0.15)"
    )
    sim.add_argument(
        "--stock-scale",
        type=float,
        default=1.0,
        help="scale of the opening stock (below 1: stock-outs)",
    )
    sim.add_argument("--no-rain", action="store_true", help="a dry day")
    sim.add_argument("--tariff", help="tariff JSON (see `yunli community tariff`)")
    sim.add_argument(
        "--mdrp",
        metavar="DIR",
        help="replay this Meal Delivery Routing Problem instance folder instead of a city "
        "day, under the exact MDRP rules (--time-limit does not apply)",
    )
    sim.add_argument(
        "--solution",
        metavar="DIR",
        help="with --mdrp and one policy: write the evaluator's three solution files here",
    )
    sim.add_argument("--output", help="write the report rows here (.json)")
    sim.set_defaults(func=_simulate)
    rep = ss.add_parser("replenish", help="order-up-to levels and the van plan for a morning")
    rep.add_argument("--city", default="Hangzhou")
    rep.add_argument("--history-days", type=int, default=14)
    rep.add_argument("--service-level", type=float, default=0.95)
    rep.add_argument("--vans", type=int, default=3)
    rep.add_argument("--stock-scale", type=float, default=0.3)
    rep.add_argument("--seed", type=int, default=0)
    rep.add_argument("--time-limit", type=seconds, default=1.0)
    rep.add_argument("--output", help="write the plan here (.json)")
    rep.set_defaults(func=_replenish)
    tf = ss.add_parser("tariff", help="print (and check) a fee tariff; price distances")
    tf.add_argument("--tariff", help="tariff JSON (default: the built-in tariff)")
    tf.add_argument("--distance", type=int, action="append", help="metres to price (repeat)")
    tf.add_argument("--weather", default="clear")
    tf.set_defaults(func=_tariff_cmd)
    md = ss.add_parser(
        "mdrp", help="Meal Delivery Routing Problem instances: generate, solve, check"
    )
    ms = md.add_subparsers(dest="mdrp_command", metavar="ACTION", required=True)
    g = ms.add_parser("generate", help="write a seeded instance in the published format")
    g.add_argument("folder")
    g.add_argument("--orders", type=int, default=500)
    g.add_argument("--couriers", type=int, default=100)
    g.add_argument("--restaurants", type=int, default=60)
    g.add_argument("--seed", type=int, default=0)
    g.set_defaults(func=_mdrp_generate)
    so = ms.add_parser("solve", help="replay an instance under a policy; write the solution")
    so.add_argument("folder")
    so.add_argument("--policy", choices=("yunli", "nearest_idle", "greedy"), default="yunli")
    so.add_argument("--output", help="folder for the three solution_info_*.txt files")
    so.set_defaults(func=_mdrp_solve)
    ck = ms.add_parser("check", help="verify a solution's three files against the instance")
    ck.add_argument("folder", help="the instance folder")
    ck.add_argument("solution", help="the folder of the three solution_info_*.txt files")
    ck.set_defaults(func=_mdrp_check)
