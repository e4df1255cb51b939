"""Meal Delivery Routing Problem figures (issue 12 item 5) under the exact MDRP rules:
Yunli's rolling-horizon dispatcher against the nearest-idle (FCFS) and greedy-insertion
baselines in the same run, on generated instances of the published sizes.

Usage::

    python -m bench.mdrp_report --sizes 500x100 1500x250 3200x400 --seeds 0 1 2
    python -m bench.stores_report --mdrp 3200 400        # the same, one size

Every policy's solution is written in the published evaluator's three files and verified
by the independent checker (:mod:`engine.stores.mdrp_check`) before its figures (which
the checker computes from the files) are printed. CPU time is shown beside wall time: the
machine is shared.
"""

from __future__ import annotations

import argparse
import os
import tempfile

from engine.stores.mdrp import MdrpInstance, generate_instance
from engine.stores.mdrp_check import verify_solution
from engine.stores.mdrp_sim import MDRP_POLICIES, simulate_mdrp

LABELS = {
    "yunli": "**yunli**",
    "nearest_idle": "nearest idle FCFS",
    "greedy": "greedy insertion",
}


def coverable(inst: MdrpInstance) -> int:
    """Orders some courier is on shift for: one whose off time is not before the ready
    time (a pickup is possible)."""
    last_off = max(c[4] for c in inst.couriers)
    return sum(o[5] <= last_off for o in inst.orders)


def mdrp_rows(n_orders: int, n_couriers: int, seed: int = 0) -> list[str]:
    """Markdown rows (one per policy) for a generated instance of this size."""
    inst = generate_instance(n_orders, n_couriers, max(20, n_orders // 8), seed=seed)
    label = f"{n_orders:,} × {n_couriers}" + (f" s{seed}" if seed else "")
    rows = []
    for pol in MDRP_POLICIES:
        run = simulate_mdrp(inst, pol)
        with tempfile.TemporaryDirectory() as tmp:
            run.write(tmp)
            m = verify_solution(inst, tmp, policy=pol)
        rows.append(
            f"| {label} | {LABELS[pol]} | {m.delivered:,}/{m.orders:,} | {m.ctd_mean:.1f} | "
            f"{m.ctd_p90:.1f} | {m.ready_to_pickup_mean:.1f} | "
            f"{m.orders_per_courier_hour:.2f} | {m.pay_per_order:.2f} | "
            f"{m.within_target:.1%} | {run.wall_s:.2f} ({run.cpu_s:.2f}) |"
        )
    rows.append(
        f"<!-- {inst.name}: {coverable(inst)} of {len(inst.orders)} orders have a courier "
        f"on shift at or after their ready time; load {os.getloadavg()} -->"
    )
    return rows


HEADER = (
    "| instance | policy | delivered | click-to-door mean | p90 | ready-to-pickup mean "
    "| orders per courier-h | pay per order | within target | wall s (CPU s) |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", nargs="+", default=["500x100", "1500x250", "3200x400"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = ap.parse_args()
    print(f"cores {os.cpu_count()}, load {os.getloadavg()}")
    print(HEADER)
    for seed in args.seeds:
        for s in args.sizes:
            n_o, n_c = (int(x) for x in s.lower().split("x"))
            for row in mdrp_rows(n_o, n_c, seed):
                print(row, flush=True)
    print(f"load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
