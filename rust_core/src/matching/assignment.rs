//! Optimal sparse, unbalanced assignment: maximum-weight bipartite matching
//! where every row (load) and column (vehicle) may stay unassigned.
//!
//! The problem is solved as a min-cost rectangular assignment in which row
//! `i` gets a private "unassigned" column of cost 0 and each edge `(i, j)` of
//! weight `w > 0` costs `-w`; edges with `w <= 0` are dropped, so a pair of
//! non-positive value is never chosen. Rows are inserted one at a time by
//! successive shortest augmenting paths (the Hungarian method with Dijkstra on
//! reduced costs, as in Jonker–Volgenant), after a row-reduction start that
//! assigns every row whose best column is still free.
//!
//! Invariants (which make the result provably optimal): dual values `u`
//! (rows) and `v` (columns) satisfy `c(i,j) - u_i - v_j >= 0` on every edge,
//! with equality on assigned edges, and `v_j = 0` on every free column. When
//! all rows are assigned (possibly to their private column) these are the
//! complementary-slackness conditions of the rectangular assignment LP.
//! Weights are integers, so the optimum is exact.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::error::{CoreError, CoreResult};

/// Largest accepted absolute edge weight (keeps every dual sum far from overflow).
pub const MAX_WEIGHT: i64 = 1 << 52;

const NONE: u32 = u32::MAX;

/// A bipartite graph in compressed sparse row form: the edges of row `i` are
/// `cols[indptr[i]..indptr[i + 1]]` with weights `weights[..]` (same range).
#[derive(Clone, Debug)]
pub struct BipartiteGraph {
    n_rows: usize,
    n_cols: usize,
    indptr: Vec<usize>,
    cols: Vec<u32>,
    weights: Vec<i64>,
}

impl BipartiteGraph {
    /// Validate and wrap CSR arrays.
    ///
    /// # Errors
    /// `InvalidInput` if `indptr` is not a non-decreasing array of `n_rows + 1`
    /// offsets from 0 to `cols.len()`, if `cols` and `weights` differ in length,
    /// if a column index is `>= n_cols`, or if `|weight| > MAX_WEIGHT`.
    pub fn new(
        n_rows: usize,
        n_cols: usize,
        indptr: Vec<usize>,
        cols: Vec<u32>,
        weights: Vec<i64>,
    ) -> CoreResult<Self> {
        if indptr.len() != n_rows + 1 {
            return Err(CoreError::invalid(
                "indptr",
                format!(
                    "has {} entries, expected n_rows + 1 = {}",
                    indptr.len(),
                    n_rows + 1
                ),
            ));
        }
        if cols.len() != weights.len() {
            return Err(CoreError::invalid(
                "weights",
                format!("has {} entries but cols has {}", weights.len(), cols.len()),
            ));
        }
        if indptr[0] != 0 || indptr[n_rows] != cols.len() {
            return Err(CoreError::invalid(
                "indptr",
                format!("must run from 0 to {} (number of edges)", cols.len()),
            ));
        }
        if let Some(i) = indptr.windows(2).position(|w| w[0] > w[1]) {
            return Err(CoreError::invalid(
                "indptr",
                format!("decreases at row {i}"),
            ));
        }
        if n_cols >= NONE as usize {
            return Err(CoreError::invalid("n_cols", "too many columns"));
        }
        if let Some(e) = cols.iter().position(|&c| c as usize >= n_cols) {
            return Err(CoreError::invalid(
                "cols",
                format!("edge {e}: column {} is not < n_cols = {n_cols}", cols[e]),
            ));
        }
        if let Some(e) = weights.iter().position(|w| w.abs() > MAX_WEIGHT) {
            return Err(CoreError::invalid(
                "weights",
                format!("edge {e}: |{}| exceeds {MAX_WEIGHT}", weights[e]),
            ));
        }
        Ok(BipartiteGraph {
            n_rows,
            n_cols,
            indptr,
            cols,
            weights,
        })
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of edges.
    pub fn n_edges(&self) -> usize {
        self.cols.len()
    }

    /// The edges of row `i` as (columns, weights).
    #[inline]
    pub fn row(&self, i: usize) -> (&[u32], &[i64]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.cols[a..b], &self.weights[a..b])
    }

