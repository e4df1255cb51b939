//! Clarke–Wright savings over the granular neighbour lists: the starting
//! solution for large single-type problems (capacitated, with at most one
//! time window per job), where cheapest insertion followed by a descent
//! leaves a local optimum far above what the savings merges reach.
//! `O(J · K log(J · K))` for `K` neighbours per job; each merge is checked in
//! O(1) by concatenating the two routes' cached segments.

use super::problem::Problem;
use super::segment::Seg;

/// Jobs at or above which the search starts from savings (when eligible):
/// the standard benchmark sets (at most 300 jobs) keep cheapest insertion.
pub const SAVINGS_FROM_JOBS: usize = 400;

/// Neighbours per job whose merges are considered.
const SAVINGS_NEIGHBOURS: usize = 40;

/// Whether [`savings_routes`] applies to `p`: one vehicle type without
/// breaks, every job required and servable by it alone with one time
/// window, no pickup–delivery pairs, no live re-planning terms.
pub fn eligible(p: &Problem) -> bool {
    p.n_types == 1
        && p.n_jobs >= SAVINGS_FROM_JOBS
        && !p.type_has_breaks(0)
        && !p.has_soft
        && !p.has_disruption
        && !p.has_allowed_type
        && (0..p.n_jobs).all(|j| {
            p.pair[j].is_none() && !p.job_multi_tw[j] && p.inp.job_required[j] && p.can_serve(0, j)
        })
}

