//! 2-opt*: exchange the tails of two routes so that `u` is followed by `v`
//! (or `v` by `u`). Tails are moved only if no pickup–delivery pair straddles
//! either cut and the receiving vehicle type has the skills the tail needs.

use super::{improving, node_of, Operator, Rewrite};
use crate::routing::insert::Stats;
use crate::routing::problem::{Problem, COST_SCALE};
use crate::routing::route::{Piece, Route};
use crate::routing::solution::Solution;

pub struct TwoOptStar;

/// Same end depot, shift window and speed profile: suffix caches carry over.
fn same_shape(p: &Problem, ka: usize, kb: usize) -> bool {
    ka == kb
        || (p.inp.type_end[ka] == p.inp.type_end[kb]
            && p.inp.type_tw[ka] == p.inp.type_tw[kb]
            && p.profile(ka) == p.profile(kb))
}

/// New route `a[0..=ca] + b[cb+1..]` ending at `a`'s end depot.
fn tail_pieces<'a>(
    p: &Problem,
    a: &'a Route,
    ca: usize,
    b: &'a Route,
    cb: usize,
) -> [Piece<'a>; 3] {
    let (na, nb) = (a.len(), b.len());
    if same_shape(p, a.vtype, b.vtype) {
        [
            Piece::Range(a, 0, ca),
            Piece::Range(b, cb + 1, nb + 1),
            Piece::Range(a, 1, 0),
        ]
    } else {
        [
            Piece::Range(a, 0, ca),
            Piece::Range(b, cb + 1, nb),
            Piece::Range(a, na + 1, na + 1),
        ]
    }
}

fn cut(
    p: &Problem,
    sol: &Solution,
    ra: usize,
    ca: usize,
    rb: usize,
    cb: usize,
    stats: &mut Stats,
) -> Option<Rewrite> {
    let (a, b) = (&sol.routes[ra], &sol.routes[rb]);
    if ca < a.fixed || cb < b.fixed || a.open[ca] != 0 || b.open[cb] != 0 {
        return None;
    }
    let (ka, kb) = (a.vtype, b.vtype);
    if b.skills_from[cb + 1] & !p.inp.type_skills[ka] != 0
        || a.skills_from[ca + 1] & !p.inp.type_skills[kb] != 0
    {
        return None;
    }
    if p.has_allowed_type
        && ka != kb
        && (b.jobs[cb..].iter().any(|&j| !p.can_serve(ka, j))
            || a.jobs[ca..].iter().any(|&j| !p.can_serve(kb, j)))
    {
        return None;
    }
    if ka == kb && p.inp.type_cost_per_hour[ka] == 0 {
        let d = |i: u32, j: u32| p.dist(i as usize, j as usize);
        let (xa, ya) = (a.loc[ca], a.loc[ca + 1]);
        let (xb, yb) = (b.loc[cb], b.loc[cb + 1]);
        let mut delta =
            p.inp.type_cost_per_km[ka] * 3600 * (d(xa, yb) + d(xb, ya) - d(xa, ya) - d(xb, yb));
        let fixed = p.inp.type_fixed_cost[ka] * COST_SCALE;
        let new_a_empty = ca == 0 && cb == b.len() && a.fixed == 0;
        let new_b_empty = cb == 0 && ca == a.len() && b.fixed == 0;
        if new_a_empty || new_b_empty {
            delta -= fixed;
        }
        if delta >= a.late_cost + b.late_cost {
            return None;
        }
    }
    let pa = tail_pieces(p, a, ca, b, cb);
    let pb = tail_pieces(p, b, cb, a, ca);
    improving(p, sol, ra, &pa, Some((rb, &pb)), stats)
}

impl Operator for TwoOptStar {
    fn name(&self) -> &'static str {
        "2-opt*"
    }

    fn find(
        &self,
        p: &Problem,
        sol: &Solution,
        u: usize,
        v: usize,
        stats: &mut Stats,
    ) -> Option<Rewrite> {
        let (ru, nu) = node_of(sol, u)?;
        let (rv, nv) = node_of(sol, v)?;
        if ru == rv || sol.routes[ru].pinned || sol.routes[rv].pinned {
            return None;
        }
        // u then v: cut after u in ru, before v in rv.
        if let Some(rw) = cut(p, sol, ru, nu, rv, nv - 1, stats) {
            return Some(rw);
        }
        // v then u.
        cut(p, sol, ru, nu - 1, rv, nv, stats)
    }
}
