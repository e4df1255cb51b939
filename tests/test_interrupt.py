"""Runs that stop when asked: a cancelled search returns promptly with its best solution,
and Ctrl-C during ``yunli solve`` writes that solution and exits with 130."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from engine.interrupt import CancelToken, cancel_running
from engine.routing import check, formats
from engine.routing.core import problem_data, search

DATA = Path(__file__).resolve().parent / "data" / "routing"


def _on_terminal(cmd: list[str]) -> tuple[subprocess.Popen[str], int]:
    """Start ``cmd`` with standard error on a pseudo-terminal (so progress is shown)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    return proc, master


def _read_until(fd: int, needle: str | None, timeout: float) -> str:
    """Read the terminal until ``needle`` appears (or, for None, until it closes)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the other side closed
            break
        if not chunk:
            break
        seen += chunk
        if needle is not None and needle.encode() in seen:
            return seen.decode(errors="replace")
    if needle is not None:
        raise AssertionError(f"{needle!r} not shown within {timeout} s: {seen!r}")
    os.close(fd)
    return seen.decode(errors="replace")


def test_cancel_token_stops_search_from_another_thread() -> None:
    """A 60-second search cancelled after 0.3 s returns within a second, marked
    interrupted, with a complete, feasible solution."""
    inst = formats.read(DATA / "C101.txt", "solomon")
    data = problem_data(inst.problem)
    token = CancelToken()
    timer = threading.Timer(0.3, token.cancel)
    t0 = time.perf_counter()
    timer.start()
    res = search(data, time_limit=60, seed=1, cancel=token)
    elapsed = time.perf_counter() - t0
    assert token.cancelled
    assert res.interrupted
    assert elapsed < 5, elapsed
    report = check(inst.problem, res.routes)
    assert report.feasible, report.violations[:3]


def test_cancel_running_stops_searches_in_worker_threads() -> None:
    """``cancel_running`` (the SIGTERM handler's action) stops searches on any thread."""
    inst = formats.read(DATA / "R101.txt", "solomon")
    data = problem_data(inst.problem)
    results: list[bool] = []

    def run() -> None:
        results.append(search(data, time_limit=60, seed=2).interrupted)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    assert cancel_running() == 2
    for t in threads:
        t.join(10)
    assert results == [True, True]


def test_uncancelled_search_is_not_interrupted() -> None:
    """A search that runs to its budget is not marked interrupted."""
    inst = formats.read(DATA / "C101.txt", "solomon")
    res = search(problem_data(inst.problem), time_limit=60, seed=1, max_iterations=50)
    assert not res.interrupted


def test_ctrl_c_during_yunli_solve_writes_best_solution(tmp_path: Path) -> None:
    """SIGINT to a running ``yunli solve`` (the installed command): the run stops within a
    second, writes the best solution so far with ``"interrupted": true`` and exits 130."""
    out = tmp_path / "sol.json"
    yunli = Path(sys.executable).with_name("yunli")
    cmd = [str(yunli), "solve", str(DATA / "R101.txt"), "--format", "solomon"]
    proc, tty = _on_terminal([*cmd, "--time-limit", "120", "--output", str(out)])
    # the progress line appears as the search starts (however slow start-up is)
    _read_until(tty, "solve R101", timeout=120)
    time.sleep(1.0)
    assert proc.poll() is None, proc.communicate()
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=30)
    stop_s = time.perf_counter() - t0
    stderr = _read_until(tty, None, timeout=5)
    assert proc.returncode == 130, stderr
    assert stop_s < 2.0, stop_s
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    doc = json.loads(out.read_text())
    assert doc["interrupted"] is True
    served = sorted(c for r in doc["routes"] for c in r)
    assert served == list(range(1, 101))
    assert "R101: cost" in stdout


def test_ctrl_c_during_plan_loads_exits_promptly(tmp_path: Path) -> None:
    """SIGINT during a long ``yunli plan-loads`` (CP-SAT, no cancellable search): a clear
    one-line message, exit 130 within a second, and no output file."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(0)
    n = 3000
    shipments, fleet = tmp_path / "s.csv", tmp_path / "f.csv"
    pl.DataFrame(
        {
            "shipment_id": np.arange(n),
            "weight_kg": rng.integers(50, 900, n),
            "volume_l": rng.integers(100, 3000, n),
        }
    ).write_csv(shipments)
    pl.DataFrame(
        {
            "vehicle_type": ["van", "truck"],
            "capacity_kg": [1500, 4000],
            "capacity_l": [6000, 16000],
            "count": [3000, 1000],
            "cost_fen": [30000, 50000],
        }
    ).write_csv(fleet)
    out = tmp_path / "plan.json"
    yunli = Path(sys.executable).with_name("yunli")
    cmd = [str(yunli), "plan-loads", "--shipments", str(shipments), "--fleet", str(fleet)]
    proc, tty = _on_terminal([*cmd, "--time-limit", "120", "--output", str(out)])
    _read_until(tty, "plan-loads (3,000 shipments)", timeout=120)
    time.sleep(1.0)  # inside the solver
    assert proc.poll() is None, proc.communicate()
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert time.perf_counter() - t0 < 2.0
    stderr = _read_until(tty, None, timeout=5)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1].strip() == "yunli plan-loads: interrupted", stderr
    assert "Traceback" not in stderr
    assert not out.exists()
