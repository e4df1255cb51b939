"""Console responsiveness in headless Chromium: first paint, pan/zoom frames, live latency.

Usage::

    python bench/console_report.py                 # 20,000 vehicles + 20,000 loads
    python bench/console_report.py --vehicles 2000 --loads 2000

Starts a real Yunli server (SQLite) with a generated world, the console's HTTP server
and a live Shanghai plan, opens the page in Debian's headless Chromium (Selenium) and
measures, in the browser:

* first meaningful paint: ``performance.now()`` (from navigation start) when the first
  frame with the basemap, every vehicle and every load was drawn; cold (the gateway's
  layer cache off) and warm, for the columnar layer RPCs (``ListVehicleColumns`` /
  ``ListLoadColumns``, the page's default) and the streaming lists (``?layers=stream``)
  alternating in the same run, with the CPU time of this process (server + gateway);
* draw time of a frame (Canvas2D) over 40 pan/zoom steps (p50 / p95 / max), and the
  frame interval of an animated 60-frame zoom (requestAnimationFrame);
* live latency: from a ``ReportPositions`` call returning (the event stored) to the
  page having the new plan version, polled every 5 ms from the test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--vehicles", type=int, default=20_000)
    ap.add_argument("--loads", type=int, default=20_000)
    ap.add_argument("--cold-runs", type=int, default=3, help="cold loads per path")
    a = ap.parse_args()

    import grpc

    from engine.data.generator import generate_world
    from server.app import create_server
    from server.config import ServerConfig
    from server.console.cli import DEMO_PLAN, create_demo_plan, start_http
    from server.console.feed import Feed
    from tests.server.console.test_browser import _browser, wait_for

    tmp = tempfile.mkdtemp(prefix="yunli-console-bench-")
    w = generate_world(a.vehicles, max(a.vehicles * 5, 10_000), a.loads, seed=1)
    srv, port = create_server(
        "127.0.0.1:0", ServerConfig(db=os.path.join(tmp, "c.db"), sync_interval_s=0)
    )
    srv.state.store.bulk_import({"vehicles": w.vehicles, "loads": w.loads, "trips": w.trips})
    srv.state.sync()
    srv.start()
    ch = grpc.insecure_channel(f"127.0.0.1:{port}")
    create_demo_plan(ch, None)
    http = start_http(port, "127.0.0.1", 0, plans=[DEMO_PLAN])
    d = _browser()
    try:
        t0 = time.monotonic()
        while len(http.gateway._cache) < 2 and time.monotonic() - t0 < 60:
            time.sleep(0.05)  # the console warms its layer cache at start

        def paint(query: str) -> tuple[float, float]:
            """(first paint ms from navigation, CPU s of this process: server + gateway)."""
            c0 = time.process_time()
            d.get(http.url + "?" + query + "&r=" + str(time.time()))
            wait_for(d, "window.__yunli.ready && window.__yunli.updates > 0", 60)
            return d.execute_script("return window.__yunli.firstPaintNav"), (
                time.process_time() - c0
            )

        # cold: no layer cache, new path (columnar RPCs) and old path (streaming lists)
        # alternating in the same run
        http.gateway.cache_s = 0.0
        cold: dict[str, list[tuple[float, float]]] = {"columnar": [], "stream": []}
        for _ in range(a.cold_runs):
            cold["columnar"].append(paint("cold=1"))
            cold["stream"].append(paint("cold=1&layers=stream"))
        http.gateway.cache_s = 30.0
        warm: dict[str, list[tuple[float, float]]] = {"columnar": [], "stream": []}
        paint("layers=stream")  # fills the cache of the old path's lists
        for _ in range(3):
            warm["columnar"].append(paint("warm=1"))
            warm["stream"].append(paint("warm=1&layers=stream"))
        counts = d.execute_script("return window.__yunli.counts")
        draws, layers = [], []
        for i in range(40):
            if i % 2:
                d.execute_script("window.__yunli.panBy(37, -23)")
            else:
                d.execute_script("window.__yunli.zoomAt(500, 300, 1.25)")
            draws.append(d.execute_script("return window.__yunli.drawNow()"))
            layers.append(d.execute_script("return window.__yunli.layerMs"))
        d.execute_script("window.__yunli.flyTo(34, 105, 12)")
        frames = d.execute_async_script(
            """const done = arguments[0], ts = [];
            function step(t) { ts.push(t); window.__yunli.zoomAt(500, 300, 1.03);
              if (ts.length < 60) requestAnimationFrame(step);
              else done(ts.slice(1).map((x, i) => x - ts[i])); }
            requestAnimationFrame(step);"""
        )
        time.sleep(0.3)
        renders = []
        for f in (1.0, 1.5, 0.5):
            d.execute_script(f"window.__yunli.flyTo(34, 105, {12 * f}); window.__yunli.drawNow()")
            renders.append(d.execute_script("return window.__yunli.cargoRenderMs"))
        feed = Feed(ch, DEMO_PLAN, None, step_s=900)
        lat = []
        for _ in range(8):
            v = d.execute_script("return window.__yunli.planVersion")
            if feed.tick() == 0:
                continue
            t0 = time.perf_counter()
            while d.execute_script("return window.__yunli.planVersion") <= v:
                time.sleep(0.005)
            lat.append((time.perf_counter() - t0) * 1000)
    finally:
        d.quit()
        http.stop()
        srv.stop(0)

    def q(xs: list[float], p: float) -> float:
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(p * len(xs)))]

    print(f"world: {a.vehicles:,} vehicles, {a.loads:,} loads; counts on screen {counts}")
    print(f"load average (uptime): {os.getloadavg()}; nproc {os.cpu_count()}")
    for name, runs in (("cold (no layer cache)", cold), ("warm (layer cache)", warm)):
        for path, xs in runs.items():
            print(f"first meaningful paint, {name}, {path} layers: ms from navigation "
                  f"{[round(x) for x, _ in xs]}; CPU s of server+gateway "
                  f"{[round(c, 2) for _, c in xs]}")  # fmt: skip
    print(f"full cargo-layer render ms (after input stops): {[round(x, 1) for x in renders]}")
    print(
        f"frame draw ms during 40 pan/zoom steps: p50 {statistics.median(draws):.1f}, "
        f"p95 {q(draws, 0.95):.1f}, max {max(draws):.1f}"
    )
    for name in layers[0]:
        xs = [x[name] for x in layers]
        print(f"  layer {name}: p50 {statistics.median(xs):.1f} ms, max {max(xs):.1f}")
    print(
        f"animated zoom frame interval ms (60 frames): p50 {statistics.median(frames):.1f}, "
        f"p95 {q(frames, 0.95):.1f}, max {max(frames):.1f}"
    )
    if lat:
        print(
            f"live update latency ms (ReportPositions returned -> page has version), "
            f"n={len(lat)}: p50 {statistics.median(lat):.0f}, max {max(lat):.0f}"
        )


if __name__ == "__main__":
    main()