    /// Weight of edge `(i, j)` (the largest if repeated), or `None`.
    pub fn weight(&self, i: usize, j: u32) -> Option<i64> {
        let (c, w) = self.row(i);
        c.iter()
            .zip(w)
            .filter(|(&cj, _)| cj == j)
            .map(|(_, &wj)| wj)
            .max()
    }
}

/// A one-to-one assignment of rows to columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matching {
    /// Column assigned to each row, or `None`.
    pub row_col: Vec<Option<u32>>,
    /// Sum of the weights of the assigned edges.
    pub total: i64,
}

impl Matching {
    /// Number of assigned rows.
    pub fn len(&self) -> usize {
        self.row_col.iter().filter(|c| c.is_some()).count()
    }

    /// True if no row is assigned.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Build from a row → column vector, summing weights from `g`.
    pub(crate) fn from_rows(g: &BipartiteGraph, row_col: Vec<Option<u32>>) -> Self {
        let total = row_col
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.and_then(|j| g.weight(i, j)))
            .sum();
        Matching { row_col, total }
    }
}

/// Scratch state of the shortest-augmenting-path solver.
struct Ssp<'g> {
    g: &'g BipartiteGraph,
    m: usize,
    u: Vec<i64>,
    v: Vec<i64>,
    /// Row matched to column (real columns `0..m`, private columns `m + i`).
    col_row: Vec<u32>,
    row_col: Vec<u32>,
    dist: Vec<i64>,
    pred: Vec<u32>,
    done: Vec<bool>,
    touched: Vec<u32>,
    finalized: Vec<u32>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
    /// Dense graphs pick the next column by a linear scan of `open` (as
    /// Jonker–Volgenant do) instead of a heap: a row scan then costs O(m)
    /// without O(m log m) heap pushes.
    dense: bool,
    /// Reached, not yet finalized columns (dense mode).
    open: Vec<u32>,
}

impl<'g> Ssp<'g> {
    fn new(g: &'g BipartiteGraph) -> Self {
        let (n, m) = (g.n_rows, g.n_cols);
        Ssp {
            g,
            m,
            u: vec![0; n],
            v: vec![0; m + n],
            col_row: vec![NONE; m + n],
            row_col: vec![NONE; n],
            dist: vec![i64::MAX; m + n],
            pred: vec![NONE; m + n],
            done: vec![false; m + n],
            touched: Vec::new(),
            finalized: Vec::new(),
            heap: BinaryHeap::new(),
            dense: g.n_edges() as f64 >= 0.25 * n as f64 * m as f64,
            open: Vec::new(),
        }
    }

    /// Row reduction: `u_i = min(0, min_j -w_ij)`; rows whose best column is
    /// free take it (the edge is tight, `v` stays 0), rows without a positive
    /// edge take their private column.
    fn initialize(&mut self) {
        for i in 0..self.g.n_rows {
            let (cols, ws) = self.g.row(i);
            let mut best: Option<(i64, u32)> = None;
            for (&j, &w) in cols.iter().zip(ws) {
                if w > 0 && best.is_none_or(|(bw, _)| w > bw) {
                    best = Some((w, j));
                }
            }
            match best {
                None => {
                    self.u[i] = 0;
                    self.assign(i as u32, (self.m + i) as u32);
                }
                Some((w, j)) => {
                    self.u[i] = -w;
                    if self.col_row[j as usize] == NONE {
                        self.assign(i as u32, j);
                    }
                }
            }
        }
    }

