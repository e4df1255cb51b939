//! The metaheuristic: construction, optional fleet minimisation, then an
//! iterated ruin-and-recreate (SISR) with simulated-annealing acceptance and a
//! granular local-search descent on every new best solution.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{CoreError, CoreResult};

use super::insert::{recreate, Stats};
use super::ops::{
    descend_until, Operator, OrOpt, PairRelocate, Relocate, Swap, SwapStar, TwoOptStar,
};
use super::parallel::{resolve_threads, solve_parallel};
use super::problem::{Problem, COST_SCALE};
use super::rng::Rng;
use super::route::walk;
use super::ruin::{ruin, RuinParams};
use super::savings;
use super::solution::{Objective, Solution, UNASSIGNED};

/// A starting route: vehicle type, jobs in order, how many leading jobs are
/// fixed, whether the whole route is pinned (never changed), and whether it
/// is settled: the caller knows that no local-search move between two settled
/// routes improves (they are, for example, the descended routes of the
/// previous search of a re-planned problem, unchanged since), so the first
/// descent only tries moves that touch an unsettled route.
#[derive(Clone, Debug, Default)]
pub struct InitialRoute {
    pub vtype: usize,
    pub jobs: Vec<usize>,
    pub fixed: usize,
    pub pinned: bool,
    pub settled: bool,
}

/// Search settings.
#[derive(Clone, Debug)]
pub struct SearchParams {
    pub time_limit: Duration,
    pub seed: u64,
    /// Iteration budget; when set, the annealing schedule follows iterations
    /// (not the clock), so a run is reproducible for a seed and budget.
    pub max_iterations: Option<u64>,
    pub initial: Vec<InitialRoute>,
    /// Granular neighbourhood size of the local search.
    pub granular: usize,
    /// Start and final annealing temperatures, as fractions of the average
    /// cost per job of the first solution.
    pub t_start: f64,
    pub t_end: f64,
    /// Start temperature (same unit as `t_start`) when the search starts from
    /// the savings routes of a large problem ([`savings::eligible`]): a
    /// strong start that a hot schedule would first throw away (measured on
    /// X-style instances of 1,000–2,000 customers; `bench/RESULTS.md`).
    pub savings_t_start: f64,
    pub ruin: RuinParams,
    pub blink: f64,
    /// Share of the time (or iterations) spent removing routes when vehicles
    /// have a fixed cost.
    pub fleet_share: f64,
    /// Temperature multiplier when the problem has pickup–delivery pairs
    /// (measured on Li & Lim: long pair routes need a cooler search).
    pub pair_temperature: f64,
    /// When vehicles have a fixed cost (so route elimination runs), restart
    /// from a fresh construction and route elimination when the current run's
    /// best has not improved for this share of the time (or iterations); `0`
    /// disables. Route elimination returns one arbitrary minimal-fleet
    /// solution whose structure can trap the annealing (measured on long Li &
    /// Lim routes); a restart samples another. The best over all runs is kept.
    pub restart_after: f64,
    /// Set from another thread (a Ctrl-C handler, a shutting-down server) to stop
    /// the search early: it then returns the best solution found so far, with
    /// [`SearchResult::interrupted`] set. Checked once per iteration and once per
    /// job in a local-search pass, so a search stops within milliseconds.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Searches run side by side ([`super::parallel`]): `1` (the default) is
    /// the single search, `0` one per available core, at most
    /// [`super::parallel::MAX_THREADS`]. The iteration budget applies to each.
    pub threads: usize,
    /// Iterations each search runs between two exchanges of solutions when
    /// `threads > 1` (a count, not a time, so that exchanges are reproducible).
    pub exchange_every: u64,
}

impl Default for SearchParams {
    fn default() -> Self {
        SearchParams {
            time_limit: Duration::from_secs(10),
            seed: 0,
            max_iterations: None,
            initial: Vec::new(),
            granular: 20,
            t_start: 6.0,
            t_end: 0.05,
            savings_t_start: 0.1,
            ruin: RuinParams::default(),
            blink: 0.01,
            fleet_share: 0.25,
            pair_temperature: 1.0 / 6.0,
            restart_after: 0.15,
            cancel: None,
            threads: 1,
            exchange_every: 1000,
        }
    }
}