/// Routes `(vehicle type 0, jobs)` merged greedily by decreasing saving
/// `d(i, end) + d(start, j) - d(i, j)` for `j` among the nearest neighbours
/// of `i` (route ending at `i` followed by the route starting at `j`), when
/// the merged route is feasible. Jobs that cannot be served alone are left
/// out; if more routes result than vehicles, the smallest are left out too
/// (the search's cheapest insertion places whatever is left out).
pub fn savings_routes(p: &Problem) -> Vec<(usize, Vec<usize>)> {
    let nj = p.n_jobs;
    let k = 0;
    let prof = p.profile(k);
    let (start, end) = (p.inp.type_start[k], p.inp.type_end[k]);
    let feasible = |s: &Seg| {
        let full = p.concat(prof, &p.concat(prof, &p.start_seg[k], s), &p.end_seg[k]);
        p.seg_feasible(k, &full)
    };
    // Route of each job (by its head job), next job, and per head: tail and segment.
    let mut head_of: Vec<usize> = (0..nj).collect();
    let mut next: Vec<usize> = vec![usize::MAX; nj];
    let mut tail: Vec<usize> = (0..nj).collect();
    let mut seg: Vec<Seg> = p.job_seg.clone();
    let mut alive: Vec<bool> = (0..nj).map(|j| feasible(&p.job_seg[j])).collect();
    let mut cands: Vec<(i64, u32, u32)> = Vec::with_capacity(nj * SAVINGS_NEIGHBOURS);
    for i in 0..nj {
        if !alive[i] {
            continue;
        }
        let li = p.job_loc(i);
        let to_end = p.dist(li, end);
        for &v in p.neighbours[i].iter().take(SAVINGS_NEIGHBOURS) {
            let v = v as usize;
            if !alive[v] {
                continue;
            }
            let lv = p.job_loc(v);
            let s = to_end + p.dist(start, lv) - p.dist(li, lv);
            if s > 0 {
                cands.push((s, i as u32, v as u32));
            }
        }
    }
    cands.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for &(_, i, v) in &cands {
        let (i, v) = (i as usize, v as usize);
        let (a, b) = (head_of[i], head_of[v]);
        // i must end its route, v start another.
        if a == b || tail[a] != i || b != v {
            continue;
        }
        let merged = p.concat(prof, &seg[a], &seg[b]);
        if !feasible(&merged) {
            continue;
        }
        next[i] = v;
        tail[a] = tail[b];
        seg[a] = merged;
        alive[b] = false;
        let mut x = v;
        while x != usize::MAX {
            head_of[x] = a;
            x = next[x];
        }
    }
    let mut routes: Vec<Vec<usize>> = Vec::new();
    for h in 0..nj {
        if alive[h] && head_of[h] == h {
            let mut jobs = Vec::new();
            let mut x = h;
            while x != usize::MAX {
                jobs.push(x);
                x = next[x];
            }
            routes.push(jobs);
        }
    }
    let limit = p.inp.type_count[k];
    if routes.len() > limit {
        routes.sort_by_key(|r| std::cmp::Reverse(r.len()));
        routes.truncate(limit);
    }
    routes.into_iter().map(|r| (k, r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::lateness::tests::mixed;
    use crate::routing::route::walk;

    /// [`mixed`]'s time-windowed jobs with one window each and no pairs, one
    /// vehicle type.
    fn single_type(n: usize) -> Problem {
        let mut inp = mixed(n, 7);
        for j in 0..n {
            inp.pair_of[j] = -1;
            inp.is_pickup[j] = false;
            inp.job_delivery[j] = inp.job_delivery[j].max(1);
            inp.job_pickup[j] = 0;
            inp.job_tw[j].truncate(1);
            inp.job_tw[j][0].1 = inp.job_tw[j][0].1.max(inp.job_tw[j][0].0 + 4000);
        }
        inp.type_count.truncate(1);
        inp.type_capacity.truncate(1);
        inp.type_start.truncate(1);
        inp.type_end.truncate(1);
        inp.type_skills.truncate(1);
        inp.type_profile.truncate(1);
        inp.type_fixed_cost.truncate(1);
        inp.type_cost_per_km.truncate(1);
        inp.type_cost_per_hour.truncate(1);
        inp.type_max_duration.truncate(1);
        inp.type_max_distance.truncate(1);
        inp.type_tw.truncate(1);
        inp.type_tw[0] = (0, 60_000);
        inp.type_breaks.truncate(1);
        Problem::new(inp).unwrap()
    }

    /// Every route is feasible, every job is routed exactly once, and there are
    /// far fewer routes than jobs.
    #[test]
    fn savings_routes_are_feasible_and_complete() {
        let p = single_type(450);
        assert!(eligible(&p));
        let routes = savings_routes(&p);
        let mut seen = vec![false; p.n_jobs];
        for (k, jobs) in &routes {
            assert!(walk(&p, *k, jobs).feasible());
            for &j in jobs {
                assert!(!seen[j]);
                seen[j] = true;
            }
        }
        assert!(seen.iter().all(|&s| s));
        assert!(routes.len() * 5 < p.n_jobs);
    }

    /// The descent's skipping of route pairs unchanged since they were last
    /// tested changes nothing: after a ruin and recreate of a locally optimal
    /// solution, the descent that trusts the settled routes and one that
    /// re-tests every pair (settled forgotten) make the same moves.
    #[test]
    fn skipping_unchanged_route_pairs_changes_no_move() {
        use crate::routing::insert::{recreate, Stats};
        use crate::routing::ops::descend;
        use crate::routing::rng::Rng;
        use crate::routing::ruin::{ruin, RuinParams};
        use crate::routing::search::{construct, ops, SearchParams};

        let p = single_type(450);
        let (mut rng, mut stats) = (Rng::new(5), Stats::default());
        let mut sol = construct(&p, &SearchParams::default(), &mut rng, &mut stats).unwrap();
        descend(&p, &mut sol, &ops(), 20, &mut rng, &mut stats, None);
        assert_eq!(sol.settled, sol.clock);
        for round in 0..5 {
            ruin(&p, &mut sol, &mut rng, &RuinParams::default());
            recreate(&p, &mut sol, &mut rng, 0.0, None, &mut stats);
            let mut full = sol.clone();
            full.settled = 0;
            let (mut r1, mut r2) = (Rng::new(round), Rng::new(round));
            let (mut s1, mut s2) = (Stats::default(), Stats::default());
            let m1 = descend(&p, &mut sol, &ops(), 20, &mut r1, &mut s1, None);
            let m2 = descend(&p, &mut full, &ops(), 20, &mut r2, &mut s2, None);
            assert_eq!(m1, m2);
            let jobs = |s: &crate::routing::solution::Solution| {
                s.routes.iter().map(|r| r.jobs.clone()).collect::<Vec<_>>()
            };
            assert_eq!(jobs(&sol), jobs(&full));
            assert!(
                s1.evaluations < s2.evaluations,
                "{} {}",
                s1.evaluations,
                s2.evaluations
            );
        }
    }

    /// The search starts eligible problems from the savings routes: its first
    /// solution is feasible and complete.
    #[test]
    fn search_from_savings_is_feasible() {
        use crate::routing::search::{solve, SearchParams};
        let p = single_type(450);
        let r = solve(
            &p,
            &SearchParams {
                max_iterations: Some(50),
                time_limit: std::time::Duration::from_secs(60),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(r.feasible);
        assert_eq!(r.routes.iter().map(|r| r.1.len()).sum::<usize>(), p.n_jobs);
    }
}
