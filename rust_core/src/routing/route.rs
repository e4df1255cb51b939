//! Routes with cached prefix/suffix segments, and the exact route walk.

use super::problem::Problem;
use super::segment::Seg;

/// One vehicle's route: its type, its jobs in visit order and cached segments.
///
/// Node indices count the start depot as 0, jobs as `1..=n` and the end depot
/// as `n + 1`. `fwd[i]` summarises nodes `0..=i`, `bwd[i]` nodes `i..=n+1`.
#[derive(Clone, Debug)]
pub struct Route {
    pub vtype: usize,
    pub jobs: Vec<usize>,
    /// The first `fixed` jobs must stay where they are.
    pub fixed: usize,
    /// A pinned route is never changed.
    pub pinned: bool,
    pub fwd: Vec<Seg>,
    pub bwd: Vec<Seg>,
    /// Location of each node (depots included): what distance-only move
    /// bounds read, kept apart from the much larger segments.
    pub loc: Vec<u32>,
    /// `leg[i]`: distance from node `i` to node `i + 1`.
    pub leg: Vec<i64>,
    /// `open[i]`: pickup–delivery pairs open after node `i` (pickup at or
    /// before, delivery after); a cut after node `i` is pair-safe iff zero.
    pub open: Vec<u32>,
    /// Union of the skills of jobs at nodes `i..` (`skills_from[n + 1] = 0`).
    pub skills_from: Vec<u64>,
    /// Internal-unit cost (0 for an empty route), disruption included.
    pub cost: i64,
    /// Disruption part of `cost` (live re-planning).
    pub disruption: i64,
    /// Route must be verified by walking (multiple windows, breaks or soft jobs).
    pub exact: bool,
    /// Soft-lateness part of `cost`: the most a move can save in lateness by
    /// taking jobs out of this route, added to distance-only move bounds.
    pub late_cost: i64,
    /// When this route last changed, on its solution's [`super::solution::Solution::clock`]
    /// (what lets the descent skip route pairs unchanged since they were last tested).
    pub stamp: u64,
}

/// Where a piece of a new route comes from: a node range of an existing
/// route (inclusive, node indices) or a single job.
#[derive(Clone, Copy, Debug)]
pub enum Piece<'a> {
    Range(&'a Route, usize, usize),
    Job(usize),
}

impl Route {
    /// A route of type `vtype` with `jobs`; call [`Route::update`] is done here.
    pub fn new(p: &Problem, vtype: usize, jobs: Vec<usize>) -> Route {
        let mut r = Route {
            vtype,
            jobs,
            fixed: 0,
            pinned: false,
            fwd: Vec::new(),
            bwd: Vec::new(),
            loc: Vec::new(),
            leg: Vec::new(),
            open: Vec::new(),
            skills_from: Vec::new(),
            cost: 0,
            disruption: 0,
            exact: false,
            late_cost: 0,
            stamp: 0,
        };
        r.update(p);
        r
    }

    /// A copy with the same jobs and settings but empty caches (call
    /// [`Route::update`] before reading segments or costs).
    pub fn without_caches(&self) -> Route {
        Route {
            vtype: self.vtype,
            jobs: self.jobs.clone(),
            fixed: self.fixed,
            pinned: self.pinned,
            fwd: Vec::new(),
            bwd: Vec::new(),
            loc: Vec::new(),
            leg: Vec::new(),
            open: Vec::new(),
            skills_from: Vec::new(),
            cost: self.cost,
            disruption: self.disruption,
            exact: self.exact,
            late_cost: self.late_cost,
            stamp: self.stamp,
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Segment of node `i` (0 = start depot, n+1 = end depot).
    #[inline]
    pub fn node_seg<'a>(&self, p: &'a Problem, i: usize) -> &'a Seg {
        if i == 0 {
            &p.start_seg[self.vtype]
        } else if i > self.jobs.len() {
            &p.end_seg[self.vtype]
        } else {
            &p.job_seg[self.jobs[i - 1]]
        }
    }

