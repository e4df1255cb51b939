"""Why a re-plan leaves a required job out: which constraint stops every vehicle.

For each job left out, vehicles are ruled out in the order of the constraints of the
re-plan problem, and the first constraint that rules out every vehicle on duty is the
reason:

``skills``
    no vehicle on duty has the job's skills (or vehicle type: depot cargo only goes on
    vehicles still at the depot, cargo on board only on its carrier);
``capacity``
    the job's amount exceeds the free capacity of every vehicle that could take it;
``time_window``
    no vehicle can reach it (or, for a shipment, deliver it) before its window closes,
    or every insertion into the routes makes it or a later stop miss its window;
``shift_end``
    serving it and driving to the end depot ends after the vehicle's shift (or maximum
    working time);
``max_distance``
    the trip to it and on to the end depot exceeds the vehicle's maximum distance.

When some vehicle could take the job on its own (and an insertion into its route
fits), the reason is ``search``: the search did not place it within its budget.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from engine.live.replan.problem import ReplanProblem
from engine.routing.model import UNLIMITED, Problem

#: The constraints a reason names (see the module docstring), plus ``not_accepted`` (a
#: new order the acceptance rule held back: the plan serving it was worse for the jobs
#: already promised, leaving one out or with more late stops).
CONSTRAINTS = (
    "skills",
    "capacity",
    "time_window",
    "shift_end",
    "max_distance",
    "search",
    "not_accepted",
)


@dataclass(frozen=True, slots=True)
class Unserved:
    """A job the re-plan leaves out and why.

    Attributes
    ----------
    job_id
        The job (both halves of a shipment are listed).
    constraint
        One of :data:`CONSTRAINTS`.
    detail
        A readable sentence with the figures.
    """

    job_id: str
    constraint: str
    detail: str

    def __str__(self) -> str:
        return f"{self.constraint}: {self.detail}"


def _hhmm(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%H:%M UTC")


def _next_start(windows: Sequence[tuple[int, int]], t: int) -> int | None:
    for a, b in windows:
        if t <= b:
            return max(t, a)
    return None


class _Diagnosis:
    def __init__(self, rp: ReplanProblem, routes: Sequence[tuple[int, Sequence[int]]]) -> None:
        self.rp = rp
        self.pr: Problem = rp.problem
        self.a = self.pr.to_arrays()
        self.routes = {int(k): [int(j) for j in js] for k, js in routes}
        self.nk = len(self.pr.vehicle_types)

    def _skills_ok(self, js: list[int]) -> list[int]:
        a, allowed = self.a, self.rp.terms.allowed_type
        out = []
        for k in range(self.nk):
            tmask = int(a["type_skills"][k])
            if all(int(a["job_skills"][j]) & ~tmask == 0 for j in js) and all(
                allowed is None or allowed[j] < 0 or allowed[j] == k for j in js
            ):
                out.append(k)
        return out

    def explain(self, j: int) -> tuple[str, str]:
        a, pr = self.a, self.pr
        q = pr.jobs[j].pair
        js = [j] if q is None else [j, q]
        p = js[0] if q is None or a["is_pickup"][j] else q
        d = None if q is None else (q if p == j else j)
        order = [p] if d is None else [p, d]
        ks = self._skills_ok(order)
        if not ks:
            need = set().union(*(pr.jobs[x].skills for x in order)) - {"at_depot"}
            have = set().union(*(vt.skills for vt in pr.vehicle_types))
            if need - have:
                return "skills", f"no vehicle on duty has the skills {sorted(need - have)}"
            if any("at_depot" in pr.jobs[x].skills for x in order):
                return "skills", (
                    "depot cargo goes only on a vehicle still at the depot, and none that "
                    f"has the skills {sorted(need)} is"
                )
            return "skills", f"no vehicle on duty has all of the skills {sorted(need)}"
        amount = np.maximum(a["job_delivery"][p], a["job_pickup"][p])
        cap = a["type_capacity"]
        fits = [k for k in ks if np.all(amount <= cap[k])]
        if not fits:
            best = max(ks, key=lambda k: int(cap[k].sum()))
            return "capacity", (
                f"needs {amount.tolist()} ({', '.join(pr.dimensions)}); the most free "
                f"capacity on a vehicle that could take it is {cap[best].tolist()}"
            )
        reach: list[tuple[int, int, int]] = []  # (vehicle, service start, end arrival)
        soonest: tuple[int, int] | None = None
        for k in fits:
            vt = pr.vehicle_types[k]
            tt = pr.travel(k)
            t = int(vt.shift[0]) + int(tt[vt.start.index, pr.jobs[p].site.index])
            s = _next_start(pr.jobs[p].time_windows or ((0, UNLIMITED),), t)
            soonest = (t, k) if soonest is None or t < soonest[0] else soonest
            if s is None:
                continue
            last = p
            if d is not None:
                t2 = s + pr.jobs[p].service + int(tt[pr.jobs[p].site.index, pr.jobs[d].site.index])
                s = _next_start(pr.jobs[d].time_windows or ((0, UNLIMITED),), t2)
                if s is None:
                    continue
                last = d
            end = s + pr.jobs[last].service + int(tt[pr.jobs[last].site.index, vt.end.index])
            reach.append((k, s, end))
        if not reach:
            assert soonest is not None
            close = max((b for _, b in pr.jobs[p].time_windows), default=0)
            what = "its window closes" if d is None else "the shipment's windows close"
            return "time_window", (
                f"the soonest a vehicle can be there is {_hhmm(soonest[0])} "
                f"({self.rp.vehicle_ids[soonest[1]]}), too late: {what} "
                f"(pickup window ends {_hhmm(close)})"
            )
        in_shift = [
            (k, s, e)
            for k, s, e in reach
            if e <= pr.vehicle_types[k].shift[1]
            and e - pr.vehicle_types[k].shift[0] <= pr.vehicle_types[k].max_duration
        ]
        if not in_shift:
            k, _, e = min(reach, key=lambda r: r[2] - pr.vehicle_types[r[0]].shift[1])
            return "shift_end", (
                f"serving it, the earliest return to the end depot is {_hhmm(e)}, after the "
                f"shift of every vehicle that could reach it on time "
                f"({self.rp.vehicle_ids[k]} ends {_hhmm(pr.vehicle_types[k].shift[1])})"
            )
        within: list[int] = []
        for k, _, _ in in_shift:
            vt = pr.vehicle_types[k]
            locs = [vt.start.index] + [pr.jobs[x].site.index for x in order] + [vt.end.index]
            km = int(sum(pr.distance[u, v] for u, v in itertools.pairwise(locs)))
            if vt.max_distance >= UNLIMITED or km <= vt.max_distance:
                within.append(k)
        if not within:
            return "max_distance", (
                "the trip to it and on to the end depot is longer than the maximum distance "
                "of every vehicle that could reach it on time"
            )
        blocks: Counter[str] = Counter()
        for k in within:
            why = self._insertion(k, p, d)
            if why is None:
                return "search", (
                    f"it fits on {self.rp.vehicle_ids[k]}; the search did not place it "
                    "within its budget"
                )
            blocks[why] += 1
        (top, n), *rest = blocks.most_common()
        others = ", ".join(f"{c} on {m}" for c, m in rest)
        what = {
            "time_window": "makes it or a later stop miss its time window",
            "capacity": "exceeds the capacity on the way",
            "shift_end": "ends after the vehicle's shift",
        }[top]
        return top, (
            f"fits on no route: every insertion {what} on {n} of the {len(within)} "
            f"vehicles that could serve it alone" + (f" ({others})" if others else "")
        )

    def _insertion(self, k: int, p: int, d: int | None) -> str | None:
        """``None`` when ``p`` (with ``d`` right after it) fits somewhere on vehicle
        ``k``'s route; else the constraint that blocked the most positions."""
        pr, a = self.pr, self.a
        vt = pr.vehicle_types[k]
        tt = pr.travel(k)
        seq = self.routes.get(k, [])
        jobs = pr.jobs
        locs = [vt.start.index] + [jobs[x].site.index for x in seq] + [vt.end.index]
        n = len(seq)
        depart = [int(vt.shift[0])]
        for i, x in enumerate(seq):
            arr = depart[-1] + int(tt[locs[i], locs[i + 1]])
            s = _next_start(jobs[x].time_windows or ((0, UNLIMITED),), arr)
            depart.append((arr if s is None else s) + jobs[x].service)
        # latest[i]: latest arrival at node i (1..n+1) keeping it and all later stops on time
        latest = [0] * (n + 2)
        latest[n + 1] = int(vt.shift[1])
        for i in range(n, 0, -1):
            x = seq[i - 1]
            close = max((b for _, b in jobs[x].time_windows), default=UNLIMITED)
            nxt = latest[i + 1] - jobs[x].service - int(tt[locs[i], locs[i + 1]])
            latest[i] = min(close, nxt)
        # load when leaving each node (single deliveries on board from the start)
        deliv, pick, pair = a["job_delivery"], a["job_pickup"], a["pair_of"]
        nd = len(pr.dimensions)
        steps = np.zeros((n + 1, nd), dtype=np.int64)
        singles = [x for x in seq if pair[x] < 0]
        steps[0] = deliv[singles].sum(axis=0) if singles else 0
        if seq:
            steps[1:] = pick[seq] - deliv[seq]
        load = np.cumsum(steps, axis=0)  # load when leaving each node
        upto = np.maximum.accumulate(load, axis=0)  # peak from the start to node i
        after = np.maximum.accumulate(load[::-1], axis=0)[::-1]  # peak from node i on
        cap = a["type_capacity"][k]
        single_delivery = d is None and bool(np.any(deliv[p] > 0))
        extra = deliv[p] if single_delivery else pick[p]
        order = [p] if d is None else [p, d]
        fixed = self.rp.fixed_prefixes[k] if seq else 0
        why: Counter[str] = Counter()
        for i in range(fixed, n + 1):
            peak = upto[i] if single_delivery else load[i] if d is not None else after[i]
            if np.any(peak + extra > cap):
                why["capacity"] += 1
                continue
            t, here, ok = depart[i], locs[i], True
            for x in order:
                arr = t + int(tt[here, jobs[x].site.index])
                s = _next_start(jobs[x].time_windows or ((0, UNLIMITED),), arr)
                if s is None:
                    ok = False
                    break
                t, here = s + jobs[x].service, jobs[x].site.index
            if not ok:
                why["time_window"] += 1
                continue
            if t + int(tt[here, locs[i + 1]]) > latest[i + 1]:
                why["shift_end" if i == n else "time_window"] += 1
                continue
            return None
        return why.most_common(1)[0][0] if why else "time_window"


def explain(
    rp: ReplanProblem, routes: Sequence[tuple[int, Sequence[int]]], jobs: Iterable[int]
) -> dict[str, Unserved]:
    """Why each job (index into ``rp``) is on none of ``routes`` (see the module
    docstring); both halves of a shipment get the reason."""
    diag = _Diagnosis(rp, routes)
    out: dict[str, Unserved] = {}
    for j in jobs:
        jid = rp.job_ids[j]
        if jid in out:
            continue
        constraint, detail = diag.explain(int(j))
        q = rp.problem.jobs[j].pair
        for x in [j] if q is None else [j, q]:
            out[rp.job_ids[x]] = Unserved(rp.job_ids[x], constraint, detail)
    return out
