"""``yunli crossborder``: rules, tax and quote through the real command entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.cli import EXIT_INVALID, EXIT_OK, main
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
