//! Route segments, cheapest insertion and ruin, checked on hand-worked cases
//! and against the stop-by-stop route walk / brute force on random small cases
//! (the shared builder in `common`).

mod common;

use common::{random_case, solution, units, walk_cost, Builder, CaseOptions, Lcg};
use yunli_core::routing::insert::{self, best_pair, best_single, recreate, Insertion, Stats};
use yunli_core::routing::problem::COST_SCALE;
use yunli_core::routing::rng::Rng;
use yunli_core::routing::route::{walk, Route};
use yunli_core::routing::ruin::{ruin, RuinParams};
use yunli_core::routing::segment::Seg;
use yunli_core::routing::solution::{Solution, UNASSIGNED};
use yunli_core::routing::Problem;

// ---- segments ----------------------------------------------------------------------

#[test]
fn segment_concat_hand_checked() {
    // Service 5 in [0, 10], then 20 of travel to a visit due by 15: 10 of time warp.
    let a = Seg::node(0, 5, 0, 10);
    let late = a.concat(&Seg::node(1, 0, 0, 15), 20, 20, 1);
    assert_eq!(
        (late.dist, late.dur, late.tw, late.early, late.late),
        (20, 25, 10, 0, 0)
    );
    // The same to a visit that opens at 100: start a at 10, arrive 35, wait 65.
    let wait = a.concat(&Seg::node(1, 0, 100, 200), 20, 20, 1);
    assert_eq!(
        (wait.dist, wait.dur, wait.tw, wait.early, wait.late),
        (20, 90, 0, 10, 10)
    );
    // Loads: a delivery of 3 (on board from the depot) then a pickup of 2 peaks at 3;
    // the pickup first peaks at 5.
    let mut del = Seg::node(0, 0, 0, 100);
    del.set_load(0, 3, -3);
    let mut pick = Seg::node(1, 0, 0, 100);
    pick.set_load(0, 0, 2);
    let dp = del.concat(&pick, 1, 1, 1);
    let pd = pick.concat(&del, 1, 1, 1);
    assert_eq!((dp.max_load(0), dp.end_load(0)), (3, 2));
    assert_eq!((pd.max_load(0), pd.end_load(0)), (5, 2));
}

/// Every split of a route's segment (cached prefix + cached suffix, any middle
/// range folded) gives the same segment, and the full segment agrees with the walk.
fn check_route_segments(p: &Problem, jobs: &[usize]) {
    let r = Route::new(p, 0, jobs.to_vec());
    let n = jobs.len();
    let prof = p.profile(0);
    let full = r.fwd[n + 1];
    assert_eq!(full, r.bwd[0], "prefix and suffix caches meet");
    for i in 0..=n {
        let s = p.concat(prof, &r.fwd[i], &r.bwd[i + 1]);
        assert_eq!(s, full, "split after node {i}");
        for j in i..n {
            let mid = r.range_seg(p, prof, i + 1, j + 1);
            let s = p.concat(prof, &p.concat(prof, &r.fwd[i], &mid), &r.bwd[j + 2]);
            assert_eq!(s, full, "range {}..={}", i + 1, j + 1);
        }
    }
    let w = walk(p, 0, jobs);
    assert_eq!(
        p.seg_feasible(0, &full),
        w.feasible(),
        "feasibility of {jobs:?}"
    );
    assert_eq!(full.dist, w.dist);
    if w.feasible() {
        assert_eq!(full.dur, w.dur, "duration of {jobs:?}");
        assert_eq!(r.cost, walk_cost(p, jobs).unwrap());
    }
}

#[test]
fn route_segments_agree_with_the_walk() {
    let mut g = Lcg(3);
    let mut infeasible = 0;
    for seed in 0..200 {
        let windows = seed % 2 == 0;
        let o = CaseOptions {
            windows,
            pairs: seed % 3 == 0,
            time_cost: seed % 5 == 0,
        };
        let (p, routes) = random_case(seed, o);
        for r in &routes {
            check_route_segments(&p, r);
        }
        // The same jobs shuffled (pickups kept before their deliveries: segments
        // price windows and loads, precedence is the moves' to keep): often late or
        // overloaded, still the walk's verdict.
        let mut all: Vec<usize> = routes.concat();
        for i in (1..all.len()).rev() {
            all.swap(i, g.below(i as u64 + 1) as usize);
        }
        for i in 0..all.len() {
            if let Some(q) = p.pair[all[i]] {
                let k = all.iter().position(|&x| x == q).unwrap();
                if p.inp.is_pickup[all[i]] != (i < k) {
                    all.swap(i, k);
                }
            }
        }
        if walk_cost(&p, &all).is_none() {
            infeasible += 1;
        }
        check_route_segments(&p, &all);
    }
    assert!(
        infeasible > 20,
        "the shuffles tested infeasible routes too ({infeasible})"
    );
}

// ---- insertion ---------------------------------------------------------------------