    /// Augmenting row reduction (Jonker–Volgenant): free rows bid for their
    /// best column against its price, displacing its owner, for a bounded
    /// number of steps. Each step keeps every invariant: the column taken
    /// (now assigned) gets a lower `v`, the bidder's `u` becomes its second
    /// best reduced value, so all reduced costs stay `>= 0`, the new edge is
    /// tight, and free columns keep `v = 0`. Rows still free afterwards go
    /// through shortest augmenting paths.
    fn reduce_rows(&mut self) {
        let mut queue: std::collections::VecDeque<u32> = (0..self.g.n_rows as u32)
            .filter(|&i| self.row_col[i as usize] == NONE)
            .collect();
        let mut budget = 4 * queue.len() + 16;
        while let Some(i) = queue.pop_front() {
            if budget == 0 {
                queue.push_front(i);
                break;
            }
            budget -= 1;
            let iu = i as usize;
            // Best and second-best reduced values c - v over the row's
            // positive edges and its private column.
            let pj = (self.m + iu) as u32;
            let (mut u1, mut j1) = (-self.v[pj as usize], pj);
            let (mut u2, mut j2) = (i64::MAX, NONE);
            let (cols, ws) = self.g.row(iu);
            for (&j, &w) in cols.iter().zip(ws) {
                if w <= 0 {
                    continue;
                }
                let r = -w - self.v[j as usize];
                if r < u1 {
                    if j != j1 {
                        (u2, j2) = (u1, j1);
                    }
                    (u1, j1) = (r, j);
                } else if r < u2 && j != j1 {
                    (u2, j2) = (r, j);
                }
            }
            if j2 == NONE {
                // Only one candidate column: take it if free, else leave the row to Dijkstra.
                if self.col_row[j1 as usize] == NONE {
                    self.u[iu] = u1;
                    self.assign(i, j1);
                }
                continue;
            }
            let strict = u1 < u2;
            if !strict && self.col_row[j1 as usize] != NONE && self.col_row[j2 as usize] == NONE {
                j1 = j2;
            } else if strict {
                self.v[j1 as usize] -= u2 - u1;
            }
            self.u[iu] = u2;
            let owner = self.col_row[j1 as usize];
            self.assign(i, j1);
            if owner != NONE {
                self.row_col[owner as usize] = NONE;
                if strict {
                    queue.push_front(owner);
                } else {
                    queue.push_back(owner);
                }
            }
        }
    }

    #[inline]
    fn assign(&mut self, i: u32, j: u32) {
        self.row_col[i as usize] = j;
        self.col_row[j as usize] = i;
    }

    #[inline]
    fn relax(&mut self, j: u32, d: i64, from_row: u32) {
        let ju = j as usize;
        if d < self.dist[ju] {
            if self.dist[ju] == i64::MAX {
                self.touched.push(j);
                if self.dense {
                    self.open.push(j);
                }
            }
            self.dist[ju] = d;
            self.pred[ju] = from_row;
            if !self.dense {
                self.heap.push(Reverse((d, j)));
            }
        }
    }

    /// Push the edges of row `r` reached at distance `dr`.
    fn scan_row(&mut self, r: u32, dr: i64) {
        let ru = r as usize;
        let ur = self.u[ru];
        let (cols, ws) = self.g.row(ru);
        for (&j, &w) in cols.iter().zip(ws) {
            if w <= 0 || self.done[j as usize] {
                continue;
            }
            let rc = -w - ur - self.v[j as usize];
            debug_assert!(rc >= 0 || self.row_col[ru] == NONE, "negative reduced cost");
            self.relax(j, dr + rc, r);
        }
        let pj = (self.m + ru) as u32;
        if !self.done[pj as usize] {
            let rc = -ur - self.v[pj as usize];
            self.relax(pj, dr + rc, r);
        }
    }