/// What the search returns.
#[derive(Clone, Debug)]
pub struct SearchResult {
    /// `(vehicle type, jobs in visit order)` for every used vehicle.
    pub routes: Vec<(usize, Vec<usize>)>,
    /// Jobs in no route (optional jobs dropped, or required jobs no vehicle could take).
    pub dropped: Vec<usize>,
    /// Objective in cost units (routes plus drop penalties of optional jobs).
    pub cost: f64,
    /// Internal integer objective (cost units × [`COST_SCALE`]).
    pub cost_internal: i64,
    /// Total distance of the routes.
    pub distance: i64,
    /// All required jobs served and every route feasible.
    pub feasible: bool,
    pub iterations: u64,
    pub runtime: Duration,
    /// Move / insertion evaluations performed.
    pub evaluations: u64,
    /// Fresh starts after stagnation (see [`SearchParams::restart_after`]).
    pub restarts: u64,
    /// Soft jobs served after their due time (see [`super::ProblemInput::job_due`]).
    pub soft_late_stops: usize,
    /// The search was stopped through [`SearchParams::cancel`] before its
    /// time limit or iteration budget.
    pub interrupted: bool,
    /// Searches run side by side ([`super::parallel::solve_parallel`]; `1` for [`solve`]).
    pub threads: usize,
    /// Solutions one search took from another at the epoch barriers.
    pub exchanges: u64,
}

struct Clock<'a> {
    start: Instant,
    limit: Duration,
    max_it: Option<u64>,
    cancel: Option<&'a AtomicBool>,
}

impl Clock<'_> {
    fn done(&self, it: u64) -> bool {
        self.max_it.is_some_and(|m| it >= m)
            || self.start.elapsed() >= self.limit
            || self.cancelled()
    }
    fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }
    /// Progress in [0, 1] by iterations when budgeted, else by time.
    fn progress(&self, it: u64) -> f64 {
        match self.max_it {
            Some(m) => it as f64 / m.max(1) as f64,
            None => self.start.elapsed().as_secs_f64() / self.limit.as_secs_f64().max(1e-9),
        }
    }
}

