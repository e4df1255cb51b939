//! Error conversion and the one helper that runs long calls without the GIL.
//!
//! The classes of `engine.errors` are imported once per interpreter (pyo3's
//! `import_exception!` caches them) and built with their structure:
//! `InvalidInputError(message, field=..., row_id=..., reason=...)`.
//! A panic inside a core call is caught and becomes `InternalError`; the panic
//! hook installed by [`install_panic_hook`] keeps quiet about it (no
//! backtrace on stderr) while a core call that converts panics is running.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3::PyTypeInfo;

use crate::error::CoreError;

pyo3::import_exception!(engine.errors, InvalidInputError);
pyo3::import_exception!(engine.errors, NotFoundError);
pyo3::import_exception!(engine.errors, InfeasibleError);
pyo3::import_exception!(engine.errors, InternalError);

/// Core calls running inside [`run_detached`] (their panics are converted).
static CONVERTING: AtomicUsize = AtomicUsize::new(0);
/// Where the last converted panic happened (`file:line`), for the message.
static LAST_PANIC_AT: Mutex<Option<String>> = Mutex::new(None);
static HOOK: Once = Once::new();

/// Install (once) a panic hook that stays silent for panics raised while a
/// converting core call runs (they reach Python as `InternalError`, with the
/// panic message and location), and defers to the previous hook otherwise.
pub fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CONVERTING.load(Ordering::SeqCst) > 0 {
                if let Some(loc) = info.location() {
                    let mut last = LAST_PANIC_AT.lock().unwrap_or_else(|e| e.into_inner());
                    *last = Some(format!("{}:{}", loc.file(), loc.line()));
                }
            } else {
                previous(info);
            }
        }));
    });
}

/// Build an instance of `cls(message, **kwargs)` as a `PyErr`.
fn build(
    cls: Bound<'_, pyo3::types::PyType>,
    message: String,
    kw: Option<&Bound<'_, PyDict>>,
) -> PyErr {
    match cls.call((message,), kw) {
        Ok(obj) => PyErr::from_value(obj),
        Err(e) => e,
    }
}

/// The one conversion from [`CoreError`] to a Python exception.
pub fn to_pyerr(py: Python<'_>, err: CoreError) -> PyErr {
    let message = err.to_string();
    match err {
        CoreError::InvalidInput { field, row, reason } => {
            let kw = PyDict::new(py);
            let set = kw
                .set_item("field", field.as_str())
                .and_then(|()| kw.set_item("row_id", row))
                .and_then(|()| kw.set_item("reason", reason.as_str()));
            if let Err(e) = set {
                return e;
            }
            build(InvalidInputError::type_object(py), message, Some(&kw))
        }
        CoreError::NotFound { .. } => build(NotFoundError::type_object(py), message, None),
        CoreError::Infeasible(_) => build(InfeasibleError::type_object(py), message, None),
    }
}

/// `engine.errors.InternalError` carrying `message`.
pub fn internal_error(py: Python<'_>, message: String) -> PyErr {
    build(InternalError::type_object(py), message, None)
}

/// Decrements [`CONVERTING`] when dropped (also if the closure unwinds).
struct Converting;

impl Converting {
    fn enter() -> Converting {
        CONVERTING.fetch_add(1, Ordering::SeqCst);
        Converting
    }
}

impl Drop for Converting {
    fn drop(&mut self) {
        CONVERTING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Run `f` with the GIL released; a core error becomes the matching
/// `engine.errors` exception and a panic becomes `engine.errors.InternalError`
/// (a panic never crosses into Python as a `PanicException`, and prints
/// nothing: see [`install_panic_hook`]).
pub fn run_detached<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce() -> Result<T, CoreError> + Send,
{
    let outcome = py.detach(|| {
        let _guard = Converting::enter();
        catch_unwind(AssertUnwindSafe(f))
    });
    converted(py, outcome)
}

/// As [`run_detached`] but holding the GIL: for calls of a few microseconds, where
/// handing the GIL to another thread and taking it back costs more than the call.
pub fn run_attached<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    F: FnOnce() -> Result<T, CoreError>,
{
    let outcome = {
        let _guard = Converting::enter();
        catch_unwind(AssertUnwindSafe(f))
    };
    converted(py, outcome)
}

/// A core result or caught panic as a Python result.
fn converted<T>(py: Python<'_>, outcome: std::thread::Result<Result<T, CoreError>>) -> PyResult<T> {
    match outcome {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_pyerr(py, e)),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            let at = LAST_PANIC_AT
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .map(|l| format!(" (at {l})"))
                .unwrap_or_default();
            Err(internal_error(
                py,
                format!("internal error in engine core: {msg}{at}"),
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
