//! Local search: one operator per file on the shared [`Operator`] trait, and
//! the granular descent that drives them.
//!
//! Every move is described as the new node sequence of each route it touches,
//! made of [`Piece`]s (cached prefix/suffix segments or short folded ranges),
//! so a move is evaluated in O(1) for inter-route moves and in O(moved span)
//! for intra-route moves. Jobs of pickup–delivery pairs are moved as a unit
//! by pair relocate, by 2-opt* (when no pair straddles either cut) and by
//! ruin-and-recreate; the other operators leave them in place.

mod or_opt;
mod pair_relocate;
mod relocate;
mod swap;
mod swap_star;
mod two_opt_star;

pub use or_opt::OrOpt;
pub use pair_relocate::PairRelocate;
pub use relocate::Relocate;
pub use swap::Swap;
pub use swap_star::SwapStar;
pub use two_opt_star::TwoOptStar;

use super::insert::Stats;
use super::problem::Problem;
use super::rng::Rng;
use super::route::{eval_pieces, Piece, Route};
use super::solution::{Solution, UNASSIGNED};

/// A route rewrite: route index and its new job list.
pub type Rewrite = Vec<(usize, Vec<usize>)>;

/// One local-search neighbourhood.
pub trait Operator {
    fn name(&self) -> &'static str;
    /// Evaluate this operator's moves between job `u` and its granular
    /// neighbour `v`; return the rewrite of the first strictly improving one.
    fn find(
        &self,
        p: &Problem,
        sol: &Solution,
        u: usize,
        v: usize,
        stats: &mut Stats,
    ) -> Option<Rewrite>;
}

/// Node index (1-based job position) and route of `j`, if `j` may move:
/// assigned, not pinned, outside the fixed prefix and not part of a pair.
#[inline]
pub(crate) fn movable(p: &Problem, sol: &Solution, j: usize) -> Option<(usize, usize)> {
    let (r, i) = sol.pos[j];
    if (r, i) == UNASSIGNED || p.pair[j].is_some() {
        return None;
    }
    let route = &sol.routes[r as usize];
    if route.pinned || (i as usize) < route.fixed {
        return None;
    }
    Some((r as usize, i as usize + 1))
}

/// Route and node index of `j` if assigned.
#[inline]
pub(crate) fn node_of(sol: &Solution, j: usize) -> Option<(usize, usize)> {
    let (r, i) = sol.pos[j];
    ((r, i) != UNASSIGNED).then_some((r as usize, i as usize + 1))
}

