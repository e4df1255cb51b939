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
        for v in [
            &mut inp.type_count,
            &mut inp.type_capacity,
            &mut inp.type_start,
            &mut inp.type_end,
            &mut inp.type_skills,
            &mut inp.type_profile,
        ] {
            v.truncate(1);
        }
        for v in [
            &mut inp.type_fixed_cost,
            &mut inp.type_cost_per_km,
            &mut inp.type_cost_per_hour,
            &mut inp.type_max_duration,
            &mut inp.type_max_distance,
        ] {
            v.truncate(1);
        }
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
}