#[test]
fn single_insertion_hand_checked() {
    // Route 0→10→30→0 (60); a job at 20 goes between them for free; a new route
    // would cost 40 + the fixed cost 5.
    let p = Builder::new((0, 0))
        .job((10, 0), 1)
        .job((30, 0), 1)
        .job((20, 0), 1)
        .fixed_cost(5)
        .build();
    let mut sol = solution(&p, &[vec![0, 1]]);
    let ins = best_single(&p, &sol, 2, &mut Rng::new(1), 0.0, &mut Stats::default()).unwrap();
    assert_eq!((ins.route, ins.after, ins.delta), (0, 1, 0));
    insert::apply(&p, &mut sol, &ins, 2, None);
    assert_eq!(sol.routes[0].jobs, vec![0, 2, 1]);
    assert!(sol.unassigned.is_empty());
    // A job at (0,50) beside a route to (10,0): a detour of 100 in the route, 100 + the
    // fixed cost 5 alone: the route wins. With no room left (capacity 1), only a new
    // route remains; with the fleet used up as well, nowhere.
    let far = Builder::new((0, 0)).job((10, 0), 1).job((0, 50), 1);
    let ins = insert_second(far.clone().fixed_cost(5)).unwrap();
    assert_eq!((ins.route, units(ins.delta)), (0, 100));
    let ins = insert_second(far.clone().fleet(2, 1)).unwrap();
    assert_eq!((ins.route, units(ins.delta)), (usize::MAX, 100));
    assert!(insert_second(far.fleet(1, 1)).is_none());
}

/// Cheapest insertion of job 1 beside the one route `[0]` of `b`'s problem.
fn insert_second(b: Builder) -> Option<Insertion> {
    let p = b.build();
    let sol = solution(&p, &[vec![0]]);
    best_single(&p, &sol, 1, &mut Rng::new(1), 0.0, &mut Stats::default())
}

/// Cheapest cost increase of inserting `js` (one job, or a pair pickup first) into
/// the solution's routes or a new route, by the walk.
fn brute_insertion(p: &Problem, sol: &Solution, js: &[usize]) -> Option<i64> {
    let mut best: Option<i64> = None;
    let mut offer = |c: Option<i64>, old: i64| {
        if let Some(c) = c {
            if best.is_none_or(|b| c - old < b) {
                best = Some(c - old);
            }
        }
    };
    for r in &sol.routes {
        let old = walk_cost(p, &r.jobs).unwrap();
        let n = r.len();
        for i in 0..=n {
            if js.len() == 1 {
                let mut jobs = r.jobs.clone();
                jobs.insert(i, js[0]);
                offer(walk_cost(p, &jobs), old);
            } else {
                for k in i..=n {
                    let mut jobs = r.jobs.clone();
                    jobs.insert(k, js[1]);
                    jobs.insert(i, js[0]);
                    offer(walk_cost(p, &jobs), old);
                }
            }
        }
    }
    if sol.used_per_type[0] < sol.type_limit[0] {
        offer(walk_cost(p, js), 0);
    }
    best
}

#[test]
fn insertion_agrees_with_brute_force() {
    let mut tried = 0;
    for seed in 0..150 {
        let o = CaseOptions {
            windows: seed % 2 == 0,
            pairs: seed % 3 != 0,
            time_cost: seed % 4 == 0,
        };
        let (p, routes) = random_case(seed, o);
        for j in 0..p.n_jobs {
            if p.pair[j].is_some() && !p.inp.is_pickup[j] {
                continue;
            }
            let js: Vec<usize> = std::iter::once(j).chain(p.pair[j]).collect();
            let rest: Vec<Vec<usize>> = routes
                .iter()
                .map(|r| r.iter().copied().filter(|x| !js.contains(x)).collect())
                .filter(|r: &Vec<usize>| !r.is_empty())
                .collect();
            let mut sol = solution(&p, &rest);
            sol.type_limit[0] = if seed % 5 == 0 {
                rest.len()
            } else {
                rest.len() + 1
            };
            let mut stats = Stats::default();
            let mut rng = Rng::new(seed);
            let ins = match p.pair[j] {
                Some(q) => best_pair(&p, &sol, j, q, &mut rng, 0.0, &mut stats),
                None => best_single(&p, &sol, j, &mut rng, 0.0, &mut stats),
            };
            let want = brute_insertion(&p, &sol, &js);
            assert_eq!(
                ins.map(|i| i.delta),
                want,
                "seed {seed}, job {j}, routes {rest:?}"
            );
            if let Some(ins) = ins {
                tried += 1;
                let before = sol.objective(&p).cost;
                insert::apply(&p, &mut sol, &ins, j, p.pair[j]);
                let after = sol.objective(&p).cost;
                // objective counts no penalty for a missing required job: compare routes only
                let routes_cost: i64 = sol.routes.iter().map(|r| r.cost).sum();
                assert_eq!(routes_cost, after);
                assert_eq!(
                    after - before,
                    ins.delta,
                    "apply changes the cost by the delta"
                );
                for r in &sol.routes {
                    assert_eq!(Some(r.cost), walk_cost(&p, &r.jobs));
                }
                assert!(js
                    .iter()
                    .all(|&x| sol.pos[x] != UNASSIGNED && !sol.unassigned.contains(&x)));
            }
        }
    }
    assert!(tried > 500, "{tried} insertions");
}