fn build_initial(p: &Problem, init: &[InitialRoute]) -> CoreResult<Solution> {
    let mut sol = Solution::empty(p);
    let mut seen = vec![false; p.n_jobs];
    for (ri, ir) in init.iter().enumerate() {
        if ir.vtype >= p.n_types {
            return Err(CoreError::invalid(
                "initial_routes",
                format!("route {ri}: vehicle type {} out of range", ir.vtype),
            ));
        }
        if ir.fixed > ir.jobs.len() {
            return Err(CoreError::invalid(
                "fixed_prefixes",
                format!(
                    "route {ri}: {} fixed jobs but the route has {}",
                    ir.fixed,
                    ir.jobs.len()
                ),
            ));
        }
        for &j in &ir.jobs {
            if j >= p.n_jobs || seen[j] {
                return Err(CoreError::invalid(
                    "initial_routes",
                    format!("route {ri}: job {j} out of range or repeated"),
                ));
            }
            seen[j] = true;
        }
        if sol.used_per_type[ir.vtype] >= p.inp.type_count[ir.vtype] {
            return Err(CoreError::invalid(
                "initial_routes",
                format!("route {ri}: more routes of type {} than vehicles", ir.vtype),
            ));
        }
        let r = sol.add_route(p, ir.vtype, ir.jobs.clone());
        sol.route_mut(r).fixed = ir.fixed;
        sol.route_mut(r).pinned = ir.pinned;
        sol.refresh(p, r);
    }
    // Settled routes keep stamps at or below `settled`; every other route is
    // stamped after it, so the first descent tests the pairs touching it only.
    // (A route changed below, repaired or split, is stamped again.)
    if init.iter().any(|ir| ir.settled) {
        sol.settled = sol.clock;
        for (r, ir) in init.iter().enumerate() {
            if !ir.settled {
                sol.clock += 1;
                let stamp = sol.clock;
                sol.route_mut(r).stamp = stamp;
            }
        }
    }
    sol.unassigned.retain(|&j| !seen[j]);
    // A non-pinned route that is infeasible (or splits a pair across routes)
    // keeps only its fixed prefix; the rest is re-inserted.
    for r in 0..sol.routes.len() {
        let rt = &sol.routes[r];
        if rt.pinned {
            continue;
        }
        let bad = !walk(p, rt.vtype, &rt.jobs).feasible();
        if bad {
            let loose: Vec<usize> = rt.jobs[rt.fixed..].to_vec();
            for j in loose {
                if sol.pos[j] != UNASSIGNED {
                    let partner_fixed = p.pair[j].is_some_and(|q| {
                        let (qr, qi) = sol.pos[q];
                        qr as usize == r && (qi as usize) < sol.routes[r].fixed
                    });
                    if !partner_fixed {
                        sol.take_out(j);
                    }
                }
            }
            sol.refresh(p, r);
        }
    }
    // Pair partners left alone (one in a route, one unassigned) go back together.
    let lone: Vec<usize> = (0..p.n_jobs)
        .filter(|&j| {
            sol.pos[j] != UNASSIGNED && p.pair[j].is_some_and(|q| sol.pos[q] == UNASSIGNED)
        })
        .collect();
    for j in lone {
        let (r, i) = sol.pos[j];
        if !sol.routes[r as usize].pinned && (i as usize) >= sol.routes[r as usize].fixed {
            let r = sol.take_out(j);
            sol.refresh(p, r);
        }
    }
    sol.remove_empty_routes(p);
    Ok(sol)
}

/// The starting solution: the warm start (if any) completed by cheapest
/// insertion; always complete up to jobs no vehicle can take.
///
/// # Errors
/// [`CoreError::InvalidInput`] for an invalid warm start.
pub fn construct(
    p: &Problem,
    prm: &SearchParams,
    rng: &mut Rng,
    stats: &mut Stats,
) -> CoreResult<Solution> {
    let mut cur = build_initial(p, &prm.initial)?;
    recreate(p, &mut cur, rng, 0.0, None, stats);
    Ok(cur)
}

/// The first starting solution: for a large single-type problem without a
/// warm start ([`savings::eligible`]), the Clarke–Wright savings routes
/// completed by cheapest insertion; else [`construct`]. (Restarts after
/// stagnation use [`construct`], whose random insertion orders vary.)
fn first_construct(
    p: &Problem,
    prm: &SearchParams,
    rng: &mut Rng,
    stats: &mut Stats,
) -> CoreResult<Solution> {
    if !prm.initial.is_empty() || !savings::eligible(p) {
        return construct(p, prm, rng, stats);
    }
    let mut cur = Solution::empty(p);
    let mut seen = vec![false; p.n_jobs];
    for (k, jobs) in savings::savings_routes(p) {
        for &j in &jobs {
            seen[j] = true;
        }
        cur.add_route(p, k, jobs);
    }
    cur.unassigned.retain(|&j| !seen[j]);
    recreate(p, &mut cur, rng, 0.0, None, stats);
    Ok(cur)
}

/// The local-search operators, in the order the descent tries them.
pub fn ops() -> [&'static dyn Operator; 6] {
    [
        &Relocate,
        &Swap,
        &TwoOptStar,
        &OrOpt,
        &SwapStar,
        &PairRelocate,
    ]
}

/// Solve `p` within the time limit; deterministic for a seed and an
/// iteration budget (and thread count).
/// With [`SearchParams::threads`] other than `1`, runs the cooperating
/// searches of [`super::parallel::solve_parallel`].
///
/// # Errors
/// [`CoreError::InvalidInput`] for an invalid warm start or `threads` above
/// [`super::parallel::MAX_THREADS`].
pub fn solve(p: &Problem, prm: &SearchParams) -> CoreResult<SearchResult> {
    let threads = resolve_threads(prm.threads)?;
    if threads > 1 {
        return solve_parallel(p, prm, threads);
    }
    let start = Instant::now();
    let mut s = Searcher::new(p, prm, prm.seed, start)?;
    s.run(None)?;
    Ok(s.into_result())
}

