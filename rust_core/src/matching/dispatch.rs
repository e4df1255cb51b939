//! Batch dispatch: one-to-one assignment of open loads to vehicles over the
//! sparse candidate graph (each load's best `m` feasible vehicles).
//!
//! Objectives:
//! - [`Objective::Score`]: maximize the total match score; only pairs with a
//!   positive score are candidates (scores are quantized to
//!   [`SCORE_SCALE`] units for the exact integer solver).
//! - [`Objective::Deadhead`]: match as many loads as possible and, among
//!   those assignments, minimize total deadhead (edge weight
//!   `big - deadhead_m` with `big` larger than any total deadhead difference).
//! - [`Objective::Fill`]: match as many loads as possible among the feasible
//!   pairs (every pair that passes the hard filters, whatever its score) and,
//!   among those assignments, maximize the total score (edge weight
//!   `big + score - min score` with `big` larger than any total score difference).
//!
//! Methods: the optimal solver ([`super::assignment`]), best-first greedy on
//! the same graph, and first-come-first-served nearest vehicle over the
//! deadhead-ranked graph (a simple dispatcher's baseline).

use super::assignment::{max_weight_matching, BipartiteGraph, Matching};
use super::greedy::{greedy_matching, sequential_matching};
use super::recommend::{vehicles_for_loads, Query, Rank, Ranked};
use super::scoring::{Loads, Scorer};
use crate::error::{CoreError, CoreResult};

/// Score units per score point in the integer solver.
pub const SCORE_SCALE: f64 = 1e6;

/// What the assignment optimizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    Score,
    Deadhead,
    Fill,
}

impl Objective {
    /// Parse `"score"`, `"deadhead"` or `"fill"`.
    ///
    /// # Errors
    /// `InvalidInput` (field `objective`) for any other name.
    pub fn parse(s: &str) -> CoreResult<Self> {
        match s {
            "score" => Ok(Self::Score),
            "deadhead" => Ok(Self::Deadhead),
            "fill" => Ok(Self::Fill),
            _ => Err(CoreError::invalid(
                "objective",
                format!("must be 'score', 'fill' or 'deadhead', got {s:?}"),
            )),
        }
    }
}

/// How the assignment is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Optimal,
    Greedy,
    /// Loads in the given order each take the nearest free feasible vehicle.
    Nearest,
}

/// Candidate pairs of a set of loads, as a CSR graph over (loads, vehicles).
pub struct CandidateGraph {
    /// Rows are positions in the `rows` slice the graph was built for.
    pub graph: BipartiteGraph,
    /// The scored candidate of each edge, in CSR order.
    pub edges: Vec<Ranked>,
}

/// Build the candidate graph of `rows` (load indices): each load's best `m`
/// feasible vehicles for `objective`.
///
/// # Errors
/// `InvalidInput` if `m == 0`.
pub fn candidate_graph(
    sc: &Scorer<'_>,
    loads: &Loads,
    rows: &[u32],
    m: usize,
    objective: Objective,
) -> CoreResult<CandidateGraph> {
    if m == 0 {
        return Err(CoreError::invalid("candidates", "must be >= 1"));
    }
    let q = match objective {
        Objective::Score => Query {
            k: m,
            rank: Rank::Score,
            min_score: 0.0,
        },
        Objective::Deadhead => Query {
            k: m,
            rank: Rank::Deadhead,
            min_score: f64::NEG_INFINITY,
        },
        Objective::Fill => Query {
            k: m,
            rank: Rank::Score,
            min_score: f64::NEG_INFINITY,
        },
    };
    let lists = vehicles_for_loads(sc, loads, rows, q);
    let quantized = |s: f64| (s * SCORE_SCALE).round() as i64;
    let (lo, hi) = lists
        .iter()
        .flatten()
        .fold((i64::MAX, i64::MIN), |(lo, hi), r| {
            let q = quantized(r.c.score);
            (lo.min(q), hi.max(q))
        });
    let big = match objective {
        Objective::Fill => (hi.saturating_sub(lo) + 1).saturating_mul(rows.len() as i64 + 1),
        _ => (sc.params.max_deadhead_m + 1).saturating_mul(rows.len() as i64 + 1),
    };
    let mut indptr = Vec::with_capacity(rows.len() + 1);
    indptr.push(0usize);
    let (mut cols, mut weights, mut edges) = (Vec::new(), Vec::new(), Vec::new());
    for list in lists {
        for r in list {
            let w = match objective {
                Objective::Score => (r.c.score * SCORE_SCALE).round() as i64,
                Objective::Deadhead => big - r.c.deadhead_m,
                Objective::Fill => big + quantized(r.c.score) - lo + 1,
            };
            if w <= 0 {
                continue;
            }
            cols.push(r.index);
            weights.push(w);
            edges.push(r);
        }
        indptr.push(cols.len());
    }
    let graph = BipartiteGraph::new(rows.len(), sc.fleet.len(), indptr, cols, weights)?;
    Ok(CandidateGraph { graph, edges })
}

