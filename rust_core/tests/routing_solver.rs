//! End-to-end checks of the routing search core on random instances: every
//! returned solution is re-checked here by an independent stop-by-stop
//! evaluation (windows, capacities per dimension, pairs, skills, fleet size,
//! duration and distance limits) and its cost recomputed from the routes.

#![allow(clippy::needless_range_loop)]

use std::time::Duration;

use yunli_core::routing::{solve, InitialRoute, Problem, ProblemInput, SearchParams, SearchResult};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self, m: i64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % m as u64) as i64
    }
}

#[derive(Clone, Copy)]
struct Flavor {
    tw: bool,
    pairs: bool,
    hetero: bool,
    dims: usize,
    optional: bool,
    multi_tw: bool,
    limits: bool,
}

fn instance(n: usize, seed: u64, f: Flavor) -> ProblemInput {
    let mut g = Lcg(seed);
    let l = n + 2;
    let pts: Vec<(i64, i64)> = (0..l).map(|_| (g.next(1000), g.next(1000))).collect();
    let mut distance = vec![0; l * l];
    for i in 0..l {
        for j in 0..l {
            let d = (((pts[i].0 - pts[j].0).pow(2) + (pts[i].1 - pts[j].1).pow(2)) as f64).sqrt();
            distance[i * l + j] = d.round() as i64;
        }
    }
    let durations: Vec<i64> = distance
        .iter()
        .chain(distance.iter())
        .map(|&d| d * 2)
        .collect();
    let nd = f.dims;
    let horizon = 20_000;
    let mut inp = ProblemInput {
        distance,
        durations,
        n_locations: l,
        n_dims: nd,
        ..Default::default()
    };
    for j in 0..n {
        inp.job_location.push(2 + j);
        for _ in 0..nd {
            inp.job_delivery.push(g.next(10) + 1);
            inp.job_pickup.push(if f.pairs { 0 } else { g.next(3) });
        }
        inp.job_service.push(g.next(100));
        if f.tw {
            let a = g.next(horizon - 4000);
            if f.multi_tw && j % 3 == 0 {
                inp.job_tw.push(vec![(a, a + 800), (a + 2000, a + 3000)]);
            } else {
                inp.job_tw.push(vec![(a, a + 1500 + g.next(2000))]);
            }
        } else {
            inp.job_tw.push(vec![(0, horizon)]);
        }
        inp.job_skills
            .push(if f.hetero && j % 5 == 0 { 1 } else { 0 });
        let optional = f.optional && j % 4 == 1;
        inp.job_required.push(!optional);
        inp.job_penalty
            .push(if optional { 300 + g.next(1500) } else { 0 });
        inp.job_priority.push(0);
        inp.pair_of.push(-1);
        inp.is_pickup.push(false);
    }
    if f.pairs {
        for j in (0..n - 1).step_by(2) {
            let q = j + 1;
            inp.pair_of[j] = q as i64;
            inp.pair_of[q] = j as i64;
            inp.is_pickup[j] = true;
            for d in 0..nd {
                let amt = inp.job_delivery[j * nd + d];
                inp.job_pickup[j * nd + d] = amt;
                inp.job_delivery[j * nd + d] = 0;
                inp.job_delivery[q * nd + d] = amt;
                inp.job_pickup[q * nd + d] = 0;
            }
            inp.job_required[q] = inp.job_required[j];
            inp.job_penalty[q] = inp.job_penalty[j];
            inp.job_skills[q] = inp.job_skills[j];
            // Window of the delivery after the pickup's.
            let a = inp.job_tw[j][0].0;
            inp.job_tw[q] = vec![(a, horizon)];
        }
    }
    let types = if f.hetero { 2 } else { 1 };
    for k in 0..types {
        inp.type_count.push(n);
        for _ in 0..nd {
            inp.type_capacity.push(if k == 0 { 40 } else { 70 });
        }
        inp.type_start.push(k);
        inp.type_end.push(if f.hetero { 1 } else { 0 });
        inp.type_fixed_cost
            .push(if f.hetero { 100 * (k as i64 + 1) } else { 0 });
        inp.type_cost_per_km.push(if k == 0 { 1000 } else { 1500 });
        inp.type_cost_per_hour.push(0);
        inp.type_tw.push((0, horizon));
        inp.type_max_duration
            .push(if f.limits { 8000 } else { i64::MAX / 4 });
        inp.type_max_distance
            .push(if f.limits { 4000 } else { i64::MAX / 4 });
        inp.type_skills
            .push(if k == 1 || !f.hetero { 1 } else { 0 });
        inp.type_profile.push(k);
        inp.type_breaks.push(Vec::new());
    }
    inp
}

