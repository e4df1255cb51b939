"""``yunli console --charts-out`` and ``yunli serve --http-port``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from engine.cli import main
from server.console.charts import write_pngs

PNG = b"\x89PNG\r\n\x1a\n"


def test_charts_out_writes_the_dispatch_png(tmp_path: Path) -> None:
    assert main(["console", "--charts-out", str(tmp_path), "--no-replan-chart"]) == 0
    assert (tmp_path / "dispatch.png").read_bytes().startswith(PNG)
    assert not (tmp_path / "replan.png").exists()


def test_replan_png_from_simulator_data(tmp_path: Path) -> None:
    pol = {"late_stops": 3, "lateness_min": 40.0, "unserved": 5, "served": 90,
           "distance_km": 100.0, "late_min_by_hour": [0.0] * 15 + [40.0],
           "late_stops_by_hour": [0] * 15 + [3]}  # fmt: skip
    data = {"hours": list(range(8, 24)), "policies": {"none": pol, "yunli": pol}}
    dispatch = {m: {"assigned": 3, "total_score": 1.0, "total_deadhead_m": 5000}
                for m in ("optimal", "greedy", "nearest")}  # fmt: skip
    out = write_pngs(tmp_path, dispatch, data)
    assert [p.name for p in out] == ["dispatch.png", "replan.png"]
    assert (tmp_path / "replan.png").read_bytes().startswith(PNG)


def test_serve_with_http_port_serves_the_console(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "engine.cli", "serve", "--address", "127.0.0.1:0",
           "--db", str(tmp_path / "s.db"), "--token", "tok", "--http-port", "0",
           "--solver-workers", "1"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    try:
        assert proc.stdout is not None
        url = None
        for _ in range(20):
            line = proc.stdout.readline().decode()
            if "console at" in line:
                url = line.split("console at", 1)[1].strip()
                break
        assert url is not None
        with urllib.request.urlopen(url, timeout=10) as r:
            assert b'<canvas id="map">' in r.read()
        req = urllib.request.Request(
            url + "api/yunli.v1.Fleet/ListVehicles?columns=vehicle_id",
            data=b"{}",
            method="POST",
            headers={"Authorization": "Bearer tok"},
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            assert json.loads(r.read()) == {"count": 0, "columns": {"vehicle_id": []}}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def test_yunli_console_starts_with_sample_and_live_plan(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "engine.cli", "console", "--port", "0", "--no-feed",
           "--port-file", str(tmp_path / "port")]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith("yunli console: http://127.0.0.1:")
        url = line.split()[2]
        assert url.endswith(f":{(tmp_path / 'port').read_text().strip()}/")
        with urllib.request.urlopen(url + "api/console", timeout=10) as r:
            info = json.loads(r.read())
        assert info["plans"] == ["shanghai-day"]
        assert len(info["sites"]["site_id"]) == 61
        req = urllib.request.Request(
            url + "api/yunli.v1.LivePlans/GetPlan", data=b'{"plan_id": "shanghai-day"}',
            method="POST",
        )  # fmt: skip
        with urllib.request.urlopen(req, timeout=10) as r:
            view = json.loads(r.read())
        assert len(view["plan"]["vehicles"]) == 12
        assert view["etas"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        if proc.stdout is not None:
            proc.stdout.close()
