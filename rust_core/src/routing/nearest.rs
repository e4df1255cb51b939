//! A fast starting solution for large problems: nearest-neighbour routes over
//! the neighbour lists, `O(J · MAX_NEIGHBOURS)` evaluations, instead of the
//! cheapest insertion's `O(J²)` (15 s of CPU at 10,000 stops, minutes at
//! 50,000). Given to the search as its warm start, which completes it by
//! cheapest insertion (pickup–delivery pairs and whatever it left out).

use super::problem::Problem;
use super::route::walk;
use super::segment::Seg;

/// Routes `(vehicle type, jobs)` built greedily: a route starts at the
/// unrouted job farthest from the type's depot and repeatedly appends the
/// nearest unrouted job (from the start job's neighbour list, in distance
/// order) that keeps it feasible; it closes when none of them fits. Types are
/// used in order while vehicles remain. Paired jobs are left out.
pub fn nearest_neighbour_routes(p: &Problem) -> Vec<(usize, Vec<usize>)> {
    let nj = p.n_jobs;
    // On a route, or a pickup–delivery job (left to the search).
    let mut taken: Vec<bool> = (0..nj).map(|j| p.pair[j].is_some()).collect();
    let mut routes = Vec::new();
    for k in 0..p.n_types {
        // `taken`, plus jobs this type cannot serve alone.
        let mut routed = taken.clone();
        let depot = p.inp.type_start[k];
        let mut far: Vec<usize> = (0..nj)
            .filter(|&j| !routed[j] && p.can_serve(k, j))
            .collect();
        far.sort_by_key(|&j| (std::cmp::Reverse(p.dist(depot, p.job_loc(j))), j));
        let mut next_far = 0;
        let prof = p.profile(k);
        let exact_type = p.type_has_breaks(k);
        let mut used = 0;
        while used < p.inp.type_count[k] {
            while next_far < far.len() && routed[far[next_far]] {
                next_far += 1;
            }
            let Some(&first) = far.get(next_far) else {
                break;
            };
            let mut jobs = vec![first];
            let mut acc: Seg = p.concat(prof, &p.start_seg[k], &p.job_seg[first]);
            let mut exact = exact_type || p.job_multi_tw[first];
            let fits = |jobs: &[usize], acc: &Seg, exact: bool| {
                let full = p.concat(prof, acc, &p.end_seg[k]);
                p.seg_feasible(k, &full) && (!exact || walk(p, k, jobs).feasible())
            };
            if !fits(&jobs, &acc, exact) {
                // Cannot be served alone by this type: leave it to the search.
                routed[first] = true;
                continue;
            }
            routed[first] = true;
            let mut last = first;
            loop {
                let mut chosen = None;
                for &o in &p.neighbours[last] {
                    let o = o as usize;
                    if routed[o] || !p.can_serve(k, o) {
                        continue;
                    }
                    let s = p.concat(prof, &acc, &p.job_seg[o]);
                    let ex = exact || p.job_multi_tw[o];
                    jobs.push(o);
                    let ok = fits(&jobs, &s, ex);
                    jobs.pop();
                    if ok {
                        chosen = Some((o, s, ex));
                        break;
                    }
                }
                let Some((o, s, ex)) = chosen else { break };
                jobs.push(o);
                routed[o] = true;
                acc = s;
                exact = ex;
                last = o;
            }
            for &j in &jobs {
                taken[j] = true;
            }
            routes.push((k, jobs));
            used += 1;
        }
    }
    routes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::lateness::tests::mixed;
    use crate::routing::route::walk;

    /// Every route is feasible, no job appears twice, pairs are left out.
    #[test]
    fn routes_are_feasible_and_disjoint() {
        let p = Problem::new(mixed(120, 3)).unwrap();
        let routes = nearest_neighbour_routes(&p);
        let mut seen = vec![false; p.n_jobs];
        let mut count = vec![0; p.n_types];
        for (k, jobs) in &routes {
            assert!(walk(&p, *k, jobs).feasible());
            count[*k] += 1;
            for &j in jobs {
                assert!(!seen[j] && p.pair[j].is_none());
                seen[j] = true;
            }
        }
        assert!((0..p.n_types).all(|k| count[k] <= p.inp.type_count[k]));
        let singles = (0..p.n_jobs).filter(|&j| p.pair[j].is_none()).count();
        assert!(seen.iter().filter(|&&s| s).count() * 10 >= singles * 9);
    }
}