/// Independent route check: earliest-departure walk. Returns the route's distance.
fn check_route(inp: &ProblemInput, k: usize, jobs: &[usize]) -> Result<i64, String> {
    let l = inp.n_locations;
    let nd = inp.n_dims;
    let prof = inp.type_profile[k];
    let tt = |a: usize, b: usize| inp.durations[prof * l * l + a * l + b];
    let dd = |a: usize, b: usize| inp.distance[a * l + b];
    let mut loc = inp.type_start[k];
    let mut t = inp.type_tw[k].0;
    let mut dist = 0;
    let mut load: Vec<i64> = (0..nd)
        .map(|d| {
            jobs.iter()
                .filter(|&&j| inp.pair_of[j] < 0)
                .map(|&j| inp.job_delivery[j * nd + d])
                .sum()
        })
        .collect();
    let cap = &inp.type_capacity[k * nd..(k + 1) * nd];
    let over = |load: &[i64]| (0..nd).any(|d| load[d] > cap[d]);
    if over(&load) {
        return Err("overloaded at start".into());
    }
    for (i, &j) in jobs.iter().enumerate() {
        if inp.job_skills[j] & !inp.type_skills[k] != 0 {
            return Err(format!("job {j}: missing skill"));
        }
        let jl = inp.job_location[j];
        dist += dd(loc, jl);
        t += tt(loc, jl);
        let w = inp.job_tw[j]
            .iter()
            .find(|w| w.1 >= t)
            .ok_or(format!("job {j}: late at {t}"))?;
        t = t.max(w.0) + inp.job_service[j];
        if inp.pair_of[j] >= 0 {
            let q = inp.pair_of[j] as usize;
            let qi = jobs
                .iter()
                .position(|&x| x == q)
                .ok_or(format!("job {j}: partner elsewhere"))?;
            if inp.is_pickup[j] != (qi > i) {
                return Err(format!("job {j}: pair order"));
            }
            for d in 0..nd {
                load[d] += if inp.is_pickup[j] {
                    inp.job_pickup[j * nd + d]
                } else {
                    -inp.job_delivery[j * nd + d]
                };
            }
        } else {
            for d in 0..nd {
                load[d] += inp.job_pickup[j * nd + d] - inp.job_delivery[j * nd + d];
            }
        }
        if over(&load) {
            return Err(format!("overloaded after job {j}"));
        }
        loc = jl;
    }
    let end = inp.type_end[k];
    dist += dd(loc, end);
    t += tt(loc, end);
    if t > inp.type_tw[k].1 {
        return Err("back late".into());
    }
    if dist > inp.type_max_distance[k] {
        return Err("too long".into());
    }
    // Earliest departure may wait needlessly: the duration limit holds if
    // some departure time within the shift meets it (brute force over all).
    if t - inp.type_tw[k].0 > inp.type_max_duration[k] {
        let ok = (inp.type_tw[k].0..=inp.type_tw[k].1).any(|depart| {
            let mut t2 = depart;
            let mut loc2 = inp.type_start[k];
            for &j in jobs {
                t2 += tt(loc2, inp.job_location[j]);
                match inp.job_tw[j].iter().find(|w| w.1 >= t2) {
                    Some(w) => t2 = t2.max(w.0) + inp.job_service[j],
                    None => return false,
                }
                loc2 = inp.job_location[j];
            }
            t2 += tt(loc2, end);
            t2 <= inp.type_tw[k].1 && t2 - depart <= inp.type_max_duration[k]
        });
        if !ok {
            return Err(format!(
                "duration {} over limit at every departure",
                t - inp.type_tw[k].0
            ));
        }
    }
    Ok(dist)
}

