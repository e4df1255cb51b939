//! Error conversion and the one helper that runs long calls without the GIL.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::prelude::*;
use pyo3::types::PyModule;

use crate::error::CoreError;

/// Build an instance of `engine.errors.<class_name>` carrying `message`.
fn engine_error(py: Python<'_>, class_name: &str, message: String) -> PyErr {
    match PyModule::import(py, "engine.errors").and_then(|m| m.getattr(class_name)) {
        Ok(cls) => match cls.call1((message.clone(),)) {
            Ok(obj) => PyErr::from_value(obj),
            Err(e) => e,
        },
        Err(_) => pyo3::exceptions::PyValueError::new_err(message),
    }
}

/// The one conversion from [`CoreError`] to a Python exception.
pub fn to_pyerr(py: Python<'_>, err: CoreError) -> PyErr {
    match err {
        CoreError::InvalidInput { field, reason } => {
            engine_error(py, "InvalidInputError", format!("{field}: {reason}"))
        }
        CoreError::NotFound { field, reason } => {
            engine_error(py, "NotFoundError", format!("{field}: {reason}"))
        }
        CoreError::Infeasible(msg) => engine_error(py, "InfeasibleError", msg),
    }
}

/// Run `f` with the GIL released; a core error becomes the matching
/// `engine.errors` exception and a panic becomes `engine.errors.InternalError`
/// (a panic never crosses into Python as a `PanicException`).
pub fn run_detached<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce() -> Result<T, CoreError> + Send,
{
    let outcome = py.detach(|| catch_unwind(AssertUnwindSafe(f)));
    match outcome {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_pyerr(py, e)),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(engine_error(
                py,
                "InternalError",
                format!("internal error in engine core: {msg}"),
            ))
        }
    }
}

/// Borrow a contiguous slice out of a NumPy array, with a typed error naming `field`.
pub fn slice<'a, T: numpy::Element>(
    py: Python<'_>,
    field: &str,
    arr: &'a numpy::PyReadonlyArray1<'_, T>,
) -> PyResult<&'a [T]> {
    arr.as_slice()
        .map_err(|_| to_pyerr(py, CoreError::invalid(field, "array must be C-contiguous")))
}
