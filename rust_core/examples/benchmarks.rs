//! Development loop: solve standard instances and print the gap to the best
//! known solution.
//!
//! ```text
//! cargo run --release --example benchmarks -- SET TIME_S [FILTER] [SEED]
//! ```
//! `SET` is `solomon`, `x` or `lilim`; `TIME_S` is seconds per instance (for
//! `x`, `0` means the CVRPLIB budget 2.4·n/10 s); `FILTER` keeps instances
//! whose name contains it. Instances are read from `$YUNLI_BENCHMARKS` or
//! `bench/data/benchmarks`, `../bench/data/benchmarks`,
//! `/work/shared/data/benchmarks` (first that exists).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use yunli_core::routing::{solve, Problem, ProblemInput, SearchParams};

fn data_dir() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("YUNLI_BENCHMARKS") {
        return Some(PathBuf::from(d));
    }
    [
        "bench/data/benchmarks",
        "../bench/data/benchmarks",
        "/work/shared/data/benchmarks",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

struct Inst {
    name: String,
    input: ProblemInput,
    /// Divide internal distances by this to get the set's units.
    scale: f64,
    n: usize,
}

fn base_input(
    coords: &[(f64, f64)],
    dist: impl Fn(f64) -> i64,
    time: impl Fn(f64) -> i64,
) -> ProblemInput {
    let l = coords.len();
    let mut distance = vec![0; l * l];
    let mut durations = vec![0; l * l];
    for i in 0..l {
        for j in 0..l {
            let d =
                ((coords[i].0 - coords[j].0).powi(2) + (coords[i].1 - coords[j].1).powi(2)).sqrt();
            distance[i * l + j] = dist(d);
            durations[i * l + j] = time(d);
        }
    }
    ProblemInput {
        distance,
        durations,
        n_locations: l,
        n_dims: 1,
        ..Default::default()
    }
}

fn add_fleet(inp: &mut ProblemInput, count: usize, cap: i64, horizon: (i64, i64), fixed: i64) {
    inp.type_count = vec![count];
    inp.type_capacity = vec![cap];
    inp.type_start = vec![0];
    inp.type_end = vec![0];
    inp.type_fixed_cost = vec![fixed];
    inp.type_cost_per_km = vec![1000];
    inp.type_cost_per_hour = vec![0];
    inp.type_tw = vec![horizon];
    inp.type_max_duration = vec![i64::MAX / 4];
    inp.type_max_distance = vec![i64::MAX / 4];
    inp.type_skills = vec![0];
    inp.type_profile = vec![0];
    inp.type_breaks = vec![Vec::new()];
}

fn single_jobs(inp: &mut ProblemInput, n: usize) {
    inp.job_location = (1..=n).collect();
    inp.job_pickup = vec![0; n];
    inp.job_skills = vec![0; n];
    inp.job_required = vec![true; n];
    inp.job_penalty = vec![0; n];
    inp.job_priority = vec![0; n];
    inp.pair_of = vec![-1; n];
    inp.is_pickup = vec![false; n];
}

fn parse_solomon(path: &Path) -> Inst {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let vl: Vec<i64> = lines[4]
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let rows: Vec<Vec<f64>> = lines[9..]
        .iter()
        .map(|l| {
            l.split_whitespace()
                .map(|x| x.parse().unwrap())
                .collect::<Vec<f64>>()
        })
        .filter(|r| r.len() >= 7)
        .collect();
    let coords: Vec<(f64, f64)> = rows.iter().map(|r| (r[1], r[2])).collect();
    let trunc = |d: f64| (10.0 * d + 1e-9).floor() as i64;
    let mut inp = base_input(&coords, trunc, trunc);
    let n = rows.len() - 1;
    single_jobs(&mut inp, n);
    inp.job_delivery = rows[1..].iter().map(|r| r[3] as i64).collect();
    inp.job_service = rows[1..].iter().map(|r| 10 * r[6] as i64).collect();
    inp.job_tw = rows[1..]
        .iter()
        .map(|r| vec![(10 * r[4] as i64, 10 * r[5] as i64)])
        .collect();
    add_fleet(
        &mut inp,
        n,
        vl[1],
        (10 * rows[0][4] as i64, 10 * rows[0][5] as i64),
        0,
    );
    Inst {
        name: path.file_stem().unwrap().to_string_lossy().into(),
        input: inp,
        scale: 10.0,
        n,
    }
}

fn parse_x(path: &Path) -> Inst {
    let text = std::fs::read_to_string(path).unwrap();
    let mut cap = 0;
    let mut coords = Vec::new();
    let mut demand = Vec::new();
    let mut section = "";
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("CAPACITY") {
            cap = t.split(':').nth(1).unwrap().trim().parse().unwrap();
        } else if t.starts_with("NODE_COORD_SECTION") {
            section = "coord";
        } else if t.starts_with("DEMAND_SECTION") {
            section = "demand";
        } else if t.starts_with("DEPOT_SECTION") || t.starts_with("EOF") {
            section = "";
        } else if !t.is_empty() {
            let f: Vec<f64> = t
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            match section {
                "coord" if f.len() >= 3 => coords.push((f[1], f[2])),
                "demand" if f.len() >= 2 => demand.push(f[1] as i64),
                _ => {}
            }
        }
    }
    let round = |d: f64| d.round() as i64;
    let mut inp = base_input(&coords, round, round);
    let n = coords.len() - 1;
    single_jobs(&mut inp, n);
    inp.job_delivery = demand[1..].to_vec();
    inp.job_service = vec![0; n];
    inp.job_tw = vec![vec![(0, i64::MAX / 8)]; n];
    add_fleet(&mut inp, n, cap, (0, i64::MAX / 8), 0);
    Inst {
        name: path.file_stem().unwrap().to_string_lossy().into(),
        input: inp,
        scale: 1.0,
        n,
    }
}