#[test]
fn recreate_inserts_every_job_feasibly() {
    for seed in 0..60 {
        let o = CaseOptions {
            windows: true,
            pairs: true,
            ..Default::default()
        };
        let (p, routes) = random_case(seed, o);
        let mut sol = solution(&p, &[]);
        sol.type_limit[0] = routes.len() + 2;
        recreate(
            &p,
            &mut sol,
            &mut Rng::new(seed),
            0.0,
            None,
            &mut Stats::default(),
        );
        // Every job routed (each fits a route of its own), each once, pairs together
        // pickup first, and every route feasible at its cached cost.
        let mut seen = vec![0; p.n_jobs];
        for (ri, r) in sol.routes.iter().enumerate() {
            assert_eq!(Some(r.cost), walk_cost(&p, &r.jobs), "seed {seed}");
            for (i, &j) in r.jobs.iter().enumerate() {
                seen[j] += 1;
                assert_eq!(sol.pos[j], (ri as u32, i as u32));
            }
        }
        if sol.unassigned.is_empty() {
            assert!(seen.iter().all(|&c| c == 1), "seed {seed}: {seen:?}");
        } else {
            // Only with the fleet used up: then the rest could not be placed.
            assert_eq!(sol.used_per_type[0], sol.type_limit[0], "seed {seed}");
        }
    }
}

// ---- ruin --------------------------------------------------------------------------

#[test]
fn ruin_removes_strings_and_keeps_the_solution_consistent() {
    let prm = RuinParams::default();
    let mut removed_total = 0;
    for seed in 0..200 {
        let o = CaseOptions {
            windows: seed % 2 == 0,
            pairs: seed % 3 == 0,
            ..Default::default()
        };
        let (p, routes) = random_case(seed, o);
        let mut sol = solution(&p, &routes);
        let before: Vec<Vec<usize>> = routes.clone();
        let n = ruin(&p, &mut sol, &mut Rng::new(seed), &prm);
        removed_total += n;
        assert!(n >= 1, "seed {seed}: a ruin removes at least the seed job");
        assert_eq!(sol.unassigned.len(), n);
        // Positions and caches are consistent; routes keep their order.
        for (ri, r) in sol.routes.iter().enumerate() {
            assert!(!r.jobs.is_empty(), "emptied routes are dropped");
            assert_eq!(Some(r.cost), walk_cost(&p, &r.jobs), "seed {seed}");
            for (i, &j) in r.jobs.iter().enumerate() {
                assert_eq!(sol.pos[j], (ri as u32, i as u32));
            }
        }
        for &j in &sol.unassigned {
            assert_eq!(sol.pos[j], UNASSIGNED);
            if let Some(q) = p.pair[j] {
                assert!(
                    sol.unassigned.contains(&q),
                    "seed {seed}: pair {j}/{q} split"
                );
            }
        }
        // Without pairs, each old route lost one string: a window of consecutive
        // positions, possibly with one kept run inside (SISR's split string).
        if p.pair.iter().any(|q| q.is_some()) {
            continue;
        }
        for old in &before {
            let gone: Vec<usize> = (0..old.len())
                .filter(|&i| sol.pos[old[i]] == UNASSIGNED)
                .collect();
            let (Some(&lo), Some(&hi)) = (gone.first(), gone.last()) else {
                continue;
            };
            let kept: Vec<usize> = (lo..=hi).filter(|i| !gone.contains(i)).collect();
            if let (Some(&a), Some(&b)) = (kept.first(), kept.last()) {
                assert_eq!(b - a + 1, kept.len(), "seed {seed}: {old:?} lost {gone:?}");
            }
        }
    }
    assert!(removed_total > 400, "{removed_total}");
}

#[test]
fn ruin_leaves_pinned_routes_and_fixed_prefixes_alone() {
    for seed in 0..100 {
        let (p, routes) = random_case(seed, CaseOptions::default());
        let mut sol = solution(&p, &routes);
        let pinned = sol.routes[0].jobs.clone();
        sol.route_mut(0).pinned = true;
        sol.route_mut(1).fixed = 1;
        sol.refresh(&p, 1);
        let head = sol.routes[1].jobs[0];
        ruin(&p, &mut sol, &mut Rng::new(seed), &RuinParams::default());
        let r0 = sol
            .routes
            .iter()
            .find(|r| r.pinned)
            .expect("the pinned route stays");
        assert_eq!(r0.jobs, pinned);
        assert!(pinned.iter().all(|&j| sol.pos[j] != UNASSIGNED));
        assert_ne!(
            sol.pos[head], UNASSIGNED,
            "seed {seed}: the fixed prefix stays"
        );
    }
}

#[test]
fn costs_are_whole_units_in_distance_only_cases() {
    // The builder's convention the operator tests rely on: one distance unit costs
    // exactly COST_SCALE internal units.
    let p = Builder::new((0, 0)).job((3, 4), 1).build();
    let r = Route::new(&p, 0, vec![0]);
    assert_eq!(r.cost, 14 * COST_SCALE);
}