fn check_solution(inp: &ProblemInput, res: &SearchResult) {
    let n = inp.job_location.len();
    let mut seen = vec![0; n];
    let mut used = vec![0; inp.type_count.len()];
    let mut cost = 0i64; // in 1/1000 cost units
    for (k, jobs) in &res.routes {
        used[*k] += 1;
        assert!(!jobs.is_empty());
        for &j in jobs {
            seen[j] += 1;
        }
        let d =
            check_route(inp, *k, jobs).unwrap_or_else(|e| panic!("type {k} route {jobs:?}: {e}"));
        cost += inp.type_fixed_cost[*k] * 1000 + inp.type_cost_per_km[*k] * d;
    }
    for &j in &res.dropped {
        seen[j] += 1;
        if res.feasible {
            assert!(
                !inp.job_required[j],
                "required job {j} dropped in a feasible solution"
            );
        }
        cost += inp.job_penalty[j] * 1000;
    }
    assert!(seen.iter().all(|&c| c == 1), "every job exactly once");
    for k in 0..used.len() {
        assert!(used[k] <= inp.type_count[k]);
    }
    assert!(
        (res.cost * 1000.0 - cost as f64).abs() < 1e-6 * cost.max(1) as f64 + 1e-3,
        "cost {} vs {}",
        res.cost,
        cost
    );
}

fn run(inp: &ProblemInput, seed: u64, iters: u64) -> SearchResult {
    let p = Problem::new(inp.clone()).unwrap();
    let prm = SearchParams {
        time_limit: Duration::from_secs(30),
        seed,
        max_iterations: Some(iters),
        ..Default::default()
    };
    solve(&p, &prm).unwrap()
}

const PLAIN: Flavor = Flavor {
    tw: false,
    pairs: false,
    hetero: false,
    dims: 1,
    optional: false,
    multi_tw: false,
    limits: false,
};

#[test]
fn cvrp_solutions_are_feasible() {
    for s in 0..3 {
        let inp = instance(60, s, PLAIN);
        let res = run(&inp, s, 300);
        assert!(res.feasible);
        check_solution(&inp, &res);
    }
}

#[test]
fn vrptw_with_multi_windows_and_limits() {
    let f = Flavor {
        tw: true,
        multi_tw: true,
        limits: true,
        dims: 2,
        ..PLAIN
    };
    for s in 0..3 {
        let inp = instance(50, 10 + s, f);
        let res = run(&inp, s, 300);
        check_solution(&inp, &res);
    }
}

#[test]
fn pickup_delivery_pairs_hetero_fleet_optional_jobs() {
    let f = Flavor {
        tw: true,
        pairs: true,
        hetero: true,
        optional: true,
        dims: 2,
        ..PLAIN
    };
    for s in 0..3 {
        let inp = instance(40, 20 + s, f);
        let res = run(&inp, s, 300);
        check_solution(&inp, &res);
        assert!(res.feasible);
    }
}

#[test]
fn deterministic_for_seed_and_budget() {
    let f = Flavor { tw: true, ..PLAIN };
    let inp = instance(50, 7, f);
    let a = run(&inp, 3, 200);
    let b = run(&inp, 3, 200);
    assert_eq!(a.routes, b.routes);
    assert_eq!(a.cost_internal, b.cost_internal);
}

#[test]
fn search_improves_on_construction() {
    let inp = instance(80, 5, PLAIN);
    let short = run(&inp, 1, 1);
    let long = run(&inp, 1, 2000);
    assert!(long.cost < short.cost, "{} !< {}", long.cost, short.cost);
}