/// Edge index chosen for each assigned row: `(row, edge)` pairs.
fn chosen_edges(g: &BipartiteGraph, m: &Matching) -> Vec<(u32, usize)> {
    let mut start = 0usize;
    let mut out = Vec::new();
    for (i, c) in m.row_col.iter().enumerate() {
        let (cols, _) = g.row(i);
        if let Some(j) = *c {
            let e = cols
                .iter()
                .position(|&x| x == j)
                .expect("assigned pair is an edge");
            out.push((i as u32, start + e));
        }
        start += cols.len();
    }
    out
}

/// Assign over a candidate graph; `order` (row positions) is used by
/// [`Method::Nearest`] only. Returns `(row, edge index)` per assigned row.
///
/// # Errors
/// `InvalidInput` if `order` names a row that does not exist.
pub fn assign(cg: &CandidateGraph, method: Method, order: &[u32]) -> CoreResult<Vec<(u32, usize)>> {
    let m = match method {
        Method::Optimal => max_weight_matching(&cg.graph),
        Method::Greedy => greedy_matching(&cg.graph),
        Method::Nearest => {
            let key: Vec<i64> = cg.edges.iter().map(|r| r.c.deadhead_m).collect();
            sequential_matching(&cg.graph, &key, order)?
        }
    };
    Ok(chosen_edges(&cg.graph, &m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::recommend::tests::{default_weights, world};

    #[test]
    fn optimal_beats_greedy_and_pairs_are_unique() {
        let w = world(8, 500, 500, 20_000);
        let sc = w.scorer(default_weights());
        let rows: Vec<u32> = (0..w.loads.len() as u32).collect();
        let cg = candidate_graph(&sc, &w.loads, &rows, 20, Objective::Score).unwrap();
        let total =
            |sel: &[(u32, usize)]| sel.iter().map(|&(_, e)| cg.edges[e].c.score).sum::<f64>();
        let opt = assign(&cg, Method::Optimal, &[]).unwrap();
        let gr = assign(&cg, Method::Greedy, &[]).unwrap();
        assert!(total(&opt) >= total(&gr) - 1e-6);
        let mut used = vec![false; w.fleet.len()];
        for &(_, e) in &opt {
            let v = cg.edges[e].index as usize;
            assert!(!std::mem::replace(&mut used[v], true));
            assert!(cg.edges[e].c.score > 0.0);
        }
    }

    #[test]
    fn fill_objective_matches_most_loads_then_maximizes_score() {
        let w = world(11, 300, 400, 10_000);
        let sc = w.scorer(default_weights());
        let rows: Vec<u32> = (0..w.loads.len() as u32).collect();
        // m above any load's number of feasible vehicles: every feasible pair is an edge
        let all = w.fleet.len();
        let fill = candidate_graph(&sc, &w.loads, &rows, all, Objective::Fill).unwrap();
        let dead = candidate_graph(&sc, &w.loads, &rows, all, Objective::Deadhead).unwrap();
        let score = candidate_graph(&sc, &w.loads, &rows, all, Objective::Score).unwrap();
        assert_eq!(fill.edges.len(), dead.edges.len());
        let opt = assign(&fill, Method::Optimal, &[]).unwrap();
        let max_card = assign(&dead, Method::Optimal, &[]).unwrap();
        let by_score = assign(&score, Method::Optimal, &[]).unwrap();
        let near = assign(&dead, Method::Nearest, &rows).unwrap();
        assert_eq!(opt.len(), max_card.len());
        assert!(opt.len() >= by_score.len() && opt.len() >= near.len());
        assert!(
            opt.len() > by_score.len(),
            "this world has loads only fill can match"
        );
        let total = |cg: &CandidateGraph, sel: &[(u32, usize)]| {
            sel.iter().map(|&(_, e)| cg.edges[e].c.score).sum::<f64>()
        };
        // among maximum matchings, fill's total score is the best
        assert!(total(&fill, &opt) >= total(&dead, &max_card) - 1e-6);
        let gr = assign(&fill, Method::Greedy, &[]).unwrap();
        if gr.len() == opt.len() {
            assert!(total(&fill, &opt) >= total(&fill, &gr) - 1e-6);
        }
        assert!(Objective::parse("fastest").is_err());
        assert_eq!(Objective::parse("fill").unwrap(), Objective::Fill);
    }

    #[test]
    fn deadhead_objective_maximizes_matches_first() {
        let w = world(9, 300, 400, 10_000);
        let sc = w.scorer(default_weights());
        let rows: Vec<u32> = (0..w.loads.len() as u32).collect();
        let cg = candidate_graph(&sc, &w.loads, &rows, 30, Objective::Deadhead).unwrap();
        let opt = assign(&cg, Method::Optimal, &[]).unwrap();
        let gr = assign(&cg, Method::Greedy, &[]).unwrap();
        let near = assign(&cg, Method::Nearest, &rows).unwrap();
        assert!(opt.len() >= gr.len() && opt.len() >= near.len());
        let dh = |sel: &[(u32, usize)]| {
            sel.iter()
                .map(|&(_, e)| cg.edges[e].c.deadhead_m)
                .sum::<i64>()
        };
        if opt.len() == gr.len() {
            assert!(dh(&opt) <= dh(&gr));
        }
        assert!(candidate_graph(&sc, &w.loads, &rows, 0, Objective::Score).is_err());
        assert!(assign(&cg, Method::Nearest, &[10_000]).is_err());
    }
}
