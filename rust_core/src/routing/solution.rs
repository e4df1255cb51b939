//! A solution: routes, unassigned jobs, and where each job sits.

use std::sync::Arc;

use super::problem::Problem;
use super::route::Route;

/// Position of a job: route index and job position (0-based) in that route.
pub const UNASSIGNED: (u32, u32) = (u32::MAX, u32::MAX);

/// Lexicographic objective: first required jobs left out, then cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Objective {
    pub missing_required: usize,
    pub cost: i64,
}

/// Routes are shared between copies of a solution and copied on first
/// write ([`Solution::route_mut`], [`Solution::jobs_mut`]), so the search's
/// per-iteration copy of the current solution costs only the routes that
/// iteration changes.
#[derive(Clone, Debug)]
pub struct Solution {
    pub routes: Vec<Arc<Route>>,
    /// Jobs not in any route (sorted for determinism only where it matters).
    pub unassigned: Vec<usize>,
    /// `pos[j]` = (route, index in `jobs`), or [`UNASSIGNED`].
    pub pos: Vec<(u32, u32)>,
    pub used_per_type: Vec<usize>,
    /// Most routes of each type this solution may use (the fleet, or fewer
    /// while fleet minimisation holds a vehicle back).
    pub type_limit: Vec<usize>,
    /// Counts route changes: every refreshed or added route gets the next value
    /// as its [`Route::stamp`].
    pub clock: u64,
    /// Clock value at the end of the last completed local-search descent of
    /// this solution's lineage: routes whose stamp is at most `settled` are
    /// unchanged since, so no operator move between two of them improves.
    pub settled: u64,
}

impl Solution {
    /// Everything unassigned.
    pub fn empty(p: &Problem) -> Solution {
        Solution {
            routes: Vec::new(),
            unassigned: (0..p.n_jobs).collect(),
            pos: vec![UNASSIGNED; p.n_jobs],
            used_per_type: vec![0; p.n_types],
            type_limit: p.inp.type_count.clone(),
            clock: 0,
            settled: 0,
        }
    }

    pub fn objective(&self, p: &Problem) -> Objective {
        let mut cost: i64 = self.routes.iter().map(|r| r.cost).sum();
        let mut missing = 0;
        for &j in &self.unassigned {
            if p.inp.job_required[j] {
                missing += 1;
            } else {
                cost += p.drop_cost[j];
            }
        }
        Objective {
            missing_required: missing,
            cost,
        }
    }

    /// Route `r` for writing (copied first if another solution shares it).
    #[inline]
    pub fn route_mut(&mut self, r: usize) -> &mut Route {
        Arc::make_mut(&mut self.routes[r])
    }

    /// Jobs of route `r` for editing. The route's caches are stale (and, if
    /// the route was shared, empty) until [`Solution::refresh`]; a shared
    /// route is copied without its caches, which the refresh rebuilds anyway.
    #[inline]
    pub fn jobs_mut(&mut self, r: usize) -> &mut Vec<usize> {
        if Arc::get_mut(&mut self.routes[r]).is_none() {
            self.routes[r] = Arc::new(self.routes[r].without_caches());
        }
        &mut Arc::get_mut(&mut self.routes[r])
            .expect("route just made unique")
            .jobs
    }

    /// Refresh caches of route `r` and the positions of its jobs.
    pub fn refresh(&mut self, p: &Problem, r: usize) {
        self.clock += 1;
        let stamp = self.clock;
        let route = self.route_mut(r);
        route.update(p);
        route.stamp = stamp;
        for (i, &j) in self.routes[r].jobs.iter().enumerate() {
            self.pos[j] = (r as u32, i as u32);
        }
    }

    /// Append a new route; returns its index.
    pub fn add_route(&mut self, p: &Problem, vtype: usize, jobs: Vec<usize>) -> usize {
        self.used_per_type[vtype] += 1;
        let r = self.routes.len();
        for (i, &j) in jobs.iter().enumerate() {
            self.pos[j] = (r as u32, i as u32);
        }
        self.clock += 1;
        let mut route = Route::new(p, vtype, jobs);
        route.stamp = self.clock;
        self.routes.push(Arc::new(route));
        r
    }

    /// Drop empty routes that carry no fixed part (keeps positions valid).
    pub fn remove_empty_routes(&mut self, p: &Problem) {
        let mut r = 0;
        while r < self.routes.len() {
            let rt = &self.routes[r];
            if rt.jobs.is_empty() && rt.fixed == 0 && !rt.pinned {
                self.used_per_type[rt.vtype] -= 1;
                self.routes.swap_remove(r);
                if r < self.routes.len() {
                    for (i, &j) in self.routes[r].jobs.iter().enumerate() {
                        self.pos[j] = (r as u32, i as u32);
                    }
                }
            } else {
                r += 1;
            }
        }
        let _ = p;
    }

    /// Remove job `j` from its route (caches of that route are NOT refreshed;
    /// call [`Solution::refresh`] on the returned route after a batch).
    pub fn take_out(&mut self, j: usize) -> usize {
        let (r, i) = self.pos[j];
        let (r, i) = (r as usize, i as usize);
        self.jobs_mut(r).remove(i);
        for (k, &o) in self.routes[r].jobs.iter().enumerate().skip(i) {
            self.pos[o] = (r as u32, k as u32);
        }
        self.pos[j] = UNASSIGNED;
        self.unassigned.push(j);
        r
    }

    /// Number of routes with at least one job.
    pub fn n_used(&self) -> usize {
        self.routes.iter().filter(|r| !r.jobs.is_empty()).count()
    }
}
