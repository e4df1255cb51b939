//! Bindings for [`crate::packing`].

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use super::convert::{run_detached, slice};
use crate::packing;

/// Bounded-knapsack pricing over Pareto states: `(value, best items, extra patterns)`.
#[pyfunction]
#[pyo3(signature = (sizes, values, capacity, floor, max_extra))]
fn knapsack_pareto<'py>(
    py: Python<'py>,
    sizes: PyReadonlyArray1<'py, i64>,
    values: PyReadonlyArray1<'py, f64>,
    capacity: i64,
    floor: f64,
    max_extra: usize,
) -> PyResult<(f64, Vec<usize>, Vec<Vec<usize>>)> {
    let (s, v) = (slice(py, "sizes", &sizes)?, slice(py, "values", &values)?);
    let out = run_detached(py, || {
        packing::knapsack_pareto(s, v, capacity, floor, max_extra)
    })?;
    Ok((out.value, out.best, out.extra))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(knapsack_pareto, m)?)?;
    Ok(())
}
