//! Relocate: move job `u` right after or right before its neighbour `v`.

use super::{dist_weight, improving, movable, node_of, Operator, Rewrite};
use crate::routing::insert::Stats;
use crate::routing::problem::Problem;
use crate::routing::route::Piece::{Job, Range};
use crate::routing::solution::Solution;

pub struct Relocate;

impl Operator for Relocate {
    fn name(&self) -> &'static str {
        "relocate"
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
        let (rv, nv) = node_of(sol, v)?;
        let (a, b) = (&sol.routes[ru], &sol.routes[rv]);
        if b.pinned {
            return None;
        }
        let (ea, eb) = (a.len() + 1, b.len() + 1);
        let lu = p.job_loc(u) as u32;
        for after in [nv, nv - 1] {
            if after < b.fixed {
                continue;
            }
            if ru == rv {
                if after == nu || after + 1 == nu {
                    continue;
                }
                let rw = if after < nu {
                    improving(
                        p,
                        sol,
                        ru,
                        &[
                            Range(a, 0, after),
                            Job(u),
                            Range(a, after + 1, nu - 1),
                            Range(a, nu + 1, ea),
                        ],
                        None,
                        stats,
                    )
                } else {
                    improving(
                        p,
                        sol,
                        ru,
                        &[
                            Range(a, 0, nu - 1),
                            Range(a, nu + 1, after),
                            Job(u),
                            Range(a, after + 1, ea),
                        ],
                        None,
                        stats,
                    )
                };
                if rw.is_some() {
                    return rw;
                }
                continue;
            }
            if !p.can_serve(b.vtype, u) {
                continue;
            }
            let (ka, kb) = (a.vtype, b.vtype);
            if p.inp.type_cost_per_hour[ka] == 0 && p.inp.type_cost_per_hour[kb] == 0 {
                let (pu, su) = (a.loc[nu - 1], a.loc[nu + 1]);
                let (x, y) = (b.loc[after], b.loc[after + 1]);
                let d = |i: u32, j: u32| p.dist(i as usize, j as usize);
                let mut delta = dist_weight(p, ka) * (d(pu, su) - d(pu, lu) - d(lu, su))
                    + dist_weight(p, kb) * (d(x, lu) + d(lu, y) - d(x, y));
                if a.len() == 1 && a.fixed == 0 {
                    delta -= p.inp.type_fixed_cost[ka] * crate::routing::problem::COST_SCALE;
                }
                // Taking u out of `a` saves at most its lateness cost.
                if delta >= a.late_cost {
                    continue;
                }
            }
            let rw = improving(
                p,
                sol,
                ru,
                &[Range(a, 0, nu - 1), Range(a, nu + 1, ea)],
                Some((rv, &[Range(b, 0, after), Job(u), Range(b, after + 1, eb)])),
                stats,
            );
            if rw.is_some() {
                return rw;
            }
        }
        None
    }
}
