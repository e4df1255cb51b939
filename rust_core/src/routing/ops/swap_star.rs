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
    let loc = |i: usize| r.node_seg(p, i).first as usize;
    let mut best = (usize::MAX, i64::MAX);
    for i in r.fixed..=n {
        if i == skip {
            continue;
        }
        let next = if i + 1 == skip { skip + 1 } else { i + 1 };
        let (a, b) = (loc(i), loc(next));
        let d = p.dist(a, lx) + p.dist(lx, b) - p.dist(a, b);
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
        let loc = |r: &Route, i: usize| r.node_seg(p, i).first as usize;
        let rem = |r: &Route, i: usize, x: usize| {
            let (pa, pb) = (loc(r, i - 1), loc(r, i + 1));
            p.dist(pa, pb) - p.dist(pa, x) - p.dist(x, pb)
        };
        let (va, da) = best_after(p, a, nu, v);
        let (ub, db) = best_after(p, b, nv, u);
        if va == usize::MAX || ub == usize::MAX {
            return None;
        }
        // Plain swap positions are the swap operator's job.
        if va + 1 == nu && ub + 1 == nv {
            return None;
        }
        let delta = dist_weight(p, ka) * (rem(a, nu, p.job_loc(u)) + da)
            + dist_weight(p, kb) * (rem(b, nv, p.job_loc(v)) + db);
        if delta >= 0 {
            return None;
        }
        let pa = pieces(a, nu, va, v);
        let pb = pieces(b, nv, ub, u);
        improving(p, sol, ru, &pa, Some((rv, &pb)), stats)
    }
}