/// Fixed cost per vehicle for Li & Lim (vehicles first): above any distance total.
const LILIM_FIXED: i64 = 100_000_000;

fn parse_lilim(path: &Path) -> Inst {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let head: Vec<i64> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let rows: Vec<Vec<i64>> = lines
        .map(|l| l.split_whitespace().map(|x| x.parse().unwrap()).collect())
        .collect();
    let coords: Vec<(f64, f64)> = rows.iter().map(|r| (r[1] as f64, r[2] as f64)).collect();
    let mut inp = base_input(
        &coords,
        |d| (1000.0 * d).round() as i64,
        |d| (1000.0 * d).ceil() as i64,
    );
    let n = rows.len() - 1;
    single_jobs(&mut inp, n);
    inp.job_delivery = vec![0; n];
    inp.job_service = rows[1..].iter().map(|r| 1000 * r[6]).collect();
    inp.job_tw = rows[1..]
        .iter()
        .map(|r| vec![(1000 * r[4], 1000 * r[5])])
        .collect();
    for (j, r) in rows[1..].iter().enumerate() {
        if r[7] == 0 {
            // pickup: partner is its delivery index
            inp.is_pickup[j] = true;
            inp.pair_of[j] = r[8] - 1;
            inp.job_pickup[j] = r[3];
        } else {
            inp.pair_of[j] = r[7] - 1;
            inp.job_delivery[j] = -r[3];
        }
    }
    add_fleet(
        &mut inp,
        n,
        head[1],
        (1000 * rows[0][4], 1000 * rows[0][5]),
        LILIM_FIXED,
    );
    Inst {
        name: path.file_stem().unwrap().to_string_lossy().into(),
        input: inp,
        scale: 1000.0,
        n,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let set = args.get(1).map_or("solomon", |s| s.as_str()).to_string();
    let secs: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let filter = args.get(3).cloned().unwrap_or_default();
    let seed: u64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(1);
    let Some(root) = data_dir() else {
        eprintln!("no benchmark data directory found; skipping");
        return;
    };
    let dir = root.join(&set);
    let bks_text = std::fs::read_to_string(dir.join("bks.csv")).unwrap();
    let bks: HashMap<String, (f64, usize)> = bks_text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_string(),
                (f[1].parse().unwrap(), f[2].parse().unwrap_or(0)),
            )
        })
        .collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            let stem = p.file_stem().unwrap().to_string_lossy().to_string();
            (ext == "txt" || ext == "vrp") && stem != "SOURCE" && stem.contains(filter.as_str())
        })
        .collect();
    files.sort();
    let (mut gaps, mut veh_ok, mut feas, mut count) = (Vec::new(), 0, 0, 0);
    for f in files {
        let inst = match set.as_str() {
            "solomon" => parse_solomon(&f),
            "x" => parse_x(&f),
            _ => parse_lilim(&f),
        };
        let Some(&(bks_cost, bks_veh)) = bks.get(&inst.name) else {
            continue;
        };
        let limit = if set == "x" && secs == 0.0 {
            2.4 * inst.n as f64 / 10.0
        } else {
            secs
        };
        let p = Problem::new(inst.input).unwrap();
        let mut prm = SearchParams {
            time_limit: Duration::from_secs_f64(limit),
            seed,
            ..Default::default()
        };
        let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok());
        if let Some(v) = env("YUNLI_T0") {
            prm.t_start = v;
        }
        if let Some(v) = env("YUNLI_T1") {
            prm.t_end = v;
        }
        if let Some(v) = env("YUNLI_FLEET") {
            prm.fleet_share = v;
        }
        if let Some(v) = env("YUNLI_RESTART") {
            prm.restart_after = v;
        }
        if let Some(v) = env("YUNLI_REMOVED") {
            prm.ruin.avg_removed = v;
        }
        let res = solve(&p, &prm).unwrap();
        let cost = res.distance as f64 / inst.scale;
        let gap = 100.0 * (cost / bks_cost - 1.0);
        let veh = res.routes.len();
        count += 1;
        feas += usize::from(res.feasible);
        veh_ok += usize::from(veh <= bks_veh);
        gaps.push(gap);
        println!(
            "{:<12} cost {:>10.2} bks {:>10.2} gap {:>6.2}% veh {:>3} (bks {:>3}) feasible {} it {} evals {} restarts {}",
            inst.name,
            cost,
            bks_cost,
            gap,
            veh,
            bks_veh,
            res.feasible,
            res.iterations,
            res.evaluations,
            res.restarts
        );
    }
    let mean = gaps.iter().sum::<f64>() / gaps.len().max(1) as f64;
    println!(
        "{set}: {count} instances, mean gap {mean:.3}%, max {:.3}%, feasible {feas}/{count}, vehicles <= bks {veh_ok}/{count}",
        gaps.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
    );
}
