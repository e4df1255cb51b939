"""The retrying LivePlans client and ``yunli replan --server`` against a real server:
a lost answer is retried with the same key and applied once; the CLI's key makes a
re-run a replay; the engine's events travel as messages unchanged."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from engine.cli import EXIT_INVALID, EXIT_OK, main
from engine.live import (
    Breakdown,
    CancelJob,
    ChangeJob,
    NewJob,
    PositionUpdate,
    Traffic,
    VehicleAvailable,
    VehicleDelayed,
)
from engine.live.io import events_from_dicts, job_from_dict
from server.convert import live as convert
from server.live_client import LiveClient
from server.proto import live_pb2
from tests.server.conftest import TOKEN
from tests.server.relay import Relay
from tests.server.servicers.test_live_idempotency import _events, _plan


def test_event_messages_round_trip() -> None:
    """Every kind of engine event becomes a message that converts back to it."""
    job = job_from_dict({"job_id": "n1", "kind": "delivery", "lat": 31.2, "lon": 121.4,
                         "amounts": [3], "windows": [[100, 900]]})  # fmt: skip
    slow = events_from_dicts(
        [{"type": "traffic", "t": 50, "slowdown": {"factor": 2.0, "start": 50, "end": 500,
          "area": ["circle", 31.2, 121.4, 900]}}]
    )[0]  # fmt: skip
    assert isinstance(slow, Traffic)
    events = [
        NewJob(10, job),
        CancelJob(11, "j9"),
        ChangeJob(12, "j8", windows=((1, 2), (5, 9)), amounts=(4,)),
        ChangeJob(13, "j7"),
        slow,
        VehicleDelayed(14, "v1", 120),
        Breakdown(15, "v2"),
        VehicleAvailable(16, vehicle_id="v3"),
        PositionUpdate(17, "v1", 31.21, 121.41, ("j1",), driving_since_break_s=30, busy_until=99),
        PositionUpdate(18, "v1", 31.22, 121.42),
    ]
    for ev in events:
        assert convert.event(convert.event_msg(ev)) == ev


def test_client_retries_a_lost_answer_once_applied(make_server: Any) -> None:
    """The answer of an applied call is lost (the connection cut after the write): the
    client retries with the call's key and gets the recorded answer; applied once."""
    srv, port = make_server()
    relay = Relay(port)
    client = LiveClient(f"127.0.0.1:{relay.port}", token=TOKEN, timeout=30, backoff=0.05)
    client.create_plan(live_pb2.CreatePlanRequest(plan_id="lc", plan=_plan()))
    relay.hold()
    out: list[live_pb2.ApplyEventsResponse] = []
    t = threading.Thread(target=lambda: out.append(client.apply_events(_events("lc", "j1"))))
    t.start()
    store = srv.state.store
    for _ in range(600):
        if store.changes(0).plans["lc"][0] == 2:
            break
        threading.Event().wait(0.05)
    assert store.changes(0).plans["lc"][0] == 2, "the write was not made"
    relay.cut()
    t.join(timeout=60)
    assert out, "no answer"
    assert out[0].replayed
    assert out[0].view.plan.version == 2
    assert client.retries >= 1
    assert client.get_plan("lc").plan.version == 2
    client.close()
    relay.close()


def test_replan_cli_on_a_server(make_server: Any, tmp_path: Path, capsys: Any) -> None:
    """``yunli replan --server``: applies the events file to the stored plan; the same
    command with the same key is a replay; the key with other events is refused naming
    the field; the written plan is the server's."""
    _, port = make_server()
    LiveClient(f"127.0.0.1:{port}", token=TOKEN).create_plan(
        live_pb2.CreatePlanRequest(plan_id="cli", plan=_plan())
    )
    ev = tmp_path / "ev.json"
    job = {"job_id": "c1", "kind": "delivery", "lat": 31.21, "lon": 121.41, "amounts": [1]}
    ev.write_text(json.dumps([{"type": "new_job", "t": 1000, "job": job}]))
    out = tmp_path / "plan.json"
    argv = ["replan", "--server", f"127.0.0.1:{port}", "--plan-id", "cli", "--events", str(ev),
            "--token", TOKEN, "--idempotency-key", "cli-1", "--time-limit", "0.2",
            "--output", str(out)]  # fmt: skip
    assert main(argv) == EXIT_OK
    first = capsys.readouterr().out
    assert "at version 2: 1 events applied" in first
    assert json.loads(out.read_text())["jobs"][0]["job_id"] == "c1"
    assert main(argv) == EXIT_OK
    assert "at version 2: 1 events answered from the idempotency record" in capsys.readouterr().out
    ev.write_text(json.dumps([{"type": "cancel_job", "t": 1000, "job_id": "c1"}]))
    assert main(argv) == EXIT_INVALID
    assert "idempotency_key" in capsys.readouterr().err
    view = LiveClient(f"127.0.0.1:{port}", token=TOKEN).get_plan("cli")
    assert view.plan.version == 2
    assert main([*argv[:3], "--events", str(ev)]) == EXIT_INVALID  # --plan-id missing
    assert "--plan-id" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["replan", "--server"])
