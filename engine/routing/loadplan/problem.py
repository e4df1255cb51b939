"""The fleet problem over the placeable shipments and active dimensions, and plan scores."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.routing.loadplan.results import Objective


@dataclass(slots=True)
class FleetProblem:
    """The placeable shipments in integer arrays, over the active dimensions only."""

    items: list[int]  # indices into FleetData.ids
    sizes: npt.NDArray[np.int64]  # (n, d)
    caps: npt.NDArray[np.int64]  # (K, d), unlimited = huge
    counts: list[int]
    costs: list[int]
    dims: list[int]  # indices into DIMENSIONS

    def fits(self, i: int, k: int) -> bool:
        return bool(np.all(self.sizes[i] <= self.caps[k]))


Assignment = list[tuple[int, list[int]]]  # (vehicle type, item positions)


def score(
    p: FleetProblem, sol: Assignment, dropped: int, objective: Objective
) -> tuple[int, int, int]:
    cost = sum(p.costs[k] for k, _ in sol)
    return (dropped, cost, len(sol)) if objective == "cost" else (dropped, len(sol), cost)
