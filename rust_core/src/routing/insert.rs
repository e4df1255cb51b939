//! Cheapest feasible insertion of single jobs and pickup–delivery pairs, and
//! the recreate step (greedy insertion with blinks, Christiaens & Vanden Berghe
//! 2020).

use super::problem::Problem;
use super::rng::Rng;
use super::route::{eval_pieces, Piece, Route};
use super::solution::{Solution, UNASSIGNED};

/// Where to put a job (or pair): `route == usize::MAX` opens a new route of `vtype`.
#[derive(Clone, Copy, Debug)]
pub struct Insertion {
    pub route: usize,
    pub vtype: usize,
    /// Node after which the job (pickup) goes.
    pub after: usize,
    /// Node after which the delivery goes (pairs only; `>= after`).
    pub after_b: usize,
    pub delta: i64,
}

/// Counters for benchmarks and reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub evaluations: u64,
}

#[inline]
fn accept(best: &Option<Insertion>, delta: i64) -> bool {
    best.as_ref().is_none_or(|b| delta < b.delta)
}

/// Cost of route `r` (type `k`) with job `j` inserted after node `i`, by the
/// exact evaluation (route walk where needed), if feasible.
fn exact_cost_at(p: &Problem, r: &Route, k: usize, i: usize, j: usize) -> Option<i64> {
    let n = r.len();
    eval_pieces(
        p,
        k,
        &[
            Piece::Range(r, 0, i),
            Piece::Job(j),
            Piece::Range(r, i + 1, n + 1),
        ],
        true,
    )
}

/// Keep the single-job insertion after node `i` of route `ri` if it is the
/// cheapest so far.
fn offer(best: &mut Option<Insertion>, ri: usize, k: usize, i: usize, delta: i64) {
    if accept(best, delta) {
        *best = Some(Insertion {
            route: ri,
            vtype: k,
            after: i,
            after_b: i,
            delta,
        });
    }
}

/// Cheapest insertion of the single (unpaired) job `j`, skipping each
/// position with probability `blink`.
pub fn best_single(
    p: &Problem,
    sol: &Solution,
    j: usize,
    rng: &mut Rng,
    blink: f64,
    stats: &mut Stats,
) -> Option<Insertion> {
    let mut best: Option<Insertion> = None;
    let js = &p.job_seg[j];
    let lj = p.job_loc(j);
    let nd = p.dims();
    for (ri, r) in sol.routes.iter().enumerate() {
        let k = r.vtype;
        if r.pinned || !p.can_serve(k, j) {
            continue;
        }
        let n = r.len();
        // The load when leaving the start depot and when reaching the end
        // depot grow by the job's delivery and pickup wherever it goes.
        let full = &r.fwd[n + 1];
        let cap = &p.inp.type_capacity[k * nd..(k + 1) * nd];
        if (0..nd).any(|d| {
            let x = i64::from(js.load[d].start);
            full.load[d].start as i64 + x > cap[d] || full.end_load(d) + js.end_load(d) > cap[d]
        }) {
            continue;
        }
        let prof = p.profile(k);
        let exact = r.exact || p.job_multi_tw[j];
        let cpk = p.inp.type_cost_per_km[k] * 3600;
        let dist_only = p.inp.type_cost_per_hour[k] == 0;
        for i in r.fixed..=n {
            if dist_only {
                let (a, b) = (r.loc[i] as usize, r.loc[i + 1] as usize);
                let dd = p.dist_to(a, lj) + p.dist(lj, b) - r.leg[i];
                if !accept(&best, cpk * dd) {
                    continue;
                }
            }
            if blink > 0.0 && rng.f64() < blink {
                continue;
            }
            stats.evaluations += 1;
            let cost = if exact {
                exact_cost_at(p, r, k, i, j)
            } else {
                let s = p.concat(prof, &p.concat(prof, &r.fwd[i], js), &r.bwd[i + 1]);
                p.seg_feasible(k, &s)
                    .then(|| p.route_cost(k, &s) + r.disruption + p.disruption(k, j))
            };
            if let Some(c) = cost {
                offer(&mut best, ri, k, i, c - r.cost);
            }
        }
    }
    for k in 0..p.n_types {
        if sol.used_per_type[k] >= sol.type_limit[k] || !p.can_serve(k, j) {
            continue;
        }
        stats.evaluations += 1;
        if let Some(c) = new_route_cost(p, k, &[j]) {
            if accept(&best, c) {
                best = Some(Insertion {
                    route: usize::MAX,
                    vtype: k,
                    after: 0,
                    after_b: 0,
                    delta: c,
                });
            }
        }
    }
    best
}

