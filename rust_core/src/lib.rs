//! Yunli core: pyo3-free algorithm modules plus one thin binding layer.
//!
//! Every algorithm module is plain Rust, unit-tested with `cargo test`.
//! The `python` feature (enabled by maturin) adds the `python` module, the only
//! place that knows about pyo3, NumPy arrays and Python exceptions.

pub mod error;
pub mod geo;
pub mod matching;
pub mod packing;
pub mod routing;

#[cfg(feature = "python")]
mod python;
