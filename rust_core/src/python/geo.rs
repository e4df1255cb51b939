//! Bindings for [`crate::geo`].

use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;

use super::convert::{run_detached, slice};
use crate::geo;

/// Row-major `len(src) × len(dst)` road-distance matrix in integer metres.
#[pyfunction]
#[pyo3(signature = (src_lat, src_lon, dst_lat, dst_lon, circuity))]
fn distance_matrix<'py>(
    py: Python<'py>,
    src_lat: PyReadonlyArray1<'py, f64>,
    src_lon: PyReadonlyArray1<'py, f64>,
    dst_lat: PyReadonlyArray1<'py, f64>,
    dst_lon: PyReadonlyArray1<'py, f64>,
    circuity: f64,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let (a, b) = (
        slice(py, "src_lat", &src_lat)?,
        slice(py, "src_lon", &src_lon)?,
    );
    let (c, d) = (
        slice(py, "dst_lat", &dst_lat)?,
        slice(py, "dst_lon", &dst_lon)?,
    );
    let (n, m) = (a.len(), c.len());
    let out = run_detached(py, || geo::distance_matrix(a, b, c, d, circuity))?;
    out.into_pyarray(py).reshape([n, m])
}

/// Road distance in integer metres for each pair (source `i` to destination
/// `i`), bit for bit the matrix cell `distance_matrix` gives that pair.
#[pyfunction]
#[pyo3(signature = (src_lat, src_lon, dst_lat, dst_lon, circuity))]
fn pair_distances<'py>(
    py: Python<'py>,
    src_lat: PyReadonlyArray1<'py, f64>,
    src_lon: PyReadonlyArray1<'py, f64>,
    dst_lat: PyReadonlyArray1<'py, f64>,
    dst_lon: PyReadonlyArray1<'py, f64>,
    circuity: f64,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (a, b) = (
        slice(py, "src_lat", &src_lat)?,
        slice(py, "src_lon", &src_lon)?,
    );
    let (c, d) = (
        slice(py, "dst_lat", &dst_lat)?,
        slice(py, "dst_lon", &dst_lon)?,
    );
    let out = run_detached(py, || geo::pair_distances(a, b, c, d, circuity))?;
    Ok(out.into_pyarray(py))
}

/// Durations in integer seconds for distances in metres under a speed profile.
#[pyfunction]
#[pyo3(signature = (dist_m, urban_kmh, highway_kmh, urban_m))]
fn duration_from_distance<'py>(
    py: Python<'py>,
    dist_m: PyReadonlyArray1<'py, i64>,
    urban_kmh: f64,
    highway_kmh: f64,
    urban_m: f64,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let d = slice(py, "dist_m", &dist_m)?;
    let out = run_detached(py, || {
        let p = geo::SpeedProfile::new(urban_kmh, highway_kmh, urban_m)?;
        geo::duration_from_distance(d, &p)
    })?;
    Ok(out.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(distance_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(duration_from_distance, m)?)?;
    m.add_function(wrap_pyfunction!(pair_distances, m)?)?;
    Ok(())
}
