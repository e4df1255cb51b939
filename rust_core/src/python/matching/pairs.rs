//! The result layout of the matcher's queries: flat columns of score components
//! (one entry per pair), ready rows in `PAIR_COLUMNS` order, and the reject codes.

use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;

use crate::matching::recommend::Ranked;
use crate::matching::scoring::{Components, Reject};

/// One recommendation in `PAIR_COLUMNS` order: load id, vehicle id, rank
/// (1-based), score, expertise, backhaul, deadhead m, arrival, utilization,
/// rating vs prior, price margin.
pub(super) type PairRow = (i64, i64, i64, f64, f64, f64, i64, i64, f64, f64, f64);

pub(super) fn pair_row(load_id: i64, vehicle_id: i64, rank: usize, c: &Components) -> PairRow {
    (
        load_id,
        vehicle_id,
        rank as i64 + 1,
        c.score,
        c.expertise,
        c.backhaul,
        c.deadhead_m,
        c.arrival,
        c.utilization,
        c.rating,
        c.price,
    )
}

/// Flat result columns, one entry per (load, vehicle) pair.
#[derive(Default)]
pub(super) struct Pairs {
    pub(super) load: Vec<i64>,
    vehicle: Vec<i64>,
    rank: Vec<i64>,
    pub(super) reject: Vec<i64>,
    c: Vec<Components>,
}

impl Pairs {
    pub(super) fn push(&mut self, load: i64, vehicle: i64, rank: i64, c: Components) {
        self.load.push(load);
        self.vehicle.push(vehicle);
        self.rank.push(rank);
        self.reject.push(0);
        self.c.push(c);
    }

    pub(super) fn into_dict(self, py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        let d = PyDict::new(py);
        // Large results (batches) split their columns on the thread pool (no
        // Python object is touched there).
        let par = self.c.len() >= PAR_MIN;
        let col_f = |f: fn(&Components) -> f64| -> Vec<f64> {
            if par {
                self.c.par_iter().map(f).collect()
            } else {
                self.c.iter().map(f).collect()
            }
        };
        let col_i = |f: fn(&Components) -> i64| -> Vec<i64> {
            if par {
                self.c.par_iter().map(f).collect()
            } else {
                self.c.iter().map(f).collect()
            }
        };
        d.set_item("score", col_f(|c| c.score).into_pyarray(py))?;
        d.set_item("expertise", col_f(|c| c.expertise).into_pyarray(py))?;
        d.set_item("backhaul", col_f(|c| c.backhaul).into_pyarray(py))?;
        d.set_item("deadhead_m", col_i(|c| c.deadhead_m).into_pyarray(py))?;
        d.set_item("arrival", col_i(|c| c.arrival).into_pyarray(py))?;
        d.set_item("utilization", col_f(|c| c.utilization).into_pyarray(py))?;
        d.set_item("rating", col_f(|c| c.rating).into_pyarray(py))?;
        d.set_item("price", col_f(|c| c.price).into_pyarray(py))?;
        d.set_item("load", self.load.into_pyarray(py))?;
        d.set_item("vehicle", self.vehicle.into_pyarray(py))?;
        d.set_item("rank", self.rank.into_pyarray(py))?;
        d.set_item("reject", self.reject.into_pyarray(py))?;
        Ok(d)
    }
}

pub(super) fn empty_components() -> Components {
    Components {
        score: f64::NAN,
        expertise: f64::NAN,
        backhaul: f64::NAN,
        deadhead_m: -1,
        arrival: -1,
        utilization: f64::NAN,
        rating: f64::NAN,
        price: f64::NAN,
    }
}

/// Results from this many pairs on are flattened and split into columns in parallel.
const PAR_MIN: usize = 50_000;

/// Flatten per-query lists; `by_vehicle` says the query side is the vehicle.
pub(super) fn flatten(queries: &[u32], lists: Vec<Vec<Ranked>>, by_vehicle: bool) -> Pairs {
    let n: usize = lists.iter().map(Vec::len).sum();
    if n >= PAR_MIN {
        let rows = |i: usize| {
            let q = queries[i];
            lists[i].iter().enumerate().map(move |(rank, r)| {
                let (l, v) = if by_vehicle {
                    (r.index, q)
                } else {
                    (q, r.index)
                };
                (i64::from(l), i64::from(v), rank as i64 + 1, r.c)
            })
        };
        let all: Vec<(i64, i64, i64, Components)> = (0..lists.len())
            .into_par_iter()
            .flat_map_iter(rows)
            .collect();
        return Pairs {
            load: all.par_iter().map(|x| x.0).collect(),
            vehicle: all.par_iter().map(|x| x.1).collect(),
            rank: all.par_iter().map(|x| x.2).collect(),
            reject: vec![0; n],
            c: all.into_par_iter().map(|x| x.3).collect(),
        };
    }
    let mut p = Pairs::default();
    for (&q, list) in queries.iter().zip(lists) {
        for (rank, r) in list.into_iter().enumerate() {
            let (l, v) = if by_vehicle {
                (r.index, q)
            } else {
                (q, r.index)
            };
            p.push(i64::from(l), i64::from(v), rank as i64 + 1, r.c);
        }
    }
    p
}

/// `reject` code (0: feasible) to reason, for `engine.matching.REJECT_REASONS`:
/// the codes are defined once, by [`Reject`].
pub(super) fn reject_reasons(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(0, "feasible")?;
    for r in Reject::ALL {
        d.set_item(r as u8, r.reason())?;
    }
    Ok(d)
}
