//! Bindings for [`crate::matching`], one file per native class.
//!
//! - [`assignment`]: `max_weight_matching`, `greedy_matching` (the assignment
//!   solvers on CSR arrays).
//! - [`matcher_core`]: `MatcherCore`, the fleet, vehicle types and
//!   route-expertise profiles, built once from arrays and queried many times,
//!   from any number of threads (it holds its own read/write lock).
//! - [`load_set`]: `LoadSet`, open loads indexed by pickup (made by
//!   `MatcherCore.prepare_loads`).
//! - [`pairs`]: the result layout shared by the queries (columns of score
//!   components, ready rows in `PAIR_COLUMNS` order) and the reject codes.
//! - [`wire`]: the protobuf encoding of a `RecommendResponse` (the server's
//!   per-request answer as bytes).
//!
//! Results come back as dicts of NumPy arrays (one entry per recommendation
//! or assigned pair) with the score components. Indices are positions in the
//! arrays the caller passed (vehicles, loads); ids stay on the Python side.
//! The single-query methods `recommend_vehicle_rows` / `recommend_load_rows`
//! (the server's per-request path) return ready rows instead: a list of tuples
//! in `PAIR_COLUMNS` order with the ids filled in from the caller's id array.

mod assignment;
mod load_set;
mod matcher_core;
mod pairs;
mod wire;

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::error::{CoreError, CoreResult};

type I64Array<'py> = PyReadonlyArray1<'py, i64>;
type F64Array<'py> = PyReadonlyArray1<'py, f64>;

fn to_u32(field: &str, v: &[i64], bound: usize) -> CoreResult<Vec<u32>> {
    v.iter()
        .map(|&x| {
            if x < 0 || x as u64 >= bound as u64 {
                Err(CoreError::invalid(
                    field,
                    format!("index {x} is not in [0, {bound})"),
                ))
            } else {
                Ok(x as u32)
            }
        })
        .collect()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    assignment::register(m)?;
    m.add_class::<matcher_core::MatcherCore>()?;
    m.add_class::<load_set::LoadSet>()?;
    m.add("REJECT_REASONS", pairs::reject_reasons(m.py())?)?;
    Ok(())
}