fn n_jobs(pieces: &[Piece<'_>]) -> usize {
    pieces
        .iter()
        .map(|pc| match *pc {
            Piece::Range(r, i, j) => {
                let (a, b) = (i.max(1), j.min(r.len()));
                if a <= b {
                    b - a + 1
                } else {
                    0
                }
            }
            Piece::Job(_) => 1,
        })
        .sum()
}

/// New cost of `route` rebuilt from `pieces` (type unchanged), `None` if infeasible.
pub(crate) fn rebuilt_cost(p: &Problem, route: &Route, pieces: &[Piece<'_>]) -> Option<i64> {
    if n_jobs(pieces) == 0 && route.fixed == 0 {
        return Some(0);
    }
    let k = route.vtype;
    let exact = p.type_has_breaks(k)
        || pieces.iter().any(|pc| match *pc {
            Piece::Range(r, _, _) => r.exact,
            Piece::Job(j) => p.job_multi_tw[j],
        });
    eval_pieces(p, k, pieces, exact)
}

/// Jobs of a piece list, in order.
pub(crate) fn materialize(pieces: &[Piece<'_>]) -> Vec<usize> {
    let mut out = Vec::new();
    for pc in pieces {
        match *pc {
            Piece::Range(r, i, j) => {
                let (a, b) = (i.max(1), j.min(r.len()));
                if a <= b {
                    out.extend_from_slice(&r.jobs[a - 1..b]);
                }
            }
            Piece::Job(j) => out.push(j),
        }
    }
    out
}

/// Evaluate rewriting routes `ra` (and `rb` when given) into the piece lists;
/// return the rewrite if it strictly lowers the cost.
pub(crate) fn improving(
    p: &Problem,
    sol: &Solution,
    ra: usize,
    pa: &[Piece<'_>],
    rb: Option<(usize, &[Piece<'_>])>,
    stats: &mut Stats,
) -> Option<Rewrite> {
    stats.evaluations += 1;
    let a = &sol.routes[ra];
    let mut delta = -a.cost;
    if let Some((rb, _)) = rb {
        delta -= sol.routes[rb].cost;
    }
    // Cheap distance-only bound first when neither route pays for time.
    let ca = rebuilt_cost(p, a, pa)?;
    delta += ca;
    if let Some((rbi, pb)) = rb {
        let b = &sol.routes[rbi];
        let cb = rebuilt_cost(p, b, pb)?;
        delta += cb;
    }
    if delta >= 0 {
        return None;
    }
    let mut rw = vec![(ra, materialize(pa))];
    if let Some((rbi, pb)) = rb {
        rw.push((rbi, materialize(pb)));
    }
    Some(rw)
}

/// Apply a rewrite and drop routes it emptied.
pub fn apply(p: &Problem, sol: &mut Solution, rw: Rewrite) {
    for (r, jobs) in rw {
        *sol.jobs_mut(r) = jobs;
        sol.refresh(p, r);
    }
    sol.remove_empty_routes(p);
}

/// Distance delta lower bound helper: cost per distance unit of type `k`.
#[inline]
pub(crate) fn dist_weight(p: &Problem, k: usize) -> i64 {
    p.inp.type_cost_per_km[k] * 3600
}

/// Granular descent: for jobs in random order and each of their `granular`
/// nearest neighbours, apply the first improving move of any operator until
/// no operator improves. Returns the number of moves applied.
pub fn descend(
    p: &Problem,
    sol: &mut Solution,
    ops: &[&dyn Operator],
    granular: usize,
    rng: &mut Rng,
    stats: &mut Stats,
    deadline: Option<std::time::Instant>,
) -> usize {
    descend_until(p, sol, ops, granular, rng, stats, deadline, None)
}

/// [`descend`] that also stops (between two jobs of a pass, leaving a valid
/// solution) as soon as `cancel` is set.
#[allow(clippy::too_many_arguments)]
pub fn descend_until(
    p: &Problem,
    sol: &mut Solution,
    ops: &[&dyn Operator],
    granular: usize,
    rng: &mut Rng,
    stats: &mut Stats,
    deadline: Option<std::time::Instant>,
    cancel: Option<&std::sync::atomic::AtomicBool>,
) -> usize {
    let cancelled = || cancel.is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed));
    let mut order: Vec<usize> = (0..p.n_jobs).collect();
    rng.shuffle(&mut order);
    // `tested[u]`: clock when u's neighbourhood was last swept. A pair (u, v)
    // needs a look only if u's or v's route changed since (Vidal's "route
    // modified since last tested"; every operator touches those two routes
    // only). Routes unchanged since the lineage's last complete descent
    // (`sol.settled`) hold no improving move between them.
    let mut tested: Vec<u64> = vec![sol.settled; p.n_jobs];
    let stamp = |sol: &Solution, j: usize| sol.routes[sol.pos[j].0 as usize].stamp;
    let mut moves = 0;
    let mut improved = true;
    let mut complete = false;
    while improved {
        improved = false;
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            break;
        }
        for &u in &order {
            if cancelled() {
                return moves;
            }
            if sol.pos[u] == UNASSIGNED {
                continue;
            }
            let since = tested[u];
            tested[u] = sol.clock;
            let nb = &p.neighbours[u];
            for &v in &nb[..granular.min(nb.len())] {
                let v = v as usize;
                if sol.pos[v] == UNASSIGNED || sol.pos[u] == UNASSIGNED {
                    continue;
                }
                if stamp(sol, u) <= since && stamp(sol, v) <= since {
                    continue;
                }
                for op in ops {
                    if let Some(rw) = op.find(p, sol, u, v, stats) {
                        apply(p, sol, rw);
                        moves += 1;
                        improved = true;
                        if sol.pos[u] == UNASSIGNED || sol.pos[v] == UNASSIGNED {
                            break;
                        }
                    }
                }
            }
        }
        complete = !improved;
    }
    if complete {
        sol.settled = sol.clock;
    }
    moves
}
