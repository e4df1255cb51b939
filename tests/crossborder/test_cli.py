"""``yunli crossborder``: rules, tax, quotes on the demo world and on a user's own files, and
the order and return workflows on a local store and on a running server, through the real
command entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from engine.cli import EXIT_INCOMPLETE, EXIT_INVALID, EXIT_OK, main
from engine.crossborder.io import catalog_to_dict
from engine.crossborder.model import Catalog
from engine.crossborder.ruleset import RULES_DIR


def test_rules_list(capsys: pytest.CaptureFixture[str]) -> None:
    """Lists every table and marks those in force."""
    assert main(["crossborder", "rules", "--date", "2026-01-01", "--json"]) == EXIT_OK
    rows = json.loads(capsys.readouterr().out)
    assert {r["version"] for r in rows if r["in_force"]} == {
        "cbec-tax-2019.2",
        "customs-2019.1",
        "orders-2019.1",
    }


def test_rules_gap_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder with a gap exits 2 with one line naming the field."""
    d = tmp_path / "rules"
    shutil.copytree(RULES_DIR, d)
    (d / "tax" / "2019-01-01.toml").unlink()
    assert main(["crossborder", "rules", "--dir", str(d)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "effective_to" in err
    assert "gap" in err


def test_tax(capsys: pytest.CaptureFixture[str]) -> None:
    """¥1,000 of premium cosmetics in 2026: ¥230.59 under cbec-tax-2019.2."""
    rc = main(["crossborder", "tax", "--line", "cosmetics_premium:100000", "--date", "2026-05-01"])
    assert rc == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert (out["total_fen"], out["rules_version"], out["treatment"]) == (
        23_059,
        "cbec-tax-2019.2",
        "cbec",
    )


def test_tax_over_limit(capsys: pytest.CaptureFixture[str]) -> None:
    """A multi-unit order over ¥5,000 exits 2 naming the field."""
    assert main(["crossborder", "tax", "--line", "general:600000:2"]) == EXIT_INVALID
    assert "order.dutiable_fen" in capsys.readouterr().err


def test_quote(capsys: pytest.CaptureFixture[str]) -> None:
    """A quote in the demo world names its source, reason and rule versions."""
    rc = main(
        [
            "crossborder",
            "quote",
            "--line",
            "S00002:1",
            "--date",
            "2026-12-03",
            "--skus",
            "50",
            "--json",
        ]
    )
    assert rc == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert out["source"] in ("bonded", "direct_mail")
    assert out["rules"] == ["cbec-tax-2019.2", "customs-2019.1", "orders-2019.1"]
    assert out["landed_fen"] > out["goods_fen"] > 0
    assert main(["crossborder", "quote", "--line", "NOPE:1", "--skus", "50"]) == EXIT_INVALID
    assert "sku_id" in capsys.readouterr().err


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    try:
        data = json.loads(out)
    except json.JSONDecodeError:
        data = out
    return rc, data, err


@pytest.fixture
def catalog_file(tmp_path: Path, world: Catalog) -> Path:
    """The small seeded world written in the catalog file format."""
    p = tmp_path / "catalog.json"
    p.write_text(json.dumps(catalog_to_dict(world)), encoding="utf-8")
    return p


def _sku(world: Catalog) -> str:
    return next(
        s.sku_id
        for s in world.skus.values()
        if s.owner == "merchant"
        and s.tax_class == "general"
        and s.unit_price_fen <= 100_000
        and any(w.kind == "bonded" and w.stock.get(s.sku_id) for w in world.warehouses.values())
    )


def test_quote_own_catalog_and_order_file(
    tmp_path: Path, catalog_file: Path, world: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    """quote reads a user's catalog and order files; a bad catalog exits 2 naming the field."""
    sku = _sku(world)
    order = tmp_path / "order.json"
    order.write_text(
        json.dumps(
            {
                "order_id": "O1",
                "customer_id": "C000003",
                "order_date": "2026-03-02",
                "lines": [{"sku_id": sku, "quantity": 2}],
            }
        )
    )
    argv = ["crossborder", "quote", "--catalog", str(catalog_file), "--order", str(order)]
    rc, out, _ = _run([*argv, "--json"], capsys)
    assert rc == EXIT_OK
    assert out["quote"]["order"]["customer_id"] == "C000003"
    assert out["goods_fen"] == 2 * world.skus[sku].unit_price_fen
    rc, out, _ = _run(["crossborder", "catalog", "check", str(catalog_file)], capsys)
    assert (rc, out["skus"]) == (EXIT_OK, len(world.skus))
    bad = json.loads(catalog_file.read_text())
    bad["skus"][0]["hs_code"] = "0101210000"  # live horses: not on the positive list
    catalog_file.write_text(json.dumps(bad))
    rc, _, err = _run(["crossborder", "catalog", "check", str(catalog_file)], capsys)
    assert rc == EXIT_INVALID
    assert "hs_code" in err
    order.write_text(json.dumps({"order_id": "O1", "customer_id": "C1", "lines": []}))
    rc, _, err = _run([*argv[:2], "--order", str(order)], capsys)
    assert rc == EXIT_INVALID
    assert "order.order_date" in err


def _workflow(base: list[str], sku: str, capsys: pytest.CaptureFixture[str]) -> None:
    order, ret = [*base[:1], "order", *base[1:]], [*base[:1], "return", *base[1:]]
    rc, out, _ = _run(
        [*order, "place", "--id", "W1", "--line", f"{sku}:2", "--date", "2026-03-02"], capsys
    )
    assert (rc, out["state"]) == (EXIT_OK, "created")
    for act, day in (("pay", "2026-03-02"), ("declare", "2026-03-02")):
        rc, out, _ = _run([*order, act, "W1", "--date", day], capsys)
        assert rc == EXIT_OK
    assert out["declaration"]["payer_id"] == "C000001"
    rc, _, err = _run([*order, "cancel", "W1", "--date", "2026-03-03"], capsys)
    assert rc == EXIT_INCOMPLETE
    assert "state" in err
    assert "declared" in err
    for act, day in (("clear", "2026-03-03"), ("ship", "2026-03-04"), ("deliver", "2026-03-05")):
        rc, out, _ = _run([*order, act, "W1", "--date", day], capsys)
        assert rc == EXIT_OK, act
    rc, _, err = _run([*ret, "request", "W1", "--line", f"{sku}:1", "--date", "2026-04-01"], capsys)
    assert rc == EXIT_INCOMPLETE
    assert "return_window_days" in err
    rc, out, _ = _run([*ret, "request", "W1", "--line", f"{sku}:1", "--date", "2026-03-06"], capsys)
    assert (rc, out["return_id"]) == (EXIT_OK, "W1-R1")
    rc, _, err = _run([*order, "place", "--id", "W2", "--line", "NOPE:1"], capsys)
    assert rc == EXIT_INVALID
    assert "sku_id" in err
    rc, out, _ = _run([*order, "get", "W1"], capsys)
    assert (rc, out["state"], len(out["history"])) == (EXIT_OK, "delivered", 6)
    onboard = [*base[:1], "onboard", *base[1:]]
    rc, out, _ = _run([*onboard, "advance", "M9", "sign", "--date", "2026-03-01"], capsys)
    assert (rc, out["next_step"]) == (EXIT_OK, "account")
    rc, _, err = _run([*onboard, "advance", "M9", "settle"], capsys)
    assert rc == EXIT_INCOMPLETE
    assert "step" in err
    rc, out, _ = _run([*onboard, "get", "M9"], capsys)
    assert [d["step"] for d in out["done"]] == ["sign"]


def test_order_workflow_on_db(
    tmp_path: Path, catalog_file: Path, world: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    """catalog put, order and return commands on a local SQLite store (the server's tables)."""
    db = str(tmp_path / "cb.db")
    rc, out, _ = _run(["crossborder", "catalog", "put", str(catalog_file), "--db", db], capsys)
    assert (rc, out["skus"]) == (EXIT_OK, len(world.skus))
    _workflow(["crossborder", "--db", db], _sku(world), capsys)


def test_order_workflow_on_server(
    tmp_path: Path, catalog_file: Path, world: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same commands against a running server over a real socket."""
    from server.app import create_server
    from server.config import ServerConfig

    cfg = ServerConfig(
        db=str(tmp_path / "srv.db"), tokens=frozenset({"tok"}), sync_interval_s=0, grace_s=5
    )
    srv, port = create_server("127.0.0.1:0", cfg)
    srv.start()
    try:
        remote = ["--server", f"127.0.0.1:{port}", "--token", "tok"]
        rc, _, _ = _run(["crossborder", "catalog", "put", str(catalog_file), *remote], capsys)
        assert rc == EXIT_OK
        _workflow(["crossborder", *remote], _sku(world), capsys)
        rc, _, err = _run(
            ["crossborder", "order", "--server", f"127.0.0.1:{port}", "get", "W1"], capsys
        )
        assert rc == EXIT_INVALID  # no token: UNAUTHENTICATED
        assert "UNAUTHENTICATED" in err
    finally:
        srv.stop(0)
