"""The ``yunli`` command as a user meets it (issue 18), through the installed command.

Each test runs the console script in a subprocess and checks the exit code of the one
table (``engine.cli.EXIT_CODES``), a one-line message naming the field, no traceback and
no partial output file.
"""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from engine.cli import (
    EXIT_CODES,
    EXIT_INCOMPLETE,
    EXIT_INVALID,
    EXIT_NOT_FOUND,
    EXIT_OK,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "routing"
YUNLI = shutil.which("yunli") or str(Path(sys.executable).with_name("yunli"))


def yunli(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the installed ``yunli`` with output captured (not a terminal)."""
    return subprocess.run(
        [YUNLI, *map(str, args)], capture_output=True, text=True, timeout=timeout, check=False
    )


def fails(r: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    """Assert a clean failure: exit ``code``, one stderr line, no traceback or panic."""
    err = r.stderr.strip()
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    assert "panicked" not in r.stderr, r.stderr
    assert len(err.splitlines()) == 1, err
    for n in needles:
        assert n in err, (n, err)
    return err


def test_yunli_is_the_installed_command() -> None:
    assert Path(YUNLI).exists(), "the yunli console script must be installed"


# --- wrong answers without an error ---------------------------------------------------


@pytest.mark.parametrize("cut", [3020, 3000, 2500])
def test_truncated_solomon_is_refused(tmp_path: Path, cut: int) -> None:
    """The issue's reproduction: C101 cut at 3,020 bytes was solved as 38 customers."""
    t = tmp_path / "t.txt"
    t.write_bytes((DATA / "C101.txt").read_bytes()[:cut])
    out = tmp_path / "out.json"
    r = yunli("solve", t, "--time-limit", "1", "--output", out)
    fails(r, EXIT_INVALID, "file", "cut short")
    assert not out.exists()


def _tables(tmp_path: Path, job_ids: list[object], weight: int = 10) -> list[Path]:
    pl.DataFrame(
        {"site_id": ["DC", "A", "B"], "lat": [31.2, 31.3, 31.1], "lon": [121.4, 121.5, 121.3]}
    ).write_csv(tmp_path / "sites.csv")
    pl.DataFrame(
        {
            "type_id": ["van"],
            "count": [2],
            "weight_kg": [1000],
            "volume_l": [5000],
            "start_site": ["DC"],
        }
    ).write_csv(tmp_path / "vehicles.csv")
    pl.DataFrame(
        {
            "job_id": job_ids,
            "site": ["A", "B"][: len(job_ids)],
            "weight_kg": [weight] * len(job_ids),
            "volume_l": [10] * len(job_ids),
        }
    ).write_csv(tmp_path / "jobs.csv")
    return [tmp_path / f for f in ("sites.csv", "vehicles.csv", "jobs.csv")]


def _optimize(tables: list[Path], *extra: str | Path) -> subprocess.CompletedProcess[str]:
    s, v, j = tables
    return yunli("optimize", "--sites", s, "--vehicles", v, "--jobs", j, *extra)


def test_optimize_refuses_duplicate_job_ids(tmp_path: Path) -> None:
    fails(_optimize(_tables(tmp_path, [1, 1])), EXIT_INVALID, "jobs.job_id", "duplicate", "'1'")


def test_optimize_solves_and_reports_unserved_with_exit_4(tmp_path: Path) -> None:
    ok = _optimize(_tables(tmp_path, [1, 2]), "--time-limit", "1", "--quiet")
    assert ok.returncode == EXIT_OK, ok.stderr
    over = _optimize(_tables(tmp_path, [1, 2], weight=5000), "--time-limit", "1", "--quiet")
    assert over.returncode == EXIT_INCOMPLETE, over.stderr
    assert "unserved" in over.stdout


def _vrp_lines() -> list[str]:
    return (DATA / "X-n101-k25.vrp").read_text().splitlines(keepends=True)


def _section_row(lines: list[str], section: str, k: int) -> int:
    return next(i for i, ln in enumerate(lines) if ln.strip().startswith(section)) + k


def test_fractional_demand_is_refused(tmp_path: Path) -> None:
    lines = _vrp_lines()
    i = _section_row(lines, "DEMAND_SECTION", 3)
    node = lines[i].split()[0]
    lines[i] = f"{node}\t10.5\n"
    bad = tmp_path / "frac.vrp"
    bad.write_text("".join(lines))
    fails(yunli("solve", bad), EXIT_INVALID, f"node {node}", "demand 10.5 is not an integer")


def test_nan_coordinate_is_named(tmp_path: Path) -> None:
    lines = _vrp_lines()
    i = _section_row(lines, "NODE_COORD_SECTION", 4)
    node, _, y = lines[i].split()
    lines[i] = f"{node}\tnan\t{y}\n"
    bad = tmp_path / "nan.vrp"
    bad.write_text("".join(lines))
    err = fails(yunli("solve", bad), EXIT_INVALID, f"node {node}", "x is nan")
    assert "negative" not in err
    assert "Warning" not in err


# --- tracebacks where a message belongs -----------------------------------------------


def test_missing_output_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    nodir = tmp_path / "nope" / "out"
    r = yunli("solve", DATA / "C101.txt", "--time-limit", "5", "--output", f"{nodir}.json")
    fails(r, EXIT_INVALID, "output", "does not exist")
    assert r.stdout == ""  # nothing was solved
    r = _optimize(_tables(tmp_path, [1, 2]), "--output", f"{nodir}.json")
    fails(r, EXIT_INVALID, "output", "does not exist")
    r = _optimize(_tables(tmp_path, [1, 2]), "--plot", f"{nodir}.png")
    fails(r, EXIT_INVALID, "plot", "does not exist")
    sample = ROOT / "engine" / "data" / "sample"
    r = yunli(
        "match",
        "--vehicles",
        next(sample.glob("vehicles.*")),
        "--loads",
        next(sample.glob("loads.*")),
        "--trips",
        next(sample.glob("trips.*")),
        "--output",
        f"{nodir}.csv",
    )
    fails(r, EXIT_INVALID, "output", "does not exist")
    assert "matcher built" not in r.stdout
    r = yunli("replan", "--new-day", "--vehicles", "2", "--stops", "5", "--output", f"{nodir}.json")
    fails(r, EXIT_INVALID, "output", "does not exist")
    r = yunli("replan", "--new-day", "--etas", tmp_path / "etas.txt")
    fails(r, EXIT_INVALID, "etas", "unsupported file type")


def test_outputs_are_written_atomically(tmp_path: Path) -> None:
    out = tmp_path / "sol.json"
    out.write_text("previous")
    r = yunli("solve", DATA / "C101.txt", "--time-limit", "0.5", "--output", out)
    assert r.returncode == EXIT_OK, r.stderr
    assert json.loads(out.read_text())["vehicles"] >= 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sol.json"]  # no temporary left


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        ("", ("empty",)),
        ("   \n\n", ("empty",)),
        ("hello\nworld\n", ("expected", "VEHICLE")),
    ],
)
def test_empty_or_foreign_instance(tmp_path: Path, content: str, needles: tuple[str, ...]) -> None:
    for name in ("x.vrp", "x.txt"):
        p = tmp_path / name
        p.write_text(content)
        fmt_needles = needles if name == "x.txt" or not content.strip() else ()
        fails(yunli("solve", p), EXIT_INVALID, "file", *fmt_needles)


