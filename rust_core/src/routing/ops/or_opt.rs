//! Or-opt: move a string of two or three consecutive jobs starting at `u`
//! right after its neighbour `v` (same or another route).

use super::{improving, movable, node_of, Operator, Rewrite};
use crate::routing::insert::Stats;
use crate::routing::problem::Problem;
use crate::routing::route::Piece::Range;
use crate::routing::solution::Solution;

pub struct OrOpt;

impl Operator for OrOpt {
    fn name(&self) -> &'static str {
        "or-opt"
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
        let (rv, after) = node_of(sol, v)?;
        let (a, b) = (&sol.routes[ru], &sol.routes[rv]);
        if b.pinned || after < b.fixed {
            return None;
        }
        let (ea, eb) = (a.len() + 1, b.len() + 1);
        for len in 2..=3usize {
            let last = nu + len - 1;
            if last > a.len() {
                break;
            }
            let chunk = &a.jobs[nu - 1..last];
            if chunk.iter().any(|&j| p.pair[j].is_some()) {
                break;
            }
            if ru == rv {
                if after + 1 >= nu && after <= last {
                    continue;
                }
                let rw = if after < nu {
                    improving(
                        p,
                        sol,
                        ru,
                        &[
                            Range(a, 0, after),
                            Range(a, nu, last),
                            Range(a, after + 1, nu - 1),
                            Range(a, last + 1, ea),
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
                            Range(a, last + 1, after),
                            Range(a, nu, last),
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
            if chunk.iter().any(|&j| !p.can_serve(b.vtype, j)) {
                continue;
            }
            let rw = improving(
                p,
                sol,
                ru,
                &[Range(a, 0, nu - 1), Range(a, last + 1, ea)],
                Some((
                    rv,
                    &[
                        Range(b, 0, after),
                        Range(a, nu, last),
                        Range(b, after + 1, eb),
                    ],
                )),
                stats,
            );
            if rw.is_some() {
                return rw;
            }
        }
        None
    }
}
