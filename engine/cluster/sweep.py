"""Scenario sweeps: a simulator run over many seeds and parameter settings as Ray tasks.

A simulator is any importable function ``module:function`` that takes keyword
parameters (one of them the seed) and returns a result, a list of results, or a
dict; results that are dataclasses become rows (list fields such as latencies are
summarized by their median and 95th percentile). :data:`SIMULATORS` names the ones
this repository has: the live-day simulator of ``bench/live_sim.py`` (available from a
source checkout, where ``bench`` is importable).
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import polars as pl

from engine.cluster.runtime import Progress, run_in_processes, run_partitions
from engine.errors import InvalidInputError, NotFoundError

#: Simulators by name: ``module:function``. ``store-day`` is part of the package;
#: ``live-day`` and ``market`` live in ``bench/`` (a source checkout as the working
#: directory, on the driver and the workers).
SIMULATORS: Final = {
    "store-day": "engine.cluster.sweep:store_day",
    "live-day": "bench.live_sim:run_day",
    "market": "bench.market_sim:simulate",
}


def store_day(
    seed: int = 0,
    *,
    city: str = "Hangzhou",
    orders: int = 360,
    stores: int = 3,
    ebikes: int = 4,
    rain: bool = True,
    policy: str = "all",
    time_limit: float = 0.15,
) -> list[dict[str, Any]]:
    """The community-store day simulator (:func:`engine.stores.simulate.simulate`) on a
    seeded day in ``city``: one row per policy (``policy="all"``: every policy).

    Raises
    ------
    InvalidInputError
        An unknown policy or city, or bad sizes.
    """
    from engine.stores.simulate import POLICIES, city_store_day, simulate

    day = city_store_day(
        city, n_orders=orders, n_stores=stores, ebikes_per_store=ebikes, seed=seed, rain=bool(rain)
    )
    policies = POLICIES if policy == "all" else (policy,)
    return [simulate(day, p, time_limit=time_limit).row() for p in policies]


def resolve(target: str) -> Callable[..., Any]:
    """The function ``module:function`` (or a name of :data:`SIMULATORS`).

    Raises
    ------
    InvalidInputError
        Not of the form ``module:function``.
    NotFoundError
        The module or function cannot be imported.
    """
    path = SIMULATORS.get(target, target)
    mod, sep, fn = path.partition(":")
    if not sep or not mod or not fn:
        raise InvalidInputError.at("simulator", f"expected module:function, got {target!r}")
    try:
        obj = getattr(importlib.import_module(mod), fn)
    except (ImportError, AttributeError) as e:
        raise NotFoundError(
            f"simulator {path} cannot be imported ({e}); the bundled simulators live in "
            "bench/ and need a source checkout as the working directory"
        ) from None
    if not callable(obj):
        raise InvalidInputError.at("simulator", f"{path} is not callable")
    return obj  # type: ignore[no-any-return]


def _rows(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list | tuple) else [value]
    out: list[dict[str, Any]] = []
    for it in items:
        if dataclasses.is_dataclass(it) and not isinstance(it, type):
            d = dataclasses.asdict(it)
        elif isinstance(it, Mapping):
            d = dict(it)
        else:
            d = {"value": it}
        row: dict[str, Any] = {}
        for k, v in d.items():
            if isinstance(v, list | tuple):
                nums = [x for x in v if isinstance(x, int | float) and not isinstance(x, bool)]
                if len(nums) == len(v):  # numbers (or none yet): median and 95th percentile
                    row[f"{k}_p50"] = float(np.percentile(nums, 50)) if nums else None
                    row[f"{k}_p95"] = float(np.percentile(nums, 95)) if nums else None
                else:
                    row[f"{k}_n"] = len(v)
            elif isinstance(v, bool | int | float | str) or v is None:
                row[k] = v
        out.append(row)
    return out


@dataclass(frozen=True)
class SweepTask:
    """One run of a sweep: the simulator and its keyword parameters."""

    target: str
    params: dict[str, Any]


def run_one(task: SweepTask) -> list[dict[str, Any]]:
    """Run one setting (the Ray task body): the simulator's rows, each with its
    parameters as ``p_<name>`` columns."""
    rows = _rows(resolve(task.target)(**task.params))
    return [{**{f"p_{k}": v for k, v in task.params.items()}, **r} for r in rows]


def grid(**axes: Sequence[Any]) -> list[dict[str, Any]]:
    """Every combination of the given parameter values (a Cartesian grid)."""
    names = list(axes)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes.values())]


@dataclass(frozen=True)
class SweepResult:
    """All rows of a sweep (``runs``), the summary table and per-run figures."""

    runs: pl.DataFrame
    table: pl.DataFrame
    partitions: pl.DataFrame
    seconds: float


def sweep(
    target: str,
    settings: Sequence[Mapping[str, Any]],
    *,
    group_by: Sequence[str] = (),
    max_attempts: int = 3,
    progress: Progress | None = None,
    processes: int | None = None,
) -> SweepResult:
    """Run ``target`` once per setting as Ray tasks (or, with ``processes``, in a local
    process pool of that many processes) and summarize.

    Parameters
    ----------
    target
        ``module:function`` or a name of :data:`SIMULATORS` (resolved in the workers).
    settings
        Keyword parameters per run (see :func:`grid`).
    group_by
        Columns of the summary (default: every swept parameter except ``seed``, plus a
        ``policy`` column when the rows have one); numeric columns are averaged and
        their standard deviation over the group given beside them.

    Raises
    ------
    InvalidInputError
        No settings, or ``target`` malformed.
    NotFoundError
        ``target`` cannot be imported here (checked before submitting).
    ClusterUnavailableError, PartitionFailedError
        See :func:`~engine.cluster.runtime.run_partitions`.
    """
    if not settings:
        raise InvalidInputError.at("settings", "no settings to run")
    path = SIMULATORS.get(target, target)
    resolve(path)
    t0 = time.perf_counter()
    tasks = [SweepTask(path, dict(s)) for s in settings]
    names = [f"run-{i}" for i in range(len(tasks))]
    if processes is not None:
        runs = run_in_processes(run_one, tasks, workers=processes, names=names, progress=progress)
    else:
        runs = run_partitions(
            run_one, tasks, names=names, max_attempts=max_attempts, progress=progress
        )
    frame = pl.DataFrame([row for r in runs for row in r.value], infer_schema_length=None)
    if group_by:
        keys = list(group_by)
    else:
        keys = [c for c in frame.columns if c.startswith("p_") and c != "p_seed"]
        if "policy" in frame.columns:
            keys.append("policy")
    numeric = [
        c for c, t in frame.schema.items() if t.is_numeric() and c not in keys and c != "p_seed"
    ]
    aggs = [pl.len().alias("runs")]
    for c in numeric:
        aggs += [pl.col(c).mean().alias(c), pl.col(c).std().alias(f"{c}_sd")]
    table = frame.group_by(keys, maintain_order=True).agg(aggs) if keys else frame.select(aggs)
    parts = pl.DataFrame(
        [
            {
                "run": r.name,
                **{f"p_{k}": str(v) for k, v in t.params.items()},
                "node_id": r.node_id,
                "pid": r.pid,
                "wall_s": r.wall_s,
                "cpu_s": r.cpu_s,
                "attempts": r.attempts,
            }
            for r, t in zip(runs, tasks, strict=True)
        ]
    )
    return SweepResult(frame, table, parts, time.perf_counter() - t0)
