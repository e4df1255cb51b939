//! Speed of the routing core (plain harness, `cargo bench --bench routing`):
//! move evaluations per second per operator, and one full granular
//! local-search descent, on a seeded random 1,000-customer CVRP and VRPTW.

use std::time::Instant;

use yunli_core::routing::insert::Stats;
use yunli_core::routing::ops::descend;
use yunli_core::routing::rng::Rng;
use yunli_core::routing::search::{construct, ops};
use yunli_core::routing::{Problem, ProblemInput, SearchParams};

fn instance(n: usize, windows: bool, seed: u64) -> Problem {
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
    let job_tw = (0..n)
        .map(|_| {
            if windows {
                let a = (rng.f64() * (horizon - 4000) as f64) as i64;
                vec![(a, a + 3000)]
            } else {
                vec![(0, horizon)]
            }
        })
        .collect();
    let p = ProblemInput {
        durations: distance.clone(),
        distance,
        n_locations: l,
        n_dims: 1,
        job_location: (1..=n).collect(),
        job_delivery: (0..n).map(|_| 1 + rng.below(20) as i64).collect(),
        job_pickup: vec![0; n],
        job_service: vec![10; n],
        job_tw,
        job_skills: vec![0; n],
        job_required: vec![true; n],
        job_penalty: vec![0; n],
        job_priority: vec![0; n],
        pair_of: vec![-1; n],
        is_pickup: vec![false; n],
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
    for (name, windows) in [("CVRP", false), ("VRPTW", true)] {
        let p = instance(n, windows, 7);
        let prm = SearchParams::default();
        let mut rng = Rng::new(1);
        let mut stats = Stats::default();
        let t = Instant::now();
        let sol = construct(&p, &prm, &mut rng, &mut stats).unwrap();
        let t_construct = t.elapsed();
        println!(
            "{name} n={n}: construction {:.1} ms, {} routes, cost {:.0}",
            t_construct.as_secs_f64() * 1e3,
            sol.n_used(),
            sol.objective(&p).cost as f64 / yunli_core::routing::COST_SCALE as f64
        );
        // Move evaluation: every operator on every (job, 20 nearest) pair of the
        // constructed solution, nothing applied.
        for op in ops() {
            let mut st = Stats::default();
            let mut calls = 0u64;
            let t = Instant::now();
            let mut found = 0u64;
            for _ in 0..3 {
                for u in 0..p.n_jobs {
                    for &v in &p.neighbours[u][..20] {
                        calls += 1;
                        found += u64::from(op.find(&p, &sol, u, v as usize, &mut st).is_some());
                    }
                }
            }
            let secs = t.elapsed().as_secs_f64();
            println!(
                "  {:<9} {:>6.2} M candidate moves/s, {:>6.2} M segment evaluations/s ({} improving of {calls})",
                op.name(),
                calls as f64 / secs / 1e6,
                st.evaluations as f64 / secs / 1e6,
                found / 3
            );
        }
        let mut s2 = sol.clone();
        let mut st = Stats::default();
        let t = Instant::now();
        let moves = descend(&p, &mut s2, &ops(), 20, &mut rng, &mut st, None);
        let secs = t.elapsed().as_secs_f64();
        println!(
            "  full descent: {:.1} ms, {moves} moves applied, {} evaluations, cost {:.0} -> {:.0}",
            secs * 1e3,
            st.evaluations,
            sol.objective(&p).cost as f64 / yunli_core::routing::COST_SCALE as f64,
            s2.objective(&p).cost as f64 / yunli_core::routing::COST_SCALE as f64
        );
    }
}