    /// Segment of nodes `i..=j` of this route, for a vehicle of profile `prof`
    /// (cached when `prof` is this route's profile and the range touches a depot).
    pub fn range_seg(&self, p: &Problem, prof: usize, i: usize, j: usize) -> Seg {
        let n1 = self.jobs.len() + 1;
        if prof == p.profile(self.vtype) {
            if i == 0 {
                return self.fwd[j];
            }
            if j == n1 {
                return self.bwd[i];
            }
        }
        let mut s = *self.node_seg(p, i);
        for k in i + 1..=j {
            s = p.concat(prof, &s, self.node_seg(p, k));
        }
        s
    }

    /// Recompute caches and cost after `jobs` changed.
    pub fn update(&mut self, p: &Problem) {
        let n = self.jobs.len();
        let prof = p.profile(self.vtype);
        reset(&mut self.fwd, n + 2);
        reset(&mut self.bwd, n + 2);
        reset(&mut self.loc, n + 2);
        reset(&mut self.leg, n + 1);
        reset(&mut self.open, n + 2);
        reset(&mut self.skills_from, n + 2);
        self.fwd.push(p.start_seg[self.vtype]);
        for i in 1..=n + 1 {
            let s = p.concat(prof, &self.fwd[i - 1], self.node_seg(p, i));
            self.fwd.push(s);
        }
        self.bwd.resize(n + 2, p.end_seg[self.vtype]);
        for i in (0..=n).rev() {
            self.bwd[i] = p.concat(prof, self.node_seg(p, i), &self.bwd[i + 1]);
        }
        self.loc.clear();
        self.loc.push(p.inp.type_start[self.vtype] as u32);
        self.loc
            .extend(self.jobs.iter().map(|&j| p.inp.job_location[j] as u32));
        self.loc.push(p.inp.type_end[self.vtype] as u32);
        self.leg.clear();
        self.leg.extend(
            self.loc
                .windows(2)
                .map(|w| p.dist(w[0] as usize, w[1] as usize)),
        );
        self.open.clear();
        let mut open = 0u32;
        self.open.push(0);
        for &j in &self.jobs {
            if p.pair[j].is_some() {
                if p.inp.is_pickup[j] {
                    open += 1;
                } else {
                    open = open.saturating_sub(1);
                }
            }
            self.open.push(open);
        }
        self.open.push(0);
        self.skills_from.clear();
        self.skills_from.resize(n + 2, 0);
        for i in (1..=n).rev() {
            self.skills_from[i] = self.skills_from[i + 1] | p.inp.job_skills[self.jobs[i - 1]];
        }
        self.exact = p.type_has_breaks(self.vtype) || self.jobs.iter().any(|&j| p.job_multi_tw[j]);
        self.disruption = p.disruption_of(self.vtype, self.jobs.iter().copied());
        self.late_cost = 0;
        self.cost = self.disruption
            + if n == 0 {
                0
            } else if self.exact {
                let e = walk(p, self.vtype, &self.jobs);
                self.late_cost = e.late_cost;
                p.route_cost_dd(self.vtype, e.dist, e.dur) + e.late_cost
            } else {
                p.route_cost(self.vtype, &self.fwd[n + 1])
            };
    }
}

/// Empty `v` with room for `n` items, without copying the old contents when
/// it must grow (a route copied without caches starts with none).
fn reset<T>(v: &mut Vec<T>, n: usize) {
    v.clear();
    if v.capacity() < n {
        *v = Vec::with_capacity(n.max(2 * v.capacity()).max(8));
    }
}

