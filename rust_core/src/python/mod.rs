//! The binding layer: the only code that knows about pyo3 and NumPy.
//!
//! Array conversion, error conversion and GIL release live here; every
//! function forwards to a pyo3-free module of the crate.

mod convert;
mod geo;
mod matching;
mod packing;
mod routing;

use pyo3::prelude::*;

/// Panic inside a converting core call, to check from Python that a panic
/// arrives as `engine.errors.InternalError` and prints nothing (diagnostics
/// and tests only).
#[pyfunction]
fn _panic_probe(py: Python<'_>, message: String) -> PyResult<()> {
    convert::run_detached(py, move || -> crate::error::CoreResult<()> {
        panic!("{message}")
    })
}

/// `engine._core`: private native module of the `engine` package.
#[pymodule]
#[pyo3(name = "_core")]
fn core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    convert::install_panic_hook();
    m.add_function(wrap_pyfunction!(_panic_probe, m)?)?;
    geo::register(m)?;
    matching::register(m)?;
    packing::register(m)?;
    routing::register(m)?;
    Ok(())
}
