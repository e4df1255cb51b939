"""SIGTERM to a server's solver process stops its search promptly, and the caller gets
the best solution found so far (status ``interrupted``), over a real socket."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from typing import Any

from server.proto import routing_pb2
from tests.server.conftest import client_for


def _problem(n_jobs: int) -> routing_pb2.Problem:
    p = routing_pb2.Problem(name="city", dimensions=["weight_kg"])
    p.sites.add(name="dc", lat=31.23, lon=121.47, is_depot=True)
    for i in range(n_jobs):
        p.sites.add(name=f"s{i}", lat=31.05 + 0.0041 * i, lon=121.30 + 0.0037 * ((i * 17) % 97))
        j = p.jobs.add(name=f"j{i}", site=f"s{i}", delivery=[50 + (i * 13) % 200], service=300)
        j.time_windows.add(start=8 * 3600, end=20 * 3600)
    p.vehicle_types.add(
        name="van", num_available=40, capacity=[1500], start_site="dc", profile="van",
        cost_per_km=250,
    )  # fmt: skip
    return p


def test_sigterm_stops_solver_process_search(make_server: Any) -> None:
    """A 60-second core solve whose solver process gets SIGTERM answers within seconds
    with every job routed and status ``interrupted``; the process serves the next call."""
    _, port = make_server(solver_workers=1)
    c = client_for(port)
    small = routing_pb2.OptimizeRequest(problem=_problem(3), time_limit_s=0.2, solver="core")
    c.routing.Optimize(small, timeout=60)  # the solver process is up
    workers = multiprocessing.active_children()
    assert len(workers) == 1
    result: dict[str, Any] = {}

    def call() -> None:
        req = routing_pb2.OptimizeRequest(problem=_problem(150), time_limit_s=60, solver="core")
        result["r"] = c.routing.Optimize(req, timeout=120)
        result["t"] = time.perf_counter()

    th = threading.Thread(target=call)
    th.start()
    time.sleep(3.0)
    assert th.is_alive()
    t0 = time.perf_counter()
    os.kill(workers[0].pid, signal.SIGTERM)  # type: ignore[arg-type]
    th.join(30)
    assert not th.is_alive()
    r = result["r"]
    assert result["t"] - t0 < 3.0
    assert r.status == "interrupted"
    assert sorted(j for route in r.routes for j in route.jobs) == sorted(
        f"j{i}" for i in range(150)
    )
    assert r.feasible
    again = c.routing.Optimize(small, timeout=60)
    assert again.status == "solved"
    assert multiprocessing.active_children() == workers
