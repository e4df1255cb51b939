"""The searches of a re-plan: warm-started Rust core searches side by side.

Each round runs ``searches`` independent searches (seeds ``seed + 7919 i``) on one
native problem, on as many threads (the core releases the GIL), and keeps the plan the
ETA forecast ranks best (:func:`engine.live.replan.acceptance.score`).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from engine.live.replan.acceptance import Memo, forecast_routes, score
from engine.live.replan.problem import ReplanProblem
from engine.live.state import LivePlan
from engine.routing.core import ProblemData, SearchResult, problem_data, search


@dataclass
class Searches:
    """Runs the searches of one re-plan of ``plan``.

    Attributes
    ----------
    seed, searches, max_iterations
        Seed of the first search, searches per round, iteration budget of each.
    promised
        Jobs already promised (ranked first by the forecast).
    memo
        Forecasts of vehicle routes, shared over the re-plan.
    """

    plan: LivePlan
    seed: int
    searches: int
    max_iterations: int | None
    promised: set[str]
    memo: Memo
    #: Per initial route of the first round: settled (see
    #: :func:`~engine.live.replan.arcs.settled_routes`), or ``None``.
    settled: list[bool] | None = None
    _data: tuple[ReplanProblem, ProblemData] | None = None

    def data(self, rp: ReplanProblem) -> ProblemData:
        """The native problem of ``rp`` (built once per re-plan problem)."""
        if self._data is None or self._data[0] is not rp:
            self._data = (rp, problem_data(rp.problem, rp.terms))
        return self._data[1]

    def _one(
        self,
        data: ProblemData,
        rp: ReplanProblem,
        initial: list[tuple[int, list[int]]],
        budget: float,
        seed: int,
        iterations: int | None,
    ) -> SearchResult:
        return search(
            data,
            time_limit=max(0.01, budget),
            seed=seed,
            max_iterations=iterations,
            initial_routes=initial,
            fixed_prefixes=rp.fixed_prefixes,
            settled=self.settled if initial is rp.initial_routes else None,
        )

    def repair(self, rp: ReplanProblem) -> SearchResult:
        """The current routes of ``rp`` repaired: jobs on no route inserted where they
        fit and a local-search descent, no ruin-and-recreate (zero iterations)."""
        return self._one(self.data(rp), rp, rp.initial_routes, 5.0, self.seed, 0)

    def run(
        self,
        rp: ReplanProblem,
        initial: list[tuple[int, list[int]]],
        budget: float,
        iterations: int | None = None,
    ) -> SearchResult:
        """The best of the round's searches of ``rp`` from ``initial`` within ``budget`` s
        and ``iterations`` (default: :attr:`max_iterations`) each."""
        data = self.data(rp)
        its = self.max_iterations if iterations is None else iterations
        if self.searches == 1:
            return self._one(data, rp, initial, budget, self.seed, its)
        with ThreadPoolExecutor(self.searches - 1) as pool:
            others = pool.map(
                lambda i: self._one(data, rp, initial, budget, self.seed + 7919 * i, its),
                range(1, self.searches),
            )
            first = self._one(data, rp, initial, budget, self.seed, its)
            runs = [first, *others]
        scored = []
        for i, r in enumerate(runs):
            rts = final_routes(r, rp)
            fc = forecast_routes(self.plan, rp, rts, self.memo)
            scored.append((score(fc, rts, rp, self.promised), i))
        return runs[min(scored)[1]]


def final_routes(res: SearchResult, rp: ReplanProblem) -> list[tuple[int, list[int]]]:
    """The solver's routes; cargo on board is never dropped: whatever the search could
    not fit goes at the end of its carrier's route (its lateness shows in the warnings)."""
    allowed = rp.terms.allowed_type
    assert allowed is not None
    by_type = {k: list(js) for k, js in res.routes}
    for j in res.dropped:
        k = int(allowed[j])
        if k >= 0:
            by_type.setdefault(k, []).append(int(j))
    return sorted(by_type.items())


def as_initial(
    routes: Iterable[tuple[int, list[int]]], n_types: int
) -> list[tuple[int, list[int]]]:
    """Solver routes as a warm start with one entry per vehicle type."""
    found = {int(k): [int(j) for j in js] for k, js in routes}
    return [(k, found.get(k, [])) for k in range(n_types)]
