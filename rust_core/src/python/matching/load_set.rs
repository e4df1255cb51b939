//! `LoadSet`: open loads indexed by pickup.

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

use crate::matching::scoring::{Loads, ScoreParams};

/// Open loads indexed by pickup; build with `MatcherCore.prepare_loads`.
#[pyclass(module = "engine._core", frozen)]
pub struct LoadSet {
    pub(super) inner: Loads,
    /// Search radius and circuity the set was indexed with.
    pub(super) params: ScoreParams,
}

#[pymethods]
impl LoadSet {
    /// Number of loads.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Loaded distance (pickup → delivery) of every load, in metres.
    fn load_m<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        self.inner.load_m.clone().into_pyarray(py)
    }
}
