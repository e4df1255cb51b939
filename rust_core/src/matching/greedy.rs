//! Baseline assignments to compare the optimal solver with.
//!
//! - [`greedy_matching`]: best-weight-first — repeatedly take the heaviest
//!   remaining positive edge whose row and column are both free.
//! - [`sequential_matching`]: first come, first served — rows in a given
//!   order each take the free column of smallest key (e.g. the nearest
//!   vehicle), whatever its weight.

use rayon::prelude::*;

use super::assignment::{BipartiteGraph, Matching};
use crate::error::{CoreError, CoreResult};

/// Best-weight-first greedy matching over the positive edges of `g`
/// (ties broken by row, then column, so the result is deterministic).
pub fn greedy_matching(g: &BipartiteGraph) -> Matching {
    let mut edges: Vec<(i64, u32, u32)> = Vec::with_capacity(g.n_edges());
    for i in 0..g.n_rows() {
        let (cols, ws) = g.row(i);
        for (&j, &w) in cols.iter().zip(ws) {
            if w > 0 {
                edges.push((w, i as u32, j));
            }
        }
    }
    edges.par_sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut row_col = vec![None; g.n_rows()];
    let mut col_used = vec![false; g.n_cols()];
    for (_, i, j) in edges {
        if row_col[i as usize].is_none() && !col_used[j as usize] {
            row_col[i as usize] = Some(j);
            col_used[j as usize] = true;
        }
    }
    Matching::from_rows(g, row_col)
}

/// Rows in `order` each take their free column of smallest `key` (one key per
/// edge of `g`, parallel to its CSR arrays); every edge is allowed whatever
/// its weight (this models a dispatcher that ignores the score).
///
/// # Errors
/// `InvalidInput` if `key` does not have one entry per edge or `order` names
/// a row that does not exist.
pub fn sequential_matching(g: &BipartiteGraph, key: &[i64], order: &[u32]) -> CoreResult<Matching> {
    if key.len() != g.n_edges() {
        return Err(CoreError::invalid(
            "key",
            format!(
                "has {} entries, expected one per edge ({})",
                key.len(),
                g.n_edges()
            ),
        ));
    }
    let mut row_col = vec![None; g.n_rows()];
    let mut col_used = vec![false; g.n_cols()];
    let mut offset = vec![0usize; g.n_rows() + 1];
    for i in 0..g.n_rows() {
        offset[i + 1] = offset[i] + g.row(i).0.len();
    }
    for &i in order {
        let iu = i as usize;
        if iu >= g.n_rows() {
            return Err(CoreError::invalid(
                "order",
                format!("row {i} does not exist"),
            ));
        }
        if row_col[iu].is_some() {
            continue;
        }
        let (cols, _) = g.row(iu);
        let keys = &key[offset[iu]..offset[iu + 1]];
        let best = cols
            .iter()
            .zip(keys)
            .filter(|(&j, _)| !col_used[j as usize])
            .min_by_key(|(&j, &k)| (k, j));
        if let Some((&j, _)) = best {
            row_col[iu] = Some(j);
            col_used[j as usize] = true;
        }
    }
    // Total over the graph's weights, including any non-positive ones taken.
    let total = row_col
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.and_then(|j| g.weight(i, j)))
        .sum();
    Ok(Matching { row_col, total })
}

#[cfg(test)]
mod tests {
    use super::super::assignment::tests::{random_graph, Rng};
    use super::super::assignment::{check_matching, max_weight_matching};
    use super::*;

    #[test]
    fn greedy_is_valid_and_never_beats_optimal() {
        let mut rng = Rng(3);
        for _ in 0..200 {
            let n = 1 + rng.below(12) as usize;
            let m = 1 + rng.below(12) as usize;
            let g = random_graph(&mut rng, n, m, 60, 100);
            let gr = greedy_matching(&g);
            check_matching(&g, &gr).unwrap();
            assert!(gr.total <= max_weight_matching(&g).total);
        }
    }

    #[test]
    fn greedy_can_be_suboptimal() {
        let g = BipartiteGraph::new(2, 2, vec![0, 2, 3], vec![0, 1, 0], vec![10, 9, 8]).unwrap();
        assert_eq!(greedy_matching(&g).total, 10);
        assert_eq!(max_weight_matching(&g).total, 17);
    }

    #[test]
    fn sequential_takes_smallest_key_in_order() {
        let g =
            BipartiteGraph::new(2, 2, vec![0, 2, 4], vec![0, 1, 0, 1], vec![1, 1, 1, 1]).unwrap();
        let key = [5, 7, 1, 9];
        let m = sequential_matching(&g, &key, &[0, 1]).unwrap();
        assert_eq!(m.row_col, vec![Some(0), Some(1)]);
        let m = sequential_matching(&g, &key, &[1, 0]).unwrap();
        assert_eq!(m.row_col, vec![Some(1), Some(0)]);
        assert!(sequential_matching(&g, &key[..3], &[0]).is_err());
        assert!(sequential_matching(&g, &key, &[2]).is_err());
    }
}
