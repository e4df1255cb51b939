"""``yunli serve`` as a subprocess: kill -9 in the middle of writes loses no acknowledged
write (both back-ends); SIGTERM shuts down gracefully."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import polars as pl
import pytest

from server.proto import fleet_pb2
from tests.server.conftest import PG_SKIP, PG_URL, TOKEN, client_for, messages


def _serve(db: str, tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    tag = uuid.uuid4().hex[:6]
    port_file, log = tmp / f"port-{tag}", tmp / f"serve-{tag}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "serve", "--address", "127.0.0.1:0", "--db", db,
         "--token", TOKEN, "--port-file", str(port_file), "--sync-interval", "0",
         "--log-level", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (port_file.exists() and port_file.read_text().strip()):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise AssertionError(f"server did not start: {log.read_text()}")
        time.sleep(0.05)
    return proc, int(port_file.read_text())


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: Any, tmp_path: Path) -> Iterator[str]:
    """A fresh database location of each back-end."""
    if request.param == "sqlite":
        yield str(tmp_path / "crash.db")
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    import psycopg

    schema = f"k_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_kill9_loses_no_acknowledged_write(db: str, tmp_path: Path, sample_world: Any) -> None:
    """Writers upsert vehicles and record trips until the server is SIGKILLed; after a
    restart on the same database every acknowledged row is there, unchanged."""
    base = sample_world.vehicles.head(1)
    trip = sample_world.trips.head(1)
    proc, port = _serve(db, tmp_path)
    acked_v: dict[int, Any] = {}
    acked_t: dict[int, Any] = {}
    lock = threading.Lock()
    stop = threading.Event()
    unexpected: list[grpc.RpcError] = []

    def writer(k: int) -> None:
        c = client_for(port)
        i = 0
        while not stop.is_set():
            vid = 1_000_000 * (k + 1) + i
            v = messages("vehicles", base.with_columns(pl.lit(vid).alias("vehicle_id")))
            t = messages(
                "trips",
                trip.with_columns(pl.lit(vid).alias("vehicle_id"), pl.lit(vid).alias("trip_id")),
            )
            try:
                c.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=v), timeout=10)
                with lock:
                    acked_v[vid] = v[0]
                c.fleet.RecordTrips(fleet_pb2.RecordTripsRequest(trips=t), timeout=10)
                with lock:
                    acked_t[vid] = t[0]
            except grpc.RpcError as e:
                if e.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
                    unexpected.append(e)
                return
            i += 1

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    while len(acked_t) < 40:
        time.sleep(0.01)
        assert proc.poll() is None
    children = _children(proc.pid)
    assert children  # the warm solver process
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of writes
    proc.wait(10)
    stop.set()
    for th in threads:
        th.join(15)
    assert len(acked_v) >= 40
    assert not unexpected
    deadline = time.monotonic() + 10  # solver processes die with the server
    while any(Path(f"/proc/{c}").exists() for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [c for c in children if Path(f"/proc/{c}").exists()]

    proc2, port2 = _serve(db, tmp_path)
    try:
        c = client_for(port2)
        stored_v = {v.vehicle_id: v for v in c.fleet.ListVehicles(fleet_pb2.ListRequest())}
        stored_t = {t.trip_id: t for t in c.fleet.ListTrips(fleet_pb2.ListTripsRequest())}
        for vid, v in acked_v.items():
            assert stored_v.get(vid) == v
        for tid, t in acked_t.items():
            assert stored_t.get(tid) == t
        # the restarted server accepts writes again
        assert (
            c.fleet.UpsertVehicles(
                fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", base))
            ).written
            == 1
        )
    finally:
        proc2.terminate()
        proc2.wait(30)


def test_sigterm_is_graceful(tmp_path: Path) -> None:
    """SIGTERM stops the server cleanly (exit code 0) and health turns unavailable."""
    proc, port = _serve(str(tmp_path / "g.db"), tmp_path)
    c = client_for(port)
    assert list(c.fleet.ListVehicles(fleet_pb2.ListRequest(), timeout=10)) == []
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    with pytest.raises(grpc.RpcError) as e:
        list(c.fleet.ListVehicles(fleet_pb2.ListRequest(), timeout=2))
    assert e.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def test_serve_refuses_without_token(tmp_path: Path) -> None:
    """`yunli serve` without any token (and without --no-auth) exits 2 naming --token."""
    env = {k: v for k, v in os.environ.items() if k != "YUNLI_TOKENS"}
    r = subprocess.run(
        [sys.executable, "-m", "engine.cli", "serve", "--db", str(tmp_path / "x.db")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 2
    assert "--token" in r.stderr
