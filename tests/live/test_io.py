"""JSON form of live plans and events, and the ``yunli replan`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.errors import InvalidInputError
from engine.live import LivePlan, NewJob, apply_events, plan_from_solution
from engine.live.io import event_from_dict, events_from_dicts, plan_from_dict, plan_to_dict
from engine.live.scenario import city_day
from engine.routing import solve


@pytest.fixture(scope="module")
def plan() -> LivePlan:
    sc = city_day(4, 24, seed=8)
    return plan_from_solution(solve(sc.problem, time_limit=0.5, seed=1, solver="core"))


def test_plan_roundtrips_exactly(plan: LivePlan) -> None:
    d = plan_to_dict(plan)
    back = plan_from_dict(json.loads(json.dumps(d)))
    assert back.fingerprint() == plan.fingerprint()


def test_events_parse_and_apply(plan: LivePlan) -> None:
    p = plan.copy()
    evs = events_from_dicts(
        [
            {
                "type": "new_job",
                "t": p.now + 10,
                "job": {"job_id": "A", "lat": 31.2, "lon": 121.4, "amounts": [1, 2]},
                "pair_job": {"job_id": "B", "lat": 31.3, "lon": 121.5, "amounts": [1, 2]},
            },
            {
                "type": "traffic",
                "t": p.now + 20,
                "slowdown": {"factor": 1.5, "start": p.now, "end": p.now + 99, "leg": ["A", "B"]},
            },
        ]
    )
    assert isinstance(evs[0], NewJob)
    apply_events(p, evs)
    assert p.jobs["A"].kind == "shipment_pickup"
    assert p.jobs["B"].pair == "A"


@pytest.mark.parametrize(
    ("d", "field"),
    [
        ({"t": 1}, "event.type"),
        ({"type": "teleport", "t": 1}, "event.type"),
        ({"type": "breakdown"}, "event.t"),
        ({"type": "cancel_job", "t": 1}, "event.job_id"),
        ({"type": "position", "t": 1, "vehicle_id": "v", "lat": "north", "lon": 1}, "event"),
        ({"type": "new_job", "t": 1, "job": {"job_id": "x", "lat": 1}}, "event.job.lon"),
    ],
)
def test_malformed_events_name_the_field(d: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        event_from_dict(d)
    assert info.value.field == field


def test_bad_plan_format() -> None:
    with pytest.raises(InvalidInputError, match="format"):
        plan_from_dict({"format": 99})


def test_replan_cli(plan: LivePlan, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pf = tmp_path / "plan.json"
    pf.write_text(json.dumps(plan_to_dict(plan)))
    ev = tmp_path / "ev.json"
    ev.write_text(
        json.dumps(
            [
                {
                    "type": "new_job",
                    "t": plan.now + 60,
                    "job": {
                        "job_id": "CLI1",
                        "kind": "pickup",
                        "lat": 31.21,
                        "lon": 121.45,
                        "amounts": [10, 20],
                    },
                }
            ]
        )
    )
    out, warn = tmp_path / "new.json", tmp_path / "w.csv"
    rc = main(
        [
            "replan",
            str(pf),
            "--events",
            str(ev),
            "--output",
            str(out),
            "--warnings",
            str(warn),
            "--time-limit",
            "0.2",
        ]
    )
    assert rc == 0
    new = plan_from_dict(json.loads(out.read_text()))
    assert new.vehicle_of("CLI1") is not None
    assert warn.exists()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"type": "breakdown", "t": plan.now + 1, "vehicle_id": "ghost"}]))
    assert main(["replan", str(pf), "--events", str(bad)]) == 3  # not found
    assert main(["replan", str(tmp_path / "missing.json")]) == 3  # not found, as everywhere
    assert "ghost" in capsys.readouterr().err
