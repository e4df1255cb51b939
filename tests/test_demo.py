"""The README's main job: ``yunli demo`` runs every section on the bundled sample."""

from __future__ import annotations

import pytest

from engine.cli import main
from engine.data.sample import load_sample
from engine.demo import SECTIONS, mask_timings


def test_demo_runs_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "vehicles : 2,000" in out
    for sec in SECTIONS:
        assert f"## {sec.title}" in out


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


def test_mask_timings_blanks_timings_only() -> None:
    text = (
        "Morning plan (2.0 s): 40 shipments, 8 vehicles, 2,000 loads in 1,234 ms\n"
        "optimal                       1,440   72.0%     618.9       40,786     28.3   0.66"
        "    0.17    0.16"
    )
    assert mask_timings(text) == (
        "Morning plan (<t>): 40 shipments, 8 vehicles, 2,000 loads in <t>\n"
        "optimal                       1,440   72.0%     618.9       40,786     28.3   0.66"
        "    0.17 <t>"
    )


def test_reproducible_sections_read_the_same_every_time() -> None:
    """Sections with fixed search budgets print the same text twice, timings aside."""
    world = load_sample()
    reproducible = [sec for sec in SECTIONS if sec.reproducible]
    assert [sec.title for sec in reproducible] == [
        "World",
        "Matching",
        "Route optimization",
        "Live re-planning",
        "Freight orders",
    ]
    for sec in reproducible:
        first, second = sec.run(world), sec.run(world)
        assert mask_timings(first) == mask_timings(second), sec.title
        assert "<t>" in mask_timings(first), f"{sec.title} shows its timings"
