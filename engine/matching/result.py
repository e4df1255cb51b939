"""The result of a batch dispatch, with the baselines it is compared to."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

#: Objectives of :meth:`engine.matching.Matcher.dispatch`.
OBJECTIVES = ("score", "fill", "deadhead")

#: Methods in the order the comparison lists them (``optimal`` is the chosen objective;
#: ``optimal:score``/``optimal:fill`` the optimum under the other objective).
METHODS = ("nearest", "greedy", "optimal:score", "optimal:fill", "optimal")

_LABELS = {
    "nearest": "nearest available (FCFS)",
    "greedy": "greedy best-score",
    "optimal:score": "optimal (score)",
    "optimal:fill": "optimal (fill)",
}


def _sum(s: pl.Series) -> float:
    return float(s.cast(pl.Float64).sum()) if s.len() else 0.0


def _mean(s: pl.Series) -> float:
    return float(s.cast(pl.Float64).mean() or 0.0) if s.len() else 0.0  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class DispatchResult:
    """Assignments of open loads to vehicles, optimal and baselines.

    Attributes
    ----------
    objective
        ``"score"`` (maximize the total match score), ``"fill"`` (match as many
        loads as possible over every feasible pair, then maximize the score) or
        ``"deadhead"`` (match as many loads as possible, then minimize total
        deadhead).
    assignments
        The optimal assignment: one row per assigned load with ``load_id``,
        ``vehicle_id`` and every score component.
    baselines
        ``"greedy"`` (best-first on the same candidate graph), ``"nearest"``
        (loads in posting order each take the nearest free feasible vehicle)
        and ``"optimal:score"`` or ``"optimal:fill"`` (the optimum under the
        other of those objectives), same columns; empty if baselines were not run.
    n_loads, n_vehicles
        Loads offered and vehicles not offline.
    n_candidate_edges
        Edges of the optimal solver's candidate graph.
    seconds
        Wall time per method (graph building included).
    """

    objective: str
    assignments: pl.DataFrame
    baselines: dict[str, pl.DataFrame]
    n_loads: int
    n_vehicles: int
    n_candidate_edges: int
    seconds: dict[str, float] = field(default_factory=dict)

    def to_polars(self) -> pl.DataFrame:
        """The optimal assignments as a Polars frame."""
        return self.assignments

    def comparison(self) -> pl.DataFrame:
        """One row per method: loads matched, share matched, total score, total
        and mean deadhead (km), mean utilization and mean expertise of the
        assigned pairs, and wall time."""
        rows = []
        frames = {**self.baselines, "optimal": self.assignments}
        for m in METHODS:
            if m not in frames:
                continue
            df = frames[m]
            n = df.height
            rows.append(
                {
                    "method": _LABELS.get(m, f"optimal ({self.objective})"),
                    "matched": n,
                    "share_matched": n / self.n_loads if self.n_loads else 0.0,
                    "total_score": _sum(df["score"]),
                    "deadhead_km": _sum(df["deadhead_m"]) / 1000,
                    "mean_deadhead_km": _mean(df["deadhead_m"]) / 1000,
                    "mean_utilization": _mean(df["utilization"]),
                    "mean_expertise": _mean(df["expertise"]),
                    "seconds": self.seconds.get(m, float("nan")),
                }
            )
        return pl.DataFrame(rows)

    def summary(self) -> str:
        """A text table comparing the optimal assignment with the baselines."""
        head = (
            f"dispatch ({self.objective}): {self.n_loads:,} loads, {self.n_vehicles:,} vehicles "
            f"not offline, {self.n_candidate_edges:,} candidate pairs"
        )
        lines = [
            head,
            f"{'method':<26}{'matched':>9}{'share':>8}{'score':>10}{'deadhead km':>13}"
            f"{'km/load':>9}{'util':>7}{'expert':>8}{'time s':>8}",
        ]
        for r in self.comparison().iter_rows(named=True):
            lines.append(
                f"{r['method']:<26}{r['matched']:>9,}{r['share_matched']:>8.1%}"
                f"{r['total_score']:>10,.1f}{r['deadhead_km']:>13,.0f}{r['mean_deadhead_km']:>9.1f}"
                f"{r['mean_utilization']:>7.2f}{r['mean_expertise']:>8.2f}{r['seconds']:>8.2f}"
            )
        return "\n".join(lines)