/// Cost of a candidate route of type `k` made of `pieces` (depots included in
/// the pieces), or `None` if infeasible. `exact` forces a walk on the
/// materialised job list (multiple windows, breaks).
pub fn eval_pieces(p: &Problem, k: usize, pieces: &[Piece<'_>], exact: bool) -> Option<i64> {
    let prof = p.profile(k);
    let mut acc: Option<Seg> = None;
    for pc in pieces {
        let s = match *pc {
            Piece::Range(r, i, j) => {
                if i > j {
                    continue;
                }
                r.range_seg(p, prof, i, j)
            }
            Piece::Job(j) => p.job_seg[j],
        };
        acc = Some(match acc {
            None => s,
            Some(a) => p.concat(prof, &a, &s),
        });
    }
    let s = acc?;
    if !p.seg_feasible(k, &s) {
        return None;
    }
    if !exact && !p.has_disruption {
        return Some(p.route_cost(k, &s));
    }
    let mut jobs = Vec::new();
    for pc in pieces {
        match *pc {
            Piece::Range(r, i, j) => {
                for node in i.max(1)..=j.min(r.jobs.len()) {
                    jobs.push(r.jobs[node - 1]);
                }
            }
            Piece::Job(j) => jobs.push(j),
        }
    }
    let extra = p.disruption_of(k, jobs.iter().copied());
    if !exact {
        return Some(p.route_cost(k, &s) + extra);
    }
    let e = walk(p, k, &jobs);
    e.feasible()
        .then(|| p.route_cost_dd(k, e.dist, e.dur) + e.late_cost + extra)
}

/// Result of walking a route stop by stop.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteWalk {
    pub dist: i64,
    pub dur: i64,
    /// Total lateness (sum over stops of start minus window end when late).
    pub late: i64,
    /// Highest load excess over capacity in any dimension.
    pub overload: i64,
    /// Breaks that could not start in their window.
    pub missed_breaks: usize,
    pub over_duration: i64,
    pub over_distance: i64,
    /// Pickup–delivery or skill violations.
    pub structure_errors: usize,
    /// Soft jobs served after their due time, and their lateness cost
    /// (internal units; not an infeasibility).
    pub soft_late_stops: usize,
    pub late_cost: i64,
}

impl RouteWalk {
    pub fn feasible(&self) -> bool {
        self.late == 0
            && self.overload == 0
            && self.missed_breaks == 0
            && self.over_duration == 0
            && self.over_distance == 0
            && self.structure_errors == 0
    }
}

