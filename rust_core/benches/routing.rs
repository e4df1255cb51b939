//! Speed of the routing core (plain harness, `cargo bench --bench routing`):
//! move evaluations per second per operator, one full granular local-search
//! descent, and ruin-and-recreate iterations per second (a fixed iteration
//! budget through `solve`), on seeded random 1,000-customer CVRP, VRPTW and
//! pickup–delivery (500 pairs) instances. Rates are per second of this
//! thread's CPU time, so a busy shared machine disturbs them less than wall
//! time would (caches are still shared).

use std::time::Duration;

use yunli_core::routing::insert::Stats;
use yunli_core::routing::ops::descend;
use yunli_core::routing::rng::Rng;
use yunli_core::routing::search::{construct, ops};
use yunli_core::routing::{solve, Problem, ProblemInput, SearchParams};

/// CPU time of the calling thread, in seconds.
fn cpu_now() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Cvrp,
    Vrptw,
    Pdptw,
}

fn instance(n: usize, kind: Kind, seed: u64) -> Problem {
    let mut rng = Rng::new(seed);
    let l = n + 1;
    let pts: Vec<(f64, f64)> = (0..l)
        .map(|_| (rng.f64() * 1000.0, rng.f64() * 1000.0))
        .collect();
    let mut distance = vec![0; l * l];
    for i in 0..l {
        for j in 0..l {
            let d = ((pts[i].0 - pts[j].0).powi(2) + (pts[i].1 - pts[j].1).powi(2)).sqrt();
            distance[i * l + j] = d.round() as i64;
        }
    }
    let horizon = 40_000;
    let mut job_tw: Vec<Vec<(i64, i64)>> = (0..n)
        .map(|_| {
            if kind == Kind::Vrptw {
                let a = (rng.f64() * (horizon - 4000) as f64) as i64;
                vec![(a, a + 3000)]
            } else {
                vec![(0, horizon)]
            }
        })
        .collect();
    let mut pair_of = vec![-1; n];
    let mut is_pickup = vec![false; n];
    let mut job_delivery: Vec<i64> = (0..n).map(|_| 1 + rng.below(20) as i64).collect();
    let mut job_pickup = vec![0; n];
    if kind == Kind::Pdptw {
        // Pairs (2i, 2i + 1): pickup window early, delivery within 8,000 after.
        for i in (0..n - 1).step_by(2) {
            pair_of[i] = i as i64 + 1;
            pair_of[i + 1] = i as i64;
            is_pickup[i] = true;
            job_pickup[i] = job_delivery[i];
            job_delivery[i + 1] = job_delivery[i];
            job_delivery[i] = 0;
            let a = (rng.f64() * (horizon - 12_000) as f64) as i64;
            job_tw[i] = vec![(a, a + 3000)];
            job_tw[i + 1] = vec![(a, a + 8000)];
        }
    }
    let p = ProblemInput {
        durations: distance.clone(),
        distance,
        n_locations: l,
        n_dims: 1,
        job_location: (1..=n).collect(),
        job_delivery,
        job_pickup,
        job_service: vec![10; n],
        job_tw,
        job_skills: vec![0; n],
        job_required: vec![true; n],
        job_penalty: vec![0; n],
        job_priority: vec![0; n],
        pair_of,
        is_pickup,
        type_count: vec![n],
        type_capacity: vec![150],
        type_start: vec![0],
        type_end: vec![0],
        type_fixed_cost: vec![0],
        type_cost_per_km: vec![1000],
        type_cost_per_hour: vec![0],
        type_tw: vec![(0, horizon)],
        type_max_duration: vec![i64::MAX / 4],
        type_max_distance: vec![i64::MAX / 4],
        type_skills: vec![0],
        type_profile: vec![0],
        type_breaks: vec![Vec::new()],
        ..Default::default()
    };
    Problem::new(p).unwrap()
}

fn main() {
    let n = 1000;
    for (name, kind) in [
        ("CVRP", Kind::Cvrp),
        ("VRPTW", Kind::Vrptw),
        ("PDPTW", Kind::Pdptw),
    ] {
        let p = instance(n, kind, 7);
        let prm = SearchParams::default();
        let mut rng = Rng::new(1);
        let mut stats = Stats::default();
        let t = cpu_now();
        let sol = construct(&p, &prm, &mut rng, &mut stats).unwrap();
        let t_construct = cpu_now() - t;
        let cost = |s: &yunli_core::routing::solution::Solution| {
            s.objective(&p).cost as f64 / yunli_core::routing::COST_SCALE as f64
        };
        println!(
            "{name} n={n}: construction {:.1} ms, {} routes, cost {:.0}",
            t_construct * 1e3,
            sol.n_used(),
            cost(&sol)
        );
        // Move evaluation: every operator on every (job, 20 nearest) pair of the
        // constructed solution, nothing applied.
        for op in ops() {
            let mut st = Stats::default();
            let mut calls = 0u64;
            let t = cpu_now();
            let mut found = 0u64;
            for _ in 0..3 {
                for u in 0..p.n_jobs {
                    for &v in &p.neighbours[u][..20] {
                        calls += 1;
                        found += u64::from(op.find(&p, &sol, u, v as usize, &mut st).is_some());
                    }
                }
            }
            let secs = cpu_now() - t;
            println!(
                "  {:<13} {:>6.2} M candidate moves/s, {:>6.2} M segment evaluations/s ({} improving of {calls})",
                op.name(),
                calls as f64 / secs / 1e6,
                st.evaluations as f64 / secs / 1e6,
                found / 3
            );
        }
        let mut s2 = sol.clone();
        let mut st = Stats::default();
        let t = cpu_now();
        let moves = descend(&p, &mut s2, &ops(), 20, &mut rng, &mut st, None);
        let secs = cpu_now() - t;
        println!(
            "  full descent: {:.1} ms, {moves} moves applied, {} evaluations, cost {:.0} -> {:.0}",
            secs * 1e3,
            st.evaluations,
            cost(&sol),
            cost(&s2)
        );
        // Ruin and recreate: a fixed iteration budget through the whole search.
        let iters = 3000;
        let prm = SearchParams {
            time_limit: Duration::from_secs(600),
            max_iterations: Some(iters),
            seed: 1,
            ..Default::default()
        };
        let t = cpu_now();
        let res = solve(&p, &prm).unwrap();
        let secs = cpu_now() - t;
        println!(
            "  search, {iters} iterations: {:.2} s, {:.0} iterations/s, cost {:.0}, {} routes",
            secs,
            iters as f64 / secs,
            res.cost,
            res.routes.len()
        );
    }
}
