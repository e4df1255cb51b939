//! Swap: exchange jobs `u` and `v` (same or different routes).

use super::{dist_weight, improving, movable, Operator, Rewrite};
use crate::routing::insert::Stats;
use crate::routing::problem::Problem;
use crate::routing::route::Piece::{Job, Range};
use crate::routing::solution::Solution;

pub struct Swap;

impl Operator for Swap {
    fn name(&self) -> &'static str {
        "swap"
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
            if u > v {
                return None; // each unordered pair once
            }
            let r = &sol.routes[ru];
            let (x, y) = (nu.min(nv), nu.max(nv));
            let (jx, jy) = (r.jobs[x - 1], r.jobs[y - 1]);
            return improving(
                p,
                sol,
                ru,
                &[
                    Range(r, 0, x - 1),
                    Job(jy),
                    Range(r, x + 1, y - 1),
                    Job(jx),
                    Range(r, y + 1, r.len() + 1),
                ],
                None,
                stats,
            );
        }
        let (a, b) = (&sol.routes[ru], &sol.routes[rv]);
        if !p.can_serve(b.vtype, u) || !p.can_serve(a.vtype, v) {
            return None;
        }
        let (ka, kb) = (a.vtype, b.vtype);
        if p.inp.type_cost_per_hour[ka] == 0 && p.inp.type_cost_per_hour[kb] == 0 {
            let d = |i: u32, j: u32| p.dist(i as usize, j as usize);
            let (lu, lv) = (p.job_loc(u) as u32, p.job_loc(v) as u32);
            let (pu, su) = (a.loc[nu - 1], a.loc[nu + 1]);
            let (pv, sv) = (b.loc[nv - 1], b.loc[nv + 1]);
            let delta = dist_weight(p, ka) * (d(pu, lv) + d(lv, su) - d(pu, lu) - d(lu, su))
                + dist_weight(p, kb) * (d(pv, lu) + d(lu, sv) - d(pv, lv) - d(lv, sv));
            if delta >= a.late_cost + b.late_cost {
                return None;
            }
        }
        improving(
            p,
            sol,
            ru,
            &[Range(a, 0, nu - 1), Job(v), Range(a, nu + 1, a.len() + 1)],
            Some((
                rv,
                &[Range(b, 0, nv - 1), Job(u), Range(b, nv + 1, b.len() + 1)],
            )),
            stats,
        )
    }
}