#[test]
fn warm_start_keeps_fixed_prefix_and_pinned_route() {
    let inp = instance(40, 9, Flavor { tw: true, ..PLAIN });
    let first = run(&inp, 1, 200);
    let p = Problem::new(inp.clone()).unwrap();
    let mut initial: Vec<InitialRoute> = first
        .routes
        .iter()
        .map(|(k, jobs)| InitialRoute {
            vtype: *k,
            jobs: jobs.clone(),
            fixed: jobs.len().min(2),
            pinned: false,
            settled: false,
        })
        .collect();
    initial[0].pinned = true;
    let prm = SearchParams {
        time_limit: Duration::from_secs(30),
        seed: 4,
        max_iterations: Some(300),
        initial: initial.clone(),
        ..Default::default()
    };
    let res = solve(&p, &prm).unwrap();
    check_solution(&inp, &res);
    assert!(res.cost <= first.cost + 1e-9);
    assert!(
        res.routes.iter().any(|(_, jobs)| *jobs == initial[0].jobs),
        "pinned route unchanged"
    );
    for ir in &initial[1..] {
        let prefix = &ir.jobs[..ir.fixed];
        assert!(
            res.routes
                .iter()
                .any(|(k, jobs)| *k == ir.vtype && jobs.starts_with(prefix)),
            "fixed prefix {prefix:?} kept"
        );
    }
}

#[test]
fn partial_warm_start_is_completed() {
    let inp = instance(30, 11, PLAIN);
    let p = Problem::new(inp.clone()).unwrap();
    let prm = SearchParams {
        time_limit: Duration::from_secs(30),
        seed: 1,
        max_iterations: Some(50),
        initial: vec![InitialRoute {
            vtype: 0,
            jobs: vec![3, 1, 2],
            fixed: 1,
            pinned: false,
            settled: false,
        }],
        ..Default::default()
    };
    let res = solve(&p, &prm).unwrap();
    assert!(res.feasible);
    check_solution(&inp, &res);
    assert!(res.routes.iter().any(|(_, jobs)| jobs[0] == 3));
}

#[test]
fn unservable_job_is_dropped_and_reported() {
    let mut inp = instance(20, 2, PLAIN);
    inp.job_delivery[4] = 1000; // heavier than any vehicle
    let res = run(&inp, 1, 50);
    assert!(!res.feasible);
    assert_eq!(res.dropped, vec![4]);
    check_solution(&inp, &res);
}

#[test]
fn bad_warm_start_is_rejected() {
    let inp = instance(10, 2, PLAIN);
    let p = Problem::new(inp).unwrap();
    let prm = SearchParams {
        max_iterations: Some(5),
        initial: vec![InitialRoute {
            vtype: 0,
            jobs: vec![1, 1],
            fixed: 0,
            pinned: false,
            settled: false,
        }],
        ..Default::default()
    };
    assert!(solve(&p, &prm).is_err());
}

#[test]
fn allowed_type_and_disruption_cost_are_respected() {
    let f = Flavor {
        hetero: true,
        ..PLAIN
    };
    let mut inp = instance(30, 13, f);
    let n = inp.job_location.len();
    // Jobs 0..5 may only ride type 1; every job's home is type 0 with a cost
    // high enough that no job leaves it unless forced.
    inp.job_allowed_type = (0..n).map(|j| if j < 5 { 1 } else { -1 }).collect();
    for j in 0..n {
        inp.job_skills[j] = 0;
    }
    inp.job_home_type = vec![0; n];
    inp.job_disruption_cost = vec![1_000_000; n];
    let res = run(&inp, 1, 300);
    assert!(res.feasible);
    for (k, jobs) in &res.routes {
        for &j in jobs {
            if j < 5 {
                assert_eq!(*k, 1, "job {j} must ride type 1");
            } else {
                assert_eq!(*k, 0, "job {j} must stay on its home type");
            }
        }
    }
    let forced: f64 = 5.0 * 1_000_000.0;
    assert!(res.cost >= forced);
}

