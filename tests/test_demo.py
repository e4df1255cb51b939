"""The README's main job: ``yunli demo`` runs every section on the bundled sample."""

from __future__ import annotations

import pytest

from engine.cli import main
from engine.demo import SECTIONS


def test_demo_runs_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "vehicles : 2,000" in out
    for title, _ in SECTIONS:
        assert f"## {title}" in out


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("demo", "generate", "validate", "solve", "replan", "serve"):
        assert cmd in out


def test_validate_reports_bad_world(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path)]) == 2
    assert "now.txt" in capsys.readouterr().err