/// One search in progress: the annealed ruin-and-recreate loop of [`solve`],
/// resumable so that [`super::parallel`] can run several in epochs of
/// iterations and exchange solutions between them.
pub(crate) struct Searcher<'a> {
    p: &'a Problem,
    prm: &'a SearchParams,
    clock: Clock<'a>,
    rng: Rng,
    stats: Stats,
    cur: Solution,
    cur_obj: Objective,
    best: Solution,
    best_obj: Objective,
    it: u64,
    it0: u64,
    main_budget: Option<u64>,
    has_fixed: bool,
    t0: f64,
    t1: f64,
    // The current run (the first, or one restarted after stagnation): its
    // best objective, where its annealing schedule starts and when it last
    // improved, all in progress units.
    run_best: Objective,
    run_start: f64,
    last_gain: f64,
    restarts: u64,
}

impl<'a> Searcher<'a> {
    /// Construction, its descent and (with fixed vehicle costs) route
    /// elimination; `start` is when the whole call started (the time limit
    /// runs from it).
    pub(crate) fn new(
        p: &'a Problem,
        prm: &'a SearchParams,
        seed: u64,
        start: Instant,
    ) -> CoreResult<Searcher<'a>> {
        let cancel = prm.cancel.as_deref();
        let clock = Clock {
            start,
            limit: prm.time_limit,
            max_it: prm.max_iterations,
            cancel,
        };
        let mut rng = Rng::new(seed);
        let mut stats = Stats::default();
        let ops = ops();
        let savings_start = prm.initial.is_empty() && savings::eligible(p);
        let mut cur = first_construct(p, prm, &mut rng, &mut stats)?;
        descend_until(
            p,
            &mut cur,
            &ops,
            prm.granular,
            &mut rng,
            &mut stats,
            Some(clock.start + prm.time_limit),
            cancel,
        );
        recreate(p, &mut cur, &mut rng, 0.0, None, &mut stats);
        let mut best = cur.clone();
        let mut best_obj = best.objective(p);
        let mut it: u64 = 0;

        let has_fixed = (0..p.n_types).any(|k| p.inp.type_fixed_cost[k] > 0);
        if has_fixed && prm.fleet_share > 0.0 {
            let fleet_clock = Clock {
                start: clock.start,
                limit: prm.time_limit.mul_f64(prm.fleet_share),
                max_it: prm
                    .max_iterations
                    .map(|m| (m as f64 * prm.fleet_share) as u64),
                cancel,
            };
            let (s, used) =
                minimise_fleet(p, best.clone(), &fleet_clock, &mut rng, prm, &mut stats, 0);
            it += used;
            let o = s.objective(p);
            if o < best_obj {
                best = s;
                best_obj = o;
            }
            cur = best.clone();
        }

