//! Slack-induced string removal (SISR, Christiaens & Vanden Berghe 2020):
//! remove strings of consecutive jobs from routes near a random seed job.

use super::problem::Problem;
use super::rng::Rng;
use super::solution::{Solution, UNASSIGNED};

/// SISR parameters (the paper's defaults: c̄ = 10, L_max = 10, β = 0.01).
#[derive(Clone, Copy, Debug)]
pub struct RuinParams {
    pub avg_removed: f64,
    pub max_string: f64,
    pub split_beta: f64,
}

impl Default for RuinParams {
    fn default() -> Self {
        RuinParams {
            avg_removed: 10.0,
            max_string: 10.0,
            split_beta: 0.01,
        }
    }
}

/// Remove strings around a random assigned, movable job; removed jobs are
/// appended to `sol.unassigned`. Returns the number removed.
pub fn ruin(p: &Problem, sol: &mut Solution, rng: &mut Rng, prm: &RuinParams) -> usize {
    let movable: usize = sol
        .routes
        .iter()
        .filter(|r| !r.pinned)
        .map(|r| r.len() - r.fixed)
        .sum();
    let used = sol
        .routes
        .iter()
        .filter(|r| !r.pinned && r.len() > r.fixed)
        .count();
    if movable == 0 || used == 0 {
        return 0;
    }
    let avg_card = movable as f64 / used as f64;
    let ls_max = prm.max_string.min(avg_card);
    let ks_max = 4.0 * prm.avg_removed / (1.0 + ls_max) - 1.0;
    let ks = (1.0 + rng.f64() * ks_max).floor().max(1.0) as usize;
    // Seed: a random movable assigned job.
    let mut seed = None;
    for _ in 0..64 {
        let j = rng.below(p.n_jobs);
        if is_movable(sol, j) {
            seed = Some(j);
            break;
        }
    }
    let Some(seed) = seed else { return 0 };
    let before = sol.unassigned.len();
    let mut ruined: Vec<usize> = Vec::with_capacity(ks);
    let cands = std::iter::once(seed as u32).chain(p.neighbours[seed].iter().copied());
    for c in cands {
        if ruined.len() >= ks {
            break;
        }
        let c = c as usize;
        if !is_movable(sol, c) {
            continue;
        }
        let r = sol.pos[c].0 as usize;
        if ruined.contains(&r) {
            continue;
        }
        let route = &sol.routes[r];
        let lo = route.fixed;
        let tlen = route.len() - lo;
        let lmax = ls_max.min(tlen as f64);
        let l = ((1.0 + rng.f64() * lmax).floor() as usize).clamp(1, tlen);
        let ci = sol.pos[c].1 as usize;
        let split = l < tlen && rng.f64() < 0.5;
        let mut m = 0;
        if split {
            m = 1;
            while l + m < tlen && rng.f64() > prm.split_beta {
                m += 1;
            }
        }
        let span = l + m;
        // Window [start, start + span) within [lo, len) containing ci.
        let min_start = ci.saturating_sub(span - 1).max(lo);
        let max_start = ci.min(lo + tlen - span);
        let start = min_start + rng.below(max_start - min_start + 1);
        let mut victims: Vec<usize> = if m > 0 {
            let keep_at = rng.below(l + 1);
            (0..span)
                .filter(|&o| o < keep_at || o >= keep_at + m)
                .map(|o| route.jobs[start + o])
                .collect()
        } else {
            route.jobs[start..start + span].to_vec()
        };
        // A pair moves as a unit; keep a job whose partner is fixed in place.
        victims.retain(|&v| p.pair[v].is_none_or(|q| is_movable(sol, q)));
        let partners: Vec<usize> = victims.iter().filter_map(|&v| p.pair[v]).collect();
        victims.extend(partners);
        victims.sort_unstable();
        victims.dedup();
        for v in victims {
            if sol.pos[v] != UNASSIGNED {
                sol.take_out(v);
            }
        }
        sol.refresh(p, r);
        ruined.push(r);
    }
    sol.remove_empty_routes(p);
    sol.unassigned.len() - before
}

#[inline]
fn is_movable(sol: &Solution, j: usize) -> bool {
    let (r, i) = sol.pos[j];
    if (r, i) == UNASSIGNED {
        return false;
    }
    let route = &sol.routes[r as usize];
    !route.pinned && (i as usize) >= route.fixed
}
