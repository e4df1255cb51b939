"""``yunli orders`` on an embedded SQLite store and the demo's order slice."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import EXIT_ENGINE, main


def test_cli_post_grab_second_grab_refused_and_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Post a sample load, grab it, a second grab exits with the engine error code and
    the awarded state; events list both; the ledger check passes."""
    db = str(tmp_path / "o.db")
    assert main(["orders", "--db", db, "post", "--from-load", "1", "--mode", "grabbing"]) == 0
    assert main(["orders", "--db", db, "grab", "1", "--carrier", "157", "--vehicle", "16"]) == 0
    capsys.readouterr()
    assert (
        main(["orders", "--db", db, "grab", "1", "--carrier", "7", "--vehicle", "21"])
        == EXIT_ENGINE
    )
    assert "order 1 is awarded" in capsys.readouterr().err
    assert main(["orders", "--db", db, "events"]) == 0
    out = capsys.readouterr().out
    assert "grabbed" in out
    assert "carrier:157" in out
    assert main(["orders", "--db", db, "ledger-check"]) == 0
    assert "ledger balanced: 1 transactions" in capsys.readouterr().out


def test_cli_exception_flow_and_bad_evidence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Grab, load, report a damage with evidence, resolve it with a penalty; a malformed
    evidence item exits 2 naming the field; an unknown exception id exits 3."""
    from engine.cli import EXIT_INVALID, EXIT_NOT_FOUND

    db = str(tmp_path / "o.db")
    run = ["orders", "--db", db]
    assert main([*run, "post", "--from-load", "1"]) == 0
    assert main([*run, "grab", "1", "--carrier", "157", "--vehicle", "16"]) == 0
    assert main([*run, "progress", "1", "confirm_loading", "--actor", "carrier:157"]) == 0
    capsys.readouterr()
    assert (
        main([*run, "exception", "1", "damage", "--actor", "carrier:157", "--evidence", "oops"])
        == EXIT_INVALID
    )
    assert "evidence" in capsys.readouterr().err
    assert (
        main(
            [
                *run,
                "exception",
                "1",
                "damage",
                "--actor",
                "carrier:157",
                "--evidence",
                "photo=p1.jpg",
            ]
        )
        == 0
    )
    assert '"owner": "customer_service"' in capsys.readouterr().out
    assert main([*run, "resolve", "99", "--resolution", "x"]) == EXIT_NOT_FOUND
    assert (
        main([*run, "resolve", "1", "--resolution", "carrier pays", "--penalty-fen", "5000"]) == 0
    )
    assert '"state": "loading_confirmed"' in capsys.readouterr().out


def test_demo_slice(sample_world: object) -> None:
    from engine.orders.demo import section_orders

    text = section_orders(sample_world)  # type: ignore[arg-type]
    assert "second grab refused" in text
    assert "ledger balanced" in text
    assert "3 orders settled in" in text


@pytest.fixture(scope="module")
def sample_world() -> object:
    from engine.data.sample import load_sample

    return load_sample()
