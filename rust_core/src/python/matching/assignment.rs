//! `max_weight_matching` and `greedy_matching`: the assignment solvers on CSR arrays.

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

use super::{to_u32, I64Array};
use crate::error::{CoreError, CoreResult};
use crate::matching::{self, BipartiteGraph, Matching};
use crate::python::convert::{run_detached, slice};

fn graph(
    n_rows: usize,
    n_cols: usize,
    indptr: &[i64],
    cols: &[i64],
    weights: &[i64],
) -> CoreResult<BipartiteGraph> {
    let ip: Vec<usize> = indptr
        .iter()
        .map(|&x| {
            usize::try_from(x)
                .map_err(|_| CoreError::invalid("indptr", format!("negative offset {x}")))
        })
        .collect::<CoreResult<_>>()?;
    let cs = to_u32("cols", cols, n_cols)?;
    BipartiteGraph::new(n_rows, n_cols, ip, cs, weights.to_vec())
}

/// Solve the CSR graph with `solver` (GIL released); (column per row or -1, total).
fn run_on_graph<'py>(
    py: Python<'py>,
    (n_rows, n_cols): (usize, usize),
    indptr: &I64Array<'py>,
    cols: &I64Array<'py>,
    weights: &I64Array<'py>,
    solver: fn(&BipartiteGraph) -> Matching,
) -> PyResult<(Bound<'py, PyArray1<i64>>, i64)> {
    let (a, b, c) = (
        slice(py, "indptr", indptr)?,
        slice(py, "cols", cols)?,
        slice(py, "weights", weights)?,
    );
    let m = run_detached(py, || Ok(solver(&graph(n_rows, n_cols, a, b, c)?)))?;
    let rc: Vec<i64> = m.row_col.iter().map(|c| c.map_or(-1, i64::from)).collect();
    Ok((rc.into_pyarray(py), m.total))
}

/// Optimal maximum-weight matching over a CSR graph; returns (column per row or -1, total).
#[pyfunction]
#[pyo3(signature = (n_rows, n_cols, indptr, cols, weights))]
fn max_weight_matching<'py>(
    py: Python<'py>,
    n_rows: usize,
    n_cols: usize,
    indptr: I64Array<'py>,
    cols: I64Array<'py>,
    weights: I64Array<'py>,
) -> PyResult<(Bound<'py, PyArray1<i64>>, i64)> {
    let solver = matching::max_weight_matching;
    run_on_graph(py, (n_rows, n_cols), &indptr, &cols, &weights, solver)
}

/// Best-weight-first greedy matching over a CSR graph; returns (column per row or -1, total).
#[pyfunction]
#[pyo3(signature = (n_rows, n_cols, indptr, cols, weights))]
fn greedy_matching<'py>(
    py: Python<'py>,
    n_rows: usize,
    n_cols: usize,
    indptr: I64Array<'py>,
    cols: I64Array<'py>,
    weights: I64Array<'py>,
) -> PyResult<(Bound<'py, PyArray1<i64>>, i64)> {
    let solver = matching::greedy_matching;
    run_on_graph(py, (n_rows, n_cols), &indptr, &cols, &weights, solver)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(max_weight_matching, m)?)?;
    m.add_function(wrap_pyfunction!(greedy_matching, m)?)?;
    Ok(())
}
