//! The binding layer: the only code that knows about pyo3 and NumPy.
//!
//! Array conversion, error conversion and GIL release live here; every
//! function forwards to a pyo3-free module of the crate.

mod convert;
mod geo;
mod matching;
mod routing;

use pyo3::prelude::*;

/// `engine._core`: private native module of the `engine` package.
#[pymodule]
#[pyo3(name = "_core")]
fn core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    geo::register(m)?;
    matching::register(m)?;
    routing::register(m)?;
    Ok(())
}
