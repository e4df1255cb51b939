"""``yunli.v1.CrossBorder`` over a real socket, with onboarding stored in SQLite and
PostgreSQL (it survives a restart; a step out of order is FAILED_PRECONDITION and writes
nothing)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from server.app import YunliServer, create_server
from server.config import ServerConfig
from server.gen.yunli.v1 import crossborder_pb2 as pb
from server.servicers.crossborder import crossborder_grpc

TOKEN = "cb-token"
AUTH = (("authorization", f"Bearer {TOKEN}"),)
PG_URL = os.environ.get("YUNLI_TEST_PG_URL", "")


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[[str], tuple[YunliServer, Any]]]:
    """Start servers on 127.0.0.1:0 over the given store; stopped at teardown."""
    servers: list[YunliServer] = []

    def make(db: str) -> tuple[YunliServer, Any]:
        cfg = ServerConfig(db=db, tokens=frozenset({TOKEN}), sync_interval_s=0, grace_s=5)
        srv, port = create_server("127.0.0.1:0", cfg)
        srv.start()
        servers.append(srv)
        return srv, crossborder_grpc.CrossBorderStub(grpc.insecure_channel(f"127.0.0.1:{port}"))

    yield make
    for s in servers:
        s.stop(0)


def _onboarding_survives_restart(start: Callable[[str], tuple[YunliServer, Any]], db: str) -> None:
    merchant = f"M-{uuid.uuid4().hex[:8]}"
    srv, stub = start(db)
    for i, step in enumerate(("sign", "account", "shop")):
        st = stub.AdvanceOnboarding(
            pb.AdvanceOnboardingRequest(merchant_id=merchant, step=step, date=f"2026-03-0{i + 1}"),
            metadata=AUTH,
        )
    assert st.next_step == "publish"
    assert not st.complete
    with pytest.raises(grpc.RpcError) as e:
        stub.AdvanceOnboarding(
            pb.AdvanceOnboardingRequest(merchant_id=merchant, step="settle", date="2026-03-05"),
            metadata=AUTH,
        )
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "step" in e.value.details()
    with pytest.raises(grpc.RpcError) as e:
        stub.AdvanceOnboarding(
            pb.AdvanceOnboardingRequest(merchant_id=merchant, step="dance", date="2026-03-05"),
            metadata=AUTH,
        )
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    srv.stop(0)
    _, stub2 = start(db)
    got = stub2.GetOnboarding(pb.GetOnboardingRequest(merchant_id=merchant), metadata=AUTH)
    assert [s.step for s in got.done] == ["sign", "account", "shop"]
    assert got.revision == st.revision
    with pytest.raises(grpc.RpcError) as e:
        stub2.GetOnboarding(pb.GetOnboardingRequest(merchant_id="nobody"), metadata=AUTH)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


def test_onboarding_sqlite(start: Callable[[str], tuple[YunliServer, Any]], tmp_path: Path) -> None:
    """SQLite: steps persist across a restart; an out-of-order step is refused."""
    _onboarding_survives_restart(start, str(tmp_path / "cb.db"))


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="YUNLI_TEST_PG_URL is not set")
def test_onboarding_postgres(start: Callable[[str], tuple[YunliServer, Any]]) -> None:
    """PostgreSQL: the same."""
    _onboarding_survives_restart(start, PG_URL)


def test_rules_and_tax(start: Callable[[str], tuple[YunliServer, Any]], tmp_path: Path) -> None:
    """ListRules marks the tables in force; QuoteTax names its version; a limit breach is
    INVALID_ARGUMENT naming the field; no token is UNAUTHENTICATED."""
    _, stub = start(str(tmp_path / "cb.db"))
    rules = stub.ListRules(pb.ListRulesRequest(date="2018-06-01"), metadata=AUTH)
    # The customs and order-policy tables start in 2019: only the 2018 tax table is in force.
    assert {t.version for t in rules.tables if t.in_force} == {"cbec-tax-2018.1"}
    assert len(rules.tables) == 6
    q = stub.QuoteTax(
        pb.QuoteTaxRequest(
            date="2026-05-01",
            lines=[
                pb.CrossBorderTaxLine(
                    sku_id="a", tax_class="cosmetics_premium", quantity=1, value_fen=100_000
                )
            ],
        ),
        metadata=AUTH,
    )
    assert (q.rules_version, q.treatment, q.total_fen) == ("cbec-tax-2019.2", "cbec", 23_059)
    with pytest.raises(grpc.RpcError) as e:
        stub.QuoteTax(
            pb.QuoteTaxRequest(
                date="2026-05-01",
                lines=[
                    pb.CrossBorderTaxLine(
                        sku_id="a", tax_class="general", quantity=1, value_fen=1000
                    )
                ],
                annual_used_fen=2_600_000,
            ),
            metadata=AUTH,
        )
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "customer.annual_total_fen" in e.value.details()
    with pytest.raises(grpc.RpcError) as e:
        stub.ListRules(pb.ListRulesRequest())
    assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