    /// The reached, unfinalized column of smallest distance (ties: a free
    /// column first, which ends the search sooner).
    fn pop_min(&mut self) -> (i64, u32) {
        if self.dense {
            let (mut best, mut bd, mut bfree) = (0usize, i64::MAX, false);
            for (k, &j) in self.open.iter().enumerate() {
                let d = self.dist[j as usize];
                let free = self.col_row[j as usize] == NONE;
                if d < bd || (d == bd && free && !bfree) {
                    (best, bd, bfree) = (k, d, free);
                }
            }
            let j = self.open.swap_remove(best);
            return (bd, j);
        }
        loop {
            let Reverse((d, j)) = self
                .heap
                .pop()
                .expect("a private column is always reachable");
            if !self.done[j as usize] && d <= self.dist[j as usize] {
                return (d, j);
            }
        }
    }

    /// Insert unassigned row `root` through a shortest augmenting path.
    fn augment_from(&mut self, root: u32) {
        self.scan_row(root, 0);
        let end = loop {
            let (d, j) = self.pop_min();
            let ju = j as usize;
            self.done[ju] = true;
            self.finalized.push(j);
            let r = self.col_row[ju];
            if r == NONE {
                break j;
            }
            self.scan_row(r, d);
        };
        let dstar = self.dist[end as usize];
        // Dual update keeps reduced costs >= 0 and makes the path tight.
        self.u[root as usize] += dstar;
        for &j in &self.finalized {
            let ju = j as usize;
            if j == end {
                continue;
            }
            let delta = dstar - self.dist[ju];
            self.v[ju] -= delta;
            self.u[self.col_row[ju] as usize] += delta;
        }
        let mut j = end;
        loop {
            let r = self.pred[j as usize];
            let prev = self.row_col[r as usize];
            self.assign(r, j);
            if r == root {
                break;
            }
            j = prev;
        }
        for &j in &self.touched {
            self.dist[j as usize] = i64::MAX;
            self.done[j as usize] = false;
            self.pred[j as usize] = NONE;
        }
        self.touched.clear();
        self.finalized.clear();
        self.heap.clear();
        self.open.clear();
    }
}

/// Maximum-weight matching of `g` in which rows and columns may stay
/// unassigned and only edges of positive weight are ever used.
///
/// Exact for integer weights. Cost: one Dijkstra per row that the
/// row-reduction start leaves unassigned, each stopping at the first free
/// column it reaches, so contention (not graph size) drives the running time.
pub fn max_weight_matching(g: &BipartiteGraph) -> Matching {
    solve(g).0
}

/// The matching and the final solver state (duals), for certificate checks.
fn solve(g: &BipartiteGraph) -> (Matching, Ssp<'_>) {
    let mut s = Ssp::new(g);
    s.initialize();
    s.reduce_rows();
    for i in 0..g.n_rows {
        if s.row_col[i] == NONE {
            s.augment_from(i as u32);
        }
    }
    let m = s.m as u32;
    let row_col = s
        .row_col
        .iter()
        .map(|&j| if j < m { Some(j) } else { None })
        .collect();
    (Matching::from_rows(g, row_col), s)
}

