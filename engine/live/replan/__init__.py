"""Re-optimize a live plan from its current state, keeping what is committed.

The remaining work becomes a routing :class:`~engine.routing.Problem` in which
every vehicle on duty is its own vehicle type (one vehicle) starting where it
is, when it is there, with the cargo it carries:

* served stops are gone (fixed in the past);
* cargo on board (depot deliveries once departed, shipments picked up) is pinned
  to the vehicle carrying it (``job_allowed_type``);
* depot deliveries of vehicles still at the depot may move only between vehicles
  still at a depot (skill ``at_depot``);
* the stop a vehicle is driving to stays first unless diversion is allowed
  (a fixed route prefix);
* moving a job off its current vehicle costs ``disruption_cost`` (``job_home_type``);
* traffic slowdowns scale the travel times of the legs they touch, when active at
  the leg's predicted departure (time-aware, as the ETA forecast does);
* stops predicted late, and promised stops that fit nowhere on time, are planned
  with soft lateness: a price per late stop and per hour late in the objective
  (``job_due`` in the core) instead of a hard window, so the search trades distance
  for punctuality; every other stop keeps a hard window (with a planning buffer),
  and a new job is accepted only where it fits on time.

The Rust search core is warm-started from the current routes (two searches side by side
by default), each with a search time sized to the disruption (jobs on no route,
stops predicted late) under the time limit. The ETA forecast then judges the plans: it
picks between the searches; when the plan has late stops, a correction round re-derives
the traffic at the new plan's departures and searches on; and a plan with more late
stops (or fewer promised jobs) than the current one is not taken, new orders then
waiting for the next re-plan. A plan that leaves out more promised jobs than the current
plan repaired (the jobs that fit inserted, no search) is never taken; required jobs a
plan leaves out are explained: which constraint stops every vehicle
(:mod:`~engine.live.replan.explain`). With ``verify`` the answer is checked by the
independent checker before the plan changes.

Work proportional to what changed: the plan keeps an arc cache across re-plans
(:mod:`~engine.live.replan.arcs`: the distances and free-flow times of its fixed sites,
computed once per new site; the problem's matrices gathered into reused buffers, which the
core reads without copying), and the routes the last re-plan left, unchanged since, start
the search settled (its first local-search descent only tries moves touching a route that
changed). At 2,000 stops a re-plan's own work (besides the search time) fell from about
1.1 to 0.4 CPU-s (``bench/RESULTS.md``, issue 17.5).

The work is split by job: :mod:`~engine.live.replan.problem` (the re-plan problem),
:mod:`~engine.live.replan.search` (the searches), :mod:`~engine.live.replan.acceptance`
(the acceptance rule), :mod:`~engine.live.replan.explain` (why jobs are left out),
:mod:`~engine.live.replan.arcs` (the plan's arc cache) and :mod:`~engine.live.replan.run`
(:func:`replan` itself).
"""

from __future__ import annotations

from engine.live.replan.explain import Unserved
from engine.live.replan.problem import (
    DEFAULT_DISRUPTION_COST,
    LATE_COST_PER_HOUR,
    LATE_STOP_COST,
    PLANNING_BUFFER_S,
    TRAFFIC_HORIZON_S,
    ReplanProblem,
    build_problem,
)
from engine.live.replan.run import (
    CORRECTION_ROUNDS,
    FIRST_ROUND_SHARE,
    MIN_SEARCH_SHARE,
    RELAX_STAGES_S,
    SEARCH_BASE_S,
    SEARCH_PER_JOB_S,
    SEARCH_PER_LATE_S,
    ReplanDiff,
    ReplanResult,
    replan,
)

__all__ = [
    "CORRECTION_ROUNDS",
    "DEFAULT_DISRUPTION_COST",
    "FIRST_ROUND_SHARE",
    "LATE_COST_PER_HOUR",
    "LATE_STOP_COST",
    "MIN_SEARCH_SHARE",
    "PLANNING_BUFFER_S",
    "RELAX_STAGES_S",
    "SEARCH_BASE_S",
    "SEARCH_PER_JOB_S",
    "SEARCH_PER_LATE_S",
    "TRAFFIC_HORIZON_S",
    "ReplanDiff",
    "ReplanProblem",
    "ReplanResult",
    "Unserved",
    "build_problem",
    "replan",
]