        let assigned = (p.n_jobs - best.unassigned.len()).max(1) as f64;
        let route_part: i64 = best
            .routes
            .iter()
            .map(|r| r.cost - p.inp.type_fixed_cost[r.vtype] * COST_SCALE)
            .sum();
        let base = (route_part as f64 / assigned).max(1.0);
        let scale = if p.pair.iter().any(Option::is_some) {
            prm.pair_temperature
        } else {
            1.0
        };
        let cur_obj = cur.objective(p);
        let mut s = Searcher {
            p,
            prm,
            clock,
            rng,
            stats,
            cur,
            cur_obj,
            best,
            best_obj,
            it,
            it0: it,
            main_budget: prm.max_iterations.map(|m| m.saturating_sub(it)),
            has_fixed,
            t0: if savings_start {
                prm.savings_t_start.max(prm.t_end)
            } else {
                prm.t_start
            } * base
                * scale,
            t1: prm.t_end * base * scale,
            run_best: best_obj,
            run_start: 0.0,
            last_gain: 0.0,
            restarts: 0,
        };
        s.last_gain = s.progress(s.it);
        Ok(s)
    }

    /// Progress of the main loop in [0, 1]: by iterations when budgeted, else by time.
    fn progress(&self, it: u64) -> f64 {
        match self.main_budget {
            Some(m) => ((it - self.it0) as f64 / m.max(1) as f64).min(1.0),
            None => self.clock.progress(it).min(1.0),
        }
    }

    /// Whether the search is over (budget, time limit or cancel).
    pub(crate) fn done(&self) -> bool {
        self.clock.done(self.it)
    }

    /// Best objective so far.
    pub(crate) fn best_objective(&self) -> Objective {
        self.best_obj
    }

    /// Best solution so far.
    pub(crate) fn best(&self) -> &Solution {
        &self.best
    }

    /// Iterations so far (route elimination included).
    pub(crate) fn iterations(&self) -> u64 {
        self.it
    }

    /// Continue the annealed loop `cur` until the search is over or, with
    /// `until`, its iteration count reaches `until`.
    ///
    /// # Errors
    /// [`CoreError::InvalidInput`] for an invalid warm start (on a restart).
    pub(crate) fn run(&mut self, until: Option<u64>) -> CoreResult<()> {
        let p = self.p;
        let prm = self.prm;
        let ops = ops();
        let cancel = prm.cancel.as_deref();
        let deadline = self.clock.start + prm.time_limit;
        while !self.clock.done(self.it) && until.is_none_or(|u| self.it < u) {
            self.it += 1;
            let prog = self.progress(self.it);
            if self.has_fixed
                && prm.fleet_share > 0.0
                && prm.restart_after > 0.0
                && prog - self.last_gain > prm.restart_after
                && prog + prm.restart_after < 1.0
            {
                let (s, used) = restart(
                    p,
                    prm,
                    &self.clock,
                    self.it,
                    self.best.n_used(),
                    &mut self.rng,
                    &mut self.stats,
                )?;
                self.it += used;
                self.restarts += 1;
                self.cur = s;
                self.cur_obj = self.cur.objective(p);
                if self.cur_obj < self.best_obj {
                    self.best = self.cur.clone();
                    self.best_obj = self.cur_obj;
                }
                self.run_best = self.cur_obj;
                self.run_start = self.progress(self.it);
                self.last_gain = self.run_start;
                continue;
            }
            let frac = ((prog - self.run_start) / (1.0 - self.run_start).max(1e-9)).clamp(0.0, 1.0);
            let temp = self.t0 * (self.t1 / self.t0).powf(frac);
            let mut cand = self.cur.clone();
            ruin(p, &mut cand, &mut self.rng, &prm.ruin);
            recreate(
                p,
                &mut cand,
                &mut self.rng,
                prm.blink,
                None,
                &mut self.stats,
            );
            let obj = cand.objective(p);
            let threshold = self.cur_obj.cost as f64 - temp * self.rng.f64().max(1e-300).ln();
            let accept = obj.missing_required < self.cur_obj.missing_required
                || (obj.missing_required == self.cur_obj.missing_required
                    && (obj.cost as f64) < threshold);
            if accept {
                if obj < self.run_best {
                    descend_until(
                        p,
                        &mut cand,
                        &ops,
                        prm.granular,
                        &mut self.rng,
                        &mut self.stats,
                        Some(deadline),
                        cancel,
                    );
                    let o2 = cand.objective(p);
                    self.run_best = o2;
                    self.last_gain = prog;
                    if o2 < self.best_obj {
                        self.best = cand.clone();
                        self.best_obj = o2;
                    }
                    self.cur_obj = o2;
                } else {
                    self.cur_obj = obj;
                }
                self.cur = cand;
            }
        }
        Ok(())
    }

    /// Take `sol` (with objective `obj`, better than this search's best)
    /// from another search: it becomes the current and best solution, and
    /// counts as an improvement of the current run (no restart for stagnation
    /// right after). The annealing temperature and the RNG stream are kept.
    pub(crate) fn adopt(&mut self, sol: &Solution, obj: Objective) {
        self.cur = sol.clone();
        self.cur_obj = obj;
        if obj < self.best_obj {
            self.best = sol.clone();
            self.best_obj = obj;
        }
        if obj < self.run_best {
            self.run_best = obj;
        }
        self.last_gain = self.progress(self.it);
    }

    /// The result of this search alone.
    pub(crate) fn into_result(self) -> SearchResult {
        let mut res = finish(
            self.p,
            &self.best,
            self.it,
            self.clock.start.elapsed(),
            self.stats,
        );
        res.restarts = self.restarts;
        res.interrupted = self.clock.cancelled();
        res
    }

    /// Move / insertion evaluations so far.
    pub(crate) fn evaluations(&self) -> u64 {
        self.stats.evaluations
    }

    /// Restarts after stagnation so far.
    pub(crate) fn restarts(&self) -> u64 {
        self.restarts
    }

    /// Whether the cancel flag was set.
    pub(crate) fn cancelled(&self) -> bool {
        self.clock.cancelled()
    }
}