#[test]
fn restarts_keep_warm_start_and_determinism() {
    // Frequent restarts (every 5% of the budget without improvement) on a
    // pickup–delivery instance with fixed vehicle costs: every restart
    // rebuilds from the warm start, so the pinned route and fixed prefixes
    // survive, and the run stays reproducible for a seed and budget.
    let f = Flavor {
        tw: true,
        pairs: true,
        hetero: true,
        ..PLAIN
    };
    let inp = instance(40, 31, f);
    let first = run(&inp, 2, 200);
    assert!(first.feasible);
    let p = Problem::new(inp.clone()).unwrap();
    let mut initial: Vec<InitialRoute> = first
        .routes
        .iter()
        .map(|(k, jobs)| {
            // Fix the leading jobs up to the first point where no pair is open.
            let mut open = 0i64;
            let mut fixed = 0;
            for (i, &j) in jobs.iter().enumerate().take(4) {
                open += if inp.is_pickup[j] { 1 } else { -1 };
                if open == 0 {
                    fixed = i + 1;
                }
            }
            InitialRoute {
                vtype: *k,
                jobs: jobs.clone(),
                fixed,
                pinned: false,
                settled: false,
            }
        })
        .collect();
    initial[0].pinned = true;
    let solve_once = || {
        let prm = SearchParams {
            time_limit: Duration::from_secs(30),
            seed: 5,
            max_iterations: Some(600),
            initial: initial.clone(),
            restart_after: 0.05,
            ..Default::default()
        };
        solve(&p, &prm).unwrap()
    };
    let a = solve_once();
    let b = solve_once();
    assert_eq!(a.routes, b.routes);
    assert_eq!(a.cost_internal, b.cost_internal);
    assert!(a.restarts > 0, "the restart path was not exercised");
    check_solution(&inp, &a);
    assert!(a.feasible);
    assert!(a.cost <= first.cost + 1e-9);
    assert!(a.routes.iter().any(|(_, jobs)| *jobs == initial[0].jobs));
    for ir in &initial[1..] {
        let prefix = &ir.jobs[..ir.fixed];
        assert!(a
            .routes
            .iter()
            .any(|(k, jobs)| *k == ir.vtype && jobs.starts_with(prefix)));
    }
}

#[test]
fn settled_routes_skip_the_first_descent_between_them() {
    // A solved plan with every route rotated (its first job moved to its end): still
    // feasible (no windows), and the descent improves it, unless the routes are declared
    // settled (then only ruin-and-recreate iterations, none here, would change them).
    let inp = instance(30, 11, PLAIN);
    let p = Problem::new(inp.clone()).unwrap();
    let solved = run(&inp, 1, 300);
    let rotated: Vec<(usize, Vec<usize>)> = solved
        .routes
        .iter()
        .map(|(k, jobs)| {
            let mut j = jobs.clone();
            j.rotate_left(1);
            (*k, j)
        })
        .collect();
    let run_with = |settled: bool| {
        let prm = SearchParams {
            time_limit: Duration::from_secs(30),
            seed: 3,
            max_iterations: Some(0),
            initial: rotated
                .iter()
                .map(|(k, jobs)| InitialRoute {
                    vtype: *k,
                    jobs: jobs.clone(),
                    fixed: 0,
                    pinned: false,
                    settled,
                })
                .collect(),
            ..Default::default()
        };
        solve(&p, &prm).unwrap()
    };
    let loose = run_with(false);
    let kept = run_with(true);
    check_solution(&inp, &loose);
    check_solution(&inp, &kept);
    assert!(loose.evaluations > kept.evaluations);
    assert!(
        loose.cost < kept.cost,
        "the descent improved the unsettled start"
    );
    let mut got = kept.routes.clone();
    let mut start = rotated.clone();
    start.sort();
    got.sort();
    assert_eq!(got, start, "settled routes left as they were");
}
