"""Two real ``yunli serve`` processes on one PostgreSQL share ``yunli.v1.Community``
through one lease: the owner serves every call and runs the dispatch rounds, the other
forwards (unary calls, errors and ``WatchOrders``); the owner killed with SIGKILL, the
other takes the lease over after its time-to-live and still has the acknowledged order.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from server.gen.yunli.v1 import community_pb2 as pb
from server.servicers.community import LEASE_KEY, community_grpc
from server.status import error_details
from tests.server.conftest import PG_SKIP, PG_URL, TOKEN

pytestmark = pytest.mark.postgres

MD = (("authorization", f"Bearer {TOKEN}"),)
LEASE_TTL = 2.0
STORE = (31.2304, 121.4737)
HOME = (31.2304, 121.4785)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema of the test database."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    import psycopg

    schema = f"c_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


class _Serve:
    """A ``yunli serve`` process with its log (JSON lines, debug level)."""

    def __init__(self, db: str, tmp: Path, instance: str) -> None:
        self.instance = instance
        self.port_file, self.log = tmp / f"port-{instance}", tmp / f"serve-{instance}.log"
        with self.log.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "engine.cli", "serve", "--address", "127.0.0.1:0",
                 "--db", db, "--token", TOKEN, "--port-file", str(self.port_file),
                 "--instance-id", instance, "--lease-ttl", str(LEASE_TTL),
                 "--community-dispatch-interval", "0.2", "--sync-interval", "0.5",
                 "--grace", "1", "--log-level", "debug"],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )  # fmt: skip

    def port(self) -> int:
        deadline = time.monotonic() + 90
        while not (self.port_file.exists() and self.port_file.read_text().strip()):
            assert self.proc.poll() is None, f"server died: {self.log.read_text()}"
            assert time.monotonic() < deadline, f"server did not start: {self.log.read_text()}"
            time.sleep(0.05)
        return int(self.port_file.read_text())

    def lines(self, msg: str) -> list[dict[str, Any]]:
        out = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                rec = json.loads(line)
                if rec.get("msg") == msg:
                    out.append(rec)
        return out


OWNED = "community state owned: dispatch rounds run here"
ROUND = "community dispatch round"


def _eventually(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, f"not within {timeout} s: {what}"
        time.sleep(0.05)


def _retrying(fn: Any, req: Any) -> Any:
    """``fn(req)``, retried on UNAVAILABLE only (the owner died; its lease not expired)."""
    end = time.monotonic() + 30
    while True:
        try:
            return fn(req, metadata=MD, timeout=30)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() > end:
                raise
            time.sleep(0.2)


def _lease(db: str) -> tuple[str, int]:
    import psycopg

    with psycopg.connect(db, autocommit=True) as conn:
        row = conn.execute(
            "SELECT owner, epoch FROM live_plan_leases WHERE plan_id = %s", (LEASE_KEY,)
        ).fetchone()
    assert row is not None, "the community state has no lease"
    return str(row[0]), int(row[1])


def _order(oid: str, at: int) -> Any:
    return pb.CommunityOrder(
        order_id=oid, store_id="S", items=[pb.CommunityOrderItem(sku_id="water", quantity=2)],
        placed_at=at, lat=HOME[0], lon=HOME[1],
    )  # fmt: skip


def _error(fn: Callable[[], Any]) -> tuple[Any, ...]:
    with pytest.raises(grpc.RpcError) as e:
        fn()
    err = e.value
    return err.code(), err.details(), error_details(err.trailing_metadata())


def test_community_is_served_by_the_lease_owner_and_taken_over(pg_url: str, tmp_path: Path) -> None:
    """An order placed through B while A owns the lease is seen through A and B (and
    B's ``WatchOrders``), errors come back unchanged; only the owner runs rounds; after
    A is killed B takes the lease (epoch 2), reloads, and still has the order."""
    alpha = _Serve(pg_url, tmp_path, "alpha")
    procs = [alpha]
    try:
        pa = alpha.port()
        _eventually(lambda: bool(alpha.lines(OWNED)), "alpha owns the community state")
        beta = _Serve(pg_url, tmp_path, "beta")
        procs.append(beta)
        pb_ = beta.port()
        _run(pg_url, alpha, beta, pa, pb_)
    finally:
        for s in procs:
            if s.proc.poll() is None:
                s.proc.kill()
            s.proc.wait()


def _run(db: str, alpha: _Serve, beta: _Serve, pa: int, pb_: int) -> None:
    a = community_grpc.CommunityStub(grpc.insecure_channel(f"127.0.0.1:{pa}"))
    b = community_grpc.CommunityStub(grpc.insecure_channel(f"127.0.0.1:{pb_}"))
    t0 = int(time.time())
    b.RegisterSite(
        pb.CommunitySite(site_id="S", kind="store", lat=STORE[0], lon=STORE[1]), metadata=MD
    )
    b.RegisterSku(pb.CommunitySku(sku_id="water", weight_kg=1, volume_l=1), metadata=MD)
    b.RegisterCourier(
        pb.CommunityCourier(
            courier_id="C", mode="ebike", store_id="S",
            shifts=[pb.CommunityShift(start=t0 - 600, end=t0 + 4 * 3600)],
        ),
        metadata=MD,
    )  # fmt: skip
    b.SetStock(
        pb.SetCommunityStockRequest(
            store_id="S", lines=[pb.CommunityStockLine(sku_id="water", quantity=10)]
        ),
        metadata=MD,
    )
    # Placed a little ahead of the wall clock: the courier comes on duty as the clock moves.
    q = b.QuoteOrder(pb.QuoteCommunityOrderRequest(order=_order("o1", t0 + 30)), metadata=MD)
    place = pb.PlaceCommunityOrderRequest(
        order=_order("o1", t0 + 30), idempotency_key="k1", choice=q.options[0].kind
    )
    placed = b.PlaceOrder(place, metadata=MD)
    assert placed.state in ("accepted", "assigned")
    get = pb.GetCommunityOrderRequest(order_id="o1")
    via_a, via_b = a.GetOrder(get, metadata=MD), b.GetOrder(get, metadata=MD)
    assert via_a.order_id == via_b.order_id == "o1"
    assert via_a.option.promise == via_b.option.promise == placed.option.promise
    stock = pb.GetCommunityStockRequest(store_id="S")
    assert a.GetStock(stock, metadata=MD).lines[0].quantity == 8
    assert b.GetStock(stock, metadata=MD) == a.GetStock(stock, metadata=MD)
    watch = b.WatchOrders(pb.WatchCommunityOrdersRequest(), metadata=MD, timeout=30)
    assert next(watch).order_id == "o1"  # streamed from A through B
    watch.cancel()
    # The owner's errors come back through B with their code, message and field.
    dup = pb.CommunitySite(site_id="S", kind="store", lat=1, lon=1)
    bad = pb.PlaceCommunityOrderRequest(order=_order("o9", 0), idempotency_key=" ")
    for req, fn in ((dup, "RegisterSite"), (bad, "PlaceOrder")):
        answers = [
            _error(lambda c=c, fn=fn, req=req: getattr(c, fn)(req, metadata=MD)) for c in (a, b)
        ]
        assert answers[0] == answers[1]
    assert answers[0][0] == grpc.StatusCode.INVALID_ARGUMENT
    assert answers[0][2].get("field") == "idempotency_key"
    unknown = _error(lambda: b.GetOrder(pb.GetCommunityOrderRequest(order_id="x"), metadata=MD))
    assert unknown[0] == grpc.StatusCode.NOT_FOUND

    # Only the owner runs rounds; B never owned the state.
    n = len(alpha.lines(ROUND))
    _eventually(lambda: len(alpha.lines(ROUND)) >= n + 2, "alpha runs rounds")
    assert _lease(db) == ("alpha", 1)
    assert beta.lines(OWNED) == []
    assert beta.lines(ROUND) == []

    alpha.proc.send_signal(signal.SIGKILL)
    alpha.proc.wait()
    got = _retrying(b.GetOrder, get)  # UNAVAILABLE until the lease expires, then B's
    assert (got.order_id, got.option.promise) == ("o1", placed.option.promise)
    assert _lease(db) == ("beta", 2)
    assert [r["epoch"] for r in beta.lines(OWNED)] == [2]
    assert b.GetStock(stock, metadata=MD).lines[0].quantity == 8
    # The idempotency key survived: the retry answers the stored order, nothing twice.
    again = b.PlaceOrder(place, metadata=MD)
    assert (again.order_id, again.option.promise) == ("o1", placed.option.promise)
    q2 = b.QuoteOrder(pb.QuoteCommunityOrderRequest(order=_order("o2", 0)), metadata=MD)
    b.PlaceOrder(
        pb.PlaceCommunityOrderRequest(
            order=_order("o2", 0), idempotency_key="k2", choice=q2.options[0].kind
        ),
        metadata=MD,
    )
    assert b.GetStock(stock, metadata=MD).lines[0].quantity == 6
    _eventually(lambda: len(beta.lines(ROUND)) >= 2, "beta runs rounds after the take-over")


def test_a_former_community_owner_is_fenced(pg_url: str, make_server: Any) -> None:
    """A's lease lapses (as if A had been paused) and B takes the state over; A, still
    believing it owns it, has its next write fenced off by the epoch: the write is
    forwarded to B instead, and both instances then answer from B's state."""
    import psycopg

    srv_a, pa = make_server(db=pg_url, lease_ttl_s=600, community_dispatch_interval_s=0)
    srv_b, pb_ = make_server(db=pg_url, lease_ttl_s=600, community_dispatch_interval_s=0)
    a = community_grpc.CommunityStub(grpc.insecure_channel(f"127.0.0.1:{pa}"))
    b = community_grpc.CommunityStub(grpc.insecure_channel(f"127.0.0.1:{pb_}"))
    a.RegisterSku(pb.CommunitySku(sku_id="water", weight_kg=1, volume_l=1), metadata=MD)
    assert _lease(pg_url) == (srv_a.instance_id, 1)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE live_plan_leases SET expires = 0 WHERE plan_id = %s", (LEASE_KEY,))
    b.RegisterSku(pb.CommunitySku(sku_id="milk", weight_kg=1, volume_l=1), metadata=MD)
    assert _lease(pg_url) == (srv_b.instance_id, 2)
    assert LEASE_KEY in srv_a.leases.owned()  # A has not noticed (heartbeat 200 s away)
    a.RegisterSku(pb.CommunitySku(sku_id="tea", weight_kg=1, volume_l=1), metadata=MD)
    assert LEASE_KEY not in srv_a.leases.owned()
    assert _lease(pg_url) == (srv_b.instance_id, 2)
    for c in (a, b):  # B's state answers through both: milk and tea are there
        for sku in ("milk", "tea"):
            dup = pb.CommunitySku(sku_id=sku, weight_kg=1, volume_l=1)
            code = _error(lambda c=c, dup=dup: c.RegisterSku(dup, metadata=MD))[0]
            assert code == grpc.StatusCode.ALREADY_EXISTS
    with psycopg.connect(pg_url, autocommit=True) as conn:
        rows = conn.execute("SELECT sku_id FROM community_skus ORDER BY sku_id").fetchall()
    assert [r[0] for r in rows] == ["milk", "tea", "water"]