/// A fresh start after stagnation: a new construction (warm start kept),
/// its descent and route elimination down to `target` routes within
/// `fleet_share` of the remaining budget. Returns the solution and the
/// iterations used.
fn restart(
    p: &Problem,
    prm: &SearchParams,
    clock: &Clock<'_>,
    it: u64,
    target: usize,
    rng: &mut Rng,
    stats: &mut Stats,
) -> CoreResult<(Solution, u64)> {
    let mut s = construct(p, prm, rng, stats)?;
    let ops = ops();
    let deadline = clock.start + clock.limit;
    descend_until(
        p,
        &mut s,
        &ops,
        prm.granular,
        rng,
        stats,
        Some(deadline),
        clock.cancel,
    );
    recreate(p, &mut s, rng, 0.0, None, stats);
    let now = Instant::now();
    let fleet_clock = Clock {
        start: now,
        limit: deadline
            .saturating_duration_since(now)
            .mul_f64(prm.fleet_share),
        max_it: clock
            .max_it
            .map(|m| (m.saturating_sub(it) as f64 * prm.fleet_share) as u64),
        cancel: clock.cancel,
    };
    Ok(minimise_fleet(p, s, &fleet_clock, rng, prm, stats, target))
}

/// Route elimination (SISR fleet minimisation): repeatedly remove a route and
/// ruin-and-recreate, preferring solutions with fewer (or less often absent)
/// missing jobs, until every job fits again; stops early once `target`
/// routes (`0`: none) are reached.
fn minimise_fleet(
    p: &Problem,
    mut best: Solution,
    clock: &Clock<'_>,
    rng: &mut Rng,
    prm: &SearchParams,
    stats: &mut Stats,
    target: usize,
) -> (Solution, u64) {
    let mut it = 0u64;
    if best.objective(p).missing_required > 0 {
        return (best, it);
    }
    let mut absence = vec![0u64; p.n_jobs];
    let ops = ops();
    'outer: while !clock.done(it) && best.n_used() > target {
        let removable: Vec<usize> = (0..best.routes.len())
            .filter(|&r| {
                !best.routes[r].pinned
                    && best.routes[r].fixed == 0
                    && !best.routes[r].jobs.is_empty()
            })
            .collect();
        if removable.len() <= 1 {
            break;
        }
        let mut cur = best.clone();
        let r = removable[rng.below(removable.len())];
        for j in cur.routes[r].jobs.clone() {
            cur.take_out(j);
        }
        cur.refresh(p, r);
        cur.remove_empty_routes(p);
        // The removed vehicle stays unavailable: insertion must not open routes.
        let cap = cur.used_per_type.clone();
        let missing = |s: &Solution| {
            s.unassigned
                .iter()
                .filter(|&&j| p.inp.job_required[j])
                .count()
        };
        let abs_sum = |s: &Solution, a: &[u64]| {
            s.unassigned
                .iter()
                .filter(|&&j| p.inp.job_required[j])
                .map(|&j| a[j])
                .sum::<u64>()
        };
        cur.type_limit = cap;
        let fp = p;
        recreate(fp, &mut cur, rng, 0.0, Some(&absence), stats);
        while !clock.done(it) {
            if missing(&cur) == 0 {
                descend_until(
                    p,
                    &mut cur,
                    &ops,
                    prm.granular,
                    rng,
                    stats,
                    Some(clock.start + clock.limit),
                    clock.cancel,
                );
                cur.type_limit = p.inp.type_count.clone();
                best = cur;
                continue 'outer;
            }
            it += 1;
            let mut cand = cur.clone();
            ruin(fp, &mut cand, rng, &prm.ruin);
            recreate(fp, &mut cand, rng, prm.blink, Some(&absence), stats);
            for &j in &cand.unassigned {
                absence[j] += 1;
            }
            if missing(&cand) < missing(&cur) || abs_sum(&cand, &absence) < abs_sum(&cur, &absence)
            {
                cur = cand;
            }
        }
    }
    (best, it)
}