def test_directory_as_instance_and_cut_demand_section(tmp_path: Path) -> None:
    fails(yunli("solve", tmp_path), EXIT_INVALID, "is a directory")
    lines = _vrp_lines()
    cut = tmp_path / "cut.vrp"
    cut.write_text("".join(lines[: _section_row(lines, "DEMAND_SECTION", 5)]))
    fails(yunli("solve", cut), EXIT_INVALID, "DEMAND_SECTION holds 4 rows", "DIMENSION")


def test_empty_sites_table(tmp_path: Path) -> None:
    tables = _tables(tmp_path, [1, 2])
    tables[0].write_text("")
    fails(_optimize(tables), EXIT_INVALID, "sites", "empty")


def test_generate_onto_an_existing_file(tmp_path: Path) -> None:
    f = tmp_path / "taken"
    f.write_text("keep me")
    fails(yunli("generate", "--out", f, "--vehicles", "5"), EXIT_INVALID, "out", "is a file")
    assert f.read_text() == "keep me"


def test_replan_refuses_bad_events_and_plans(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    r = yunli(
        "replan", "--new-day", "--vehicles", "2", "--stops", "8", "--time-limit", "0.5",
        "--output", plan,
    )  # fmt: skip
    assert r.returncode == EXIT_OK, r.stderr
    soon = tmp_path / "soon.json"
    soon.write_text(json.dumps([{"type": "cancel_job", "t": "soon", "job_id": "x"}]))
    fails(yunli("replan", plan, "--events", soon), EXIT_INVALID, "events[0].t", "'soon'")
    obj = tmp_path / "obj.json"
    obj.write_text(json.dumps({"type": "cancel_job", "t": 1, "job_id": "x"}))
    fails(yunli("replan", plan, "--events", obj), EXIT_INVALID, "events", "JSON list")
    lst = tmp_path / "list.json"
    lst.write_text("[1, 2]")
    fails(yunli("replan", lst), EXIT_INVALID, "plan", "plan object")
    fails(yunli("replan", tmp_path / "none.json"), EXIT_NOT_FOUND, "does not exist")


def test_replan_says_why_a_job_is_left_out(tmp_path: Path) -> None:
    """A new order heavier than any truck: the re-plan prints INFEASIBLE with the job and
    the constraint (capacity), and still writes the plan."""
    plan = tmp_path / "plan.json"
    r = yunli(
        "replan", "--new-day", "--vehicles", "2", "--stops", "8", "--time-limit", "0.5",
        "--output", plan,
    )  # fmt: skip
    assert r.returncode == EXIT_OK, r.stderr
    day = json.loads(plan.read_text())
    v = day["vehicles"][0]
    t = day["now"] + 60
    heavy = {
        "job_id": "HEAVY", "kind": "delivery", "lat": v["depot_lat"] + 0.01,
        "lon": v["depot_lon"], "amounts": [10**6, 1], "service_s": 60,
        "windows": [[t, t + 8 * 3600]],
    }  # fmt: skip
    events = tmp_path / "events.json"
    events.write_text(json.dumps([{"type": "new_job", "t": t, "job": heavy}]))
    out = tmp_path / "after.json"
    r = yunli("replan", plan, "--events", events, "--time-limit", "0.3", "--output", out)
    assert r.returncode == EXIT_OK, r.stderr
    assert "INFEASIBLE: 1 required jobs left out" in r.stdout
    assert "HEAVY: capacity: needs [1000000, 1]" in r.stdout
    assert out.exists()


@pytest.mark.parametrize("limit", ["1e308", "inf", "nan", "0", "-1", "soon"])
def test_time_limit_is_validated(limit: str) -> None:
    r = yunli("solve", DATA / "C101.txt", "--time-limit", limit)
    err = fails(r, EXIT_INVALID, "--time-limit")
    assert "backtrace" not in err


# --- messages that say what to do ------------------------------------------------------


def test_csv_world_is_detected(tmp_path: Path) -> None:
    w = tmp_path / "w"
    r = yunli(
        "generate", "--out", w, "--vehicles", "30", "--trips", "300", "--loads", "20",
        "--format", "csv",
    )  # fmt: skip
    assert r.returncode == EXIT_OK, r.stderr
    assert sorted(p.name for p in w.iterdir()) == [
        "loads.csv",
        "now.txt",
        "sites.csv",
        "trips.csv",
        "vehicles.csv",
    ]
    r = yunli("validate", w)
    assert r.returncode == EXIT_OK, r.stderr
    assert "valid" in r.stdout


def test_missing_world_directory(tmp_path: Path) -> None:
    fails(yunli("validate", tmp_path / "nowhere"), EXIT_NOT_FOUND, "directory", "does not exist")
    fails(yunli("demo", "--world", tmp_path / "nowhere"), EXIT_NOT_FOUND, "does not exist")
    fails(yunli("validate", tmp_path), EXIT_INVALID, "holds no world", "yunli generate")


# --- consistency and feedback ------------------------------------------------------------


def test_help_documents_the_exit_codes() -> None:
    for args in (["--help"], ["solve", "--help"], ["plan-loads", "--help"]):
        r = yunli(*args)
        assert r.returncode == 0
        for code, what in EXIT_CODES:
            assert f"{code:>3}  {what}" in r.stdout, (args, code)
    readme = (ROOT / "README.md").read_text()
    for code, what in EXIT_CODES:
        assert f"| {code} | {what} |" in readme, code


def test_missing_files_exit_3_everywhere(tmp_path: Path) -> None:
    none = tmp_path / "none.csv"
    fails(yunli("solve", tmp_path / "none.txt"), EXIT_NOT_FOUND)
    _, v, j = _tables(tmp_path, [1, 2])
    fails(_optimize([none, v, j]), EXIT_NOT_FOUND, "sites")
    fails(
        yunli("match", "--vehicles", none, "--loads", none, "--trips", none, "--output", "o.csv"),
        EXIT_NOT_FOUND,
    )
    fails(yunli("replan", tmp_path / "none.json"), EXIT_NOT_FOUND)
    fails(yunli("validate", tmp_path / "none"), EXIT_NOT_FOUND)


def test_progress_is_quiet_without_a_terminal() -> None:
    r = yunli("solve", DATA / "C101.txt", "--time-limit", "1")
    assert r.returncode == EXIT_OK
    assert r.stderr == ""


def test_progress_on_a_terminal() -> None:
    """Under a pseudo-terminal the elapsed time and the time limit are shown while solving."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [YUNLI, "solve", str(DATA / "C101.txt"), "--time-limit", "2"],
        stdout=subprocess.DEVNULL,
        stderr=slave,
        stdin=subprocess.DEVNULL,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    proc.wait(30)
    os.close(master)
    assert proc.returncode == EXIT_OK
    text = seen.decode(errors="replace")
    assert "solve C101" in text, text
    assert "/2 s" in text, text


def test_serve_prints_the_address(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [YUNLI, "serve", "--address", "127.0.0.1:0", "--db", str(tmp_path / "s.db"), "--no-auth"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("yunli serve: listening on grpc://127.0.0.1:"), line
        port = int(line.split("127.0.0.1:")[1].split()[0])
        assert port > 0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def test_route_plot_title_is_whole(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from engine.routing import formats, solve
    from engine.routing.cli import route_figure

    inst = formats.read(DATA / "C101.txt")
    sol = solve(inst.problem, time_limit=0.3, solver="core")
    fig = route_figure(sol)
    title = fig.axes[0].get_title(loc="left")
    assert title.replace("\n", " ") == sol.summary().replace("\n", " ")
    fig.savefig(tmp_path / "r.png")
    assert (tmp_path / "r.png").stat().st_size > 10_000


def _plan_loads_files(tmp_path: Path, heavy: bool = False) -> list[Path]:
    sh, fl = tmp_path / "s.csv", tmp_path / "f.csv"
    pl.DataFrame(
        {"shipment_id": [1, 2, 3], "weight_kg": [900, 700, 9000 if heavy else 400],
         "volume_l": [3000, 5000, 2000]}
    ).write_csv(sh)  # fmt: skip
    pl.DataFrame(
        {"vehicle_type": ["van"], "capacity_kg": [1500], "capacity_l": [6000], "count": [3],
         "cost_fen": [30000]}
    ).write_csv(fl)  # fmt: skip
    return [sh, fl]


def test_plan_loads_exit_codes_and_outputs(tmp_path: Path) -> None:
    sh, fl = _plan_loads_files(tmp_path)
    out = tmp_path / "plan.json"
    args = ("plan-loads", "--shipments", sh, "--fleet", fl, "--time-limit", "2")
    assert yunli(*args, "--output", out).returncode == EXIT_OK
    assert json.loads(out.read_text())["num_vehicles"] == 2
    fails(yunli(*args, "--output", tmp_path / "no" / "p.json"), EXIT_INVALID, "does not exist")
    fails(
        yunli("plan-loads", "--shipments", tmp_path / "x.csv", "--fleet", fl, "--output", out),
        EXIT_NOT_FOUND,
        "shipments",
    )
    sh, fl = _plan_loads_files(tmp_path, heavy=True)
    r = yunli(*args, "--output", out)
    assert r.returncode == EXIT_INCOMPLETE, r.stderr
    assert "unplaced 3" in r.stdout
