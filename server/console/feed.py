"""A position feed for the console's demo: trucks "drive" their live routes.

Each tick moves a simulated clock forward and, like a fleet's telematics, reports
through the real ``LivePlans.ReportPositions`` RPC every vehicle that finished stops
since its last report (position at its last stop, the stops served). The forecast it
follows is the server's own (``GetPlan``); the page sees the new versions through
``Subscribe``. Nothing here changes a plan except through the gRPC API.
"""

from __future__ import annotations

import threading
from typing import Any

import grpc

from server.observability import LOGGER
from server.proto import live_grpc, live_pb2


def reports(view: live_pb2.PlanView, t: int) -> list[live_pb2.PositionReport]:
    """Position reports for every vehicle with stops whose service ends by ``t``."""
    plan = view.plan
    jobs = {j.job_id: j for j in plan.jobs}
    done: dict[str, list[live_pb2.StopEta]] = {}
    for e in view.etas:
        if e.departure <= t and e.job_id in jobs:
            done.setdefault(e.vehicle_id, []).append(e)
    out = []
    for vid, stops in done.items():
        stops.sort(key=lambda s: s.position)
        last = jobs[stops[-1].job_id]
        out.append(
            live_pb2.PositionReport(
                plan_id=plan.plan_id,
                t=t,
                position=live_pb2.PositionUpdate(
                    vehicle_id=vid, lat=last.lat, lon=last.lon, served=[s.job_id for s in stops]
                ),
            )
        )
    return out


class Feed:
    """Drives ``plan_id`` forward by ``step_s`` simulated seconds every ``interval_s``.

    Parameters
    ----------
    channel
        A channel to the gRPC server.
    plan_id
        The live plan to drive.
    token
        Bearer token for the calls (None: no auth).
    """

    def __init__(
        self,
        channel: grpc.Channel,
        plan_id: str,
        token: str | None = None,
        step_s: int = 600,
        interval_s: float = 3.0,
    ) -> None:
        self._stub = live_grpc.LivePlansStub(channel)
        self._md = [("authorization", f"Bearer {token}")] if token else []
        self.plan_id = plan_id
        self.step_s = step_s
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="console-feed", daemon=True)
        self.clock: int | None = None

    def start(self) -> None:
        """Start driving in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop driving."""
        self._stop.set()
        self._thread.join(timeout=5)

    def tick(self) -> int:
        """One step: report what was done by the next clock; the reports accepted."""
        view = self._stub.GetPlan(
            live_pb2.GetPlanRequest(plan_id=self.plan_id), metadata=self._md, timeout=30
        )
        if self.clock is None:
            self.clock = max([view.plan.now] + [v.position_time for v in view.plan.vehicles])
        self.clock += self.step_s
        reps = reports(view, self.clock)
        if not reps:
            return 0
        out = self._stub.ReportPositions(iter(reps), metadata=self._md, timeout=30)
        return int(out.accepted)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.tick()
            except grpc.RpcError as e:
                LOGGER.warning("console feed: %s", _detail(e))
            except Exception:
                LOGGER.exception("console feed failed")
                return


def _detail(e: Any) -> str:
    return f"{e.code().name}: {e.details()}" if hasattr(e, "code") else str(e)