fn walk_from(p: &Problem, k: usize, jobs: &[usize], depart: i64) -> RouteWalk {
    let inp = &p.inp;
    let prof = p.profile(k);
    let nd = p.dims();
    let mut w = RouteWalk::default();
    let mut breaks: Vec<_> = inp.type_breaks[k].clone();
    breaks.sort_by_key(|b| b.start);
    let mut next_break = 0usize;
    let mut t = depart;
    let mut loc = inp.type_start[k];
    // Load on board: all simple deliveries at the start.
    let mut load = vec![0i64; nd];
    for &j in jobs {
        if p.pair[j].is_none() {
            for (d, l) in load.iter_mut().enumerate() {
                *l += inp.job_delivery[j * nd + d];
            }
        }
    }
    let cap = &inp.type_capacity[k * nd..(k + 1) * nd];
    let check_load = |load: &[i64], w: &mut RouteWalk| {
        for d in 0..nd {
            w.overload = w.overload.max(load[d] - cap[d]);
        }
    };
    check_load(&load, &mut w);
    let mut seen = vec![false; 0];
    if jobs.iter().any(|&j| p.pair[j].is_some()) {
        seen = vec![false; p.n_jobs];
    }
    // Take pending breaks whose window has opened by `t`, or which would be
    // missed if we first travelled `leg` more time units.
    let take_breaks = |t: &mut i64, leg: i64, next_break: &mut usize, w: &mut RouteWalk| {
        while *next_break < breaks.len() {
            let b = breaks[*next_break];
            if *t >= b.start || *t + leg > b.end {
                let s = (*t).max(b.start);
                if s > b.end {
                    w.missed_breaks += 1;
                }
                *t = s + b.duration;
                *next_break += 1;
            } else {
                break;
            }
        }
    };
    let stops = jobs.len();
    for (i, &j) in jobs.iter().enumerate() {
        let jl = inp.job_location[j];
        take_breaks(
            &mut t,
            p.time(prof, loc, jl) + inp.job_service[j],
            &mut next_break,
            &mut w,
        );
        w.dist += p.dist(loc, jl);
        t += p.time(prof, loc, jl);
        let start = inp.job_tw[j]
            .iter()
            .find(|tw| tw.1 >= t)
            .map(|tw| t.max(tw.0));
        t = match start {
            Some(s) => s,
            None => {
                let last = inp.job_tw[j][inp.job_tw[j].len() - 1].1;
                w.late += t - last;
                t
            }
        };
        if p.has_soft {
            let c = p.late_cost(j, t);
            if c > 0 {
                w.soft_late_stops += 1;
                w.late_cost += c;
            }
        }
        t += inp.job_service[j];
        for (d, l) in load.iter_mut().enumerate() {
            match p.pair[j] {
                Some(_) if inp.is_pickup[j] => *l += inp.job_pickup[j * nd + d],
                Some(_) => *l -= inp.job_delivery[j * nd + d],
                None => *l += inp.job_pickup[j * nd + d] - inp.job_delivery[j * nd + d],
            }
        }
        check_load(&load, &mut w);
        if let Some(q) = p.pair[j] {
            if !inp.is_pickup[j] && !seen[q] {
                w.structure_errors += 1;
            }
            if inp.is_pickup[j] && !jobs.contains(&q) {
                w.structure_errors += 1;
            }
            seen[j] = true;
        }
        if inp.job_skills[j] & !inp.type_skills[k] != 0 {
            w.structure_errors += 1;
        }
        loc = jl;
        let _ = i < stops;
    }
    let end = inp.type_end[k];
    take_breaks(&mut t, p.time(prof, loc, end), &mut next_break, &mut w);
    w.dist += p.dist(loc, end);
    t += p.time(prof, loc, end);
    if t > inp.type_tw[k].1 {
        w.late += t - inp.type_tw[k].1;
    }
    w.dur = t - depart;
    w.over_duration = (w.dur - inp.type_max_duration[k]).max(0);
    w.over_distance = (w.dist - inp.type_max_distance[k]).max(0);
    w
}

/// Walk a route of type `k` visiting `jobs`, departing at the shift start and
/// also at the latest departure the time-window hull allows; the feasible walk
/// with the shorter duration wins. This is the reference evaluation the
/// segment arithmetic is tested against, and the check for routes with
/// multiple time windows or breaks.
pub fn walk(p: &Problem, k: usize, jobs: &[usize]) -> RouteWalk {
    let early = walk_from(p, k, jobs, p.inp.type_tw[k].0);
    if jobs.is_empty() {
        return early;
    }
    // Soft lateness only grows with a later departure: without a price on time or
    // breaks to fit, a feasible early walk costs least (same distance, no more lateness).
    if p.has_soft && early.feasible() && p.inp.type_cost_per_hour[k] == 0 && !p.type_has_breaks(k) {
        return early;
    }
    let prof = p.profile(k);
    let mut s = p.start_seg[k];
    for &j in jobs {
        s = p.concat(prof, &s, &p.job_seg[j]);
    }
    s = p.concat(prof, &s, &p.end_seg[k]);
    if s.late > p.inp.type_tw[k].0 && s.late <= p.inp.type_tw[k].1 {
        let late = walk_from(p, k, jobs, s.late);
        // With soft jobs the cheaper walk wins (lateness included), else the shorter.
        let better = if p.has_soft {
            let cph = p.inp.type_cost_per_hour[k] * 1000;
            (cph * late.dur + late.late_cost, late.dur)
                < (cph * early.dur + early.late_cost, early.dur)
        } else {
            late.dur < early.dur
        };
        if late.feasible() && (!early.feasible() || better) {
            return late;
        }
    }
    early
}