/// Cheapest insertion of the delivery `d` of a pair whose pickup `u` is
/// already routed (a pickup in a fixed prefix or a pinned warm start whose
/// delivery is not): after the pickup, in the pickup's route, by the exact
/// route walk (a rare case; precedence, windows and loads all checked).
pub fn best_lone_delivery(
    p: &Problem,
    sol: &Solution,
    d: usize,
    u: usize,
    stats: &mut Stats,
) -> Option<Insertion> {
    let (ri, iu) = sol.pos[u];
    let (ri, iu) = (ri as usize, iu as usize);
    let r = &sol.routes[ri];
    let k = r.vtype;
    if r.pinned || !p.can_serve(k, d) {
        return None;
    }
    let n = r.len();
    let mut best: Option<Insertion> = None;
    for i in r.fixed.max(iu + 1)..=n {
        stats.evaluations += 1;
        if let Some(c) = exact_cost_at(p, r, k, i, d) {
            offer(&mut best, ri, k, i, c - r.cost);
        }
    }
    best
}

/// Cost of a fresh route of type `k` serving `jobs` in order, if feasible.
pub fn new_route_cost(p: &Problem, k: usize, jobs: &[usize]) -> Option<i64> {
    let prof = p.profile(k);
    let mut s = p.start_seg[k];
    for &j in jobs {
        s = p.concat(prof, &s, &p.job_seg[j]);
    }
    s = p.concat(prof, &s, &p.end_seg[k]);
    if !p.seg_feasible(k, &s) {
        return None;
    }
    let extra = p.disruption_of(k, jobs.iter().copied());
    if p.type_has_breaks(k) || jobs.iter().any(|&j| p.job_multi_tw[j]) {
        let w = super::route::walk(p, k, jobs);
        return w
            .feasible()
            .then(|| p.route_cost_dd(k, w.dist, w.dur) + w.late_cost + extra);
    }
    Some(p.route_cost(k, &s) + extra)
}

/// Cheapest insertion of pair (`pu` pickup, `de` delivery), pickup first.
#[allow(clippy::needless_range_loop)] // `jn` indexes the route and `det_d`
pub fn best_pair(
    p: &Problem,
    sol: &Solution,
    pu: usize,
    de: usize,
    rng: &mut Rng,
    blink: f64,
    stats: &mut Stats,
) -> Option<Insertion> {
    let mut best: Option<Insertion> = None;
    let (ps, ds) = (&p.job_seg[pu], &p.job_seg[de]);
    let (lp, ld) = (p.job_loc(pu), p.job_loc(de));
    // Distance detour of the delivery after each node (distance-only types).
    let mut det_d: Vec<i64> = Vec::new();
    for (ri, r) in sol.routes.iter().enumerate() {
        let k = r.vtype;
        if r.pinned || !p.can_serve(k, pu) || !p.can_serve(k, de) {
            continue;
        }
        let prof = p.profile(k);
        let exact = r.exact || p.job_multi_tw[pu] || p.job_multi_tw[de];
        let n = r.len();
        // Lower bounds for distance-only types: the pair's detour is the
        // pickup's plus the delivery's when they split different arcs, and at
        // least the pickup's (triangle inequality) when adjacent.
        let cpk = p.inp.type_cost_per_km[k] * 3600;
        let dist_only = p.inp.type_cost_per_hour[k] == 0;
        if dist_only {
            det_d.clear();
            det_d.extend((0..=n).map(|j| {
                let (a, b) = (r.loc[j] as usize, r.loc[j + 1] as usize);
                p.dist_to(a, ld) + p.dist(ld, b) - r.leg[j]
            }));
        }
        for i in r.fixed..=n {
            if blink > 0.0 && rng.f64() < blink {
                continue;
            }
            let det_p = if dist_only {
                let (a, b) = (r.loc[i] as usize, r.loc[i + 1] as usize);
                let d = p.dist_to(a, lp) + p.dist(lp, b) - r.leg[i];
                if !accept(&best, cpk * d) {
                    continue;
                }
                d
            } else {
                0
            };
            // head = fwd[i] + P, then extend with nodes i+1..=j before D.
            let mut head = p.concat(prof, &r.fwd[i], ps);
            if head.tw > 0 {
                continue;
            }
            for jn in i..=n {
                if jn > i {
                    head = p.concat(prof, &head, r.node_seg(p, jn));
                    if head.tw > 0 {
                        break;
                    }
                    if dist_only && !accept(&best, cpk * (det_p + det_d[jn])) {
                        continue;
                    }
                }
                stats.evaluations += 1;
                let cost = if exact {
                    eval_pieces(
                        p,
                        k,
                        &[
                            Piece::Range(r, 0, i),
                            Piece::Job(pu),
                            Piece::Range(r, i + 1, jn),
                            Piece::Job(de),
                            Piece::Range(r, jn + 1, n + 1),
                        ],
                        true,
                    )
                } else {
                    let s = p.concat(prof, &p.concat(prof, &head, ds), &r.bwd[jn + 1]);
                    p.seg_feasible(k, &s).then(|| {
                        p.route_cost(k, &s)
                            + r.disruption
                            + p.disruption(k, pu)
                            + p.disruption(k, de)
                    })
                };
                if let Some(c) = cost {
                    let delta = c - r.cost;
                    if accept(&best, delta) {
                        best = Some(Insertion {
                            route: ri,
                            vtype: k,
                            after: i,
                            after_b: jn,
                            delta,
                        });
                    }
                }
            }
        }
    }
    for k in 0..p.n_types {
        if sol.used_per_type[k] >= sol.type_limit[k] || !p.can_serve(k, pu) || !p.can_serve(k, de) {
            continue;
        }
        stats.evaluations += 1;
        if let Some(c) = new_route_cost(p, k, &[pu, de]) {
            if accept(&best, c) {
                best = Some(Insertion {
                    route: usize::MAX,
                    vtype: k,
                    after: 0,
                    after_b: 0,
                    delta: c,
                });
            }
        }
    }
    best
}