/// Check that `m` is a valid matching of `g`: columns used once, every
/// assigned pair an edge of positive weight, and `total` consistent.
pub fn check_matching(g: &BipartiteGraph, m: &Matching) -> CoreResult<()> {
    if m.row_col.len() != g.n_rows {
        return Err(CoreError::invalid("matching", "wrong number of rows"));
    }
    let mut used = vec![false; g.n_cols];
    let mut total = 0i64;
    for (i, c) in m.row_col.iter().enumerate() {
        if let Some(j) = *c {
            let w = g.weight(i, j).ok_or_else(|| {
                CoreError::invalid_at("matching", i, format!("({i}, {j}) is not an edge"))
            })?;
            if w <= 0 {
                return Err(CoreError::invalid_at(
                    "matching",
                    i,
                    format!("weight {w} <= 0"),
                ));
            }
            if std::mem::replace(&mut used[j as usize], true) {
                return Err(CoreError::invalid(
                    "matching",
                    format!("column {j} used twice"),
                ));
            }
            total += w;
        }
    }
    if total != m.total {
        return Err(CoreError::invalid(
            "matching",
            format!("total {} != {total}", m.total),
        ));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tiny deterministic generator for tests (SplitMix64).
    pub(crate) struct Rng(pub u64);
    impl Rng {
        pub(crate) fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        pub(crate) fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    pub(crate) fn random_graph(
        rng: &mut Rng,
        n: usize,
        m: usize,
        density_pct: u64,
        wmax: i64,
    ) -> BipartiteGraph {
        let mut indptr = vec![0usize];
        let (mut cols, mut ws) = (Vec::new(), Vec::new());
        for _ in 0..n {
            for j in 0..m {
                if rng.below(100) < density_pct {
                    cols.push(j as u32);
                    ws.push(rng.below((2 * wmax + 1) as u64) as i64 - wmax / 3);
                }
            }
            indptr.push(cols.len());
        }
        BipartiteGraph::new(n, m, indptr, cols, ws).unwrap()
    }

    /// Exhaustive optimum over subsets of columns (m <= 12).
    fn brute_force(g: &BipartiteGraph) -> i64 {
        let m = g.n_cols();
        let mut best = vec![i64::MIN; 1 << m];
        best[0] = 0;
        for i in 0..g.n_rows() {
            let mut next = best.clone(); // row i unassigned
            for mask in 0..(1usize << m) {
                if best[mask] == i64::MIN {
                    continue;
                }
                let (cols, ws) = g.row(i);
                for (&j, &w) in cols.iter().zip(ws) {
                    let bit = 1usize << j;
                    if w > 0 && mask & bit == 0 {
                        let v = best[mask] + w;
                        if v > next[mask | bit] {
                            next[mask | bit] = v;
                        }
                    }
                }
            }
            best = next;
        }
        *best.iter().max().unwrap()
    }

    #[test]
    fn matches_brute_force_on_random_instances() {
        let mut rng = Rng(42);
        for case in 0..400 {
            let n = 1 + rng.below(8) as usize;
            let m = 1 + rng.below(8) as usize;
            let density = [20, 50, 100][case % 3];
            let g = random_graph(&mut rng, n, m, density, 50);
            let sol = max_weight_matching(&g);
            check_matching(&g, &sol).unwrap();
            assert_eq!(sol.total, brute_force(&g), "case {case}: {g:?}");
        }
    }

    /// The optimality certificate: reduced costs >= 0 on every positive edge
    /// and private column, 0 on assigned ones, `v <= 0`, `v = 0` on free columns.
    fn check_certificate(g: &BipartiteGraph) {
        let (_, s) = solve(g);
        let m = g.n_cols();
        for i in 0..g.n_rows() {
            let (cols, ws) = g.row(i);
            for (&j, &w) in cols.iter().zip(ws) {
                if w > 0 {
                    assert!(
                        -w - s.u[i] - s.v[j as usize] >= 0,
                        "row {i} col {j}: negative reduced cost"
                    );
                }
            }
            assert!(-s.u[i] - s.v[m + i] >= 0, "row {i}: private column");
            let j = s.row_col[i] as usize;
            let c = if j >= m {
                0
            } else {
                -g.weight(i, j as u32).unwrap()
            };
            assert_eq!(c - s.u[i] - s.v[j], 0, "row {i}: assigned edge not tight");
        }
        for (j, &v) in s.v.iter().enumerate() {
            assert!(v <= 0);
            if s.col_row[j] == NONE {
                assert_eq!(v, 0, "free column {j} has v = {v}");
            }
        }
    }

    #[test]
    fn duals_certify_optimality() {
        let mut rng = Rng(2024);
        for _ in 0..2000 {
            let n = 1 + rng.below(9) as usize;
            let m = 1 + rng.below(9) as usize;
            let mut indptr = vec![0usize];
            let (mut cols, mut ws) = (Vec::new(), Vec::new());
            for _ in 0..n {
                for _ in 0..rng.below(12) {
                    cols.push(rng.below(m as u64) as u32);
                    ws.push(rng.below(60) as i64 - 10);
                }
                indptr.push(cols.len());
            }
            check_certificate(&BipartiteGraph::new(n, m, indptr, cols, ws).unwrap());
        }
        for density in [30, 100] {
            check_certificate(&random_graph(&mut rng, 60, 45, density, 1000));
        }
    }

    #[test]
    fn repeated_edges_match_brute_force() {
        let mut rng = Rng(77);
        for case in 0..3000 {
            let n = 1 + rng.below(8) as usize;
            let m = 1 + rng.below(5) as usize;
            let mut indptr = vec![0usize];
            let (mut cols, mut ws) = (Vec::new(), Vec::new());
            for _ in 0..n {
                for _ in 0..rng.below(9) {
                    cols.push(rng.below(m as u64) as u32);
                    ws.push(rng.below(40) as i64 - 5);
                }
                indptr.push(cols.len());
            }
            let g = BipartiteGraph::new(n, m, indptr, cols, ws).unwrap();
            let sol = max_weight_matching(&g);
            check_matching(&g, &sol).unwrap();
            assert_eq!(sol.total, brute_force(&g), "case {case}: {g:?}");
        }
    }

    #[test]
    fn never_uses_non_positive_edges() {
        let g = BipartiteGraph::new(2, 2, vec![0, 2, 3], vec![0, 1, 0], vec![-5, 0, 3]).unwrap();
        let sol = max_weight_matching(&g);
        assert_eq!(sol.row_col, vec![None, Some(0)]);
        assert_eq!(sol.total, 3);
    }

    #[test]
    fn prefers_two_pairs_over_one_heavy_pair_when_better() {
        // Row 0 likes column 0 (10) and column 1 (9); row 1 only column 0 (8).
        let g = BipartiteGraph::new(2, 2, vec![0, 2, 3], vec![0, 1, 0], vec![10, 9, 8]).unwrap();
        let sol = max_weight_matching(&g);
        assert_eq!(sol.row_col, vec![Some(1), Some(0)]);
        assert_eq!(sol.total, 17);
    }

    #[test]
    fn handles_empty_rows_and_more_rows_than_columns() {
        let g = BipartiteGraph::new(3, 1, vec![0, 0, 1, 2], vec![0, 0], vec![4, 6]).unwrap();
        let sol = max_weight_matching(&g);
        assert_eq!(sol.row_col, vec![None, None, Some(0)]);
        let empty = BipartiteGraph::new(0, 0, vec![0], vec![], vec![]).unwrap();
        assert!(max_weight_matching(&empty).is_empty());
    }

    #[test]
    fn rejects_malformed_graphs() {
        assert!(BipartiteGraph::new(1, 1, vec![0], vec![], vec![]).is_err());
        assert!(BipartiteGraph::new(1, 1, vec![0, 1], vec![1], vec![1]).is_err());
        assert!(BipartiteGraph::new(1, 1, vec![0, 1], vec![0], vec![]).is_err());
        assert!(BipartiteGraph::new(2, 1, vec![0, 1, 0], vec![0], vec![1]).is_err());
        assert!(BipartiteGraph::new(1, 1, vec![0, 1], vec![0], vec![MAX_WEIGHT + 1]).is_err());
    }

    #[test]
    fn large_sparse_instance_is_valid_and_fast() {
        // 3,000 × 3,000 with 20 random edges per row.
        let mut rng = Rng(7);
        let (n, m, k) = (3000usize, 3000usize, 20usize);
        let mut indptr = vec![0usize];
        let (mut cols, mut ws) = (Vec::new(), Vec::new());
        for _ in 0..n {
            for _ in 0..k {
                cols.push(rng.below(m as u64) as u32);
                ws.push(1 + rng.below(1_000_000) as i64);
            }
            indptr.push(cols.len());
        }
        let g = BipartiteGraph::new(n, m, indptr, cols, ws).unwrap();
        let sol = max_weight_matching(&g);
        check_matching(&g, &sol).unwrap();
        assert!(sol.len() > n * 9 / 10);
    }
}
