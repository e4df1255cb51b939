//! SWAP* (Vidal 2022): exchange `u` and `v` between two routes, each inserted
//! at its cheapest position in the other route rather than in the place of
//! the job it replaces. Positions are chosen by distance (for vehicle types
//! that pay no time cost), then the whole move is checked with segments.

use super::{dist_weight, improving, movable, Operator, Rewrite};
use crate::routing::insert::Stats;
use crate::routing::problem::Problem;
use crate::routing::route::Piece::{self, Job, Range};
use crate::routing::route::Route;
use crate::routing::solution::Solution;

pub struct SwapStar;

/// Cheapest node after which to insert `x` into `r` with node `skip` removed.
fn best_after(p: &Problem, r: &Route, skip: usize, x: usize) -> (usize, i64) {
    let lx = p.job_loc(x);
    let n = r.len();
    let loc = &r.loc;
    let mut best = (usize::MAX, i64::MAX);
    for i in r.fixed..=n {
        if i == skip {
            continue;
        }
        let (a, b) = (loc[i] as usize, loc[i + 1] as usize);
        let d = if i + 1 == skip {
            let c = loc[skip + 1] as usize;
            p.dist(a, lx) + p.dist(lx, c) - p.dist(a, c)
        } else {
            p.dist_to(a, lx) + p.dist(lx, b) - r.leg[i]
        };
        if d < best.1 {
            best = (i, d);
        }
    }
    best
}

fn pieces<'a>(r: &'a Route, skip: usize, after: usize, x: usize) -> Vec<Piece<'a>> {
    let end = r.len() + 1;
    if after + 1 == skip {
        vec![Range(r, 0, after), Job(x), Range(r, skip + 1, end)]
    } else if after < skip {
        vec![
            Range(r, 0, after),
            Job(x),
            Range(r, after + 1, skip - 1),
            Range(r, skip + 1, end),
        ]
    } else {
        vec![
            Range(r, 0, skip - 1),
            Range(r, skip + 1, after),
            Job(x),
            Range(r, after + 1, end),
        ]
    }
}

impl Operator for SwapStar {
    fn name(&self) -> &'static str {
        "swap*"
    }

    fn find(
        &self,
        p: &Problem,
        sol: &Solution,
        u: usize,
        v: usize,
        stats: &mut Stats,
    ) -> Option<Rewrite> {
        let (ru, nu) = movable(p, sol, u)?;
        let (rv, nv) = movable(p, sol, v)?;
        if ru == rv {
            return None;
        }
        let (a, b) = (&sol.routes[ru], &sol.routes[rv]);
        let (ka, kb) = (a.vtype, b.vtype);
        if p.inp.type_cost_per_hour[ka] != 0 || p.inp.type_cost_per_hour[kb] != 0 {
            return None;
        }
        if !p.can_serve(kb, u) || !p.can_serve(ka, v) {
            return None;
        }
        let rem = |r: &Route, i: usize| {
            let (pa, x, pb) = (
                r.loc[i - 1] as usize,
                r.loc[i] as usize,
                r.loc[i + 1] as usize,
            );
            p.dist(pa, pb) - p.dist(pa, x) - p.dist(x, pb)
        };
        let (wa, wb) = (dist_weight(p, ka), dist_weight(p, kb));
        let (rem_a, rem_b) = (wa * rem(a, nu), wb * rem(b, nv));
        let (va, da) = best_after(p, a, nu, v);
        // u's insertion into b costs at least 0 (triangle inequality); the
        // routes' soft lateness is the most the swap can save besides distance.
        let bound = a.late_cost + b.late_cost;
        if va == usize::MAX || rem_a + wa * da + rem_b >= bound {
            return None;
        }
        let (ub, db) = best_after(p, b, nv, u);
        if ub == usize::MAX {
            return None;
        }
        // Plain swap positions are the swap operator's job.
        if va + 1 == nu && ub + 1 == nv {
            return None;
        }
        let delta = rem_a + wa * da + rem_b + wb * db;
        if delta >= bound {
            return None;
        }
        let pa = pieces(a, nu, va, v);
        let pb = pieces(b, nv, ub, u);
        improving(p, sol, ru, &pa, Some((rv, &pb)), stats)
    }
}