fn finish(
    p: &Problem,
    best: &Solution,
    iterations: u64,
    runtime: Duration,
    stats: Stats,
) -> SearchResult {
    let obj: Objective = best.objective(p);
    let mut routes = Vec::new();
    let mut distance = 0;
    let mut routes_ok = true;
    let mut soft_late_stops = 0;
    for r in &best.routes {
        if r.jobs.is_empty() {
            continue;
        }
        let w = walk(p, r.vtype, &r.jobs);
        routes_ok &= w.feasible();
        distance += w.dist;
        soft_late_stops += w.soft_late_stops;
        routes.push((r.vtype, r.jobs.clone()));
    }
    let mut dropped = best.unassigned.clone();
    dropped.sort_unstable();
    SearchResult {
        routes,
        dropped,
        cost: obj.cost as f64 / COST_SCALE as f64,
        cost_internal: obj.cost,
        distance,
        feasible: routes_ok && obj.missing_required == 0,
        iterations,
        runtime,
        evaluations: stats.evaluations,
        restarts: 0,
        soft_late_stops,
        interrupted: false,
        threads: 1,
        exchanges: 0,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::{solve, SearchParams};
    use crate::routing::lateness::tests::mixed;
    use crate::routing::problem::Problem;

    /// A cancel set from another thread stops a long search within milliseconds; the
    /// result is the best complete solution so far, marked interrupted.
    #[test]
    fn cancel_stops_the_search_promptly() {
        let p = Problem::new(mixed(120, 5)).unwrap();
        let cancel = Arc::new(AtomicBool::new(false));
        let prm = SearchParams {
            time_limit: Duration::from_secs(60),
            seed: 1,
            cancel: Some(Arc::clone(&cancel)),
            ..Default::default()
        };
        let setter = {
            let c = Arc::clone(&cancel);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(200));
                c.store(true, Ordering::SeqCst);
                Instant::now()
            })
        };
        let r = solve(&p, &prm).unwrap();
        let stopped_after = setter.join().unwrap().elapsed();
        assert!(r.interrupted);
        assert!(!r.routes.is_empty());
        assert!(stopped_after < Duration::from_secs(2), "{stopped_after:?}");
    }

    /// Without a cancel (or with one never set) the search is unchanged: same routes
    /// for the same seed and iteration budget, not marked interrupted.
    #[test]
    fn unset_cancel_changes_nothing() {
        let p = Problem::new(mixed(60, 2)).unwrap();
        let base = SearchParams {
            time_limit: Duration::from_secs(60),
            seed: 3,
            max_iterations: Some(300),
            ..Default::default()
        };
        let with = SearchParams {
            cancel: Some(Arc::new(AtomicBool::new(false))),
            ..base.clone()
        };
        let (a, b) = (solve(&p, &base).unwrap(), solve(&p, &with).unwrap());
        assert_eq!(a.routes, b.routes);
        assert_eq!(a.cost_internal, b.cost_internal);
        assert!(!a.interrupted && !b.interrupted);
    }
}