/// Apply an insertion of `j` (and its partner `q` for pairs).
pub fn apply(p: &Problem, sol: &mut Solution, ins: &Insertion, j: usize, q: Option<usize>) {
    let r = if ins.route == usize::MAX {
        let jobs = match q {
            Some(q) => vec![j, q],
            None => vec![j],
        };
        sol.add_route(p, ins.vtype, jobs)
    } else {
        let jobs = sol.jobs_mut(ins.route);
        match q {
            // Insert delivery first (later position) so indices stay valid.
            Some(q) => {
                jobs.insert(ins.after_b, q);
                jobs.insert(ins.after, j);
            }
            None => jobs.insert(ins.after, j),
        }
        ins.route
    };
    sol.refresh(p, r);
    sol.unassigned.retain(|&u| u != j && Some(u) != q);
}

/// Order in which recreate inserts the removed jobs.
#[derive(Clone, Copy, Debug)]
pub enum Order {
    Random,
    Demand,
    Far,
    Close,
}

/// Greedily insert every unassigned job (cheapest position, with blinks).
/// Optional jobs are inserted only when cheaper than their drop penalty.
/// `weight`, when given, sorts jobs by descending weight first (fleet
/// minimisation uses absence counts).
pub fn recreate(
    p: &Problem,
    sol: &mut Solution,
    rng: &mut Rng,
    blink: f64,
    weight: Option<&[u64]>,
    stats: &mut Stats,
) {
    let mut todo: Vec<usize> = sol
        .unassigned
        .iter()
        .copied()
        .filter(|&j| p.pair[j].is_none() || p.inp.is_pickup[j])
        .collect();
    rng.shuffle(&mut todo);
    let order = match rng.below(11) {
        0..=3 => Order::Random,
        4..=7 => Order::Demand,
        8..=9 => Order::Far,
        _ => Order::Close,
    };
    let nd = p.dims();
    let depot = p.inp.type_start[0];
    match order {
        Order::Random => {}
        Order::Demand => todo.sort_by_key(|&j| {
            std::cmp::Reverse(
                (0..nd)
                    .map(|d| p.inp.job_delivery[j * nd + d] + p.inp.job_pickup[j * nd + d])
                    .sum::<i64>(),
            )
        }),
        Order::Far => todo.sort_by_key(|&j| std::cmp::Reverse(p.dist(depot, p.job_loc(j)))),
        Order::Close => todo.sort_by_key(|&j| p.dist(depot, p.job_loc(j))),
    }
    if let Some(w) = weight {
        todo.sort_by_key(|&j| std::cmp::Reverse(w[j]));
    }
    // Deliveries whose pickup is routed but they are not (the pickup is held
    // by a fixed prefix or a pinned route): after their pickup, before the rest.
    let lone: Vec<usize> = sol
        .unassigned
        .iter()
        .copied()
        .filter(|&j| !p.inp.is_pickup[j] && p.pair[j].is_some_and(|q| sol.pos[q] != UNASSIGNED))
        .collect();
    for d in lone {
        let u = p.pair[d].expect("paired");
        if let Some(ins) = best_lone_delivery(p, sol, d, u, stats) {
            apply(p, sol, &ins, d, None);
        }
    }
    for j in todo {
        let q = p.pair[j];
        let ins = match q {
            Some(q) => best_pair(p, sol, j, q, rng, blink, stats),
            None => best_single(p, sol, j, rng, blink, stats),
        };
        if let Some(ins) = ins {
            let penalty = if p.inp.job_required[j] {
                i64::MAX
            } else {
                p.drop_cost[j] + q.map_or(0, |q| p.drop_cost[q])
            };
            if ins.delta < penalty {
                apply(p, sol, &ins, j, q);
            }
        }
    }
}
